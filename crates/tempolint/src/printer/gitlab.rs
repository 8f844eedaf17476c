//! GitLab Code Quality report: a JSON array of issues. Each fingerprint hashes what identifies
//! the finding (rule, file, message, the trimmed text of its line) plus its rank among equal
//! ones, not its line number, so it survives edits elsewhere in the file and GitLab can tell
//! new findings from old ones across pipelines.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{Value, json};
use tempolint_linter::Severity;

use super::{Reports, span};

/// 64-bit FNV-1a: tiny, and stable across Rust releases (unlike `DefaultHasher`).
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

pub(super) fn write(out: &mut impl Write, reports: &Reports) -> io::Result<()> {
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let mut issues: Vec<Value> = Vec::new();
    for (input, diagnostics) in reports {
        let path = super::sarif::uri(&input.path);
        for diagnostic in *diagnostics {
            let (start, end) = span(&input.source, diagnostic.range);
            let line = input.source.line_text(start.row).trim();
            let base = fnv1a(&[diagnostic.rule.code(), &path, &diagnostic.message, line]);
            let rank = seen.entry(base).or_default();
            let fingerprint = format!("{base:016x}{:016x}", fnv1a(&[&rank.to_string()]));
            *rank += 1;
            issues.push(json!({
                "description": format!("{}: {}", diagnostic.rule.code(), diagnostic.message),
                "check_name": diagnostic.rule.code(),
                "fingerprint": fingerprint,
                "severity": severity(diagnostic.severity),
                "location": {
                    "path": path,
                    "positions": {
                        "begin": {"line": start.row, "column": start.column},
                        "end": {"line": end.row, "column": end.column},
                    },
                },
            }));
        }
    }
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}
