use rustc_hash::FxHashMap;
use tempolint_python::ast::{self, Expr, Stmt};
use tempolint_python::{Ranged, TextRange};
use tempolint_semantic::{
    Class, ClassId, LocalScope, ModuleId, Project, Resolver, is_stdlib_module,
};

use crate::checker::{CallInfo, Checker, ProjectChecker};
use crate::diagnostic::Severity;
use crate::rules::api::{Registration, registration};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks `@workflow.defn` classes whose shape the SDK rejects or mishandles: no
    /// `@workflow.run` method (on the class or a project base; unless a method carries a
    /// decorator from a package outside the project, which may apply it), two of them, a run
    /// method that is not `async def`, two signal, query or update handlers under one name, an
    /// `async` update validator, `@workflow.init` on a method other than `__init__` or on one
    /// whose parameters differ from the run method's (in number, kind, defaults), two
    /// workflows registered under one name on the same `Worker(workflows=[…])`; and handlers
    /// that work against their kind: an `async def` query (deprecated; the SDK warns), a signal
    /// handler that returns a value (it is discarded), a query that never returns one; and a
    /// run method or handler with a keyword-only parameter that has no default (the SDK calls
    /// them with positional arguments only, so every call raises `TypeError`); and an
    /// `__init__` with a parameter that has no default, not marked `@workflow.init` (the SDK
    /// makes the workflow with `cls()`, so every workflow task raises `TypeError`).
    ///
    /// ## Why is this bad?
    /// The rejected shapes raise `ValueError("Invalid workflow class: …")` when the module is
    /// imported or the worker starts, so no workflow of that worker runs (an error). A
    /// keyword-only parameter the SDK never fills makes every run or call raise `TypeError`:
    /// in a run method, signal or update handler that fails the workflow task, retried until
    /// the code is fixed (an error). The
    /// others are accepted but do not do what their author meant (a warning): nobody receives
    /// a signal's return value, a query without a return value answers `None`, and an async
    /// query draws a `DeprecationWarning` at import and at every query.
    ///
    /// ## Example
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Counter:
    ///     def __init__(self) -> None:
    ///         self.count = 0
    ///
    ///     @workflow.run
    ///     def run(self) -> int:
    ///         return self.count
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Counter:
    ///     def __init__(self) -> None:
    ///         self.count = 0
    ///
    ///     @workflow.run
    ///     async def run(self) -> int:
    ///         return self.count
    /// ```
    InvalidWorkflowDefinition => InvalidWorkflowDefinition { workflow: String, problem: String }
}

impl InvalidWorkflowDefinition {
    fn describe(&self) -> String {
        format!("Workflow `{}`: {}", self.workflow, self.problem)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    Run,
    Signal,
    Query,
    Update,
    Validator,
    Init,
}

impl Role {
    /// What the SDK calls a method in this role, passing the arguments by position
    /// (`handler(*input.args)`; `@workflow.init` must mirror the run method).
    fn called_as(self) -> Option<&'static str> {
        match self {
            Role::Run => Some("run method"),
            Role::Signal => Some("signal handler"),
            Role::Query => Some("query handler"),
            Role::Update => Some("update handler"),
            Role::Validator => Some("update validator"),
            Role::Init => None,
        }
    }
}

/// A method's Temporal decorator and the name it registers (`None`: dynamic).
struct Handler<'a> {
    role: Role,
    name: Option<String>,
    def: &'a ast::StmtFunctionDef,
}

pub(crate) fn check_project(checker: &mut ProjectChecker) {
    let project = checker.project;
    let mut findings = Vec::new();
    for class in &project.classes {
        if class.workflow.is_none() {
            continue;
        }
        let handlers: Vec<Handler> = class
            .def
            .body
            .iter()
            .filter_map(|stmt| match stmt {
                Stmt::FunctionDef(def) => handler(project, class.module, def),
                _ => None,
            })
            .collect();
        for (range, problem, severity) in problems(project, class, &handlers) {
            let violation = InvalidWorkflowDefinition {
                workflow: class.def.name.to_string(),
                problem,
            };
            findings.push((class.module, violation, range, severity));
        }
    }
    findings.extend(
        duplicate_names_on_workers(checker)
            .into_iter()
            .map(|(module, violation, range)| (module, violation, range, Severity::Error)),
    );
    for (module, violation, range, severity) in findings {
        checker.report(module, &violation, range).severity = severity;
    }
}

/// Records the project workflow classes each `Worker(workflows=[…])` registers.
pub(crate) fn record_worker(checker: &mut Checker, info: &CallInfo) {
    if info.symbol != Some("temporalio.worker.Worker") {
        return;
    }
    let Some(Expr::List(ast::ExprList { elts, .. })) = info
        .call
        .arguments
        .find_keyword("workflows")
        .map(|keyword| &keyword.value)
    else {
        return;
    };
    let project = checker.resolver.project();
    let classes = elts
        .iter()
        .filter_map(|elt| {
            let class = project.class_by_name(checker.resolve(elt).symbol()?)?;
            Some((class, elt.range()))
        })
        .collect();
    checker.facts.worker_workflows.push(classes);
}

