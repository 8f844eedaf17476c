//! End-to-end tests of `tempolint check` on the project's own fixtures: JSON shape, chains,
//! syntax errors that do not stop the run, configuration errors, stdin, exit codes.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod common;

use common::{repo_root, tempolint};

fn fixtures() -> PathBuf {
    repo_root().join("fixtures")
}

fn json(output: &Output) -> Vec<Value> {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "bad JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[test]
fn json_matches_the_spec_shape_with_chain_and_char_columns() {
    let output = tempolint(
        &fixtures().join("cli/project"),
        &["check", "--output-format", "json", "pkg"],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let findings = json(&output);
    let wall_clock = findings
        .iter()
        .find(|f| f["code"] == "DET101")
        .expect("transitive DET101");
    assert_eq!(wall_clock["filename"], "pkg/flows.py");
    assert_eq!(
        wall_clock["location"],
        serde_json::json!({"row": 17, "column": 19})
    );
    assert_eq!(
        wall_clock["end_location"],
        serde_json::json!({"row": 17, "column": 24})
    );
    assert_eq!(wall_clock["severity"], "error");
    assert_eq!(
        wall_clock["chain"],
        serde_json::json!([{"name": "pkg.helpers.stamp", "filename": "pkg/helpers.py", "location": {"row": 5, "column": 12}}])
    );
    assert!(
        wall_clock["url"]
            .as_str()
            .unwrap()
            .ends_with("/rules/DET101")
    );
    // Columns count characters on non-ASCII lines.
    let random = findings
        .iter()
        .find(|f| f["code"] == "DET102")
        .expect("DET102");
    assert_eq!(random["filename"], "pkg/ünïcode.py");
    assert_eq!(
        random["location"],
        serde_json::json!({"row": 10, "column": 43})
    );
    assert_eq!(random["fix"]["applicability"], "unsafe");
    assert_eq!(
        random["fix"]["edits"][0]["content"],
        "workflow.random().random"
    );
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_the_rest_is_checked() {
    let output = tempolint(
        &fixtures().join("cli/project"),
        &["check", "--output-format", "json", "pkg"],
    );
    let findings = json(&output);
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "SYN001" && f["filename"] == "pkg/broken.py")
    );
    assert!(findings.iter().any(|f| f["code"] == "DET101"));
    // A syntax error cannot be suppressed by selection of other rules' suppressions.
    let text = tempolint(&fixtures().join("cli/project"), &["check", "pkg/broken.py"]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("pkg/broken.py:1:10: SYN001"), "{stdout}");
}

#[test]
fn a_file_no_import_can_name_is_called_by_its_stem_in_chains() {
    let output = tempolint(
        &fixtures().join("cli/unimportable"),
        &["check", "--output-format", "json", "."],
    );
    let findings = json(&output);
    let sleep = findings
        .iter()
        .find(|f| f["code"] == "BLK101")
        .expect("BLK101 through the helper");
    assert_eq!(sleep["chain"][0]["name"], "activities copy.pause");
}

#[test]
fn text_output_shows_excerpt_underline_and_chain() {
    let output = tempolint(
        &fixtures().join("cli/project"),
        &[
            "check",
            "--select",
            "DET101",
            "pkg/flows.py",
            "pkg/helpers.py",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("17 |         started = stamp()\n   |                   ^^^^^ DET101"),
        "{stdout}"
    );
    assert!(
        stdout.contains("= chain: pkg.helpers.stamp (pkg/helpers.py:5:12)"),
        "{stdout}"
    );
    assert!(stdout.contains("Found 1 problem (1 error)."), "{stdout}");
}

#[test]
fn exit_codes_and_statistics() {
    let project = fixtures().join("cli/project");
    assert_eq!(
        tempolint(&project, &["check", "--exit-zero", "pkg"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        tempolint(&project, &["check", "--select", "BLK", "pkg/flows.py"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        tempolint(&project, &["check", "--select", "NOPE9", "pkg"])
            .status
            .code(),
        Some(2)
    );
    let statistics = tempolint(&project, &["check", "--statistics", "pkg"]);
    let stdout = String::from_utf8_lossy(&statistics.stdout);
    assert!(
        stdout
            .lines()
            .any(|line| line.split('\t').collect::<Vec<_>>() == ["    1", "DET101", "wall-clock"]),
        "{stdout}"
    );
}

#[test]
fn stdin_is_checked_under_the_given_name() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tempolint"))
        .args([
            "check",
            "--stdin-filename",
            "wf.py",
            "--output-format",
            "concise",
            "-q",
        ])
        .current_dir(fixtures())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let source = "import uuid\nfrom temporalio import workflow\n\n@workflow.defn\nclass W:\n    @workflow.run\n    async def run(self) -> str:\n        return str(uuid.uuid4())  # tempolint: ignore[DET102]\n";
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), source.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "wf.py:8:20: DET103 `uuid.uuid4()` generates a new id on every replay; the workflow diverges. Use `workflow.uuid4()`\n"
    );
}

#[test]
fn configuration_errors_name_the_file_and_key() {
    let dir = std::env::temp_dir().join(format!("tempolint-cli-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("pyproject.toml"),
        "[tool.tempolint]\nselect = ['DET']\n[tool.tempolint.payload]\nwarn-byts = 10\n",
    )
    .unwrap();
    std::fs::write(dir.join("a.py"), "x = 1\n").unwrap();
    let output = tempolint(&dir, &["check", "."]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("pyproject.toml: 4:1: unknown field `warn-byts`"),
        "{stderr}"
    );
}

#[test]
fn suppressions_and_per_file_ignores() {
    let dir = std::env::temp_dir().join(format!("tempolint-cli-suppress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("tempolint.toml"),
        "[per-file-ignores]\n\"legacy_*.py\" = [\"DET1\"]\n",
    )
    .unwrap();
    let body = "import time\nfrom temporalio import workflow\n\n@workflow.defn\nclass W:\n    @workflow.run\n    async def run(self) -> float:\n        a = time.time()  # noqa: DET101\n        return time.time()\n";
    std::fs::write(dir.join("flow.py"), body).unwrap();
    std::fs::write(dir.join("legacy_flow.py"), body).unwrap();
    std::fs::write(
        dir.join("skipped.py"),
        format!("# tempolint: ignore-file\n{body}"),
    )
    .unwrap();
    let findings = json(&tempolint(&dir, &["check", "--output-format", "json", "."]));
    let places: Vec<(String, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["filename"].as_str().unwrap().to_string(),
                f["location"]["row"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(places, [("flow.py".to_string(), 9)]);
}

#[test]
fn rule_docs_are_printed() {
    let output = tempolint(&fixtures(), &["rule", "DET202"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("# set-iteration (DET202)"), "{stdout}");
    assert!(stdout.contains("## Why is this bad?"));
    assert_eq!(
        tempolint(&fixtures(), &["rule", "XYZ1"]).status.code(),
        Some(2)
    );
}

#[test]
fn demo_project_reports_exactly_its_expected_findings() {
    let demo = fixtures().join("demo");
    let expected_doc = std::fs::read_to_string(demo.join("EXPECTED.md")).unwrap();
    let listed = expected_doc
        .split("<!-- expected-findings -->")
        .nth(1)
        .unwrap()
        .split("<!-- /expected-findings -->")
        .next()
        .unwrap();
    let mut expected: Vec<String> = listed
        .lines()
        .filter(|line| line.contains(".py:"))
        .map(str::to_string)
        .collect();
    expected.sort();
    let output = tempolint(&demo, &["check", "--output-format", "json", "."]);
    let mut actual: Vec<String> = json(&output)
        .iter()
        .map(|f| {
            format!(
                "{}:{} {}",
                f["filename"].as_str().unwrap(),
                f["location"]["row"],
                f["code"].as_str().unwrap()
            )
        })
        .collect();
    actual.sort();
    assert_eq!(actual, expected);
}

#[test]
fn readme_rules_table_is_generated_from_the_registry() {
    let readme = std::fs::read_to_string(fixtures().join("../README.md")).unwrap();
    let table = readme
        .split("<!-- rules-table -->\n")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /rules-table -->").next())
        .expect("README has the rules-table markers");
    let output = tempolint(&fixtures(), &["debug", "rules-table"]);
    assert_eq!(
        table,
        String::from_utf8_lossy(&output.stdout),
        "regenerate with `tempolint debug rules-table`"
    );
}

#[test]
fn exclusions_apply_below_the_named_folder_only() {
    let dir = std::env::temp_dir().join(format!("tempolint-cli-exclude-{}", std::process::id()));
    let excluded = dir.join("build/pkg");
    std::fs::create_dir_all(&excluded).unwrap();
    std::fs::write(
        excluded.join("flow.py"),
        "import time\nfrom temporalio import workflow\n\n@workflow.defn\nclass W:\n    @workflow.run\n    async def run(self) -> float:\n        return time.time()\n",
    )
    .unwrap();
    let everything = json(&tempolint(&dir, &["check", "--output-format", "json", "."]));
    assert!(
        everything.is_empty(),
        "build/ is excluded by default: {everything:?}"
    );
    let named = json(&tempolint(
        &dir,
        &["check", "--output-format", "json", "build"],
    ));
    assert_eq!(named.len(), 1, "{named:?}");
    assert_eq!(named[0]["filename"], "build/pkg/flow.py");
}

#[test]
fn project_packages_under_a_non_identifier_folder_keep_their_names() {
    let dir = std::env::temp_dir().join(format!("tempolint-cli-names-{}", std::process::id()));
    let repo = dir.join("my-repo");
    for package in ["a", "b"] {
        std::fs::create_dir_all(repo.join(package)).unwrap();
        std::fs::write(repo.join(package).join("__init__.py"), "").unwrap();
        std::fs::write(
            repo.join(package).join("acts.py"),
            "from temporalio import activity\n\n@activity.defn\nasync def poll() -> None:\n    while True:\n        activity.heartbeat()\n",
        )
        .unwrap();
    }
    std::fs::write(
        repo.join("a/wf.py"),
        "import sys\nfrom datetime import timedelta\nfrom temporalio import workflow\n\nwith workflow.unsafe.imports_passed_through():\n    from a.acts import poll\n\n@workflow.defn\nclass A:\n    @workflow.run\n    async def run(self) -> int:\n        await workflow.execute_activity(poll, start_to_close_timeout=timedelta(hours=1), heartbeat_timeout=timedelta(seconds=30))\n        return sys.maxsize\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("b/wf.py"),
        "from datetime import timedelta\nfrom temporalio import workflow\n\nwith workflow.unsafe.imports_passed_through():\n    from acts import poll\n\n@workflow.defn\nclass B:\n    @workflow.run\n    async def run(self) -> None:\n        await workflow.execute_activity(poll, start_to_close_timeout=timedelta(hours=1))\n",
    )
    .unwrap();
    // `a.acts.poll` has its heartbeat timeout; `b.acts.poll` (a different module) has none.
    let findings = json(&tempolint(
        &dir,
        &["check", "--output-format", "json", "my-repo"],
    ));
    let summary: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["filename"].as_str().unwrap(),
                f["code"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(summary, ["my-repo/b/acts.py TMO103"]);
}

#[test]
fn module_names_do_not_depend_on_the_folder_the_check_runs_from() {
    // A project without tempolint configuration, in a folder no package can be named
    // after, with a workspace member (`packages/app-ee`) that imports the root's `app`, and
    // another `app` in a folder of scripts: checked from inside and from above, the import
    // lands in the root's `app/log.py` and the call chain names it `app.log`.
    let parent = std::env::temp_dir().join(format!("tempolint-cli-roots-{}", std::process::id()));
    let project = parent.join("acme+platform");
    let _ = std::fs::remove_dir_all(&parent);
    for (path, text) in [
        ("pyproject.toml", "[project]\nname = 'platform'\n"),
        ("app/__init__.py", ""),
        (
            "app/log.py",
            "import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef note(text: str) -> None:\n    log.info(text)\n",
        ),
        (
            "tools-x/app/log.py",
            "def note(text: str) -> None:\n    pass\n",
        ),
        (
            "packages/app-ee/wf.py",
            "from temporalio import workflow\n\nwith workflow.unsafe.imports_passed_through():\n    from app.log import note\n\n\n@workflow.defn\nclass Wf:\n    @workflow.run\n    async def run(self) -> None:\n        note('started')\n",
        ),
    ] {
        let path = project.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let args = |path: &'static str| {
        [
            "check",
            "--no-cache",
            "--select",
            "DET401",
            "--output-format",
            "concise",
            "-q",
            path,
        ]
    };
    let inside = tempolint(&project, &args("."));
    let above = tempolint(&parent, &args("acme+platform"));
    let expected = "packages/app-ee/wf.py:11:9: DET401 `logging.Logger.info()` in workflow code is repeated on every replay. Use `workflow.logger` (reached through `app.log.note`)\n";
    assert_eq!(String::from_utf8_lossy(&inside.stdout), expected);
    assert_eq!(
        String::from_utf8_lossy(&above.stdout),
        format!("acme+platform/{expected}")
    );
    let _ = std::fs::remove_dir_all(&parent);
}
