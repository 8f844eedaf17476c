use crate::checker::{CallInfo, Checker};
use crate::registry::Rule;
use crate::rules::determinism::{classified_as, report_call, shown};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for processes, threads and pools in workflow code: `subprocess`, `threading`,
    /// `multiprocessing`, `concurrent.futures`, `asyncio.to_thread`, `loop.run_in_executor`,
    /// `os.system`.
    ///
    /// ## Why is this bad?
    /// Workflow code must run on the workflow's own deterministic event loop. Other threads and
    /// processes run outside it, finish in any order, and are not recorded in history.
    ///
    /// ## Example
    /// ```python
    /// import subprocess
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Build:
    ///     @workflow.run
    ///     async def run(self) -> str:
    ///         return subprocess.run(["git", "rev-parse", "HEAD"]).stdout
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// def revision() -> str:
    ///     return "HEAD"
    ///
    /// @workflow.defn
    /// class Build:
    ///     @workflow.run
    ///     async def run(self) -> str:
    ///         return await workflow.execute_activity(
    ///             revision, start_to_close_timeout=timedelta(seconds=30)
    ///         )
    /// ```
    ThreadsAndProcesses => ThreadsAndProcesses { symbol: String }
}

impl ThreadsAndProcesses {
    fn describe(&self) -> String {
        format!(
            "`{}()` starts work outside the workflow event loop; its timing and results are not in the history. Do it in an activity",
            self.symbol
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = classified_as(info, Rule::ThreadsAndProcesses) else {
        return;
    };
    report_call(
        checker,
        info,
        &ThreadsAndProcesses {
            symbol: shown(symbol),
        },
    );
}
