//! Rendering findings: the only place byte ranges become rows and columns. The machine formats
//! for other tools live beside it (`printer/*.rs`) and take rows and columns from here.

mod gitlab;
pub(crate) mod junit;
pub(crate) mod sarif;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};
use tempolint_linter::{Diagnostic, Fix, Severity};
use tempolint_python::{ParsedSource, SourcePosition, TextRange};
use tempolint_semantic::SourceInput;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    /// Each finding with its source excerpt, the range underlined, and the call chain.
    Text,
    /// One line per finding.
    Concise,
    /// One JSON array of findings.
    Json,
    /// One JSON object per line.
    JsonLines,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// `path:row: [CODE] message`, one line per finding (pylint's parseable style).
    Pylint,
    /// SARIF 2.1.0 (GitHub code scanning and other viewers).
    Sarif,
    /// GitLab Code Quality report (JSON with stable fingerprints).
    Gitlab,
    /// JUnit XML: one test case per finding.
    Junit,
}

/// What `--fix` did, for the closing summary.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FixSummary {
    /// Findings the applied fixes removed.
    pub(crate) fixed: usize,
    /// Whether unsafe fixes count as applicable.
    pub(crate) unsafe_fixes: bool,
}

type Reports<'a> = [(&'a SourceInput, &'a [Diagnostic])];

/// Looks up the parsed source of a chain step's file.
struct Sources<'a> {
    by_path: BTreeMap<&'a Path, &'a ParsedSource>,
}

impl<'a> Sources<'a> {
    fn new(reports: &Reports<'a>) -> Self {
        Self {
            by_path: reports
                .iter()
                .map(|(input, _)| (input.path.as_path(), &input.source))
                .collect(),
        }
    }

    fn location(&self, path: &Path, range: TextRange) -> Value {
        self.by_path
            .get(path)
            .map_or(Value::Null, |source| location(source, range.start()))
    }
}

/// The 1-based start and end (row, column) of `range`; columns count characters.
fn span(source: &ParsedSource, range: TextRange) -> (SourcePosition, SourcePosition) {
    (source.position(range.start()), source.position(range.end()))
}

fn location(source: &ParsedSource, offset: tempolint_python::TextSize) -> Value {
    let position = source.position(offset);
    json!({"row": position.row, "column": position.column})
}

fn fix_json(source: &ParsedSource, fix: &Fix) -> Value {
    json!({
        "applicability": fix.applicability.as_str(),
        "message": fix.message,
        "edits": fix.edits.iter().map(|edit| json!({
            "content": edit.content,
            "location": location(source, edit.range.start()),
            "end_location": location(source, edit.range.end()),
        })).collect::<Vec<_>>(),
    })
}

fn diagnostic_json(sources: &Sources, input: &SourceInput, diagnostic: &Diagnostic) -> Value {
    json!({
        "code": diagnostic.rule.code(),
        "message": diagnostic.message,
        "severity": diagnostic.severity.as_str(),
        "filename": input.path.display().to_string(),
        "location": location(&input.source, diagnostic.range.start()),
        "end_location": location(&input.source, diagnostic.range.end()),
        "chain": diagnostic.chain.iter().map(|step| json!({
            "name": step.name,
            "filename": step.file.display().to_string(),
            "location": sources.location(&step.file, step.range),
        })).collect::<Vec<_>>(),
        "fix": diagnostic.fix.as_ref().map(|fix| fix_json(&input.source, fix)),
        "url": diagnostic.rule.url(),
    })
}

