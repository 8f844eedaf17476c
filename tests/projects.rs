//! Rules whose findings depend on more than one file (a worker in one module decides what a
//! workflow module may import), end to end through the real binary.
//!
//! Each `fixtures/projects/<name>/` is checked from inside it (`tempolint check PATH`), with the
//! codes its test selects. As in `fixtures/rules`, in the files under PATH a line ending in
//! `# <CODE>` must have a finding of that code, `# OK` none, and an unmarked line none. The text
//! output is snapshotted.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

use common::{repo_root, tempolint};

fn project(name: &str) -> PathBuf {
    repo_root().join("fixtures/projects").join(name)
}

fn python_files(directory: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(directory)
        .expect("read the fixture project")
        .map(|entry| entry.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            python_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "py") {
            files.push(path);
        }
    }
}

/// `OK` or a rule code (`DET302`) after a line's last `#`.
fn marker(line: &str) -> Option<&str> {
    let last = line.rsplit_once('#')?.1.trim();
    let is_code = last.len() == 6
        && last[..3].bytes().all(|byte| byte.is_ascii_uppercase())
        && last[3..].bytes().all(|byte| byte.is_ascii_digit());
    (last == "OK" || is_code).then_some(last)
}

fn check_project(name: &str, path: &str, select: &str) {
    let root = project(name);
    let output = tempolint(
        &root,
        &["check", path, "--select", select, "--output-format", "json"],
    );
    assert!(
        matches!(output.status.code(), Some(0 | 1)) && output.stderr.is_empty(),
        "tempolint check failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let found: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON findings");
    let mut files = Vec::new();
    python_files(&root.join(path), &mut files);
    let mut problems = String::new();
    let mut expected = 0;
    for file in &files {
        let relative = file
            .strip_prefix(&root)
            .expect("under the project")
            .components()
            .filter(|component| !matches!(component, std::path::Component::CurDir))
            .collect::<PathBuf>();
        let source = std::fs::read_to_string(file).expect("read the fixture");
        for (index, line) in source.lines().enumerate() {
            let here: Vec<&Value> = found
                .iter()
                .filter(|finding| {
                    Path::new(finding["filename"].as_str().unwrap_or_default()) == relative
                        && finding["location"]["row"].as_u64() == Some(index as u64 + 1)
                })
                .collect();
            let codes: Vec<&str> = here
                .iter()
                .filter_map(|finding| finding["code"].as_str())
                .collect();
            let problem = match marker(line) {
                Some("OK") | None if !codes.is_empty() => Some(format!("unexpected {codes:?}")),
                Some(code) if code != "OK" => {
                    expected += 1;
                    (!codes.contains(&code)).then(|| format!("marked {code}, none found"))
                }
                _ => None,
            };
            if let Some(problem) = problem {
                let _ = writeln!(
                    problems,
                    "{name}/{}:{}: {problem}\n    | {}",
                    relative.display(),
                    index + 1,
                    line.trim()
                );
            }
        }
    }
    assert!(expected > 0, "{name} has no marked finding");
    assert!(problems.is_empty(), "{problems}");

    let text = tempolint(
        &root,
        &["check", path, "--select", select, "--output-format", "text"],
    );
    let snapshot = if path == "." {
        name.to_string()
    } else {
        format!("{name}-{path}")
    };
    insta::with_settings!({
        description => format!("tempolint check {path} --select {select} (in fixtures/projects/{name})"),
        omit_expression => true,
    }, {
        insta::assert_snapshot!(snapshot, String::from_utf8_lossy(&text.stdout));
    });
}

/// DET302 reads the workers, runners and plugins of the whole project.
#[test]
fn det302_sandbox() {
    check_project("det302_sandbox", ".", "DET302");
}

/// What DET302 cannot read passes everything: a client plugin of unknown make, a worker whose
/// `workflows=` is found at run time (for workflows on no worker in sight); a conditional
/// expression in the list registers both classes.
#[test]
fn det302_open_workers() {
    check_project("det302_open_workers", ".", "DET302");
}

/// DET301 reads the same workers: a module every sandbox of its importers' workflows passes
/// through was imported by the worker itself, outside the sandbox.
#[test]
fn det301_worker_passthrough() {
    check_project("det301_passthrough", ".", "DET301,DET109");
}

/// `check tests` knows the project beside it: `mypkg` is first-party, its activity module is
/// one, and a workflow is followed into its helpers there.
#[test]
fn first_party_is_the_project_not_the_command_line() {
    check_project("sdk_fork", "tests", "DET");
}

/// A project holding its own `temporalio/` package keeps the built-in model of the SDK: its
/// workflows are found (`temporalio.workflow.defn` is not the copy's private definition).
#[test]
fn own_temporalio_package_keeps_the_sdk_model() {
    check_project("sdk_fork", ".", "DET");
}

/// Imports of a namespace package beside the importer (a folder without `__init__.py`) land in
/// the project: not third-party, and an activity module when it defines activities.
#[test]
fn namespace_packages_are_project_code() {
    check_project("namespace_packages", ".", "DET302");
}

