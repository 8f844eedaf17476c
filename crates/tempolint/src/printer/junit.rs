//! JUnit XML: one test suite per file with findings, one failed test case per finding (CI
//! systems show them as failed tests); a clean run is one passing case.

use std::io::{self, Write};

use super::{Reports, span};

/// `text` escaped for XML attribute values and character data.
pub(crate) fn escape(text: &str) -> String {
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

/// One `<testcase>` holding a failure.
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) classname: String,
    pub(crate) kind: String,
    pub(crate) message: String,
    pub(crate) detail: String,
}

/// The document: `suites` are (name, cases); an empty list becomes one passing case.
pub(crate) fn document(
    out: &mut impl Write,
    tool: &str,
    suites: &[(String, Vec<Case>)],
) -> io::Result<()> {
    let failures: usize = suites.iter().map(|(_, cases)| cases.len()).sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="{tool}" tests="{}" failures="{failures}" errors="0">"#,
        failures.max(1)
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
            r#"  <testsuite name="{}" tests="{n}" failures="{n}" errors="0">"#,
            escape(name),
            n = cases.len()
        )?;
        for case in cases {
            writeln!(
                out,
                r#"    <testcase name="{}" classname="{}">"#,
                escape(&case.name),
                escape(&case.classname)
            )?;
            writeln!(
                out,
                r#"      <failure message="{}" type="{}">{}</failure>"#,
                escape(&case.message),
                escape(&case.kind),
                escape(&case.detail)
            )?;
            writeln!(out, "    </testcase>")?;
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
                        kind: diagnostic.rule.code().to_string(),
                        message: diagnostic.message.clone(),
                        detail: format!("{at}: {} {}", diagnostic.rule.code(), diagnostic.message),
                    }
                })
                .collect();
            (path, cases)
        })
        .collect();
    document(out, "tempolint", &suites)
}
