//! Turns the effects of every body into diagnostics: directly where the body's role makes
//! them matter, and along the call graph (workflow → helpers, async activity → helpers,
//! workflow module import → top-level calls) at the root's call site, with the chain.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};
use tempolint_python::TextRange;
use tempolint_python::ast::Expr;
use tempolint_semantic::{ClassId, FunctionId, FunctionKind, ModuleId, Project};

use crate::checker::{BodyFacts, CallEdge, Context, Effect, Guards, NoneCondition};
use crate::diagnostic::{ChainStep, Diagnostic};
use crate::import_order::ImportOrder;
use crate::registry::Rule;
use crate::sandbox_config::{SandboxConfig, Sandboxes};
use crate::tables::{Tables, module_or_parent};

/// One effect reached from a function, with the path to it.
#[derive(Clone)]
struct Reached {
    /// The function holding the effect and its index there.
    origin: (FunctionId, usize),
    /// Function entered and the range in it where the path continues, outermost first.
    steps: Vec<(FunctionId, TextRange)>,
    /// The parameter of the first function whose true value keeps the effect from running
    /// (`parameter or fallback`): a call that passes an always-true value does not reach it.
    unless_truthy: Option<u32>,
    /// The parameters of the first function that must be `None` for the effect to be a
    /// finding (a mask, 0 for none: see [`Effect::if_none`]).
    if_none: u64,
    /// The parameter of the first function whose `workflow.logger` makes the effect
    /// replay-safe (see [`Effect::unless_workflow_logger`]).
    unless_workflow_logger: Option<u32>,
    /// The guards that waive the effect (see [`Effect::waived_by`]).
    waived_by: Guards,
}

impl Reached {
    /// The effect `index` of `function`, where it is.
    fn at(function: FunctionId, index: usize, effect: &Effect) -> Reached {
        Reached {
            origin: (function, index),
            steps: vec![(function, effect.range)],
            unless_truthy: effect.unless_truthy,
            if_none: effect.if_none,
            unless_workflow_logger: effect.unless_workflow_logger,
            waived_by: effect.waived_by,
        }
    }

    /// Whether the call `edge` into the first function of this path cannot reach the effect,
    /// or sits in a guard that waives it (`guards`: see [`Propagation::guards`]).
    fn blocked_by(&self, edge: &CallEdge, guards: Guards) -> bool {
        let filled = |parameter: Option<u32>, mask: u64| {
            parameter.is_some_and(|parameter| mask & (1 << parameter) != 0)
        };
        self.waived_by.meets(guards)
            || filled(self.unless_truthy, edge.arguments.truthy)
            || filled(self.unless_workflow_logger, edge.arguments.workflow_loggers)
            || self.if_none_after(edge) == NoneCondition::Fails
    }

    /// Whether the condition on being `None` holds when `edge` enters the first function of
    /// this path (see [`Effect::if_none`]).
    fn if_none_after(&self, edge: &CallEdge) -> NoneCondition {
        if self.if_none == 0 {
            return NoneCondition::Holds;
        }
        edge.arguments.none_condition(self.if_none)
    }

    /// The caller's parameter a condition on `parameter` moves to when `edge` passes its own
    /// on.
    fn passed_on(parameter: Option<u32>, edge: &CallEdge) -> Option<u32> {
        edge.arguments.forwarded_to(parameter?)
    }
}

/// How the SDK runs a function a walk starts from, for what its findings mean there.
#[derive(Clone, Copy, Default)]
pub(crate) struct Root {
    /// Guards around all of it: a workflow that runs without a sandbox is, all of it, as if
    /// in `workflow.unsafe.sandbox_unrestricted()`.
    pub(crate) ambient: Guards,
    /// A `@workflow.query` handler or an update validator (`@update.validator`): replay
    /// never runs it, so what only makes a replay diverge does not matter there, and what the
    /// sandbox rejects fails the query or rejects the update.
    pub(crate) handler: Option<Handler>,
    /// Whether the root is a helper method only such handlers use (see
    /// [`crate::handler_helpers`]), not the handler itself.
    pub(crate) handler_helper: bool,
}

