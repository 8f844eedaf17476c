use tempolint_python::Ranged;

use crate::checker::{CallInfo, Checker};
use crate::registry::Rule;
use crate::rules::determinism::{classified_as, report_call, shown, workflow_fix};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for `uuid.uuid1()`, `uuid.uuid4()` and `uuid.uuid7()` in workflow code.
    ///
    /// ## Why is this bad?
    /// Each call returns a new value on replay. An id used as an activity argument or a child
    /// workflow id then differs from the recorded one, and the sandbox rejects the call outright.
    ///
    /// ## Example
    /// ```python
    /// import uuid
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Orders:
    ///     @workflow.run
    ///     async def run(self) -> str:
    ///         return str(uuid.uuid4())
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Orders:
    ///     @workflow.run
    ///     async def run(self) -> str:
    ///         return str(workflow.uuid4())
    /// ```
    ///
    /// ## Fix safety
    /// The fix to `workflow.uuid4()` is unsafe: the generated ids change for running workflows.
    UuidGeneration => UuidGeneration { symbol: String }
}

impl UuidGeneration {
    fn describe(&self) -> String {
        format!(
            "`{}()` generates a new id on every replay; the workflow diverges. Use `workflow.{}()`",
            self.symbol,
            if self.symbol.ends_with("uuid7") {
                "uuid7"
            } else {
                "uuid4"
            }
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = classified_as(info, Rule::UuidGeneration) else {
        return;
    };
    let fix = matches!(symbol, "uuid.uuid4" | "uuid.uuid7")
        .then(|| {
            let function = symbol.trim_start_matches("uuid.");
            workflow_fix(
                checker,
                info.call.func.range(),
                &format!("{{workflow}}.{function}"),
            )
        })
        .flatten();
    report_call(
        checker,
        info,
        &UuidGeneration {
            symbol: shown(symbol),
        },
    );
    if let Some(effect) = checker.facts.effects.last_mut() {
        effect.fix = fix;
    }
}
