use crate::rules::violation;

violation! {
    /// ## What it does
    /// Reports files that do not parse, at the first error (as Python does; the parser's later
    /// errors are counted, as they often only follow from the first). Analysis of the other
    /// files goes on, and the parser recovers, so the rest of this file is still checked where
    /// it can be.
    ///
    /// ## Why is this bad?
    /// Python cannot import the module: the worker fails to start.
    ///
    /// ## Example
    /// ```python
    /// def broken(:
    ///     pass
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def fixed():
    ///     pass
    /// ```
    SyntaxError => SyntaxError { message: String, more: usize }
}

impl SyntaxError {
    fn describe(&self) -> String {
        match self.more {
            0 => format!("Syntax error: {}", self.message),
            1 => format!(
                "Syntax error: {} (and 1 more error after it, which may follow from this one)",
                self.message
            ),
            more => format!(
                "Syntax error: {} (and {more} more errors after it, which may follow from this one)",
                self.message
            ),
        }
    }
}
