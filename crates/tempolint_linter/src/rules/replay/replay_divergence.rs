use crate::rules::violation;

violation! {
    /// ## What it does
    /// Reports a recorded history that the current workflow code no longer replays: at some
    /// event the code issues another command (another activity, a timer where an activity was,
    /// a missing patch marker) than the history recorded. `tempolint replay` names the event id,
    /// what the history recorded, what the code does now, and the source line.
    ///
    /// ## Why is this bad?
    /// Workers replay the history of every open workflow whenever they pick it up again. A
    /// change that alters the sequence of commands makes those replays fail with the SDK's
    /// nondeterminism error (TMPRL1100): the workflows get stuck until the code is reverted.
    ///
    /// ## Example
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Order:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         # The history recorded `charge` first; the code now sends a receipt first.
    ///         await workflow.execute_activity("send_receipt", start_to_close_timeout=timedelta(seconds=5))
    ///         await workflow.execute_activity("charge", start_to_close_timeout=timedelta(seconds=5))
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Order:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         if workflow.patched("receipt-first"):
    ///             await workflow.execute_activity("send_receipt", start_to_close_timeout=timedelta(seconds=5))
    ///         await workflow.execute_activity("charge", start_to_close_timeout=timedelta(seconds=5))
    /// ```
    ReplayDivergence => ReplayDivergence {}
}

impl ReplayDivergence {
    fn describe(&self) -> String {
        "The code diverged from the recorded history".to_string()
    }
}
