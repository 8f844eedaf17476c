use tempolint_python::ast::Expr;

use crate::checker::{CallInfo, Checker};
use crate::registry::Rule;
use crate::rules::blocking::{classified_as, report_call};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for subprocesses and blocking waits in `async def` activities and their helpers:
    /// `subprocess.run()`, `check_output()` and the like, `Popen.wait()` and `communicate()`
    /// (starting a `Popen` is not a wait), `os.system`, `os.wait*`,
    /// `concurrent.futures.Future.result()`, `concurrent.futures.wait()` and `as_completed()`,
    /// `threading.Event.wait()`, `Thread.join()`, `queue.Queue.get()`, `ray.get()`.
    ///
    /// ## Why is this bad?
    /// The event loop cannot run anything else while it waits for the process, thread or queue;
    /// use the asyncio equivalents or a synchronous activity.
    ///
    /// ## Example
    /// ```python
    /// from concurrent.futures import ThreadPoolExecutor
    /// from temporalio import activity
    ///
    /// POOL = ThreadPoolExecutor()
    ///
    /// @activity.defn
    /// async def merge(paths: list[str]) -> str:
    ///     return POOL.submit("+".join, paths).result()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import asyncio
    /// from concurrent.futures import ThreadPoolExecutor
    /// from temporalio import activity
    ///
    /// POOL = ThreadPoolExecutor()
    ///
    /// @activity.defn
    /// async def merge(paths: list[str]) -> str:
    ///     loop = asyncio.get_running_loop()
    ///     return await loop.run_in_executor(POOL, "+".join, paths)
    /// ```
    BlockingWait => BlockingWait { symbol: String }
}

impl BlockingWait {
    fn describe(&self) -> String {
        // The asyncio counterpart of what waits.
        let instead = if self.symbol.starts_with("subprocess.") || self.symbol.starts_with("os.") {
            "Await an asyncio equivalent (`asyncio.create_subprocess_exec`)"
        } else if self.symbol.starts_with("threading.") || self.symbol.starts_with("queue.") {
            "Await an asyncio equivalent (an `asyncio` event, lock or queue, or `asyncio.to_thread`)"
        } else if self.symbol.starts_with("concurrent.futures.") {
            "Await an asyncio equivalent (`asyncio.wrap_future` or `loop.run_in_executor`)"
        } else {
            // A library that runs a program or a task and waits for it (GitPython, ffmpeg-python).
            "Offload it with `asyncio.to_thread`, or make the activity a plain `def`"
        };
        format!(
            "`{}()` blocks the event loop of an `async def` activity while it waits. {instead}",
            self.symbol
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = classified_as(info, Rule::BlockingWait) else {
        return;
    };
    // `executor.shutdown(wait=False)` returns at once.
    if symbol.ends_with(".shutdown")
        && info
            .call
            .arguments
            .find_argument_value("wait", 0)
            .is_some_and(|wait| matches!(wait, Expr::BooleanLiteral(literal) if !literal.value))
    {
        return;
    }
    report_call(
        checker,
        info,
        &BlockingWait {
            symbol: symbol.to_string(),
        },
    );
}
