//! JUnit XML: one test suite per file with findings, one failed test case per finding (CI
//! systems show them as failed tests); a clean run is one passing case. `tempolint replay`
//! uses the same document with one case per history.

use std::io::{self, Write};

use super::{Reports, span};

/// `text` escaped for XML attribute values and character data.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\n' => escaped.push_str("&#10;"),
            // Control characters are not allowed in XML 1.0 at all.
            c if c.is_control() && c != '\t' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// How one test case ended.
pub(crate) enum Outcome {
    Passed,
    Failed {
        kind: String,
        message: String,
        detail: String,
    },
    Skipped(String),
}

/// One `<testcase>`.
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) classname: String,
    pub(crate) outcome: Outcome,
}

/// The document: `suites` are (name, cases); no suite at all becomes one passing case.
pub(crate) fn document(
    out: &mut impl Write,
    tool: &str,
    suites: &[(String, Vec<Case>)],
) -> io::Result<()> {
    let count = |cases: &[Case], failed: bool| {
        cases
            .iter()
            .filter(|case| !failed || matches!(case.outcome, Outcome::Failed { .. }))
            .count()
    };
    let tests: usize = suites.iter().map(|(_, cases)| count(cases, false)).sum();
    let failures: usize = suites.iter().map(|(_, cases)| count(cases, true)).sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="{tool}" tests="{}" failures="{failures}" errors="0">"#,
        tests.max(1)
    )?;
    if suites.is_empty() {
        writeln!(
            out,
            r#"  <testsuite name="{tool}" tests="1" failures="0" errors="0">"#
        )?;
        writeln!(
            out,
            r#"    <testcase name="no problems found" classname="{tool}"/>"#
        )?;
        writeln!(out, "  </testsuite>")?;
    }
    for (name, cases) in suites {
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="0">"#,
            escape(name),
            count(cases, false),
            count(cases, true)
        )?;
        for case in cases {
            let open = format!(
                r#"    <testcase name="{}" classname="{}""#,
                escape(&case.name),
                escape(&case.classname)
            );
            match &case.outcome {
                Outcome::Passed => writeln!(out, "{open}/>")?,
                Outcome::Failed {
                    kind,
                    message,
                    detail,
                } => {
                    writeln!(out, "{open}>")?;
                    writeln!(
                        out,
                        r#"      <failure message="{}" type="{}">{}</failure>"#,
                        escape(message),
                        escape(kind),
                        escape(detail)
                    )?;
                    writeln!(out, "    </testcase>")?;
                }
                Outcome::Skipped(message) => {
                    writeln!(out, "{open}>")?;
                    writeln!(out, r#"      <skipped message="{}"/>"#, escape(message))?;
                    writeln!(out, "    </testcase>")?;
                }
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

pub(super) fn write(out: &mut impl Write, reports: &Reports) -> io::Result<()> {
    let suites: Vec<(String, Vec<Case>)> = reports
        .iter()
        .filter(|(_, diagnostics)| !diagnostics.is_empty())
        .map(|(input, diagnostics)| {
            let path = input.path.display().to_string();
            let cases = diagnostics
                .iter()
                .map(|diagnostic| {
                    let (start, _) = span(&input.source, diagnostic.range);
                    let at = format!("{path}:{}:{}", start.row, start.column);
                    Case {
                        name: format!("{at}: {}", diagnostic.rule.code()),
                        classname: path.clone(),
                        outcome: Outcome::Failed {
                            kind: diagnostic.rule.code().to_string(),
                            message: diagnostic.message.clone(),
                            detail: format!(
                                "{at}: {} {}",
                                diagnostic.rule.code(),
                                diagnostic.message
                            ),
                        },
                    }
                })
                .collect();
            (path, cases)
        })
        .collect();
    document(out, "tempolint", &suites)
}