/// A workflow method replay never runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handler {
    Query,
    /// It runs read-only, when the update arrives: it issues no command, so neither set
    /// order nor hashing can change the history.
    Validator,
    /// An `@activity.defn` method of a workflow class: the worker runs it as an activity, so
    /// a helper method only such methods use is activity code, never workflow code.
    Activity,
}

impl Handler {
    /// The kind of handler a method's decorators make it, if one replay never runs.
    pub(crate) fn of(project: &Project, function: FunctionId) -> Option<Handler> {
        let data = project.function(function);
        data.def.decorator_list.iter().find_map(|decorator| {
            if let Expr::Attribute(attribute) = &decorator.expression
                && attribute.attr.as_str() == "validator"
            {
                return Some(Handler::Validator);
            }
            match project.sdk_decorator(data.module, decorator)?.0.as_str() {
                "temporalio.workflow.query" => Some(Handler::Query),
                "temporalio.activity.defn" => Some(Handler::Activity),
                _ => None,
            }
        })
    }
}

impl Handler {
    /// Where a call sits, for a handler replay never runs (or a method only such handlers
    /// use, `helper`). None for activity code, which is no workflow code.
    fn place(self, helper: bool) -> Option<&'static str> {
        Some(match (self, helper) {
            (Handler::Query, false) => "a query handler",
            (Handler::Query, true) => "a method only query handlers use",
            (Handler::Validator, false) => "an update validator",
            (Handler::Validator, true) => "a method only update validators use",
            (Handler::Activity, _) => return None,
        })
    }

    /// Where a call the sandbox rejects sits, and what its rejection does (see
    /// [`Self::place`]).
    fn sandbox_rejection(self, helper: bool) -> Option<(&'static str, &'static str)> {
        let outcome = match self {
            Handler::Query => "the query fails (replay never runs queries",
            Handler::Validator => "the update is rejected (replay never runs validators",
            Handler::Activity => return None,
        };
        Some((self.place(helper)?, outcome))
    }
}

impl Root {
    /// How the SDK runs `function`: a workflow method of a workflow that runs without a
    /// sandbox, or a query handler (or a helper method only query handlers use, as
    /// `helpers` says), is not like the rest.
    pub(crate) fn of(
        project: &Project,
        sandbox: &SandboxConfig,
        helpers: &FxHashMap<FunctionId, Handler>,
        function: FunctionId,
    ) -> Root {
        let data = project.function(function);
        if data.kind != FunctionKind::WorkflowMethod {
            return Root::default();
        }
        let unsandboxed = data.class.is_some_and(|class| {
            if project.class(class).workflow.is_some() {
                return sandbox.runs_unsandboxed(project, class);
            }
            // A handler inherited from a base class: as unrestricted as any workflow deriving
            // from it runs (what only the sandbox rejects is then not claimed).
            (0..project.classes.len() as u32)
                .map(ClassId)
                .any(|workflow| {
                    project.class(workflow).workflow.is_some()
                        && project.ancestry(workflow).classes.contains(&class)
                        && sandbox.runs_unsandboxed(project, workflow)
                })
        });
        let helper = helpers.get(&function).copied();
        Root {
            ambient: if unsandboxed {
                Guards::SANDBOX_UNRESTRICTED
            } else {
                Guards::default()
            },
            handler: Handler::of(project, function).or(helper),
            handler_helper: helper.is_some(),
        }
    }

    /// Whether a finding of `effect` does not hold in this root.
    fn hides(self, effect: &Effect) -> bool {
        self.handler == Some(Handler::Activity)
            || effect.waived_by.meets(self.ambient)
            || self.handler.is_some_and(|handler| {
                // A query's answer is no command: the order it lists a set in changes
                // nothing recorded (a hash it compares with kept state does change the answer).
                (effect.rule == Rule::SetIteration
                    && matches!(handler, Handler::Validator | Handler::Query))
                    || (handler == Handler::Validator && effect.rule == Rule::HashOrId)
                    || (replay_only(effect.rule)
                        && (!effect.sandbox_rejects
                            || self.ambient.meets(Guards::SANDBOX_UNRESTRICTED)))
            })
    }

