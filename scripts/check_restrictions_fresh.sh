#!/usr/bin/env bash
# Check that the committed sandbox-restrictions data file is what the installed SDK produces
# (scripts/generate_restrictions.py). Exit 0 fresh, 1 stale, 2 no SDK. Env: PYTHON.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec bash "$ROOT/scripts/check_fresh.sh" "$ROOT/scripts/generate_restrictions.py" \
  "$ROOT/crates/tempolint_linter/data/sandbox_restrictions.json"
