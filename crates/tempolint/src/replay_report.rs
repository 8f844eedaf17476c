//! `tempolint replay`'s machine formats: GitHub annotations, SARIF and JUnit, from the same
//! pieces `check` uses. A diverged or failed replay is a REP101 result at the source line;
//! REP102/REP103 are results on the history file; an inconclusive replay is a note (SARIF), a
//! notice (GitHub) or a skipped case (JUnit), since it is no verdict at all.

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
