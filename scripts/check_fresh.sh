#!/usr/bin/env bash
# Check that a committed generated data file is what its generator produces from the installed
# SDK: regenerates into a temp file and diffs. Exit 0 fresh, 1 stale, 2 no SDK.
# Usage: check_fresh.sh GENERATOR.py COMMITTED_FILE
# Env: PYTHON (interpreter with temporalio; default .venv/bin/python in the repo root).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
GENERATOR="$1"
COMMITTED="$2"
NAME="$(basename "$GENERATOR" .py)"
if ! "$PY" -c 'import temporalio' 2>/dev/null; then
  echo "$NAME: no temporalio for $PY (run scripts/setup_python.sh)" >&2
  exit 2
fi
TMP="$(mktemp)"
trap 'rm -f "$TMP"' EXIT
"$PY" "$GENERATOR" -o "$TMP" 2>/dev/null
if diff -u --label committed --label regenerated "$COMMITTED" "$TMP"; then
  echo "$NAME: $COMMITTED is up to date"
else
  echo "$NAME: $COMMITTED is stale; the SDK, a plugin or the Python version differs from the one it was made with." >&2
  echo "  regenerate: $PY $GENERATOR (and commit it)" >&2
  exit 1
fi
