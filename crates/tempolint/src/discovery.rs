//! Finding the Python files to check: a gitignore-aware parallel walk honouring `exclude`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};

/// A file that could not be walked or read, with the reason.
pub(crate) struct WalkError {
    pub(crate) message: String,
}

fn exclusion_set(exclude: &[String]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for pattern in exclude {
        let pattern = pattern.trim_end_matches('/');
        for candidate in [
            pattern.to_string(),
            format!("**/{pattern}"),
            format!("**/{pattern}/**"),
        ] {
            if let Ok(glob) = Glob::new(&candidate) {
                builder.add(glob);
            }
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

/// Whether a walk of `root` would skip `path` for `exclude` (for files that appear later).
pub(crate) fn is_excluded(root: &Path, path: &Path, exclude: &[String]) -> bool {
    let relative = path.strip_prefix(root).unwrap_or(path);
    exclusion_set(exclude).is_match(relative)
}

fn is_python(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext == "py" || ext == "pyi")
}

/// Every Python file under `paths` (files given explicitly are kept even if excluded), sorted.
pub(crate) fn python_files(
    paths: &[PathBuf],
    exclude: &[String],
) -> (Vec<PathBuf>, Vec<WalkError>) {
    let excluded = std::sync::Arc::new(exclusion_set(exclude));
    let files = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    for root in paths {
        if root.is_file() {
            files.lock().expect("walk lock").push(root.clone());
            continue;
        }
        if !root.exists() {
            errors.lock().expect("walk lock").push(WalkError {
                message: format!("{}: No such file or directory", root.display()),
            });
            continue;
        }
        let excluded = std::sync::Arc::clone(&excluded);
        WalkBuilder::new(root)
            .hidden(false)
            .follow_links(true)
            .require_git(false)
            .filter_entry({
                // Exclusions apply below the folder the user named, never to the folder itself
                // (`tempolint check .venv/lib/site-packages` checks what it is asked to).
                let root = root.clone();
                move |entry| {
                    let relative = entry.path().strip_prefix(&root).unwrap_or(entry.path());
                    entry.depth() == 0 || !excluded.is_match(relative)
                }
            })
            .build_parallel()
            .run(|| {
                let files = &files;
                let errors = &errors;
                Box::new(move |entry| {
                    match entry {
                        Ok(entry) => {
                            if entry.file_type().is_some_and(|t| t.is_file())
                                && is_python(entry.path())
                            {
                                files.lock().expect("walk lock").push(entry.into_path());
                            }
                        }
                        Err(error) => errors.lock().expect("walk lock").push(WalkError {
                            message: error.to_string(),
                        }),
                    }
                    WalkState::Continue
                })
            });
    }
    let mut files: Vec<PathBuf> = files
        .into_inner()
        .expect("walk lock")
        .into_iter()
        .map(|path| {
            path.strip_prefix("./")
                .map(Path::to_path_buf)
                .unwrap_or(path)
        })
        .collect();
    // Byte order: deterministic, and much cheaper than comparing path components.
    files.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    files.dedup();
    (files, errors.into_inner().expect("walk lock"))
}
