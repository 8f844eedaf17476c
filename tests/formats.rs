//! The machine-readable report formats of `tempolint check`, end to end: SARIF validated
//! against the official SARIF 2.1.0 JSON schema (`tests/data/`, validated by the `jsonschema`
//! pip package from `.venv`), GitLab Code Quality fingerprints that survive unrelated edits,
//! JUnit XML that parses, pylint one-liners.

#![allow(clippy::print_stderr, reason = "a skipped check must say so loudly")]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;

use common::{repo_root, tempolint, venv_python};

fn project() -> PathBuf {
    repo_root().join("fixtures/cli/project")
}

fn stdout_json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "bad JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// Validates `document` against the committed SARIF 2.1.0 schema with Python's `jsonschema`.
fn validate_sarif(document: &Value, label: &str) {
    let Some(python) = venv_python() else {
        eprintln!(
            "SKIPPED: SARIF schema validation of {label}: no .venv with jsonschema (run scripts/setup_python.sh)"
        );
        return;
    };
    let schema = repo_root().join("tests/data/sarif-2.1.0-rtm.5.json");
    let sarif =
        std::env::temp_dir().join(format!("tempolint-{label}-{}.sarif", std::process::id()));
    std::fs::write(&sarif, serde_json::to_vec(document).expect("serialise")).expect("write");
    let output = Command::new(python)
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             log = json.load(open(sys.argv[2]))\n\
             errors = list(jsonschema.Draft4Validator(schema).iter_errors(log))\n\
             for e in errors: print(list(e.absolute_path), e.message)\n\
             sys.exit(1 if errors else 0)",
        ])
        .arg(&schema)
        .arg(&sarif)
        .output()
        .expect("run python");
    let _ = std::fs::remove_file(&sarif);
    assert!(
        output.status.success(),
        "{label}: the SARIF log does not validate against the SARIF 2.1.0 schema:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn sarif_validates_against_the_official_schema_and_describes_every_rule() {
    let output = tempolint(&project(), &["check", "pkg", "--output-format", "sarif"]);
    assert_eq!(output.status.code(), Some(1));
    let log = stdout_json(&output);
    validate_sarif(&log, "check");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let codes: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    for code in ["DET101", "REP101", "SUP001"] {
        assert!(codes.contains(&code), "{code} in tool.driver.rules");
    }
    for rule in rules {
        assert!(
            rule["helpUri"]
                .as_str()
                .unwrap()
                .ends_with(rule["id"].as_str().unwrap())
        );
        assert!(
            rule["help"]["text"]
                .as_str()
                .unwrap()
                .contains("## What it does")
        );
    }
    let results = run["results"].as_array().expect("results");
    let wall_clock = results
        .iter()
        .find(|r| r["ruleId"] == "DET101")
        .expect("DET101 result");
    let index = usize::try_from(wall_clock["ruleIndex"].as_u64().unwrap()).unwrap();
    assert_eq!(rules[index]["id"], "DET101");
    let location = &wall_clock["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "pkg/flows.py");
    assert_eq!(location["region"]["startLine"], 17);
    assert_eq!(location["region"]["startColumn"], 19);
    assert_eq!(
        wall_clock["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "pkg/helpers.py"
    );
    // Non-ASCII file names are percent-encoded URI references.
    assert!(results.iter().any(|r| {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "pkg/%C3%BCn%C3%AFcode.py"
    }));
    assert!(results.iter().any(|r| r.get("fixes").is_some()));
}

#[test]
fn sarif_of_a_clean_run_validates() {
    let output = tempolint(
        &project(),
        &[
            "check",
            "pkg",
            "--select",
            "PAY101",
            "--output-format",
            "sarif",
        ],
    );
    let log = stdout_json(&output);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    validate_sarif(&log, "clean");
}

fn gitlab(dir: &Path) -> Vec<Value> {
    let output = tempolint(dir, &["check", ".", "--output-format", "gitlab"]);
    stdout_json(&output).as_array().expect("array").clone()
}

#[test]
fn gitlab_fingerprints_are_unique_and_survive_unrelated_edits() {
    let dir = std::env::temp_dir().join(format!("tempolint-gitlab-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let fixture = repo_root().join("fixtures/rules/DET101.py");
    let source = std::fs::read_to_string(fixture).expect("fixture");
    std::fs::write(dir.join("wf.py"), &source).expect("write");
    let before = gitlab(&dir);
    assert!(before.len() > 3);
    let fingerprints = |issues: &[Value]| -> Vec<String> {
        let mut all: Vec<String> = issues
            .iter()
            .map(|issue| {
                issue["fingerprint"]
                    .as_str()
                    .expect("fingerprint")
                    .to_string()
            })
            .collect();
        all.sort();
        all
    };
    let mut unique = fingerprints(&before);
    unique.dedup();
    assert_eq!(unique.len(), before.len(), "fingerprints are unique");
    let issue = &before[0];
    assert!(issue["check_name"].as_str().unwrap().starts_with("DET"));
    assert!(["major", "minor", "info"].contains(&issue["severity"].as_str().unwrap()));
    assert_eq!(issue["location"]["path"], "wf.py");
    assert!(
        issue["location"]["positions"]["begin"]["line"]
            .as_u64()
            .unwrap()
            > 0
    );
    // Lines added above every finding move them, but their fingerprints stay.
    std::fs::write(
        dir.join("wf.py"),
        format!("# a new header comment\n\n{source}"),
    )
    .expect("write");
    let after = gitlab(&dir);
    assert_eq!(fingerprints(&before), fingerprints(&after));
    assert_ne!(before[0]["location"], after[0]["location"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn junit_is_well_formed_xml_with_one_failed_case_per_finding() {
    let output = tempolint(&project(), &["check", "pkg", "--output-format", "junit"]);
    let json = tempolint(&project(), &["check", "pkg", "--output-format", "json"]);
    let findings = stdout_json(&json).as_array().expect("array").len();
    let parsed = Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as ET\n\
             root = ET.fromstring(sys.stdin.buffer.read())\n\
             print(len(root.findall('.//testcase/failure')), root.get('failures'))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = parsed else {
        eprintln!("SKIPPED: JUnit XML parse check: no python3 on PATH");
        return;
    };
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &output.stdout)
        .expect("write");
    let result = child.wait_with_output().expect("python3");
    assert!(result.status.success(), "the JUnit XML does not parse");
    assert_eq!(
        String::from_utf8_lossy(&result.stdout).trim(),
        format!("{findings} {findings}")
    );
}

#[test]
fn pylint_prints_one_line_per_finding() {
    let output = tempolint(&project(), &["check", "pkg", "--output-format", "pylint"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.lines()
            .any(|line| line.starts_with("pkg/flows.py:17: [DET101] ")),
        "{text}"
    );
    assert!(text.lines().all(|line| line.contains(": [")), "{text}");
}

fn replay_fixtures() -> PathBuf {
    repo_root().join("fixtures/replay")
}

/// `tempolint replay` of the order history against a variant that appends an activity
/// (nondeterministic at the new call) and against the original (ok), in `format`.
fn replay(format: &str, source: &str) -> std::process::Output {
    tempolint(
        &replay_fixtures(),
        &[
            "replay",
            "--history",
            "histories/order_fulfillment.json",
            "--output-format",
            format,
            source,
        ],
    )
}

const DIVERGED: &str = "variants/order_fulfillment__audit_activity_appended.py";
const ORIGINAL: &str = "workflows/order_fulfillment.py";

#[test]
fn replay_sarif_validates_and_puts_rep101_at_the_diverging_line() {
    let output = replay("sarif", DIVERGED);
    assert_eq!(output.status.code(), Some(1));
    let log = stdout_json(&output);
    validate_sarif(&log, "replay");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "REP101");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], DIVERGED);
    assert_eq!(location["region"]["startLine"], 62);
    let clean = replay("sarif", ORIGINAL);
    assert_eq!(clean.status.code(), Some(0));
    let clean_log = stdout_json(&clean);
    assert_eq!(clean_log["runs"][0]["results"], serde_json::json!([]));
    validate_sarif(&clean_log, "replay-clean");
}

#[test]
fn replay_github_and_junit_report_the_divergence() {
    let github = replay("github", DIVERGED);
    let text = String::from_utf8_lossy(&github.stdout);
    assert!(
        text.starts_with(&format!(
            "::error title=tempolint replay (REP101),file={DIVERGED},line=62,"
        )),
        "{text}"
    );
    assert_eq!(replay("github", ORIGINAL).stdout, b"");
    let junit = String::from_utf8(replay("junit", DIVERGED).stdout).expect("UTF-8");
    assert!(junit.contains(r#"failures="1""#), "{junit}");
    assert!(
        junit.contains(r#"type="REP101 nondeterministic""#),
        "{junit}"
    );
    let passing = String::from_utf8(replay("junit", ORIGINAL).stdout).expect("UTF-8");
    assert!(passing.contains(r#"tests="1" failures="0""#), "{passing}");
}

#[test]
fn replay_progress_bar_only_on_a_terminal() {
    let histories = replay_fixtures().join("histories");
    let source = replay_fixtures().join("workflows");
    let args = [
        "replay",
        "--history",
        histories.to_str().expect("UTF-8"),
        "--output-format",
        "json",
        source.to_str().expect("UTF-8"),
    ];
    let piped = Command::new(env!("CARGO_BIN_EXE_tempolint"))
        .args(args)
        .env_remove("CI")
        .output()
        .expect("run tempolint");
    assert!(
        !String::from_utf8_lossy(&piped.stderr).contains('\r'),
        "no progress bar when stderr is a pipe"
    );
    // `script` gives the command a terminal; the bar is drawn and erased there.
    let command = std::iter::once(env!("CARGO_BIN_EXE_tempolint"))
        .chain(args)
        .map(|arg| format!("'{arg}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let Ok(terminal) = Command::new("script")
        .args(["-qec", &format!("{command} >/dev/null"), "/dev/null"])
        .env_remove("CI")
        .output()
    else {
        eprintln!("SKIPPED: progress bar on a terminal: `script` (util-linux) is not installed");
        return;
    };
    let shown = String::from_utf8_lossy(&terminal.stdout);
    assert!(
        shown.contains("\r\x1b[2K["),
        "a bar on the terminal: {shown:?}"
    );
    assert!(shown.contains("] 1/"), "{shown:?}");
}
