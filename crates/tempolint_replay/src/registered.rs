//! `--workflow CLASS`: the classes a worker registers (`Replayer(workflows=[…])`), found by
//! `Name`, `path/file.py::Name` or `package.module.Name`, and the one that replays a history's
//! workflow type, as the SDK's worker picks it.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::Verdict;
use crate::interp::Interp;
use crate::interp::runtime::Definition;
use crate::interp::value::{Class, Value};
use crate::project::{
    Setup, build_definition, class_list, import_failure, module_name, root_module_name,
};

/// The classes named by `--workflow` (what `Replayer(workflows=[…])` registers), loaded.
pub(crate) fn registered_classes(
    interp: &Rc<Interp>,
    specs: &[String],
    candidates: &[(String, PathBuf)],
) -> Result<Vec<Rc<Class>>, Setup> {
    let mut classes = Vec::new();
    for spec in specs {
        let (modules, name) = if let Some((file, name)) = spec.split_once("::") {
            (
                vec![module_of_file(interp, Path::new(file), candidates)?],
                name,
            )
        } else if let Some((module, name)) = spec.rsplit_once('.') {
            (vec![module.to_string()], name)
        } else {
            // A bare class name: the given files that define a class of that name.
            let needles = [format!("class {spec}("), format!("class {spec}:")];
            let modules = candidates
                .iter()
                .filter(|(_, path)| {
                    std::fs::read_to_string(path)
                        .is_ok_and(|text| needles.iter().any(|n| text.contains(n.as_str())))
                })
                .map(|(module, _)| module.clone())
                .collect();
            (modules, spec.as_str())
        };
        let mut matching = Vec::new();
        for module in &modules {
            if interp.wf.borrow().workflow_module.is_none() {
                interp.wf.borrow_mut().workflow_module = Some(module.clone());
            }
            let loaded = interp
                .load_module(module)
                .map_err(|unwind| Setup::Failed(import_failure(interp, unwind)))?;
            if loaded.source.is_none() && loaded.get("__path__").is_none() {
                return Err(Setup::Usage(format!(
                    "--workflow {spec}: module `{module}` is not among the given paths or under a source root"
                )));
            }
            if let Some(Value::Class(class)) = loaded.get(name)
                && class.workflow.borrow().is_some()
                && !matching.iter().any(|known| Rc::ptr_eq(known, &class))
            {
                matching.push(class);
            }
        }
        match matching.as_slice() {
            [class] => classes.push(class.clone()),
            [] => {
                return Err(Setup::Usage(format!(
                    "--workflow {spec}: no `@workflow.defn` class `{name}` found"
                )));
            }
            several => {
                return Err(Setup::Usage(format!(
                    "--workflow {spec}: several classes have that name; name the file (`path/file.py::{name}`): {}",
                    class_list(interp, several)
                )));
            }
        }
    }
    Ok(classes)
}

/// The module name of a file named in `--workflow file.py::Name`.
fn module_of_file(
    interp: &Interp,
    file: &Path,
    candidates: &[(String, PathBuf)],
) -> Result<String, Setup> {
    let same = |path: &Path| {
        path == file
            || (path.canonicalize().ok()).is_some_and(|p| file.canonicalize().ok() == Some(p))
    };
    if let Some((module, _)) = candidates.iter().find(|(_, path)| same(path)) {
        return Ok(module.clone());
    }
    if !file.is_file() {
        return Err(Setup::Usage(format!(
            "--workflow {}: no such file",
            file.display()
        )));
    }
    let parent = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let module = root_module_name(interp, file)
        .or_else(|| module_name(file, parent))
        .ok_or_else(|| {
            Setup::Usage(format!(
                "--workflow {}: not a Python module name",
                file.display()
            ))
        })?;
    interp
        .project_files
        .borrow_mut()
        .insert(module.clone(), file.to_path_buf());
    Ok(module)
}

/// The registered class whose workflow type is the history's, as the SDK's worker picks it:
/// by name, else the dynamic workflow, else "not registered".
pub(crate) fn registered_definition(
    interp: &Rc<Interp>,
    registered: &[Rc<Class>],
    workflow_type: &str,
) -> Result<Definition, Setup> {
    let type_of = |class: &Rc<Class>| {
        class
            .workflow
            .borrow()
            .as_ref()
            .and_then(|d| d.name.clone())
    };
    let of_type: Vec<Rc<Class>> = registered
        .iter()
        .filter(|class| type_of(class).as_deref() == Some(workflow_type))
        .cloned()
        .collect();
    match of_type.as_slice() {
        [class] => return Ok(build_definition(interp, class)?),
        [] => {}
        several => {
            return Err(Setup::Usage(format!(
                "More than one workflow named {workflow_type}: {}",
                class_list(interp, several)
            )));
        }
    }
    if let Some(class) = registered.iter().find(|class| type_of(class).is_none()) {
        return Ok(build_definition(interp, class)?);
    }
    let mut available: Vec<String> = registered
        .iter()
        .filter_map(|class| type_of(class).map(|name| name.to_string()))
        .collect();
    available.sort();
    available.dedup();
    let at = registered.first().and_then(|class| class.defined_at);
    Err(Setup::Failed((
        Verdict::Error,
        format!(
            "Workflow class {workflow_type} is not registered on this worker, available workflows: {}",
            available.join(", ")
        ),
        at,
    )))
}
