use crate::checker::{CallInfo, Checker};
use crate::registry::Rule;
use crate::rules::determinism::{classified_as, report_call, shown};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for file-system access in workflow code: `open()`, `pathlib.Path.read_text()`
    /// and friends, `os` file functions, `shutil`, `tempfile`, `glob`, and `os.path` queries
    /// that touch the disk (`exists`, `getsize`, …).
    ///
    /// ## Why is this bad?
    /// Files differ between workers and change over time, so a replay reads something else and
    /// diverges; the sandbox also rejects these calls at run time. I/O belongs in an activity.
    ///
    /// ## Example
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Limits:
    ///     @workflow.run
    ///     async def run(self) -> str:
    ///         with open("limits.json") as f:
    ///             return f.read()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// def load_limits() -> str:
    ///     with open("limits.json") as f:
    ///         return f.read()
    ///
    /// @workflow.defn
    /// class Limits:
    ///     @workflow.run
    ///     async def run(self) -> str:
    ///         return await workflow.execute_activity(
    ///             load_limits, start_to_close_timeout=timedelta(seconds=10)
    ///         )
    /// ```
    FileSystemAccess => FileSystemAccess { symbol: String }
}

impl FileSystemAccess {
    fn describe(&self) -> String {
        format!(
            "`{}()` touches the file system from workflow code; files differ between runs and workers. Move the I/O into an activity",
            self.symbol
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = classified_as(info, Rule::FileSystemAccess) else {
        return;
    };
    report_call(
        checker,
        info,
        &FileSystemAccess {
            symbol: shown(symbol),
        },
    );
}
