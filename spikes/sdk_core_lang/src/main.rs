//! Spike: tempolint's interpreter as the "lang" of sdk-core's replay worker.
//!
//! usage:
//!   sdk_core_lang one  MANIFEST_DIR PB_DIR ID          replay one entry, print JSON
//!   sdk_core_lang all  MANIFEST_DIR PB_DIR TEMPOLINT   replay every entry with sdk-core and with
//!                                                      `TEMPOLINT replay`, print the comparison
//!   sdk_core_lang file HISTORY_JSON PB_FILE TYPE FILE  replay one history (cwd: project root)
//! PB_DIR holds `<id>.pb` made by scripts/histories_to_pb.py.

mod adapter;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use futures_util::stream;
use prost::Message;
use serde_json::{Value, json};
use tempolint_replay::Verdict;
use tempolint_replay::spike_seam as seam;
use temporalio_common::protos::coresdk::workflow_activation::{
    remove_from_cache::EvictionReason, workflow_activation_job::Variant as J,
};
use temporalio_common::protos::coresdk::workflow_completion::WorkflowActivationCompletion;
use temporalio_common::protos::temporal::api::{failure::v1::Failure, history::v1::History};
use temporalio_common::worker::WorkerTaskTypes;
use temporalio_sdk_core::replay::{HistoryForReplay, ReplayWorkerInput};
use temporalio_sdk_core::{PollError, WorkerConfig, WorkerVersioningStrategy, init_replay_worker};

#[derive(Debug, Default)]
struct Outcome {
    verdict: String,
    event_id: Option<i64>,
    message: String,
    location: Option<String>,
    activations: usize,
    millis: f64,
    /// Time inside the interpreter (`activate`), the rest is sdk-core + adapter.
    lang_millis: f64,
    /// Before the worker starts: proto decode, tempolint's JSON load (for the started event),
    /// loading the workflow source.
    setup_millis: f64,
}

fn field(entry: &Value, key: &str) -> String {
    entry[key].as_str().unwrap_or_default().to_string()
}

/// The first `id: N` / `event N` / `event_id: N` in an sdk-core message.
fn event_id_in(message: &str) -> Option<i64> {
    for needle in ["HistoryEvent(id: ", "event id ", "event_id: ", "id: "] {
        if let Some(at) = message.find(needle) {
            let digits: String = message[at + needle.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(id) = digits.parse() {
                return Some(id);
            }
        }
    }
    None
}

/// sdk-core wraps lang-visible nondeterminism as `Workflow activation completion failed: Failure {
/// failure: Some(Failure { message: "...", ... }) ...`; the Python SDK shows the inner message.
fn inner_message(message: &str) -> String {
    let Some(at) = message.find("message: \"") else {
        return message.to_string();
    };
    let mut out = String::new();
    let mut chars = message[at + 10..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => break,
            },
            other => out.push(other),
        }
    }
    out
}

fn render(location: Option<tempolint_replay::Location>) -> Option<String> {
    location.map(|l| format!("{}:{}:{}", l.filename, l.row, l.column))
}

async fn replay_with_sdk_core(dir: &Path, pb_dir: &Path, entry: &Value) -> Outcome {
    let start = Instant::now();
    let mut outcome = replay_inner(dir, pb_dir, entry).await;
    outcome.millis = start.elapsed().as_secs_f64() * 1000.0;
    outcome
}

