//! Reading the files of a check: parse in parallel, and keep syntax trees only where the
//! analysis can use them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use tempolint_linter::Settings;
use tempolint_python::{ParsedSource, module_name_for, trailing_module_name};
use tempolint_semantic::SourceInput;

/// The configured source roots, made absolute once per run, the deepest first: with the
/// default `[".", "src"]`, `src/pkg/flows.py` is `pkg.flows` (what the src layout's code
/// imports), not `src.pkg.flows`. A root that is itself a package (`src/__init__.py`) is
/// tried last, in the configured order: its files are imported through it.
pub(crate) struct SourceRoots(Vec<PathBuf>);

impl SourceRoots {
    pub(crate) fn new(settings: &Settings) -> Self {
        let root = std::path::absolute(&settings.root).unwrap_or_else(|_| settings.root.clone());
        let mut roots: Vec<(bool, usize, PathBuf)> = settings
            .src
            .iter()
            .map(|src| {
                let path = root.join(src);
                let is_package = path.join("__init__.py").is_file();
                (is_package, path.components().count(), path)
            })
            .collect();
        // Stable: roots of one kind and depth keep their configured order.
        roots.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        Self(roots.into_iter().map(|(_, _, path)| path).collect())
    }

    /// Whether `folder` is one of the source roots.
    fn holds(&self, folder: &Path) -> bool {
        let folder = std::path::absolute(folder).unwrap_or_else(|_| folder.to_path_buf());
        self.0.contains(&folder)
    }

    /// The module name of `path`, whether it is a package's `__init__.py`, and the longer
    /// name a shallower root gives it (see [`SourceInput::alias`]). A file under no root (or
    /// under a folder that is no identifier) is named by its trailing identifier folders.
    pub(crate) fn module_of(&self, path: &Path) -> (String, bool, Option<String>) {
        let is_package = path.file_name().is_some_and(|name| name == "__init__.py");
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let mut names = self
            .0
            .iter()
            .filter_map(|root| module_name_for(&absolute, &[root.as_path()]));
        let Some(name) = names.next() else {
            // A file no import can name (`activities copy.py`) is called by its stem in chains.
            let name = trailing_module_name(&absolute)
                .or_else(|| Some(absolute.file_stem()?.to_str()?.to_string()))
                .unwrap_or_else(|| "__main__".to_string());
            return (name, is_package, None);
        };
        let alias = names.find(|alias| {
            alias
                .strip_suffix(name.as_str())
                .is_some_and(|prefix| prefix.ends_with('.'))
        });
        (name, is_package, alias)
    }
}

/// A file's input, or a diagnostic-worthy problem reading it.
pub(crate) enum Loaded {
    Input(SourceInput),
    NotUtf8(SourceInput, InvalidUtf8),
    Unreadable(String),
}

/// Where a file stops being UTF-8: the first invalid byte, its 1-based line and character
/// column (the file is not decoded, so no diagnostic range can point there).
pub(crate) struct InvalidUtf8 {
    pub(crate) byte: u8,
    pub(crate) offset: usize,
    pub(crate) row: usize,
    pub(crate) column: usize,
}

impl InvalidUtf8 {
    fn locate(bytes: &[u8], offset: usize) -> Self {
        let valid = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
        let line_start = valid.rfind('\n').map_or(0, |newline| newline + 1);
        Self {
            byte: bytes[offset],
            offset,
            row: valid.matches('\n').count() + 1,
            column: valid[line_start..].chars().count() + 1,
        }
    }
}

pub(crate) fn load(path: PathBuf, roots: &SourceRoots) -> Loaded {
    match read(&path) {
        Ok(bytes) => from_bytes(path, bytes, roots),
        Err(message) => Loaded::Unreadable(message),
    }
}

/// A file's bytes, or the message that says why they cannot be read.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("failed to read {}: {e}", path.display()))
}

/// A file's input from its bytes (read from disk, or from standard input under `path`), not
/// parsed yet: [`prune_trees`] parses every input once, keeping the trees the analysis needs.
pub(crate) fn from_bytes(path: PathBuf, bytes: Vec<u8>, roots: &SourceRoots) -> Loaded {
    with_source(path, bytes, roots, ParsedSource::unparsed)
}

