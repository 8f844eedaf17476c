//! The checker walks one body (a function, or a module's top-level code) once, keeps the local
//! scope up to date, and calls each enabled rule's check per node kind. Rules report
//! [`Effect`]s: findings tagged with the context they matter in; [`crate::propagate`] turns
//! them into diagnostics once the call graph is known.

mod argument_types;
mod constructor;
mod dispatch_table;
mod fallback;
mod guards;
mod identity;
pub(crate) use guards::WORKFLOW_ONLY;
mod narrowing;
mod offload;
mod project;
mod stored_callable;
mod walk;

pub(crate) use argument_types::{ArgumentType, agreed as agreed_argument_types};
pub(crate) use fallback::tested_for_none;
pub(crate) use project::ProjectChecker;

use rustc_hash::FxHashMap;
use tempolint_python::ast::{self, Expr, Stmt};
use tempolint_python::{Ranged, TextRange, TextSize};
use tempolint_semantic::{Binding, FunctionId, FunctionKind, ModuleId, Project, Resolver};

use crate::diagnostic::{Fix, Severity};
use crate::registry::Rule;
use crate::rules::Violation;
use crate::settings::Settings;
use crate::tables::{Restriction, TABLES, Tables};

/// Where a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// In workflow methods, and through calls at the workflow's call site.
    Workflow,
    /// In `async def` activities, and through their calls (not offloaded to a thread).
    AsyncActivity,
    /// In top-level code of a module the sandbox imports, and through its calls.
    ImportTime,
    /// Only directly in a workflow method.
    WorkflowBody,
    /// Only directly in an activity.
    ActivityBody,
    /// Wherever it is.
    Anywhere,
    /// Nowhere: workflow code in a branch that only runs outside workflows
    /// (`if not workflow.in_workflow():`).
    Nowhere,
}

/// A finding of one body, before propagation.
#[derive(Debug, Clone)]
pub(crate) struct Effect {
    pub(crate) rule: Rule,
    pub(crate) context: Context,
    pub(crate) range: TextRange,
    pub(crate) message: String,
    pub(crate) severity: Severity,
    pub(crate) fix: Option<Fix>,
    /// Inside code handed to a thread (`run_in_executor(…, lambda: …)`).
    pub(crate) offloaded: bool,
    /// In the fallback of `parameter or …` (by the parameter's index, see
    /// [`CallEdge::truthy_arguments`]): it runs only when that argument is falsy.
    pub(crate) unless_truthy: Option<u32>,
    /// A finding only when these parameters (a mask of indexes, as for `unless_truthy`; 0 for
    /// none) are all `None` (`start_to_close_timeout=timeout` in a helper), or empty for its
    /// `**kwargs` (`**options` passed on, which may hold a timeout): never reported in its own
    /// body, only at a call that leaves them so (see [`PassedArguments::none_condition`]).
    pub(crate) if_none: u64,
    /// A logging call on this parameter (by index, as for `unless_truthy`): it does not
    /// repeat on replay when the caller passes `workflow.logger` (see
    /// [`CallEdge::workflow_loggers`]).
    pub(crate) unless_workflow_logger: Option<u32>,
    /// The guards that make this finding moot in the code they enclose, also when the
    /// finding is reached through calls made there.
    pub(crate) waived_by: Guards,
    /// A call the workflow sandbox rejects (`RestrictedWorkflowAccessError`): in a query
    /// handler, which replay never runs, that is what still goes wrong.
    pub(crate) sandbox_rejects: bool,
    /// The module whose top-level state this mutates (DET204): the sandbox gives each
    /// workflow run its own copy, unless it passes the module through.
    pub(crate) state_of: Option<ModuleId>,
}

/// Guards of workflow code that make some findings moot inside them: a print under
/// `if not workflow.unsafe.is_replaying():` does not repeat on replay, and a restricted call
/// under `with workflow.unsafe.sandbox_unrestricted():` passes the sandbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Guards(u8);

impl Guards {
    pub(crate) const NOT_REPLAYING: Guards = Guards(1);
    pub(crate) const SANDBOX_UNRESTRICTED: Guards = Guards(2);
    /// In the body of a `try` that catches the sandbox's `RestrictedWorkflowAccessError`
    /// (`except Exception:`) and does not raise again.
    pub(crate) const REJECTION_CAUGHT: Guards = Guards(4);

