//! The verification runtime: replays workflow source against recorded histories, like the SDK's
//! `Replayer`, from source alone, and says which line diverged.
//!
//! Layers: [`history`] turns JSON into typed events; `interp` evaluates the workflow's Python
//! (the ruff AST, with asyncio and the Temporal SDK modelled natively); `core` plays sdk-core's
//! command matching against the recorded events; `checks` adds the history-size findings.
#![allow(
    clippy::match_same_arms,
    reason = "transition tables mirror sdk-core and CPython arm by arm; merging arms would hide the correspondence"
)]
#![allow(
    clippy::format_push_string,
    reason = "rendering helpers favour readability over avoiding an allocation"
)]

mod checks;
mod core;
pub mod history;
mod interp;
mod project;
mod protocol;
mod registered;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use checks::{Finding, Severity};
pub use history::HistoryError;

/// The replay verdict for one history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Nondeterministic,
    Inconclusive,
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Nondeterministic => "nondeterministic",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Error => "error",
        }
    }
}

/// A source location, resolved for display (1-based row, character column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub filename: String,
    pub row: usize,
    pub column: usize,
    pub end_column: usize,
    /// The text of the line, for excerpts.
    pub line: String,
}

/// The outcome of replaying one history.
#[derive(Debug, Clone)]
pub struct ReplayResult {
    pub history: String,
    pub workflow_type: String,
    pub verdict: Verdict,
    pub event_id: Option<i64>,
    pub message: String,
    pub location: Option<Location>,
    /// What the history recorded at the diverging event.
    pub recorded: Option<String>,
    /// What the code does there now.
    pub code_now: Option<String>,
    /// REP102/REP103 findings about the history itself.
    pub findings: Vec<Finding>,
}

/// Input that cannot be replayed at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("{0}")]
    Usage(String),
}

/// What replays, and where its imports come from.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// The classes a worker would register (`Replayer(workflows=[…])`): `Name`,
    /// `path/file.py::Name` or `package.module.Name`. Empty: the class among the given paths
    /// whose workflow type is the history's (two such classes are a usage error).
    pub workflows: Vec<String>,
    /// Folders on the worker's `sys.path` (the `src` setting joined to the project root):
    /// modules outside the given paths load from there on demand.
    pub source_roots: Vec<PathBuf>,
}

/// Replays the history in `history_path` against the workflow source under `paths`.
/// `workflow_type`, when given, must match the history's workflow type.
pub fn replay_history_file(
    history_path: &Path,
    workflow_type: Option<&str>,
    paths: &[PathBuf],
    options: &ReplayOptions,
) -> Result<ReplayResult, ReplayError> {
    let history = history::load_history(history_path)?;
    replay_history(
        &history,
        &history_path.display().to_string(),
        workflow_type,
        paths,
        options,
    )
}

/// Replays a history given as JSON text (what `temporal workflow show --output json` writes,
/// or a history fetched from a server); `name` names it in results and errors.
pub fn replay_history_json(
    json: &str,
    name: &str,
    workflow_type: Option<&str>,
    paths: &[PathBuf],
    options: &ReplayOptions,
) -> Result<ReplayResult, ReplayError> {
    let history = history::parse_history(json, name)?;
    replay_history(&history, name, workflow_type, paths, options)
}

fn replay_history(
    history: &history::History,
    name: &str,
    workflow_type: Option<&str>,
    paths: &[PathBuf],
    options: &ReplayOptions,
) -> Result<ReplayResult, ReplayError> {
    let recorded_type = history
        .workflow_started()
        .map(|started| started.workflow_type.clone())
        .unwrap_or_default();
    if let Some(requested) = workflow_type
        && requested != recorded_type
    {
        return Err(ReplayError::Usage(format!(
            "{name}: the history is of workflow type `{recorded_type}`, not `{requested}`"
        )));
    }
    let findings = checks::check_history(history);
    let mut result = project::replay(history, &recorded_type, paths, options)?;
    result.history = name.to_string();
    result.findings = findings;
    Ok(result)
}

/// The workflow types a worker over `paths` registers (the `--workflow` classes, else every
/// named `@workflow.defn` class in the given files), in the order found.
pub fn workflow_types(
    paths: &[PathBuf],
    options: &ReplayOptions,
) -> Result<Vec<String>, ReplayError> {
    project::workflow_types(paths, options)
}
