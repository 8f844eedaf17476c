//! `tempolint check`: find the files, read and parse them in parallel, lint the project, print.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;
use tempolint_linter::{
    Diagnostic, LintOutput, RuleSelection, Settings, find_config, lint_project, load_config,
};
use tempolint_python::ParsedSource;
use tempolint_semantic::SourceInput;

use crate::cache::{self, FileBytes, RunCache};
use crate::context::context_files;
use crate::discovery::python_files;
use crate::fix::{self, FixOutcome};
use crate::loader::{
    InvalidUtf8, Loaded, SourceRoots, from_bytes, prune_trees, read, separate_same_named_trees,
    text_only,
};
use crate::printer::{self, OutputFormat};

#[derive(clap::Args)]
pub(crate) struct CheckArgs {
    /// Files or folders to check (default: the current folder).
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    output_format: OutputFormat,
    /// Rule codes or prefixes to enable, replacing the configured set (`DET1,TMO101`, `ALL`).
    #[arg(long, value_delimiter = ',')]
    select: Option<Vec<String>>,
    /// Rule codes or prefixes to disable.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Rule codes or prefixes to enable on top of the configured set.
    #[arg(long, value_delimiter = ',')]
    extend_select: Vec<String>,
    /// Read the source from standard input, reported under this file name.
    #[arg(long)]
    stdin_filename: Option<PathBuf>,
    /// Exit with 0 even when there are findings.
    #[arg(long)]
    exit_zero: bool,
    /// Print a count per rule instead of the findings.
    #[arg(long)]
    statistics: bool,
    /// Use this configuration file (`pyproject.toml` or `tempolint.toml`).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print only the findings, no summary.
    #[arg(short, long)]
    quiet: bool,
    /// Apply the safe fixes (and, with `--unsafe-fixes`, the unsafe ones) to the files.
    #[arg(long)]
    fix: bool,
    /// Let `--fix` and `--diff` apply fixes that may change behaviour too.
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of applying them; exit 1 when there is one.
    #[arg(long, conflicts_with_all = ["fix", "fix_only"])]
    diff: bool,
    /// List the fixes applied, per file and rule.
    #[arg(long)]
    show_fixes: bool,
    /// Apply fixes like `--fix`, but report only what was fixed (exit 0 unless an error).
    #[arg(long)]
    fix_only: bool,
    /// Neither read nor write the cache of findings.
    #[arg(long)]
    no_cache: bool,
    /// Keep the cache here (default: the `cache-dir` setting, else `.tempolint_cache` in the
    /// project root).
    #[arg(long, env = "TEMPOLINT_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
}

impl CheckArgs {
    fn fixing(&self) -> bool {
        self.fix || self.fix_only || self.diff
    }
}

fn error(message: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "tempolint: error: {message}");
}

fn note(message: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "tempolint: note: {message}");
}

pub(crate) fn warning(message: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "tempolint: warning: {message}");
}

fn settings_for(args: &CheckArgs) -> Result<Settings, String> {
    let start = args
        .stdin_filename
        .as_deref()
        .or(args.paths.first().map(PathBuf::as_path));
    let mut settings = project_settings(start, args.config.clone())?;
    settings
        .apply_selection(&RuleSelection {
            select: args.select.clone(),
            extend_select: args.extend_select.clone(),
            ignore: args.ignore.clone(),
        })
        .map_err(|message| format!("command line: {message}"))?;
    Ok(settings)
}