    /// The message of a finding of `effect` in this root, reached through `through` (the
    /// chain, described) when it is not the root's own.
    fn message(self, effect: &Effect, through: Option<&str>) -> String {
        let own = &effect.message;
        let message = if let Some(handler) = self.handler
            && replay_only(effect.rule)
            && let Some((place, outcome)) = handler.sandbox_rejection(self.handler_helper)
        {
            format!(
                "{} in {place}: the workflow sandbox rejects it and {outcome}, so that is \
                 all that goes wrong)",
                named_call(own)
            )
        } else if self.handler == Some(Handler::Query) && effect.rule == Rule::HashOrId {
            format!(
                "{} in {}: it differs between worker processes, so the query answers differently \
                 on each (queries are not replayed: the history is safe). Use a stable digest \
                 (`hashlib`, `zlib.crc32`)",
                named_call(own),
                Handler::Query
                    .place(self.handler_helper)
                    .unwrap_or("a query handler"),
            )
        } else {
            own.clone()
        };
        match through {
            Some(through) => format!("{message} (reached through {through})"),
            None => message,
        }
    }
}

/// The call a finding's message names first (`` `datetime.datetime.now()` ``).
fn named_call(message: &str) -> String {
    message
        .strip_prefix('`')
        .and_then(|rest| rest.split_once('`'))
        .map_or_else(|| "This call".to_string(), |(call, _)| format!("`{call}`"))
}

