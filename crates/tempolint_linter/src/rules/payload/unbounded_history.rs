use tempolint_python::ast::{self, Expr};
use tempolint_python::{Ranged, TextRange};
use tempolint_semantic::{FunctionId, FunctionKind};

use crate::checker::{CallInfo, Checker, ProjectChecker, Role};
use crate::rules::{is_zero_literal, violation};

violation! {
    /// ## What it does
    /// Checks workflows that loop forever (`while True:`), or through `range(N)` with every
    /// iteration awaiting activities, child workflows or timers whose at least two events each
    /// pass the history's limit over N iterations, while no method of the workflow calls
    /// `workflow.continue_as_new()`.
    ///
    /// ## Why is this bad?
    /// Every iteration appends events to the history; after 51,200 events or 50 MiB the server
    /// terminates the workflow, and long before that replays get slow. Continue as new
    /// periodically (for example when `workflow.info().is_continue_as_new_suggested()`).
    ///
    /// ## Example
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Poller:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         while True:
    ///             await workflow.sleep(60)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Poller:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         while True:
    ///             await workflow.sleep(60)
    ///             if workflow.info().is_continue_as_new_suggested():
    ///                 workflow.continue_as_new()
    /// ```
    UnboundedHistory => UnboundedHistory { counted: Option<(u64, u64)> }
}

impl UnboundedHistory {
    fn describe(&self) -> String {
        match self.counted {
            None => "Workflow loops without end (`while True` with no `break`, `return` or `raise`) but never calls `workflow.continue_as_new()`; its history grows until the 51,200-event / 50 MiB limit terminates it".to_string(),
            Some((iterations, events)) => format!(
                "Workflow loop of {iterations} iterations adds at least {events} history events if it runs them all, past the {HISTORY_LIMIT}-event limit that terminates the workflow, and no method calls `workflow.continue_as_new()`"
            ),
        }
    }
}

/// The number of events after which the server terminates a workflow.
const HISTORY_LIMIT: u64 = 51_200;

/// Awaited calls that each add at least two events (scheduled and completed, started and
/// fired) to the history.
const HISTORY_STEPS: &[&str] = &[
    "temporalio.workflow.execute_activity",
    "temporalio.workflow.execute_activity_method",
    "temporalio.workflow.execute_local_activity",
    "temporalio.workflow.execute_child_workflow",
    "temporalio.workflow.sleep",
];

/// Records `for … in range(N):` loops in workflow methods whose every iteration awaits
/// activities, child workflows or timers, with the fewest events all N iterations add.
pub(crate) fn record_counted_loop(checker: &mut Checker, for_stmt: &ast::StmtFor) {
    if checker.role != Role::Function(FunctionKind::WorkflowMethod) || for_stmt.is_async {
        return;
    }
    let Expr::Call(call) = &*for_stmt.iter else {
        return;
    };
    if checker.resolve(&call.func).symbol() != Some("builtins.range")
        || call.arguments.args.len() != 1
        || !call.arguments.keywords.is_empty()
    {
        return;
    }
    let Expr::NumberLiteral(ast::ExprNumberLiteral {
        value: ast::Number::Int(count),
        ..
    }) = &call.arguments.args[0]
    else {
        return;
    };
    let Some(iterations) = count.as_u64() else {
        return;
    };
    // Steps every iteration takes: awaited at the loop body's own level.
    let steps = for_stmt
        .body
        .iter()
        .filter(|stmt| {
            let value = match stmt {
                ast::Stmt::Expr(expr) => Some(&*expr.value),
                ast::Stmt::Assign(assign) => Some(&*assign.value),
                ast::Stmt::AnnAssign(assign) => assign.value.as_deref(),
                _ => None,
            };
            matches!(value, Some(Expr::Await(awaited))
                if matches!(&*awaited.value, Expr::Call(step)
                    if checker.resolve(&step.func).symbol().is_some_and(|symbol| HISTORY_STEPS.contains(&symbol))))
        })
        .count() as u64;
    let events = iterations.saturating_mul(steps).saturating_mul(2);
    if events > HISTORY_LIMIT {
        let range = TextRange::new(for_stmt.start(), for_stmt.iter.end());
        checker
            .facts
            .counted_loops
            .push((range, (iterations, events)));
    }
}

