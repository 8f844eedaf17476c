use crate::rules::violation;

violation! {
    /// ## What it does
    /// Reports files that do not parse. Analysis of the other files goes on, and the parser
    /// recovers, so the rest of this file is still checked where it can be.
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
    SyntaxError => SyntaxError { message: String }
}

impl SyntaxError {
    fn describe(&self) -> String {
        format!("Syntax error: {}", self.message)
    }
}
