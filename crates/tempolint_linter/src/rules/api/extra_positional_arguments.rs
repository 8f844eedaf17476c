use tempolint_python::ast::Expr;
use tempolint_python::{Ranged, TextRange};

use crate::checker::{CallInfo, Checker, Context};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::rules::api::argument_mismatch::{arity, started_function};
use crate::rules::api::{
    Target, argument_call, has_starred, short_name, target_argument, target_keyword,
};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks calls that pass workflow or activity arguments positionally beyond the one `arg`
    /// the SDK accepts: `execute_activity` / `start_activity` (and their `_local`, `_method`,
    /// `_class` variants), `execute_child_workflow` / `start_child_workflow`,
    /// `continue_as_new`, `Client.start_workflow` / `execute_workflow`, and a handle's
    /// `signal`, `query`, `execute_update`, `start_update`.
    ///
    /// ## Why is this bad?
    /// Everything after `arg` is keyword-only, so the call raises `TypeError` when it runs: in
    /// a workflow that fails the workflow task, which is retried until someone fixes the code.
    ///
    /// ## Example
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def transfer(source: str, target: str, amount: int) -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Transfer:
    ///     @workflow.run
    ///     async def run(self, source: str, target: str) -> None:
    ///         await workflow.execute_activity(
    ///             transfer, source, target, 100, start_to_close_timeout=timedelta(seconds=30)
    ///         )
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def transfer(source: str, target: str, amount: int) -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Transfer:
    ///     @workflow.run
    ///     async def run(self, source: str, target: str) -> None:
    ///         await workflow.execute_activity(
    ///             transfer, args=[source, target, 100], start_to_close_timeout=timedelta(seconds=30)
    ///         )
    /// ```
    ///
    /// ## Fix safety
    /// Wrapping the arguments in `args=[…]` is safe: it passes them exactly as the call meant to.
    /// It is unsafe when comments sit between the arguments, as they are dropped. A
    /// `continue_as_new(self.run, a, b)` names the workflow first, as `execute_child_workflow`
    /// does: the fix moves it to `workflow=`. When the first argument is another function of the
    /// project, or the activity or workflow the call starts takes another number of arguments,
    /// what was meant is unclear and no fix is offered.
    ExtraPositionalArguments => ExtraPositionalArguments { function: String, accepted: usize }
}

impl ExtraPositionalArguments {
    fn describe(&self) -> String {
        let accepted = if self.accepted == 1 {
            "one positional argument (`arg`)"
        } else {
            "the target and one positional argument (`arg`)"
        };
        format!(
            "`{}()` takes only {accepted}; the rest are keyword-only, so this call raises `TypeError` when it runs. Pass several arguments as `args=[…]`",
            self.function
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(call) = argument_call(info.symbol) else {
        return;
    };
    let positional = &info.call.arguments.args;
    if positional.len() <= call.positional || has_starred(info.call) {
        return;
    }
    let first_argument = call.positional - 1;
    let extra = TextRange::new(
        positional[call.positional].start(),
        positional.last().map_or(info.call.end(), Ranged::end),
    );
    let arguments = TextRange::new(
        positional[first_argument].start(),
        positional.last().map_or(info.call.end(), Ranged::end),
    );
    // `arg=`/`args=` given as well is API104's finding; rewriting would only move the clash.
    let clashes = info.call.arguments.find_keyword("args").is_some()
        || info.call.arguments.find_keyword("arg").is_some();
    // `continue_as_new(self.run, a, b)`: the workflow, written where child workflow calls
    // take it.
    // (With `workflow=` given as well, what was meant is unclear.)
    let workflow = if call.target != Target::ContinueAsNew {
        Some(false)
    } else if info.call.arguments.find_keyword("workflow").is_some() {
        None
    } else {
        run_method_argument(checker, &positional[0])
    };
    // `args=[…]` is what was meant only when the target takes that many arguments: for a
    // one-parameter activity, `execute_activity(notify, message, "WARNING", …)` meant one object.
    let fits = |first_item: usize| {
        let items = positional.len() - first_item;
        target_argument(info.call, target_keyword(call.target))
            .and_then(|target| started_function(checker, call.target, target))
            .and_then(|function| arity(checker.resolver.project(), function))
            .is_none_or(|(required, accepted)| {
                items >= required && accepted.is_none_or(|accepted| items <= accepted)
            })
    };
    let fix = workflow
        .filter(|workflow| !clashes && fits(first_argument + usize::from(*workflow)))
        .map(|workflow| {
            let source = checker.source();
            let first_item = first_argument + usize::from(workflow);
            let items: Vec<&str> = positional[first_item..]
                .iter()
                .map(|argument| source.slice(argument.range()))
                .collect();
            let workflow = if workflow {
                format!("workflow={}, ", source.slice(positional[0].range()))
            } else {
                String::new()
            };
            // Comments between the arguments would be dropped with them.
            let has_comments = source
                .comments()
                .any(|(comment, _)| arguments.contains_range(comment));
            Fix {
                applicability: if has_comments {
                    Applicability::Unsafe
                } else {
                    Applicability::Safe
                },
                message: if workflow.is_empty() {
                    "Pass the arguments as `args=[…]`".to_string()
                } else {
                    "Pass the workflow as `workflow=` and the arguments as `args=[…]`".to_string()
                },
                edits: vec![Edit {
                    range: arguments,
                    content: format!("{workflow}args=[{}]", items.join(", ")),
                }],
            }
        });
    let violation = ExtraPositionalArguments {
        function: short_name(info.symbol.unwrap_or_default()).to_string(),
        accepted: call.positional,
    };
    checker.report(&violation, extra, Context::Anywhere).fix = fix;
}

/// Whether `argument` is a workflow's `@workflow.run` method (`Some(true)`), another function
/// of the project (`None`: no payload, and no telling what was meant), or anything else
/// (`Some(false)`).
fn run_method_argument(checker: &Checker, argument: &Expr) -> Option<bool> {
    let project = checker.resolver.project();
    let binding = checker.resolve(argument);
    let Some(function) = binding
        .symbol()
        .and_then(|symbol| project.function_by_name(symbol))
    else {
        return Some(false);
    };
    let function = project.function(function);
    function
        .def
        .decorator_list
        .iter()
        .any(|decorator| {
            project
                .sdk_decorator(function.module, decorator)
                .is_some_and(|(symbol, _)| symbol == "temporalio.workflow.run")
        })
        .then_some(true)
}
