//! The pip wheel, as a user gets it: `maturin build` (pyproject.toml, `bindings = "bin"`),
//! installed into a fresh virtual environment, puts a working `tempolint` on that venv's PATH;
//! the GitHub Action's script (scripts/action.sh) installs that wheel and annotates findings.
//! Needs `.venv` with maturin (scripts/setup_python.sh); skipped loudly without it. The build
//! shares the workspace's `target/` (CARGO_TARGET_DIR), so only the binary is relinked.

#![allow(clippy::print_stderr, reason = "skips and build times are said loudly")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

mod common;

use common::{repo_root, target_dir, tempolint, venv_tool};

fn run(command: &mut Command) -> Output {
    let output = command.output().expect("run command");
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Builds the wheel into `out`; its path.
fn build_wheel(maturin: &Path, out: &Path) -> PathBuf {
    let started = Instant::now();
    run(Command::new(maturin)
        .args(["build", "--release", "--out"])
        .arg(out)
        .current_dir(repo_root())
        .env("CARGO_TARGET_DIR", target_dir()));
    eprintln!("wheel built in {:.1}s", started.elapsed().as_secs_f64());
    std::fs::read_dir(out)
        .expect("wheel folder")
        .map(|entry| entry.expect("entry").path())
        .find(|path| path.extension().is_some_and(|ext| ext == "whl"))
        .expect("maturin wrote a .whl")
}

#[test]
fn wheel_installs_into_a_fresh_venv_and_the_action_runs_it() {
    let Some((python, maturin)) = venv_tool("maturin", "wheel test") else {
        return;
    };
    let work = std::env::temp_dir().join(format!("tempolint-wheel-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let wheel = build_wheel(&maturin, &work.join("wheels"));

    let venv = work.join("venv");
    run(Command::new(&python).args(["-m", "venv"]).arg(&venv));
    let fresh = venv.join("bin/python");
    run(Command::new(&fresh)
        .args([
            "-m",
            "pip",
            "install",
            "--no-index",
            "--disable-pip-version-check",
            "-q",
        ])
        .arg(&wheel));
    let installed = venv.join("bin/tempolint");
    let version = run(Command::new(&installed).arg("version"));
    assert_eq!(
        version.stdout,
        tempolint(&repo_root(), &["version"]).stdout,
        "the wheel's binary is this version"
    );
    let demo = Command::new(&installed)
        .args(["check", "fixtures/demo", "--output-format", "concise"])
        .current_dir(repo_root())
        .output()
        .expect("run the installed tempolint");
    assert_eq!(demo.status.code(), Some(1), "the demo has findings");
    let text = String::from_utf8_lossy(&demo.stdout);
    assert!(
        text.contains("fixtures/demo/") && text.contains("Found "),
        "{text}"
    );

    // The action's script, as action.yml runs it: install the wheel, annotate, replay.
    let action = |paths: &str, histories: &str| {
        Command::new("bash")
            .arg(repo_root().join("scripts/action.sh"))
            .current_dir(repo_root())
            .env("PYTHON", &fresh)
            .env("TEMPOLINT_PACKAGE", &wheel)
            .env("TEMPOLINT_PATHS", paths)
            .env("TEMPOLINT_ARGS", "")
            .env("TEMPOLINT_HISTORIES", histories)
            .output()
            .expect("run scripts/action.sh")
    };
    let annotated = action("fixtures/demo", "");
    let text = String::from_utf8_lossy(&annotated.stdout);
    assert_eq!(annotated.status.code(), Some(1), "{text}");
    assert!(
        text.lines()
            .any(|line| line.starts_with("::error title=tempolint (")),
        "{text}"
    );
    let replayed = action(
        "fixtures/replay/variants/order_fulfillment__audit_activity_appended.py",
        "fixtures/replay/histories/order_fulfillment.json",
    );
    let text = String::from_utf8_lossy(&replayed.stdout);
    assert_eq!(replayed.status.code(), Some(1), "{text}");
    assert!(
        text.contains("::error title=tempolint replay (REP101)"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&work);
}