    pub(crate) fn with(self, guard: Guards, active: bool) -> Guards {
        if active {
            Guards(self.0 | guard.0)
        } else {
            self
        }
    }

    /// Whether a guard of `self` is also one of `other`.
    pub(crate) fn meets(self, other: Guards) -> bool {
        self.0 & other.0 != 0
    }
}

/// A call of a project function.
#[derive(Debug, Clone)]
pub(crate) struct CallEdge {
    pub(crate) range: TextRange,
    pub(crate) target: FunctionId,
    pub(crate) offloaded: bool,
    /// In a branch that only runs outside workflows: not followed from workflow code.
    pub(crate) outside_workflow: bool,
    /// In a nested function or a lambda: runs when that is called, not when the body runs
    /// (not followed at import time: a decorator factory's wrapper is not called by applying
    /// the decorator).
    pub(crate) deferred: bool,
    /// What the call passes to the callee's parameters.
    pub(crate) arguments: PassedArguments,
    /// The guards around the call: findings the callee reaches that they waive do not count.
    pub(crate) guards: Guards,
    /// In the fallback of `parameter or …` or under `if parameter is None:` (see
    /// [`Effect::unless_truthy`]): what the callee reaches runs only when that argument is
    /// falsy.
    pub(crate) unless_truthy: Option<u32>,
}

/// What a call of a project function passes to its parameters, each named by its index in
/// positional-then-keyword-only order (below 64; a method's `self` is the first).
#[derive(Debug, Clone, Default)]
pub(crate) struct PassedArguments {
    /// The parameters filled with a value that is always true (`workflow.now()`,
    /// `workflow.uuid4()`, a non-empty literal): the callee's `parameter or fallback` never
    /// runs the fallback.
    pub(crate) truthy: u64,
    /// The parameters filled with the caller's own, passed on as they came
    /// (`callee parameter`, `caller parameter`): a fallback on the first runs only when the
    /// caller's caller passed a false value to the second.
    pub(crate) forwarded: Vec<(u32, u32)>,
    /// Those of `forwarded` whose caller parameter the caller never rebinds at all (not even
    /// `parameter = parameter or default`): they hold exactly what the caller was given.
    pub(crate) forwarded_exactly: u64,
    /// The parameters that are `None` in this call: passed a literal `None`, or left to a
    /// literal `None` default by a call without `*`/`**` unpacking; and the callee's
    /// `**kwargs` (its index follows the named parameters) when the call fills it with
    /// nothing.
    pub(crate) none: u64,
    /// The parameters filled with `workflow.logger`, whose calls are replay-safe.
    pub(crate) workflow_loggers: u64,
}

impl PassedArguments {
    /// Whether the callee's `parameters` (a mask) are all `None` in this call, for a finding
    /// that holds only then ([`Effect::if_none`]).
    pub(crate) fn none_condition(&self, parameters: u64) -> NoneCondition {
        let mut callers = 0_u64;
        // The parameters the call does not already give `None`, lowest first.
        let mut open = parameters & !self.none;
        while open != 0 {
            let parameter = open.trailing_zeros();
            let bit = 1_u64 << parameter;
            open &= !bit;
            match self.forwarded_to(parameter) {
                Some(caller) if self.forwarded_exactly & bit != 0 && caller < 64 => {
                    callers |= 1 << caller;
                }
                _ => return NoneCondition::Fails,
            }
        }
        if callers == 0 {
            NoneCondition::Holds
        } else {
            NoneCondition::IfCallerNone(callers)
        }
    }

    /// The caller's own parameter this call passes on to the callee's `parameter`, if any.
    pub(crate) fn forwarded_to(&self, parameter: u32) -> Option<u32> {
        self.forwarded
            .iter()
            .find(|(callee, _)| *callee == parameter)
            .map(|(_, caller)| *caller)
    }
}

/// Whether a condition on a parameter's being `None` holds at a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoneCondition {
    /// The call makes it `None`.
    Holds,
    /// The call passes the caller's own parameters (a mask): the condition moves there.
    IfCallerNone(u64),
    /// The call may pass anything else.
    Fails,
}

/// What a call schedules: a project activity passed as a function, or an activity by the name
/// it is registered under (`execute_activity("charge-card", …)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scheduled {
    Function(FunctionId),
    /// The name, and whether the call picks a task queue (possibly another worker's).
    Named {
        name: String,
        task_queue: bool,
    },
}