/// Two different classes one worker registers under the same workflow name: the worker
/// raises `ValueError` ("More than one workflow named …") when it is built.
fn duplicate_names_on_workers(
    checker: &ProjectChecker,
) -> Vec<(ModuleId, InvalidWorkflowDefinition, TextRange)> {
    let project = checker.project;
    let mut findings = Vec::new();
    for (module, facts) in checker.bodies() {
        for worker in &facts.worker_workflows {
            let mut seen: FxHashMap<String, ClassId> = FxHashMap::default();
            for (class, range) in worker {
                let data = project.class(*class);
                let Registration::Named(name) =
                    registration(data.def.name.as_str(), &data.def.decorator_list)
                else {
                    continue;
                };
                match seen.get(&name) {
                    Some(first) if first != class => findings.push((
                        module,
                        InvalidWorkflowDefinition {
                            workflow: data.def.name.to_string(),
                            problem: format!(
                                "registered as `{name}` like `{}` on the same worker; the worker refuses to start (`More than one workflow named {name}`). Give one `@workflow.defn(name=…)` another name",
                                project.class(*first).def.name
                            ),
                        },
                        *range,
                    )),
                    Some(_) => {}
                    None => {
                        seen.insert(name, *class);
                    }
                }
            }
        }
    }
    findings
}

fn problems(
    project: &Project,
    class: &Class,
    handlers: &[Handler],
) -> Vec<(TextRange, String, Severity)> {
    let mut problems = Vec::new();
    let runs: Vec<&Handler> = handlers.iter().filter(|h| h.role == Role::Run).collect();
    if runs.is_empty()
        && !base_may_define_run(project, class, 0)
        && !wrapped_from_outside(project, class)
    {
        problems.push((
            class.def.name.range(),
            "no `@workflow.run` method; the SDK rejects the class (`Missing @workflow.run method`). Mark the entry method `@workflow.run`".to_string(), Severity::Error));
    }
    if let [first, second, ..] = runs[..] {
        problems.push((
            second.def.name.range(),
            format!(
                "a second `@workflow.run` method (`{}` and `{}`); the SDK rejects the class. Keep one",
                first.def.name, second.def.name
            ), Severity::Error));
    }
    let init = handlers.iter().find(|h| h.role == Role::Init);
    if let (Some(init), [run]) = (init, &runs[..])
        && init.def.name.as_str() == "__init__"
        && let Some(difference) = parameters_differ(init.def, run.def)
    {
        problems.push((
            init.def.name.range(),
            format!(
                "`@workflow.init` `__init__` and `@workflow.run` `{}` take different parameters ({difference}); the SDK rejects the class (`@workflow.init and @workflow.run method parameters do not match`). Give `__init__` the run method's parameters",
                run.def.name
            ), Severity::Error));
    }
    if init.is_none()
        && let Some(def) = class
            .methods
            .get("__init__")
            .map(|init| project.function(*init).def)
        && def.decorator_list.is_empty()
        && let Some(required) = required_parameter(def)
    {
        problems.push((
            def.name.range(),
            format!(
                "`__init__` takes `{required}` without a default but is not marked `@workflow.init`: the SDK makes the workflow with `cls()`, which raises `TypeError`, so every workflow task fails. Give it a default, or mark `__init__` `@workflow.init` with the run method's parameters"
            ), Severity::Error));
    }
    let mut seen: FxHashMap<(Role, Option<&str>), &str> = FxHashMap::default();
    for handler in handlers {
        let def = handler.def;
        let range = def.name.range();
        match handler.role {
            Role::Run if !def.is_async => problems.push((
                range,
                "the `@workflow.run` method is not `async def`; the SDK raises `ValueError` (`Workflow run method must be an async function`). Make it `async def`".to_string(), Severity::Error)),
            Role::Validator if def.is_async => problems.push((
                range,
                "the update validator is `async def`; the SDK raises `ValueError` (validators run without being awaited). Make it a plain `def`".to_string(), Severity::Error)),
            Role::Init if def.name.as_str() != "__init__" => problems.push((
                range,
                "`@workflow.init` is only allowed on `__init__`; the SDK raises `ValueError`. Move it to `__init__`".to_string(), Severity::Error)),
            Role::Query if def.is_async => problems.push((
                range,
                "the query handler is `async def`; queries must not wait, the SDK warns that async queries are deprecated. Make it a plain `def`".to_string(), Severity::Warning)),
            Role::Query if !returns_value(&def.body) && !is_stub(&def.body) => problems.push((
                range,
                "the query handler never returns a value, so every query answers `None`. Return the state it is meant to expose".to_string(), Severity::Warning)),
            Role::Signal if returns_value(&def.body) => problems.push((
                range,
                "the signal handler returns a value, which nobody receives (signals have no result). Use `@workflow.update` to answer the caller".to_string(), Severity::Warning)),
            _ => {}
        }
        if let Some(kind) = handler.role.called_as()
            && let Some(parameter) = def
                .parameters
                .kwonlyargs
                .iter()
                .find(|p| p.default.is_none())
        {
            problems.push((
                parameter.parameter.name.range(),
                format!(
                    "the {kind} `{}` takes `{}` as a keyword-only parameter without a default, but the SDK passes arguments by position only, so every call raises `TypeError`. Make it a positional parameter (before any `*`)",
                    def.name, parameter.parameter.name
                ), Severity::Error));
        }
        if matches!(handler.role, Role::Signal | Role::Query | Role::Update) {
            let key = (handler.role, handler.name.as_deref());
            if let Some(first) = seen.insert(key, def.name.as_str()) {
                let kind = match handler.role {
                    Role::Signal => "signal",
                    Role::Query => "query",
                    _ => "update",
                };
                let name = handler.name.as_deref().unwrap_or("<dynamic>");
                problems.push((
                    range,
                    format!(
                        "two {kind} handlers are registered as `{name}` (`{first}` and `{}`); the SDK rejects the class. Give each its own name",
                        def.name
                    ), Severity::Error));
            }
        }
    }
    problems
}

