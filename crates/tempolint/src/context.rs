//! The rest of the project around the files a check names. Analysis is whole-project: `check
//! tests/` must know that `mypkg` beside it is project code (not a third-party import), follow a
//! workflow into its helpers there, and see the workers that register its workflows. Those
//! files are analysed but not reported.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashSet;
use tempolint_linter::Settings;

use crate::discovery::python_files;

/// Files a folder must hold to be taken for a project root when no configuration names one:
/// without this, `tempolint check /some/file.py` run from `/` would walk the whole disk.
const PROJECT_MARKERS: &[&str] = &["pyproject.toml", "setup.py", "setup.cfg", ".git"];

/// Whether `folder` holds one of the [`PROJECT_MARKERS`].
pub(crate) fn is_project_root(folder: &Path) -> bool {
    PROJECT_MARKERS
        .iter()
        .any(|marker| folder.join(marker).exists())
}

/// The project's Python files (under its source roots) that `checked` does not already hold.
/// Empty when the checked paths lie in no project root.
pub(crate) fn context_files(
    settings: &Settings,
    checked_paths: &[PathBuf],
    checked_files: &[PathBuf],
) -> Vec<PathBuf> {
    let checked: Vec<PathBuf> = checked_paths.iter().map(|path| absolute(path)).collect();
    // The configuration's folder, or else the current folder when it looks like a project's
    // root (not the folders above the checked paths: a fixture folder inside a repository is a
    // project of its own).
    let root = absolute(&settings.root);
    if settings.config_path.is_none() && !is_project_root(&root) {
        return Vec::new();
    }
    // Nothing to add when the check already covers the root (`tempolint check .`).
    if checked.contains(&root) {
        return Vec::new();
    }
    let roots: Vec<PathBuf> = settings
        .src
        .iter()
        .map(|src| normalize(&root.join(src)))
        .filter(|source_root| source_root.is_dir())
        .filter(|source_root| checked.iter().any(|path| path.starts_with(source_root)))
        .collect();
    if roots.is_empty() {
        return Vec::new();
    }
    let known: FxHashSet<PathBuf> = checked_files.iter().map(|path| absolute(path)).collect();
    // Walk errors were reported for the checked paths already; the context is best effort.
    let (files, _) = python_files(&roots, &settings.exclude);
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut seen = FxHashSet::default();
    files
        .into_iter()
        .filter(|file| !known.contains(file) && seen.insert(file.clone()))
        .map(|file| {
            file.strip_prefix(&cwd)
                .map(Path::to_path_buf)
                .unwrap_or(file)
        })
        .collect()
}

pub(crate) fn absolute(path: &Path) -> PathBuf {
    normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Drops `.` components (`/repo/./src` -> `/repo/src`) so prefixes compare.
fn normalize(path: &Path) -> PathBuf {
    path.components()
        .filter(|component| !matches!(component, std::path::Component::CurDir))
        .collect()
}
