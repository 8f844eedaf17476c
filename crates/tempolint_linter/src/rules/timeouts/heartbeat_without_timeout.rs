use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks activities that heartbeat inside a loop while none of the calls that schedule them
    /// in the project sets `heartbeat_timeout`.
    ///
    /// ## Why is this bad?
    /// Without a heartbeat timeout the server never notices a stuck or crashed worker until the
    /// whole start-to-close timeout passes; the heartbeats are sent for nothing.
    ///
    /// ## Example
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def crawl(pages: int) -> None:
    ///     for page in range(pages):
    ///         activity.heartbeat(page)
    ///
    /// @workflow.defn
    /// class Crawl:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         await workflow.execute_activity(crawl, 10, start_to_close_timeout=timedelta(hours=1))
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def crawl(pages: int) -> None:
    ///     for page in range(pages):
    ///         activity.heartbeat(page)
    ///
    /// @workflow.defn
    /// class Crawl:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         await workflow.execute_activity(
    ///             crawl,
    ///             10,
    ///             start_to_close_timeout=timedelta(hours=1),
    ///             heartbeat_timeout=timedelta(seconds=30),
    ///         )
    /// ```
    HeartbeatWithoutTimeout => HeartbeatWithoutTimeout { activity: String }
}

impl HeartbeatWithoutTimeout {
    fn describe(&self) -> String {
        format!(
            "Activity `{}` heartbeats in a loop but no call that schedules it sets `heartbeat_timeout`, so a stuck attempt is only noticed at its start-to-close timeout",
            self.activity
        )
    }
}
