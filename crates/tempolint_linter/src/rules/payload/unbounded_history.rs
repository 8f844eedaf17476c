use tempolint_python::ast::{self, Expr};
use tempolint_python::{Ranged, TextRange};
use tempolint_semantic::{FunctionId, FunctionKind};

use crate::checker::{CallInfo, Checker, ProjectChecker, Role};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks workflows that loop forever (`while True:`) while no method of the workflow calls
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
    UnboundedHistory => UnboundedHistory {}
}

impl UnboundedHistory {
    fn describe(&self) -> String {
        "Workflow loops without end (`while True` with no `break` or `return`) but never calls `workflow.continue_as_new()`; its history grows until the 51,200-event / 50 MiB limit terminates it".to_string()
    }
}

/// Records `while True:` loops in workflow methods.
pub(crate) fn record_loop(checker: &mut Checker, while_stmt: &ast::StmtWhile) {
    if checker.role != Role::Function(FunctionKind::WorkflowMethod) {
        return;
    }
    let endless = match &*while_stmt.test {
        Expr::BooleanLiteral(literal) => literal.value,
        Expr::NumberLiteral(number) => {
            !matches!(&number.value, ast::Number::Int(int) if int.as_i64() == Some(0))
        }
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

/// Whether a loop body leaves the loop (`break` or `return`), outside nested loops and
/// functions.
fn exits(body: &[ast::Stmt]) -> bool {
    body.iter().any(|stmt| match stmt {
        ast::Stmt::Break(_) | ast::Stmt::Return(_) => true,
        ast::Stmt::If(if_stmt) => {
            exits(&if_stmt.body)
                || if_stmt
                    .elif_else_clauses
                    .iter()
                    .any(|clause| exits(&clause.body))
        }
        ast::Stmt::With(with) => exits(&with.body),
        ast::Stmt::Try(try_stmt) => {
            exits(&try_stmt.body)
                || exits(&try_stmt.orelse)
                || exits(&try_stmt.finalbody)
                || try_stmt.handlers.iter().any(|handler| {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    exits(&handler.body)
                })
        }
        ast::Stmt::Match(match_stmt) => match_stmt.cases.iter().any(|case| exits(&case.body)),
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
        let mut loops: Vec<TextRange> = methods
            .iter()
            .flat_map(|method| checker.function(*method).endless_loops.iter().copied())
            .collect();
        loops.sort_by_key(Ranged::start);
        findings.extend(loops.into_iter().map(|range| (class.module, range)));
    }
    for (module, range) in findings {
        checker.report(module, &UnboundedHistory {}, range);
    }
}