/// A Django tree checked from above its `backend/` folder, which holds the project package
/// `backend/backend/`: relative imports land where they point, and an absolute import that
/// names a whole module (`backend.temporal.helpers`) is not read as `backend.backend.…`.
#[test]
fn django_project_package_does_not_capture_imports() {
    check_project("django_layout", ".", "BLK102");
}

/// `src/` without an `__init__.py`, every import spelling `src.…`: DET302 names a module as
/// the statement does (`src.reports`, which a passthrough list must name), and a worker's
/// passthrough of `src.activities` covers the module the check calls `activities`.
#[test]
fn det302_names_namespace_src_modules_as_imported() {
    check_project("det302_namespace_src", ".", "DET302");
}

/// A src layout checked from the project root (default `src = [".", "src"]`): modules are
/// named as the code imports them (`pkg.acts`, so the worker's `with_passthrough_modules("pkg")`
/// covers them), and imports inside functions, relative or not, resolve: the activity that
/// heartbeats through a locally imported helper is not told it never heartbeats.
#[test]
fn src_layout_names_modules_as_they_are_imported() {
    check_project("src_layout", ".", "BLK103,TMO102,DET301");
}

/// `src/` without an `__init__.py` beside the root `.`: `from src.shared import …` is the
/// module named `shared`, as Python finds it when the project folder is on `sys.path`.
#[test]
fn namespace_src_is_imported_by_its_longer_name() {
    check_project("namespace_src", ".", "DET101,DET302");
}