/// Rules whose findings are about replay going another way: the clock, randomness, ids,
/// I/O, the host, `asyncio.wait` and logging. Not the sandbox's rejections, shared state,
/// nor hashing and set order, by which a query may answer differently in another process.
fn replay_only(rule: Rule) -> bool {
    (rule.code().starts_with("DET1") && rule != Rule::SandboxRestricted)
        || matches!(rule, Rule::AsyncioWait | Rule::WorkflowLogging)
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Walk {
    Workflow,
    AsyncActivity,
    ImportTime,
}

type Memo = FxHashMap<(Walk, FunctionId), Rc<Vec<Reached>>>;

pub(crate) struct Propagation<'p, 'a> {
    project: &'p Project<'a>,
    functions: &'p [BodyFacts],
    sandbox: &'p SandboxedModules,
    memo: RefCell<Memo>,
    in_progress: RefCell<FxHashSet<(Walk, FunctionId)>>,
}

impl<'p, 'a> Propagation<'p, 'a> {
    pub(crate) fn new(
        project: &'p Project<'a>,
        functions: &'p [BodyFacts],
        sandbox: &'p SandboxedModules,
    ) -> Self {
        Self {
            project,
            functions,
            sandbox,
            memo: RefCell::default(),
            in_progress: RefCell::default(),
        }
    }

    fn facts(&self, function: FunctionId) -> &'p BodyFacts {
        &self.functions[function.0 as usize]
    }

    /// Whether a walk goes into `target`. Workflow methods report their own findings, so no
    /// walk enters them; an activity *called* (not scheduled) from workflow code runs inline
    /// in the workflow, so the workflow walk does enter it.
    fn follows(&self, walk: Walk, target: FunctionId) -> bool {
        !matches!(
            (walk, self.project.function(target).kind),
            (
                Walk::Workflow | Walk::AsyncActivity,
                FunctionKind::WorkflowMethod
            )
        )
    }

    /// Calls a walk does not follow: into a thread (for the event loop), in a branch that
    /// only runs outside workflows (for workflow code), or, at import time (where every
    /// finding is the sandbox's), into a module the sandbox passes through.
    fn skips(&self, walk: Walk, edge: &CallEdge) -> bool {
        match walk {
            Walk::AsyncActivity => edge.offloaded,
            Walk::Workflow => edge.outside_workflow,
            Walk::ImportTime => edge.deferred || self.runs_outside(edge.target),
        }
    }

    /// Whether `function` is defined in a module the sandbox passes through: it runs with
    /// the real modules, which nothing restricts, also when sandboxed code calls it.
    fn runs_outside(&self, function: FunctionId) -> bool {
        self.sandbox
            .runs_outside(self.project.function(function).module)
    }

    /// Whether a finding of `effect` does not hold in `root`: the root waives it, or the
    /// module state it mutates is the workflow run's own (the sandbox imports the module anew
    /// for each run and each replay, unless it passes it through).
    fn hidden(&self, effect: &Effect, root: Root) -> bool {
        root.hides(effect)
            || effect.state_of.is_some_and(|module| {
                !root.ambient.meets(Guards::SANDBOX_UNRESTRICTED) && !self.sandbox.shared(module)
            })
    }

    /// The guards around the call `edge`, and around all it reaches: its own, and the
    /// sandbox's absence when it enters a module the sandbox passes through.
    fn guards(&self, edge: &CallEdge) -> Guards {
        if self.runs_outside(edge.target) {
            edge.guards.with(Guards::SANDBOX_UNRESTRICTED, true)
        } else {
            edge.guards
        }
    }

    fn counts(walk: Walk, effect: &Effect) -> bool {
        match walk {
            Walk::Workflow => effect.context == Context::Workflow,
            Walk::AsyncActivity => effect.context == Context::AsyncActivity && !effect.offloaded,
            Walk::ImportTime => effect.context == Context::ImportTime,
        }
    }

    /// Every effect `function` reaches in `walk`, each once, by the first path found.
    fn reach(&self, walk: Walk, function: FunctionId) -> Rc<Vec<Reached>> {
        if let Some(done) = self.memo.borrow().get(&(walk, function)) {
            return Rc::clone(done);
        }
        if !self.in_progress.borrow_mut().insert((walk, function)) {
            return Rc::new(Vec::new());
        }
        let facts = self.facts(function);
        let mut seen = FxHashSet::default();
        let mut reached = Vec::new();
        for (index, effect) in facts.effects.iter().enumerate() {
            if Self::counts(walk, effect) && seen.insert((function, index)) {
                reached.push(Reached::at(function, index, effect));
            }
        }
        for edge in &facts.edges {
            if self.skips(walk, edge) {
                continue;
            }
            let guards = self.guards(edge);
            for inner in self.entered(walk, edge.target).iter() {
                if !inner.blocked_by(edge, guards) && seen.insert(inner.origin) {
                    let mut steps = Vec::with_capacity(inner.steps.len() + 1);
                    steps.push((function, edge.range));
                    steps.extend_from_slice(&inner.steps);
                    reached.push(Reached {
                        origin: inner.origin,
                        steps,
                        unless_truthy: Reached::passed_on(inner.unless_truthy, edge)
                            .or(edge.unless_truthy),
                        if_none: match inner.if_none_after(edge) {
                            NoneCondition::IfCallerNone(parameters) => parameters,
                            NoneCondition::Holds | NoneCondition::Fails => 0,
                        },
                        unless_workflow_logger: Reached::passed_on(
                            inner.unless_workflow_logger,
                            edge,
                        ),
                        waived_by: inner.waived_by,
                    });
                }
            }
        }
        self.in_progress.borrow_mut().remove(&(walk, function));
        let reached = Rc::new(reached);
        self.memo
            .borrow_mut()
            .insert((walk, function), Rc::clone(&reached));
        reached
    }

    /// What a walk finds entering `target`: all it reaches, or, in a workflow's own method
    /// (which reports its findings itself), only those that hold for some callers' arguments
    /// (see [`Effect::if_none`]).
    fn entered(&self, walk: Walk, target: FunctionId) -> Rc<Vec<Reached>> {
        if self.follows(walk, target) {
            return self.reach(walk, target);
        }
        let conditional = self
            .facts(target)
            .effects
            .iter()
            .enumerate()
            .filter(|(_, effect)| effect.if_none != 0 && Self::counts(walk, effect))
            .map(|(index, effect)| Reached::at(target, index, effect))
            .collect();
        Rc::new(conditional)
    }

    fn effect(&self, origin: (FunctionId, usize)) -> &'p Effect {
        &self.facts(origin.0).effects[origin.1]
    }

    /// Diagnostics at `edge_range` for everything `target` reaches in `walk`: one per rule
    /// and function entered, by the first path found (a dispatch site that reaches twelve
    /// handlers, each with several blocking calls, gets one finding per handler and rule,
    /// not one per call inside them).
    /// Findings that do not hold in `root` are left out.
    fn transitive(&self, walk: Walk, edge: &CallEdge, root: Root, into: &mut Vec<Diagnostic>) {
        // Every path found here enters `edge.target` first: one finding per rule.
        let mut rules = FxHashSet::default();
        let guards = self.guards(edge);
        for reached in self.entered(walk, edge.target).iter() {
            let effect = self.effect(reached.origin);
            // A condition on `None` moved to the root's parameter: what the client passes.
            let conditional = matches!(reached.if_none_after(edge), NoneCondition::IfCallerNone(_));
            if reached.blocked_by(edge, guards) || conditional || self.hidden(effect, root) {
                continue;
            }
            if !rules.insert(effect.rule) {
                continue;
            }
            let chain = chain_of(self.project, &reached.steps);
            let through = describe_chain(&chain);
            into.push(Diagnostic {
                rule: effect.rule,
                message: root.message(effect, Some(&through)),
                severity: effect.severity,
                range: edge.range,
                chain,
                fix: None,
            });
        }
    }

    /// Diagnostics of a project function, reported in its own file, as `root` runs it.
    pub(crate) fn function_diagnostics(&self, function: FunctionId, root: Root) -> Vec<Diagnostic> {
        let facts = self.facts(function);
        let kind = self.project.function(function).kind;
        let (direct, walk): (&[Context], Option<Walk>) = match kind {
            FunctionKind::WorkflowMethod => (
                &[Context::Workflow, Context::WorkflowBody, Context::Anywhere],
                Some(Walk::Workflow),
            ),
            FunctionKind::Activity { is_async: true } => (
                &[
                    Context::AsyncActivity,
                    Context::ActivityBody,
                    Context::Anywhere,
                ],
                Some(Walk::AsyncActivity),
            ),
            FunctionKind::Activity { is_async: false } => {
                (&[Context::ActivityBody, Context::Anywhere], None)
            }
            FunctionKind::Plain => (&[Context::Anywhere], None),
        };
        let mut diagnostics: Vec<Diagnostic> = facts
            .effects
            .iter()
            .filter(|effect| direct.contains(&effect.context) && effect.if_none == 0)
            .filter(|effect| !(effect.context == Context::AsyncActivity && effect.offloaded))
            .filter(|effect| !self.hidden(effect, root))
            .map(|effect| {
                let mut diagnostic = direct_diagnostic(effect);
                diagnostic.message = root.message(effect, None);
                diagnostic
            })
            .collect();
        if let Some(walk) = walk {
            // A call site can hold two edges to one function (resolved and dispatched). A call
            // of the function itself reaches only what it reports already.
            let mut followed = FxHashSet::default();
            for edge in &facts.edges {
                if self.skips(walk, edge)
                    || edge.target == function
                    || !followed.insert((edge.range, edge.target))
                {
                    continue;
                }
                self.transitive(walk, edge, root, &mut diagnostics);
            }
        }
        diagnostics
    }

    /// Diagnostics of a module's top-level code.
    pub(crate) fn module_diagnostics(&self, facts: &BodyFacts, sandboxed: bool) -> Vec<Diagnostic> {
        let mut diagnostics: Vec<Diagnostic> = facts
            .effects
            .iter()
            .filter(|effect| {
                effect.context == Context::Anywhere
                    || (sandboxed && effect.context == Context::ImportTime)
            })
            .map(direct_diagnostic)
            .collect();
        if sandboxed {
            let mut followed = FxHashSet::default();
            for edge in &facts.edges {
                if self.skips(Walk::ImportTime, edge) || !followed.insert((edge.range, edge.target))
                {
                    continue;
                }
                self.transitive(Walk::ImportTime, edge, Root::default(), &mut diagnostics);
            }
        }
        diagnostics
    }
}

