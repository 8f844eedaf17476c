//! Every rule, end to end through the real binary:
//!
//! * `fixture::<code>` runs `fixtures/rules/<CODE>.py`. A line ending in `# <CODE>` must have a
//!   finding of that rule, a line ending in `# OK` must have none, and no finding may sit on an
//!   unmarked line. The rendered text output is then snapshotted (`tests/snapshots/`).
//! * `docs::<code>` runs the rule's documentation (`tempolint rule <CODE>`): its `## Example`
//!   must fire, its `Use instead:` must not.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

/// Declares the fixture and docs tests of every rule, and the list of codes they cover.
macro_rules! rules {
    ($($test:ident => $code:literal),* $(,)?) => {
        const CODES: &[&str] = &[$($code),*];

        mod fixture {
            $(
                #[test]
                fn $test() {
                    super::check_fixture($code);
                }
            )*
        }

        mod docs {
            $(
                #[test]
                fn $test() {
                    super::check_docs($code);
                }
            )*
        }
    };
}

rules! {
    det101 => "DET101",
    det102 => "DET102",
    det103 => "DET103",
    det104 => "DET104",
    det105 => "DET105",
    det106 => "DET106",
    det107 => "DET107",
    det108 => "DET108",
    det109 => "DET109",
    det201 => "DET201",
    det202 => "DET202",
    det203 => "DET203",
    det204 => "DET204",
    det301 => "DET301",
    det302 => "DET302",
    det401 => "DET401",
    tmo101 => "TMO101",
    tmo102 => "TMO102",
    tmo103 => "TMO103",
    tmo104 => "TMO104",
    blk101 => "BLK101",
    blk102 => "BLK102",
    blk103 => "BLK103",
    blk104 => "BLK104",
    blk105 => "BLK105",
    pay101 => "PAY101",
    pay102 => "PAY102",
    pay103 => "PAY103",
    api101 => "API101",
    api102 => "API102",
    api103 => "API103",
    api104 => "API104",
    api105 => "API105",
    api106 => "API106",
    api107 => "API107",
    api108 => "API108",
    api109 => "API109",
    api110 => "API110",
    api111 => "API111",
    api112 => "API112",
    syn001 => "SYN001",
    sup001 => "SUP001",
}

mod common;

use common::{repo_root, tempolint};

fn fixtures() -> PathBuf {
    repo_root().join("fixtures/rules")
}

/// The options that enable `code` alone. SUP001 runs on top of the default rules: a
/// suppression is only used when the rule it names runs.
fn selection(code: &str) -> [&str; 2] {
    if code == "SUP001" {
        ["--extend-select", code]
    } else {
        ["--select", code]
    }
}

