use tempolint_python::Ranged;

use crate::checker::{CallInfo, Checker};
use crate::registry::Rule;
use crate::rules::determinism::{classified_as, report_call, shown, workflow_fix};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for workflow code that draws random numbers from a source other than the
    /// workflow's own seeded generator: `random.*`, `secrets.*`, `os.urandom`,
    /// `random.SystemRandom()`, and `random.Random()` without a seed.
    ///
    /// ## Why is this bad?
    /// A replay draws different numbers, so every decision or command derived from them changes
    /// and the workflow fails to replay. `random.seed()` also reseeds the process-wide generator
    /// shared by all workflows on the worker.
    ///
    /// ## Example
    /// ```python
    /// import random
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Raffle:
    ///     @workflow.run
    ///     async def run(self, names: list[str]) -> str:
    ///         return random.choice(names)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Raffle:
    ///     @workflow.run
    ///     async def run(self, names: list[str]) -> str:
    ///         return workflow.random().choice(names)
    /// ```
    ///
    /// ## Fix safety
    /// Rewriting `random.<fn>(…)` to `workflow.random().<fn>(…)` is unsafe: the values drawn
    /// change, which matters for running workflows.
    Randomness => Randomness { symbol: String }
}

impl Randomness {
    fn describe(&self) -> String {
        format!(
            "`{}()` draws randomness outside the workflow's seeded generator; a replay draws other values and diverges. Use `workflow.random()`",
            self.symbol
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let unseeded_random = info.symbol == Some("random.Random")
        && info
            .call
            .arguments
            .args
            .first()
            .is_none_or(tempolint_python::ast::Expr::is_none_literal_expr)
        && info.call.arguments.find_keyword("x").is_none();
    let symbol = if unseeded_random {
        "random.Random"
    } else {
        let Some(symbol) = classified_as(info, Rule::Randomness) else {
            return;
        };
        symbol
    };
    let fix = symbol
        .strip_prefix("random.")
        .filter(|function| {
            function.chars().next().is_some_and(char::is_lowercase) && !function.contains('.')
        })
        .filter(|function| !matches!(*function, "seed" | "getstate" | "setstate"))
        .and_then(|function| {
            workflow_fix(
                checker,
                info.call.func.range(),
                &format!("{{workflow}}.random().{function}"),
            )
        });
    report_call(
        checker,
        info,
        &Randomness {
            symbol: shown(symbol),
        },
    );
    if let Some(effect) = checker.facts.effects.last_mut() {
        effect.fix = fix;
    }
}
