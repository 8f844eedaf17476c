use tempolint_python::Ranged;

use crate::checker::{CallInfo, Checker, Context, WORKFLOW_ONLY};
use crate::rules::violation;

/// Activity APIs that raise outside an activity ("Not in activity context"): each reads the
/// activity's context (`_Context.current()` in `temporalio/activity.py`).
const ACTIVITY_ONLY: &[&str] = &[
    "temporalio.activity.cancellation_details",
    "temporalio.activity.client",
    "temporalio.activity.heartbeat",
    "temporalio.activity.info",
    "temporalio.activity.is_cancelled",
    "temporalio.activity.is_worker_shutdown",
    "temporalio.activity.metric_meter",
    "temporalio.activity.payload_converter",
    "temporalio.activity.shield_thread_cancel_exception",
    "temporalio.activity.wait_for_cancelled",
    "temporalio.activity.wait_for_cancelled_sync",
    "temporalio.activity.wait_for_worker_shutdown",
    "temporalio.activity.wait_for_worker_shutdown_sync",
];

violation! {
    /// ## What it does
    /// Checks for workflow APIs called in an activity (`workflow.now()`, `workflow.info()`,
    /// `workflow.uuid4()`, …) and activity APIs called in a workflow (`activity.heartbeat()`,
    /// `activity.info()`, …), directly in the activity function or workflow method.
    /// Quiet inside `if workflow.in_workflow():` and in a `try` that probes for a workflow
    /// (`try: now = workflow.now()` / `except RuntimeError: now = datetime.now(timezone.utc)`);
    /// an activity API is not judged inside a `try` that catches.
    ///
    /// ## Why is this bad?
    /// Workflow APIs read the running workflow's state and raise `RuntimeError("Not in
    /// workflow event loop")` anywhere else; activity APIs read the running activity's context
    /// and raise `RuntimeError("Not in activity context")` anywhere else. In an activity the
    /// attempt fails (and is retried, failing again); in a workflow the workflow task fails and
    /// is retried until the code changes. A broad `except Exception` around the call hides the
    /// error and returns a wrong result instead.
    ///
    /// ## Example
    /// ```python
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def stamp() -> str:
    ///     return workflow.now().isoformat()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import datetime, timezone
    /// from temporalio import activity
    ///
    /// @activity.defn
    /// async def stamp() -> str:
    ///     return datetime.now(timezone.utc).isoformat()
    /// ```
    WrongContextCall => WrongContextCall { symbol: String, inside: &'static str, needs: &'static str, error: &'static str }
}

impl WrongContextCall {
    fn describe(&self) -> String {
        format!(
            "`{}()` in {} raises `RuntimeError(\"{}\")`: it works only in {}",
            self.symbol, self.inside, self.error, self.needs
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = info.symbol else {
        return;
    };
    // Every call passes here: the prefix settles most of them before the tables are searched.
    let (context, inside, needs, error) =
        if symbol.starts_with("temporalio.workflow.") && WORKFLOW_ONLY.contains(&symbol) {
            (
                Context::ActivityBody,
                "an activity",
                "workflow code (use `datetime`, `uuid`, `random` or `activity.info()` here)",
                "Not in workflow event loop",
            )
        } else if symbol.starts_with("temporalio.activity.")
            && ACTIVITY_ONLY.contains(&symbol)
            && checker.in_try == 0
        {
            (
                Context::WorkflowBody,
                "a workflow",
                "an activity (in a workflow, `workflow.info()` describes the run)",
                "Not in activity context",
            )
        } else {
            return;
        };
    let violation = WrongContextCall {
        symbol: symbol.trim_start_matches("temporalio.").to_string(),
        inside,
        needs,
        error,
    };
    checker.report(&violation, info.call.func.range(), context);
}
