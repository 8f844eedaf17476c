use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{self, Expr, ExprContext, Stmt, UnaryOp};
use tempolint_python::{Ranged, TextRange};

use crate::checker::{CallInfo, Checker, Context};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for code that uses the value of `await workflow.wait_condition(…)`: tests it
    /// (`if not await workflow.wait_condition(…)`), or keeps it in a name that is read later
    /// (`approved = await workflow.wait_condition(…, timeout=…)` then `if not approved:`).
    ///
    /// ## Why is this bad?
    /// `wait_condition()` returns `None` when the condition becomes true, and raises
    /// `asyncio.TimeoutError` when the timeout passes first; it never returns `False`. So the
    /// value is always `None`: the branch meant for a timeout runs after every success, and a
    /// real timeout fails the workflow instead of taking that branch.
    ///
    /// ## Example
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Approval:
    ///     def __init__(self) -> None:
    ///         self.approved = False
    ///
    ///     @workflow.run
    ///     async def run(self) -> str:
    ///         answered = await workflow.wait_condition(
    ///             lambda: self.approved, timeout=timedelta(hours=24)
    ///         )
    ///         if not answered:
    ///             return "escalated"
    ///         return "approved"
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import asyncio
    /// from datetime import timedelta
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Approval:
    ///     def __init__(self) -> None:
    ///         self.approved = False
    ///
    ///     @workflow.run
    ///     async def run(self) -> str:
    ///         try:
    ///             await workflow.wait_condition(
    ///                 lambda: self.approved, timeout=timedelta(hours=24)
    ///             )
    ///         except asyncio.TimeoutError:
    ///             return "escalated"
    ///         return "approved"
    /// ```
    WaitConditionResult => WaitConditionResult { stored: Option<String> }
}

impl WaitConditionResult {
    fn describe(&self) -> String {
        let what = match &self.stored {
            Some(name) => format!("`{name}` is always `None`"),
            None => "this test always sees `None`".to_string(),
        };
        format!(
            "`wait_condition()` returns `None`, and raises `asyncio.TimeoutError` on timeout instead of returning `False`: {what}, so it cannot tell a met condition from a timeout. The condition is met once the call returns; catch `asyncio.TimeoutError` for the timeout"
        )
    }
}

const WAIT_CONDITION: &str = "temporalio.workflow.wait_condition";

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    if info.symbol != Some(WAIT_CONDITION) {
        return;
    }
    let Some((_, await_start)) = checker
        .awaited_call
        .filter(|_| checker.is_awaited(info.call))
    else {
        return;
    };
    let mut finder = Use {
        awaited: TextRange::new(await_start, info.call.end()),
        found: None,
    };
    finder.visit_body(checker.body);
    let stored = match finder.found {
        Some(Found::Tested) => None,
        Some(Found::Stored(name)) if read_beyond_fallbacks(checker.body, name) => {
            Some(name.to_string())
        }
        _ => return,
    };
    let violation = WaitConditionResult { stored };
    checker.report(&violation, info.call.func.range(), Context::Anywhere);
}

/// Whether `body` reads `name` other than as an operand of `or` (`if completed or
/// event.is_set():`, where its `None` leaves the decision to the other operands).
fn read_beyond_fallbacks(body: &[Stmt], name: &str) -> bool {
    struct Reads<'n> {
        name: &'n str,
        all: usize,
        in_or: usize,
    }
    impl<'e> Visitor<'e> for Reads<'_> {
        fn visit_expr(&mut self, expr: &'e Expr) {
            match expr {
                Expr::Name(read)
                    if read.ctx == ExprContext::Load && read.id.as_str() == self.name =>
                {
                    self.all += 1;
                }
                Expr::BoolOp(bool_op) if bool_op.op == ast::BoolOp::Or => {
                    self.in_or += bool_op
                        .values
                        .iter()
                        .filter(|value| matches!(value, Expr::Name(read) if read.id.as_str() == self.name))
                        .count();
                }
                _ => {}
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut reads = Reads {
        name,
        all: 0,
        in_or: 0,
    };
    reads.visit_body(body);
    reads.all > reads.in_or
}

enum Found<'a> {
    /// Tested for truth, or compared.
    Tested,
    /// Kept in a local name.
    Stored(&'a str),
}

/// Finds how the `await` expression at `awaited` is used.
struct Use<'a> {
    awaited: TextRange,
    found: Option<Found<'a>>,
}

impl Use<'_> {
    fn is_awaited(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Await(awaited) if awaited.range == self.awaited)
    }

    /// A test that is the awaited value, or `not` of it.
    fn tests(&mut self, test: &Expr) {
        let test = match test {
            Expr::UnaryOp(unary) if unary.op == UnaryOp::Not => &*unary.operand,
            other => other,
        };
        if self.is_awaited(test) {
            self.found = Some(Found::Tested);
        }
    }
}

impl<'a> Visitor<'a> for Use<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::If(if_stmt) => {
                self.tests(&if_stmt.test);
                for clause in &if_stmt.elif_else_clauses {
                    if let Some(test) = &clause.test {
                        self.tests(test);
                    }
                }
            }
            Stmt::While(while_stmt) => self.tests(&while_stmt.test),
            Stmt::Assert(assert) => self.tests(&assert.test),
            Stmt::Assign(assign) => {
                if let [Expr::Name(name)] = &assign.targets[..]
                    && self.is_awaited(&assign.value)
                {
                    self.found = Some(Found::Stored(name.id.as_str()));
                }
            }
            Stmt::AnnAssign(assign) => {
                if let (Expr::Name(name), Some(value)) = (&*assign.target, &assign.value)
                    && self.is_awaited(value)
                {
                    self.found = Some(Found::Stored(name.id.as_str()));
                }
            }
            _ => {}
        }
        if self.found.is_none() {
            visitor::walk_stmt(self, stmt);
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::UnaryOp(unary) if unary.op == UnaryOp::Not => self.tests(&unary.operand),
            // `await …` or a fallback test: `None` leaves the decision to the fallback.
            Expr::BoolOp(bool_op) if bool_op.op == ast::BoolOp::Or => {
                for value in &bool_op.values {
                    if matches!(value, Expr::UnaryOp(unary) if unary.op == UnaryOp::Not) {
                        self.tests(value);
                    }
                }
            }
            Expr::BoolOp(bool_op) => {
                for value in &bool_op.values {
                    self.tests(value);
                }
            }
            Expr::Compare(compare) => {
                for operand in std::iter::once(&*compare.left).chain(&compare.comparators) {
                    self.tests(operand);
                }
            }
            Expr::If(conditional) => self.tests(&conditional.test),
            Expr::Named(named) if self.is_awaited(&named.value) => {
                if let Expr::Name(name) = &*named.target {
                    self.found = Some(Found::Stored(name.id.as_str()));
                }
            }
            _ => {}
        }
        if self.found.is_none() {
            visitor::walk_expr(self, expr);
        }
    }
}
