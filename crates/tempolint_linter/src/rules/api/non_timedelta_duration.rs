use tempolint_python::Ranged;
use tempolint_python::ast::{Expr, UnaryOp};
use tempolint_semantic::{ModuleId, Project};

use crate::checker::{CallInfo, Checker, Context};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::rules::api::{Target, argument_call};
use crate::rules::timeouts::{call_options, timedelta_reference};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks timeouts, intervals and delays given as a number or a string where the SDK takes
    /// a `timedelta`: the activity timeouts (`start_to_close_timeout=60`, also inside a
    /// `**dict` or `ActivityConfig`), child workflow and `Client.start_workflow` timeouts and
    /// `start_delay`, `continue_as_new` timeouts, and `RetryPolicy` intervals; also a
    /// `timedelta(…)` there given a keyword it does not take, which belongs to the call around
    /// it (`timedelta(seconds=30, retry_policy=…)`: a parenthesis closes too late).
    /// `workflow.sleep(…)`, `asyncio.sleep(…)` and `wait_condition(timeout=…)` take seconds
    /// and are not checked.
    ///
    /// ## Why is this bad?
    /// The SDK converts the value with `timedelta` methods when it builds the command, so the
    /// call fails with `AttributeError`/`TypeError` when it runs; in a workflow that fails the
    /// workflow task over and over.
    ///
    /// ## Example
    /// ```python
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def notify(user: str) -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Notify:
    ///     @workflow.run
    ///     async def run(self, user: str) -> None:
    ///         await workflow.execute_activity(notify, user, start_to_close_timeout=60)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def notify(user: str) -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Notify:
    ///     @workflow.run
    ///     async def run(self, user: str) -> None:
    ///         await workflow.execute_activity(
    ///             notify, user, start_to_close_timeout=timedelta(seconds=60)
    ///         )
    /// ```
    ///
    /// ## Fix safety
    /// Replacing a number `n` with `timedelta(seconds=n)` (and importing `timedelta` when the
    /// module does not) is unsafe: the number may have been meant in another unit.
    NonTimedeltaDuration => NonTimedeltaDuration { option: String, value: Value }
}

/// What is wrong with the value given for the option.
pub(crate) enum Value {
    /// It is certainly no `timedelta`: "a number", "a string".
    Not(&'static str),
    /// A `timedelta(…)` given this keyword, which it does not take.
    Misplaced(String),
}

impl NonTimedeltaDuration {
    fn describe(&self) -> String {
        match &self.value {
            Value::Misplaced(keyword) => format!(
                "`timedelta()` takes no `{keyword}=`, so building `{}` raises `TypeError` when it runs; a parenthesis closes too late. Close `timedelta(…)` before `{keyword}=`",
                self.option
            ),
            Value::Not(kind) => format!(
                "`{}` is {kind} but the SDK takes a `timedelta`; the call fails when it runs. Use `timedelta(seconds=…)`",
                self.option
            ),
        }
    }
}

const ACTIVITY: &[&str] = &[
    "schedule_to_close_timeout",
    "schedule_to_start_timeout",
    "start_to_close_timeout",
    "heartbeat_timeout",
];
const CHILD_WORKFLOW: &[&str] = &["execution_timeout", "run_timeout", "task_timeout"];
const CLIENT_WORKFLOW: &[&str] = &[
    "execution_timeout",
    "run_timeout",
    "task_timeout",
    "start_delay",
];
const CONTINUE_AS_NEW: &[&str] = &["run_timeout", "task_timeout"];
const RETRY_POLICY: &[&str] = &["initial_interval", "maximum_interval"];

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    if info.symbol == Some("temporalio.common.RetryPolicy") {
        for keyword in &info.call.arguments.keywords {
            if let Some(name) = &keyword.arg
                && RETRY_POLICY.contains(&name.as_str())
            {
                check_value(checker, name.as_str(), &keyword.value);
            }
        }
        return;
    }
    let Some(call) = argument_call(info.symbol) else {
        return;
    };
    let options: &[&str] = match call.target {
        Target::Activity => ACTIVITY,
        Target::ChildWorkflow => CHILD_WORKFLOW,
        Target::ClientWorkflow => CLIENT_WORKFLOW,
        Target::ContinueAsNew => CONTINUE_AS_NEW,
        Target::Handler => return,
    };
    // Options from `**splats` are resolved the way the timeout rules resolve them.
    let given = call_options(checker, info.call).given;
    for (name, value) in given {
        if let Some(value) = value
            && options.contains(&name.as_str())
        {
            check_value(checker, &name, value);
        }
    }
}