async fn replay_inner(dir: &Path, pb_dir: &Path, entry: &Value) -> Outcome {
    let id = field(entry, "id");
    let workflow_type = field(entry, "workflow_type");
    let bytes = std::fs::read(pb_dir.join(format!("{id}.pb"))).expect("pb history");
    let setup_start = Instant::now();
    let history = History::decode(bytes.as_slice()).expect("decodes");
    let ours = tempolint_replay::history::load_history(&dir.join(field(entry, "history_file")))
        .expect("tempolint loads the history");
    let started = seam::started(&ours).expect("started event");
    let mut lang = match seam::load(
        &workflow_type,
        &[PathBuf::from(field(entry, "workflow_file"))],
    ) {
        Ok(lang) => lang,
        Err((verdict, message)) => {
            return Outcome {
                verdict: verdict.as_str().into(),
                message,
                ..Default::default()
            };
        }
    };
    let task_queue = started.task_queue.clone();
    let config = WorkerConfig::builder()
        .namespace("default")
        .task_queue(task_queue.clone())
        .versioning_strategy(WorkerVersioningStrategy::None {
            build_id: "spike".into(),
        })
        .task_types(WorkerTaskTypes::workflow_only())
        .build()
        .expect("worker config");
    let workflow_id = started.workflow_id.clone().unwrap_or_else(|| "wf".into());
    let input = ReplayWorkerInput::new(
        config,
        stream::iter([HistoryForReplay::new(history, workflow_id)]),
    );
    let setup_millis = setup_start.elapsed().as_secs_f64() * 1000.0;
    let worker = init_replay_worker(input).expect("replay worker");
    let mut outcome = Outcome {
        setup_millis,
        verdict: "ok".into(),
        ..Default::default()
    };
    let mut lang_failed = false;
    loop {
        let activation = match worker.poll_workflow_activation().await {
            Ok(activation) => activation,
            Err(PollError::ShutDown) => break,
            Err(error) => {
                outcome.verdict = "error".into();
                outcome.message = format!("poll failed: {error:?}");
                break;
            }
        };
        outcome.activations += 1;
        let run_id = activation.run_id.clone();
        if let Some(evict) = activation.jobs.iter().find_map(|j| match &j.variant {
            Some(J::RemoveFromCache(r)) => Some(r.clone()),
            _ => None,
        }) {
            let reason =
                EvictionReason::try_from(evict.reason).unwrap_or(EvictionReason::Unspecified);
            match reason {
                EvictionReason::Nondeterminism => {
                    outcome.verdict = "nondeterministic".into();
                    outcome.message = inner_message(&evict.message);
                    outcome.event_id = event_id_in(&outcome.message);
                    let (_, location) = lang.where_now();
                    outcome.location = render(location);
                }
                EvictionReason::CacheFull | EvictionReason::LangRequested => {}
                _ if lang_failed => {}
                other => {
                    outcome.verdict = "error".into();
                    outcome.message = format!("{}: {}", other.as_str_name(), evict.message);
                }
            }
            let _ = worker
                .complete_workflow_activation(WorkflowActivationCompletion::empty(run_id))
                .await;
            continue;
        }
        let completion = match adapter::jobs_in(&activation.jobs, &started) {
            Err(unsupported) => {
                lang_failed = true;
                outcome.verdict = "inconclusive".into();
                outcome.message = format!("adapter: unsupported {unsupported}");
                fail(run_id, &outcome.message)
            }
            Ok(jobs) => {
                let lang_start = Instant::now();
                let activated = lang.activate(
                    jobs,
                    adapter::nanos(&activation.timestamp),
                    activation.is_replaying,
                );
                outcome.lang_millis += lang_start.elapsed().as_secs_f64() * 1000.0;
                match activated {
                    Ok(commands) => WorkflowActivationCompletion::from_cmds(
                        run_id,
                        adapter::commands_out(commands, "default", &task_queue, &workflow_type),
                    ),
                    Err(failure) => {
                        lang_failed = true;
                        outcome.verdict = if failure.verdict == Verdict::Inconclusive {
                            "inconclusive"
                        } else {
                            "error"
                        }
                        .into();
                        outcome.message = failure.message.clone();
                        outcome.location = render(failure.location);
                        fail(run_id, &failure.message)
                    }
                }
            }
        };
        if let Err(error) = worker.complete_workflow_activation(completion).await {
            outcome.verdict = "error".into();
            outcome.message = format!("completion failed: {error:?}");
        }
    }
    worker.shutdown().await;
    outcome
}

fn fail(run_id: String, message: &str) -> WorkflowActivationCompletion {
    WorkflowActivationCompletion::fail(
        run_id,
        Failure {
            message: message.to_string(),
            ..Default::default()
        },
        None,
    )
}

fn tempolint(bin: &Path, dir: &Path, entry: &Value) -> (Outcome, Value) {
    let start = Instant::now();
    let output = Command::new(bin)
        .current_dir(dir)
        .args([
            "replay",
            "--history",
            &field(entry, "history_file"),
            "--workflow-type",
            &field(entry, "workflow_type"),
            "--output-format",
            "json",
            &field(entry, "workflow_file"),
        ])
        .output()
        .expect("tempolint runs");
    let millis = start.elapsed().as_secs_f64() * 1000.0;
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    let result = report["results"][0].clone();
    (
        Outcome {
            verdict: field(&result, "verdict"),
            event_id: result["event_id"].as_i64(),
            message: field(&result, "message"),
            location: result["location"].as_object().map(|l| {
                format!(
                    "{}:{}:{}",
                    l.get("filename")
                        .or(l.get("file"))
                        .and_then(Value::as_str)
                        .unwrap_or("?"),
                    l["row"],
                    l["column"]
                )
            }),
            activations: 0,
            millis,
            lang_millis: 0.0,
            setup_millis: 0.0,
        },
        result,
    )
}

