//! Applying the fixes the rules carry (`--fix`, `--unsafe-fixes`, `--diff`): pick the fixes
//! that do not collide, apply them, lint the project again, repeat until nothing changes
//! (bounded), and only then touch the disk, one file at a time and atomically.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use tempolint_linter::{
    Applicability, Diagnostic, Edit, Fix, LintOutput, Rule, Settings, lint_project,
};
use tempolint_python::ParsedSource;
use tempolint_semantic::SourceInput;

/// Rounds of fix-and-relint before giving up: each round applies every fix that does not
/// collide with another, so real code settles in two or three.
const MAX_ROUNDS: usize = 10;

/// What fixing did to one file.
pub(crate) struct FixedFile {
    /// Index into the inputs.
    pub(crate) index: usize,
    /// The text before any fix.
    pub(crate) original: String,
    /// How many findings of each rule the fixes removed.
    pub(crate) fixed: BTreeMap<Rule, usize>,
}

/// The outcome of [`fix_project`]: the final lint output (over the fixed texts), the files that
/// changed, and the files left alone with the reason.
pub(crate) struct FixOutcome {
    pub(crate) output: LintOutput,
    pub(crate) files: Vec<FixedFile>,
    pub(crate) failures: Vec<String>,
}

impl FixOutcome {
    pub(crate) fn fixed_count(&self) -> usize {
        self.files.iter().flat_map(|file| file.fixed.values()).sum()
    }
}

/// Whether `--fix` applies `fix` (unsafe fixes only with `--unsafe-fixes`).
pub(crate) fn is_applicable(fix: &Fix, unsafe_fixes: bool) -> bool {
    fix.applicability == Applicability::Safe || unsafe_fixes
}

/// Two edits collide when applying both is ambiguous: overlapping replacements, an insertion
/// strictly inside a replaced range, or two different insertions at one offset. Identical
/// edits (two fixes adding the same `from datetime import timedelta` line) are applied once.
fn collide(a: &Edit, b: &Edit) -> bool {
    if a == b {
        return false;
    }
    let (a, b) = (a.range, b.range);
    if a.is_empty() && b.is_empty() {
        return a.start() == b.start();
    }
    a.start() < b.end() && b.start() < a.end()
}

/// `text` with every applicable fix of `diagnostics` that collides with no earlier one
/// applied, and the rules whose findings were fixed; `None` when no fix applies. Colliding
/// fixes wait for the next round, computed on the new text.
pub(crate) fn apply_fixes(
    text: &str,
    diagnostics: &[Diagnostic],
    unsafe_fixes: bool,
) -> Option<(String, Vec<Rule>)> {
    let mut accepted: Vec<&Edit> = Vec::new();
    let mut rules = Vec::new();
    for diagnostic in diagnostics {
        let Some(fix) = diagnostic
            .fix
            .as_ref()
            .filter(|fix| is_applicable(fix, unsafe_fixes) && !fix.edits.is_empty())
        else {
            continue;
        };
        let in_bounds = fix
            .edits
            .iter()
            .all(|edit| usize::from(edit.range.end()) <= text.len());
        if !in_bounds
            || fix
                .edits
                .iter()
                .any(|edit| accepted.iter().any(|other| collide(edit, other)))
        {
            continue;
        }
        for edit in &fix.edits {
            if !accepted.contains(&edit) {
                accepted.push(edit);
            }
        }
        rules.push(diagnostic.rule);
    }
    if rules.is_empty() {
        return None;
    }
    accepted.sort_by_key(|edit| (edit.range.start(), edit.range.end()));
    let mut fixed = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for edit in accepted {
        let (start, end) = (
            usize::from(edit.range.start()),
            usize::from(edit.range.end()),
        );
        fixed.push_str(text.get(at..start)?);
        fixed.push_str(&edit.content);
        at = end;
    }
    fixed.push_str(text.get(at..)?);
    Some((fixed, rules))
}

/// One round of fixes on one file's text: the reparsed fixed source and the rules fixed, or
/// the first syntax error of the fixed text; `None` when no fix applies.
fn fixed_source(
    text: &str,
    diagnostics: &[Diagnostic],
    unsafe_fixes: bool,
) -> Option<Result<(ParsedSource, Vec<Rule>), String>> {
    let (fixed, rules) = apply_fixes(text, diagnostics, unsafe_fixes)?;
    let reparsed = ParsedSource::parse(fixed);
    Some(match reparsed.syntax_errors().first() {
        None => Ok((reparsed, rules)),
        Some(error) => Err(error.message.clone()),
    })
}

