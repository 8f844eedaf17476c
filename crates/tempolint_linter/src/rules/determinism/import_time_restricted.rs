use tempolint_python::Ranged;

use crate::checker::{CallInfo, Checker, Context, Guards};
use crate::rules::determinism::shown;
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks top-level code of workflow modules (and of the project modules they import
    /// normally) for calls the sandbox rejects even while importing: `datetime.now()`,
    /// `random.random()`, `shutil`, `subprocess`, `pathlib.Path.read_text()`, …. Modules that
    /// every worker running the workflows passes through
    /// (`SandboxRestrictions.default.with_passthrough_modules(…)`, plugins, the
    /// `passthrough-modules` setting) are imported by the worker itself and not checked, nor
    /// are their functions when sandboxed code calls them (they see the real modules), nor
    /// those of modules imported under `workflow.unsafe.imports_passed_through()`; nor are
    /// lambdas and nested functions, which run when called, not at import; nor calls in a
    /// `try` (also around the call of a helper that makes them) whose `except Exception:`
    /// (or bare `except:`, `BaseException`, Temporal's error classes) handles the sandbox's
    /// `RestrictedWorkflowAccessError` without raising again. Also checks workflow modules'
    /// top-level imports of libraries that make such a call when imported (`loguru` reads
    /// `datetime.now()`), unless passed through.
    ///
    /// ## Why is this bad?
    /// The sandbox re-imports workflow modules in isolation when the worker starts; a restricted
    /// call at import time makes the worker fail with "Failed validating workflow".
    ///
    /// ## Example
    /// ```python
    /// from datetime import datetime
    /// from temporalio import workflow
    ///
    /// STARTED = datetime.now()
    ///
    /// @workflow.defn
    /// class Audit:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         pass
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Audit:
    ///     @workflow.run
    ///     async def run(self) -> str:
    ///         return workflow.now().isoformat()
    /// ```
    ImportTimeRestricted => ImportTimeRestricted { symbol: String, library: Option<&'static str> }
}

impl ImportTimeRestricted {
    fn describe(&self) -> String {
        match self.library {
            Some(library) => format!(
                "Importing `{library}` calls `{}()`, which the workflow sandbox restricts: the worker fails validating this module's workflows. Import it under `workflow.unsafe.imports_passed_through()`, or pass `{library}` through",
                self.symbol
            ),
            None => format!(
                "`{}()` runs when the workflow sandbox imports this module (a workflow module, or one it imports) and is restricted there; the worker fails to start. Move it out of module level",
                self.symbol
            ),
        }
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = info.symbol else {
        return;
    };
    let Some(restriction) = info.restriction else {
        return;
    };
    // Code in a lambda or nested function runs when that is called, not at import.
    // Under `except Exception:` the rejection is only an exception the module handles.
    if restriction.only_runtime
        || restriction.warning
        || checker.deferred > 0
        || checker.rejection_caught > 0
    {
        return;
    }
    let violation = ImportTimeRestricted {
        symbol: shown(symbol),
        library: None,
    };
    checker
        .report(&violation, info.call.func.range(), Context::ImportTime)
        .waived_by = Guards::REJECTION_CAUGHT;
}
