use tempolint_python::TextRange;
use tempolint_semantic::{ClassId, FunctionKind, Import, ModuleId, Project};

use crate::diagnostic::Diagnostic;
use crate::import_order::ImportOrder;
use crate::registry::Rule;
use crate::rules::determinism::import_time_restricted::ImportTimeRestricted;
use crate::rules::violation;
use crate::sandbox_config::{ModuleKind, SandboxConfig};
use crate::settings::RuleSet;
use crate::tables::{Tables, module_or_parent, name_or_tails};

violation! {
    /// ## What it does
    /// Checks workflow modules for imports of activity modules (also of a package whose
    /// `__init__.py` imports one, to re-export its activities) or third-party packages outside
    /// `with workflow.unsafe.imports_passed_through():`, at the module's top or in a
    /// workflow's method (a "lazy" import runs in the sandbox when the method does). Also checks
    /// the top-level imports of each package `__init__.py` above a workflow module: loading
    /// `app.temporal.workflows` runs `app/temporal/__init__.py` in the sandbox first.
    ///
    /// Silent when every sandbox that runs the module's workflows passes the import through:
    /// the SDK's default passthrough modules, `@workflow.defn(sandboxed=False)`,
    /// `UnsandboxedWorkflowRunner()`, `SandboxRestrictions.default.with_passthrough_modules(…)`
    /// on the worker's runner, contrib plugins on the worker or its client (OpenAI Agents,
    /// Google ADK, LangGraph, …, and Pydantic AI's), and the `passthrough-modules` setting. A
    /// workflow on several workers is judged by the strictest. Silent, too, on an import of a
    /// module a statement above already passed through (`from .workflows import Flow`, whose
    /// module imports `pkg.activities` under `imports_passed_through()`, before
    /// `from .activities import charge`): the sandbox finds it in its cache and runs nothing
    /// again; and on a module that defines workflows, which the sandbox imports to run them
    /// (passing it through would take them out of the sandbox). What cannot be read passes
    /// everything: a runner built elsewhere, a plugin of another make on a client we cannot trace to the worker,
    /// a workflow handed to a library that may build the worker itself
    /// (`app.setup_workflow(workflow_and_activities_classes=[(Flow, Activities)])`), and, for
    /// a workflow on no worker in sight, a worker whose `workflows=` is computed. A module is
    /// loaded by the sandboxes of the workers that register its workflows: a workflow of it
    /// that no worker in sight registers, beside one that a worker does, adds no sandbox.
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
    UnpassedImport => UnpassedImport {
        modules: Vec<String>,
        activities: bool,
        // For a package's `__init__.py`: its name and that of a workflow module below it.
        package_of: Option<(String, String)>,
    }
}

