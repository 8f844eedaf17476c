//! One replay end to end: find the project's Python files, load the module that defines the
//! workflow type, run the core model against the history, and turn the outcome into a verdict.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::core::{self, Lang, Outcome};
use crate::history::History;
use crate::interp::runtime::Definition;
use crate::interp::value::{Class, Value};
use crate::interp::workflow_instance::Handler;
use crate::interp::{Interp, Loc, Teardown, Unwind};
use crate::protocol::{Activation, Command, LangFailure, LangFailureKind};
use crate::{Location, ReplayError, ReplayOptions, ReplayResult, Verdict};

const MAX_FILES: usize = 5_000;

struct Runtime {
    interp: Rc<Interp>,
    definition: Definition,
}

impl Lang for Runtime {
    fn activate(&mut self, activation: Activation) -> Result<Vec<Command>, LangFailure> {
        self.interp.activate(&self.definition, &activation)
    }
}

pub(crate) fn replay(
    history: &History,
    workflow_type: &str,
    paths: &[PathBuf],
    options: &ReplayOptions,
) -> Result<ReplayResult, ReplayError> {
    let interp = Interp::new();
    let _teardown = Teardown(Rc::clone(&interp));
    interp
        .source_roots
        .borrow_mut()
        .clone_from(&options.source_roots);
    let mut result = ReplayResult {
        history: String::new(),
        workflow_type: workflow_type.to_string(),
        verdict: Verdict::Ok,
        event_id: None,
        message: String::new(),
        location: None,
        recorded: None,
        code_now: None,
        findings: Vec::new(),
    };
    let definition = match find_workflow(&interp, workflow_type, paths, &options.workflows) {
        Ok(definition) => definition,
        Err(Setup::Failed((verdict, message, loc))) => {
            result.verdict = verdict;
            result.message = message;
            result.location = location(&interp, loc);
            return Ok(result);
        }
        Err(Setup::Usage(message)) => return Err(ReplayError::Usage(message)),
    };
    let mut runtime = Runtime {
        interp: interp.clone(),
        definition,
    };
    match core::replay(history, &mut runtime) {
        Outcome::Ok => {
            result.message = format!(
                "replays the {} recorded events without divergence",
                history.events.len()
            );
        }
        Outcome::Nondeterministic(divergence) => {
            result.verdict = Verdict::Nondeterministic;
            result.event_id = divergence.event_id;
            result.message = format!("[TMPRL1100] Nondeterminism error: {}", divergence.message);
            result.recorded = divergence.recorded;
            if let Some((description, loc)) = divergence.code {
                result.code_now = Some(description);
                result.location = location(&interp, loc);
            } else {
                let (description, loc) = interp.where_the_workflow_is();
                result.code_now = Some(description);
                result.location = location(&interp, loc);
            }
        }
        Outcome::Lang(failure) => {
            result.verdict = match failure.kind {
                LangFailureKind::Inconclusive => Verdict::Inconclusive,
                LangFailureKind::TaskFailure => Verdict::Error,
            };
            result.message = failure.message;
            result.location = location(&interp, failure.loc);
        }
    }
    Ok(result)
}

fn location(interp: &Interp, loc: Option<Loc>) -> Option<Location> {
    let loc = loc?;
    if loc.source as usize >= interp.sources.borrow().len() {
        return None;
    }
    let source = interp.source(loc.source);
    let start = source.parsed.position(loc.start.into());
    let end = source.parsed.position(loc.end.into());
    Some(Location {
        filename: source.path.clone(),
        row: start.row,
        column: start.column,
        end_column: if end.row == start.row {
            end.column
        } else {
            source.parsed.line_text(start.row).chars().count() + 1
        },
        line: source.parsed.line_text(start.row).to_string(),
    })
}

pub(crate) type SetupError = (Verdict, String, Option<Loc>);

/// Why no workflow definition replays the history.
pub(crate) enum Setup {
    /// A verdict about the code (`error`: not registered; `inconclusive`: cannot load it).
    Failed(SetupError),
    /// The command line does not say what to replay (exit 2).
    Usage(String),
}

