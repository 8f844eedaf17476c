//! The server's model of the workspace: per root folder its settings and every Python file
//! parsed once (open documents from the editor's text, the rest from disk, found by the same
//! discovery, config and excludes as `check`), and the latest findings per file.
//!
//! Incremental by file: an edit re-parses only that file. A file outside the project's Temporal
//! slice (it neither mentions `temporalio` nor is imported by a file that does), before and
//! after the edit, is re-checked alone; otherwise the project analysis runs again over the
//! already-parsed files (whose trees are kept only where the analysis reaches, as in `check`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use tempolint_linter::{Diagnostic, Settings, find_config, lint_project, load_config};
use tempolint_python::ParsedSource;
use tempolint_semantic::SourceInput;

use crate::discovery::python_files;
use crate::loader::{Loaded, SourceRoots, from_bytes, load, prune_trees};

/// A folder analysed as one project, with the settings its config file gives.
pub(crate) struct Root {
    pub(crate) folder: PathBuf,
    pub(crate) settings: Settings,
    /// A config file that failed to load (the defaults are used meanwhile).
    pub(crate) config_error: Option<String>,
    files: Vec<SourceInput>,
    index: FxHashMap<PathBuf, usize>,
    findings: FxHashMap<PathBuf, Vec<Diagnostic>>,
}

/// What an analysis found, for the files it looked at.
pub(crate) type Findings = Vec<(PathBuf, Vec<Diagnostic>)>;

impl Root {
    /// Loads `folder` as a project: its config (walking up), then every Python file under it.
    pub(crate) fn load(folder: PathBuf) -> Self {
        let (settings, config_error) = settings_for(&folder);
        let mut root = Root {
            folder,
            settings,
            config_error,
            files: Vec::new(),
            index: FxHashMap::default(),
            findings: FxHashMap::default(),
        };
        root.discover();
        root
    }

    /// A single file outside every workspace folder: a project of its own.
    pub(crate) fn single_file(path: &Path) -> Self {
        let folder = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
        let (settings, config_error) = settings_for(&folder);
        Root {
            folder,
            settings,
            config_error,
            files: Vec::new(),
            index: FxHashMap::default(),
            findings: FxHashMap::default(),
        }
    }

