use tempolint_python::Ranged;

use crate::checker::{CallInfo, Checker, Context};
use crate::rules::determinism::{classified_as, shown, workflow_fix};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for workflow code that reads the wall clock: `datetime.now()`, `utcnow()`,
    /// `date.today()`, `time.time()`, `time.monotonic()`, `time.perf_counter()`…, and calls
    /// that read it implicitly (`time.strftime(fmt)`, `time.ctime()`, `time.localtime()`,
    /// `email.utils.formatdate()` without a timestamp).
    ///
    /// ## Why is this bad?
    /// A workflow is replayed from its history, possibly days later on another worker. The
    /// clock then returns another value, so any decision or command built from it differs and
    /// the replay fails with a nondeterminism error (or the sandbox rejects the call).
    ///
    /// ## Example
    /// ```python
    /// from datetime import datetime
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Report:
    ///     @workflow.run
    ///     async def run(self) -> str:
    ///         return datetime.now().isoformat()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Report:
    ///     @workflow.run
    ///     async def run(self) -> str:
    ///         return workflow.now().isoformat()
    /// ```
    ///
    /// ## Fix safety
    /// The fix to `workflow.now()` / `workflow.time()` is unsafe: `workflow.now()` is
    /// timezone-aware UTC while `datetime.now()` is naive local time.
    WallClock => WallClock { symbol: String, implicit: bool }
}

impl WallClock {
    fn describe(&self) -> String {
        let how = if self.implicit {
            "reads the current time implicitly"
        } else {
            "reads the wall clock"
        };
        format!(
            "`{}()` {how} in workflow code; a replay sees another time and diverges. Use `workflow.now()` or `workflow.time()`",
            self.symbol
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let positional = info.call.arguments.args.len();
    let implicit = info
        .symbol
        .and_then(|symbol| {
            checker
                .tables
                .implicit_clock
                .get(symbol)
                .map(|n| (symbol, *n))
        })
        .filter(|(_, below)| positional < *below && info.call.arguments.keywords.is_empty());
    let (symbol, implicit) = match (
        classified_as(info, crate::registry::Rule::WallClock),
        implicit,
    ) {
        (Some(symbol), _) => (symbol, false),
        (None, Some((symbol, _))) => (symbol, true),
        (None, None) => return,
    };
    let replacement = match symbol {
        "datetime.datetime.now" | "datetime.datetime.utcnow" | "datetime.datetime.today"
            if positional == 0 =>
        {
            Some("{workflow}.now()")
        }
        "time.time" => Some("{workflow}.time()"),
        "time.time_ns" => Some("{workflow}.time_ns()"),
        _ => None,
    };
    let fix = replacement.and_then(|content| workflow_fix(checker, info.call.range(), content));
    let effect = checker.report(
        &WallClock {
            symbol: shown(symbol),
            implicit,
        },
        info.call.func.range(),
        Context::Workflow,
    );
    effect.fix = fix;
    effect.sandbox_rejects = info.sandbox_rejects();
}
