use tempolint_python::Ranged;
use tempolint_python::ast::{self, Expr};
use tempolint_semantic::{FunctionId, FunctionKind, Project};

use crate::checker::{CallInfo, Checker, Context};
use crate::rules::api::{Target, argument_call, has_starred, target_argument, target_keyword};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks SDK calls that pass both `arg` (positionally or as `arg=`) and `args=` with
    /// items (a wrapper's `arg` parameter that defaults to the SDK's `_arg_unset` may be
    /// unset, so passing it on is fine), and
    /// activity or child workflow calls whose argument count cannot fit the signature of the
    /// activity or workflow they start (resolved across modules), and `workflow.logger` or
    /// `activity.logger` calls given keywords the standard `logging` API does not take
    /// (structlog style: `workflow.logger.info("charged", order_id=order_id)`).
    ///
    /// ## Why is this bad?
    /// The SDK raises `ValueError("Cannot have arg and args")` when the call runs. A count
    /// that does not fit the signature makes every attempt of the activity (or the child's
    /// first workflow task) fail with `TypeError`, retried until the code is fixed. The SDK's
    /// loggers are `logging` adapters: an unknown keyword reaches `Logger._log`, which raises
    /// `TypeError` whenever the message is logged (not while replaying, nor when its level is
    /// off).
    ///
    /// ## Example
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def resize(image: str, width: int) -> str:
    ///     return image
    ///
    /// @workflow.defn
    /// class Thumbnail:
    ///     @workflow.run
    ///     async def run(self, image: str) -> str:
    ///         return await workflow.execute_activity(
    ///             resize, image, start_to_close_timeout=timedelta(seconds=30)
    ///         )
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def resize(image: str, width: int) -> str:
    ///     return image
    ///
    /// @workflow.defn
    /// class Thumbnail:
    ///     @workflow.run
    ///     async def run(self, image: str) -> str:
    ///         return await workflow.execute_activity(
    ///             resize, args=[image, 128], start_to_close_timeout=timedelta(seconds=30)
    ///         )
    /// ```
    ArgumentMismatch => ArgumentMismatch { problem: String }
}

impl ArgumentMismatch {
    fn describe(&self) -> String {
        self.problem.clone()
    }
}

/// The keywords `logging`'s calls take (`Logger._log`); a `LoggerAdapter` passes on the rest.
const LOGGING_KEYWORDS: &[&str] = &["exc_info", "stack_info", "stacklevel", "extra"];

/// A structlog-style keyword given to the SDK's `workflow.logger` or `activity.logger`
/// (`info("charged", order_id=…)`): the standard `logging` call underneath raises `TypeError`.
fn check_logger_keywords(checker: &mut Checker, info: &CallInfo) {
    let Some((logger, method)) = info.symbol.and_then(|symbol| {
        symbol
            .strip_prefix("temporalio.")
            .and_then(|rest| rest.rsplit_once('.'))
            .filter(|(logger, _)| matches!(*logger, "workflow.logger" | "activity.logger"))
    }) else {
        return;
    };
    if !matches!(
        method,
        "debug" | "info" | "warning" | "warn" | "error" | "exception" | "critical" | "log"
    ) {
        return;
    }
    let failing = if logger == "workflow.logger" {
        "the workflow task fails and is retried"
    } else {
        "the activity attempt fails"
    };
    let unknown: Vec<&ast::Keyword> = info
        .call
        .arguments
        .keywords
        .iter()
        .filter(|keyword| {
            keyword
                .arg
                .as_ref()
                .is_some_and(|name| !LOGGING_KEYWORDS.contains(&name.as_str()))
        })
        .collect();
    let (Some(first), Some(last)) = (unknown.first(), unknown.last()) else {
        return;
    };
    let names = unknown
        .iter()
        .filter_map(|keyword| keyword.arg.as_ref())
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let (noun, value) = if unknown.len() == 1 {
        ("keyword", "the value")
    } else {
        ("keywords", "the values")
    };
    let violation = ArgumentMismatch {
        problem: format!(
            "`{logger}.{method}()` takes no {noun} {names}: the standard `logging` call underneath takes only `exc_info`, `stack_info`, `stacklevel` and `extra`, so it raises `TypeError` whenever the message is logged ({failing}). Put {value} in the message or in `extra={{…}}`"
        ),
    };
    let range = tempolint_python::TextRange::new(first.start(), last.end());
    checker.report(&violation, range, Context::Anywhere);
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    check_logger_keywords(checker, info);
    let Some(call) = argument_call(info.symbol) else {
        return;
    };
    let arguments = &info.call.arguments;
    let positional_arg = arguments.args.get(call.positional - 1);
    let keyword_arg = arguments.find_keyword("arg").map(|k| &k.value);
    let args = arguments.find_keyword("args");
    if let (Some(arg), Some(args)) = (positional_arg.or(keyword_arg), args)
        && !may_be_unset(checker, arg)
        && !may_be_empty(&args.value)
    {
        let violation = ArgumentMismatch {
            problem: "`arg` and `args=` are both given; the SDK raises `ValueError(\"Cannot have arg and args\")`. Pass every argument in `args=[…]`".to_string(),
        };
        let range = tempolint_python::TextRange::new(
            arg.start().min(args.start()),
            arg.end().max(args.end()),
        );
        checker.report(&violation, range, Context::Anywhere);
        return;
    }
    // Extra positional arguments are API101's finding; what they were meant to be is unclear.
    if !matches!(call.target, Target::Activity | Target::ChildWorkflow)
        || has_starred(info.call)
        || arguments.args.len() > call.positional
    {
        return;
    }
    // How many arguments reach the target: `arg`, the items of a literal `args=[…]`, or none.
    let given = match (positional_arg.or(keyword_arg), args) {
        (Some(_), _) => 1,
        (None, Some(args)) => match &args.value {
            Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. })
                if !elts.iter().any(Expr::is_starred_expr) =>
            {
                elts.len()
            }
            _ => return,
        },
        (None, None) => 0,
    };
    let Some(target) = target_argument(info.call, target_keyword(call.target)) else {
        return;
    };
    let Some(function) = started_function(checker, call.target, target) else {
        return;
    };
    let project = checker.resolver.project();
    let Some((required, accepted)) = arity(project, function) else {
        return;
    };
    if given >= required && accepted.is_none_or(|accepted| given <= accepted) {
        return;
    }
    let data = project.function(function);
    let name = match data.class {
        Some(class) => format!("{}.{}", project.class(class).def.name, data.def.name),
        None => data.def.name.to_string(),
    };
    let noun = |count: usize| if count == 1 { "argument" } else { "arguments" };
    let expected = match accepted {
        Some(accepted) if accepted == required => format!("{required} {}", noun(required)),
        Some(accepted) => format!("{required} to {accepted} {}", noun(accepted)),
        None => format!("at least {required} {}", noun(required)),
    };
    let passed = format!("{given} {}", noun(given));
    let violation = ArgumentMismatch {
        problem: format!(
            "`{name}` takes {expected} but this call passes {passed}; it fails with `TypeError` when it runs. Pass the arguments it declares (several as `args=[…]`)"
        ),
    };
    checker.report(&violation, target.range(), Context::Anywhere);
}

