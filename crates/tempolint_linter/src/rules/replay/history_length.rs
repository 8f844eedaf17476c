use crate::rules::violation;

violation! {
    /// ## What it does
    /// Reports a recorded history above 10,240 events or 10 MiB, a fifth of the server's hard
    /// limits (51,200 events, 50 MiB).
    ///
    /// ## Why is this bad?
    /// Every replay reads the whole history, so long histories make workers slow to pick a
    /// workflow up again; at the hard limit the server terminates the workflow. Long-running
    /// workflows should call `workflow.continue_as_new()` to start over with a fresh history.
    ///
    /// ## Example
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Poller:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         while True:
    ///             await workflow.sleep(timedelta(minutes=1))
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Poller:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         for _ in range(1000):
    ///             await workflow.sleep(timedelta(minutes=1))
    ///         workflow.continue_as_new()
    /// ```
    HistoryLength => HistoryLength {}
}

impl HistoryLength {
    fn describe(&self) -> String {
        "The history is long enough to slow every replay".to_string()
    }
}
