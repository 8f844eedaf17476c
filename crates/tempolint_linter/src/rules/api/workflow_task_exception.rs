use rustc_hash::FxHashSet;
use tempolint_python::ast::{self, Expr, Stmt};
use tempolint_python::{Ranged, TextRange};
use tempolint_semantic::{
    Binding, ClassId, FunctionId, FunctionKind, LocalScope, ModuleId, Project, Resolver,
};

use crate::checker::{CallInfo, Checker, FailureTypes, ProjectChecker, RaiseSite, Role};
use crate::propagate::{chain_of, describe_chain};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks the methods the SDK calls in a workflow task (the run method, signal and update
    /// handlers, `__init__`) for an exception that escapes them and is not a Temporal failure:
    /// `raise ValueError(…)`, `assert`, a bare `raise` re-raising a caught library error
    /// (also under `except Exception:` when its `try` body raises one itself, or re-raises
    /// one from an inner handler), also in a method of the workflow, static or not, they
    /// call outside any `try` (`return await self._steps()`, `self.validate(order)`), or
    /// in an undecorated module-level function they so call that uses the workflow API
    /// (`await wait_for_job(job_id)`, which runs `workflow.execute_activity`).
    /// Quiet for `ApplicationError` and its subclasses, exceptions caught in the same method,
    /// query handlers, update validators and other methods called elsewhere (their callers
    /// may catch), types
    /// declared in `@workflow.defn(failure_exception_types=…)` or a worker's
    /// `workflow_failure_exception_types`, and activities.
    ///
    /// ## Why is this bad?
    /// Only `temporalio.exceptions.FailureError` subclasses and `asyncio.TimeoutError` (the
    /// builtin `TimeoutError` from Python 3.11) fail the *workflow*. Any other
    /// exception fails the *workflow task*: the SDK logs it and retries the task forever,
    /// so the workflow hangs (shown as running) instead of failing, until the code is fixed.
    ///
    /// ## Example
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Refund:
    ///     @workflow.run
    ///     async def run(self, amount: int) -> None:
    ///         if amount <= 0:
    ///             raise ValueError("amount must be positive")
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    /// from temporalio.exceptions import ApplicationError
    ///
    /// @workflow.defn
    /// class Refund:
    ///     @workflow.run
    ///     async def run(self, amount: int) -> None:
    ///         if amount <= 0:
    ///             raise ApplicationError("amount must be positive", non_retryable=True)
    /// ```
    WorkflowTaskException => WorkflowTaskException { exception: String }
}

impl WorkflowTaskException {
    fn describe(&self) -> String {
        format!(
            "`{}` escaping workflow code fails the workflow task, not the workflow: the SDK retries the task forever and the workflow hangs. Raise `ApplicationError` to fail the workflow, or declare the type in `@workflow.defn(failure_exception_types=[…])`",
            self.exception
        )
    }
}

/// Exceptions with a meaning of their own to the SDK, or that end the task on purpose.
const SPECIAL: &[&str] = &[
    // `raise AssertionError("unreachable")` marks a bug, like a narrowing `assert`.
    "builtins.AssertionError",
    "asyncio.CancelledError",
    "asyncio.exceptions.CancelledError",
    "builtins.NotImplementedError",
    "builtins.StopIteration",
    "builtins.StopAsyncIteration",
    "builtins.KeyboardInterrupt",
    "builtins.SystemExit",
    "builtins.GeneratorExit",
];

/// `asyncio.TimeoutError` and its names.
const TIMEOUTS: &[&str] = &[
    "asyncio.TimeoutError",
    "asyncio.exceptions.TimeoutError",
    "builtins.TimeoutError",
];

/// Builtin exceptions and the builtin classes above them that a failure type list may name.
const BUILTIN_PARENTS: &[(&str, &[&str])] = &[
    ("KeyError", &["LookupError"]),
    ("IndexError", &["LookupError"]),
    ("ZeroDivisionError", &["ArithmeticError"]),
    ("OverflowError", &["ArithmeticError"]),
    ("UnicodeError", &["ValueError"]),
    ("UnicodeDecodeError", &["UnicodeError", "ValueError"]),
    ("UnicodeEncodeError", &["UnicodeError", "ValueError"]),
    ("FileNotFoundError", &["OSError"]),
    ("PermissionError", &["OSError"]),
    ("TimeoutError", &["OSError"]),
    ("ConnectionError", &["OSError"]),
    ("RecursionError", &["RuntimeError"]),
    ("NotImplementedError", &["RuntimeError"]),
    ("ModuleNotFoundError", &["ImportError"]),
];

