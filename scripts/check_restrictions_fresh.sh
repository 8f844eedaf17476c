#!/usr/bin/env bash
# Check that the committed sandbox-restrictions data file is what the installed SDK produces.
# Regenerates into a temp file with scripts/generate_restrictions.py and diffs it against
# crates/tempolint_linter/data/sandbox_restrictions.json. Exit 0 fresh, 1 stale, 2 no SDK.
# Env: PYTHON (interpreter with temporalio; default .venv/bin/python in the repo root).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
COMMITTED="$ROOT/crates/tempolint_linter/data/sandbox_restrictions.json"
if ! "$PY" -c 'import temporalio' 2>/dev/null; then
  echo "check_restrictions_fresh: no temporalio for $PY (run scripts/setup_python.sh)" >&2
  exit 2
fi
TMP="$(mktemp)"
trap 'rm -f "$TMP"' EXIT
"$PY" "$ROOT/scripts/generate_restrictions.py" -o "$TMP" 2>/dev/null
if diff -u --label committed --label regenerated "$COMMITTED" "$TMP"; then
  echo "check_restrictions_fresh: $COMMITTED is up to date"
else
  echo "check_restrictions_fresh: stale; the SDK or Python version differs from the one the file was made with." >&2
  echo "  regenerate: $PY scripts/generate_restrictions.py (and commit it)" >&2
  exit 1
fi
