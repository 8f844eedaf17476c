use crate::checker::{CallInfo, Checker};
use crate::registry::Rule;
use crate::rules::determinism::{classified_as, report_call, shown};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for `asyncio.wait()` and `asyncio.as_completed()` in workflow code.
    ///
    /// ## Why is this bad?
    /// Both hand back their results through sets, whose order depends on hashing; the SDK warns
    /// about them and provides deterministic equivalents.
    ///
    /// ## Example
    /// ```python
    /// import asyncio
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Race:
    ///     @workflow.run
    ///     async def run(self, tasks: list) -> None:
    ///         await asyncio.wait(tasks)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Race:
    ///     @workflow.run
    ///     async def run(self, tasks: list) -> None:
    ///         await workflow.wait(tasks)
    /// ```
    AsyncioWait => AsyncioWait { symbol: String }
}

impl AsyncioWait {
    fn describe(&self) -> String {
        format!(
            "`{}()` orders its results by hash, which is non-deterministic in workflows. Use `workflow.wait` / `workflow.as_completed`",
            self.symbol
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = classified_as(info, Rule::AsyncioWait) else {
        return;
    };
    report_call(
        checker,
        info,
        &AsyncioWait {
            symbol: shown(symbol),
        },
    );
}