/// Records `raise` statements of workflow methods and plain functions.
pub(crate) fn check_raise(checker: &mut Checker, raise: &ast::StmtRaise) {
    if !records_raises(checker) || checker.in_try > 0 {
        return;
    }
    let exception = if let Some(exc) = &raise.exc {
        checker.exception_class(raised_class(exc))
    } else {
        reraised(checker)
    };
    let Some(exception) = exception else {
        return;
    };
    let range = raise.exc.as_ref().map_or(raise.range(), |exc| exc.range());
    record(checker, range, exception);
}

/// What a bare `raise` re-raises, in the innermost `except` being visited (see [`caught`]).
fn reraised(checker: &Checker) -> Option<String> {
    let handling = *checker.handling.last()?;
    caught(checker, handling.types, handling.first_of)
}

/// What a clause naming `types` (`None`: a bare `except:`) re-raises with a bare `raise`: the
/// type it names, when every type it names is a known non-Temporal one. A broad clause
/// (`except Exception:`, a bare `except:`) may hold an `ActivityError`; it re-raises a known
/// type only when it is the first clause of its `try` (`first_of`, that `try`'s body) and
/// that body itself raises one (`raise ValueError(…)`).
fn caught(checker: &Checker, types: Option<&Expr>, first_of: Option<&[Stmt]>) -> Option<String> {
    let broad = || first_of.and_then(|body| raised_in(checker, body).into_iter().next());
    let Some(caught) = types else {
        return broad();
    };
    let types: Vec<&Expr> = match caught {
        Expr::Tuple(tuple) => tuple.elts.iter().collect(),
        other => vec![other],
    };
    let mut names = Vec::new();
    for caught in types {
        let name = checker.exception_class(caught)?;
        if matches!(
            name.as_str(),
            "builtins.Exception" | "builtins.BaseException"
        ) {
            return broad();
        }
        if name.starts_with("temporalio.") {
            return None;
        }
        names.push(name);
    }
    names.into_iter().next()
}

/// Whether `body` (a handler's) re-raises with a bare `raise`, outside definitions and
/// nested `try` statements.
fn reraises(body: &[Stmt]) -> bool {
    body.iter().any(|stmt| match stmt {
        Stmt::Raise(ast::StmtRaise { exc: None, .. }) => true,
        Stmt::If(if_stmt) => {
            reraises(&if_stmt.body)
                || if_stmt
                    .elif_else_clauses
                    .iter()
                    .any(|clause| reraises(&clause.body))
        }
        Stmt::With(with) => reraises(&with.body),
        _ => false,
    })
}

/// The class a `raise` names: `ValueError` in `raise ValueError(…)` or `raise ValueError`.
fn raised_class(exc: &Expr) -> &Expr {
    match exc {
        Expr::Call(call) => &call.func,
        other => other,
    }
}

/// The known non-Temporal exception types `raise` statements of `body` raise, outside
/// definitions and the bodies of nested `try` statements (their handlers may catch what
/// those raise; what the handlers raise or re-raise themselves escapes).
fn raised_in(checker: &Checker, body: &[Stmt]) -> Vec<String> {
    let mut raised = Vec::new();
    for stmt in body {
        match stmt {
            Stmt::Raise(ast::StmtRaise { exc: Some(exc), .. }) => {
                raised.extend(
                    checker
                        .exception_class(raised_class(exc))
                        .filter(|name| !name.starts_with("temporalio.")),
                );
            }
            Stmt::Try(try_stmt) => {
                for (index, handler) in try_stmt.handlers.iter().enumerate() {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    raised.extend(raised_in(checker, &handler.body));
                    // `except Exception: cleanup(); raise` passes on what it caught.
                    if reraises(&handler.body) {
                        let first_of = (index == 0).then_some(&try_stmt.body[..]);
                        raised.extend(caught(checker, handler.type_.as_deref(), first_of));
                    }
                }
                raised.extend(raised_in(checker, &try_stmt.orelse));
                raised.extend(raised_in(checker, &try_stmt.finalbody));
            }
            Stmt::If(if_stmt) => {
                raised.extend(raised_in(checker, &if_stmt.body));
                for clause in &if_stmt.elif_else_clauses {
                    raised.extend(raised_in(checker, &clause.body));
                }
            }
            Stmt::For(ast::StmtFor { body, orelse, .. })
            | Stmt::While(ast::StmtWhile { body, orelse, .. }) => {
                raised.extend(raised_in(checker, body));
                raised.extend(raised_in(checker, orelse));
            }
            Stmt::With(with) => raised.extend(raised_in(checker, &with.body)),
            _ => {}
        }
    }
    raised
}

