use tempolint_python::Ranged;
use tempolint_python::ast::Expr;

use crate::checker::{CallInfo, Checker, Guards};
use crate::registry::Rule;
use crate::rules::determinism::{classified_as, report_call, workflow_fix};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for `print()` and `logging` calls (also structlog's and loguru's loggers) in
    /// workflow code outside an
    /// `if not workflow.unsafe.is_replaying():` guard. A helper called under that guard is
    /// covered by it too, and so are query handlers and update validators, which replay
    /// never runs. (In those the other determinism rules likewise report only what the
    /// workflow sandbox rejects: that fails the query or rejects the update.)
    ///
    /// ## Why is this bad?
    /// Workflow code runs again on every replay, so each message is emitted again, duplicated in
    /// the logs. `workflow.logger` skips messages during replay and adds workflow context.
    ///
    /// ## Example
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Greeter:
    ///     @workflow.run
    ///     async def run(self, name: str) -> str:
    ///         print("greeting", name)
    ///         return name
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Greeter:
    ///     @workflow.run
    ///     async def run(self, name: str) -> str:
    ///         workflow.logger.info("greeting %s", name)
    ///         return name
    /// ```
    ///
    /// ## Fix safety
    /// Rewriting `print(…)` to `workflow.logger.info(…)` is unsafe: `print` joins its arguments
    /// with spaces while the logger formats them with `%`.
    WorkflowLogging => WorkflowLogging { symbol: String }
}

impl WorkflowLogging {
    fn describe(&self) -> String {
        format!(
            "`{}()` in workflow code is repeated on every replay. Use `workflow.logger`",
            self.symbol
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    if checker.not_replaying > 0 {
        return;
    }
    let Some(symbol) = classified_as(info, Rule::WorkflowLogging) else {
        return;
    };
    let fix = (symbol == "builtins.print" && info.call.arguments.len() == 1)
        .then(|| workflow_fix(checker, info.call.func.range(), "{workflow}.logger.info"))
        .flatten();
    let shown = symbol.trim_start_matches("builtins.").to_string();
    // `def log(logger: logging.Logger): logger.info(…)`: replay-safe for `workflow.logger`.
    let receiver = match &*info.call.func {
        Expr::Attribute(attribute) => checker.parameter_of(&attribute.value),
        _ => None,
    };
    report_call(checker, info, &WorkflowLogging { symbol: shown });
    if let Some(effect) = checker.facts.effects.last_mut() {
        effect.fix = fix;
        effect.waived_by = Guards::NOT_REPLAYING;
        effect.unless_workflow_logger = receiver;
    }
}
