use crate::checker::{CallInfo, Checker};
use crate::registry::Rule;
use tempolint_python::Ranged;

use crate::diagnostic::{Applicability, Fix};
use crate::rules::determinism::{classified_as, report_call, shown, workflow_fix};
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
    ///
    /// ## Fix safety
    /// The fix to `workflow.wait` / `workflow.as_completed` is safe: they take the same
    /// arguments and only make the order deterministic.
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
    let replacement = if symbol.ends_with("as_completed") {
        "{workflow}.as_completed"
    } else {
        "{workflow}.wait"
    };
    let fix = workflow_fix(checker, info.call.func.range(), replacement).map(|fix| Fix {
        applicability: Applicability::Safe,
        ..fix
    });
    report_call(
        checker,
        info,
        &AsyncioWait {
            symbol: shown(symbol),
        },
    );
    if let Some(effect) = checker.facts.effects.last_mut() {
        effect.fix = fix;
    }
}