fn direct_diagnostic(effect: &Effect) -> Diagnostic {
    Diagnostic {
        rule: effect.rule,
        message: effect.message.clone(),
        severity: effect.severity,
        range: effect.range,
        chain: Vec::new(),
        fix: effect.fix.clone(),
    }
}

/// Which project modules run inside the sandbox and which beside it.
pub(crate) struct SandboxedModules {
    /// Modules whose top-level code runs inside the sandbox.
    pub(crate) inside: FxHashSet<ModuleId>,
    /// Modules the sandbox passes through (and what they import), in none of `inside`: the
    /// worker imported them itself, so their functions see the real modules. Counts what a
    /// configuration we cannot read may pass through.
    outside: FxHashSet<ModuleId>,
    /// Of those, what `imports_passed_through()` imports and what the project names for a
    /// worker's sandbox to pass through (and what they import): certainly one copy for every
    /// run on the worker.
    shared: FxHashSet<ModuleId>,
}

impl SandboxedModules {
    /// Whether `module` is passed through and nowhere imported inside the sandbox.
    fn runs_outside(&self, module: ModuleId) -> bool {
        self.outside.contains(&module)
    }

    /// Whether every run on the worker certainly sees the same `module`.
    fn shared(&self, module: ModuleId) -> bool {
        self.shared.contains(&module)
    }
}