/// A call that schedules an activity, for the heartbeat rules.
#[derive(Debug, Clone)]
pub(crate) struct ActivityCall {
    pub(crate) activity: Scheduled,
    pub(crate) heartbeat_timeout: Option<TextRange>,
    /// A `**splat` whose keys cannot be known: it may set `heartbeat_timeout`.
    pub(crate) opaque_options: bool,
}

/// What an activity or child workflow call started by a string name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NamedKind {
    Activity,
    Workflow,
}

/// An activity or child workflow started by a string name (`execute_activity("charge")`).
#[derive(Debug, Clone)]
pub(crate) struct NamedStart {
    pub(crate) kind: NamedKind,
    pub(crate) name: String,
    pub(crate) range: TextRange,
    /// Whether the name is written there as a string literal (else a constant holds it).
    pub(crate) literal: bool,
}

/// A `raise` or `assert` in workflow code whose exception is not a Temporal failure.
#[derive(Debug, Clone)]
pub(crate) struct RaiseSite {
    pub(crate) range: TextRange,
    /// The canonical name of the exception class (`builtins.ValueError`).
    pub(crate) exception: String,
}

/// The exception types a `Worker(workflow_failure_exception_types=…)` declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FailureTypes {
    Known(Vec<String>),
    /// Not a literal list of resolvable classes.
    Unknown,
}

/// Everything one body contributes to the analysis.
#[derive(Debug, Default)]
pub(crate) struct BodyFacts {
    pub(crate) effects: Vec<Effect>,
    pub(crate) edges: Vec<CallEdge>,
    pub(crate) activity_calls: Vec<ActivityCall>,
    /// `activity.heartbeat(…)` calls, with whether they sit in a loop that runs with the
    /// activity's context (a heartbeat in a thread started in a fresh context, as
    /// `threading.Thread` starts it, raises "Not in activity context": it may be how the code
    /// means to heartbeat, but it sends nothing).
    pub(crate) heartbeats: Vec<(TextRange, bool)>,
    pub(crate) continues_as_new: bool,
    /// `while True:` loops that await something.
    pub(crate) endless_loops: Vec<TextRange>,
    /// `for … in range(N):` loops past the history's limit: N, and the fewest history events
    /// all N iterations add.
    pub(crate) counted_loops: Vec<(TextRange, (u64, u64))>,
    pub(crate) named_starts: Vec<NamedStart>,
    /// Registrations whose names are not known: a worker given activities or workflows
    /// from outside the project (or plugins), a definition nested here named at run time.
    pub(crate) opaque_registration: bool,
    /// An `activity.defn` / `workflow.defn` called on a function (`activity.defn(name=…)(f)`),
    /// as a registering decorator of the project's own does it.
    pub(crate) applies_defn: bool,
    /// Undecorated project functions this body uses as activities (API110).
    pub(crate) undecorated_activities: Vec<crate::rules::api::undecorated_activity::UndecoratedUse>,
    /// Project functions given their activity definition by a call (`activity.defn(fetch)`).
    pub(crate) defined_by_call: Vec<FunctionId>,
    /// `activity.defn` applied by a call to a function not known.
    pub(crate) defines_unknown: bool,
    /// The names `@activity.defn` / `@workflow.defn` definitions nested in this body register.
    pub(crate) nested_registrations: Vec<(NamedKind, String)>,
    pub(crate) raises: Vec<RaiseSite>,
    /// Calls of the workflow's own methods (`await self._steps()`) and of module-level
    /// functions outside any `try` that handles exceptions, with the callee's range: what the
    /// callee raises escapes here too.
    pub(crate) uncaught_calls: Vec<(FunctionId, TextRange)>,
    /// Whether the body calls the workflow API (`temporalio.workflow.*`): it is written to
    /// run in a workflow, and what it raises is meant for one.
    pub(crate) calls_workflow_api: bool,
    pub(crate) worker_failure_types: Vec<FailureTypes>,
    /// What each call of a project function passes for its parameters.
    pub(crate) argument_types: Vec<ArgumentType>,
    /// The `workflows=[…]` of each `Worker(…)`: the project classes, where each is listed.
    pub(crate) worker_workflows: Vec<Vec<(tempolint_semantic::ClassId, TextRange)>>,
    /// Workers and plugins seen, for DET302.
    pub(crate) sandbox: crate::sandbox_config::SandboxFacts,
}

