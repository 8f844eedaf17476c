use crate::checker::{CallInfo, Checker};
use crate::registry::Rule;
use tempolint_python::Ranged;

use crate::rules::determinism::{classified_as, report_call, shown, workflow_fix};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for `time.sleep()` in workflow code.
    ///
    /// ## Why is this bad?
    /// It blocks the workflow task thread (tripping the deadlock detector after two seconds)
    /// and records no timer, so the wait is neither durable nor replayed.
    ///
    /// ## Example
    /// ```python
    /// import time
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Poll:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         time.sleep(30)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Poll:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         await workflow.sleep(30)
    /// ```
    ///
    /// ## Fix safety
    /// The fix to `await workflow.sleep(…)` (offered in `async def` code) is unsafe: the sleep
    /// becomes a durable timer, which changes the commands a running workflow emits.
    WorkflowTimeSleep => WorkflowTimeSleep { symbol: String }
}

impl WorkflowTimeSleep {
    fn describe(&self) -> String {
        format!(
            "`{}()` blocks the workflow thread and records no timer. Use `await workflow.sleep(…)`",
            self.symbol
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = classified_as(info, Rule::WorkflowTimeSleep) else {
        return;
    };
    let fix = checker
        .in_async
        .then(|| workflow_fix(checker, info.call.func.range(), "await {workflow}.sleep"))
        .flatten();
    report_call(
        checker,
        info,
        &WorkflowTimeSleep {
            symbol: shown(symbol),
        },
    );
    if let Some(effect) = checker.facts.effects.last_mut() {
        effect.fix = fix;
    }
}
