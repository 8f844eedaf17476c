use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks activity calls that set `heartbeat_timeout` for an activity that never calls
    /// `activity.heartbeat()` (directly or through its helpers, in any module).
    ///
    /// ## Why is this bad?
    /// The server fails every attempt that does not heartbeat within the timeout, so the activity
    /// times out on each attempt however healthy it is.
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
            "`heartbeat_timeout` is set but activity `{}` never calls `activity.heartbeat()`; every attempt will time out. Heartbeat or drop the timeout",
            self.activity
        )
    }
}
