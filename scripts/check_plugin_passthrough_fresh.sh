#!/usr/bin/env bash
# Check that the committed plugin-passthrough data file is what the plugins' sources produce
# (scripts/generate_plugin_passthrough.py, which fetches the pinned standalone plugin wheels).
# Exit 0 fresh, 1 stale, 2 no SDK. Env: PYTHON.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec bash "$ROOT/scripts/check_fresh.sh" "$ROOT/scripts/generate_plugin_passthrough.py" \
  "$ROOT/crates/tempolint_linter/data/sandbox_plugins.json"
