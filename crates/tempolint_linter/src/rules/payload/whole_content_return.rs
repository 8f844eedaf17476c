use tempolint_python::Ranged;
use tempolint_python::ast::Expr;
use tempolint_semantic::FunctionKind;

use crate::checker::{Checker, Context, Role};
use crate::payload::estimate;
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks activities that return the whole content of a file or HTTP response
    /// (`read()`, `read_text()`, `read_bytes()`, `.content`, `.text`, a Cloud Storage blob's
    /// `download_as_bytes()`, a MinIO object's `get_object(…).read()`).
    ///
    /// ## Why is this bad?
    /// The result becomes a payload in the workflow history: a large file or response exceeds the
    /// 2 MiB payload limit (the activity fails with `TMPRL1103`) and every one bloats the history.
    /// Return a digest, a summary, or a reference to where the content is stored.
    ///
    /// ## Example
    /// ```python
    /// from pathlib import Path
    /// from temporalio import activity
    ///
    /// @activity.defn
    /// def load_report(path: str) -> bytes:
    ///     return Path(path).read_bytes()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import hashlib
    /// from pathlib import Path
    /// from temporalio import activity
    ///
    /// @activity.defn
    /// def load_report(path: str) -> str:
    ///     return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    /// ```
    WholeContentReturn => WholeContentReturn {}
}

impl WholeContentReturn {
    fn describe(&self) -> String {
        "Activity returns the whole content of a file or response; its size is unbounded and may exceed the 2 MiB payload limit. Return a digest or a reference".to_string()
    }
}

pub(crate) fn check(checker: &mut Checker, value: &Expr) {
    if !matches!(checker.role, Role::Function(FunctionKind::Activity { .. })) {
        return;
    }
    if estimate(checker, value).unbounded {
        checker.report(&WholeContentReturn {}, value.range(), Context::ActivityBody);
    }
}