/// Records `while True:` loops in workflow methods.
pub(crate) fn record_loop(checker: &mut Checker, while_stmt: &ast::StmtWhile) {
    if checker.role != Role::Function(FunctionKind::WorkflowMethod) {
        return;
    }
    let endless = match &*while_stmt.test {
        Expr::BooleanLiteral(literal) => literal.value,
        Expr::NumberLiteral(_) => !is_zero_literal(&while_stmt.test),
        _ => false,
    };
    if endless && !exits(&while_stmt.body) {
        let range = TextRange::new(while_stmt.start(), while_stmt.test.end());
        checker.facts.endless_loops.push(range);
    }
}

/// Records that a body continues as new.
pub(crate) fn record_continue_as_new(checker: &mut Checker, info: &CallInfo) {
    if info.symbol == Some("temporalio.workflow.continue_as_new") {
        checker.facts.continues_as_new = true;
    }
}

/// Whether a loop body leaves the loop: `break` (outside nested loops), `return` or `raise`
/// (anywhere but nested functions).
fn exits(body: &[ast::Stmt]) -> bool {
    leaves(body, false)
}

/// [`exits`], inside a loop nested in the body when `nested` (where `break` ends that loop).
fn leaves(body: &[ast::Stmt], nested: bool) -> bool {
    body.iter().any(|stmt| match stmt {
        ast::Stmt::Return(_) | ast::Stmt::Raise(_) => true,
        ast::Stmt::Break(_) => !nested,
        ast::Stmt::For(for_stmt) => {
            leaves(&for_stmt.body, true) || leaves(&for_stmt.orelse, nested)
        }
        ast::Stmt::While(while_stmt) => {
            leaves(&while_stmt.body, true) || leaves(&while_stmt.orelse, nested)
        }
        ast::Stmt::If(if_stmt) => {
            leaves(&if_stmt.body, nested)
                || if_stmt
                    .elif_else_clauses
                    .iter()
                    .any(|clause| leaves(&clause.body, nested))
        }
        ast::Stmt::With(with) => leaves(&with.body, nested),
        ast::Stmt::Try(try_stmt) => {
            leaves(&try_stmt.body, nested)
                || leaves(&try_stmt.orelse, nested)
                || leaves(&try_stmt.finalbody, nested)
                || try_stmt.handlers.iter().any(|handler| {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    leaves(&handler.body, nested)
                })
        }
        ast::Stmt::Match(match_stmt) => match_stmt
            .cases
            .iter()
            .any(|case| leaves(&case.body, nested)),
        _ => false,
    })
}

/// Reports the endless loops of every workflow class none of whose methods continues as new.
pub(crate) fn check_project(checker: &mut ProjectChecker) {
    let mut findings = Vec::new();
    for class in &checker.project.classes {
        if class.workflow.is_none() {
            continue;
        }
        let methods: Vec<FunctionId> = class.methods.values().copied().collect();
        if methods
            .iter()
            .any(|method| checker.function(*method).continues_as_new)
        {
            continue;
        }
        let mut loops: Vec<(TextRange, Option<(u64, u64)>)> = methods
            .iter()
            .flat_map(|method| {
                let facts = checker.function(*method);
                facts
                    .endless_loops
                    .iter()
                    .map(|range| (*range, None))
                    .chain(
                        facts
                            .counted_loops
                            .iter()
                            .map(|(range, counted)| (*range, Some(*counted))),
                    )
            })
            .collect();
        loops.sort_by_key(|(range, _)| range.start());
        findings.extend(
            loops
                .into_iter()
                .map(|(range, counted)| (class.module, range, counted)),
        );
    }
    for (module, range, counted) in findings {
        checker.report(module, &UnboundedHistory { counted }, range);
    }
}