/// Records `assert` statements of workflow methods and plain functions (they raise
/// `AssertionError`).
pub(crate) fn check_assert(checker: &mut Checker, assert: &ast::StmtAssert) {
    if !records_raises(checker) || checker.in_try > 0 || narrows_type(&assert.test) {
        return;
    }
    let range = TextRange::new(assert.start(), assert.test.end());
    checker.facts.raises.push(RaiseSite {
        range,
        exception: "builtins.AssertionError".to_string(),
    });
}

/// `assert x is not None` / `assert isinstance(x, T)`: written for the type checker, about
/// an invariant whose breach is a bug the task failure rightly waits on.
fn narrows_type(test: &Expr) -> bool {
    match test {
        Expr::Compare(compare) => {
            compare.ops.iter().all(|op| *op == ast::CmpOp::IsNot)
                && compare.comparators.iter().all(Expr::is_none_literal_expr)
        }
        Expr::Call(call) => {
            matches!(&*call.func, Expr::Name(name) if name.id.as_str() == "isinstance")
        }
        Expr::BoolOp(bool_op) => bool_op.values.iter().all(narrows_type),
        _ => false,
    }
}

/// Records the types a `Worker(workflow_failure_exception_types=…)` declares.
pub(crate) fn record_worker(checker: &mut Checker, info: &CallInfo) {
    if info.symbol != Some("temporalio.worker.Worker") {
        return;
    }
    let keyword = info
        .call
        .arguments
        .find_keyword("workflow_failure_exception_types");
    let types = match keyword.map(|keyword| &keyword.value) {
        Some(Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. })) => {
            let names: Option<Vec<String>> = elts
                .iter()
                .map(|elt| checker.resolve(elt).symbol().map(str::to_string))
                .collect();
            names.map_or(FailureTypes::Unknown, FailureTypes::Known)
        }
        Some(_) => FailureTypes::Unknown,
        // A `**options` splat is taken not to set it: wrappers that forward keyword
        // arguments to `Worker` (test helpers) would otherwise silence the rule everywhere.
        None => return,
    };
    checker.facts.worker_failure_types.push(types);
}

/// Records whether the body calls the workflow API, and calls made outside any `try` whose
/// callee's raises escape here: of the workflow's own methods from its methods (`return
/// await self._steps(limit)`), and of undecorated module-level functions from those or from
/// such functions (`await wait_for_job(job_id)`). Awaited, or a plain `def`: the callee runs
/// here.
pub(crate) fn record_call(checker: &mut Checker, info: &CallInfo) {
    if info
        .symbol
        .is_some_and(|symbol| symbol.starts_with("temporalio.workflow."))
    {
        checker.facts.calls_workflow_api = true;
    }
    if !records_raises(checker) || checker.in_try > 0 {
        return;
    }
    let project = checker.resolver.project();
    let Some(callee) = info
        .symbol
        .and_then(|symbol| project.function_by_name(symbol))
    else {
        return;
    };
    let data = project.function(callee);
    let of_workflow = of_workflow_class(project, callee);
    let escapes_here = match &*info.call.func {
        Expr::Attribute(attribute) if matches!(&*attribute.value, Expr::Name(name) if name.id.as_str() == "self") => {
            in_workflow_method(checker) && of_workflow
        }
        // `Workflow.check(x)`: a class or static method of a workflow, from its methods.
        _ if of_workflow && data.is_class_or_static() => in_workflow_method(checker),
        _ => {
            checker.deferred == 0
                && data.class.is_none()
                && data.kind == FunctionKind::Plain
                && data.def.decorator_list.is_empty()
        }
    };
    let runs_here = !data.def.is_async || checker.is_awaited(info.call);
    if escapes_here && runs_here {
        checker
            .facts
            .uncaught_calls
            .push((callee, info.call.func.range()));
    }
}