/// The project function a call starts: an activity, or a workflow's `@workflow.run` method
/// (given as `Workflow.run` or as the class).
pub(crate) fn started_function(
    checker: &Checker,
    target: Target,
    expr: &Expr,
) -> Option<FunctionId> {
    let binding = checker.resolve(expr);
    let symbol = binding.symbol()?;
    let project = checker.resolver.project();
    if let Some(function) = project.function_by_name(symbol) {
        // Only what the SDK's decorators made an activity or a workflow method: another
        // framework's `@activity.defn` may register something with other parameters.
        let kind = project.function(function).kind;
        let started = match target {
            Target::Activity => matches!(kind, FunctionKind::Activity { .. }),
            _ => kind == FunctionKind::WorkflowMethod,
        };
        return started.then_some(function);
    }
    if target == Target::ChildWorkflow {
        let class = project.class_by_name(symbol)?;
        return project
            .class(class)
            .methods
            .values()
            .copied()
            .find(|method| {
                project.function(*method).def.decorator_list.iter().any(|decorator| {
                let callee = match &decorator.expression {
                    Expr::Call(call) => &*call.func,
                    other => other,
                };
                matches!(callee, Expr::Attribute(attribute) if attribute.attr.as_str() == "run")
            })
            });
    }
    None
}

/// How many positional arguments a function needs and accepts (`None`: any number), not
/// counting `self`. `None` when a required keyword-only parameter, another decorator or a
/// method's first parameter that is not `self` makes it unknowable.
pub(crate) fn arity(project: &Project, function: FunctionId) -> Option<(usize, Option<usize>)> {
    let data = project.function(function);
    // A decorator besides the Temporal one may change what the registered callable takes.
    if data.def.decorator_list.len() > 1 {
        return None;
    }
    let parameters = &data.def.parameters;
    if parameters
        .kwonlyargs
        .iter()
        .any(|parameter| parameter.default.is_none())
    {
        return None;
    }
    let is_static = data.def.decorator_list.iter().any(|decorator| {
        matches!(&decorator.expression, Expr::Name(name) if name.id.as_str() == "staticmethod")
    });
    let bound = data.class.is_some() && !is_static;
    let mut positional: Vec<_> = parameters
        .posonlyargs
        .iter()
        .chain(&parameters.args)
        .collect();
    if bound {
        // A method whose first parameter is not `self` may be registered from the class
        // (`Acts.search`, a plain function taking every parameter) or from an instance: which
        // one the worker runs cannot be told here.
        if positional
            .first()
            .is_none_or(|first| first.name().as_str() != "self")
        {
            return None;
        }
        positional.remove(0);
    }
    let required = positional
        .iter()
        .filter(|parameter| parameter.default.is_none())
        .count();
    let accepted = parameters.vararg.is_none().then_some(positional.len());
    Some((required, accepted))
}

/// Whether `arg` may be the SDK's "no argument" value: a parameter of the checked function
/// that defaults to `temporalio.common._arg_unset` (a wrapper passing on what it was given).
fn may_be_unset(checker: &Checker, arg: &Expr) -> bool {
    let Expr::Name(name) = arg else {
        return false;
    };
    checker
        .parameter_default(name.id.as_str())
        .is_some_and(|default| {
            checker.resolve(default).symbol() == Some("temporalio.common._arg_unset")
        })
}

/// Whether `args=` may be empty (the SDK only raises for `arg` with a non-empty `args`): not
/// a list or tuple written with an item that is not unpacked.
fn may_be_empty(args: &Expr) -> bool {
    !matches!(args,
        Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. })
            if elts.iter().any(|item| !item.is_starred_expr()))
}