    fn discover(&mut self) {
        let (paths, _) = python_files(std::slice::from_ref(&self.folder), &self.settings.exclude);
        let roots = SourceRoots::new(&self.settings);
        let mut files: Vec<SourceInput> = paths
            .into_par_iter()
            .filter_map(|path| match load(path, &roots) {
                Loaded::Input(input) | Loaded::NotUtf8(input, _) => Some(input),
                Loaded::Unreadable(_) => None,
            })
            .collect();
        prune_trees(&mut files);
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

    /// Reloads the config and rediscovers the files (excludes and source roots may change).
    /// Open documents keep the editor's text.
    pub(crate) fn reload(&mut self, open: &FxHashMap<PathBuf, String>) {
        let (settings, config_error) = settings_for(&self.folder);
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

    pub(crate) fn source(&self, path: &Path) -> Option<&ParsedSource> {
        self.index.get(path).map(|index| &self.files[*index].source)
    }

    pub(crate) fn findings(&self, path: &Path) -> &[Diagnostic] {
        self.findings.get(path).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Replaces (or adds) a file's text and re-parses it; says whether the project analysis
    /// must run again (the file is or was in the Temporal slice).
    pub(crate) fn set_text(&mut self, path: &Path, text: String) -> bool {
        let roots = SourceRoots::new(&self.settings);
        let (Loaded::Input(mut input) | Loaded::NotUtf8(mut input, _)) =
            from_bytes(path.to_path_buf(), text.into_bytes(), &roots)
        else {
            return false;
        };
        input.source.restore_tree();
        let in_slice_now = mentions_temporal(&input.source) || self.is_imported(&input);
        if !in_slice_now {
            input.source.drop_tree();
        }
        if let Some(&index) = self.index.get(path) {
            let was_in_slice = has_tree(&self.files[index].source);
            self.files[index] = input;
            was_in_slice || in_slice_now
        } else {
            self.files.push(input);
            self.reindex();
            true
        }
    }

    /// Re-reads a file from disk (after the editor closed it, or a watcher saw it change);
    /// a file that is gone is removed.
    pub(crate) fn reload_file(&mut self, path: &Path) -> bool {
        match std::fs::read(path) {
            Ok(bytes) => self.set_text(path, String::from_utf8_lossy(&bytes).into_owned()),
            Err(_) => self.remove(path),
        }
    }

    pub(crate) fn remove(&mut self, path: &Path) -> bool {
        let Some(index) = self.index.get(path).copied() else {
            return false;
        };
        self.files.remove(index);
        self.findings.remove(path);
        self.reindex();
        true
    }

    /// Whether a file the analysis reaches imports `input`'s module (by its last segment,
    /// generously, as `check` decides which trees to keep).
    fn is_imported(&self, input: &SourceInput) -> bool {
        let last = input
            .module_name
            .rsplit('.')
            .next()
            .unwrap_or(&input.module_name);
        self.files
            .iter()
            .filter(|file| file.path != input.path && has_tree(&file.source))
            .any(|file| file.source.imported_segments().contains(&last))
    }

    /// Checks one file alone (it is outside the Temporal slice: nothing else depends on it).
    pub(crate) fn analyse_file(&mut self, path: &Path) -> Result<Findings, String> {
        let Some(&index) = self.index.get(path) else {
            return Ok(Vec::new());
        };
        let settings = &self.settings;
        let input = std::slice::from_ref(&self.files[index]);
        let output = guarded(input, || lint_project(input, settings))?;
        let diagnostics = output.into_iter().next().unwrap_or_default();
        self.findings
            .insert(path.to_path_buf(), diagnostics.clone());
        Ok(vec![(path.to_path_buf(), diagnostics)])
    }

    /// The project analysis over every file of the root. A panic is caught: the files whose
    /// analysis alone panics are left out (and named in the error), the rest is analysed again.
    pub(crate) fn analyse(&mut self) -> (Findings, Vec<String>) {
        let mut errors = Vec::new();
        let settings = &self.settings;
        let files = &self.files;
        let output = match guarded(files, || lint_project(files, settings)) {
            Ok(output) => output,
            Err(message) => {
                errors.push(message);
                self.analyse_without_culprits(&mut errors)
            }
        };
        let mut findings = Vec::with_capacity(self.files.len());
        for (input, diagnostics) in self.files.iter().zip(output) {
            findings.push((input.path.clone(), diagnostics));
        }
        self.findings = findings.iter().cloned().collect();
        (findings, errors)
    }

    fn analyse_without_culprits(&mut self, errors: &mut Vec<String>) -> Vec<Vec<Diagnostic>> {
        let settings = &self.settings;
        let culprits: FxHashSet<usize> = (0..self.files.len())
            .filter(|index| has_tree(&self.files[*index].source))
            .filter(|index| {
                let input = std::slice::from_ref(&self.files[*index]);
                guarded(input, || lint_project(input, settings)).is_err()
            })
            .collect();
        for index in &culprits {
            errors.push(format!(
                "analysis of {} panicked; no findings are shown for it",
                self.files[*index].path.display()
            ));
            self.files[*index].source.drop_tree();
        }
        let files = &self.files;
        let mut output =
            guarded(files, || lint_project(files, settings)).unwrap_or_else(|message| {
                errors.push(message);
                vec![Vec::new(); files.len()]
            });
        for index in culprits {
            output[index].clear();
        }
        output
    }
}

/// Runs an analysis, turning a panic into an error message. `TEMPOLINT_LSP_PANIC_MARKER` (a
/// test hook) makes the analysis of a file whose text holds the marker panic.
fn guarded(
    inputs: &[SourceInput],
    analysis: impl FnOnce() -> tempolint_linter::LintOutput,
) -> Result<Vec<Vec<Diagnostic>>, String> {
    let marker = std::env::var("TEMPOLINT_LSP_PANIC_MARKER").ok();
    catch_unwind(AssertUnwindSafe(|| {
        if let Some(marker) = marker.filter(|marker| !marker.is_empty()) {
            let culprit = inputs
                .iter()
                .find(|input| has_tree(&input.source) && input.source.text().contains(&marker));
            if let Some(culprit) = culprit {
                panic!("test hook: panic marker in {}", culprit.path.display());
            }
        }
        analysis()
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

fn mentions_temporal(source: &ParsedSource) -> bool {
    source.text().contains("temporalio")
}

/// Whether the file's tree is kept (it is in the Temporal slice).
fn has_tree(source: &ParsedSource) -> bool {
    source.has_tree()
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