/// Whether the function is a method (of any kind) of a `@workflow.defn` class.
fn of_workflow_class(project: &Project, function: FunctionId) -> bool {
    project
        .function(function)
        .class
        .is_some_and(|class| project.class(class).workflow.is_some())
}

fn in_workflow_method(checker: &Checker) -> bool {
    checker.role == Role::Function(FunctionKind::WorkflowMethod)
}

/// Whether a `raise` here is recorded: in a workflow's method, or directly in a plain
/// function (its raises count only where [`record_call`] found it called).
fn records_raises(checker: &Checker) -> bool {
    match checker.role {
        Role::Function(FunctionKind::WorkflowMethod) => true,
        Role::Function(FunctionKind::Plain) => checker.deferred == 0,
        _ => false,
    }
}

fn record(checker: &mut Checker, range: TextRange, exception: String) {
    if exception.starts_with("temporalio.") || SPECIAL.contains(&exception.as_str()) {
        return;
    }
    checker.facts.raises.push(RaiseSite { range, exception });
}

pub(crate) fn check_project(checker: &mut ProjectChecker) {
    let project = checker.project;
    let mut worker_types = Vec::new();
    for (_, facts) in checker.bodies() {
        for types in &facts.worker_failure_types {
            match types {
                FailureTypes::Known(names) => worker_types.extend(names.iter().cloned()),
                FailureTypes::Unknown => return,
            }
        }
    }
    let mut findings = Vec::new();
    for class in &project.classes {
        if class.workflow.is_none() {
            continue;
        }
        let Some(mut declared) = declared_failure_types(project, class.module, class.def) else {
            continue;
        };
        declared.extend(worker_types.iter().cloned());
        let mut methods: Vec<_> = class.methods.values().copied().collect();
        methods.sort();
        for method in methods {
            if !is_task_entry_point(project, class.module, project.function(method).def) {
                continue;
            }
            for Escaping {
                raised_in,
                raise,
                path,
            } in escaping_raises(checker, method)
            {
                match is_temporal_failure(project, &raise.exception, &declared, 0) {
                    Some(false) => {}
                    Some(true) | None => continue,
                }
                let violation = WorkflowTaskException {
                    exception: shown(&raise.exception),
                };
                let module = project.function(raised_in).module;
                if !findings
                    .iter()
                    .any(|(at, _, range, _)| *at == module && *range == raise.range)
                {
                    findings.push((module, violation, raise.range, path));
                }
            }
        }
    }
    for (module, violation, range, path) in findings {
        let chain = chain_of(project, &path);
        let diagnostic = checker.report(module, &violation, range);
        if !chain.is_empty() {
            diagnostic.message = format!(
                "{} (reached from {})",
                diagnostic.message,
                describe_chain(&chain)
            );
            diagnostic.chain = chain;
        }
    }
}

/// A raise that escapes an entry point.
struct Escaping<'c> {
    /// The function it is written in.
    raised_in: FunctionId,
    raise: &'c RaiseSite,
    /// The calls that lead there from the entry point: caller, range of the call.
    path: Vec<(FunctionId, TextRange)>,
}

/// The raises that escape an entry point: its own, and those of the functions it calls
/// outside any `try` (and they in turn) that are meant for workflows.
fn escaping_raises<'c>(checker: &'c ProjectChecker, entry: FunctionId) -> Vec<Escaping<'c>> {
    let mut seen = FxHashSet::from_iter([entry]);
    let mut stack = vec![(entry, Vec::new())];
    let mut raises = Vec::new();
    while let Some((function, path)) = stack.pop() {
        let facts = checker.function(function);
        for &(callee, range) in &facts.uncaught_calls {
            if seen.insert(callee) {
                let mut longer = path.clone();
                longer.push((function, range));
                stack.push((callee, longer));
            }
        }
        // A plain helper that does not use the workflow API is shared with code outside
        // workflows, where its callers handle what it raises (or it cannot raise there).
        let meant_for_workflows = function == entry
            || checker.project.function(function).kind == FunctionKind::WorkflowMethod
            || of_workflow_class(checker.project, function)
            || facts.calls_workflow_api;
        if meant_for_workflows {
            raises.extend(facts.raises.iter().map(|raise| Escaping {
                raised_in: function,
                raise,
                path: path.clone(),
            }));
        }
    }
    raises
}

