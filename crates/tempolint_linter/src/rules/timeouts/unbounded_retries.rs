use tempolint_python::Ranged;
use tempolint_python::ast::Expr;

use crate::checker::{CallInfo, Checker, Context};
use crate::rules::timeouts::{activity_options, is_activity_entry_point};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks activity calls with no `schedule_to_close_timeout` whose retry policy sets no
    /// `maximum_attempts` (including the default policy). Opt-in.
    ///
    /// ## Why is this bad?
    /// The default retry policy retries forever: a permanently failing activity keeps the
    /// workflow open and its history growing until someone intervenes.
    ///
    /// ## Example
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def sync() -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Sync:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         await workflow.execute_activity(sync, start_to_close_timeout=timedelta(seconds=5))
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    /// from temporalio.common import RetryPolicy
    ///
    /// @activity.defn
    /// async def sync() -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Sync:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         await workflow.execute_activity(
    ///             sync,
    ///             start_to_close_timeout=timedelta(seconds=5),
    ///             retry_policy=RetryPolicy(maximum_attempts=5),
    ///         )
    /// ```
    UnboundedRetries => UnboundedRetries {}
}

impl UnboundedRetries {
    fn describe(&self) -> String {
        "Activity retries forever: no `schedule_to_close_timeout` and the retry policy sets no `maximum_attempts`. Bound one of them".to_string()
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    if !is_activity_entry_point(info.symbol) {
        return;
    }
    let options = activity_options(checker, info.call);
    if options.opaque || options.sets("schedule_to_close_timeout") {
        return;
    }
    let policy = options.value("retry_policy").map(|value| match value {
        Expr::Name(name) => checker.value_of(name.id.as_str()).unwrap_or(value),
        other => other,
    });
    let bounded = match policy {
        None => false,
        Some(Expr::Call(policy)) => {
            policy.arguments.find_keyword("maximum_attempts").is_some()
                || policy
                    .arguments
                    .keywords
                    .iter()
                    .any(|keyword| keyword.arg.is_none())
        }
        Some(_) => true,
    };
    if !bounded {
        checker.report(
            &UnboundedRetries {},
            info.call.func.range(),
            Context::Anywhere,
        );
    }
}
