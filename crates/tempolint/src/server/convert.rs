//! Findings as the LSP shows them: diagnostics (code, link to the rule's doc, severity, chain
//! as related information), quick fixes, "suppress on this line", fix-all, hover text.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

use tempolint_linter::{Applicability, Diagnostic, Fix, Rule, Severity};
use tempolint_python::{ParsedSource, TextRange, TextSize};
use tower_lsp_server::ls_types::{
    self as lsp, CodeAction, CodeActionKind, CodeDescription, DiagnosticRelatedInformation,
    DiagnosticSeverity, DiagnosticTag, Location, NumberOrString, TextEdit, Uri, WorkspaceEdit,
};

use super::position::{self, Encoding};

/// The code action kind of "apply every safe fix in the file".
pub(crate) const FIX_ALL: &str = "source.fixAll.tempolint";

/// Looks up another file's text, for chain steps that point into it.
pub(crate) trait Sources {
    fn source(&self, path: &Path) -> Option<&ParsedSource>;
}

pub(crate) fn diagnostic(
    source: &ParsedSource,
    found: &Diagnostic,
    encoding: Encoding,
    sources: &dyn Sources,
) -> lsp::Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = found
        .chain
        .iter()
        .filter_map(|step| {
            let uri = Uri::from_file_path(&step.file)?;
            let range = sources
                .source(&step.file)
                .map_or_else(lsp::Range::default, |other| {
                    position::range(other, step.range, encoding)
                });
            Some(DiagnosticRelatedInformation {
                location: Location { uri, range },
                message: format!("via {}", step.name),
            })
        })
        .collect();
    lsp::Diagnostic {
        range: position::range(source, found.range, encoding),
        severity: Some(match found.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(found.rule.code().to_string())),
        code_description: Uri::from_str(&found.rule.url())
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("tempolint".to_string()),
        message: found.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: (found.rule == Rule::UnusedSuppression).then(|| vec![DiagnosticTag::UNNECESSARY]),
        data: None,
    }
}

fn text_edits(source: &ParsedSource, fix: &Fix, encoding: Encoding) -> Vec<TextEdit> {
    fix.edits
        .iter()
        .map(|edit| TextEdit {
            range: position::range(source, edit.range, encoding),
            new_text: edit.content.clone(),
        })
        .collect()
}

fn workspace_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    }
}

/// The quick fixes for one finding: its own fix, then "suppress CODE on this line".
pub(crate) fn quick_fixes(
    uri: &Uri,
    source: &ParsedSource,
    found: &Diagnostic,
    shown: &lsp::Diagnostic,
    encoding: Encoding,
) -> Vec<CodeAction> {
    let mut actions = Vec::new();
    if let Some(fix) = &found.fix {
        let unsafe_note = match fix.applicability {
            Applicability::Safe => "",
            Applicability::Unsafe => " (unsafe: review the change)",
        };
        actions.push(CodeAction {
            title: format!("{}: {}{unsafe_note}", found.rule.code(), fix.message),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![shown.clone()]),
            edit: Some(workspace_edit(uri, text_edits(source, fix, encoding))),
            is_preferred: Some(fix.applicability == Applicability::Safe),
            ..CodeAction::default()
        });
    }
    if found.rule != Rule::SyntaxError {
        actions.push(CodeAction {
            title: format!("Suppress {} on this line", found.rule.code()),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![shown.clone()]),
            edit: Some(workspace_edit(
                uri,
                vec![suppression_edit(source, found, encoding)],
            )),
            ..CodeAction::default()
        });
    }
    actions
}

/// `# tempolint: ignore[CODE]` at the end of the finding's first line; a code added to the
/// line's existing `ignore[…]` list when there is one.
fn suppression_edit(source: &ParsedSource, found: &Diagnostic, encoding: Encoding) -> TextEdit {
    let start = source.line_start(found.range.start());
    let end = source.line_end(found.range.start());
    let line = &source.text()[start.to_usize()..end.to_usize()];
    let code = found.rule.code();
    let existing = line.find("# tempolint: ignore[").and_then(|at| {
        line[at..]
            .find(']')
            .map(|close| start.to_usize() + at + close)
    });
    let (offset, new_text) = if let Some(close) = existing {
        (close, format!(", {code}"))
    } else {
        let trimmed = line.trim_end().len();
        (
            start.to_usize() + trimmed,
            format!("  # tempolint: ignore[{code}]"),
        )
    };
    let at = TextSize::new(offset as u32);
    TextEdit {
        range: position::range(source, TextRange::empty(at), encoding),
        new_text,
    }
}

/// Every safe fix of the file whose edits do not overlap an earlier one's, as one edit list.
pub(crate) fn fix_all_edits(
    source: &ParsedSource,
    findings: &[Diagnostic],
    encoding: Encoding,
) -> Vec<TextEdit> {
    let mut fixes: Vec<&Fix> = findings
        .iter()
        .filter_map(|found| found.fix.as_ref())
        .filter(|fix| fix.applicability == Applicability::Safe && !fix.edits.is_empty())
        .collect();
    fixes.sort_by_key(|fix| fix.edits.iter().map(|edit| edit.range.start()).min());
    let mut taken: Vec<TextRange> = Vec::new();
    let mut edits = Vec::new();
    for fix in fixes {
        let overlaps = fix.edits.iter().any(|edit| {
            taken.iter().any(|range| {
                range.start() < edit.range.end() && edit.range.start() < range.end()
                    || range.start() == edit.range.start()
            })
        });
        if overlaps {
            continue;
        }
        taken.extend(fix.edits.iter().map(|edit| edit.range));
        edits.extend(text_edits(source, fix, encoding));
    }
    edits
}

pub(crate) fn fix_all_action(uri: &Uri, edits: Vec<TextEdit>) -> CodeAction {
    CodeAction {
        title: "tempolint: fix all safe fixes".to_string(),
        kind: Some(CodeActionKind::new(FIX_ALL)),
        edit: Some(workspace_edit(uri, edits)),
        ..CodeAction::default()
    }
}

/// The hover of the findings under the cursor: message, chain, then the rule's documentation.
pub(crate) fn hover_text(findings: &[&Diagnostic]) -> String {
    use std::fmt::Write as _;
    let mut text = String::new();
    for found in findings {
        let _ = write!(
            text,
            "**{}** ({}): {}\n\n",
            found.rule.code(),
            found.rule.name(),
            found.message
        );
        if !found.chain.is_empty() {
            text.push_str("Call chain:\n\n");
            for step in &found.chain {
                let _ = writeln!(text, "1. `{}` ({})", step.name, step.file.display());
            }
            text.push('\n');
        }
        text.push_str(&crate::rule_command::render(found.rule));
        let _ = write!(
            text,
            "\n[Rule documentation]({})\n\n---\n\n",
            found.rule.url()
        );
    }
    text.trim_end_matches(['\n', '-']).to_string()
}