/// What the body being walked is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    ModuleLevel,
    Function(FunctionKind),
}

/// A resolved call, handed to every call rule.
pub(crate) struct CallInfo<'a, 'e> {
    pub(crate) call: &'e ast::ExprCall,
    pub(crate) symbol: Option<&'a str>,
    /// The determinism table's rule for the symbol (none if declared deterministic).
    pub(crate) determinism: Option<Rule>,
    /// The blocking table's rule for the symbol.
    pub(crate) blocking: Option<Rule>,
    /// The SDK sandbox's restriction on the symbol.
    pub(crate) restriction: Option<&'static Restriction>,
}

impl CallInfo<'_, '_> {
    /// Whether the workflow sandbox rejects the call (not merely warns about it).
    pub(crate) fn sandbox_rejects(&self) -> bool {
        self.restriction
            .is_some_and(|restriction| !restriction.warning)
    }
}

struct NestedDef<'a> {
    name: &'a str,
    effects: std::ops::Range<usize>,
    edges: std::ops::Range<usize>,
    heartbeats: std::ops::Range<usize>,
}

pub(crate) struct Checker<'c, 'p, 'a> {
    pub(crate) resolver: Resolver<'p, 'a>,
    pub(crate) settings: &'c Settings,
    pub(crate) tables: &'static Tables,
    pub(crate) scope: tempolint_semantic::LocalScope<'a>,
    pub(crate) facts: BodyFacts,
    pub(crate) role: Role,
    /// The statements of the body being walked (a function's, or a module's top level).
    pub(crate) body: &'a [ast::Stmt],
    /// The checked function's parameters, positional then keyword-only (none at module level).
    parameters: Vec<&'a str>,
    /// The checked function (none at module level).
    def: Option<&'a ast::StmtFunctionDef>,
    /// Inside an `async def` (where `await` may be written).
    pub(crate) in_async: bool,
    offloaded: u32,
    /// Inside a call written as an argument of a call that runs its callable arguments in a
    /// thread (`to_thread(partial(work, load(path)))`): it runs here, while the lambdas and
    /// nested functions it is handed run in the thread.
    handing: u32,
    /// Inside code handed to a thread or process that starts it in a fresh context
    /// ([`Offload::Bare`](crate::tables::Offload::Bare)): the activity's context is not there.
    pub(crate) contextless: u32,
    /// Inside a nested function's or a lambda's body (see [`CallEdge::deferred`]).
    pub(crate) deferred: u32,
    /// Inside the fallback of `parameter or …` in the checked function's own body.
    pub(crate) fallback_of: Option<u32>,
    /// Inside `with workflow.unsafe.sandbox_unrestricted():`.
    pub(crate) sandbox_unrestricted: u32,
    /// Inside the body of a `try` that catches the sandbox's rejection (see
    /// [`Guards::REJECTION_CAUGHT`]).
    pub(crate) rejection_caught: u32,
    /// Inside `if not workflow.unsafe.is_replaying():`.
    pub(crate) not_replaying: u32,
    /// Inside a branch that only runs outside workflows (see `guards`).
    outside_workflow: u32,
    /// Names proven here to hold at most one element (see `narrowing`).
    pub(crate) singletons: Vec<&'a str>,
    /// Functions defined in this body that a Temporal decorator registers under a literal name
    /// (a test's mock activity): what they register is known.
    pub(crate) registered_locals: Vec<String>,
    pub(crate) loop_depth: u32,
    /// Inside an argument of `sorted`, `len`, `set`, … (iteration order cannot matter).
    pub(crate) order_insensitive: u32,
    /// The range of the call an `await` is applied to, and where that `await` starts, while
    /// that call is handled (see [`Checker::is_awaited`]).
    pub(crate) awaited_call: Option<(TextRange, TextSize)>,
    /// The range of a call whose value only meets values of the same process, while it is
    /// handled: the element of a membership test, of a set's `add`/`discard`/`remove`, or
    /// one side of `id(a) == id(b)` (an identity set: `seen.add(id(node))`).
    pub(crate) identity_operand: Option<TextRange>,
    /// Inside the arguments of a `workflow.logger` call (a message, not workflow logic).
    pub(crate) log_message: u32,
    /// Inside the body of a `try` that has `except` clauses.
    pub(crate) in_try: u32,
    /// The `except` clauses being visited, innermost last.
    pub(crate) handling: Vec<Handling<'a>>,
    nested: Vec<NestedDef<'a>>,
    /// Nested function names referenced outside offloaded code.
    nested_used: FxHashMap<&'a str, bool>,
    /// Nested functions referenced inside another's body (that one, this one): used when
    /// that one is (a route handler that calls another runs only when it is called).
    nested_uses: Vec<(&'a str, &'a str)>,
    /// The nested functions whose bodies are being walked, innermost last.
    nested_walking: Vec<&'a str>,
    /// Nested function names handed to threads, with whether every one starts them in a fresh
    /// context ([`Offload::Bare`](crate::tables::Offload::Bare)).
    nested_contextless: FxHashMap<&'a str, bool>,
    /// The call argument being visited (a lambda there is handed to that call).
    argument: Option<TextRange>,
    /// Whether the body hands a stored callable to a thread (see
    /// `offload::hands_stored_callable`), once a stored lambda asks.
    hands_stored_callable: Option<bool>,
}

