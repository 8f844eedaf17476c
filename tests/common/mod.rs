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