pub(crate) fn print(
    out: &mut impl Write,
    format: OutputFormat,
    reports: &Reports,
    quiet: bool,
    fixes: FixSummary,
) -> io::Result<()> {
    let sources = Sources::new(reports);
    let all = || {
        reports
            .iter()
            .flat_map(|(input, diagnostics)| diagnostics.iter().map(move |d| (*input, d)))
    };
    match format {
        OutputFormat::Json => {
            let array: Vec<Value> = all()
                .map(|(input, d)| diagnostic_json(&sources, input, d))
                .collect();
            serde_json::to_writer_pretty(&mut *out, &array)?;
            writeln!(out)
        }
        OutputFormat::JsonLines => {
            for (input, diagnostic) in all() {
                serde_json::to_writer(&mut *out, &diagnostic_json(&sources, input, diagnostic))?;
                writeln!(out)?;
            }
            Ok(())
        }
        OutputFormat::Github => {
            for (input, diagnostic) in all() {
                let start = input.source.position(diagnostic.range.start());
                let end = input.source.position(diagnostic.range.end());
                let level = if diagnostic.severity == tempolint_linter::Severity::Error {
                    "error"
                } else {
                    "warning"
                };
                writeln!(
                    out,
                    "::{level} title=tempolint ({code}),file={file},line={line},col={col},endLine={end_line},endColumn={end_col}::{code} {message}",
                    code = diagnostic.rule.code(),
                    file = input.path.display(),
                    line = start.row,
                    col = start.column,
                    end_line = end.row,
                    end_col = end.column,
                    message = github_escape(&diagnostic.message),
                )?;
            }
            Ok(())
        }
        OutputFormat::Pylint => {
            for (input, diagnostic) in all() {
                let (start, _) = span(&input.source, diagnostic.range);
                writeln!(
                    out,
                    "{}:{}: [{}] {}",
                    input.path.display(),
                    start.row,
                    diagnostic.rule.code(),
                    diagnostic.message
                )?;
            }
            Ok(())
        }
        OutputFormat::Sarif => sarif::write(out, &sources, reports),
        OutputFormat::Gitlab => gitlab::write(out, reports),
        OutputFormat::Junit => junit::write(out, reports),
        OutputFormat::Concise => {
            for (input, diagnostic) in all() {
                header(out, input, diagnostic, fixes.unsafe_fixes)?;
            }
            summary(out, reports, quiet, fixes)
        }
        OutputFormat::Text => {
            for (input, diagnostic) in all() {
                text(out, &sources, input, diagnostic, fixes.unsafe_fixes)?;
            }
            summary(out, reports, quiet, fixes)
        }
    }
}

