use crate::rules::violation;

violation! {
    /// ## What it does
    /// Reports payloads in a recorded history (workflow and activity inputs and results,
    /// signal and update arguments, markers) above 512 KiB (warning) or 2 MiB (error).
    ///
    /// ## Why is this bad?
    /// Temporal rejects a payload above 2 MiB and fails the workflow task that carries it;
    /// well before that, large payloads slow every replay and count against the 50 MiB history
    /// limit.
    ///
    /// ## Example
    /// ```python
    /// from temporalio import activity
    ///
    /// @activity.defn
    /// async def export_report(report_id: str) -> bytes:
    ///     # Returns the whole file: megabytes in the history.
    ///     return open(f"/reports/{report_id}.pdf", "rb").read()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import activity
    ///
    /// @activity.defn
    /// async def export_report(report_id: str) -> str:
    ///     # Store the content elsewhere and pass a reference.
    ///     return f"s3://reports/{report_id}.pdf"
    /// ```
    HistoryPayloadSize => HistoryPayloadSize {}
}

impl HistoryPayloadSize {
    fn describe(&self) -> String {
        "A payload in the history is too large".to_string()
    }
}