impl<'c, 'p, 'a> Checker<'c, 'p, 'a> {
    fn new(
        project: &'p Project<'a>,
        module: tempolint_semantic::ModuleId,
        settings: &'c Settings,
        role: Role,
    ) -> Self {
        Self {
            resolver: Resolver::new(project, module),
            settings,
            tables: &TABLES,
            scope: tempolint_semantic::LocalScope::default(),
            facts: BodyFacts::default(),
            role,
            body: &[],
            parameters: Vec::new(),
            def: None,
            in_async: false,
            offloaded: 0,
            handing: 0,
            contextless: 0,
            deferred: 0,
            fallback_of: None,
            sandbox_unrestricted: 0,
            rejection_caught: 0,
            not_replaying: 0,
            outside_workflow: 0,
            singletons: Vec::new(),
            registered_locals: Vec::new(),
            loop_depth: 0,
            order_insensitive: 0,
            awaited_call: None,
            identity_operand: None,
            log_message: 0,
            in_try: 0,
            handling: Vec::new(),
            nested: Vec::new(),
            nested_used: FxHashMap::default(),
            nested_uses: Vec::new(),
            nested_walking: Vec::new(),
            nested_contextless: FxHashMap::default(),
            argument: None,
            hands_stored_callable: None,
        }
    }

    /// Walks a project function's body, with unannotated parameters bound to the types every
    /// call passes (`parameters`: index -> type).
    pub(crate) fn check_function(
        project: &'p Project<'a>,
        function: FunctionId,
        settings: &'c Settings,
        parameters: &[(usize, Binding)],
    ) -> BodyFacts {
        let data = project.function(function);
        let mut checker = Checker::new(project, data.module, settings, Role::Function(data.kind));
        checker
            .resolver
            .enter_project_function(&mut checker.scope, function);
        let names: Vec<&'a ast::ParameterWithDefault> = data
            .def
            .parameters
            .posonlyargs
            .iter()
            .chain(&data.def.parameters.args)
            .collect();
        for (index, binding) in parameters {
            if let Some(parameter) = names.get(*index) {
                checker.scope.set(
                    parameter.parameter.name.as_str(),
                    tempolint_semantic::LocalValue {
                        binding: binding.clone(),
                        expr: None,
                    },
                );
            }
        }
        checker.in_async = data.def.is_async;
        checker.body = &data.def.body;
        checker.parameters = fallback::parameter_names(data.def);
        checker.def = Some(data.def);
        checker.visit_body(&data.def.body);
        checker.finish()
    }

    /// Walks a module's top-level code (not function bodies).
    pub(crate) fn check_module(
        project: &'p Project<'a>,
        module: tempolint_semantic::ModuleId,
        settings: &'c Settings,
    ) -> BodyFacts {
        let mut checker = Checker::new(project, module, settings, Role::ModuleLevel);
        checker.body = project.module(module).body();
        checker.visit_body(checker.body);
        checker.finish()
    }