/// What `datetime.timedelta` takes by keyword.
const TIMEDELTA_UNITS: &[&str] = &[
    "days",
    "seconds",
    "microseconds",
    "milliseconds",
    "minutes",
    "hours",
    "weeks",
];

fn check_value(checker: &mut Checker, option: &str, value: &Expr) {
    // `timedelta(seconds=30, retry_policy=…)`: an option of the call swallowed by the
    // `timedelta` before it.
    if let Expr::Call(made) = value
        && checker.resolve(&made.func).symbol() == Some("datetime.timedelta")
        && let Some(keyword) = made.arguments.keywords.iter().find_map(|keyword| {
            let name = keyword.arg.as_ref()?.as_str();
            (!TIMEDELTA_UNITS.contains(&name)).then_some(name)
        })
    {
        let violation = NonTimedeltaDuration {
            option: option.to_string(),
            value: Value::Misplaced(keyword.to_string()),
        };
        checker.report(&violation, value.range(), Context::Anywhere);
        return;
    }
    let Some((kind, number)) = kind_of(checker, value) else {
        return;
    };
    let fix = number.then(|| number_fix(checker, value)).flatten();
    let violation = NonTimedeltaDuration {
        option: option.to_string(),
        value: Value::Not(kind),
    };
    checker
        .report(&violation, value.range(), Context::Anywhere)
        .fix = fix;
}

/// What a value that is certainly not a `timedelta` is, and whether it is a number written
/// right there (which the fix can wrap).
fn kind_of(checker: &Checker, value: &Expr) -> Option<(&'static str, bool)> {
    let (holder, bound) = match value {
        Expr::Name(name) if checker.scope.is_local(name.id.as_str()) => {
            return local_kind(checker, value, 0);
        }
        Expr::Name(name) => checker
            .resolver
            .project()
            .constant(checker.resolver.module(), name.id.as_str())?,
        // `settings.TIMEOUT`, a constant of a project module.
        Expr::Attribute(attribute) => {
            let project = checker.resolver.project();
            let module = project.module_by_name(checker.resolve(&attribute.value).symbol()?)?;
            project.constant(module, attribute.attr.as_str())?
        }
        _ => return local_kind(checker, value, 0),
    };
    constant_kind(checker.resolver.project(), holder, bound, 1).map(|kind| (kind, false))
}

/// [`kind_of`] for a value written in the body being checked, or a local name bound to one.
fn local_kind(checker: &Checker, value: &Expr, depth: u8) -> Option<(&'static str, bool)> {
    match value {
        Expr::Name(name) if depth < 3 && checker.scope.is_local(name.id.as_str()) => {
            let bound = checker.value_of(name.id.as_str())?;
            local_kind(checker, bound, depth + 1).map(|(kind, _)| (kind, false))
        }
        Expr::Name(_) if depth > 0 => kind_of(checker, value),
        // Only a number written right here can be wrapped (`timedelta(seconds="5s")` fails).
        _ => literal_kind(value).map(|kind| (kind, depth == 0 && kind == NUMBER)),
    }
}

/// What a module constant (assigned in `module`) is, following names to other constants.
fn constant_kind(
    project: &Project,
    module: ModuleId,
    value: &Expr,
    depth: u8,
) -> Option<&'static str> {
    match value {
        Expr::Name(name) if depth < 3 => {
            let (holder, bound) = project.constant(module, name.id.as_str())?;
            constant_kind(project, holder, bound, depth + 1)
        }
        _ => literal_kind(value),
    }
}

const NUMBER: &str = "a number";

/// A number or a string written as a literal.
fn literal_kind(value: &Expr) -> Option<&'static str> {
    match value {
        Expr::NumberLiteral(_) => Some(NUMBER),
        Expr::UnaryOp(unary)
            if unary.op == UnaryOp::USub && unary.operand.is_number_literal_expr() =>
        {
            Some(NUMBER)
        }
        Expr::StringLiteral(_) | Expr::FString(_) => Some("a string"),
        _ => None,
    }
}

fn number_fix(checker: &Checker, value: &Expr) -> Option<Fix> {
    let (timedelta, import) = timedelta_reference(checker)?;
    let source = checker.source();
    let mut edits: Vec<Edit> = import.into_iter().collect();
    edits.push(Edit {
        range: value.range(),
        content: format!("{timedelta}(seconds={})", source.slice(value.range())),
    });
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: "Wrap in `timedelta(seconds=…)`".to_string(),
        edits,
    })
}
