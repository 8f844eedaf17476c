use tempolint_python::Ranged;
use tempolint_python::ast::{Expr, ExprCall};

use crate::checker::{CallInfo, Checker, Context};
use crate::rules::timeouts::{call_options, is_activity_entry_point};
use crate::rules::{is_zero_literal, violation};

violation! {
    /// ## What it does
    /// Checks activity calls with no `schedule_to_close_timeout` whose retry policy sets no
    /// `maximum_attempts`, or sets it to 0 (no limit), including the default policy
    /// (`retry_policy` left out or `None`). A policy made elsewhere (returned by a helper,
    /// passed in) is not judged. Opt-in.
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
        "Activity retries forever: no `schedule_to_close_timeout` and no limit on the retry policy's `maximum_attempts`. Bound one of them".to_string()
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    if !is_activity_entry_point(info.symbol) {
        return;
    }
    let options = call_options(checker, info.call);
    if options.opaque || options.sets("schedule_to_close_timeout") {
        return;
    }
    let policy = options.value("retry_policy").map(|value| match value {
        Expr::Name(name) => checker.value_of(name.id.as_str()).unwrap_or(value),
        other => other,
    });
    let bounded = match policy {
        // No policy, or `None`: the server's default, which retries without limit.
        None | Some(Expr::NoneLiteral(_)) => false,
        Some(Expr::Call(policy))
            if checker.resolve(&policy.func).symbol() == Some("temporalio.common.RetryPolicy") =>
        {
            bounds_attempts(policy)
        }
        // A policy made elsewhere (a helper's result, a parameter) may bound them: not judged.
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

/// Whether a `RetryPolicy(…)` call sets `maximum_attempts` (0 means no limit), or may: a
/// `**splat`, a `*splat`, or a fourth positional argument (its place in the dataclass).
fn bounds_attempts(policy: &ExprCall) -> bool {
    let arguments = &policy.arguments;
    if let Some(keyword) = arguments.find_keyword("maximum_attempts") {
        return !is_zero_literal(&keyword.value);
    }
    arguments
        .keywords
        .iter()
        .any(|keyword| keyword.arg.is_none())
        || arguments.args.len() >= 4
        || arguments.args.iter().any(Expr::is_starred_expr)
}
