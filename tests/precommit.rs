//! The pre-commit hooks (`.pre-commit-hooks.yaml`) through the real `pre-commit try-repo`
//! (from `.venv`, scripts/setup_python.sh), against a temporary git repository holding a
//! workflow with a fixable finding. `try-repo` runs every hook of the file in order: first
//! `tempolint` fails naming the finding, then `tempolint-fix` fixes it; a second `try-repo`
//! passes both. pre-commit installs the hook repository with pip (maturin) at the checkout's
//! HEAD commit, so uncommitted changes are not part of the test, and in a fresh store each
//! time (`try-repo` ignores PRE_COMMIT_HOME), so the two runs are two builds of our crates
//! (dev profile, through MATURIN_PEP517_ARGS) into `target/precommit` (CARGO_TARGET_DIR):
//! their own folder, so they never relink the binary the other tests run, and the second
//! build reuses what the first compiled.
//! Skipped loudly without `.venv` or git.

#![allow(clippy::print_stderr, reason = "skips and timings are said loudly")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

mod common;

use common::{repo_root, target_dir, tempolint, venv_tool};

const BAD_WORKFLOW: &str = "\
import asyncio

from temporalio import workflow


@workflow.defn
class Race:
    @workflow.run
    async def run(self, names: list[str]) -> int:
        tasks = [asyncio.create_task(workflow.sleep(1)) for _ in names]
        # Whichever finishes first wins.
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        return len(done)
";

fn git(cwd: &Path, args: &[&str]) -> Option<Output> {
    let output = Command::new("git")
        .args(args)
        .current_dir(cwd)
        .output()
        .ok()?;
    output.status.success().then_some(output)
}

struct TryRepo {
    pre_commit: PathBuf,
    project: PathBuf,
    home: PathBuf,
    rev: String,
}

impl TryRepo {
    /// `pre-commit try-repo` with every hook of the repository: exit code and output.
    fn run(&self) -> (Option<i32>, String) {
        let started = Instant::now();
        let output = Command::new(&self.pre_commit)
            .arg("try-repo")
            .arg(repo_root())
            .args(["--ref", &self.rev, "--all-files", "--color", "never"])
            .current_dir(&self.project)
            .env("PRE_COMMIT_HOME", &self.home)
            // Its own target folder: a build into the shared `target/debug` would relink the
            // `tempolint` binary that the other tests are running at the same time.
            .env("CARGO_TARGET_DIR", target_dir().join("precommit"))
            // The hooks' behaviour is under test, not the optimiser (tests/packaging.rs builds
            // the release wheel): a dev build is the quicker one.
            .env("MATURIN_PEP517_ARGS", "--profile dev")
            .output()
            .expect("run pre-commit");
        eprintln!(
            "pre-commit try-repo: {:.1}s",
            started.elapsed().as_secs_f64()
        );
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code(), text)
    }
}

#[test]
fn hook_fails_naming_the_finding_and_passes_after_the_fix_hook() {
    let Some((_, pre_commit)) = venv_tool("pre-commit", "pre-commit test") else {
        return;
    };
    let Some(head) = git(&repo_root(), &["rev-parse", "HEAD"]) else {
        eprintln!("SKIPPED: pre-commit test: the checkout is not a git repository");
        return;
    };
    let rev = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let work = std::env::temp_dir().join(format!("tempolint-pre-commit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let project = work.join("project");
    std::fs::create_dir_all(&project).expect("temporary project");
    git(&project, &["init", "-q"]).expect("git init");
    let workflow = project.join("race.py");
    std::fs::write(&workflow, BAD_WORKFLOW).expect("write workflow");
    git(&project, &["add", "race.py"]).expect("git add");
    let pre_commit = TryRepo {
        pre_commit,
        project,
        home: work.join("home"),
        rev,
    };

    let (code, text) = pre_commit.run();
    assert_eq!(code, Some(1), "the hooks fail:\n{text}");
    let (check, fix) = text
        .split_once("tempolint (fix)")
        .expect("both hooks ran, the check first");
    assert!(
        check.contains("Failed") && check.contains("race.py:12:25: DET201"),
        "the check hook fails naming the finding:\n{text}"
    );
    assert!(
        fix.contains("Failed") && fix.contains("1 × DET201"),
        "the fix hook fixes it (and fails, as it changed a file):\n{text}"
    );
    let fixed = std::fs::read_to_string(&workflow).expect("read");
    assert_eq!(
        fixed,
        BAD_WORKFLOW.replace("await asyncio.wait(", "await workflow.wait(")
    );
    assert!(
        tempolint(&pre_commit.project, &["check"]).status.success(),
        "the fixed project is clean"
    );

    git(&pre_commit.project, &["add", "race.py"]).expect("git add");
    let (code, text) = pre_commit.run();
    assert_eq!(code, Some(0), "both hooks pass after the fix:\n{text}");
    assert_eq!(text.matches("Passed").count(), 2, "{text}");
    let _ = std::fs::remove_dir_all(&work);
}
