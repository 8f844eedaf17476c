//! The sandbox configuration visible in the project, for DET302 and DET301: which workers register which
//! workflows, with which workflow runner and plugins, and so which modules each workflow's
//! sandbox passes through. PAY101 asks it which client a call goes through.
//!
//! Each body records what it sees ([`record_call`]); [`SandboxConfig::new`] joins the bodies.
//! What cannot be read (a runner built elsewhere, a plugin of unknown make) passes everything:
//! a finding must never rest on a configuration we did not see.

use rustc_hash::{FxHashMap, FxHashSet};
use tempolint_python::ast::{Expr, ExprCall};
use tempolint_semantic::{Binding, ClassId, Project};

use crate::checker::{CallInfo, Checker};
use crate::settings::Settings;
use crate::tables::{Tables, module_or_parent, name_or_tails};

/// How many steps of a configuration are followed (see [`restrictions_passthrough`]).
const MAX_DEPTH: u32 = 16;

/// The modules one sandbox passes through beyond the SDK's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Passthrough {
    /// No sandbox, `with_passthrough_all_modules()`, or a configuration we cannot read.
    all: bool,
    /// Named by the project (`with_passthrough_modules(…)`, the setting).
    modules: FxHashSet<String>,
    /// What known plugins pass through: their own third-party packages, never a project
    /// module (a project folder named like one, `agents/`, is not openai-agents' `agents`).
    third_party: FxHashSet<String>,
    /// No sandbox at all (`UnsandboxedWorkflowRunner()`): nothing is restricted either.
    unsandboxed: bool,
}

impl Passthrough {
    fn everything() -> Self {
        Self {
            all: true,
            modules: FxHashSet::default(),
            third_party: FxHashSet::default(),
            unsandboxed: false,
        }
    }

    fn no_sandbox() -> Self {
        Self {
            unsandboxed: true,
            ..Self::everything()
        }
    }

    /// Adds what `other` passes through (a worker's plugins, its client's): the runner, and
    /// so whether there is a sandbox, stays this one's.
    fn extend(&mut self, other: &Passthrough) {
        self.all |= other.all;
        self.modules.extend(other.modules.iter().cloned());
        self.third_party.extend(other.third_party.iter().cloned());
    }

    /// Whether `module` (a project module when `project_module`) is passed through.
    fn covers(&self, module: &str, project_module: bool) -> bool {
        self.all
            || module_or_parent(module).any(|name| {
                self.modules.contains(name) || (!project_module && self.third_party.contains(name))
            })
    }

    fn is_empty(&self) -> bool {
        !self.all && self.modules.is_empty() && self.third_party.is_empty()
    }
}

/// Whose module a name is: what plugins pass through is their own third-party packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModuleKind {
    Project,
    ThirdParty,
}

/// A `Worker(…)` call.
#[derive(Debug, Clone)]
pub(crate) struct WorkerRegistration {
    /// The project workflow classes in its `workflows=[…]`.
    workflows: Vec<ClassId>,
    /// What its `workflow_runner=` and its own `plugins=[…]` pass through.
    passthrough: Passthrough,
    /// What the plugins of its client pass through, when the client is a `Client.connect(…)`
    /// of the same body; `None` when the client comes from elsewhere.
    client: Option<Passthrough>,
    /// Its `workflows=` may hold classes we cannot name (a list built elsewhere, a `*splat`,
    /// a discovery call): any workflow on no worker in sight may run here.
    open: bool,
}

/// What one body contributes.
#[derive(Debug, Default)]
pub(crate) struct SandboxFacts {
    workers: Vec<WorkerRegistration>,
    /// What every plugin made in this body passes through (for clients we cannot trace).
    plugins: Passthrough,
}

