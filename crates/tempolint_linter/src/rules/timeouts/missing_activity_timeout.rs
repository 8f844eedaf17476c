use tempolint_python::ast::Expr;
use tempolint_python::{Ranged, TextRange};

use crate::checker::{CallInfo, Checker, Context};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::rules::timeouts::{call_options, is_activity_entry_point, timedelta_reference};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks activity calls (`execute_activity`, `start_activity`, their `_local`, `_method` and
    /// `_class` variants) that set neither `start_to_close_timeout` nor
    /// `schedule_to_close_timeout`. Options passed through a `**dict` or `ActivityConfig(...)` in
    /// reach are resolved; a splat whose contents cannot be known gives no finding.
    ///
    /// ## Why is this bad?
    /// The SDK raises `ValueError` when the line runs, failing the workflow task at the worst
    /// moment; without a timeout an activity attempt could also hang forever.
    ///
    /// ## Example
    /// ```python
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def charge(order_id: str) -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Checkout:
    ///     @workflow.run
    ///     async def run(self, order_id: str) -> None:
    ///         await workflow.execute_activity(charge, order_id)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def charge(order_id: str) -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Checkout:
    ///     @workflow.run
    ///     async def run(self, order_id: str) -> None:
    ///         await workflow.execute_activity(
    ///             charge, order_id, start_to_close_timeout=timedelta(seconds=30)
    ///         )
    /// ```
    ///
    /// ## Fix safety
    /// Adding `start_to_close_timeout=timedelta(minutes=5)` is unsafe: the right value depends on
    /// the activity.
    MissingActivityTimeout => MissingActivityTimeout { function: String }
}

impl MissingActivityTimeout {
    fn describe(&self) -> String {
        format!(
            "`{}()` sets neither `start_to_close_timeout` nor `schedule_to_close_timeout`; the SDK raises `ValueError` when it runs. Add `start_to_close_timeout=timedelta(…)`",
            self.function
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    if !is_activity_entry_point(info.symbol) {
        return;
    }
    let options = call_options(checker, info.call);
    if options.opaque
        || options.sets("start_to_close_timeout")
        || options.sets("schedule_to_close_timeout")
    {
        return;
    }
    let function = info
        .symbol
        .unwrap_or_default()
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_string();
    let fix = timeout_fix(checker, info);
    checker
        .report(
            &MissingActivityTimeout { function },
            info.call.func.range(),
            Context::Anywhere,
        )
        .fix = fix;
}

fn timeout_fix(checker: &Checker, info: &CallInfo) -> Option<Fix> {
    let (timedelta, import) = timedelta_reference(checker)?;
    let mut edits: Vec<Edit> = import.into_iter().collect();
    // `start_to_close_timeout=None` gets a value; adding a second keyword would not compile.
    let given = info.call.arguments.keywords.iter().find(|keyword| {
        keyword
            .arg
            .as_ref()
            .is_some_and(|arg| arg.as_str() == "start_to_close_timeout")
    });
    if let Some(keyword) = given {
        edits.push(Edit {
            range: keyword.value.range(),
            content: format!("{timedelta}(minutes=5)"),
        });
    } else {
        let last = info
            .call
            .arguments
            .args
            .iter()
            .map(Expr::end)
            .chain(info.call.arguments.keywords.iter().map(Ranged::end))
            .max()?;
        edits.push(Edit {
            range: TextRange::empty(last),
            content: format!(", start_to_close_timeout={timedelta}(minutes=5)"),
        });
    }
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: "Add `start_to_close_timeout`".to_string(),
        edits,
    })
}
