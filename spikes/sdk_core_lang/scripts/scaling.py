"""How sdk-core's replay time grows with history length: prefixes of large_batch cut right after a
WorkflowTaskStarted event, each replayed by the spike (`file` mode) several times; prints the
median time inside the sdk-core worker (replay minus setup minus interpreter).

usage: scaling.py SHARED_REPLAY_DIR SPIKE_BIN OUT_DIR [RUNS]
"""

import json
import pathlib
import statistics
import subprocess
import sys

import temporalio.api.history.v1
from temporalio.client import WorkflowHistory


def main() -> None:
    d, spike, out = pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3]).resolve()
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    out.mkdir(parents=True, exist_ok=True)
    entry = next(e for e in json.loads((d / "manifest.json").read_text()) if e["id"] == "large_batch")
    full = json.loads((d / entry["history_file"]).read_text())
    events = full["events"]
    starts = [i for i, e in enumerate(events) if e["eventType"] in ("EVENT_TYPE_WORKFLOW_TASK_STARTED", "WorkflowTaskStarted")]
    print("events  wfts  sdk-core worker ms (median)  per event µs")
    for fraction in (0.125, 0.25, 0.5, 1.0):
        cut = starts[max(0, int(len(starts) * fraction) - 1)] + 1 if fraction < 1 else len(events)
        prefix = dict(full, events=events[:cut])
        name = f"large_batch_{cut}"
        (out / f"{name}.json").write_text(json.dumps(prefix))
        history = WorkflowHistory.from_json(entry["workflow_id"], prefix)
        (out / f"{name}.pb").write_bytes(temporalio.api.history.v1.History(events=history.events).SerializeToString())
        times = []
        for _ in range(runs):
            r = subprocess.run(
                [spike, "file", str(out / f"{name}.json"), str(out / f"{name}.pb"), entry["workflow_type"], entry["workflow_file"]],
                cwd=d, capture_output=True, text=True, check=True,
            )
            rep = json.loads(r.stdout)
            times.append(rep["millis"] - rep["lang_millis"] - rep["setup_millis"])
        wfts = sum(1 for e in events[:cut] if e["eventType"] in ("EVENT_TYPE_WORKFLOW_TASK_STARTED", "WorkflowTaskStarted"))
        m = statistics.median(times)
        print(f"{cut:6}  {wfts:4}  {m:8.1f}  {1000 * m / cut:8.2f}   verdict {rep['verdict']}")


if __name__ == "__main__":
    main()