    /// Marks the findings of nested functions that only run in a thread as offloaded, and
    /// their heartbeats, when every such thread lacks the activity's context, as not looping
    /// (they raise there: see [`BodyFacts::heartbeats`]).
    fn finish(mut self) -> BodyFacts {
        let mut grew = true;
        while grew {
            grew = false;
            for (from, to) in &self.nested_uses {
                if self.nested_used.get(from) == Some(&true)
                    && let Some(used @ false) = self.nested_used.get_mut(to)
                {
                    *used = true;
                    grew = true;
                }
            }
        }
        for nested in &self.nested {
            if !self.nested_used.get(nested.name).copied().unwrap_or(false) {
                if self.nested_contextless.get(nested.name) == Some(&true) {
                    for heartbeat in &mut self.facts.heartbeats[nested.heartbeats.clone()] {
                        heartbeat.1 = false;
                    }
                }
                for effect in &mut self.facts.effects[nested.effects.clone()] {
                    effect.offloaded = true;
                }
                for edge in &mut self.facts.edges[nested.edges.clone()] {
                    edge.offloaded = true;
                }
            }
        }
        self.facts
    }

    /// The guards around the code being walked (see [`CallEdge::guards`]).
    /// The parameter whose true value keeps the code being walked from running (see
    /// [`Effect::unless_truthy`]); none inside nested functions and lambdas.
    pub(crate) fn unless_truthy(&self) -> Option<u32> {
        self.fallback_of.filter(|_| self.deferred == 0)
    }

    pub(crate) fn guards(&self) -> Guards {
        Guards::default()
            .with(Guards::NOT_REPLAYING, self.not_replaying > 0)
            .with(Guards::SANDBOX_UNRESTRICTED, self.sandbox_unrestricted > 0)
            .with(Guards::REJECTION_CAUGHT, self.rejection_caught > 0)
    }

    /// The index of the checked function's parameter `expr` names, when the body never
    /// rebinds it: what the caller passed.
    pub(crate) fn parameter_of(&self, expr: &Expr) -> Option<u32> {
        match expr {
            Expr::Name(name) if self.deferred == 0 => {
                fallback::parameter_index(self, name.id.as_str())
            }
            _ => None,
        }
    }

    /// The index of the checked function's `**kwargs` parameter when `expr` names it and the
    /// body only passes it on (see [`fallback::own_kwargs`]).
    pub(crate) fn own_kwargs(&self, expr: &Expr) -> Option<u32> {
        fallback::own_kwargs(self, expr)
    }

    /// The index of the checked function's parameter `expr` names, when the body never
    /// rebinds it at all: exactly what the caller passed, `None` included.
    pub(crate) fn exact_parameter_of(&self, expr: &Expr) -> Option<u32> {
        match expr {
            Expr::Name(name) if self.deferred == 0 => {
                fallback::exact_parameter_index(self, name.id.as_str())
            }
            _ => None,
        }
    }

    pub(crate) fn enabled(&self, rule: Rule) -> bool {
        self.settings.rules.contains(rule)
    }

    /// Whether `call` is the operand of an `await` (`await f()`, not `await f().g()`).
    pub(crate) fn is_awaited(&self, call: &ast::ExprCall) -> bool {
        self.awaited_call
            .is_some_and(|(awaited, _)| awaited == call.range())
    }

    /// The module whose code is being walked.
    pub(crate) fn module(&self) -> &'p tempolint_semantic::Module<'a> {
        self.resolver.project().module(self.resolver.module())
    }

