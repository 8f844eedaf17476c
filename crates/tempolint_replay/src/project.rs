//! One replay end to end: find the project's Python files, load the module that defines the
//! workflow type, run the core model against the history, and turn the outcome into a verdict.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::core::{self, Lang, Outcome};
use crate::history::History;
use crate::interp::runtime::Definition;
use crate::interp::temporal::Handler;
use crate::interp::value::Value;
use crate::interp::{Interp, Loc, Unwind};
use crate::protocol::{Activation, Command, LangFailure, LangFailureKind};
use crate::{Location, ReplayResult, Verdict};

#[cfg(feature = "spike-seam")]
pub mod seam;

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

pub(crate) fn replay(history: &History, workflow_type: &str, paths: &[PathBuf]) -> ReplayResult {
    let interp = Interp::new();
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
    let definition = match find_workflow(&interp, workflow_type, paths) {
        Ok(definition) => definition,
        Err((verdict, message, loc)) => {
            result.verdict = verdict;
            result.message = message;
            result.location = location(&interp, loc);
            return result;
        }
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
    result
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

type SetupError = (Verdict, String, Option<Loc>);

/// Registers the project's files, loads the candidates and returns the workflow definition.
fn find_workflow(
    interp: &Rc<Interp>,
    workflow_type: &str,
    paths: &[PathBuf],
) -> Result<Definition, SetupError> {
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
            if let Some(grandparent) = grandparent.filter(|dir| *dir != parent) {
                register_tree(interp, grandparent, grandparent, &mut Vec::new());
            }
            if let Some(module) = module_name(path, parent) {
                // Messages name the file as it was given on the command line.
                interp
                    .project_files
                    .borrow_mut()
                    .insert(module.clone(), path.clone());
                candidates.push((module, path.clone()));
            }
        } else {
            return Err((
                Verdict::Error,
                format!("{}: no such file or directory", path.display()),
                None,
            ));
        }
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
    for (score, module, _path) in &scored {
        saw_type_name |= *score == 0;
        interp.wf.borrow_mut().workflow_module = Some(module.clone());
        match interp.load_module(module) {
            Ok(loaded) => {
                if let Some(definition) = definition_in(interp, &loaded, workflow_type)? {
                    return Ok(definition);
                }
            }
            Err(Unwind::Stop(stop)) => {
                let verdict = if stop.kind == crate::interp::StopKind::Restricted {
                    Verdict::Error
                } else {
                    Verdict::Inconclusive
                };
                if *score == 0 {
                    return Err((
                        verdict,
                        format!("importing the workflow module fails: {}", stop.message),
                        stop.loc,
                    ));
                }
            }
            Err(Unwind::Exception(error)) => {
                if *score == 0 {
                    let message = interp.exception_str(&error).unwrap_or_default();
                    return Err((
                        Verdict::Error,
                        format!("importing the workflow module raises: {message}"),
                        interp.raised_at(&error),
                    ));
                }
            }
        }
    }
    if saw_type_name {
        return Err((
            Verdict::Inconclusive,
            format!(
                "cannot find how workflow type `{workflow_type}` is registered (its name appears in the sources)"
            ),
            None,
        ));
    }
    Err((
        Verdict::Error,
        format!(
            "Workflow class {workflow_type} is not registered on this worker (no `@workflow.defn` class of that type under the given paths)"
        ),
        None,
    ))
}

fn definition_in(
    interp: &Rc<Interp>,
    module: &crate::interp::ModuleRef,
    workflow_type: &str,
) -> Result<Option<Definition>, SetupError> {
    let mut dynamic = None;
    for (_, value) in module.dict.borrow().items() {
        let Value::Class(class) = value else {
            continue;
        };
        let Some(defn) = class.workflow.borrow().clone() else {
            continue;
        };
        match defn.name.as_deref() {
            Some(name) if name == workflow_type => {
                return build_definition(interp, &class).map(Some);
            }
            None => dynamic = Some(class.clone()),
            _ => {}
        }
    }
    match dynamic {
        Some(class) => build_definition(interp, &class).map(Some),
        None => Ok(None),
    }
}

fn build_definition(
    interp: &Rc<Interp>,
    class: &Rc<crate::interp::value::Class>,
) -> Result<Definition, SetupError> {
    let mut run = None;
    let mut init_takes_args = false;
    let mut signals = Vec::new();
    let mut updates = Vec::new();
    for base in class.mro.borrow().iter() {
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
    wf.signals = signals;
    wf.updates = updates;
    Ok(Definition {
        class: class.clone(),
        run,
        init_takes_args,
    })
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

fn module_name(path: &Path, root: &Path) -> Option<String> {
    tempolint_python::module_name_for(path, &[root])
}
