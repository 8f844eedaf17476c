//! `tempolint replay`: argument parsing and rendering around `tempolint_replay`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tempolint_replay::{ReplayError, ReplayResult, Verdict};

use crate::progress::Progress;
use crate::replay_report;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    Text,
    Json,
    /// GitHub Actions annotations at the diverging line.
    Github,
    /// SARIF 2.1.0 (REP101 at the diverging line, REP102/REP103 on the history).
    Sarif,
    /// JUnit XML: one test case per history.
    Junit,
}

/// Verdicts that fail the gate besides `nondeterministic` and `error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FailOn {
    /// An inconclusive replay exits 1 (a failed gate) instead of 3.
    Inconclusive,
}

#[derive(clap::Args)]
#[command(
    after_help = "Exit codes: 0 every replay ok; 1 a nondeterministic or error verdict \
(or an inconclusive one with --fail-on inconclusive); 2 bad input, or the server cannot be \
reached or fails mid-run (the histories replayed before it are still reported); \
3 inconclusive."
)]
pub(crate) struct ReplayArgs {
    /// A history JSON file, or a folder of them. Without it, histories are fetched from a
    /// Temporal server (see "Server").
    #[arg(long)]
    history: Option<PathBuf>,
    /// The workflow type to replay (default: the history's own); with a folder, only histories
    /// of this type are replayed.
    #[arg(long)]
    workflow_type: Option<String>,
    /// A workflow class the worker registers (repeatable), as `Replayer(workflows=[…])` does:
    /// `Name`, `path/file.py::Name` or `package.module.Name`. A history whose type no
    /// registered class has gets the SDK's verdict `error` ("not registered").
    #[arg(long = "workflow", value_name = "CLASS")]
    workflows: Vec<String>,
    /// How to print the results.
    #[arg(long, value_enum, default_value = "text")]
    output_format: OutputFormat,
    /// Make these verdicts fail too (exit 1), for strict gates.
    #[arg(long, value_enum, value_name = "VERDICT")]
    fail_on: Option<FailOn>,
    #[command(flatten)]
    remote: crate::replay_remote::RemoteArgs,
    /// Files or folders holding the workflow source (default: the current folder).
    paths: Vec<PathBuf>,
}

/// What every replay needs, whatever the histories come from.
pub(crate) struct ReplayContext {
    pub(crate) paths: Vec<PathBuf>,
    pub(crate) options: tempolint_replay::ReplayOptions,
    pub(crate) workflow_type: Option<String>,
    pub(crate) output_format: OutputFormat,
    pub(crate) fail_on_inconclusive: bool,
}

pub(crate) fn run(args: &ReplayArgs) -> ExitCode {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let settings =
        match crate::check_command::project_settings(paths.first().map(PathBuf::as_path), None) {
            Ok(settings) => settings,
            Err(message) => return usage_error(&message),
        };
    let root = std::path::absolute(&settings.root).unwrap_or_else(|_| settings.root.clone());
    let context = ReplayContext {
        paths,
        options: tempolint_replay::ReplayOptions {
            workflows: args.workflows.clone(),
            source_roots: settings.src.iter().map(|src| root.join(src)).collect(),
        },
        workflow_type: args.workflow_type.clone(),
        output_format: args.output_format,
        fail_on_inconclusive: args.fail_on == Some(FailOn::Inconclusive),
    };
    match &args.history {
        Some(history) => run_files(history, &context),
        None => crate::replay_remote::run(&args.remote, &context),
    }
}

fn run_files(history_path: &Path, context: &ReplayContext) -> ExitCode {
    let histories = match history_files(history_path) {
        Ok(files) => files,
        Err(message) => return usage_error(&message),
    };
    let (paths, options) = (&context.paths, &context.options);
    let filter_by_type = history_path.is_dir();
    let mut results = Vec::new();
    let mut progress = Progress::new(histories.len());
    for history in &histories {
        progress.start(&history.display().to_string());
        let requested = if filter_by_type {
            None
        } else {
            context.workflow_type.as_deref()
        };
        match tempolint_replay::replay_history_file(history, requested, paths, options) {
            Ok(result) => {
                if filter_by_type
                    && context
                        .workflow_type
                        .as_deref()
                        .is_some_and(|t| t != result.workflow_type)
                {
                    continue;
                }
                results.push(result);
            }
            Err(ReplayError::History(error)) => {
                progress.finish();
                return usage_error(&error.to_string());
            }
            Err(ReplayError::Usage(message)) => {
                progress.finish();
                return usage_error(&message);
            }
        }
    }
    progress.finish();
    print_report(&results, context.output_format, false);
    exit_code(&results, context.fail_on_inconclusive)
}

/// Prints the results in `format`; `by_type` adds the per-workflow-type summary (text, json).
pub(crate) fn print_report(results: &[ReplayResult], format: OutputFormat, by_type: bool) {
    let rendered = match format {
        OutputFormat::Json => render_json(results, by_type),
        OutputFormat::Text => {
            let mut text = render_text(results);
            if by_type {
                text.push_str(&replay_report::summary_text(results));
            }
            text
        }
        OutputFormat::Github | OutputFormat::Sarif | OutputFormat::Junit => {
            let mut out = Vec::new();
            let written = match format {
                OutputFormat::Github => replay_report::github(&mut out, results),
                OutputFormat::Sarif => replay_report::sarif(&mut out, results),
                _ => replay_report::junit(&mut out, results),
            };
            written.expect("writing to memory cannot fail");
            String::from_utf8_lossy(&out).into_owned()
        }
    };
    // A closed pipe (`| head`) is no error, and never a panic.
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(rendered.as_bytes())
        .and_then(|()| stdout.flush());
}

