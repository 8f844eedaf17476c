//! End-to-end: `tempolint replay` over every entry of the manifests recorded with the real SDK
//! (the acceptance set `../shared/fixtures/replay`, and the project's own
//! `fixtures/replay`, recorded by scripts/record_histories.py), asserting the acceptance
//! figures: no false "ok", every decided verdict agrees, at least 90% decided, and the SDK's
//! event id wherever it names one.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/replay");
    dir.join("manifest.json").is_file().then_some(dir)
}

/// The project's own replay fixtures: always present, no ../shared needed.
fn own_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/replay")
}

#[test]
fn replay_agrees_with_the_sdk_replayer_on_the_manifest() {
    let Some(dir) = fixtures() else {
        #[allow(
            clippy::print_stderr,
            reason = "a skipped acceptance test must say so loudly"
        )]
        {
            eprintln!(
                "SKIPPED: ../shared/fixtures/replay/manifest.json not found; the replay acceptance set was not checked"
            );
        }
        return;
    };
    assert_agrees_with_manifest(&dir);
}

#[test]
fn replay_agrees_with_the_sdk_replayer_on_our_own_fixtures() {
    assert_agrees_with_manifest(&own_fixtures());
}

/// Replays every entry of `dir/manifest.json` (paths relative to `dir`) and asserts the
/// acceptance figures against the SDK's recorded verdicts.
fn assert_agrees_with_manifest(dir: &Path) {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let entries = manifest.as_array().unwrap();
    let (mut decided, mut agree, mut false_ok, mut event_named, mut event_ok) = (0, 0, 0, 0, 0);
    let mut problems = Vec::new();
    for entry in entries {
        let field = |key: &str| entry[key].as_str().unwrap_or_default().to_string();
        let output = Command::new(env!("CARGO_BIN_EXE_tempolint"))
            .current_dir(dir)
            .args([
                "replay",
                "--history",
                &field("history_file"),
                "--workflow-type",
                &field("workflow_type"),
                "--output-format",
                "json",
                &field("workflow_file"),
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let Ok(report) = serde_json::from_str::<serde_json::Value>(&stdout) else {
            problems.push(format!(
                "{}: no JSON (exit {:?}): {}",
                field("id"),
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            ));
            continue;
        };
        let result = &report["results"][0];
        let verdict = result["verdict"].as_str().unwrap_or_default();
        let expected = field("expected");
        let exit = output.status.code().unwrap_or(-1);
        let expected_exit = match verdict {
            "ok" => 0,
            "inconclusive" => 3,
            _ => 1,
        };
        assert_eq!(
            exit,
            expected_exit,
            "{}: exit code for verdict {verdict}",
            field("id")
        );
        if verdict == "inconclusive" {
            continue;
        }
        decided += 1;
        if (verdict == "ok") == (expected == "ok") {
            agree += 1;
        } else {
            if verdict == "ok" {
                false_ok += 1;
            }
            problems.push(format!(
                "{}: ours {verdict}, SDK {expected}: {}",
                field("id"),
                result["message"]
            ));
        }
        if expected == "nondeterministic" && verdict == "nondeterministic" {
            let mut candidates: Vec<i64> = entry["sdk_event_id"].as_i64().into_iter().collect();
            candidates.extend(
                entry["history_candidate_event_ids"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(serde_json::Value::as_i64),
            );
            if !candidates.is_empty() {
                event_named += 1;
                if result["event_id"]
                    .as_i64()
                    .is_some_and(|id| candidates.contains(&id))
                {
                    event_ok += 1;
                } else {
                    problems.push(format!(
                        "{}: event {} but the SDK names {candidates:?}",
                        field("id"),
                        result["event_id"]
                    ));
                }
            }
        }
    }
    let total = entries.len();
    assert!(
        problems.is_empty(),
        "replay disagreements on {}:\n{}",
        dir.display(),
        problems.join("\n")
    );
    assert_eq!(false_ok, 0);
    assert_eq!(agree, decided);
    assert!(decided * 10 >= total * 9, "only {decided}/{total} decided");
    assert_eq!(event_ok, event_named);
}

#[test]
fn malformed_history_is_bad_input() {
    let dir = std::env::temp_dir().join(format!("tempolint-replay-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let history = dir.join("broken.json");
    std::fs::write(&history, r#"{"events": [{"eventId": "1", "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED", "workflowExecutionStartedEventAttributes": {"input": 5}}]}"#).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_tempolint"))
        .args(["replay", "--history"])
        .arg(&history)
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.json: event #0 (eventId 1): field `workflowExecutionStartedEventAttributes.input`"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_history_folder_replays_every_history_of_the_requested_type() {
    let Some(dir) = fixtures() else {
        #[allow(clippy::print_stderr, reason = "a skipped test must say so loudly")]
        {
            eprintln!(
                "SKIPPED: ../shared/fixtures/replay not found; the history-folder test did not run"
            );
        }
        return;
    };
    let output = Command::new(env!("CARGO_BIN_EXE_tempolint"))
        .current_dir(&dir)
        .args([
            "replay",
            "--history",
            "histories",
            "--workflow-type",
            "GreetingWorkflow",
            "--output-format",
            "json",
            "workflows",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["history"], "histories/hello_activity.json");
    assert_eq!(results[0]["verdict"], "ok");
    // The large history is replayed too when asked for, with its REP103 finding.
    let output = Command::new(env!("CARGO_BIN_EXE_tempolint"))
        .current_dir(&dir)
        .args([
            "replay",
            "--history",
            "histories/large_batch.json",
            "workflows/large_batch.py",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("warning[REP103]"), "{text}");
}

#[test]
fn workflow_names_the_registered_class_and_an_ambiguous_type_is_a_usage_error() {
    let history = own_fixtures().join("histories/queuecm.json");
    let dir = std::env::temp_dir().join(format!("tempolint-replay-classes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = "from temporalio import workflow\n\n\n@workflow.defn(name=\"QueueWorkflow\")\nclass First:\n    @workflow.run\n    async def run(self, prefix: str) -> list[str]:\n        return []\n\n\n@workflow.defn(name=\"QueueWorkflow\")\nclass Second:\n    @workflow.run\n    async def run(self, prefix: str) -> list[str]:\n        return []\n\n\n@workflow.defn\nclass Other:\n    @workflow.run\n    async def run(self) -> None:\n        return None\n";
    std::fs::write(dir.join("versions.py"), source).unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tempolint"))
            .current_dir(&dir)
            .args(["replay", "--history"])
            .arg(&history)
            .args(extra)
            .args(["--output-format", "json", "versions.py"])
            .output()
            .unwrap()
    };
    let ambiguous = run(&[]);
    assert_eq!(ambiguous.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&ambiguous.stderr);
    assert!(
        stderr.contains("First (versions.py:4)") && stderr.contains("Second (versions.py:11)"),
        "{stderr}"
    );
    let other = run(&["--workflow", "versions.py::Other"]);
    assert_eq!(other.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&other.stdout).unwrap();
    assert_eq!(report["results"][0]["verdict"], "error");
    let message = report["results"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("Workflow class QueueWorkflow is not registered on this worker, available workflows: Other"),
        "{message}"
    );
    // The named class replays (and, returning at once, diverges from the recorded run).
    let second = run(&["--workflow", "Second"]);
    assert_eq!(second.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(report["results"][0]["verdict"], "nondeterministic");
    std::fs::remove_dir_all(&dir).ok();
}