/// Fixes the first `reported` inputs (the files being checked; the rest is project context) in
/// memory: lint, apply, relint until stable. `inputs` end up holding the fixed texts. A file whose fixed text would not parse goes back to its original text and is
/// reported in `failures`; files that had syntax errors to begin with are not fixed.
pub(crate) fn fix_project(
    inputs: &mut [SourceInput],
    settings: &Settings,
    unsafe_fixes: bool,
    reported: usize,
) -> FixOutcome {
    let mut files: BTreeMap<usize, FixedFile> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut given_up = vec![false; inputs.len()];
    for _ in 0..MAX_ROUNDS {
        let output = lint_project(inputs, settings);
        let mut changed = false;
        // Only the files being checked are fixed; the rest of the project is context.
        for (index, report) in output.files.iter().enumerate().take(reported) {
            let input = &mut inputs[index];
            if given_up[index] || !input.source.syntax_errors().is_empty() {
                continue;
            }
            let Some(result) = fixed_source(input.source.text(), &report.diagnostics, unsafe_fixes)
            else {
                continue;
            };
            match result {
                Ok((reparsed, rules)) => {
                    let file = files.entry(index).or_insert_with(|| FixedFile {
                        index,
                        original: input.source.text().to_string(),
                        fixed: BTreeMap::new(),
                    });
                    for rule in rules {
                        *file.fixed.entry(rule).or_default() += 1;
                    }
                    input.source = reparsed;
                    changed = true;
                }
                Err(message) => {
                    given_up[index] = true;
                    failures.push(format!(
                        "{}: the fixed code would not parse ({message}); the file is left unchanged",
                        input.path.display(),
                    ));
                    if let Some(file) = files.remove(&index) {
                        input.source = ParsedSource::parse(file.original);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            return FixOutcome {
                output,
                files: files.into_values().collect(),
                failures,
            };
        }
    }
    for file in files.values() {
        failures.push(format!(
            "{}: fixes did not settle after {MAX_ROUNDS} rounds; the fixes found so far are applied",
            inputs[file.index].path.display()
        ));
    }
    FixOutcome {
        output: lint_project(inputs, settings),
        files: files.into_values().collect(),
        failures,
    }
}

/// Replaces `path`'s content by `contents` atomically: a temporary file in the same folder (so the
/// rename never crosses file systems) with the original's permissions, renamed over it. A
/// reader sees the old file or the new one, never half of it.
pub(crate) fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    // A symlink stays a symlink: the file it points to is the one replaced.
    let resolved = std::fs::canonicalize(path);
    let path = resolved.as_deref().unwrap_or(path);
    let folder = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = folder.join(format!(".{name}.tempolint-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(contents)?;
        file.sync_all()?;
        if let Ok(metadata) = std::fs::metadata(path) {
            std::fs::set_permissions(&temporary, metadata.permissions())?;
        }
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// A unified diff of one file's fix, as `git diff` would show it.
pub(crate) fn unified_diff(path: &Path, original: &str, fixed: &str) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(original, fixed)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

/// `--show-fixes`: per file, how many findings of each rule were fixed.
pub(crate) fn show_fixes(
    out: &mut impl Write,
    inputs: &[SourceInput],
    files: &[FixedFile],
) -> io::Result<()> {
    if files.is_empty() {
        return Ok(());
    }
    let total: usize = files.iter().flat_map(|file| file.fixed.values()).sum();
    writeln!(
        out,
        "Fixed {total} problem{}:",
        if total == 1 { "" } else { "s" }
    )?;
    for file in files {
        writeln!(out, "- {}:", inputs[file.index].path.display())?;
        for (rule, count) in &file.fixed {
            writeln!(out, "    {count} × {} ({})", rule.code(), rule.name())?;
        }
    }
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use tempolint_linter::Severity;
    use tempolint_python::{TextRange, TextSize};

    use super::*;

    fn finding(edits: Vec<Edit>, applicability: Applicability) -> Diagnostic {
        Diagnostic {
            rule: Rule::WallClock,
            message: String::new(),
            severity: Severity::Error,
            range: TextRange::default(),
            chain: Vec::new(),
            fix: Some(Fix {
                applicability,
                message: String::new(),
                edits,
            }),
        }
    }

    fn edit(start: u32, end: u32, content: &str) -> Edit {
        Edit {
            range: TextRange::new(TextSize::new(start), TextSize::new(end)),
            content: content.to_string(),
        }
    }

    #[test]
    fn shared_import_edits_apply_once_and_colliding_fixes_wait() {
        let text = "x = a\ny = b\n";
        let import = edit(0, 0, "import m\n");
        let diagnostics = [
            finding(vec![import.clone(), edit(4, 5, "m.a")], Applicability::Safe),
            finding(vec![import, edit(10, 11, "m.b")], Applicability::Safe),
            // Overlaps the first fix's edit: applied in a later round.
            finding(vec![edit(4, 5, "z")], Applicability::Safe),
            // Unsafe: only with --unsafe-fixes.
            finding(vec![edit(0, 1, "w")], Applicability::Unsafe),
        ];
        let (fixed, rules) = apply_fixes(text, &diagnostics, false).expect("fixes apply");
        assert_eq!(fixed, "import m\nx = m.a\ny = m.b\n");
        assert_eq!(rules.len(), 2);
        let (fixed, _) = apply_fixes(text, &diagnostics[3..], true).expect("unsafe applies");
        assert_eq!(fixed, "w = a\ny = b\n");
        assert!(apply_fixes(text, &diagnostics[3..], false).is_none());
    }

    #[test]
    fn a_fix_whose_result_does_not_parse_is_refused() {
        let text = "x = f(1)\n";
        let diagnostics = [finding(vec![edit(4, 5, "(")], Applicability::Safe)];
        let result = fixed_source(text, &diagnostics, false).expect("a fix applies");
        assert!(result.is_err(), "`x = ((1)` must not be accepted");
    }
}