/// Records `Worker(…)` calls and plugin instantiations.
pub(crate) fn record_call(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = info.symbol else {
        return;
    };
    if let Some(modules) = checker.tables.plugin_passthrough(symbol) {
        let modules = modules.to_vec();
        checker.facts.sandbox.plugins.third_party.extend(modules);
        return;
    }
    let arguments = &info.call.arguments;
    if is_sdk(symbol, "temporalio.client", "Client")
        || (symbol.starts_with("temporalio.client") && symbol.ends_with(".Client.connect"))
    {
        // A plugin of a make we do not know, on a client we may not trace to its workers.
        if let Some(keyword) = arguments.find_keyword("plugins") {
            let plugins = plugins_passthrough(checker, &keyword.value);
            checker.facts.sandbox.plugins.extend(&plugins);
        }
        return;
    }
    if !is_sdk(symbol, "temporalio.worker", "Worker") {
        record_library_registration(checker, symbol, info.call);
        return;
    }
    // Options may also come in a `**options` dict: a dict written here is read key by key;
    // any other may hold any workflows and any runner.
    let options = crate::rules::timeouts::call_options(checker, info.call);
    if options.opaque {
        checker.facts.sandbox.workers.push(WorkerRegistration {
            workflows: Vec::new(),
            passthrough: Passthrough::everything(),
            client: None,
            open: true,
        });
        return;
    }
    let option = |name: &str| options.value(name);
    let Some(listed) = option("workflows") else {
        return;
    };
    let (workflows, open) = workflow_classes(checker, listed);
    if workflows.is_empty() && !open {
        return;
    }
    let mut passthrough = option("workflow_runner").map_or_else(Passthrough::default, |runner| {
        runner_passthrough(checker, runner)
    });
    if let Some(plugins) = option("plugins") {
        passthrough.extend(&plugins_passthrough(checker, plugins));
    }
    let client = arguments
        .args
        .first()
        .or_else(|| {
            arguments
                .find_keyword("client")
                .map(|keyword| &keyword.value)
        })
        .and_then(|client| traced_client(checker, client));
    checker.facts.sandbox.workers.push(WorkerRegistration {
        workflows,
        passthrough,
        client,
        open,
    });
}

/// Workflow classes handed to a library's function (`app.setup_workflow(
/// workflow_and_activities_classes=[(Flow, Activities)])`): the library may run them on a
/// worker of its own, whose sandbox we cannot read.
fn record_library_registration(checker: &mut Checker, symbol: &str, call: &ExprCall) {
    let project = checker.resolver.project();
    let top = symbol.split('.').next().unwrap_or(symbol);
    if top == "temporalio" || top == "builtins" || project.has_top_level_package(top) {
        return;
    }
    let mut workflows = Vec::new();
    for argument in call
        .arguments
        .args
        .iter()
        .chain(call.arguments.keywords.iter().map(|keyword| &keyword.value))
    {
        handed_workflows(checker, argument, &mut workflows, 0);
    }
    if !workflows.is_empty() {
        checker.facts.sandbox.workers.push(WorkerRegistration {
            workflows,
            passthrough: Passthrough::everything(),
            client: None,
            open: false,
        });
    }
}

/// The project workflow classes `expr` names, in lists and tuples written here, two deep.
fn handed_workflows(checker: &Checker, expr: &Expr, workflows: &mut Vec<ClassId>, depth: u32) {
    match expr {
        Expr::List(list) if depth < 2 => {
            for element in &list.elts {
                handed_workflows(checker, element, workflows, depth + 1);
            }
        }
        Expr::Tuple(tuple) if depth < 2 => {
            for element in &tuple.elts {
                handed_workflows(checker, element, workflows, depth + 1);
            }
        }
        Expr::Name(_) | Expr::Attribute(_) => {
            let project = checker.resolver.project();
            if let Some(class) = checker
                .resolve(expr)
                .symbol()
                .and_then(|name| project.class_by_name(name))
                .filter(|class| project.class(*class).workflow.is_some())
            {
                workflows.push(class);
            }
        }
        _ => {}
    }
}

/// `prefix.…​.name`: an SDK class however it is imported (`temporalio.worker.Worker`,
/// `temporalio.worker._worker.Worker`).
fn is_sdk(symbol: &str, prefix: &str, name: &str) -> bool {
    symbol.starts_with(prefix)
        && symbol
            .rsplit_once('.')
            .is_some_and(|(_, last)| last == name)
}

/// The expression a name was last assigned (awaited or not), or the expression itself.
fn value<'a>(checker: &Checker<'_, '_, 'a>, expr: &'a Expr) -> &'a Expr {
    let mut current = expr;
    // Bounded: `a = b; b = a` at module level must not loop.
    for _ in 0..4 {
        current = match current {
            Expr::Name(name) => match checker.value_of(name.id.as_str()) {
                Some(assigned) => assigned,
                None => return current,
            },
            Expr::Await(await_expr) => &await_expr.value,
            _ => return current,
        };
    }
    current
}

