#!/usr/bin/env bash
# Check that the committed plugin-passthrough data file is what the plugins' sources produce.
# Regenerates with scripts/generate_plugin_passthrough.py (which fetches the pinned standalone
# plugin wheels) and diffs against crates/tempolint_linter/data/sandbox_plugins.json.
# Exit 0 fresh, 1 stale, 2 no SDK. Env: PYTHON (default .venv/bin/python in the repo root).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
COMMITTED="$ROOT/crates/tempolint_linter/data/sandbox_plugins.json"
if ! "$PY" -c 'import temporalio' 2>/dev/null; then
  echo "check_plugin_passthrough_fresh: no temporalio for $PY (run scripts/setup_python.sh)" >&2
  exit 2
fi
TMP="$(mktemp)"
trap 'rm -f "$TMP"' EXIT
"$PY" "$ROOT/scripts/generate_plugin_passthrough.py" -o "$TMP" 2>/dev/null
if diff -u --label committed --label regenerated "$COMMITTED" "$TMP"; then
  echo "check_plugin_passthrough_fresh: $COMMITTED is up to date"
else
  echo "check_plugin_passthrough_fresh: stale; a plugin's passthrough list changed." >&2
  echo "  regenerate: $PY scripts/generate_plugin_passthrough.py (and commit it)" >&2
  exit 1
fi