/// Modules whose top-level code runs inside the sandbox: those defining workflows and the
/// project modules they import normally, transitively, less what the sandbox passes through.
/// A module imported under `workflow.unsafe.imports_passed_through()`, or passed through by
/// every sandbox that runs the importing module's workflows (`with_passthrough_modules(…)`,
/// plugins), is the worker's own import: its top level, and what it imports, ran outside.
pub(crate) fn sandboxed_modules(
    project: &Project,
    sandbox: &SandboxConfig,
    tables: &Tables,
    order: &ImportOrder,
) -> SandboxedModules {
    let mut sandboxed: FxHashSet<ModuleId> = FxHashSet::default();
    let mut passed = Vec::new();
    let workflow_modules = (0..project.modules.len() as u32)
        .map(ModuleId)
        .filter(|id| !project.module(*id).workflows.is_empty());
    // Modules whose workflows' sandboxes pass through nothing special share one walk.
    let (plain, configured): (Vec<ModuleId>, Vec<ModuleId>) = workflow_modules.partition(|id| {
        project
            .module(*id)
            .workflows
            .iter()
            .all(|workflow| sandbox.is_plain(project, *workflow))
    });
    let everywhere =
        |module: ModuleId| sandbox.passed_everywhere(tables, project.module(module).name());
    walk_imports(
        project,
        plain,
        &everywhere,
        Some(order),
        &mut sandboxed,
        &mut passed,
    );
    // Modules whose workflows run in the same sandboxes share a walk too.
    let mut groups: Vec<(Vec<Sandboxes>, Vec<ModuleId>)> = Vec::new();
    for start in configured {
        let mut key: Vec<Sandboxes> = Vec::new();
        for workflow in &project.module(start).workflows {
            let sandboxes = sandbox.sandboxes(project, *workflow);
            if !key.contains(&sandboxes) {
                key.push(sandboxes);
            }
        }
        let same = |other: &[Sandboxes]| {
            other.len() == key.len() && other.iter().all(|each| key.contains(each))
        };
        match groups.iter_mut().find(|(other, _)| same(other)) {
            Some((_, starts)) => starts.push(start),
            None => groups.push((key, vec![start])),
        }
    }
    for (key, starts) in groups {
        let passes = |module: ModuleId| {
            let name = project.module(module).name();
            key.iter()
                .all(|each| sandbox.sandboxes_pass_project_module(tables, *each, name))
        };
        let mut reached = FxHashSet::default();
        walk_imports(
            project,
            starts,
            &passes,
            Some(order),
            &mut reached,
            &mut passed,
        );
        sandboxed.extend(reached);
    }
    // Shared by the runs: what the code passes through, and what the project names for a
    // worker's sandbox to pass through (not what a configuration we cannot read may pass).
    let explicit: Vec<ModuleId> = passed
        .iter()
        .filter(|(module, explicit)| {
            *explicit || sandbox.names_project_module(project.module(*module).name())
        })
        .map(|(module, _)| *module)
        .collect();
    let all: Vec<ModuleId> = passed.into_iter().map(|(module, _)| module).collect();
    SandboxedModules {
        outside: imported_outside(project, all, &sandboxed),
        shared: imported_outside(project, explicit, &sandboxed),
        inside: sandboxed,
    }
}

