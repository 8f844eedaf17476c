//! SARIF 2.1.0, as GitHub code scanning reads it: every rule in `tool.driver.rules` with its
//! documentation and help URI, one result per finding, chains as related locations, fixes as
//! SARIF fixes. Columns count Unicode code points (`columnKind`).

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};
use tempolint_linter::{Diagnostic, Rule, Severity};
use tempolint_python::{ParsedSource, TextRange};

use super::{Reports, Sources, span};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub(super) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative URI reference for `path`: `/` separators, anything but unreserved characters
/// percent-encoded.
pub(crate) fn uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = text.strip_prefix("./").unwrap_or(&text);
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

fn region(source: &ParsedSource, range: TextRange) -> Value {
    let (start, end) = span(source, range);
    json!({
        "startLine": start.row,
        "startColumn": start.column,
        "endLine": end.row,
        "endColumn": end.column,
    })
}

/// The `tool.driver.rules` entry of one rule.
pub(crate) fn rule_descriptor(rule: Rule) -> Value {
    let doc = crate::rule_command::render(rule);
    json!({
        "id": rule.code(),
        "name": rule.name(),
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": rule.summary()},
        "help": {"text": doc, "markdown": doc},
        "helpUri": rule.url(),
        "defaultConfiguration": {"level": level(rule.default_severity())},
        "properties": {"tags": [rule.code().trim_end_matches(char::is_numeric)]},
    })
}

/// A SARIF log of one run: `rules` in the driver, `results` as given.
pub(crate) fn log(rules: Vec<Value>, results: Vec<Value>) -> Value {
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tempolint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": tempolint_linter::DOCS_URL,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn result(
    sources: &Sources,
    input: &tempolint_semantic::SourceInput,
    diagnostic: &Diagnostic,
) -> Value {
    let rule_index = Rule::ALL.iter().position(|rule| *rule == diagnostic.rule);
    let related: Vec<Value> = diagnostic
        .chain
        .iter()
        .enumerate()
        .filter_map(|(index, step)| {
            let source = sources.by_path.get(step.file.as_path())?;
            Some(json!({
                "id": index,
                "message": {"text": format!("chain: {}", step.name)},
                "physicalLocation": {
                    "artifactLocation": {"uri": uri(&step.file)},
                    "region": region(source, step.range),
                },
            }))
        })
        .collect();
    let mut value = json!({
        "ruleId": diagnostic.rule.code(),
        "ruleIndex": rule_index,
        "level": level(diagnostic.severity),
        "message": {"text": diagnostic.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri(&input.path)},
            "region": region(&input.source, diagnostic.range),
        }}],
    });
    if !related.is_empty() {
        value["relatedLocations"] = Value::Array(related);
    }
    if let Some(fix) = &diagnostic.fix {
        value["fixes"] = json!([{
            "description": {"text": format!("{} ({} fix)", fix.message, fix.applicability.as_str())},
            "artifactChanges": [{
                "artifactLocation": {"uri": uri(&input.path)},
                "replacements": fix.edits.iter().map(|edit| json!({
                    "deletedRegion": region(&input.source, edit.range),
                    "insertedContent": {"text": edit.content},
                })).collect::<Vec<_>>(),
            }],
        }]);
    }
    value
}

pub(super) fn write(out: &mut impl Write, sources: &Sources, reports: &Reports) -> io::Result<()> {
    let results = reports
        .iter()
        .flat_map(|(input, diagnostics)| {
            diagnostics
                .iter()
                .map(move |diagnostic| result(sources, input, diagnostic))
        })
        .collect();
    let rules = Rule::ALL.iter().copied().map(rule_descriptor).collect();
    serde_json::to_writer_pretty(&mut *out, &log(rules, results))?;
    writeln!(out)
}
