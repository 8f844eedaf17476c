use tempolint_python::Ranged;

use crate::checker::{CallInfo, Checker};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::registry::Rule;
use crate::rules::blocking::{classified_as, report_call};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for `time.sleep()` in `async def` activities and the helpers they call.
    ///
    /// ## Why is this bad?
    /// An `async def` activity runs on the worker's event loop; `time.sleep` blocks that loop, so
    /// every other activity (and heartbeats) on the worker stalls for the duration.
    ///
    /// ## Example
    /// ```python
    /// import time
    /// from temporalio import activity
    ///
    /// @activity.defn
    /// async def poll() -> None:
    ///     time.sleep(5)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import asyncio
    /// from temporalio import activity
    ///
    /// @activity.defn
    /// async def poll() -> None:
    ///     await asyncio.sleep(5)
    /// ```
    ///
    /// ## Fix safety
    /// The fix to `await asyncio.sleep(…)` is unsafe when the call sits in a synchronous helper,
    /// which would have to become a coroutine.
    AsyncSleep => AsyncSleep { symbol: String }
}

impl AsyncSleep {
    fn describe(&self) -> String {
        format!(
            "`{}()` blocks the event loop of an `async def` activity, stalling every activity on the worker. Use `await asyncio.sleep(…)`",
            self.symbol
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = classified_as(info, Rule::AsyncSleep) else {
        return;
    };
    let module = checker.resolver.project().module(checker.resolver.module());
    let fix = (info.call.arguments.len() == 1)
        .then(|| module.local_name_for("asyncio"))
        .flatten()
        .map(|asyncio| Fix {
            applicability: Applicability::Unsafe,
            message: "Await `asyncio.sleep`".to_string(),
            edits: vec![Edit {
                range: info.call.func.range(),
                content: format!("await {asyncio}.sleep"),
            }],
        });
    report_call(
        checker,
        info,
        &AsyncSleep {
            symbol: symbol.to_string(),
        },
    )
    .fix = fix;
}