/// A GitHub workflow command's message: `%`, CR and LF escaped.
pub(crate) fn github_escape(message: &str) -> String {
    message
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `path:row:column: CODE [*] message`: the first line of every finding, `[*]` when `--fix`
/// (with `--unsafe-fixes` when `unsafe_fixes`) would fix it, as in ruff.
fn header(
    out: &mut impl Write,
    input: &SourceInput,
    diagnostic: &Diagnostic,
    unsafe_fixes: bool,
) -> io::Result<()> {
    let start = input.source.position(diagnostic.range.start());
    let fixable = diagnostic
        .fix
        .as_ref()
        .is_some_and(|fix| crate::fix::is_applicable(fix, unsafe_fixes));
    let fixable = if fixable { " [*]" } else { "" };
    writeln!(
        out,
        "{}:{}:{}: {}{fixable} {}",
        input.path.display(),
        start.row,
        start.column,
        diagnostic.rule.code(),
        diagnostic.message
    )
}

/// The longest excerpt line shown whole, in characters.
const EXCERPT_CHARACTERS: usize = 160;

/// The part of `line` an excerpt shows: all of it when short; else a window around the range
/// starting at character `column` (0-based), cut with `…`, so a minified or generated line of
/// megabytes prints a readable excerpt rather than the line once per finding. Also the
/// underline's offset and width within what is shown.
fn excerpt_window(line: &str, column: usize, width: usize) -> (String, usize, usize) {
    let length = line.chars().count();
    if length <= EXCERPT_CHARACTERS {
        return (line.to_string(), column, width);
    }
    let first = column.saturating_sub(EXCERPT_CHARACTERS / 4);
    let last = (first + EXCERPT_CHARACTERS).min(length);
    let mut shown: String = line.chars().skip(first).take(last - first).collect();
    let mut offset = column - first;
    if first > 0 {
        shown.insert(0, '…');
        offset += 1;
    }
    if last < length {
        shown.push('…');
    }
    let width = width.min(last.saturating_sub(column)).max(1);
    (shown, offset, width)
}

/// A finding as a compiler would show it: header, excerpt with the range underlined, chain.
fn text(
    out: &mut impl Write,
    sources: &Sources,
    input: &SourceInput,
    diagnostic: &Diagnostic,
    unsafe_fixes: bool,
) -> io::Result<()> {
    let source = &input.source;
    let start = source.position(diagnostic.range.start());
    let end = source.position(diagnostic.range.end());
    header(out, input, diagnostic, unsafe_fixes)?;
    if source.line_count() >= start.row && !source.text().is_empty() {
        let line = source.line_text(start.row);
        let gutter = start.row.to_string().len();
        let width = if end.row == start.row {
            end.column.saturating_sub(start.column).max(1)
        } else {
            line.chars().count().saturating_sub(start.column - 1).max(1)
        };
        let (shown, offset, width) = excerpt_window(line, start.column - 1, width);
        writeln!(out, "{:gutter$} |", "")?;
        writeln!(out, "{} | {}", start.row, shown)?;
        writeln!(
            out,
            "{:gutter$} | {}{} {}",
            "",
            " ".repeat(offset),
            "^".repeat(width),
            diagnostic.rule.code()
        )?;
        writeln!(out, "{:gutter$} |", "")?;
    }
    for (index, step) in diagnostic.chain.iter().enumerate() {
        let at = sources.location(&step.file, step.range);
        let label = if index == 0 {
            "= chain:"
        } else {
            "        →"
        };
        writeln!(
            out,
            "  {label} {} ({}:{}:{})",
            step.name,
            step.file.display(),
            at["row"],
            at["column"]
        )?;
    }
    if let Some(fix) = &diagnostic.fix {
        writeln!(out, "  = help: {}", fix.message)?;
    }
    writeln!(out)
}

fn summary(
    out: &mut impl Write,
    reports: &Reports,
    quiet: bool,
    fixes: FixSummary,
) -> io::Result<()> {
    if quiet {
        return Ok(());
    }
    let diagnostics = || reports.iter().flat_map(|(_, d)| d.iter());
    let count = diagnostics().count();
    let plural = |n: usize, word: &str| {
        if n == 1 || word == "info" {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    if count == 0 && fixes.fixed == 0 {
        return writeln!(out, "All checks passed!");
    }
    let mut by_severity = Vec::new();
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let n = diagnostics().filter(|d| d.severity == severity).count();
        if n > 0 {
            by_severity.push(plural(n, severity.as_str()));
        }
    }
    if fixes.fixed == 0 {
        writeln!(
            out,
            "Found {} ({}).",
            plural(count, "problem"),
            by_severity.join(", ")
        )?;
    } else {
        let remaining = if by_severity.is_empty() {
            String::new()
        } else {
            format!(": {}", by_severity.join(", "))
        };
        writeln!(
            out,
            "Found {} ({} fixed, {count} remaining{remaining}).",
            plural(count + fixes.fixed, "problem"),
            fixes.fixed,
        )?;
    }
    let with_fix = || diagnostics().filter_map(|d| d.fix.as_ref());
    let applicable = with_fix()
        .filter(|fix| crate::fix::is_applicable(fix, fixes.unsafe_fixes))
        .count();
    let hidden = with_fix().count() - applicable;
    if applicable > 0 {
        let how = if fixes.unsafe_fixes {
            "`--fix --unsafe-fixes`"
        } else {
            "`--fix`"
        };
        writeln!(out, "[*] {applicable} fixable with {how}.")?;
    }
    if hidden > 0 {
        writeln!(
            out,
            "({hidden} more fixable with `--fix --unsafe-fixes`: they may change behaviour.)"
        )?;
    }
    Ok(())
}

pub(crate) fn statistics(out: &mut impl Write, reports: &Reports) -> io::Result<()> {
    let mut counts: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for diagnostic in reports.iter().flat_map(|(_, d)| d.iter()) {
        counts
            .entry(diagnostic.rule.code())
            .or_insert((0, diagnostic.rule.name()))
            .0 += 1;
    }
    for (code, (count, name)) in counts {
        writeln!(out, "{count:>5}\t{code}\t{name}")?;
    }
    Ok(())
}
