use tempolint_python::ast::Expr;
use tempolint_python::{Ranged, TextRange};

use crate::checker::{CallInfo, Checker, Context};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::rules::timeouts::{
    CallOptions, call_options, is_activity_entry_point, timedelta_reference,
};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks activity calls (`execute_activity`, `start_activity`, their `_local`, `_method` and
    /// `_class` variants) that set neither `start_to_close_timeout` nor
    /// `schedule_to_close_timeout`. Options passed through a `**dict` or `ActivityConfig(...)` in
    /// reach are resolved; a splat whose contents cannot be known gives no finding. A helper
    /// whose only timeout is its own parameter (`start_to_close_timeout=timeout`) is reported
    /// where workflow code calls it with that parameter left `None`, with the chain; when it
    /// also passes on its `**kwargs` (`**options`), only at calls that give those nothing.
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
    MissingActivityTimeout => MissingActivityTimeout { function: String, parameter: Option<String> }
}

impl MissingActivityTimeout {
    fn describe(&self) -> String {
        match &self.parameter {
            None => format!(
                "`{}()` sets neither `start_to_close_timeout` nor `schedule_to_close_timeout`; the SDK raises `ValueError` when it runs. Add `start_to_close_timeout=timedelta(…)`",
                self.function
            ),
            Some(parameter) => format!(
                "`{}()` takes its only timeout from the parameter `{parameter}`, which this call leaves `None`; the SDK raises `ValueError` when it runs. Pass a `timedelta`",
                self.function
            ),
        }
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    if !is_activity_entry_point(info.symbol) {
        return;
    }
    let options = call_options(checker, info.call);
    // `**options` passed on from the helper's own `**kwargs`: a condition on its callers.
    let kwargs = match options.own_kwargs {
        Some(index) => 1_u64 << index,
        None if options.opaque => return,
        None => 0,
    };
    let function = info
        .symbol
        .unwrap_or_default()
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_string();
    match (
        timeout(checker, &options, "start_to_close_timeout"),
        timeout(checker, &options, "schedule_to_close_timeout"),
    ) {
        (Timeout::Unset, Timeout::Unset) if kwargs == 0 => {
            let fix = timeout_fix(checker, info);
            let violation = MissingActivityTimeout {
                function,
                parameter: None,
            };
            checker
                .report(&violation, info.call.func.range(), Context::Anywhere)
                .fix = fix;
        }
        // The helper's caller decides: reported at a call that leaves the parameter `None`.
        (Timeout::Parameter(index, name), Timeout::Unset)
        | (Timeout::Unset, Timeout::Parameter(index, name)) => {
            let violation = MissingActivityTimeout {
                function,
                parameter: Some(name.to_string()),
            };
            checker
                .report(&violation, info.call.func.range(), Context::Workflow)
                .if_none = (1_u64 << index) | kwargs;
        }
        _ => {}
    }
}

/// What an activity call's timeout option is.
enum Timeout<'e> {
    /// Not given, or a literal `None`.
    Unset,
    /// Exactly what the caller passed to this parameter (index, name): maybe `None`.
    Parameter(u32, &'e str),
    /// Anything else: taken to be set.
    Set,
}

fn timeout<'e>(checker: &Checker, options: &CallOptions<'e>, name: &str) -> Timeout<'e> {
    if !options.sets(name) {
        return Timeout::Unset;
    }
    match options.value(name) {
        Some(value @ Expr::Name(parameter)) => checker
            .exact_parameter_of(value)
            .map_or(Timeout::Set, |index| {
                Timeout::Parameter(index, parameter.id.as_str())
            }),
        _ => Timeout::Set,
    }
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