impl UnpassedImport {
    fn describe(&self) -> String {
        let (what, it) = match (self.activities, self.modules.len()) {
            (true, 1) => ("activity module", "it"),
            (true, _) => ("activity modules", "them"),
            (false, 1) => ("third-party module", "it"),
            (false, _) => ("third-party modules", "them"),
        };
        let listed = |quote: char| {
            self.modules
                .iter()
                .map(|module| format!("{quote}{module}{quote}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (names, quoted) = (listed('`'), listed('"'));
        let importer = match &self.package_of {
            Some((package, workflows)) => format!(
                "Package `{package}`, which the sandbox imports before workflow module `{workflows}`,"
            ),
            None => "Workflow module".to_string(),
        };
        format!(
            "{importer} imports {what} {names} outside `workflow.unsafe.imports_passed_through()`; the sandbox re-imports {it} for every run. Wrap the import, or pass {it} through on every worker that registers this module's workflows (`SandboxRestrictions.default.with_passthrough_modules({quoted})`, a contrib plugin, or the `passthrough-modules` setting)"
        )
    }
}

/// Libraries whose import makes a call the sandbox restricts (checked with temporalio 1.35's
/// `SandboxedWorkflowRunner.prepare_workflow`): `loguru/_logger.py` runs
/// `start_time = aware_now()`, which reads `datetime.now()`.
const FAIL_WHEN_IMPORTED: &[(&str, &str)] = &[("loguru", "datetime.datetime.now")];

/// Whether some module of the project imports `library` (or a module in it) under
/// `workflow.unsafe.imports_passed_through()`.
fn passed_through_anywhere(project: &Project, library: &str) -> bool {
    project.modules.iter().any(|module| {
        module
            .imported_modules()
            .any(|import| import.passed_through && import.target.split('.').next() == Some(library))
    })
}

/// Whether importing `module` imports activities: it defines some, or it is a package whose
/// `__init__.py` imports a module that does (`from .greeting import greet`, re-exported).
fn holds_activities(project: &Project, module: ModuleId) -> bool {
    let data = project.module(module);
    data.defines_activities
        || (data.input.is_package
            && data.imported_modules().any(|import| {
                !import.passed_through
                    && project.module_by_name(&import.target).is_some_and(|inner| {
                        inner != module && project.module(inner).defines_activities
                    })
            }))
}

/// The longest dotted suffix of `target` that the import statement spells (`activities.models`
/// for `from activities.models import X` resolved to `recipes.hello.activities.models`); the
/// whole target for relative imports, whose resolved name is the one the process uses.
fn written_name<'t>(statement: &str, target: &'t str) -> &'t str {
    if statement.trim_start().starts_with("from .") {
        return target;
    }
    let spelled = |name: &str| {
        statement.match_indices(name).any(|(at, _)| {
            let before = statement[..at].chars().next_back();
            let after = statement[at + name.len()..].chars().next();
            let boundary =
                |c: Option<char>| !c.is_some_and(|c| c == '.' || c == '_' || c.is_alphanumeric());
            boundary(before) && boundary(after)
        })
    };
    // `from activities import invoke_model` spells `activities.invoke_model` in two parts.
    let spelled_in_parts = |name: &str| {
        name.rsplit_once('.')
            .is_some_and(|(package, last)| spelled(package) && spelled(last))
    };
    name_or_tails(target)
        .find(|suffix| spelled(suffix) || spelled_in_parts(suffix))
        .unwrap_or(target)
}

/// Checks the top-level imports of a module that defines workflows: one finding per import
/// statement, unless every sandbox that runs the module's workflows passes the import through.
pub(crate) fn check_module(
    project: &Project,
    module: ModuleId,
    tables: &Tables,
    sandbox: &SandboxConfig,
    order: &ImportOrder,
    rules: RuleSet,
) -> Vec<Diagnostic> {
    let data = project.module(module);
    // A package's `__init__.py` runs in the sandbox before each workflow module below it
    // (`app/temporal/__init__.py` re-exporting the activities next to `workflows.py`).
    let is_package_above = data.workflows.is_empty() && data.input.is_package;
    let defined: Vec<ClassId> = if is_package_above {
        let prefix = format!("{}.", data.name());
        project
            .modules
            .iter()
            .filter(|below| !below.workflows.is_empty() && below.name().starts_with(&prefix))
            .flat_map(|below| below.workflows.iter().copied())
            .collect()
    } else {
        data.workflows.clone()
    };
    // The sandboxes that load the module are those of the workers that register its
    // workflows: one that no worker in sight registers (while others are) loads it nowhere.
    let mut workflows: Vec<ClassId> = defined
        .iter()
        .copied()
        .filter(|workflow| sandbox.may_run_in_sight(*workflow))
        .collect();
    if workflows.is_empty() {
        workflows = defined;
    }
    if workflows.is_empty() {
        return Vec::new();
    }
    // A workflow module the sandbox passes through is the worker's own import, and so is all
    // it imports.
    let unpassed: Vec<ClassId> = workflows
        .iter()
        .copied()
        .filter(|workflow| !sandbox.passes_project_module(project, tables, *workflow, data.name()))
        .collect();
    // The workflow module a package's finding names: one whose sandbox does import it, on a
    // worker in sight if one is.
    let Some(&unpassed) = unpassed
        .iter()
        .find(|workflow| sandbox.registered_in_sight(**workflow))
        .or(unpassed.first())
    else {
        return Vec::new();
    };
    let package_of = is_package_above.then(|| {
        let below = project.module(project.class(unpassed).module);
        (data.name().to_string(), below.name().to_string())
    });
    let imports = Imports {
        project,
        tables,
        sandbox,
        order,
        module,
    };
    // Per import statement (by range): the modules to report and whether any holds activities.
    let mut statements: Vec<(TextRange, Vec<String>, bool)> = Vec::new();
    // Imports of libraries that fail in the sandbox (DET301): the statement, library, call.
    let mut failing = Vec::new();
    imports.report(
        data.imported_modules(),
        true,
        &workflows,
        &mut statements,
        &mut failing,
    );
    // An import written in a workflow's method runs in the sandbox when the method does (a
    // "lazy" import of the activities): the same import, unless the module's top imports the
    // same module, or one it is in or holds (`import yaml` above, `from yaml import
    // safe_dump` below), where it is judged.
    let top: Vec<&str> = data
        .imported_modules()
        .map(|import| import.target.as_str())
        .collect();
    // A package's imports inside the methods of workflows below it are those modules' own.
    for workflow in workflows.iter().filter(|_| package_of.is_none()) {
        // Instance methods: the instance lives in the sandbox (a static or class method may be
        // the worker's, listing activities).
        let mut methods: Vec<_> = project
            .class(*workflow)
            .methods
            .values()
            .copied()
            .filter(|method| project.function(*method).kind == FunctionKind::WorkflowMethod)
            .collect();
        methods.sort_unstable();
        for method in methods {
            let local: Vec<_> = project
                .imports_in(module, project.function(method).def)
                .into_iter()
                .filter(|import| !top.iter().any(|top| nested(top, &import.target)))
                .collect();
            imports.report(
                local.iter(),
                false,
                &[*workflow],
                &mut statements,
                &mut failing,
            );
        }
    }
    let unpassed = statements
        .into_iter()
        .filter(|_| rules.contains(Rule::UnpassedImport))
        .map(|(range, modules, activities)| {
            let violation = UnpassedImport {
                modules,
                activities,
                package_of: package_of.clone(),
            };
            Diagnostic::of(&violation, range)
        });
    let fails = failing
        .into_iter()
        .filter(|_| rules.contains(Rule::ImportTimeRestricted))
        .map(|(range, library, symbol)| {
            let violation = ImportTimeRestricted {
                symbol: symbol.to_string(),
                library: Some(library),
            };
            Diagnostic::of(&violation, range)
        });
    unpassed.chain(fails).collect()
}

/// Whether one of two dotted module names is the other or a package holding it.
fn nested(a: &str, b: &str) -> bool {
    module_or_parent(a).any(|name| name == b) || module_or_parent(b).any(|name| name == a)
}

/// What [`check_module`] needs to judge import statements.
struct Imports<'p, 'a> {
    project: &'p Project<'a>,
    tables: &'p Tables,
    sandbox: &'p SandboxConfig,
    order: &'p ImportOrder<'p, 'a>,
    module: ModuleId,
}

impl Imports<'_, '_> {
    /// The name the process knows a module this module imports relatively by, when this module
    /// is imported by its longer name (see `SourceInput::alias`): `src.pkg.acts` for
    /// `from .acts import a` in `src/pkg/wf.py`, under the root `src` while the worker runs
    /// `from src.pkg.wf import W`.
    fn process_name(&self, name: &str) -> Option<String> {
        let data = self.project.module(self.module);
        let alias = data.input.alias.as_deref()?;
        let prefix = alias.strip_suffix(data.name())?;
        let spelled = |module: &tempolint_semantic::Module, import: &Import| {
            let text = module.input.source.slice(import.range);
            text.match_indices(alias).any(|(at, _)| {
                let before = text[..at].chars().next_back();
                let after = text[at + alias.len()..].chars().next();
                let boundary =
                    |c: Option<char>| !c.is_some_and(|c| c == '_' || c.is_alphanumeric());
                boundary(after) && boundary(before) && before != Some('.')
            })
        };
        let imported_by_alias = self.project.modules.iter().any(|module| {
            module
                .imported_modules()
                .any(|import| spelled(module, import))
        });
        (imported_by_alias && !name.starts_with(prefix)).then(|| format!("{prefix}{name}"))
    }

