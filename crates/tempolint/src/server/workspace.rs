//! The server's model of the workspace: per root folder its settings and every Python file
//! parsed once (open documents from the editor's text, the rest from disk, found by the same
//! discovery, config and excludes as `check`), and the latest findings per file.
//!
//! Incremental: an edit re-parses only that file. The project analysis runs over the Temporal
//! slice only — the files that mention `temporalio` and, transitively, the modules they import
//! (the files whose syntax trees `check` keeps; they sit first in `files`). A file outside the
//! slice can change no finding elsewhere, so an edit to it re-checks it alone.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use tempolint_linter::{Diagnostic, Settings, find_config, lint_project, load_config};
use tempolint_python::ParsedSource;
use tempolint_semantic::SourceInput;

use crate::discovery::{is_excluded, python_files};
use crate::loader::{Loaded, SourceRoots, load, prune_trees, separate_same_named_trees};

/// A folder analysed as one project, with the settings its config file gives.
pub(crate) struct Root {
    pub(crate) folder: PathBuf,
    pub(crate) settings: Settings,
    /// A config file that failed to load (the defaults are used meanwhile).
    pub(crate) config_error: Option<String>,
    /// Made for documents outside every workspace folder (see [`Root::single_file`]).
    pub(crate) ad_hoc: bool,
    roots: SourceRoots,
    /// The slice's files first (`files[..slice_len]` keep their trees), then the others.
    files: Vec<SourceInput>,
    slice_len: usize,
    index: FxHashMap<PathBuf, usize>,
    findings: FxHashMap<PathBuf, Vec<Diagnostic>>,
}

/// What a change to a file requires: the project analysis, or re-checking the file alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    Project,
    File,
}

impl Root {
    fn empty(folder: PathBuf) -> Self {
        let (settings, config_error) = settings_for(&folder);
        Root {
            roots: SourceRoots::new(&settings),
            folder,
            settings,
            config_error,
            ad_hoc: false,
            files: Vec::new(),
            slice_len: 0,
            index: FxHashMap::default(),
            findings: FxHashMap::default(),
        }
    }

    /// Loads `folder` as a project: its config (walking up), then every Python file under it.
    pub(crate) fn load(folder: PathBuf) -> Self {
        let mut root = Root::empty(folder);
        root.discover();
        root
    }

    /// A single file outside every workspace folder: a project of its own.
    pub(crate) fn single_file(path: &Path) -> Self {
        let mut root = Root::empty(path.parent().map_or_else(PathBuf::new, Path::to_path_buf));
        root.ad_hoc = true;
        root
    }

    fn discover(&mut self) {
        let (paths, _) = python_files(std::slice::from_ref(&self.folder), &self.settings.exclude);
        let roots = &self.roots;
        let mut files: Vec<SourceInput> = paths
            .into_par_iter()
            .filter_map(|path| match load(path, roots) {
                Loaded::Input(input) | Loaded::NotUtf8(input, _) => Some(input),
                Loaded::Unreadable(_) => None,
            })
            .collect();
        separate_same_named_trees(&mut files, roots);
        prune_trees(&mut files);
        files.sort_by_key(|input| !input.source.has_tree());
        self.slice_len = files.iter().filter(|input| input.source.has_tree()).count();
        self.files = files;
        self.reindex();
    }

    fn reindex(&mut self) {
        self.index = self
            .files
            .iter()
            .enumerate()
            .map(|(index, input)| (input.path.clone(), index))
            .collect();
    }

    fn swap(&mut self, a: usize, b: usize) {
        if a != b {
            self.files.swap(a, b);
            self.index.insert(self.files[a].path.clone(), a);
            self.index.insert(self.files[b].path.clone(), b);
        }
    }

    /// Moves the file at `index` to its side of the slice boundary; its new index.
    fn place(&mut self, index: usize) -> usize {
        let in_slice = self.files[index].source.has_tree();
        if in_slice && index >= self.slice_len {
            self.swap(index, self.slice_len);
            self.slice_len += 1;
            self.slice_len - 1
        } else if !in_slice && index < self.slice_len {
            self.slice_len -= 1;
            self.swap(index, self.slice_len);
            self.slice_len
        } else {
            index
        }
    }

    /// Brings into the slice the files that the slice file at `index` imports (transitively).
    fn pull_in_imports(&mut self, index: usize) {
        let mut queue = vec![self.files[index].path.clone()];
        while let Some(path) = queue.pop() {
            let Some(&at) = self.index.get(&path) else {
                continue;
            };
            let segments: FxHashSet<String> = self.files[at]
                .source
                .imported_segments()
                .into_iter()
                .map(str::to_string)
                .collect();
            let joining: Vec<usize> = (self.slice_len..self.files.len())
                .filter(|other| segments.contains(last_segment(&self.files[*other].module_name)))
                .collect();
            for other in joining.into_iter().rev() {
                self.files[other].source.restore_tree();
                queue.push(self.files[other].path.clone());
                self.place(other);
            }
        }
    }

