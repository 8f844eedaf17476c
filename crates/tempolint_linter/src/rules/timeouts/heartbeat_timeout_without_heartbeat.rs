use rustc_hash::FxHashMap;
use tempolint_semantic::FunctionId;

use crate::checker::ProjectChecker;
use crate::rules::timeouts::{ActivityNames, Callbacks, reaches_heartbeat_where};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks activity calls that set `heartbeat_timeout` for an activity that never calls
    /// `activity.heartbeat()` (directly or through its helpers, in any module, also helpers
    /// it hands over as callbacks). A call that starts the activity by the name it registers
    /// counts, unless it picks a task queue (another worker may serve that name). An activity
    /// that calls a heartbeat helper from outside the project (a name with `heartbeat` in it,
    /// `heartbeat_every()`) may heartbeat through it and is left alone.
    ///
    /// ## Why is this bad?
    /// The server fails an attempt that goes `heartbeat_timeout` without a heartbeat, so every
    /// attempt that runs longer than the timeout fails however healthy it is (and one that runs
    /// shorter gains nothing from the timeout).
    ///
    /// ## Example
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def export() -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Export:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         await workflow.execute_activity(
    ///             export,
    ///             start_to_close_timeout=timedelta(minutes=10),
    ///             heartbeat_timeout=timedelta(seconds=30),
    ///         )
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def export() -> None:
    ///     activity.heartbeat()
    ///
    /// @workflow.defn
    /// class Export:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         await workflow.execute_activity(
    ///             export,
    ///             start_to_close_timeout=timedelta(minutes=10),
    ///             heartbeat_timeout=timedelta(seconds=30),
    ///         )
    /// ```
    HeartbeatTimeoutWithoutHeartbeat => HeartbeatTimeoutWithoutHeartbeat { activity: String }
}

impl HeartbeatTimeoutWithoutHeartbeat {
    fn describe(&self) -> String {
        format!(
            "`heartbeat_timeout` is set but activity `{}` never calls `activity.heartbeat()`; any attempt that runs longer than the timeout fails, however healthy. Heartbeat or drop the timeout",
            self.activity
        )
    }
}

pub(crate) fn check_project(checker: &mut ProjectChecker) {
    let mut heartbeats: FxHashMap<FunctionId, bool> = FxHashMap::default();
    let names = ActivityNames::new(checker);
    let mut findings = Vec::new();
    for (module, facts) in checker.bodies() {
        for call in &facts.activity_calls {
            if let Some(range) = call.heartbeat_timeout
                && let Some(scheduled) = names.resolve(&call.activity)
                && !is_wrapped(checker, scheduled)
                && !reaches_heartbeat(checker, scheduled, &mut heartbeats)
            {
                let activity = checker.project.function(scheduled).def.name.to_string();
                findings.push((module, HeartbeatTimeoutWithoutHeartbeat { activity }, range));
            }
        }
    }
    for (module, violation, range) in findings {
        checker.report(module, &violation, range);
    }
}

/// Whether `activity` calls `activity.heartbeat()`, directly or through project helpers,
/// also helpers handed to project functions as callbacks (`process(items, progress=beat)`).
fn reaches_heartbeat(
    checker: &ProjectChecker,
    activity: FunctionId,
    memo: &mut FxHashMap<FunctionId, bool>,
) -> bool {
    if let Some(known) = memo.get(&activity) {
        return *known;
    }
    let found = reaches_heartbeat_where(checker, activity, Callbacks::Followed, |_| true);
    memo.insert(activity, found);
    found
}

/// Whether an activity carries decorators besides `@activity.defn` (a wrapper may heartbeat
/// for it, which the call graph does not see).
fn is_wrapped(checker: &ProjectChecker, activity: FunctionId) -> bool {
    checker.project.function(activity).def.decorator_list.len() > 1
}