/// A file's input with its text alone, not parsed: for printing findings the cache holds.
pub(crate) fn text_only(path: PathBuf, bytes: Vec<u8>, roots: &SourceRoots) -> Loaded {
    with_source(path, bytes, roots, ParsedSource::text_only)
}

fn with_source(
    path: PathBuf,
    bytes: Vec<u8>,
    roots: &SourceRoots,
    source: impl FnOnce(String) -> ParsedSource,
) -> Loaded {
    let (module_name, is_package, alias) = roots.module_of(&path);
    let (text, invalid_at) = match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            (
                String::new(),
                Some(InvalidUtf8::locate(e.as_bytes(), offset)),
            )
        }
    };
    let input = SourceInput {
        path,
        module_name,
        is_package,
        alias,
        source: source(text),
    };
    match invalid_at {
        None => Loaded::Input(input),
        Some(at) => Loaded::NotUtf8(input, at),
    }
}

/// What every workflow, activity and client module imports.
const TEMPORAL: &str = "temporalio";

/// Whether a file can hold Temporal code itself (every workflow, activity and client module
/// imports `temporalio`).
fn mentions_temporal(input: &SourceInput) -> bool {
    input.source.text().contains(TEMPORAL)
}

/// Parses every input once, keeping the syntax trees of the files the analysis can reach:
/// files that mention `temporalio`, files that import one of those (a project's own wrapper
/// of the SDK's decorators, `from compat import workflow_defn`), and, transitively, every
/// module they import (matched by name, generously), found from each tree as it is parsed.
/// The other files keep their text, syntax errors and comments, so SYN001 and
/// suppressions still work, but not their tree: a whole-project check of a large code base
/// then costs little more than parsing it, and its trees never pile up.
pub(crate) fn prune_trees(inputs: &mut [SourceInput]) {
    let mentions: FxHashSet<usize> = (0..inputs.len())
        .into_par_iter()
        .filter(|index| mentions_temporal(&inputs[*index]))
        .collect();
    let temporal_names: FxHashSet<String> = mentions
        .iter()
        .map(|index| last_segment(&inputs[*index].module_name).to_string())
        .collect();
    let mut segments: FxHashSet<String> = FxHashSet::default();
    restore_imported(inputs, mentions, &mut segments);
    // The rest are parsed now; those importing a Temporal module keep their tree, and so do
    // the modules they import.
    let importers: FxHashSet<usize> = inputs
        .par_iter_mut()
        .enumerate()
        .filter(|(_, input)| !input.source.is_parsed())
        .filter_map(|(index, input)| {
            input.source.restore_tree();
            let imports_temporal = !temporal_names.is_empty()
                && input
                    .source
                    .imported_segments()
                    .iter()
                    .any(|segment| temporal_names.contains(*segment));
            if !imports_temporal {
                input.source.drop_tree();
            }
            imports_temporal.then_some(index)
        })
        .collect();
    restore_imported(inputs, importers, &mut segments);
}

/// Restores the trees of `wanted` and of every module a restored tree imports (by the last
/// segment of its name), transitively; `segments` holds the names imported so far. Each file
/// is a task that, once parsed, starts the tasks of the modules it brings in, so a 50-deep
/// chain of helpers is followed without waiting for the rest of each level.
fn restore_imported(
    inputs: &mut [SourceInput],
    wanted: FxHashSet<usize>,
    segments: &mut FxHashSet<String>,
) {
    if wanted.is_empty() {
        return;
    }
    let mut by_segment: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (index, input) in inputs.iter().enumerate() {
        if !input.source.has_tree() {
            by_segment
                .entry(last_segment(&input.module_name).to_string())
                .or_default()
                .push(index);
        }
    }
    let restoring = Restoring {
        claimed: inputs
            .iter()
            .enumerate()
            .map(|(index, input)| {
                AtomicBool::new(input.source.has_tree() || wanted.contains(&index))
            })
            .collect(),
        inputs: inputs.iter_mut().map(Mutex::new).collect(),
        segments: Mutex::new(std::mem::take(segments)),
        by_segment,
    };
    rayon::scope(|scope| {
        for index in wanted {
            let restoring = &restoring;
            scope.spawn(move |scope| restoring.restore(scope, index));
        }
    });
    *segments = restoring
        .segments
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
}