/// The same tree checked from the folder above it: module names carry the folders above
/// (`src_layout.src.pkg.config`), and the worker's passthrough of `pkg` still covers them, as
/// it does in the worker's process.
#[test]
fn src_layout_checked_from_above() {
    let output = tempolint(
        &repo_root().join("fixtures/projects"),
        &[
            "check",
            "src_layout",
            "--select",
            "BLK103,TMO102,DET301",
            "--output-format",
            "json",
        ],
    );
    let found: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON findings");
    let codes: Vec<(&str, &str, u64)> = found
        .iter()
        .map(|finding| {
            (
                finding["code"].as_str().unwrap_or_default(),
                finding["filename"].as_str().unwrap_or_default(),
                finding["location"]["row"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("BLK103", "src_layout/src/pkg/acts.py", 19),
            ("BLK103", "src_layout/src/pkg/acts.py", 26)
        ],
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The benchmark's generated monorepo (`scripts/generate_monorepo.py`): every rule it plants a
/// finding of is reported, and nothing else. Its helpers do not mention `temporalio`, so this
/// also holds the loader to keeping the trees of what workflows import (50-deep chains, import
/// cycles) while it parses each file once.
#[test]
#[allow(clippy::print_stderr, reason = "a skipped test must say so loudly")]
fn generated_monorepo_reports_what_it_plants() {
    let out = std::env::temp_dir().join(format!("tempolint-monorepo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let generated = std::process::Command::new("python3")
        .arg(repo_root().join("scripts/generate_monorepo.py"))
        .arg(&out)
        .args(["--modules", "400", "--seed", "3", "--expect"])
        .output();
    let Ok(generated) = generated else {
        eprintln!("SKIPPED: generated monorepo: no python3 on PATH");
        return;
    };
    assert!(generated.status.success(), "{generated:?}");
    // `CODE COUNT` per planted rule; the DET1xx sites sit in helpers, reported at each
    // workflow call that reaches them, so only their presence is compared.
    let planted: std::collections::BTreeMap<String, usize> =
        String::from_utf8_lossy(&generated.stdout)
            .lines()
            .filter_map(|line| {
                let (code, count) = line.split_once(' ')?;
                Some((code.to_string(), count.parse().ok()?))
            })
            .collect();
    let output = tempolint(&out, &["check", ".", "--output-format", "json"]);
    let _ = std::fs::remove_dir_all(&out);
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let found: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON findings");
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for finding in &found {
        *counts
            .entry(finding["code"].as_str().expect("code").to_string())
            .or_default() += 1;
    }
    assert!(planted.len() >= 5, "planted: {planted:?}");
    assert_eq!(
        counts.keys().collect::<Vec<_>>(),
        planted.keys().collect::<Vec<_>>()
    );
    for code in ["BLK101", "BLK103", "DET302", "TMO101"] {
        assert_eq!(counts.get(code), planted.get(code), "{code}");
    }
}

/// Python 3 imports are absolute: `import logging` and `import time` inside a package that
/// holds its own `logging.py` and `time.py` are the standard library's, so the workflow's
/// logger and clock calls are found through the project's wrappers.
#[test]
fn stdlib_names_are_not_sibling_modules() {
    check_project("stdlib_named_modules", ".", "DET401,DET101");
}

/// A worker whose `workflows=` names the field of a project object (`case.workflow_class`,
/// typed `type`) may register any workflow: on an unsandboxed worker, nothing is re-imported.
#[test]
fn det302_workflow_class_from_a_field() {
    check_project("det302_case_field", ".", "DET302");
}

/// Imports under `if TYPE_CHECKING:` never run: they bind names for types, but the sandbox
/// does not import them (no DET302) and their modules' top level does not run in it (DET301).
#[test]
fn type_checking_imports_do_not_run() {
    check_project("type_checking_imports", ".", "DET301,DET302");
}

/// Workflows and activities marked through a project's own wrappers of the SDK decorators
/// (`workflow_defn = cast(T, workflow.defn(cls))`) are workflows and activities, also in a
/// module that never names `temporalio` itself; a wrapped `@workflow.run` is a run method.
#[test]
fn wrapped_sdk_decorators() {
    check_project("wrapped_decorators", ".", "DET101,BLK103,API106");
}

/// A plugin passes through its own packages (the OpenAI Agents plugin: `agents`), never the
/// project's: in a repository holding its examples under `agents/`, an activity module there
/// imported by a workflow is still reported.
#[test]
fn plugin_packages_are_not_project_folders() {
    check_project("plugin_named_folder", ".", "DET302");
}

/// Module-level state of another project module is module-level state too: mutated through
/// `from app.state import SEEN` or `state.COUNTS[…]` from workflow code.
#[test]
fn imported_module_state() {
    check_project("shared_state", ".", "DET204");
}

/// Two services under one checked folder, each with an `app` package: one service's
/// `app.core.audit` is not the other's.
#[test]
fn same_named_packages() {
    check_project("same_named_packages", ".", "BLK102,BLK103,BLK105");
}

/// Timeouts held in another module's constants, imported by name, through a package's star
/// re-export or read as `config.NAME`, are numbers too.
#[test]
fn imported_timeout_constants() {
    check_project("imported_constants", ".", "API102");
}

/// A registering decorator the project applies names activities at run time: API105 says
/// nothing then (an unused one registers nothing: see `fixtures/rules/API105.py`).
#[test]
fn applied_registering_decorator() {
    check_project("registering_decorators", ".", "API102,API105");
}

/// A service folder that is no package (`backend/`), run from inside: the worker's
/// passthrough names its modules without the folder, and still covers them.
#[test]
fn det302_passthrough_named_from_a_service_folder() {
    check_project("det302_service_folder", ".", "DET302");
}

#[test]
fn det302_follows_the_sandbox_import_order() {
    check_project("det302_import_order", ".", "DET302,DET301");
}

/// `src/` is a source root, but the worker imports the workflows as `src.shop.workflows`: a
/// relative import of the activities there is `src.shop.activities` to the process, and the
/// passthrough the finding advises names that.
#[test]
fn det302_names_what_the_process_imports() {
    check_project("det302_src_by_alias", ".", "DET302");
}

/// loguru's import reads the clock (DET301), unless some module passes it through: the
/// sandbox may then reuse that module, and only DET302's advice is sure.
#[test]
fn det301_loguru_passed_through_elsewhere() {
    check_project("det301_loguru", ".", "DET301,DET302");
}

/// `config.py` beside a package `config/`: Python imports the package, so the module's
/// import-time `mkdir` never runs in the sandbox (laozhong86/temporal-video-image-workflow).
#[test]
fn package_shadows_a_same_named_module() {
    check_project("package_beside_module", ".", "DET301,DET101");
}

/// A package re-exporting activities, above one workflow module a worker registers and one no
/// worker in sight does (another worker's `workflows=` is computed): the finding names the
/// registered one (IAmSoThirsty/Project-AI named a module no worker runs).
#[test]
fn det302_package_names_a_registered_workflow_module() {
    check_project("det302_package_names_registered", ".", "DET302");
}

/// A nested function handed to a constructor that only stores it runs when a later method
/// calls the attribute, not where the object is built (MoonLadderStudios/MoonMind's
/// `Realizer(session_driver=session_driver)`); one whose `__init__` calls it runs there.
#[test]
fn nested_functions_stored_by_constructors() {
    check_project("stored_callables", ".", "BLK104");
}

/// `try: from pkg.voice_dev import voice` / `except ImportError: from pkg.voice import voice`:
/// the name is the `try`'s import whenever that exists (KesetebirhanDelele/Cory_dev was told a
/// one-argument call of the dev activity does not match the fallback's two parameters).
#[test]
fn try_import_takes_precedence_over_its_fallback() {
    check_project("try_import_fallback", ".", "API104");
}

/// A module inside a namespace top package (no `__init__.py`) that imports that package by its
/// full name is imported from above it: its `from agents import Agent` is the third-party
/// package, not the `agents` folder beside it (canonical/ein-agent's module-level
/// `Path(__file__).resolve()` in that folder was reported as imported by the sandbox).
#[test]
fn namespace_top_package_imports_no_sibling_folder() {
    check_project("namespace_top_third_party", ".", "DET301,DET302");
}

/// The same tree inside a service folder whose modules carry the folder's name in front
/// (`worker-app.worker_pkg.…`, because `cli-app/` beside it also has a `tests` package): the
/// module still imports its top package by its own name, so it is still imported from above
/// (canonical/ein-agent checked from the repository's root reported the `Path.resolve()`).
#[test]
fn tagged_namespace_top_package_imports_no_sibling_folder() {
    check_project("namespace_top_tagged", ".", "DET301,DET302");
}