/// The settings of the project that holds `start` (a file or folder; default: the current
/// folder): the given config file, else the nearest one above `start`, else the defaults rooted
/// at the project folder that holds `start` (see [`default_root`]).
pub(crate) fn project_settings(
    start: Option<&Path>,
    config: Option<PathBuf>,
) -> Result<Settings, String> {
    let start = start.map_or_else(
        || PathBuf::from("."),
        |path| {
            if path.is_dir() {
                path.to_path_buf()
            } else {
                path.parent()
                    .filter(|parent| !parent.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            }
        },
    );
    match config.or_else(|| find_config(&start)) {
        Some(path) => load_config(&path).map_err(|e| e.to_string()),
        None => Ok(Settings {
            root: default_root(&start),
            ..Settings::default()
        }),
    }
}

/// Where module names start when no configuration says: the nearest folder at or above
/// `start` that looks like a project's root (`pyproject.toml`, `setup.py`, `setup.cfg`,
/// `.git`), looking no higher than the current folder when that holds `start`; else the
/// current folder. So `tempolint check repo` from the folder above names `repo/app/log.py`
/// `app.log`, as `tempolint check .` in `repo` does, and the code's `from app.log import …`
/// finds it.
fn default_root(start: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let start = crate::context::absolute(start);
    let under_cwd = start.starts_with(&cwd);
    for folder in start.ancestors() {
        if crate::context::is_project_root(folder) {
            return folder.to_path_buf();
        }
        if under_cwd && folder == cwd {
            break;
        }
    }
    cwd
}

pub(crate) fn run(args: &CheckArgs) -> ExitCode {
    let settings = match settings_for(args) {
        Ok(settings) => settings,
        Err(message) => {
            error(message);
            return ExitCode::from(2);
        }
    };
    let mut had_error = false;
    let roots = SourceRoots::new(&settings);
    let mut checked_paths = Vec::new();
    let mut checked_files = Vec::new();
    let mut sources: Vec<(PathBuf, Vec<u8>)> = if let Some(name) = &args.stdin_filename {
        let mut bytes = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
            error(format!("failed to read standard input: {e}"));
            return ExitCode::from(2);
        }
        checked_paths.push(name.clone());
        checked_files.push(name.clone());
        vec![(name.clone(), bytes)]
    } else {
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        let (files, walk_errors) = python_files(&paths, &settings.exclude);
        for walk_error in walk_errors {
            if walk_error.skipped {
                note(walk_error.message);
            } else {
                error(walk_error.message);
                had_error = true;
            }
        }
        if files.is_empty() && !had_error {
            warning(format_args!(
                "no Python files found under {}",
                paths
                    .iter()
                    .map(|path| path.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        checked_files.clone_from(&files);
        checked_paths = paths;
        let read: Vec<_> = files
            .into_par_iter()
            .map(|path| read(&path).map(|bytes| (path, bytes)))
            .collect();
        read.into_iter()
            .filter_map(|item| {
                item.map_err(|message| {
                    error(message);
                    had_error = true;
                })
                .ok()
            })
            .collect()
    };
    // The rest of the project is analysed after the checked files, and not reported.
    let reported = sources.len();
    let context: Vec<_> = context_files(&settings, &checked_paths, &checked_files)
        .into_par_iter()
        .filter_map(|path| read(&path).ok().map(|bytes| (path, bytes)))
        .collect();
    sources.extend(context);
    let cache = run_cache(args, &settings, &checked_paths, &sources, reported);
    let cached = cache
        .as_ref()
        .and_then(|cache| cache.load(&texts(&sources)));
    let make_input = if cached.is_some() {
        text_only
    } else {
        from_bytes
    };
    let loaded: Vec<Loaded> = sources
        .into_par_iter()
        .map(|(path, bytes)| make_input(path, bytes, &roots))
        .collect();
    let mut inputs = Vec::with_capacity(loaded.len());
    let mut encoding_errors = Vec::new();
    for item in loaded {
        match item {
            Loaded::NotUtf8(input, at) => {
                if inputs.len() < reported {
                    encoding_errors.push((inputs.len(), at));
                }
                inputs.push(input);
            }
            Loaded::Input(input) => inputs.push(input),
            Loaded::Unreadable(message) => {
                error(message);
                had_error = true;
            }
        }
    }
    let mut outcome = if let Some(files) = cached {
        FixOutcome {
            output: LintOutput { files },
            files: Vec::new(),
            failures: Vec::new(),
        }
    } else {
        analyse(args, &settings, &mut inputs, reported, cache.as_ref())
    };
    for failure in &outcome.failures {
        warning(failure);
    }
    for (index, at) in encoding_errors {
        outcome.output.files[index]
            .diagnostics
            .insert(0, not_utf8(&at));
    }
    let code = match report(args, &inputs, &outcome) {
        Ok(code) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            error(e);
            return ExitCode::from(2);
        }
    };
    // The process ends here: freeing every syntax tree one node at a time is wasted work.
    std::mem::forget(outcome);
    std::mem::forget(inputs);
    if had_error { ExitCode::from(2) } else { code }
}

/// Writes (or diffs) the fixed files and prints the findings that remain; the exit code.
fn report(
    args: &CheckArgs,
    inputs: &[SourceInput],
    outcome: &FixOutcome,
) -> std::io::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    let remaining: usize = outcome
        .output
        .files
        .iter()
        .map(|report| report.diagnostics.len())
        .sum();
    let fixed = outcome.fixed_count();
    if args.diff {
        for file in &outcome.files {
            let input = &inputs[file.index];
            let diff = fix::unified_diff(&input.path, &file.original, input.source.text());
            stdout.write_all(diff.as_bytes())?;
        }
        stdout.flush()?;
        if !args.quiet {
            let _ = writeln!(
                std::io::stderr(),
                "Would fix {fixed} problem{} ({remaining} would remain).",
                if fixed == 1 { "" } else { "s" }
            );
        }
        return Ok(ExitCode::from(u8::from(fixed > 0)));
    }
    if args.stdin_filename.is_some() && args.fixing() {
        // The fixed source replaces the input, as formatters do with stdin.
        stdout.write_all(inputs[0].source.text().as_bytes())?;
        stdout.flush()?;
        return Ok(exit_for(args, remaining));
    }
    let mut write_failed = false;
    for file in &outcome.files {
        let input = &inputs[file.index];
        if let Err(e) = fix::write_atomically(&input.path, input.source.text().as_bytes()) {
            error(format!("failed to write {}: {e}", input.path.display()));
            write_failed = true;
        }
    }
    let text_like = matches!(
        args.output_format,
        OutputFormat::Text | OutputFormat::Concise | OutputFormat::Pylint
    );
    if args.show_fixes && text_like {
        fix::show_fixes(&mut stdout, inputs, &outcome.files)?;
    }
    let reports: Vec<(&SourceInput, &[Diagnostic])> = inputs
        .iter()
        .zip(&outcome.output.files)
        .map(|(input, report)| (input, report.diagnostics.as_slice()))
        .collect();
    if args.fix_only {
        if !args.quiet {
            writeln!(
                stdout,
                "Fixed {fixed} problem{}.",
                if fixed == 1 { "" } else { "s" }
            )?;
        }
    } else if args.statistics {
        printer::statistics(&mut stdout, &reports)?;
    } else {
        let summary = printer::FixSummary {
            fixed,
            unsafe_fixes: args.unsafe_fixes,
        };
        printer::print(
            &mut stdout,
            args.output_format,
            &reports,
            args.quiet,
            summary,
        )?;
    }
    stdout.flush()?;
    if write_failed {
        return Ok(ExitCode::from(2));
    }
    Ok(exit_for(args, remaining))
}

/// The cache entry for this run, or `None` when the cache is off (`--no-cache`) or cannot be
/// exact: `--fix`, `--fix-only` and `--diff` write or print fixed text (never from a stale
/// entry), and standard input is an editor's unsaved buffer, checked once.
fn run_cache(
    args: &CheckArgs,
    settings: &Settings,
    checked_paths: &[PathBuf],
    sources: &[(PathBuf, Vec<u8>)],
    reported: usize,
) -> Option<RunCache> {
    if args.no_cache || args.fixing() || args.stdin_filename.is_some() {
        return None;
    }
    let files: Vec<FileBytes> = sources
        .iter()
        .map(|(path, bytes)| FileBytes { path, bytes })
        .collect();
    let dir = cache::cache_dir(args.cache_dir.as_deref(), settings);
    Some(RunCache::new(
        &dir,
        settings,
        checked_paths,
        &files,
        reported,
    ))
}

/// Each file's path and text (empty when it is not UTF-8, as its input's is).
fn texts(sources: &[(PathBuf, Vec<u8>)]) -> Vec<(&Path, &str)> {
    sources
        .iter()
        .map(|(path, bytes)| (path.as_path(), std::str::from_utf8(bytes).unwrap_or("")))
        .collect()
}

/// Lints (and, when asked, fixes) the parsed inputs; the result goes into `cache` when given.
fn analyse(
    args: &CheckArgs,
    settings: &Settings,
    inputs: &mut [SourceInput],
    reported: usize,
    cache: Option<&RunCache>,
) -> FixOutcome {
    separate_same_named_trees(inputs, &SourceRoots::new(settings));
    prune_trees(inputs);
    let mut outcome = if args.fixing() {
        fix::fix_project(inputs, settings, args.unsafe_fixes, reported)
    } else {
        FixOutcome {
            output: lint_project(inputs, settings),
            files: Vec::new(),
            failures: Vec::new(),
        }
    };
    // Context files stay in the reports (chains point into them) but report nothing.
    for file in &mut outcome.output.files[reported..] {
        file.diagnostics.clear();
    }
    if let Some(cache) = cache
        && let Err(e) = cache.store(&outcome.output.files)
    {
        warning(format!("cannot write the cache: {e}"));
    }
    outcome
}

fn exit_for(args: &CheckArgs, remaining: usize) -> ExitCode {
    if remaining > 0 && !args.exit_zero && !args.fix_only {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn not_utf8(at: &InvalidUtf8) -> Diagnostic {
    Diagnostic {
        rule: tempolint_linter::Rule::SyntaxError,
        message: format!(
            "Syntax error: file is not valid UTF-8: invalid byte 0x{:02X} at line {}, column {} \
             (byte offset {}); save it as UTF-8 (PEP 3120)",
            at.byte, at.row, at.column, at.offset
        ),
        severity: tempolint_linter::Severity::Error,
        range: tempolint_python::TextRange::default(),
        chain: Vec::new(),
        fix: None,
    }
}

/// `tempolint debug parse`: the parse-only floor the benchmark compares against.
pub(crate) fn parse_only(paths: &[PathBuf]) -> ExitCode {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let (files, _) = python_files(&paths, &Settings::default().exclude);
    let parsed: usize = files
        .into_par_iter()
        .filter_map(|path| std::fs::read(&path).ok())
        .filter_map(|bytes| String::from_utf8(bytes).ok())
        .map(|text| ParsedSource::parse(text).module().body.len().min(1))
        .count();
    let _ = writeln!(std::io::stdout(), "{parsed}");
    ExitCode::SUCCESS
}
