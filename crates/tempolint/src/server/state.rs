//! What the server holds between messages: the negotiated options, the open documents, the
//! workspace roots and the analysis work not done yet. Everything here is synchronous; the
//! LSP handlers in `mod.rs` lock it briefly and run analyses on blocking threads.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rustc_hash::{FxHashMap, FxHashSet};
use tempolint_python::ParsedSource;
use tower_lsp_server::ls_types::{self as lsp, Uri};

use super::convert::{self, Sources};
use super::position::Encoding;
use super::workspace::{Reach, Root};

pub(crate) struct OpenDocument {
    pub(crate) uri: Uri,
    pub(crate) version: i32,
    pub(crate) text: String,
}

/// Analysis owed to a root: the whole project, or only some files checked alone.
#[derive(Default)]
struct Pending {
    project: bool,
    files: FxHashSet<PathBuf>,
}

/// Diagnostics for one open document, computed against `version` of its text.
pub(crate) struct Publication {
    pub(crate) root: PathBuf,
    pub(crate) uri: Uri,
    pub(crate) version: i32,
    pub(crate) diagnostics: Vec<lsp::Diagnostic>,
}

pub(crate) struct State {
    pub(crate) encoding: Encoding,
    /// The client pulls diagnostics (`textDocument/diagnostic`); nothing is pushed.
    pub(crate) pull: bool,
    pub(crate) roots: Vec<Root>,
    pub(crate) open: FxHashMap<PathBuf, OpenDocument>,
    pending: FxHashMap<PathBuf, Pending>,
    /// What was last published per open document, so unchanged results are not re-sent.
    published: FxHashMap<PathBuf, Vec<lsp::Diagnostic>>,
    /// Open documents whose results were held back because newer work was
    /// owed: the next analysis publishes them even when it does not touch them itself.
    held_back: Vec<PathBuf>,
    /// `TEMPOLINT_LSP_TIMING` set: each parse and analysis prints its duration to stderr (for
    /// scripts/bench_lsp.sh).
    timing: bool,
}

fn report_timing(enabled: bool, what: &str, started: Instant) {
    if enabled {
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        let _ = writeln!(std::io::stderr(), "timing: {what} {elapsed:.3} ms");
    }
}

struct RootSources<'a>(&'a Root);

impl Sources for RootSources<'_> {
    fn source(&self, path: &Path) -> Option<&ParsedSource> {
        self.0.source(path)
    }
}

impl State {
    pub(crate) fn new() -> Self {
        State {
            encoding: Encoding::Utf16,
            pull: false,
            roots: Vec::new(),
            open: FxHashMap::default(),
            pending: FxHashMap::default(),
            published: FxHashMap::default(),
            held_back: Vec::new(),
            timing: std::env::var_os("TEMPOLINT_LSP_TIMING").is_some(),
        }
    }

    /// The root holding `path` (the innermost workspace folder), or a new single-file root.
    pub(crate) fn root_for(&mut self, path: &Path) -> &mut Root {
        let index = self.owning_root(path).unwrap_or_else(|| {
            self.roots.push(Root::single_file(path));
            self.roots.len() - 1
        });
        &mut self.roots[index]
    }

    /// The index of the innermost root that holds `path`.
    fn owning_root(&self, path: &Path) -> Option<usize> {
        self.roots
            .iter()
            .enumerate()
            .filter(|(_, root)| root.contains_path(path))
            .max_by_key(|(_, root)| root.folder.components().count())
            .map(|(index, _)| index)
    }

    fn root(&self, folder: &Path) -> Option<&Root> {
        self.roots.iter().find(|root| root.folder == folder)
    }

    /// Records that `path`'s text changed: the project must be analysed again, or only the file.
    pub(crate) fn set_text(&mut self, path: &Path, text: String) {
        let (timing, started) = (self.timing, Instant::now());
        let root = self.root_for(path);
        let reach = root.set_text(path, text);
        let folder = root.folder.clone();
        report_timing(timing, "parse", started);
        self.owe(folder, path, reach);
    }

    pub(crate) fn reload_file(&mut self, path: &Path) {
        let root = self.root_for(path);
        let reach = root.reload_file(path);
        let folder = root.folder.clone();
        self.owe(folder, path, reach);
    }

    /// A file a watcher saw created or changed: re-read by the projects it belongs to (none
    /// is created for it, and excluded files stay out).
    pub(crate) fn watched_file_changed(&mut self, path: &Path) {
        let mut owed = Vec::new();
        for root in &mut self.roots {
            if root.would_discover(path) {
                owed.push((root.folder.clone(), root.reload_file(path)));
            }
        }
        for (folder, reach) in owed {
            self.owe(folder, path, reach);
        }
    }

    pub(crate) fn remove_file(&mut self, path: &Path) {
        let changed: Vec<PathBuf> = self
            .roots
            .iter_mut()
            .filter_map(|root| root.remove(path).then(|| root.folder.clone()))
            .collect();
        for folder in changed {
            self.owe(folder, path, Reach::Project);
        }
    }

    /// Reloads the config of every root the config file at `path` can govern.
    pub(crate) fn reload_config(&mut self, path: &Path) -> Vec<String> {
        let Some(config_folder) = path.parent() else {
            return Vec::new();
        };
        let open: FxHashMap<PathBuf, String> = self
            .open
            .iter()
            .map(|(path, document)| (path.clone(), document.text.clone()))
            .collect();
        let mut messages = Vec::new();
        let mut reloaded = Vec::new();
        for root in &mut self.roots {
            if root.folder.starts_with(config_folder) || config_folder.starts_with(&root.folder) {
                root.reload(&open);
                if let Some(error) = &root.config_error {
                    messages.push(error.clone());
                }
                reloaded.push(root.folder.clone());
            }
        }
        for folder in reloaded {
            self.pending.entry(folder).or_default().project = true;
        }
        messages
    }

