use tempolint_python::Ranged;

use crate::checker::{CallInfo, Checker, Context, Guards};
use crate::rules::determinism::shown;
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for calls in workflow code that the SDK sandbox restricts and that no more specific
    /// rule covers (for example pure `os.path` string helpers, `locale`, `curses`), and for calls
    /// listed in `extra-nondeterministic` in the configuration.
    ///
    /// ## Why is this bad?
    /// The sandbox raises `RestrictedWorkflowAccessError` when workflow code touches these
    /// members, so the workflow task fails (even where the function itself is harmless, as
    /// `os.path.join` is before Python 3.14). Wrap genuinely pure use in
    /// `workflow.unsafe.sandbox_unrestricted()` (a helper called inside that block runs
    /// unrestricted too), or use a pure alternative. A helper of a module the sandbox passes
    /// through (`workflow.unsafe.imports_passed_through()`, `with_passthrough_modules(…)`)
    /// sees the real modules and is not restricted either. A workflow that runs without a sandbox
    /// (`@workflow.defn(sandboxed=False)`, or registered only on workers with an
    /// `UnsandboxedWorkflowRunner()`) is not restricted, and this rule leaves it alone.
    ///
    /// ## Example
    /// ```python
    /// import os.path
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Export:
    ///     @workflow.run
    ///     async def run(self, name: str) -> str:
    ///         return os.path.join("exports", name)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import posixpath
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Export:
    ///     @workflow.run
    ///     async def run(self, name: str) -> str:
    ///         return posixpath.join("exports", name)
    /// ```
    SandboxRestricted => SandboxRestricted { symbol: String, configured: bool }
}

impl SandboxRestricted {
    fn describe(&self) -> String {
        if self.configured {
            format!(
                "`{}()` is declared non-deterministic in `extra-nondeterministic`. Move it into an activity",
                self.symbol
            )
        } else {
            format!(
                "`{}()` is restricted by the workflow sandbox and fails the workflow task. Use a pure alternative or `workflow.unsafe.sandbox_unrestricted()`",
                self.symbol
            )
        }
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = info.symbol else {
        return;
    };
    if checker.settings.is_known_deterministic(symbol) {
        return;
    }
    let configured = checker.settings.is_extra_nondeterministic(symbol);
    if !configured {
        let covered = info
            .determinism
            .is_some_and(|rule| rule != crate::registry::Rule::SandboxRestricted)
            || checker.tables.implicit_clock.contains_key(symbol)
            || symbol == "random.Random";
        let restricted = info.restriction.is_some_and(|r| !r.warning)
            || info.determinism == Some(crate::registry::Rule::SandboxRestricted);
        if covered || !restricted || checker.sandbox_unrestricted > 0 {
            return;
        }
    }
    let violation = SandboxRestricted {
        symbol: shown(symbol),
        configured,
    };
    let effect = checker.report(&violation, info.call.func.range(), Context::Workflow);
    effect.sandbox_rejects = !configured;
    if !configured {
        effect.waived_by = Guards::SANDBOX_UNRESTRICTED;
    }
}
