//! `tempolint replay`'s machine formats: GitHub annotations, SARIF and JUnit, from the same
//! pieces `check` uses. A diverged or failed replay is a REP101 result at the source line;
//! REP102/REP103 are results on the history file; an inconclusive replay is a note (SARIF), a
//! notice (GitHub) or a skipped case (JUnit), since it is no verdict at all. The per-workflow-
//! type summary (replays from a server) is here too.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Value, json};
use tempolint_linter::Rule;
use tempolint_replay::{ReplayResult, Verdict};

use crate::printer::junit::{self, Case, Outcome};
use crate::printer::{github_escape, sarif};

/// The verdict as a finding: (rule code, level), or `None` for a clean replay.
fn verdict_level(result: &ReplayResult) -> Option<(&'static str, &'static str)> {
    match result.verdict {
        Verdict::Ok => None,
        Verdict::Nondeterministic | Verdict::Error => Some(("REP101", "error")),
        Verdict::Inconclusive => Some(("", "note")),
    }
}

/// The verdict's message with what history recorded and what the code does now.
fn verdict_message(result: &ReplayResult) -> String {
    let mut message = format!(
        "{} ({}, history {})",
        result.message,
        result.verdict.as_str(),
        result.history
    );
    if let Some(event) = result.event_id {
        let _ = write!(message, ", event {event}");
    }
    if let Some(recorded) = &result.recorded {
        let _ = write!(message, "; history recorded: {recorded}");
    }
    if let Some(code) = &result.code_now {
        let _ = write!(message, "; the code now: {code}");
    }
    message
}

pub(crate) fn github(out: &mut impl Write, results: &[ReplayResult]) -> io::Result<()> {
    for result in results {
        if let Some((code, level)) = verdict_level(result) {
            let command = if level == "note" { "notice" } else { "error" };
            let title = if code.is_empty() {
                "tempolint replay (inconclusive)".to_string()
            } else {
                format!("tempolint replay ({code})")
            };
            let place = result.location.as_ref().map_or_else(
                || format!("file={}", result.history),
                |l| {
                    format!(
                        "file={},line={},col={},endColumn={}",
                        l.filename, l.row, l.column, l.end_column
                    )
                },
            );
            writeln!(
                out,
                "::{command} title={title},{place}::{}",
                github_escape(format!("{code} {}", verdict_message(result)).trim_start())
            )?;
        }
        for finding in &result.findings {
            writeln!(
                out,
                "::{} title=tempolint replay ({code}),file={}::{}",
                finding.severity.as_str(),
                result.history,
                github_escape(&format!("{} {}", finding.code, finding.message)),
                code = finding.code,
            )?;
        }
    }
    Ok(())
}

fn rule_index(code: &str) -> Option<usize> {
    Rule::ALL.iter().position(|rule| rule.code() == code)
}

pub(crate) fn sarif(out: &mut impl Write, results: &[ReplayResult]) -> io::Result<()> {
    let mut sarif_results: Vec<Value> = Vec::new();
    for result in results {
        if let Some((code, level)) = verdict_level(result) {
            let location = result.location.as_ref().map_or_else(
                || json!({"artifactLocation": {"uri": sarif::uri(result.history.as_ref())}}),
                |l| {
                    json!({
                        "artifactLocation": {"uri": sarif::uri(l.filename.as_ref())},
                        "region": {
                            "startLine": l.row,
                            "startColumn": l.column,
                            "endLine": l.row,
                            "endColumn": l.end_column.max(l.column),
                        },
                    })
                },
            );
            let mut value = json!({
                "level": level,
                "message": {"text": verdict_message(result)},
                "locations": [{"physicalLocation": location}],
            });
            if let Some(index) = rule_index(code) {
                value["ruleId"] = json!(code);
                value["ruleIndex"] = json!(index);
            }
            sarif_results.push(value);
        }
        for finding in &result.findings {
            let mut value = json!({
                "ruleId": finding.code,
                "level": finding.severity.as_str(),
                "message": {"text": finding.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": sarif::uri(result.history.as_ref())},
                }}],
            });
            if let Some(index) = rule_index(finding.code) {
                value["ruleIndex"] = json!(index);
            }
            sarif_results.push(value);
        }
    }
    let rules = Rule::ALL
        .iter()
        .copied()
        .map(sarif::rule_descriptor)
        .collect();
    serde_json::to_writer_pretty(&mut *out, &sarif::log(rules, sarif_results))?;
    writeln!(out)
}

