//! `.tempolint_cache/`: a warm run prints exactly what a cold one does, and a damaged, foreign
//! or concurrently written cache file never changes a result.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;

use common::tempolint;

/// A fresh copy of `fixtures/demo` in a temporary folder.
fn demo_project(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    copy_tree(&common::repo_root().join("fixtures/demo"), &dir);
    dir
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tempolint-cache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != ".tempolint_cache" {
                copy_tree(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The cache files (one per kind of run) under `dir`.
fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir.join(env!("CARGO_PKG_VERSION"))) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "bin"))
        .collect();
    files.sort();
    files
}

fn the_cache_file(dir: &Path) -> PathBuf {
    let files = cache_files(dir);
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// The file's identity: a rewrite (a temporary file renamed over it) changes it.
fn inode(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(path).unwrap())
}

/// Exit code and standard output: what the cache must never change.
fn result(output: &Output) -> (Option<i32>, String) {
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn check_json(dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["check", "--output-format", "json"];
    args.extend_from_slice(extra);
    let output = tempolint(dir, &args);
    assert!(
        output.status.code().is_some_and(|code| code < 2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    result(&output)
}

#[test]
fn a_warm_run_reads_the_cache_and_prints_the_same() {
    let dir = demo_project("warm");
    let cold = check_json(&dir, &[]);
    assert!(cold.1.contains("DET"), "the demo has findings: {}", cold.1);
    let cache = dir.join(".tempolint_cache");
    assert_eq!(
        std::fs::read_to_string(cache.join(".gitignore")).unwrap(),
        "# Automatically created by tempolint.\n*\n"
    );
    assert!(
        std::fs::read_to_string(cache.join("CACHEDIR.TAG"))
            .unwrap()
            .starts_with("Signature: 8a477f597d28d172789f06886806bc55\n")
    );
    let file = the_cache_file(&cache);
    let written = inode(&file);
    // A hit is not written again.
    assert_eq!(check_json(&dir, &[]), cold);
    assert_eq!(inode(&file), written);
    // Every output format prints from the cached findings what it prints from fresh ones.
    for format in [
        "text", "concise", "sarif", "junit", "gitlab", "pylint", "github",
    ] {
        let warm = tempolint(&dir, &["check", "--output-format", format]);
        let fresh = tempolint(&dir, &["check", "--no-cache", "--output-format", format]);
        assert_eq!(result(&warm), result(&fresh), "{format}");
    }
    // An edit is a miss: the findings follow it.
    let workflows = dir.join("orders/workflows.py");
    let text = std::fs::read_to_string(&workflows).unwrap();
    std::fs::write(
        &workflows,
        text.replace("random.choice(candidates)", "candidates[0]"),
    )
    .unwrap();
    let edited = check_json(&dir, &[]);
    assert_ne!(edited, cold);
    assert_eq!(edited, check_json(&dir, &["--no-cache"]));
}

#[test]
fn the_fixture_projects_give_the_same_findings_cold_warm_and_without_cache() {
    let fixtures = common::repo_root().join("fixtures");
    let cache = temp_dir("fixtures");
    let cache = cache.to_str().unwrap();
    let mut projects = vec![fixtures.join("demo"), fixtures.join("cli/project")];
    for entry in std::fs::read_dir(fixtures.join("projects")).unwrap() {
        projects.push(entry.unwrap().path());
    }
    for project in projects {
        let fresh = check_json(&project, &["--no-cache"]);
        for run in ["cold", "warm"] {
            let cached = check_json(&project, &["--cache-dir", cache]);
            assert_eq!(cached, fresh, "{}: {run}", project.display());
        }
    }
}

#[test]
fn only_the_most_recently_used_entries_are_kept() {
    let dir = demo_project("prune");
    let cache = dir.join(".tempolint_cache");
    check_json(&dir, &[]);
    let first = the_cache_file(&cache);
    // Twenty other kinds of run (other rule selections); the first one is used in between.
    let families = ["DET", "TMO", "BLK", "PAY", "API"];
    for round in 1..=20_usize {
        let select: Vec<&str> = (0..families.len())
            .filter(|bit| round & (1 << bit) != 0)
            .map(|bit| families[bit])
            .collect();
        check_json(&dir, &["--select", &select.join(",")]);
        std::thread::sleep(std::time::Duration::from_millis(10));
        if round == 10 {
            check_json(&dir, &[]);
        }
    }
    let files = cache_files(&cache);
    assert_eq!(files.len(), 16, "{files:?}");
    assert!(files.contains(&first), "the entry used in between is kept");
}

#[test]
fn no_cache_neither_reads_nor_writes() {
    let dir = demo_project("off");
    let off = check_json(&dir, &["--no-cache"]);
    assert!(!dir.join(".tempolint_cache").exists());
    assert_eq!(check_json(&dir, &[]), off);
    assert!(dir.join(".tempolint_cache").exists());
}

#[test]
fn the_cache_folder_comes_from_the_flag_the_environment_or_the_setting() {
    let dir = demo_project("where");
    let expected = check_json(&dir, &["--no-cache"]);
    assert_eq!(check_json(&dir, &["--cache-dir", "flag_cache"]), expected);
    assert_eq!(cache_files(&dir.join("flag_cache")).len(), 1);

    let output = Command::new(env!("CARGO_BIN_EXE_tempolint"))
        .args(["check", "--output-format", "json"])
        .env("TEMPOLINT_CACHE_DIR", dir.join("env_cache"))
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(result(&output), expected);
    assert_eq!(cache_files(&dir.join("env_cache")).len(), 1);

    let pyproject = dir.join("pyproject.toml");
    let config = std::fs::read_to_string(&pyproject).unwrap();
    std::fs::write(
        &pyproject,
        config.replace(
            "[tool.tempolint]\n",
            "[tool.tempolint]\ncache-dir = \"build/lint\"\n",
        ),
    )
    .unwrap();
    assert_eq!(check_json(&dir, &[]), expected);
    assert_eq!(cache_files(&dir.join("build/lint")).len(), 1);
    assert!(dir.join("build/lint/.gitignore").is_file());
    assert!(!dir.join(".tempolint_cache").exists());
}

#[test]
fn damaged_and_foreign_cache_files_are_ignored_and_rewritten() {
    let dir = demo_project("damaged");
    let expected = check_json(&dir, &[]);
    let file = the_cache_file(&dir.join(".tempolint_cache"));
    let good = std::fs::read(&file).unwrap();
    let mut foreign_tool = good.clone();
    foreign_tool[20] ^= 0xff; // the tool build
    let mut foreign_format = good.clone();
    foreign_format[16] ^= 0xff; // the format number
    let mut flipped_body = good.clone();
    *flipped_body.last_mut().unwrap() ^= 0x01;
    let damages: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("garbage", b"not a cache file at all".repeat(100)),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("header only", good[..72].to_vec()),
        ("foreign tool", foreign_tool),
        ("foreign format", foreign_format),
        ("flipped body", flipped_body),
        ("trailing bytes", [good.as_slice(), b"x"].concat()),
    ];
    for (name, bytes) in damages {
        std::fs::write(&file, &bytes).unwrap();
        assert_eq!(check_json(&dir, &[]), expected, "{name}");
        assert_eq!(std::fs::read(&file).unwrap(), good, "{name}: rewritten");
    }
    // A folder where the cache file should be: the check still works and says why.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let output = tempolint(&dir, &["check", "--output-format", "json"]);
    assert_eq!(result(&output), expected);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot write the cache"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn concurrent_runs_leave_a_valid_cache() {
    let dir = demo_project("concurrent");
    let expected = check_json(&dir, &["--no-cache"]);
    for round in 0..3 {
        let children: Vec<_> = (0..2)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_tempolint"))
                    .args(["check", "--output-format", "json"])
                    .current_dir(&dir)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            assert_eq!(
                result(&child.wait_with_output().unwrap()),
                expected,
                "{round}"
            );
        }
        let file = the_cache_file(&dir.join(".tempolint_cache"));
        let written = inode(&file);
        assert_eq!(check_json(&dir, &[]), expected, "{round}");
        assert_eq!(inode(&file), written, "{round}: the third run hits");
        // The next round starts cold again.
        std::fs::remove_file(&file).unwrap();
    }
}

#[test]
fn fixes_diffs_and_standard_input_bypass_the_cache() {
    let dir = demo_project("bypass");
    check_json(&dir, &[]);
    let file = the_cache_file(&dir.join(".tempolint_cache"));
    let written = inode(&file);
    let diff = result(&tempolint(&dir, &["check", "--diff", "--unsafe-fixes"]));
    assert!(diff.1.contains("+++ "), "the demo has fixes: {}", diff.1);
    assert_eq!(
        diff,
        result(&tempolint(
            &dir,
            &["check", "--diff", "--unsafe-fixes", "--no-cache"]
        ))
    );
    let mut stdin = Command::new(env!("CARGO_BIN_EXE_tempolint"))
        .args(["check", "--stdin-filename", "orders/pricing.py"])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    drop(stdin.stdin.take());
    stdin.wait().unwrap();
    let fix = tempolint(&dir, &["check", "--fix", "--unsafe-fixes"]);
    assert!(
        String::from_utf8_lossy(&fix.stdout).contains("fixed"),
        "{}",
        String::from_utf8_lossy(&fix.stdout)
    );
    assert_eq!(inode(&file), written, "no entry written");
    assert_eq!(cache_files(&dir.join(".tempolint_cache")).len(), 1);
    // After the fix, a cached check agrees with a fresh one.
    assert_eq!(check_json(&dir, &[]), check_json(&dir, &["--no-cache"]));
    assert_eq!(check_json(&dir, &[]), check_json(&dir, &["--no-cache"]));
}

/// A generated project that random edits change, file by file.
struct Model {
    helpers: Vec<Helper>,
    workflows: Vec<Workflow>,
    passthrough: bool,
    select: usize,
    /// Which of [`BROKEN`] `broken.py` holds.
    broken: usize,
}

struct Helper {
    exists: bool,
    nondeterministic: bool,
    blocking_import: bool,
    /// Bumped by a rename; callers keep the name they were written with.
    version: usize,
    /// Helpers called, with the version of their name at the time.
    calls: Vec<(usize, usize)>,
}

struct Workflow {
    numpy: bool,
    calls: Vec<(usize, usize)>,
}

const SELECTS: &[&str] = &["", "select = [\"ALL\"]\n", "select = [\"DET\"]\n"];

/// A file that does not parse, is not UTF-8, or only suppresses (or is absent).
const BROKEN: &[Option<&[u8]>] = &[
    None,
    Some(b"def broken(:\n"),
    Some(b"x = '\xff'\n"),
    Some(b"import time  # tempolint: ignore\n"),
];

impl Model {
    fn files(&self) -> Vec<(String, Option<String>)> {
        let mut files = vec![(
            "pyproject.toml".to_string(),
            Some(format!(
                "[project]\nname = \"generated\"\n\n[tool.tempolint]\nsrc = [\".\"]\n{}",
                SELECTS[self.select]
            )),
        )];
        files.push(("helpers/__init__.py".to_string(), Some(String::new())));
        files.push(("flows/__init__.py".to_string(), Some(String::new())));
        for (index, helper) in self.helpers.iter().enumerate() {
            let mut text = String::from("import time\n");
            if helper.blocking_import {
                text.push_str("import psutil\n");
            }
            text.push_str(&imports(&helper.calls));
            write!(text, "\n\ndef work{index}_{}(value):\n", helper.version).unwrap();
            if helper.nondeterministic {
                text.push_str("    value += time.time()\n");
            }
            text.push_str(&calls(&helper.calls));
            text.push_str("    return value\n");
            files.push((
                format!("helpers/h{index}.py"),
                helper.exists.then_some(text),
            ));
        }
        let mut worker = String::from(
            "from temporalio.worker import Worker\nfrom temporalio.worker.workflow_sandbox \
             import SandboxedWorkflowRunner, SandboxRestrictions\n",
        );
        for (index, workflow) in self.workflows.iter().enumerate() {
            let mut text = String::from("from temporalio import workflow\n");
            if workflow.numpy {
                text.push_str("import numpy\n");
            }
            text.push_str(&imports(&workflow.calls));
            write!(
                text,
                "\n\n@workflow.defn\nclass Flow{index}:\n    @workflow.run\n    \
                 async def run(self, value: int) -> int:\n"
            )
            .unwrap();
            text.push_str(&calls(&workflow.calls).replace("\n    ", "\n        "));
            text.insert_str(text.len(), "        return value\n");
            files.push((format!("flows/w{index}.py"), Some(text)));
            writeln!(worker, "from flows.w{index} import Flow{index}").unwrap();
        }
        let names: Vec<String> = (0..self.workflows.len())
            .map(|index| format!("Flow{index}"))
            .collect();
        let restrictions = if self.passthrough {
            "SandboxRestrictions.default.with_passthrough_modules(\"numpy\")"
        } else {
            "SandboxRestrictions.default"
        };
        write!(worker,
            "\n\nasync def main(client):\n    await Worker(client, task_queue=\"q\", \
             workflows=[{}], workflow_runner=SandboxedWorkflowRunner(restrictions={restrictions})).run()\n",
            names.join(", ")
        ).unwrap();
        files.push(("worker.py".to_string(), Some(worker)));
        files
    }

    fn write(&self, dir: &Path) {
        let broken = dir.join("broken.py");
        match BROKEN[self.broken] {
            Some(bytes) => std::fs::write(&broken, bytes).unwrap(),
            None => {
                let _ = std::fs::remove_file(&broken);
            }
        }
        for (name, text) in self.files() {
            let path = dir.join(name);
            match text {
                Some(text) => {
                    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                        std::fs::write(&path, text).unwrap();
                    }
                }
                None => {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
    }

    /// One random edit; its description.
    fn edit(&mut self, random: &mut Random) -> String {
        let helper = random.below(self.helpers.len());
        let workflow = random.below(self.workflows.len());
        let target = random.below(self.helpers.len());
        let call = (target, self.helpers[target].version);
        match random.below(11) {
            0 => {
                self.helpers[helper].nondeterministic ^= true;
                format!("toggle time.time() in h{helper}")
            }
            1 => {
                self.helpers[helper].calls.push(call);
                format!("h{helper} calls h{target}")
            }
            2 => {
                self.helpers[helper].calls.pop();
                format!("h{helper} drops a call")
            }
            3 => {
                self.helpers[helper].version += 1;
                format!("rename h{helper}'s function")
            }
            4 => {
                self.workflows[workflow].numpy ^= true;
                format!("toggle numpy in w{workflow}")
            }
            5 => {
                self.passthrough ^= true;
                "toggle the worker's passthrough".to_string()
            }
            6 => {
                self.helpers[helper].exists ^= true;
                format!("delete or create h{helper}")
            }
            7 => {
                if random.below(2) == 0 {
                    self.workflows[workflow].calls.push(call);
                } else {
                    self.workflows[workflow].calls.pop();
                }
                format!("change w{workflow}'s calls")
            }
            8 => {
                self.select = (self.select + 1) % SELECTS.len();
                "change the rule selection".to_string()
            }
            9 => {
                self.broken = (self.broken + 1) % BROKEN.len();
                "change broken.py".to_string()
            }
            _ => {
                self.helpers[helper].blocking_import ^= true;
                format!("toggle import psutil in h{helper}")
            }
        }
    }
}

fn imports(calls: &[(usize, usize)]) -> String {
    let mut text = String::new();
    for (helper, version) in calls {
        writeln!(text, "from helpers.h{helper} import work{helper}_{version}").unwrap();
    }
    text
}

fn calls(calls: &[(usize, usize)]) -> String {
    let mut text = String::new();
    for (helper, version) in calls {
        writeln!(text, "    value = work{helper}_{version}(value)").unwrap();
    }
    text
}

/// A small deterministic generator (the test must fail the same way every time).
struct Random(u64);

impl Random {
    fn below(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % bound
    }
}

#[test]
fn after_every_random_edit_a_cached_check_equals_a_fresh_one() {
    let dir = temp_dir("differential");
    let mut model = Model {
        helpers: (0..6)
            .map(|index| Helper {
                exists: true,
                nondeterministic: index % 3 == 0,
                blocking_import: false,
                version: 0,
                calls: if index + 1 < 6 {
                    vec![(index + 1, 0)]
                } else {
                    Vec::new()
                },
            })
            .collect(),
        workflows: (0..3)
            .map(|index| Workflow {
                numpy: false,
                calls: vec![(index * 2, 0)],
            })
            .collect(),
        passthrough: false,
        select: 0,
        broken: 0,
    };
    let mut random = Random(10);
    let mut outputs = std::collections::BTreeSet::new();
    for step in 0..60 {
        let edit = model.edit(&mut random);
        model.write(&dir);
        // The whole project, and a part of it (the rest analysed as context).
        for paths in [&["."][..], &["flows"][..]] {
            let fresh = check_json(&dir, &[&["--no-cache"], paths].concat());
            assert_eq!(
                check_json(&dir, paths),
                fresh,
                "step {step} ({edit}), {paths:?}"
            );
            // And warm, from the entry just written.
            assert_eq!(
                check_json(&dir, paths),
                fresh,
                "step {step} ({edit}), {paths:?}, warm"
            );
            outputs.insert(fresh);
        }
    }
    // The edits changed the findings many times over (the test exercises something).
    assert!(outputs.len() > 10, "{} distinct outputs", outputs.len());
}
