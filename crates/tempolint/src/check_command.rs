//! `tempolint check`: find the files, read and parse them in parallel, lint the project, print.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;
use tempolint_linter::{
    Diagnostic, RuleSelection, Settings, find_config, lint_project, load_config,
};
use tempolint_python::ParsedSource;
use tempolint_semantic::SourceInput;

use crate::context::context_files;
use crate::discovery::python_files;
use crate::loader::{Loaded, SourceRoots, from_bytes, load, prune_trees};
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
}

fn error(message: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "tempolint: error: {message}");
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
/// at the current folder.
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
            root: std::env::current_dir().unwrap_or_default(),
            ..Settings::default()
        }),
    }
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
    let loaded: Vec<Loaded> = if let Some(name) = &args.stdin_filename {
        let mut bytes = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
            error(format!("failed to read standard input: {e}"));
            return ExitCode::from(2);
        }
        checked_paths.push(name.clone());
        checked_files.push(name.clone());
        vec![from_bytes(name.clone(), bytes, &roots)]
    } else {
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        let (files, walk_errors) = python_files(&paths, &settings.exclude);
        for walk_error in walk_errors {
            error(walk_error.message);
            had_error = true;
        }
        checked_files.clone_from(&files);
        checked_paths = paths;
        files
            .into_par_iter()
            .map(|path| load(path, &roots))
            .collect()
    };
    let mut inputs = Vec::with_capacity(loaded.len());
    let mut encoding_errors = Vec::new();
    for item in loaded {
        match item {
            Loaded::Input(input) => inputs.push(input),
            Loaded::NotUtf8(input, offset) => {
                encoding_errors.push((inputs.len(), offset));
                inputs.push(input);
            }
            Loaded::Unreadable(message) => {
                error(message);
                had_error = true;
            }
        }
    }
    // The rest of the project is analysed after the checked files, and not reported.
    let reported = inputs.len();
    let context: Vec<Loaded> = context_files(&settings, &checked_paths, &checked_files)
        .into_par_iter()
        .map(|path| load(path, &roots))
        .collect();
    inputs.extend(context.into_iter().filter_map(|item| match item {
        Loaded::Input(input) | Loaded::NotUtf8(input, _) => Some(input),
        Loaded::Unreadable(_) => None,
    }));
    prune_trees(&mut inputs);
    let mut output = lint_project(&inputs, &settings);
    // Context files stay in the reports (chains point into them) but report nothing.
    for file in &mut output.files[reported..] {
        file.diagnostics.clear();
    }
    for (index, offset) in encoding_errors {
        output.files[index].diagnostics.insert(0, not_utf8(offset));
    }
    let reports: Vec<(&SourceInput, &[Diagnostic])> = inputs
        .iter()
        .zip(&output.files)
        .map(|(input, report)| (input, report.diagnostics.as_slice()))
        .collect();
    let count: usize = reports
        .iter()
        .map(|(_, diagnostics)| diagnostics.len())
        .sum();
    let mut stdout = std::io::stdout().lock();
    let printed = if args.statistics {
        printer::statistics(&mut stdout, &reports)
    } else {
        printer::print(&mut stdout, args.output_format, &reports, args.quiet)
    };
    if let Err(e) = printed.and_then(|()| stdout.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        error(format!("failed to write output: {e}"));
        return ExitCode::from(2);
    }
    // The process ends here: freeing every syntax tree one node at a time is wasted work.
    std::mem::forget(output);
    std::mem::forget(inputs);
    if had_error {
        ExitCode::from(2)
    } else if count > 0 && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn not_utf8(offset: usize) -> Diagnostic {
    Diagnostic {
        rule: tempolint_linter::Rule::SyntaxError,
        message: format!("Syntax error: file is not valid UTF-8 (invalid byte at offset {offset})"),
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