    /// The source text of the module being walked (for fixes that reuse what is written).
    pub(crate) fn source(&self) -> &'a tempolint_python::ParsedSource {
        &self.module().input.source
    }

    /// The expression last assigned to `name` in the local scope or at module level.
    pub(crate) fn value_of(&self, name: &str) -> Option<&'a Expr> {
        if self.scope.is_local(name) {
            return self.scope.value(name).and_then(|value| value.expr);
        }
        let module = self.resolver.project().module(self.resolver.module());
        match module.globals.get(name) {
            Some(tempolint_semantic::Global::Variable(value)) => Some(value),
            _ => None,
        }
    }

    /// The text of a string an activity or workflow is named by: a literal, or a name or
    /// class attribute assigned one once (`EVALUATE = "evaluate"`, `class Names: evaluate =
    /// "evaluate"` read as `Names.evaluate`), in this module or imported from the project.
    pub(crate) fn string_constant(&self, expr: &'a Expr) -> Option<&'a ast::StringLiteralValue> {
        let project = self.resolver.project();
        let value = match expr {
            Expr::StringLiteral(literal) => return Some(&literal.value),
            Expr::Name(name) if self.scope.is_local(name.id.as_str()) => {
                self.value_of(name.id.as_str())?
            }
            Expr::Name(name) => {
                project
                    .constant(self.resolver.module(), name.id.as_str())?
                    .1
            }
            Expr::Attribute(attribute) => match self.resolve(&attribute.value) {
                Binding::Symbol(path) => {
                    if let Some(class) = project.class_by_name(&path) {
                        class_constant(project.class(class).def, attribute.attr.as_str())?
                    } else {
                        let module = project.module_by_name(&path)?;
                        project.constant(module, attribute.attr.as_str())?.1
                    }
                }
                _ => return None,
            },
            _ => return None,
        };
        match value {
            Expr::StringLiteral(literal) => Some(&literal.value),
            _ => None,
        }
    }

    /// The checked function's parameter `name` (not `*args` or `**kwargs`).
    fn parameter(&self, name: &str) -> Option<&'a ast::ParameterWithDefault> {
        let parameters = &self.def?.parameters;
        parameters
            .posonlyargs
            .iter()
            .chain(&parameters.args)
            .chain(&parameters.kwonlyargs)
            .find(|parameter| parameter.parameter.name.as_str() == name)
    }

    /// The default value of the checked function's parameter `name`, if it has one.
    pub(crate) fn parameter_default(&self, name: &str) -> Option<&'a Expr> {
        self.parameter(name)?.default.as_deref()
    }

    /// The annotation of the checked function's parameter `name`, when the body never
    /// rebinds it.
    pub(crate) fn parameter_annotation(&self, name: &str) -> Option<&'a Expr> {
        if self.value_of(name).is_some() {
            return None;
        }
        self.parameter(name)?.parameter.annotation.as_deref()
    }

    pub(crate) fn resolve(&self, expr: &Expr) -> Binding {
        self.resolver.resolve(expr, &self.scope)
    }

    /// The canonical name of an exception class expression; builtin exception names that
    /// nothing shadows are `builtins.<name>`.
    pub(crate) fn exception_class(&self, class: &Expr) -> Option<String> {
        if let Some(symbol) = self.resolve(class).symbol() {
            return Some(symbol.to_string());
        }
        let Expr::Name(name) = class else {
            return None;
        };
        let name = name.id.as_str();
        let shadowed = self.scope.is_local(name) || self.module().globals.contains_key(name);
        let builtin = name.ends_with("Error") || name.ends_with("Exception");
        (!shadowed && builtin && name.starts_with(|c: char| c.is_ascii_uppercase()))
            .then(|| format!("builtins.{name}"))
    }

    /// Records a finding of `violation` at `range`, relevant in `context`.
    pub(crate) fn report<V: Violation>(
        &mut self,
        violation: &V,
        range: TextRange,
        context: Context,
    ) -> &mut Effect {
        self.facts.effects.push(Effect {
            rule: V::RULE,
            context,
            range,
            message: violation.message(),
            severity: V::RULE.default_severity(),
            fix: None,
            offloaded: self.offloaded > 0,
            unless_truthy: self.unless_truthy(),
            if_none: 0,
            unless_workflow_logger: None,
            waived_by: Guards::default(),
            sandbox_rejects: false,
            state_of: None,
        });
        self.facts.effects.last_mut().expect("just pushed")
    }
}

/// How an iterated value is consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IterationKind {
    /// A list/dict comprehension or generator: order reaches the result.
    Ordered,
    /// A set comprehension: its result has no order either.
    Unordered,
}

/// An `except` clause being visited.
#[derive(Clone, Copy)]
pub(crate) struct Handling<'a> {
    /// The types it names (`None`: a bare `except:`).
    pub(crate) types: Option<&'a Expr>,
    /// The body of its `try`, when it is the first clause there (nothing before it catches).
    pub(crate) first_of: Option<&'a [Stmt]>,
}

/// The value of the one assignment to `name` in a class body (`evaluate = "evaluate"`).
fn class_constant<'a>(class: &'a ast::StmtClassDef, name: &str) -> Option<&'a Expr> {
    let mut values = class.body.iter().filter_map(|stmt| match stmt {
        Stmt::Assign(assign) => match &assign.targets[..] {
            [Expr::Name(target)] if target.id.as_str() == name => Some(&*assign.value),
            _ => None,
        },
        Stmt::AnnAssign(assign) => match &*assign.target {
            Expr::Name(target) if target.id.as_str() == name => assign.value.as_deref(),
            _ => None,
        },
        _ => None,
    });
    match (values.next(), values.next()) {
        (Some(value), None) => Some(value),
        _ => None,
    }
}