/// The elements of a list or tuple written here, or last assigned to the name `expr`
/// (`activities=ACTIVITIES`).
pub(crate) fn elements<'a>(checker: &Checker<'_, '_, 'a>, expr: &'a Expr) -> Option<&'a [Expr]> {
    match value(checker, expr) {
        Expr::List(list) => Some(&list.elts),
        Expr::Tuple(tuple) => Some(&tuple.elts),
        _ => None,
    }
}

/// The project workflow classes a `workflows=[…]` list names, and whether it may hold others
/// (not a list we can read, a `*splat`, an element that names no class).
fn workflow_classes(checker: &Checker, expr: &Expr) -> (Vec<ClassId>, bool) {
    let mut classes = Vec::new();
    let Some(elements) = elements(checker, expr) else {
        return (classes, true);
    };
    let mut open = false;
    for element in elements {
        open |= !named_classes(checker, element, &mut classes, 0);
    }
    let project = checker.resolver.project();
    classes.retain(|class| project.class(*class).workflow.is_some());
    (classes, open)
}

/// Adds the project classes `element` names (both of `A if cond else B`); whether it names
/// only such classes or classes outside the project (not a call, a `*splat`, an unknown name).
fn named_classes(
    checker: &Checker,
    element: &Expr,
    classes: &mut Vec<ClassId>,
    depth: u32,
) -> bool {
    match value(checker, element) {
        // `w = w if fast else Slow` names itself.
        Expr::If(_) if depth > MAX_DEPTH => false,
        Expr::If(choice) => {
            let body = named_classes(checker, &choice.body, classes, depth + 1);
            named_classes(checker, &choice.orelse, classes, depth + 1) && body
        }
        named => match checker.resolve(named) {
            Binding::Symbol(name) => {
                let project = checker.resolver.project();
                if let Some(class) = project.class_by_name(&name) {
                    classes.push(class);
                    return true;
                }
                // A library's workflow class is no project workflow either way; a name of the
                // project's that is no class (the field of a project object,
                // `case.workflow_class`) may hold any.
                !project.has_top_level_package(name.split('.').next().unwrap_or(&name))
            }
            _ => false,
        },
    }
}

/// `UnsandboxedWorkflowRunner()`, or `SandboxedWorkflowRunner(restrictions=…)`.
fn runner_passthrough(checker: &Checker, expr: &Expr) -> Passthrough {
    let Expr::Call(call) = value(checker, expr) else {
        return Passthrough::everything();
    };
    let Some(symbol) = checker.resolve(&call.func).symbol().map(str::to_string) else {
        return Passthrough::everything();
    };
    if is_sdk(&symbol, "temporalio.worker", "SandboxedWorkflowRunner") {
        return call
            .arguments
            .find_keyword("restrictions")
            .map_or_else(Passthrough::default, |keyword| {
                restrictions_passthrough(checker, &keyword.value, 0)
            });
    }
    if is_sdk(&symbol, "temporalio.worker", "UnsandboxedWorkflowRunner") {
        return Passthrough::no_sandbox();
    }
    // A runner of the project's own: nothing we can judge.
    Passthrough::everything()
}

/// `SandboxRestrictions.default.with_passthrough_modules("a", "b")…`. `depth` counts the
/// builders and copies followed: `r = dataclasses.replace(r, …)` names itself, and a long
/// chain is no configuration we can read.
fn restrictions_passthrough(checker: &Checker, expr: &Expr, depth: u32) -> Passthrough {
    if depth > MAX_DEPTH {
        return Passthrough::everything();
    }
    let expr = value(checker, expr);
    if let Expr::Attribute(attribute) = expr
        && attribute.attr.as_str() == "default"
        && checker
            .resolve(&attribute.value)
            .symbol()
            .is_some_and(|symbol| is_sdk(symbol, "temporalio.worker", "SandboxRestrictions"))
    {
        return Passthrough::default();
    }
    let Expr::Call(call) = expr else {
        return Passthrough::everything();
    };
    // `dataclasses.replace(SandboxRestrictions.default, invalid_module_members=…)` keeps the
    // passthrough modules of what it copies unless it sets them.
    if checker.resolve(&call.func).symbol() == Some("dataclasses.replace") {
        return match (
            call.arguments.args.first(),
            call.arguments.keywords.iter().all(|keyword| {
                keyword
                    .arg
                    .as_ref()
                    .is_some_and(|name| name.as_str() != "passthrough_modules")
            }),
        ) {
            (Some(copied), true) => restrictions_passthrough(checker, copied, depth + 1),
            _ => Passthrough::everything(),
        };
    }
    let Expr::Attribute(method) = &*call.func else {
        return Passthrough::everything();
    };
    let mut passthrough = restrictions_passthrough(checker, &method.value, depth + 1);
    match method.attr.as_str() {
        "with_passthrough_modules" => {
            for argument in &call.arguments.args {
                match argument {
                    Expr::StringLiteral(literal) => {
                        passthrough
                            .modules
                            .insert(literal.value.to_str().to_string());
                    }
                    // `with_passthrough_all_modules()`, and builders we do not know.
                    _ => passthrough.all = true,
                }
            }
        }
        // Other builders restrict more or change what is checked, not what is imported.
        "with_import_notification_policy" => {}
        // `with_passthrough_all_modules()`, and builders we do not know.
        _ => passthrough.all = true,
    }
    passthrough
}