impl From<SetupError> for Setup {
    fn from(error: SetupError) -> Self {
        Setup::Failed(error)
    }
}

/// Registers the project's files, loads the candidates and returns the workflow definition.
fn find_workflow(
    interp: &Rc<Interp>,
    workflow_type: &str,
    paths: &[PathBuf],
    workflows: &[String],
) -> Result<Definition, Setup> {
    let candidates = register_paths(interp, paths)?;
    if !workflows.is_empty() {
        let registered = crate::registered::registered_classes(interp, workflows, &candidates)?;
        return crate::registered::registered_definition(interp, &registered, workflow_type);
    }
    // Files that mention the type name first: the workflow is most likely defined there.
    let mut scored: Vec<(u8, String, PathBuf)> = candidates
        .into_iter()
        .filter_map(|(module, path)| {
            let text = std::fs::read_to_string(&path).ok()?;
            if !text.contains("defn") {
                return None;
            }
            let names_type = [
                format!("class {workflow_type}("),
                format!("class {workflow_type}:"),
                format!("\"{workflow_type}\""),
                format!("'{workflow_type}'"),
            ]
            .iter()
            .any(|needle| text.contains(needle.as_str()));
            let score = u8::from(!names_type);
            Some((score, module, path))
        })
        .collect();
    scored.sort();
    let mut saw_type_name = false;
    let mut found: Vec<Rc<Class>> = Vec::new();
    let mut dynamic = None;
    for (score, module, _path) in &scored {
        if !found.is_empty() && *score != 0 {
            break;
        }
        saw_type_name |= *score == 0;
        if found.is_empty() {
            interp.wf.borrow_mut().workflow_module = Some(module.clone());
        }
        match interp.load_module(module) {
            Ok(loaded) => collect_workflows(&loaded, workflow_type, &mut found, &mut dynamic),
            // Files loaded only to look for a second class of the type may fail on their own.
            Err(unwind) if *score == 0 && found.is_empty() => {
                return Err(import_failure(interp, unwind).into());
            }
            Err(_) => {}
        }
        if found.is_empty() && dynamic.is_some() {
            break;
        }
    }
    match found.as_slice() {
        [class] => return Ok(build_definition(interp, class)?),
        [] => {}
        several => {
            return Err(Setup::Usage(format!(
                "several classes have workflow type `{workflow_type}`; say which one the worker registers with `--workflow`: {}",
                class_list(interp, several)
            )));
        }
    }
    if let Some(class) = dynamic {
        return Ok(build_definition(interp, &class)?);
    }
    if saw_type_name {
        return Err(Setup::Failed((
            Verdict::Inconclusive,
            format!(
                "cannot find how workflow type `{workflow_type}` is registered (its name appears in the sources)"
            ),
            None,
        )));
    }
    Err(Setup::Failed((
        Verdict::Error,
        format!(
            "Workflow class {workflow_type} is not registered on this worker (no `@workflow.defn` class of that type under the given paths)"
        ),
        None,
    )))
}

/// The workflow types a worker over `paths` would register: the `--workflow` classes, else
/// every `@workflow.defn` class with a name in the given files (dynamic workflows have none).
/// A module that cannot be loaded adds no type; replaying its histories says why.
pub(crate) fn workflow_types(
    paths: &[PathBuf],
    options: &ReplayOptions,
) -> Result<Vec<String>, ReplayError> {
    let new_interp = || {
        let interp = Interp::new();
        interp
            .source_roots
            .borrow_mut()
            .clone_from(&options.source_roots);
        interp
    };
    let interp = new_interp();
    let usage = |setup: Setup| match setup {
        Setup::Usage(message) | Setup::Failed((_, message, _)) => ReplayError::Usage(message),
    };
    let candidates = register_paths(&interp, paths).map_err(usage)?;
    let mut classes = Vec::new();
    if options.workflows.is_empty() {
        for (module, path) in &candidates {
            if !std::fs::read_to_string(path).is_ok_and(|text| text.contains("defn")) {
                continue;
            }
            // A fresh runtime per module, as a replay loads it.
            let interp = new_interp();
            register_paths(&interp, paths).map_err(usage)?;
            interp.wf.borrow_mut().workflow_module = Some(module.clone());
            if let Ok(loaded) = interp.load_module(module) {
                for (_, value) in loaded.dict.borrow().items() {
                    if let Value::Class(class) = value {
                        classes.push(class.clone());
                    }
                }
            }
        }
    } else {
        classes = crate::registered::registered_classes(&interp, &options.workflows, &candidates)
            .map_err(usage)?;
    }
    let mut types: Vec<String> = Vec::new();
    for class in classes {
        let name = class
            .workflow
            .borrow()
            .as_ref()
            .and_then(|defn| defn.name.clone());
        if let Some(name) = name
            && !types.iter().any(|known| **known == *name)
        {
            types.push(name.to_string());
        }
    }
    Ok(types)
}