    /// Adds to `statements` the modules `imports` (the module's own, at its `top_level`, or a
    /// method's) bring in that some sandbox running one of `workflows` does not pass through.
    fn report<'i>(
        &self,
        imports: impl Iterator<Item = &'i Import>,
        top_level: bool,
        workflows: &[ClassId],
        statements: &mut Vec<(TextRange, Vec<String>, bool)>,
        failing: &mut Vec<(TextRange, &'static str, &'static str)>,
    ) {
        let Imports {
            project,
            tables,
            sandbox,
            order,
            module,
        } = *self;
        let data = project.module(module);
        let passed = |name: &str, kind: ModuleKind| {
            workflows
                .iter()
                .all(|workflow| sandbox.passes_through(project, tables, *workflow, name, kind))
        };
        for import in imports {
            if import.passed_through
                || import.target.starts_with("temporalio")
                || import.target == "__future__"
            {
                continue;
            }
            let (reported, activities) = if let Some(imported) =
                project.module_by_name(&import.target)
            {
                // A module of workflows is the sandbox's own to import (passing it through would
                // take its workflows out of the sandbox).
                if !holds_activities(project, imported)
                    || imported == module
                    || !project.module(imported).workflows.is_empty()
                {
                    continue;
                }
                // What a statement above passed through, the sandbox finds in its cache (in
                // every sandbox: one that passes the module holding that statement through
                // does not run it).
                let passes_in_some = |holder: ModuleId| {
                    let name = project.module(holder).name();
                    workflows.iter().any(|workflow| {
                        sandbox.passes_project_module(project, tables, *workflow, name)
                    })
                };
                if top_level && order.cached(module, import, &passes_in_some) {
                    continue;
                }
                // The name the worker's process knows it by, as written (`activities.charge`
                // in a project checked from the folder above): what a passthrough list would
                // name.
                // Or its longer name, when the statement spells that (`from src.activities
                // import read_pdf`, `src/` a namespace package and a source root).
                let statement = data.input.source.slice(import.range);
                let written = project
                    .module(imported)
                    .input
                    .alias
                    .as_deref()
                    .filter(|_| !statement.trim_start().starts_with("from ."))
                    .map(|alias| written_name(statement, alias))
                    .filter(|name| name.len() > import.target.len())
                    .unwrap_or_else(|| written_name(statement, &import.target));
                // Or a dotted tail of it: run from `backend/`, the worker passes
                // `app.temporal.activities` through, which the check names
                // `backend.app.temporal.activities`.
                let passed_project = |name: &str| {
                    workflows.iter().all(|workflow| {
                        sandbox.passes_project_module(project, tables, *workflow, name)
                    })
                };
                let process_name = if statement.trim_start().starts_with("from .") {
                    self.process_name(written)
                } else {
                    None
                };
                if passed_project(written)
                    || passed_project(&import.target)
                    || process_name.as_deref().is_some_and(passed_project)
                {
                    continue;
                }
                (process_name.unwrap_or(written.to_string()), true)
            } else {
                let top = import.target.split('.').next().unwrap_or_default();
                if project.has_top_level_package(top)
                    || passed(&import.target, ModuleKind::ThirdParty)
                {
                    continue;
                }
                // At the top of the module the import fails the worker's validation: the worse
                // finding of the two.
                // Not when some module passes the library through: the sandbox may then find it
                // in its module cache already, and import nothing.
                let fails = FAIL_WHEN_IMPORTED
                    .iter()
                    .find(|(library, _)| *library == top)
                    .filter(|(library, _)| top_level && !passed_through_anywhere(project, library));
                if let Some(&(library, symbol)) = fails {
                    failing.push((import.range, library, symbol));
                    continue;
                }
                (top.to_string(), false)
            };
            match statements
                .iter_mut()
                .find(|(range, ..)| *range == import.range)
            {
                Some((_, modules, any_activities)) => {
                    if !modules.contains(&reported) {
                        modules.push(reported);
                    }
                    *any_activities |= activities;
                }
                None => statements.push((import.range, vec![reported], activities)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::written_name;

    #[test]
    fn written_name_is_the_spelled_suffix() {
        assert_eq!(
            written_name(
                "from activities.models import Request",
                "recipes.hello.activities.models"
            ),
            "activities.models"
        );
        assert_eq!(
            written_name("import app.activities", "app.activities"),
            "app.activities"
        );
        assert_eq!(
            written_name("from .activities import charge", "app.activities"),
            "app.activities"
        );
        assert_eq!(
            written_name(
                "from activities import invoke_model",
                "recipes.clean.activities.invoke_model"
            ),
            "activities.invoke_model"
        );
        // `models` alone is spelled only as part of a longer name here.
        assert_eq!(
            written_name("from my_models import x", "pkg.models"),
            "pkg.models"
        );
    }
}