/// What the plugins of a `plugins=[…]` list pass through; a plugin we do not know may pass
/// anything.
fn plugins_passthrough(checker: &Checker, expr: &Expr) -> Passthrough {
    let Some(plugins) = elements(checker, expr) else {
        return Passthrough::everything();
    };
    let mut passthrough = Passthrough::default();
    for plugin in plugins {
        let plugin = value(checker, plugin);
        let callee = match plugin {
            Expr::Call(call) => checker.resolve(&call.func),
            other => checker.resolve(other),
        };
        match callee
            .symbol()
            .or(callee.instance())
            .and_then(|name| checker.tables.plugin_passthrough(name))
        {
            Some(modules) => passthrough.third_party.extend(modules.iter().cloned()),
            None => passthrough.all = true,
        }
    }
    passthrough
}

/// The `Client.connect(…)` or `Client(…)` call that made `client`, when this body made it.
pub(crate) fn client_construction<'a>(
    checker: &Checker<'_, '_, 'a>,
    client: &'a Expr,
) -> Option<&'a ExprCall> {
    let Expr::Call(call) = value(checker, client) else {
        return None;
    };
    let binding = checker.resolve(&call.func);
    let symbol = binding.symbol()?;
    (is_sdk(symbol, "temporalio.client.Client", "connect") || symbol == "temporalio.client.Client")
        .then_some(call)
}

/// Whether `expr` is a `plugins=[…]` list of SDK contrib plugins only (their effect is data).
pub(crate) fn known_plugins(checker: &Checker, expr: &Expr) -> bool {
    !plugins_passthrough(checker, expr).all
}

/// The plugins of `client` when it is a `Client.connect(…)` or `Client(…)` made in this body.
/// A `**config` splat carries the plugins this body made (`config["plugins"] = [plugin]`);
/// the SDK's own config loaders (`ClientConfig.load_client_connect_config()`) and dicts
/// written here carry no others, but any other config (`other_client.config()`, a parameter)
/// may carry any plugin.
fn traced_client(checker: &Checker, client: &Expr) -> Option<Passthrough> {
    let call = client_construction(checker, client)?;
    let mut passthrough = call
        .arguments
        .find_keyword("plugins")
        .map_or_else(Passthrough::default, |keyword| {
            plugins_passthrough(checker, &keyword.value)
        });
    for keyword in &call.arguments.keywords {
        if keyword.arg.is_some() {
            continue;
        }
        if !is_plugin_free_config(checker, &keyword.value) {
            return Some(Passthrough::everything());
        }
        passthrough.extend(&checker.facts.sandbox.plugins);
    }
    Some(passthrough)
}

/// Whether a `**config` splat holds no plugins but those this body adds: a dict written here
/// or what the SDK's environment config loaders return.
fn is_plugin_free_config(checker: &Checker, config: &Expr) -> bool {
    match value(checker, config) {
        Expr::Dict(_) => true,
        Expr::Call(call) => {
            let callee = checker.resolve(&call.func);
            callee.symbol().is_some_and(|symbol| {
                symbol == "builtins.dict" || symbol.starts_with("temporalio.envconfig.")
            })
        }
        _ => false,
    }
}

