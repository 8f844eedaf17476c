//! Finding the Python files to check: a gitignore-aware parallel walk honouring `exclude`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};

/// A file that could not be walked or read, with the reason.
pub(crate) struct WalkError {
    pub(crate) message: String,
    /// A symlink loop or a `.py` that is no regular file (a FIFO, a socket): skipped with a
    /// note, and no error (the findings decide the exit code).
    pub(crate) skipped: bool,
}

impl WalkError {
    fn from_walk(error: &ignore::Error) -> Self {
        if is_loop(error) {
            Self {
                message: format!("{error}: not followed"),
                skipped: true,
            }
        } else {
            Self {
                message: error.to_string(),
                skipped: false,
            }
        }
    }
}

/// "Too many levels of symbolic links" (`std::io::ErrorKind::FilesystemLoop` is unstable).
#[cfg(target_os = "linux")]
const ELOOP: i32 = 40;
#[cfg(not(target_os = "linux"))]
const ELOOP: i32 = 62;

/// Whether a walk error is a symlink loop: one the walker detected (a link to an ancestor), or
/// a link the system cannot resolve for its loop (ELOOP).
fn is_loop(error: &ignore::Error) -> bool {
    match error {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_loop(err),
        ignore::Error::Io(io) => io.raw_os_error() == Some(ELOOP),
        _ => false,
    }
}

/// Whether a walk error is a symlink to nothing whose name is no Python file (a committed
/// `node_modules` link that exists only after `npm install`): nothing we would read. A dangling
/// `helper.py` stays an error: a source of the project is missing.
fn is_dangling_link_to_no_source(error: &ignore::Error) -> bool {
    fn is_not_found(error: &ignore::Error) -> bool {
        match error {
            ignore::Error::Io(io) => io.kind() == std::io::ErrorKind::NotFound,
            ignore::Error::WithDepth { err, .. } => is_not_found(err),
            _ => false,
        }
    }
    match error {
        ignore::Error::WithPath { path, err } => {
            is_not_found(err) && !is_python(path) && path.is_symlink()
        }
        ignore::Error::WithDepth { err, .. } => is_dangling_link_to_no_source(err),
        _ => false,
    }
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
                skipped: false,
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
                        Ok(entry) => match entry.file_type() {
                            Some(kind) if kind.is_file() && is_python(entry.path()) => {
                                files.lock().expect("walk lock").push(entry.into_path());
                            }
                            // Reading a FIFO would block, a socket or device is no source.
                            Some(kind) if !kind.is_dir() && is_python(entry.path()) => {
                                errors.lock().expect("walk lock").push(WalkError {
                                    message: format!(
                                        "{}: not a regular file (a FIFO, socket or device), skipped",
                                        entry.path().strip_prefix("./").unwrap_or(entry.path()).display()
                                    ),
                                    skipped: true,
                                });
                            }
                            _ => {}
                        },
                        Err(error) if is_dangling_link_to_no_source(&error) => {}
                        Err(error) => errors
                            .lock()
                            .expect("walk lock")
                            .push(WalkError::from_walk(&error)),
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