/// `tempolint check FILE` from `cwd`, with `code` selected.
fn check(cwd: &Path, file: &str, code: &str, format: &str) -> Output {
    let [option, value] = selection(code);
    let output = tempolint(
        cwd,
        &["check", file, option, value, "--output-format", format],
    );
    assert!(
        matches!(output.status.code(), Some(0 | 1)) && output.stderr.is_empty(),
        "tempolint check {file} {option} {value} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A finding of the JSON output.
struct Finding {
    file: String,
    code: String,
    row: usize,
    message: String,
}

fn findings(output: &Output) -> Vec<Finding> {
    let array: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "bad JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    array
        .iter()
        .map(|finding| Finding {
            file: finding["filename"].as_str().expect("filename").to_string(),
            code: finding["code"].as_str().expect("code").to_string(),
            row: finding["location"]["row"]
                .as_u64()
                .and_then(|row| usize::try_from(row).ok())
                .expect("row"),
            message: finding["message"].as_str().expect("message").to_string(),
        })
        .collect()
}

/// The trailing marker of a line: `OK` or a rule code after the last `#`.
fn marker(line: &str) -> Option<&str> {
    let (_, last) = line.rsplit_once('#')?;
    let last = last.trim();
    (last == "OK" || CODES.contains(&last)).then_some(last)
}

/// What is wrong with the findings of `file` against its markers, one problem a line.
fn marker_problems(file: &str, source: &str, found: &[Finding], code: &str) -> String {
    let mut problems = String::new();
    let mut expected = 0;
    for (index, line) in source.lines().enumerate() {
        let row = index + 1;
        let here = found.iter().filter(|finding| finding.row == row);
        let mut report = |problem: String| {
            let _ = writeln!(
                problems,
                "fixtures/rules/{file}:{row}: {problem}\n    | {}",
                line.trim()
            );
        };
        match marker(line) {
            Some("OK") => {
                for finding in here {
                    report(format!(
                        "marked OK, found {}: {}",
                        finding.code, finding.message
                    ));
                }
            }
            Some(wanted) => {
                expected += usize::from(wanted == code);
                if !here.clone().any(|finding| finding.code == wanted) {
                    report(format!("marked {wanted}, but no {wanted} finding here"));
                }
            }
            None => {
                for finding in here {
                    report(format!(
                        "unmarked line, found {}: {}",
                        finding.code, finding.message
                    ));
                }
            }
        }
    }
    if expected == 0 {
        let _ = writeln!(problems, "fixtures/rules/{file} has no `# {code}` line");
    }
    problems
}

fn check_fixture(code: &str) {
    let file = format!("{code}.py");
    let source = std::fs::read_to_string(fixtures().join(&file))
        .unwrap_or_else(|e| panic!("fixtures/rules/{file}: {e}"));
    let found = findings(&check(&fixtures(), &file, code, "json"));
    let problems = marker_problems(&file, &source, &found, code);
    assert!(problems.is_empty(), "{problems}");

    let text = check(&fixtures(), &file, code, "text");
    let [option, value] = selection(code);
    insta::with_settings!({
        description => format!("tempolint check {file} {option} {value} --output-format text"),
        omit_expression => true,
    }, {
        insta::assert_snapshot!(code, String::from_utf8_lossy(&text.stdout));
    });
}

/// The first ```` ```python ```` block after `heading` in a rule's documentation.
fn python_block<'d>(doc: &'d str, heading: &str) -> &'d str {
    let after = doc
        .split_once(heading)
        .unwrap_or_else(|| panic!("no `{heading}` in:\n{doc}"))
        .1;
    let body = after
        .split_once("```python\n")
        .unwrap_or_else(|| panic!("no python block after `{heading}` in:\n{doc}"))
        .1;
    body.split_once("```")
        .unwrap_or_else(|| panic!("unterminated python block after `{heading}`"))
        .0
}

fn check_docs(code: &str) {
    let output = tempolint(&fixtures(), &["rule", code]);
    assert!(output.status.success(), "tempolint rule {code} failed");
    let doc = String::from_utf8(output.stdout).expect("UTF-8 docs");
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("rule-docs")
        .join(code);
    std::fs::create_dir_all(&directory).expect("create the docs folder");

    let mut problems = String::new();
    for (heading, file, should_fire) in [
        ("## Example", "example.py", true),
        ("Use instead:", "use_instead.py", false),
    ] {
        std::fs::write(directory.join(file), python_block(&doc, heading))
            .expect("write the docs example");
        let found = findings(&check(&directory, file, code, "json"));
        let fired: Vec<&Finding> = found.iter().filter(|f| f.code == code).collect();
        if should_fire && fired.is_empty() {
            let _ = writeln!(
                problems,
                "`{heading}` of {code} produces no {code} finding:\n{}",
                python_block(&doc, heading)
            );
        }
        for finding in fired.iter().filter(|_| !should_fire) {
            let _ = writeln!(
                problems,
                "`{heading}` of {code} produces {code} at line {}: {}",
                finding.row, finding.message
            );
        }
    }
    assert!(problems.is_empty(), "{problems}");
}