    /// Reloads the config and rediscovers the files (excludes and source roots may change).
    /// Open documents keep the editor's text.
    pub(crate) fn reload(&mut self, open: &FxHashMap<PathBuf, String>) {
        let (settings, config_error) = settings_for(&self.folder);
        self.roots = SourceRoots::new(&settings);
        self.settings = settings;
        self.config_error = config_error;
        self.discover();
        for (path, text) in open {
            if self.contains_path(path) {
                self.set_text(path, text.clone());
            }
        }
        self.findings.clear();
    }

    pub(crate) fn contains_path(&self, path: &Path) -> bool {
        self.index.contains_key(path)
            || (path.starts_with(&self.folder) && !self.folder.as_os_str().is_empty())
    }

    /// Whether a file that appeared on disk belongs to this project (under the folder and not
    /// excluded), as discovery would have decided.
    pub(crate) fn would_discover(&self, path: &Path) -> bool {
        self.index.contains_key(path)
            || (path.starts_with(&self.folder)
                && !self.folder.as_os_str().is_empty()
                && !is_excluded(&self.folder, path, &self.settings.exclude))
    }

    pub(crate) fn source(&self, path: &Path) -> Option<&ParsedSource> {
        self.index.get(path).map(|index| &self.files[*index].source)
    }