fn history_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if path.is_dir() {
        let entries =
            std::fs::read_dir(path).map_err(|error| format!("{}: {error}", path.display()))?;
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(format!(
                "{}: no history (*.json) files in this folder",
                path.display()
            ));
        }
        return Ok(files);
    }
    Err(format!("{}: no such file or directory", path.display()))
}

pub(crate) fn usage_error(message: &str) -> ExitCode {
    #[allow(clippy::print_stderr, reason = "usage errors go to stderr")]
    {
        eprintln!("error: {message}");
    }
    ExitCode::from(2)
}

pub(crate) fn exit_code(results: &[ReplayResult], fail_on_inconclusive: bool) -> ExitCode {
    let failed = |verdict: Verdict| {
        matches!(verdict, Verdict::Nondeterministic | Verdict::Error)
            || (fail_on_inconclusive && verdict == Verdict::Inconclusive)
    };
    if results.iter().any(|r| failed(r.verdict)) {
        ExitCode::from(1)
    } else if results.iter().any(|r| r.verdict == Verdict::Inconclusive) {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

fn render_json(results: &[ReplayResult], by_type: bool) -> String {
    let rendered: Vec<serde_json::Value> = results
        .iter()
        .map(|result| {
            let mut message = result.message.clone();
            if let Some(recorded) = &result.recorded {
                let _ = write!(message, "; history recorded: {recorded}");
            }
            if let Some(code) = &result.code_now {
                let _ = write!(message, "; the code now: {code}");
            }
            serde_json::json!({
                "history": result.history,
                "workflow_type": result.workflow_type,
                "verdict": result.verdict.as_str(),
                "event_id": result.event_id,
                "message": message,
                "location": result.location.as_ref().map(|l| serde_json::json!({
                    "filename": l.filename, "row": l.row, "column": l.column,
                })),
                "findings": result.findings.iter().map(|f| serde_json::json!({
                    "code": f.code, "severity": f.severity.as_str(), "message": f.message, "event_id": f.event_id,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut report = serde_json::json!({ "results": rendered });
    if by_type {
        report["summary"] = replay_report::summary_json(results);
    }
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_default();
    out.push('\n');
    out
}

fn render_text(results: &[ReplayResult]) -> String {
    let mut out = String::new();
    for result in results {
        let _ = writeln!(
            out,
            "{}: {} ({})",
            result.history,
            result.verdict.as_str(),
            result.workflow_type
        );
        if result.verdict != Verdict::Ok || !result.message.is_empty() {
            let _ = writeln!(out, "  {}", result.message);
        }
        if let Some(recorded) = &result.recorded {
            let _ = writeln!(out, "  = history recorded: {recorded}");
        }
        if let Some(code) = &result.code_now {
            let _ = writeln!(out, "  = the code now: {code}");
        }
        if let Some(location) = &result.location {
            let gutter = location.row.to_string().len();
            let _ = writeln!(
                out,
                "{:gutter$}--> {}:{}:{}",
                "", location.filename, location.row, location.column
            );
            let _ = writeln!(out, "{:gutter$} |", "");
            let _ = writeln!(out, "{} | {}", location.row, location.line);
            let width = location.end_column.saturating_sub(location.column).max(1);
            let _ = writeln!(
                out,
                "{:gutter$} | {}{}",
                "",
                " ".repeat(location.column.saturating_sub(1)),
                "^".repeat(width)
            );
        }
        for finding in &result.findings {
            let _ = writeln!(
                out,
                "  {}[{}]: {}",
                finding.severity.as_str(),
                finding.code,
                finding.message
            );
        }
    }
    let count = |verdict: Verdict| results.iter().filter(|r| r.verdict == verdict).count();
    let _ = writeln!(
        out,
        "{} replayed: {} ok, {} nondeterministic, {} error, {} inconclusive",
        results.len(),
        count(Verdict::Ok),
        count(Verdict::Nondeterministic),
        count(Verdict::Error),
        count(Verdict::Inconclusive)
    );
    out
}

/// `tempolint debug parse-json FILE`: read and parse the file as JSON, print its top-level
/// length (so the parse cannot be optimised away).
pub(crate) fn parse_json_only(file: &Path) -> ExitCode {
    let parsed = std::fs::read(file)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            serde_json::from_slice::<serde_json::Value>(&bytes).map_err(|e| e.to_string())
        });
    match parsed {
        Ok(value) => {
            let size = value.as_object().map_or(0, serde_json::Map::len);
            let _ = writeln!(std::io::stdout(), "{size}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            let _ = writeln!(
                std::io::stderr(),
                "tempolint: error: {}: {message}",
                file.display()
            );
            ExitCode::from(2)
        }
    }
}