/// The shared state of [`restore_imported`]'s tasks.
struct Restoring<'a> {
    inputs: Vec<Mutex<&'a mut SourceInput>>,
    /// Whether a file has its tree or a task to restore it.
    claimed: Vec<AtomicBool>,
    segments: Mutex<FxHashSet<String>>,
    /// The files without a tree, by the last segment of their module's name.
    by_segment: FxHashMap<String, Vec<usize>>,
}

impl Restoring<'_> {
    fn restore<'s>(&'s self, scope: &rayon::Scope<'s>, index: usize) {
        let imported: Vec<String> = {
            let mut input = self.inputs[index]
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            input.source.restore_tree();
            input
                .source
                .imported_segments()
                .into_iter()
                .map(str::to_string)
                .collect()
        };
        let fresh: Vec<String> = {
            let mut segments = self.segments.lock().unwrap_or_else(PoisonError::into_inner);
            imported
                .into_iter()
                .filter(|segment| segments.insert(segment.clone()))
                .collect()
        };
        for segment in fresh {
            for &next in self.by_segment.get(&segment).into_iter().flatten() {
                if !self.claimed[next].swap(true, Ordering::Relaxed) {
                    scope.spawn(move |scope| self.restore(scope, next));
                }
            }
        }
    }
}

fn last_segment(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// Gives the modules of a folder that is no package (`svc-a/`, a service of its own, run
/// from there) names of their own when another such folder holds modules of the same names
/// (`svc-a/app/…` and `svc-b/app/…`, two services with an `app` package each, or a `worker.py`
/// each): else they would be one module to the analysis, and one file's definitions taken for
/// the other's. Every module of such a folder gets the folder's name in front
/// (`svc-a.app.core.audit`, a first segment no Python name can be). Imports written inside
/// (`from app.core import audit`) still land in the same folder, as an absolute import takes
/// the first enclosing package that has the name; from elsewhere, in the one such folder that
/// has it; and passthrough settings naming `app` still cover it. A source root keeps its
/// modules' names (it is where they start, whatever the folder is called).
pub(crate) fn separate_same_named_trees(inputs: &mut [SourceInput], roots: &SourceRoots) {
    // The folder above each module's top-level package (or holding a top-level module).
    let folders: Vec<Option<PathBuf>> = inputs
        .iter()
        .map(|input| {
            let levels = input.module_name.split('.').count() - usize::from(!input.is_package);
            input
                .path
                .ancestors()
                .nth(levels + 1)
                .map(Path::to_path_buf)
        })
        .collect();
    let mut by_name: FxHashMap<&str, FxHashSet<&Path>> = FxHashMap::default();
    for (input, folder) in inputs.iter().zip(&folders) {
        if let Some(folder) = folder {
            by_name
                .entry(input.module_name.as_str())
                .or_default()
                .insert(folder);
        }
    }
    // The folders that are no package and hold a name another folder holds too, by tag.
    let mut by_tag: FxHashMap<String, FxHashSet<&Path>> = FxHashMap::default();
    for holders in by_name.values().filter(|holders| holders.len() > 1) {
        for folder in holders {
            if let Some(tag) = folder_tag(folder).filter(|_| !roots.holds(folder)) {
                by_tag.entry(tag).or_default().insert(folder);
            }
        }
    }
    let tags: FxHashMap<PathBuf, String> = by_tag
        .into_iter()
        .filter(|(_, folders)| folders.len() == 1)
        .flat_map(|(tag, folders)| {
            folders
                .into_iter()
                .map(move |folder| (folder.to_path_buf(), tag.clone()))
        })
        .collect();
    for (input, folder) in inputs.iter_mut().zip(folders) {
        if let Some(tag) = folder.and_then(|folder| tags.get(&folder)) {
            input.module_name = format!("{tag}.{}", input.module_name);
        }
    }
}

/// The name in front of a folder's modules: the folder's, when no package can have it (one
/// that could would already be part of its modules' names).
fn folder_tag(folder: &Path) -> Option<String> {
    let name = folder.file_name()?.to_str()?;
    (!tempolint_python::is_identifier(name) && !name.contains('.')).then(|| name.to_string())
}