/// Which modules each workflow's sandbox passes through, from every body's facts.
pub(crate) struct SandboxConfig {
    /// The sandboxes of the workers that register each workflow.
    workers: FxHashMap<ClassId, Vec<Passthrough>>,
    /// For workflows on no worker in sight: any plugin the project makes may be on its client,
    /// and it may be on any worker whose `workflows=` we cannot read.
    unseen: Passthrough,
    /// Whether a workflow on no worker in sight runs without a sandbox: some worker whose
    /// `workflows=` we cannot read is in sight, and all of them run no sandbox.
    unseen_unsandboxed: bool,
    /// Whether some worker in sight has `workflows=` we cannot read.
    open_workers: bool,
    setting: Passthrough,
}

impl SandboxConfig {
    pub(crate) fn new<'f>(
        facts: impl Iterator<Item = &'f SandboxFacts> + Clone,
        settings: &Settings,
    ) -> Self {
        let mut unseen = Passthrough::default();
        for body in facts.clone() {
            unseen.extend(&body.plugins);
        }
        // A workflow on no worker in sight may be on a worker whose list we cannot read.
        let mut unseen_or_open = unseen.clone();
        let mut open_workers = 0;
        let mut open_unsandboxed = 0;
        for worker in facts.clone().flat_map(|body| &body.workers) {
            if worker.open {
                unseen_or_open.extend(&worker.passthrough);
                unseen_or_open.extend(worker.client.as_ref().unwrap_or(&unseen));
                open_workers += 1;
                open_unsandboxed += usize::from(worker.passthrough.unsandboxed);
            }
        }
        let mut workers: FxHashMap<ClassId, Vec<Passthrough>> = FxHashMap::default();
        for worker in facts.flat_map(|body| &body.workers) {
            let mut passthrough = worker.passthrough.clone();
            passthrough.extend(worker.client.as_ref().unwrap_or(&unseen));
            for workflow in &worker.workflows {
                workers
                    .entry(*workflow)
                    .or_default()
                    .push(passthrough.clone());
            }
        }
        Self {
            workers,
            unseen: unseen_or_open,
            unseen_unsandboxed: open_workers > 0 && open_unsandboxed == open_workers,
            open_workers: open_workers > 0,
            setting: Passthrough {
                all: false,
                modules: settings.passthrough_modules.iter().cloned().collect(),
                third_party: FxHashSet::default(),
                unsandboxed: false,
            },
        }
    }

    /// Whether the sandboxes that run `workflow` pass through nothing beyond what every
    /// sandbox does (the SDK's defaults and the `passthrough-modules` setting): then
    /// [`Self::passes_through`] is [`Self::passed_everywhere`] for it.
    pub(crate) fn is_plain(&self, project: &Project, workflow: ClassId) -> bool {
        matches!(self.sandboxes(project, workflow),
            Sandboxes::Of(sandboxes) if sandboxes.iter().all(Passthrough::is_empty))
    }

    /// Whether `workflow` runs without a sandbox wherever it runs: `@workflow.defn(sandboxed=
    /// False)`, or every worker that registers it has an `UnsandboxedWorkflowRunner()`. A
    /// workflow on no worker in sight runs in the SDK's default sandbox unless every worker
    /// that may hold it (whose `workflows=` we cannot read) runs none.
    pub(crate) fn runs_unsandboxed(&self, project: &Project, workflow: ClassId) -> bool {
        project.class(workflow).workflow == Some(false)
            || match self.workers.get(&workflow) {
                Some(sandboxes) => sandboxes.iter().all(|sandbox| sandbox.unsandboxed),
                None => self.unseen_unsandboxed,
            }
    }

    /// Whether a worker in sight registers `workflow`, or may (one whose `workflows=` we
    /// cannot read).
    pub(crate) fn may_run_in_sight(&self, workflow: ClassId) -> bool {
        self.open_workers || self.registered_in_sight(workflow)
    }

    /// Whether a worker in sight lists `workflow` in its `workflows=`.
    pub(crate) fn registered_in_sight(&self, workflow: ClassId) -> bool {
        self.workers.contains_key(&workflow)
    }

    /// Whether every sandbox passes `module` through.
    pub(crate) fn passed_everywhere(&self, tables: &Tables, module: &str) -> bool {
        tables.is_passthrough(module) || self.setting.covers(module, false)
    }

    /// Whether every sandbox that runs `workflow` passes the project module named `module`
    /// through, under its name or any dotted tail of it: the worker's process may know
    /// `workers/app/src/jobctrl/config.py` as `jobctrl.config` while the check, run from
    /// above, names it `workers.app.src.jobctrl.config`. (A tail is not looked up in the SDK's
    /// own passthrough table: a project module named like a stdlib one is not that module.)
    pub(crate) fn passes_project_module(
        &self,
        project: &Project,
        tables: &Tables,
        workflow: ClassId,
        module: &str,
    ) -> bool {
        self.sandboxes_pass_project_module(tables, self.sandboxes(project, workflow), module)
    }

    /// [`Self::passes_project_module`] for the sandboxes of a workflow.
    pub(crate) fn sandboxes_pass_project_module(
        &self,
        tables: &Tables,
        sandboxes: Sandboxes,
        module: &str,
    ) -> bool {
        self.sandboxes_pass(tables, sandboxes, module, ModuleKind::Project)
            || name_or_tails(module).skip(1).any(|tail| {
                !tables.is_passthrough(tail)
                    && self.sandboxes_pass(tables, sandboxes, tail, ModuleKind::Project)
            })
    }

    /// Whether the project names the project module `module` to pass through, on some
    /// worker's sandbox (`with_passthrough_modules("app.state")`, under its name or a dotted
    /// tail of it) or in the `passthrough-modules` setting: the runs there share its top-level
    /// state. (A configuration that may pass everything names nothing.)
    pub(crate) fn names_project_module(&self, module: &str) -> bool {
        let named = |name: &str| {
            let by = |passthrough: &Passthrough| {
                module_or_parent(name).any(|held| passthrough.modules.contains(held))
            };
            by(&self.setting) || by(&self.unseen) || self.workers.values().flatten().any(by)
        };
        name_or_tails(module).any(named)
    }

    /// Whether every sandbox that runs `workflow` passes `module` through (the strictest
    /// worker decides). What plugins pass through is their own packages, never the project's.
    pub(crate) fn passes_through(
        &self,
        project: &Project,
        tables: &Tables,
        workflow: ClassId,
        module: &str,
        kind: ModuleKind,
    ) -> bool {
        self.sandboxes_pass(tables, self.sandboxes(project, workflow), module, kind)
    }

    fn sandboxes_pass(
        &self,
        tables: &Tables,
        sandboxes: Sandboxes,
        module: &str,
        kind: ModuleKind,
    ) -> bool {
        let project_module = kind == ModuleKind::Project;
        self.passed_everywhere(tables, module)
            || match sandboxes {
                Sandboxes::None => true,
                Sandboxes::Of(sandboxes) => sandboxes
                    .iter()
                    .all(|sandbox| sandbox.covers(module, project_module)),
            }
    }

    /// The sandboxes that may run `workflow`: workflows with equal values pass the same
    /// modules through.
    pub(crate) fn sandboxes(&self, project: &Project, workflow: ClassId) -> Sandboxes<'_> {
        if project.class(workflow).workflow == Some(false) {
            return Sandboxes::None; // `@workflow.defn(sandboxed=False)`
        }
        match self.workers.get(&workflow) {
            Some(sandboxes) => Sandboxes::Of(sandboxes),
            None => Sandboxes::Of(std::slice::from_ref(&self.unseen)),
        }
    }
}

