use rustc_hash::FxHashSet;
use tempolint_semantic::{ModuleId, Project};

use crate::diagnostic::Diagnostic;
use crate::rules::{Violation, violation};
use crate::tables::Tables;

violation! {
    /// ## What it does
    /// Checks workflow modules for imports of activity modules or third-party packages outside
    /// `with workflow.unsafe.imports_passed_through():`.
    ///
    /// ## Why is this bad?
    /// The sandbox re-imports every non-passed-through module for each workflow run: slow, and
    /// any import-time side effect of those modules (clients, config reads) runs inside the
    /// sandbox, where it may be rejected.
    ///
    /// ## Example
    /// ```python
    /// import requests
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Hook:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         pass
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    ///
    /// with workflow.unsafe.imports_passed_through():
    ///     import requests
    ///
    /// @workflow.defn
    /// class Hook:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         pass
    /// ```
    UnpassedImport => UnpassedImport { module: String, activities: bool }
}

impl UnpassedImport {
    fn describe(&self) -> String {
        let what = if self.activities {
            "activity module"
        } else {
            "third-party module"
        };
        format!(
            "Workflow module imports {what} `{}` outside `workflow.unsafe.imports_passed_through()`; the sandbox re-imports it for every run. Wrap the import",
            self.module
        )
    }
}

/// Checks the top-level imports of a module that defines workflows.
pub(crate) fn check_module(
    project: &Project,
    module: ModuleId,
    tables: &Tables,
) -> Vec<Diagnostic> {
    let data = project.module(module);
    if data.workflows.is_empty() {
        return Vec::new();
    }
    let mut seen = FxHashSet::default();
    let mut diagnostics = Vec::new();
    for import in data.imported_modules() {
        if import.passed_through
            || import.target.starts_with("temporalio")
            || import.target == "__future__"
        {
            continue;
        }
        let violation = if let Some(imported) = project.module_by_name(&import.target) {
            if !project.module(imported).defines_activities || imported == module {
                continue;
            }
            UnpassedImport {
                module: import.target.clone(),
                activities: true,
            }
        } else {
            let top = import.target.split('.').next().unwrap_or_default();
            let in_project = project.has_top_level_package(top);
            if in_project || tables.is_passthrough(&import.target) {
                continue;
            }
            UnpassedImport {
                module: top.to_string(),
                activities: false,
            }
        };
        if seen.insert((import.range, violation.module.clone())) {
            diagnostics.push(Diagnostic {
                rule: <UnpassedImport as Violation>::RULE,
                message: violation.message(),
                severity: <UnpassedImport as Violation>::RULE.default_severity(),
                range: import.range,
                chain: Vec::new(),
                fix: None,
            });
        }
    }
    diagnostics
}