/// Registers the files under `paths` with the runtime; returns the given files' modules (the
/// candidates that may define the workflow).
fn register_paths(interp: &Interp, paths: &[PathBuf]) -> Result<Vec<(String, PathBuf)>, Setup> {
    let mut candidates = Vec::new();
    for path in paths {
        if path.is_dir() {
            register_tree(interp, path, path, &mut candidates);
        } else if path.is_file() {
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            register_tree(interp, parent, parent, &mut Vec::new());
            let grandparent = match parent.parent() {
                Some(dir) if dir.as_os_str().is_empty() => Some(Path::new(".")),
                other => other,
            };
            if let Some(grandparent) =
                grandparent.filter(|dir| *dir != parent && holds_project(parent, dir))
            {
                register_tree(interp, grandparent, grandparent, &mut Vec::new());
            }
            // The name Python imports it by from the source roots (so that the package's other
            // modules importing it get the same module), else by its folder.
            let module = root_module_name(interp, path).or_else(|| module_name(path, parent));
            if let Some(module) = module {
                // Messages name the file as it was given on the command line.
                interp
                    .project_files
                    .borrow_mut()
                    .insert(module.clone(), path.clone());
                candidates.push((module, path.clone()));
            }
        } else {
            return Err(Setup::Usage(format!(
                "{}: no such file or directory",
                path.display()
            )));
        }
    }
    Ok(candidates)
}

/// The verdict when importing a workflow module fails: a sandbox restriction at import time is
/// the worker's error; anything the runtime cannot follow is inconclusive.
pub(crate) fn import_failure(interp: &Interp, unwind: Unwind) -> SetupError {
    match unwind {
        Unwind::Stop(stop) => {
            let verdict = if stop.kind == crate::interp::StopKind::Restricted {
                Verdict::Error
            } else {
                Verdict::Inconclusive
            };
            (
                verdict,
                format!("importing the workflow module fails: {}", stop.message),
                stop.loc,
            )
        }
        Unwind::Exception(error) => {
            let message = interp.exception_str(&error).unwrap_or_default();
            (
                Verdict::Error,
                format!("importing the workflow module raises: {message}"),
                interp.raised_at(&error),
            )
        }
    }
}

/// Adds the module's `@workflow.defn` classes of `workflow_type` to `found` (once each: a class
/// imported into several modules is one class) and remembers a dynamic one.
fn collect_workflows(
    module: &crate::interp::ModuleRef,
    workflow_type: &str,
    found: &mut Vec<Rc<Class>>,
    dynamic: &mut Option<Rc<Class>>,
) {
    for (_, value) in module.dict.borrow().items() {
        let Value::Class(class) = value else {
            continue;
        };
        let Some(defn) = class.workflow.borrow().clone() else {
            continue;
        };
        match defn.name.as_deref() {
            Some(name)
                if name == workflow_type
                    && !found.iter().any(|known| Rc::ptr_eq(known, &class)) =>
            {
                found.push(class.clone());
            }
            None if dynamic.is_none() => *dynamic = Some(class.clone()),
            _ => {}
        }
    }
}

