use crate::checker::{CallInfo, Checker};
use crate::registry::Rule;
use crate::rules::blocking::{classified_as, report_call};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for blocking file and OS I/O in `async def` activities and the helpers they call:
    /// `open()`, `Path.read_*`/`write_*`, `shutil`, `os.path` queries, `os` file functions,
    /// `tempfile`'s files and folders.
    ///
    /// ## Why is this bad?
    /// Disk access blocks the event loop; on network file systems or large files it stalls every
    /// activity on the worker.
    ///
    /// ## Example
    /// ```python
    /// import json
    /// from temporalio import activity
    ///
    /// @activity.defn
    /// async def load(path: str) -> dict:
    ///     with open(path) as f:
    ///         return json.load(f)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import json
    /// from temporalio import activity
    ///
    /// @activity.defn
    /// def load(path: str) -> dict:
    ///     with open(path) as f:
    ///         return json.load(f)
    /// ```
    BlockingFileIo => BlockingFileIo { symbol: String }
}

impl BlockingFileIo {
    fn describe(&self) -> String {
        format!(
            "`{}()` does blocking file I/O inside an `async def` activity. Make the activity synchronous (`def`) or offload with `asyncio.to_thread`",
            self.symbol
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = classified_as(info, Rule::BlockingFileIo) else {
        return;
    };
    report_call(
        checker,
        info,
        &BlockingFileIo {
            symbol: symbol.to_string(),
        },
    );
}
