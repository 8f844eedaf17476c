#!/usr/bin/env bash
# Benchmark `tempolint replay` on the 10,352-event `large_batch` history (release build) against
# merely parsing the same file with serde_json, and, when a Python with temporalio is
# available, the SDK's own Replayer on the same history.
#
#   scripts/bench_replay.sh [RUNS]
#
# Env: FIXTURES (default ../shared/fixtures/replay), CARGO_TARGET_DIR (default target),
#      PYTHON (default .venv/bin/python when present).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-10}"
FIXTURES="${FIXTURES:-$ROOT/../shared/fixtures/replay}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
HISTORY="$FIXTURES/histories/large_batch.json"
WORKFLOW="$FIXTURES/workflows/large_batch.py"

if [[ ! -f "$HISTORY" ]]; then
  echo "bench_replay: SKIPPED: $HISTORY not found (set FIXTURES)" >&2
  exit 0
fi

(cd "$ROOT" && cargo build --release -q -p tempolint)
BIN="$TARGET/release/tempolint"

# Replay vs the floor: the same binary (same allocator) merely parsing the history into a
# `serde_json::Value` (`tempolint debug parse-json`). Acceptance: replay <= 1.5x the floor.
# Medians over RUNS runs each, by hyperfine when installed (apt-get install hyperfine), else
# by alternating the two commands.
REPLAY=("$BIN" replay --history "$HISTORY" --output-format json "$WORKFLOW")
FLOOR=("$BIN" debug parse-json "$HISTORY")
median_of() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
if command -v hyperfine >/dev/null 2>&1; then
  EXPORT="$(mktemp)"
  trap 'rm -f "$EXPORT"' EXIT
  hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$EXPORT" \
    -n replay "${REPLAY[*]}" -n parse-json "${FLOOR[*]}" >/dev/null
  read -r median_ms floor_ms < <(python3 - "$EXPORT" <<'PY'
import json, sys
results = {r["command"]: r["median"] * 1000 for r in json.load(open(sys.argv[1]))["results"]}
print(f'{results["replay"]:.1f} {results["parse-json"]:.1f}')
PY
)
else
  replay_times=()
  floor_times=()
  for _ in $(seq "$RUNS"); do
    for which in replay floor; do
      start=$(date +%s%N)
      if [[ "$which" == replay ]]; then "${REPLAY[@]}" >/dev/null; else "${FLOOR[@]}" >/dev/null; fi
      ms=$(( ($(date +%s%N) - start) / 1000000 ))
      if [[ "$which" == replay ]]; then replay_times+=("$ms"); else floor_times+=("$ms"); fi
    done
  done
  median_ms=$(printf '%s\n' "${replay_times[@]}" | median_of)
  floor_ms=$(printf '%s\n' "${floor_times[@]}" | median_of)
fi
echo "tempolint replay large_batch (10,352 events): median ${median_ms} ms over ${RUNS} runs (whole process)"
echo "serde_json parse only (tempolint debug parse-json): median ${floor_ms} ms"
awk -v ours="$median_ms" -v floor="$floor_ms" 'BEGIN { printf "replay / parse-only: %.2fx (acceptance: <= 1.5x)\n", ours / floor }'

PYTHON="${PYTHON:-}"
if [[ -z "$PYTHON" && -x "$ROOT/.venv/bin/python" ]]; then PYTHON="$ROOT/.venv/bin/python"; fi
if [[ -z "$PYTHON" ]] || ! "$PYTHON" -c 'import temporalio' 2>/dev/null; then
  echo "SDK Replayer: skipped (no Python with temporalio; run scripts/setup_python.sh or set PYTHON)"
  exit 0
fi

sdk_ms=$("$PYTHON" - "$HISTORY" "$FIXTURES" <<'PY'
import asyncio, sys, time
history_path, fixtures = sys.argv[1], sys.argv[2]
sys.path.insert(0, f"{fixtures}/workflows")  # the sandbox re-imports the module by name
import large_batch as module
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

async def main():
    history = WorkflowHistory.from_json("large-batch", open(history_path).read())
    start = time.perf_counter()
    await Replayer(workflows=[module.LargeBatchWorkflow]).replay_workflow(history)
    return (time.perf_counter() - start) * 1000

print(int(asyncio.run(main())))
PY
)
echo "SDK Replayer large_batch: ${sdk_ms} ms"
awk -v sdk="$sdk_ms" -v ours="$median_ms" 'BEGIN { if (ours > 0) printf "ratio: tempolint is %.0fx faster than the SDK Replayer\n", sdk / ours }'