/// What [`SandboxConfig::sandboxes`] finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sandboxes<'c> {
    /// `@workflow.defn(sandboxed=False)`: no sandbox, everything passes.
    None,
    /// Every worker's sandbox that may run it.
    Of(&'c [Passthrough]),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passthrough_matches_dotted_prefixes() {
        let passthrough = Passthrough {
            all: false,
            modules: FxHashSet::default(),
            third_party: ["google.adk".to_string()].into_iter().collect(),
            unsandboxed: false,
        };
        assert!(passthrough.covers("google.adk", false));
        assert!(passthrough.covers("google.adk.agents", false));
        assert!(!passthrough.covers("google.genai", false));
        assert!(!passthrough.covers("google", false));
        // A project package named like a plugin's is not that package.
        assert!(!passthrough.covers("google.adk.agents", true));
        assert!(Passthrough::everything().covers("anything", true));
    }

    #[test]
    fn finds_sdk_names_however_imported() {
        assert!(is_sdk(
            "temporalio.worker.Worker",
            "temporalio.worker",
            "Worker"
        ));
        assert!(is_sdk(
            "temporalio.worker._worker.Worker",
            "temporalio.worker",
            "Worker"
        ));
        assert!(!is_sdk("mylib.Worker", "temporalio.worker", "Worker"));
    }
}