/// The types of `@workflow.defn(failure_exception_types=[…])`; `None` when they cannot be
/// read (or include `Exception`: every exception then fails the workflow).
fn declared_failure_types(
    project: &Project,
    module: tempolint_semantic::ModuleId,
    class: &ast::StmtClassDef,
) -> Option<Vec<String>> {
    let resolver = Resolver::new(project, module);
    let scope = LocalScope::default();
    let mut declared = Vec::new();
    for decorator in &class.decorator_list {
        let Expr::Call(call) = &decorator.expression else {
            continue;
        };
        let Some(keyword) = call.arguments.find_keyword("failure_exception_types") else {
            continue;
        };
        let (Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. })) =
            &keyword.value
        else {
            return None;
        };
        for elt in elts {
            match resolver.resolve(elt, &scope) {
                Binding::Symbol(name)
                    if !matches!(
                        name.as_str(),
                        "builtins.Exception" | "builtins.BaseException"
                    ) =>
                {
                    declared.push(name);
                }
                _ => return None,
            }
        }
    }
    Some(declared)
}

/// The methods the SDK calls inside the workflow task: `__init__`, `@workflow.run`,
/// `@workflow.signal`, `@workflow.update` handlers. What escapes them fails the task. Query
/// handlers and update validators answer their caller instead, and other methods return to
/// callers that may catch (a framework's dispatcher, a `try` in the run method).
fn is_task_entry_point(project: &Project, module: ModuleId, def: &ast::StmtFunctionDef) -> bool {
    if def.name.as_str() == "__init__" {
        return true;
    }
    def.decorator_list.iter().any(|decorator| {
        project
            .sdk_decorator(module, decorator)
            .is_some_and(|(symbol, _)| {
                matches!(
                    symbol.as_str(),
                    "temporalio.workflow.run"
                        | "temporalio.workflow.signal"
                        | "temporalio.workflow.update"
                )
            })
    })
}

/// Whether raising `exception` fails the workflow: `Some(true)` for Temporal failures and
/// declared types, `Some(false)` for anything else known, `None` when unknown.
fn is_temporal_failure(
    project: &Project,
    exception: &str,
    declared: &[String],
    depth: u8,
) -> Option<bool> {
    if depth > 8 {
        return None;
    }
    // The SDK fails the workflow on `asyncio.TimeoutError` too (`wait_condition`'s timeout);
    // from Python 3.11 that is the builtin `TimeoutError`.
    if exception.starts_with("temporalio.")
        || TIMEOUTS.contains(&exception)
        || declared.iter().any(|d| d == exception)
    {
        return Some(true);
    }
    if let Some(name) = exception.strip_prefix("builtins.") {
        let parents = BUILTIN_PARENTS
            .iter()
            .find(|(child, _)| *child == name)
            .map_or(&[][..], |(_, parents)| *parents);
        let declared_parent = parents
            .iter()
            .any(|parent| declared.iter().any(|d| d == &format!("builtins.{parent}")));
        // Only names that are exceptions; anything else raised is not ours to judge.
        let is_exception = name.ends_with("Error") || name.ends_with("Exception");
        return is_exception.then_some(declared_parent);
    }
    let Some(class) = project.class_by_name(exception) else {
        // A library's exception class: it is no Temporal failure.
        return exception
            .rsplit('.')
            .next()
            .is_some_and(|last| last.ends_with("Error") || last.ends_with("Exception"))
            .then_some(false);
    };
    project_class_failure(project, class, declared, depth)
}

fn project_class_failure(
    project: &Project,
    class: ClassId,
    declared: &[String],
    depth: u8,
) -> Option<bool> {
    let data = project.class(class);
    let resolver = Resolver::new(project, data.module);
    let module = project.module(data.module);
    let scope = LocalScope::default();
    let mut any_unknown = data.def.bases().is_empty();
    for base in data.def.bases() {
        let name = match (resolver.resolve(base, &scope), base) {
            (Binding::Symbol(name), _) => name,
            (_, Expr::Name(name)) if !module.globals.contains_key(name.id.as_str()) => {
                format!("builtins.{}", name.id)
            }
            _ => return None,
        };
        match is_temporal_failure(project, &name, declared, depth + 1) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => any_unknown = true,
        }
    }
    (!any_unknown).then_some(false)
}

fn shown(exception: &str) -> String {
    exception
        .strip_prefix("builtins.")
        .unwrap_or(exception.rsplit('.').next().unwrap_or(exception))
        .to_string()
}
