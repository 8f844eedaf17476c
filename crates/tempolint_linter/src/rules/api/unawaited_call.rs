use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{Expr, ExprContext, Stmt, StmtAssign, StmtExpr};
use tempolint_python::{Ranged, TextRange};

use crate::checker::{Checker, Context};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::rules::api::short_name;
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks Temporal calls written as a statement of their own without `await`: workflow
    /// coroutines (`execute_activity`, `execute_child_workflow`, `start_child_workflow`,
    /// `sleep`, `wait_condition`, a handle's `signal`/`cancel`), client coroutines
    /// (`start_workflow`, `execute_workflow`, a handle's `signal`, `query`, `result`,
    /// `execute_update`, …), and activity handles from `start_activity` that are dropped or
    /// kept in a name nothing reads.
    ///
    /// ## Why is this bad?
    /// A coroutine that is never awaited never runs: the activity is never scheduled, the
    /// timer never started, the signal never sent, and Python only warns
    /// "coroutine … was never awaited". A dropped `start_activity` handle schedules the
    /// activity but nobody sees its result or failure, and the workflow may complete first.
    ///
    /// ## Example
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def send_email(to: str) -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Welcome:
    ///     @workflow.run
    ///     async def run(self, to: str) -> None:
    ///         workflow.execute_activity(
    ///             send_email, to, start_to_close_timeout=timedelta(seconds=30)
    ///         )
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def send_email(to: str) -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Welcome:
    ///     @workflow.run
    ///     async def run(self, to: str) -> None:
    ///         await workflow.execute_activity(
    ///             send_email, to, start_to_close_timeout=timedelta(seconds=30)
    ///         )
    /// ```
    ///
    /// ## Fix safety
    /// Adding `await` is unsafe: the code then waits where it did not, which can change the
    /// order of what follows (`asyncio.create_task(…)` may have been meant).
    UnawaitedCall => UnawaitedCall { function: String, handle: bool }
}

impl UnawaitedCall {
    fn describe(&self) -> String {
        if self.handle {
            format!(
                "The handle `{}()` returns is dropped: the activity runs but its result and failure are never seen, and the workflow may finish first. Await it (or keep and await the handle)",
                self.function
            )
        } else {
            format!(
                "`{}()` returns a coroutine that is never awaited, so it never runs. Add `await`",
                self.function
            )
        }
    }
}

/// Coroutine functions of the SDK: not awaited, they do nothing.
const COROUTINES: &[&str] = &[
    "temporalio.workflow.execute_activity",
    "temporalio.workflow.execute_local_activity",
    "temporalio.workflow.execute_activity_class",
    "temporalio.workflow.execute_local_activity_class",
    "temporalio.workflow.execute_activity_method",
    "temporalio.workflow.execute_local_activity_method",
    "temporalio.workflow.start_child_workflow",
    "temporalio.workflow.execute_child_workflow",
    "temporalio.workflow.sleep",
    "temporalio.workflow.wait_condition",
    "temporalio.workflow.ExternalWorkflowHandle.signal",
    "temporalio.workflow.ExternalWorkflowHandle.cancel",
    "temporalio.workflow.ChildWorkflowHandle.signal",
    "temporalio.client.Client.start_workflow",
    "temporalio.client.Client.execute_workflow",
    "temporalio.client.WorkflowHandle.signal",
    "temporalio.client.WorkflowHandle.query",
    "temporalio.client.WorkflowHandle.result",
    "temporalio.client.WorkflowHandle.cancel",
    "temporalio.client.WorkflowHandle.terminate",
    "temporalio.client.WorkflowHandle.describe",
    "temporalio.client.WorkflowHandle.execute_update",
    "temporalio.client.WorkflowHandle.start_update",
];

/// Functions returning an activity handle (a task already scheduled).
const HANDLES: &[&str] = &[
    "temporalio.workflow.start_activity",
    "temporalio.workflow.start_local_activity",
    "temporalio.workflow.start_activity_class",
    "temporalio.workflow.start_local_activity_class",
    "temporalio.workflow.start_activity_method",
    "temporalio.workflow.start_local_activity_method",
];

pub(crate) fn check(checker: &mut Checker, statement: &StmtExpr) {
    let Expr::Call(call) = &*statement.value else {
        return;
    };
    let callee = checker.resolve(&call.func);
    let Some(symbol) = callee.symbol() else {
        return;
    };
    let handle = HANDLES.contains(&symbol);
    if !handle && !COROUTINES.contains(&symbol) {
        return;
    }
    let fix = (!handle && checker.in_async).then(|| Fix {
        applicability: Applicability::Unsafe,
        message: "Add `await`".to_string(),
        edits: vec![Edit {
            range: TextRange::empty(call.start()),
            content: "await ".to_string(),
        }],
    });
    let violation = UnawaitedCall {
        function: short_name(symbol).to_string(),
        handle,
    };
    checker
        .report(&violation, call.func.range(), Context::Anywhere)
        .fix = fix;
}

/// `handle = workflow.start_activity(…)` where nothing in the function reads `handle` again.
pub(crate) fn check_assignment(checker: &mut Checker, assign: &StmtAssign) {
    let [Expr::Name(target)] = &assign.targets[..] else {
        return;
    };
    let Expr::Call(call) = &*assign.value else {
        return;
    };
    let name = target.id.as_str();
    if name.starts_with('_') || !checker.scope.is_local(name) {
        return;
    }
    let callee = checker.resolve(&call.func);
    let Some(symbol) = callee.symbol().filter(|symbol| HANDLES.contains(symbol)) else {
        return;
    };
    if reads_name(checker.body, name) {
        return;
    }
    let violation = UnawaitedCall {
        function: short_name(symbol).to_string(),
        handle: true,
    };
    checker.report(&violation, call.func.range(), Context::Anywhere);
}

/// Whether `body` reads the name anywhere (nested functions included).
fn reads_name(body: &[Stmt], name: &str) -> bool {
    let mut reads = Reads { name, found: false };
    reads.visit_body(body);
    reads.found
}

struct Reads<'n> {
    name: &'n str,
    found: bool,
}

impl<'a> Visitor<'a> for Reads<'_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(name) = expr
            && name.ctx == ExprContext::Load
            && name.id.as_str() == self.name
        {
            self.found = true;
        }
        if !self.found {
            visitor::walk_expr(self, expr);
        }
    }
}
