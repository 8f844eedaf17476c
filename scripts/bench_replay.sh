#!/usr/bin/env bash
# Benchmark `tempolint replay` on the 10,352-event `large_batch` history (release build) and,
# when a Python with temporalio is available, the SDK's own Replayer on the same history.
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

# Best and median wall time of RUNS replays, in milliseconds.
best_ms=""
times=()
for _ in $(seq "$RUNS"); do
  start=$(date +%s%N)
  "$BIN" replay --history "$HISTORY" --output-format json "$WORKFLOW" >/dev/null
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  if [[ -z "$best_ms" || "$ms" -lt "$best_ms" ]]; then best_ms="$ms"; fi
done
median_ms=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "tempolint replay large_batch (10,352 events): best ${best_ms} ms, median ${median_ms} ms over ${RUNS} runs (whole process)"

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