    /// Adds workspace folders, removes others; open documents that the ad-hoc root of a lone
    /// file held move to the new folder's project.
    pub(crate) fn change_folders(&mut self, added: Vec<Root>, removed: &[PathBuf]) {
        self.roots.retain(|root| !removed.contains(&root.folder));
        let covered = |root: &Root| {
            root.ad_hoc && added.iter().any(|new| root.folder.starts_with(&new.folder))
        };
        self.roots.retain(|root| !covered(root));
        self.roots.extend(added);
        let open: Vec<(PathBuf, String)> = self
            .open
            .iter()
            .map(|(path, document)| (path.clone(), document.text.clone()))
            .collect();
        for (path, text) in open {
            self.set_text(&path, text);
        }
        self.reanalyse_all();
    }

    pub(crate) fn reanalyse_all(&mut self) {
        for root in &self.roots {
            self.pending.entry(root.folder.clone()).or_default().project = true;
        }
    }

    /// Records the analysis a change needs. The file itself is always listed: when it has
    /// left the slice, the project analysis no longer covers it.
    fn owe(&mut self, folder: PathBuf, path: &Path, reach: Reach) {
        let pending = self.pending.entry(folder).or_default();
        pending.project |= reach == Reach::Project;
        pending.files.insert(path.to_path_buf());
    }

    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Runs every analysis owed, and returns the diagnostics of the open documents it touched,
    /// plus log lines (panics caught, with the files they concern).
    pub(crate) fn run_pending(&mut self) -> (Vec<Publication>, Vec<String>) {
        let mut logs = Vec::new();
        let mut touched: Vec<PathBuf> = std::mem::take(&mut self.held_back);
        for (folder, pending) in std::mem::take(&mut self.pending) {
            let Some(root) = self.roots.iter_mut().find(|root| root.folder == folder) else {
                continue;
            };
            if pending.project {
                let started = Instant::now();
                let (paths, errors) = root.analyse();
                report_timing(self.timing, "project analysis", started);
                logs.extend(errors);
                touched.extend(paths);
            }
            for path in pending.files {
                match root.analyse_file(&path) {
                    Ok(()) => touched.push(path),
                    Err(message) => logs.push(format!("{}: {message}", path.display())),
                }
            }
        }
        let started = Instant::now();
        let mut publications = Vec::new();
        let mut seen = FxHashSet::default();
        for path in touched {
            // A project analysis touches every file of the slice; only open ones are published.
            let Some(document) = self.open.get(&path) else {
                continue;
            };
            if !seen.insert(path.clone()) {
                continue;
            }
            // Published from the root that owns the file (a file in nested folders is analysed
            // by each; the innermost one's findings are the ones shown).
            let Some(index) = self.owning_root(&path) else {
                continue;
            };
            let folder = self.roots[index].folder.clone();
            let diagnostics = self.diagnostics(&folder, &path);
            if self.published.get(&path) == Some(&diagnostics) {
                continue;
            }
            publications.push(Publication {
                root: folder,
                uri: document.uri.clone(),
                version: document.version,
                diagnostics,
            });
        }
        report_timing(self.timing, "diagnostics conversion", started);
        (publications, logs)
    }

    /// The LSP diagnostics of a file from its root's latest findings.
    pub(crate) fn diagnostics(&self, folder: &Path, path: &Path) -> Vec<lsp::Diagnostic> {
        let Some(root) = self.root(folder) else {
            return Vec::new();
        };
        let Some(source) = root.source(path) else {
            return Vec::new();
        };
        root.findings(path)
            .iter()
            .map(|found| convert::diagnostic(source, found, self.encoding, &RootSources(root)))
            .collect()
    }

    /// Whether `publication` still describes the document as it is: no newer analysis owed for
    /// its root and the same text version. Records it as published when so.
    /// A document whose publication is held back this way is published by the next analysis
    /// (which may not touch it: a burst of opens owes each run only its own file).
    pub(crate) fn still_current(&mut self, publication: &Publication) -> bool {
        let Some(path) = publication
            .uri
            .to_file_path()
            .map(std::borrow::Cow::into_owned)
        else {
            return false;
        };
        let Some(document) = self.open.get(&path) else {
            return false;
        };
        if self.pending.contains_key(&publication.root) || document.version != publication.version {
            self.held_back.push(path);
            return false;
        }
        self.published.insert(path, publication.diagnostics.clone());
        true
    }

    /// Records what a pulling client received for a document.
    pub(crate) fn pulled(&mut self, path: PathBuf, diagnostics: Vec<lsp::Diagnostic>) {
        self.published.insert(path, diagnostics);
    }

    pub(crate) fn forget_published(&mut self, path: &Path) {
        self.published.remove(path);
    }

    /// The root, parsed source and findings of a file, for code actions and hover.
    pub(crate) fn file(&mut self, path: &Path) -> Option<(&Root, &ParsedSource)> {
        let folder = self.root_for(path).folder.clone();
        let root = self.root(&folder)?;
        Some((root, root.source(path)?))
    }
}

impl Root {
    pub(crate) fn sources(&self) -> impl Sources + '_ {
        RootSources(self)
    }
}
