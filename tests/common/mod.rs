//! The runner the end-to-end tests share: the real binary, run in a folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root folder (beside it, CI lays `../shared`).
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `tempolint ARGS` in `cwd`.
pub(crate) fn tempolint(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tempolint"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run tempolint")
}

/// The Python of the project's `.venv` (`TEMPOLINT_VENV`, else `.venv` at the root), made by
/// `scripts/setup_python.sh`; `None` when it does not exist.
#[allow(dead_code, reason = "only the tests that drive Python tools use it")]
pub(crate) fn venv_python() -> Option<PathBuf> {
    let venv =
        std::env::var_os("TEMPOLINT_VENV").map_or_else(|| repo_root().join(".venv"), PathBuf::from);
    let python = venv.join("bin/python");
    python.is_file().then_some(python)
}

/// `.venv`'s Python and the tool `name` beside it (installed by scripts/setup_python.sh);
/// `None`, after saying loudly that `test` is skipped, when either is missing.
#[allow(dead_code, reason = "only the tests that drive Python tools use it")]
#[allow(clippy::print_stderr, reason = "a skipped test must say so loudly")]
pub(crate) fn venv_tool(name: &str, test: &str) -> Option<(PathBuf, PathBuf)> {
    let Some(python) = venv_python() else {
        eprintln!("SKIPPED: {test}: no .venv (run scripts/setup_python.sh)");
        return None;
    };
    let tool = python.with_file_name(name);
    if !tool.is_file() {
        eprintln!("SKIPPED: {test}: no {name} in .venv (run scripts/setup_python.sh)");
        return None;
    }
    Some((python, tool))
}

/// The workspace's target folder: builds the tests start (the wheel, pre-commit's pip
/// install) share it, so only the binary is compiled again.
#[allow(dead_code, reason = "only the tests that build the wheel use it")]
pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo_root().join("target"), PathBuf::from)
}