fn norm(verdict: &str) -> &str {
    match verdict {
        "other-error" => "error",
        other => other,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args[1] == "file" {
        // file HISTORY_JSON PB_FILE WORKFLOW_TYPE WORKFLOW_FILE (run from the project root)
        let history = PathBuf::from(&args[2]).canonicalize().expect("history");
        let pb = PathBuf::from(&args[3]).canonicalize().expect("pb");
        let entry = json!({
            "id": pb.file_stem().unwrap().to_string_lossy(),
            "history_file": history.to_string_lossy(),
            "workflow_type": args[4],
            "workflow_file": args[5],
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let outcome = runtime.block_on(replay_with_sdk_core(
            Path::new("/"),
            pb.parent().unwrap(),
            &entry,
        ));
        println!(
            "{}",
            json!({"verdict": outcome.verdict, "event_id": outcome.event_id, "message": outcome.message,
                   "location": outcome.location, "activations": outcome.activations,
                   "millis": outcome.millis, "lang_millis": outcome.lang_millis, "setup_millis": outcome.setup_millis})
        );
        return;
    }
    let dir = PathBuf::from(&args[2])
        .canonicalize()
        .expect("manifest dir");
    let pb_dir = PathBuf::from(&args[3]).canonicalize().expect("pb dir");
    let manifest: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    // The tempolint binary, resolved before moving into the manifest's folder.
    let bin = args
        .get(4)
        .and_then(|b| PathBuf::from(b).canonicalize().ok());
    std::env::set_current_dir(&dir).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    match args[1].as_str() {
        "one" => {
            let entry = manifest
                .iter()
                .find(|e| field(e, "id") == args[4])
                .expect("entry");
            let outcome = runtime.block_on(replay_with_sdk_core(&dir, &pb_dir, entry));
            println!(
                "{}",
                json!({"id": args[4], "verdict": outcome.verdict, "event_id": outcome.event_id,
                       "message": outcome.message, "location": outcome.location,
                       "activations": outcome.activations, "millis": outcome.millis,
                       "lang_millis": outcome.lang_millis, "setup_millis": outcome.setup_millis})
            );
        }
        "all" => {
            let bin = bin.expect("TEMPOLINT binary");
            let only = args.get(5);
            let mut rows = Vec::new();
            for entry in &manifest {
                let id = field(entry, "id");
                if only.is_some_and(|o| !id.contains(o.as_str())) {
                    continue;
                }
                let core = runtime.block_on(replay_with_sdk_core(&dir, &pb_dir, entry));
                let (own, _) = tempolint(&bin, &dir, entry);
                let expected = field(entry, "expected");
                let mut candidates: Vec<i64> = entry["sdk_event_id"].as_i64().into_iter().collect();
                candidates.extend(
                    entry["history_candidate_event_ids"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_i64),
                );
                let sdk_message = entry["sdk_core_message"]
                    .as_str()
                    .or(entry["sdk_message"].as_str())
                    .unwrap_or_default()
                    .to_string();
                rows.push(json!({
                    "id": id,
                    "expected": expected,
                    "sdk_event_ids": candidates,
                    "sdk_message": sdk_message,
                    "core": {"verdict": core.verdict, "event_id": core.event_id, "message": core.message,
                             "location": core.location, "activations": core.activations, "millis": core.millis, "lang_millis": core.lang_millis},
                    "own": {"verdict": own.verdict, "event_id": own.event_id, "message": own.message,
                            "location": own.location, "millis": own.millis},
                    "core_vs_expected": norm(&core.verdict) == norm(&expected),
                    "own_vs_expected": norm(&own.verdict) == norm(&expected),
                    "core_vs_own": core.verdict == own.verdict,
                }));
                eprintln!(
                    "{id:55} expected {:16} core {:16} own {:16} core_eid {:?} own_eid {:?} sdk_eids {:?}",
                    expected, core.verdict, own.verdict, core.event_id, own.event_id, candidates
                );
            }
            println!("{}", serde_json::to_string_pretty(&rows).unwrap());
        }
        other => panic!("unknown mode {other}"),
    }
}
