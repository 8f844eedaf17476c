use crate::rules::violation;

violation! {
    /// ## What it does
    /// Reports `# tempolint: ignore[…]` and `# noqa: …` comments that suppress nothing. Opt-in
    /// (`--extend-select SUP001`).
    ///
    /// ## Why is this bad?
    /// Stale suppressions hide future findings on the same line and mislead readers.
    ///
    /// ## Example
    /// ```python
    /// x = 1  # tempolint: ignore[DET101]
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// x = 1
    /// ```
    UnusedSuppression => UnusedSuppression { codes: String }
}

impl UnusedSuppression {
    fn describe(&self) -> String {
        format!("Unused suppression ({})", self.codes)
    }
}