/// `passed` and what they import, passed through or not (the worker imports it all), less
/// what runs `inside` the sandbox.
fn imported_outside(
    project: &Project,
    mut passed: Vec<ModuleId>,
    inside: &FxHashSet<ModuleId>,
) -> FxHashSet<ModuleId> {
    let mut outside = FxHashSet::default();
    while !passed.is_empty() {
        let mut more = Vec::new();
        walk_imports(project, passed, &|_| false, None, &mut outside, &mut more);
        passed = more.into_iter().map(|(module, _)| module).collect();
    }
    outside.retain(|module| !inside.contains(module));
    outside
}

/// Adds to `reached` every module imported normally from `starts`, transitively, that
/// `passes` does not take out (nor what only such modules import); adds to `passed` the
/// modules taken out (`false`) and those imported under `imports_passed_through()` (`true`).
/// With the sandbox's `order`, an import of a module an earlier statement passed through is
/// not followed: the sandbox finds that module in its cache.
fn walk_imports(
    project: &Project,
    mut queue: Vec<ModuleId>,
    passes: &dyn Fn(ModuleId) -> bool,
    order: Option<&ImportOrder>,
    reached: &mut FxHashSet<ModuleId>,
    passed: &mut Vec<(ModuleId, bool)>,
) {
    // Modules taken out already: asked once, not at each import of them.
    let mut taken_out = FxHashSet::default();
    while let Some(module) = queue.pop() {
        if reached.contains(&module) || taken_out.contains(&module) {
            continue;
        }
        if passes(module) {
            taken_out.insert(module);
            passed.push((module, false));
            continue;
        }
        reached.insert(module);
        // Importing `a.b.c` runs `a/__init__.py` and `a/b/__init__.py` first.
        queue.extend(
            module_or_parent(project.module(module).name())
                .skip(1)
                .filter_map(|package| project.module_by_name(package)),
        );
        for import in project.module(module).imported_modules() {
            let Some(imported) = project.module_by_name(&import.target) else {
                continue;
            };
            if import.passed_through {
                passed.push((imported, true));
            } else if !order.is_some_and(|order| order.cached(module, import, passes)) {
                queue.push(imported);
            }
        }
    }
}

/// The chain as the message names it: every step of a short one; the first three and the last
/// two of a long one (a 5,000-deep helper chain would make a message of 150 KB; the `chain`
/// field keeps every step).
/// The chain of a finding: each function entered, and the range in it where the path
/// continues.
pub(crate) fn chain_of(project: &Project, steps: &[(FunctionId, TextRange)]) -> Vec<ChainStep> {
    steps
        .iter()
        .map(|(function, range)| {
            let data = project.function(*function);
            ChainStep {
                name: data.qualified_name.clone(),
                file: project.module(data.module).input.path.clone(),
                range: *range,
            }
        })
        .collect()
}

pub(crate) fn describe_chain(chain: &[ChainStep]) -> String {
    let name = |step: &ChainStep| format!("`{}`", step.name);
    if chain.len() <= 6 {
        return chain.iter().map(name).collect::<Vec<_>>().join(" → ");
    }
    let head: Vec<String> = chain[..3].iter().map(name).collect();
    let tail: Vec<String> = chain[chain.len() - 2..].iter().map(name).collect();
    format!(
        "{} → … {} more … → {}",
        head.join(" → "),
        chain.len() - 5,
        tail.join(" → ")
    )
}