/// The first parameter besides `self` that a call with no arguments leaves unfilled.
fn required_parameter(def: &ast::StmtFunctionDef) -> Option<&str> {
    let parameters = &def.parameters;
    parameters
        .posonlyargs
        .iter()
        .chain(&parameters.args)
        .skip(1)
        .chain(&parameters.kwonlyargs)
        .find(|parameter| parameter.default.is_none())
        .map(|parameter| parameter.parameter.name.as_str())
}

/// How the parameters of `init` and `run` certainly differ for the SDK, which compares
/// them but for their names: their number, their kinds, which have defaults and which
/// annotations. Equal annotations written differently (`Optional[str]`, `str | None`) are
/// not told apart, so only a missing one counts.
fn parameters_differ(init: &ast::StmtFunctionDef, run: &ast::StmtFunctionDef) -> Option<String> {
    let shape = |def: &ast::StmtFunctionDef| {
        let parameters = &def.parameters;
        let listed = |kind: &'static str, list: &[ast::ParameterWithDefault]| {
            list.iter()
                .map(|parameter| {
                    (
                        kind,
                        parameter.default.is_some(),
                        parameter.parameter.annotation.is_some(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let variadic = |kind: &'static str, parameter: &Option<Box<ast::Parameter>>| {
            parameter
                .as_ref()
                .map(|parameter| (kind, false, parameter.annotation.is_some()))
        };
        let mut shape = listed("positional-only", &parameters.posonlyargs);
        shape.extend(listed("positional", &parameters.args));
        shape.extend(variadic("*args", &parameters.vararg));
        shape.extend(listed("keyword-only", &parameters.kwonlyargs));
        shape.extend(variadic("**kwargs", &parameters.kwarg));
        shape
    };
    let (init_shape, run_shape) = (shape(init), shape(run));
    if init_shape.len() != run_shape.len() {
        let count = |shape: &[(&str, bool, bool)]| shape.len().saturating_sub(1);
        return Some(format!(
            "{} and {} besides `self`",
            count(&init_shape),
            count(&run_shape)
        ));
    }
    init_shape
        .iter()
        .zip(&run_shape)
        .enumerate()
        .find_map(|(index, (a, b))| {
            if a.0 != b.0 {
                Some(format!(
                    "parameter {index} is {} in one, {} in the other",
                    a.0, b.0
                ))
            } else if a.1 != b.1 {
                Some(format!("parameter {index} has a default in only one"))
            } else if a.2 != b.2 {
                Some(format!("parameter {index} is annotated in only one"))
            } else {
                None
            }
        })
}

/// The Temporal role of a method of a class in `module`, from its decorators (the SDK's, or
/// a project wrapper of them: then the name it registers is not known).
fn handler<'a>(
    project: &Project,
    module: ModuleId,
    def: &'a ast::StmtFunctionDef,
) -> Option<Handler<'a>> {
    def.decorator_list.iter().find_map(|decorator| {
        let (callee, call) = match &decorator.expression {
            Expr::Call(call) => (&*call.func, Some(call)),
            other => (other, None),
        };
        if let Expr::Attribute(attribute) = callee
            && attribute.attr.as_str() == "validator"
        {
            return Some(Handler {
                role: Role::Validator,
                name: None,
                def,
            });
        }
        let (symbol, wrapped) = project.sdk_decorator(module, decorator)?;
        let role = match symbol.as_str() {
            "temporalio.workflow.run" => Role::Run,
            "temporalio.workflow.signal" => Role::Signal,
            "temporalio.workflow.query" => Role::Query,
            "temporalio.workflow.update" => Role::Update,
            "temporalio.workflow.init" => Role::Init,
            _ => return None,
        };
        let keyword = |name: &str| call.and_then(|call| call.arguments.find_keyword(name));
        let dynamic = keyword("dynamic")
            .is_some_and(|k| matches!(&k.value, Expr::BooleanLiteral(b) if b.value));
        let name = match keyword("name").map(|k| &k.value) {
            _ if dynamic => None,
            _ if wrapped => Some(format!("<{}>", decorator.range().start().to_u32())),
            Some(Expr::StringLiteral(name)) => Some(name.value.to_str().to_string()),
            // A name the analysis cannot read: unique as far as it can tell.
            Some(other) => Some(format!("<{}>", other.range().start().to_u32())),
            None => Some(def.name.to_string()),
        };
        Some(Handler { role, name, def })
    })
}

/// Whether a method of `class` carries a decorator from a package outside the project (not
/// the standard library's, not the SDK's), which may apply `@workflow.run` itself
/// (`@workflow_run_with_context`).
fn wrapped_from_outside(project: &Project, class: &Class) -> bool {
    let resolver = Resolver::new(project, class.module);
    class.def.body.iter().any(|stmt| {
        let Stmt::FunctionDef(def) = stmt else {
            return false;
        };
        def.decorator_list.iter().any(|decorator| {
            let callee = match &decorator.expression {
                Expr::Call(call) => &*call.func,
                other => other,
            };
            let binding = resolver.resolve(callee, &LocalScope::default());
            let Some(symbol) = binding.symbol() else {
                return true;
            };
            let top = symbol.split('.').next().unwrap_or_default();
            !project.has_top_level_package(top)
                && !is_stdlib_module(top)
                && !matches!(top, "builtins" | "temporalio" | "typing_extensions")
        })
    })
}

/// Whether a base class may supply `@workflow.run`: any base that is not a project class
/// (or `object`), or a project base that has one.
fn base_may_define_run(project: &Project, class: &Class, depth: u8) -> bool {
    if depth > 8 {
        return true;
    }
    if class.def.bases().len() != class.bases.len() {
        return true;
    }
    class.bases.iter().any(|base| {
        if matches!(
            base.as_str(),
            "builtins.object" | "typing.Generic" | "abc.ABC"
        ) {
            return false;
        }
        let Some(base) = project.class_by_name(base) else {
            return true;
        };
        let base = project.class(base);
        base.def.body.iter().any(|stmt| {
            matches!(stmt, Stmt::FunctionDef(def)
                if handler(project, base.module, def).is_some_and(|h| h.role == Role::Run))
        }) || base_may_define_run(project, base, depth + 1)
    })
}

/// Whether a body returns a value (`return x`, not a bare `return`), outside nested functions.
fn returns_value(body: &[Stmt]) -> bool {
    body.iter().any(|stmt| match stmt {
        Stmt::Return(ret) => ret
            .value
            .as_ref()
            .is_some_and(|v| !v.is_none_literal_expr()),
        Stmt::If(if_stmt) => {
            returns_value(&if_stmt.body)
                || if_stmt
                    .elif_else_clauses
                    .iter()
                    .any(|clause| returns_value(&clause.body))
        }
        Stmt::For(for_stmt) => returns_value(&for_stmt.body) || returns_value(&for_stmt.orelse),
        Stmt::While(while_stmt) => {
            returns_value(&while_stmt.body) || returns_value(&while_stmt.orelse)
        }
        Stmt::With(with) => returns_value(&with.body),
        Stmt::Try(try_stmt) => {
            returns_value(&try_stmt.body)
                || returns_value(&try_stmt.orelse)
                || returns_value(&try_stmt.finalbody)
                || try_stmt.handlers.iter().any(|handler| {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    returns_value(&handler.body)
                })
        }
        Stmt::Match(match_stmt) => match_stmt
            .cases
            .iter()
            .any(|case| returns_value(&case.body)),
        _ => false,
    })
}

/// A body that only documents or refuses (`...`, `pass`, a docstring, `raise …`): a stub
/// meant to be overridden, not a handler that forgot its value.
fn is_stub(body: &[Stmt]) -> bool {
    body.iter().all(|stmt| match stmt {
        Stmt::Pass(_) | Stmt::Raise(_) => true,
        Stmt::Expr(expr) => matches!(
            &*expr.value,
            Expr::EllipsisLiteral(_) | Expr::StringLiteral(_)
        ),
        _ => false,
    })
}