/// `Name (file:line), …` for messages.
pub(crate) fn class_list(interp: &Interp, classes: &[Rc<Class>]) -> String {
    classes
        .iter()
        .map(|class| match location(interp, class.defined_at) {
            Some(at) => format!("{} ({}:{})", class.name, at.filename, at.row),
            None => format!("{} (module {})", class.name, class.module),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn build_definition(
    interp: &Rc<Interp>,
    class: &Rc<Class>,
) -> Result<Definition, SetupError> {
    let mut run = None;
    let mut init_takes_args = false;
    let mut signals = Vec::new();
    let mut updates = Vec::new();
    for base in &class.mro() {
        for (name, value) in base.attrs.borrow().items() {
            let Value::Function(function) = &value else {
                continue;
            };
            let meta = function.meta.borrow();
            if meta.is_run && run.is_none() {
                run = Some(function.clone());
            }
            if meta.is_init && matches!(&name, Value::Str(n) if n.as_ref() == "__init__") {
                init_takes_args = true;
            }
            if let Some(signal) = &meta.signal
                && !signals
                    .iter()
                    .any(|(key, _): &(Option<Rc<str>>, Handler)| *key == signal.0)
            {
                signals.push((
                    signal.0.clone(),
                    Handler {
                        function: value.clone(),
                        is_method: true,
                    },
                ));
            }
            if let Some(update) = &meta.update
                && !updates
                    .iter()
                    .any(|(key, _): &(Option<Rc<str>>, Handler)| *key == update.0)
            {
                updates.push((
                    update.0.clone(),
                    Handler {
                        function: value.clone(),
                        is_method: true,
                    },
                ));
            }
        }
    }
    let Some(run) = run else {
        return Err((
            Verdict::Error,
            format!("workflow class {} has no @workflow.run method", class.name),
            class.defined_at,
        ));
    };
    let mut wf = interp.wf.borrow_mut();
    wf.failure_exception_types = class
        .workflow
        .borrow()
        .as_ref()
        .map(|defn| defn.failure_exception_types.clone())
        .unwrap_or_default();
    wf.signals = signals;
    wf.updates = updates;
    Ok(Definition {
        class: class.clone(),
        run,
        init_takes_args,
    })
}

/// Whether the folder above a given file's folder belongs to the same project: the file's folder
/// is a package of it, or it holds a project file. A file in `/tmp` or a home folder does not
/// make every project beside it importable.
fn holds_project(parent: &Path, grandparent: &Path) -> bool {
    parent.join("__init__.py").is_file()
        || [
            "pyproject.toml",
            "setup.py",
            "setup.cfg",
            "tempolint.toml",
            "requirements.txt",
            ".git",
        ]
        .iter()
        .any(|marker| grandparent.join(marker).exists())
}

/// Registers `.py` files under `dir` with module names relative to `root`.
fn register_tree(
    interp: &Interp,
    root: &Path,
    dir: &Path,
    candidates: &mut Vec<(String, PathBuf)>,
) {
    let mut stack = vec![(dir.to_path_buf(), 0)];
    let mut seen = 0;
    while let Some((current, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.starts_with('.')
                || matches!(
                    name,
                    "__pycache__" | "node_modules" | "venv" | "site-packages" | "target"
                )
            {
                continue;
            }
            if path.is_dir() {
                if depth < 6 {
                    stack.push((path, depth + 1));
                }
            } else if path.extension().is_some_and(|extension| extension == "py") {
                seen += 1;
                if seen > MAX_FILES {
                    return;
                }
                if let Some(module) = module_name(&path, root) {
                    interp
                        .project_files
                        .borrow_mut()
                        .entry(module.clone())
                        .or_insert_with(|| path.clone());
                    candidates.push((module, path));
                }
            }
        }
    }
}

/// The dotted name of `path` under the first source root that holds it, when every folder on
/// the way is a package name.
pub(crate) fn root_module_name(interp: &Interp, path: &Path) -> Option<String> {
    let absolute = std::path::absolute(path).ok()?;
    let roots = interp.source_roots.borrow();
    let roots: Vec<&Path> = roots.iter().map(PathBuf::as_path).collect();
    tempolint_python::module_name_for(&absolute, &roots)
}

pub(crate) fn module_name(path: &Path, root: &Path) -> Option<String> {
    tempolint_python::module_name_for(path, &[root])
}
