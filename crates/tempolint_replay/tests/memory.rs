//! Replaying many histories in one process (`tempolint replay --address`, `--history DIR`)
//! must not grow memory with each history: everything a replay builds is freed when it ends.
//!
//! A counting allocator (this test binary only) counts the blocks allocated and not yet freed.
//! After one warm-up pass over every fixture history (which fills the per-process parse cache),
//! further passes must leave no block behind. Each history is also replayed cut after a
//! workflow task in its middle, as a running execution's history is fetched: the workflow is
//! then left suspended (tasks awaiting timers, activities, child workflows), the case where
//! cycles among tasks and futures are left behind.

use std::path::{Path, PathBuf};

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tempolint_replay::{ReplayOptions, Verdict, replay_history_file, replay_history_json};

/// Counts every allocation of this test binary (it holds this one test, so the counts are the
/// replays').
#[global_allocator]
static ALLOCATOR: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/replay")
}

/// The history cut after the workflow task completed nearest its middle, as JSON.
fn running_prefix(history: &Path) -> String {
    let text = std::fs::read_to_string(history).expect("a readable history");
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("history JSON");
    let events = json["events"].as_array_mut().expect("an events array");
    let completed: Vec<usize> = (0..events.len())
        .filter(|&i| events[i]["eventType"] == "EVENT_TYPE_WORKFLOW_TASK_COMPLETED")
        .collect();
    if let Some(&cut) = completed.get(completed.len() / 2) {
        events.truncate(cut + 1);
    }
    json.to_string()
}

/// Replays every fixture history, whole and cut; returns how many whole ones were ok.
fn replay_all(histories: &[(PathBuf, String)], workflows: &[PathBuf]) -> usize {
    let options = ReplayOptions::default();
    histories
        .iter()
        .filter(|(history, prefix)| {
            let name = history.display().to_string();
            let _ = replay_history_json(prefix, &name, None, workflows, &options);
            let result = replay_history_file(history, None, workflows, &options);
            matches!(result, Ok(result) if result.verdict == Verdict::Ok)
        })
        .count()
}

#[test]
fn replays_leave_no_memory_behind() {
    let mut histories: Vec<PathBuf> = std::fs::read_dir(fixtures().join("histories"))
        .expect("fixtures/replay/histories")
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    histories.sort();
    let histories: Vec<(PathBuf, String)> = histories
        .into_iter()
        .map(|history| {
            let prefix = running_prefix(&history);
            (history, prefix)
        })
        .collect();
    let workflows = vec![fixtures().join("workflows")];

    let ok = replay_all(&histories, &workflows);
    assert!(
        ok * 2 > histories.len(),
        "the fixtures replay (only {ok} of {} ok)",
        histories.len()
    );
    let region = Region::new(ALLOCATOR);
    for _ in 0..3 {
        assert_eq!(replay_all(&histories, &workflows), ok);
    }
    let change = region.change();
    let blocks = change.allocations.cast_signed() - change.deallocations.cast_signed();
    // Reallocations are counted in both (growth as allocated, shrinking as deallocated).
    let bytes = change.bytes_allocated.cast_signed() - change.bytes_deallocated.cast_signed();
    assert!(
        blocks <= 0 && bytes <= 0,
        "3 more passes over {} histories kept {blocks} blocks, {bytes} bytes",
        histories.len()
    );
}