    pub(crate) fn findings(&self, path: &Path) -> &[Diagnostic] {
        self.findings.get(path).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Replaces (or adds) a file's text and re-parses it (once); says what must be analysed
    /// again: the project when the file is or was in the slice, else the file alone.
    pub(crate) fn set_text(&mut self, path: &Path, text: String) -> Reach {
        // A known file keeps the name discovery gave it (see `separate_same_named_trees`).
        let (module_name, is_package, alias) = match self.index.get(path) {
            Some(&index) => (
                self.files[index].module_name.clone(),
                self.files[index].is_package,
                self.files[index].alias.clone(),
            ),
            None => self.roots.module_of(path),
        };
        let mut input = SourceInput {
            path: path.to_path_buf(),
            module_name,
            is_package,
            alias,
            source: ParsedSource::parse(text),
        };
        let in_slice_now = mentions_temporal(&input.source) || self.is_imported(&input);
        if !in_slice_now {
            input.source.drop_tree();
        }
        let (index, was_in_slice) = if let Some(&index) = self.index.get(path) {
            let was_in_slice = self.files[index].source.has_tree();
            self.files[index] = input;
            (index, was_in_slice)
        } else {
            self.files.push(input);
            self.index.insert(path.to_path_buf(), self.files.len() - 1);
            (self.files.len() - 1, false)
        };
        let index = self.place(index);
        if in_slice_now {
            self.pull_in_imports(index);
        }
        if was_in_slice || in_slice_now {
            Reach::Project
        } else {
            Reach::File
        }
    }

    /// Re-reads a file from disk (after the editor closed it, or a watcher saw it change);
    /// a file that is gone is removed.
    pub(crate) fn reload_file(&mut self, path: &Path) -> Reach {
        if let Ok(bytes) = std::fs::read(path) {
            self.set_text(path, String::from_utf8_lossy(&bytes).into_owned())
        } else {
            self.remove(path);
            Reach::Project
        }
    }

    pub(crate) fn remove(&mut self, path: &Path) -> bool {
        let Some(index) = self.index.get(path).copied() else {
            return false;
        };
        if index < self.slice_len {
            self.slice_len -= 1;
        }
        self.files.remove(index);
        self.findings.remove(path);
        self.reindex();
        true
    }

    /// Whether a slice file imports `input`'s module (by its last segment, generously, as
    /// `check` decides which trees to keep).
    fn is_imported(&self, input: &SourceInput) -> bool {
        let last = last_segment(&input.module_name);
        self.files[..self.slice_len]
            .iter()
            .filter(|file| file.path != input.path)
            .any(|file| file.source.imported_segments().contains(&last))
    }

    /// Checks one file alone, if it is outside the slice (a slice file's findings come from
    /// the project analysis).
    pub(crate) fn analyse_file(&mut self, path: &Path) -> Result<(), String> {
        let Some(&index) = self.index.get(path) else {
            return Ok(());
        };
        if index < self.slice_len {
            return Ok(());
        }
        let settings = &self.settings;
        let input = std::slice::from_ref(&self.files[index]);
        let output = guarded(input, || lint_project(input, settings))?;
        let diagnostics = output.into_iter().next().unwrap_or_default();
        self.findings.insert(path.to_path_buf(), diagnostics);
        Ok(())
    }

    /// The project analysis over the slice; the paths it has findings for, and errors. A panic
    /// is caught: the files whose analysis alone panics are left out (and named), the rest is
    /// analysed again.
    pub(crate) fn analyse(&mut self) -> (Vec<PathBuf>, Vec<String>) {
        let mut errors = Vec::new();
        let settings = &self.settings;
        let slice = &self.files[..self.slice_len];
        let output = match guarded(slice, || lint_project(slice, settings)) {
            Ok(output) => output,
            Err(message) => {
                errors.push(message);
                self.analyse_without_culprits(&mut errors)
            }
        };
        let mut paths = Vec::with_capacity(output.len());
        for (input, diagnostics) in self.files.iter().zip(output) {
            paths.push(input.path.clone());
            self.findings.insert(input.path.clone(), diagnostics);
        }
        (paths, errors)
    }

    fn analyse_without_culprits(&mut self, errors: &mut Vec<String>) -> Vec<Vec<Diagnostic>> {
        let settings = &self.settings;
        let culprits: Vec<PathBuf> = self.files[..self.slice_len]
            .iter()
            .filter(|input| {
                let input = std::slice::from_ref(*input);
                guarded(input, || lint_project(input, settings)).is_err()
            })
            .map(|input| input.path.clone())
            .collect();
        for path in &culprits {
            errors.push(format!(
                "analysis of {} panicked; no findings are shown for it",
                path.display()
            ));
            if let Some(&index) = self.index.get(path) {
                self.files[index].source.drop_tree();
                self.place(index);
            }
        }
        for path in culprits {
            self.findings.insert(path, Vec::new());
        }
        let settings = &self.settings;
        let slice = &self.files[..self.slice_len];
        guarded(slice, || lint_project(slice, settings)).unwrap_or_else(|message| {
            errors.push(message);
            vec![Vec::new(); slice.len()]
        })
    }
}

fn last_segment(module_name: &str) -> &str {
    module_name.rsplit('.').next().unwrap_or(module_name)
}

/// Runs an analysis, turning a panic into an error message. `TEMPOLINT_LSP_PANIC_MARKER` (a
/// test hook) makes the analysis of a file whose text holds the marker panic.
fn guarded(
    inputs: &[SourceInput],
    analysis: impl FnOnce() -> tempolint_linter::LintOutput + Send,
) -> Result<Vec<Vec<Diagnostic>>, String> {
    let marker = std::env::var("TEMPOLINT_LSP_PANIC_MARKER").ok();
    catch_unwind(AssertUnwindSafe(|| {
        if let Some(marker) = marker.filter(|marker| !marker.is_empty()) {
            let culprit = inputs
                .iter()
                .find(|input| input.source.has_tree() && input.source.text().contains(&marker));
            if let Some(culprit) = culprit {
                panic!("test hook: panic marker in {}", culprit.path.display());
            }
        }
        on_fitting_threads(inputs.len(), analysis)
            .files
            .into_iter()
            .map(|report| report.diagnostics)
            .collect()
    }))
    .map_err(|payload| {
        let reason = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(ToString::to_string))
            .unwrap_or_default();
        format!("analysis panicked: {reason}")
    })
}

/// Below this many files an analysis runs on one thread: it takes about a millisecond, and
/// splitting it over rayon's workers costs more than it saves — on a busy machine a join waits
/// for a descheduled worker, which made one edit in twenty take several times as long.
const PARALLEL_FROM_FILES: usize = 400;

/// Runs an analysis on one dedicated thread when it is small, else on rayon's global pool.
fn on_fitting_threads<T: Send>(files: usize, analysis: impl FnOnce() -> T + Send) -> T {
    static SMALL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    let small = SMALL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(|_| "tempolint-analysis".to_owned())
            .stack_size(crate::ANALYSIS_STACK_BYTES)
            .build()
            .ok()
    });
    match small {
        Some(pool) if files < PARALLEL_FROM_FILES => pool.install(analysis),
        _ => analysis(),
    }
}

fn mentions_temporal(source: &ParsedSource) -> bool {
    source.text().contains("temporalio")
}

/// The settings for a folder: its config file (walking up), or the defaults rooted there.
fn settings_for(folder: &Path) -> (Settings, Option<String>) {
    let defaults = || Settings {
        root: folder.to_path_buf(),
        ..Settings::default()
    };
    match find_config(folder) {
        Some(path) => match load_config(&path) {
            Ok(settings) => (settings, None),
            Err(error) => (defaults(), Some(error.to_string())),
        },
        None => (defaults(), None),
    }
}
