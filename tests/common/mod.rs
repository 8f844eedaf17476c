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