pub(crate) fn junit(out: &mut impl Write, results: &[ReplayResult]) -> io::Result<()> {
    let cases: Vec<Case> = results
        .iter()
        .map(|result| {
            let outcome = match result.verdict {
                Verdict::Ok => Outcome::Passed,
                Verdict::Inconclusive => Outcome::Skipped(verdict_message(result)),
                Verdict::Nondeterministic | Verdict::Error => Outcome::Failed {
                    kind: format!("REP101 {}", result.verdict.as_str()),
                    message: result.message.clone(),
                    detail: verdict_message(result),
                },
            };
            Case {
                name: result.history.clone(),
                classname: result.workflow_type.clone(),
                outcome,
            }
        })
        .collect();
    let suites = if cases.is_empty() {
        Vec::new()
    } else {
        vec![("tempolint replay".to_string(), cases)]
    };
    junit::document(out, "tempolint replay", &suites)
}

/// One workflow type's verdict counts and its first divergence (by history name).
#[derive(Default)]
struct TypeSummary<'a> {
    ok: usize,
    nondeterministic: usize,
    error: usize,
    inconclusive: usize,
    first_divergence: Option<&'a ReplayResult>,
}

impl TypeSummary<'_> {
    fn replayed(&self) -> usize {
        self.ok + self.nondeterministic + self.error + self.inconclusive
    }
}

fn summaries(results: &[ReplayResult]) -> BTreeMap<&str, TypeSummary<'_>> {
    let mut by_type: BTreeMap<&str, TypeSummary<'_>> = BTreeMap::new();
    for result in results {
        let summary = by_type.entry(result.workflow_type.as_str()).or_default();
        match result.verdict {
            Verdict::Ok => summary.ok += 1,
            Verdict::Nondeterministic => {
                summary.nondeterministic += 1;
                if summary
                    .first_divergence
                    .is_none_or(|first| result.history < first.history)
                {
                    summary.first_divergence = Some(result);
                }
            }
            Verdict::Error => summary.error += 1,
            Verdict::Inconclusive => summary.inconclusive += 1,
        }
    }
    by_type
}

/// The per-type summary as text lines, after the results.
pub(crate) fn summary_text(results: &[ReplayResult]) -> String {
    let mut out = String::new();
    let by_type = summaries(results);
    if by_type.is_empty() {
        return out;
    }
    let _ = writeln!(out, "by workflow type:");
    for (workflow_type, summary) in &by_type {
        let _ = writeln!(
            out,
            "  {workflow_type}: {} replayed: {} ok, {} nondeterministic, {} error, {} inconclusive",
            summary.replayed(),
            summary.ok,
            summary.nondeterministic,
            summary.error,
            summary.inconclusive
        );
        if let Some(first) = summary.first_divergence {
            let place = first.location.as_ref().map_or_else(String::new, |l| {
                format!(
                    " at {}:{}:{}: {}",
                    l.filename,
                    l.row,
                    l.column,
                    l.line.trim()
                )
            });
            let _ = writeln!(out, "    first divergence: {}{place}", first.history);
        }
    }
    out
}

/// The per-type summary for `--output-format json` (`"summary"` beside `"results"`).
pub(crate) fn summary_json(results: &[ReplayResult]) -> Value {
    summaries(results)
        .iter()
        .map(|(workflow_type, summary)| {
            json!({
                "workflow_type": workflow_type,
                "replayed": summary.replayed(),
                "ok": summary.ok,
                "nondeterministic": summary.nondeterministic,
                "error": summary.error,
                "inconclusive": summary.inconclusive,
                "first_divergence": summary.first_divergence.map(|first| json!({
                    "history": first.history,
                    "event_id": first.event_id,
                    "message": first.message,
                    "location": first.location.as_ref().map(|l| json!({
                        "filename": l.filename, "row": l.row, "column": l.column, "line": l.line,
                    })),
                })),
            })
        })
        .collect()
}