/// Every rule `tempolint rule --all` documents has a fixture here, and every fixture a rule
/// (the replay rules aside: `check` never reports them).
#[test]
fn every_rule_has_a_fixture() {
    let output = tempolint(&fixtures(), &["rule", "--all"]);
    assert!(output.status.success(), "tempolint rule --all failed");
    let docs = String::from_utf8(output.stdout).expect("UTF-8 docs");
    let mut documented: Vec<&str> = docs
        .lines()
        .filter(|line| line.starts_with("# "))
        .filter_map(|line| line.rsplit_once('(')?.1.strip_suffix(')'))
        .collect();
    // The replay rules are documented here but reported by `tempolint replay` (tests/replay.rs).
    let replay: Vec<&str> = documented
        .iter()
        .copied()
        .filter(|code| code.starts_with("REP"))
        .collect();
    assert_eq!(replay, ["REP101", "REP102", "REP103"]);
    documented.retain(|code| !code.starts_with("REP"));
    documented.sort_unstable();
    let mut covered = CODES.to_vec();
    covered.sort_unstable();
    assert_eq!(
        documented, covered,
        "rules documented vs. rules tested here"
    );

    let mut files: Vec<String> = std::fs::read_dir(fixtures())
        .expect("read fixtures/rules")
        .map(|entry| entry.expect("fixture entry").file_name())
        .filter_map(|name| name.to_str()?.strip_suffix(".py").map(str::to_string))
        .collect();
    files.sort_unstable();
    assert_eq!(files, covered, "fixtures/rules/*.py vs. rules tested here");
}

/// API104 and API105 resolve activities defined in another module of the project: checked
/// as one project, `fixtures/rules/api_across_modules` has a finding on each marked line of
/// its workflow module and none elsewhere.
#[test]
fn api_rules_resolve_across_modules() {
    let root = fixtures().join("api_across_modules");
    let output = tempolint(
        &root,
        &["check", ".", "--select", "API", "--output-format", "json"],
    );
    let (in_workflows, elsewhere): (Vec<Finding>, Vec<Finding>) = findings(&output)
        .into_iter()
        .partition(|finding| finding.file == "shop/workflows.py");
    let source = std::fs::read_to_string(root.join("shop/workflows.py")).expect("read fixture");
    let problems = marker_problems("shop/workflows.py", &source, &in_workflows, "API104");
    assert!(problems.is_empty(), "{problems}");
    let stray: Vec<String> = elsewhere
        .iter()
        .map(|finding| format!("{}:{}: {}", finding.file, finding.row, finding.message))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

/// `scripts/add-rule` puts a new rule where its code sorts, in the code -> rule table and in
/// the test list above, so the new rule is covered by every test without another edit. Run on
/// a copy of the files it edits.
#[test]
fn add_rule_registers_in_code_order() {
    let copy = Path::new(env!("CARGO_TARGET_TMPDIR")).join("add-rule");
    let _ = std::fs::remove_dir_all(&copy);
    for file in [
        "scripts/add-rule",
        "crates/tempolint_linter/src/registry.rs",
        "crates/tempolint_linter/src/rules/mod.rs",
        "crates/tempolint_linter/src/rules/api/mod.rs",
        "tests/rules.rs",
    ] {
        let target = copy.join(file);
        std::fs::create_dir_all(target.parent().expect("a folder")).expect("create the copy");
        std::fs::copy(repo_root().join(file), &target).expect("copy a file add-rule edits");
    }
    std::fs::create_dir_all(copy.join("fixtures/rules")).expect("create the fixtures folder");
    let status = std::process::Command::new("python3")
        .arg(copy.join("scripts/add-rule"))
        .args(["API100", "first-rule", "api", "FirstRule"])
        .status()
        .expect("run python3 scripts/add-rule");
    assert!(status.success(), "scripts/add-rule failed");

    let registry = std::fs::read_to_string(copy.join("crates/tempolint_linter/src/registry.rs"))
        .expect("read the registry");
    let table: Vec<&str> = registry
        .lines()
        .filter_map(|line| line.trim().strip_prefix('"')?.split('"').next())
        .filter(|code| code.starts_with("API"))
        .collect();
    assert_eq!(table.first(), Some(&"API100"), "{table:?}");
    let tests = std::fs::read_to_string(copy.join("tests/rules.rs")).expect("read the tests");
    let listed = tests
        .find("api100 => \"API100\"")
        .expect("API100 in the test list");
    let next = tests
        .find("api101 => \"API101\"")
        .expect("API101 in the test list");
    assert!(listed < next, "API100 is listed before API101");
    assert!(copy.join("fixtures/rules/API100.py").is_file());
    assert!(
        copy.join("crates/tempolint_linter/src/rules/api/first_rule.rs")
            .is_file()
    );
}
