#!/usr/bin/env bash
# The GitHub Action's steps (action.yml runs this; tests/packaging.rs runs it locally):
# install tempolint with pip, lint PATHS with `--output-format github` (annotations on the pull
# request), and, when HISTORIES is set, replay the recorded histories against the same source.
# Env (the action's inputs): PYTHON (default python3), TEMPOLINT_PACKAGE (what pip installs:
# `tempolint`, a wheel, a path or a git URL), TEMPOLINT_PATHS (default `.`), TEMPOLINT_ARGS
# (extra `check` arguments), TEMPOLINT_HISTORIES (a history file or folder; empty: no replay).
# Exit: 1 when the check or the replay fails, after both ran.
set -uo pipefail

PYTHON="${PYTHON:-python3}"
PACKAGE="${TEMPOLINT_PACKAGE:-tempolint}"
read -r -a PATHS <<<"${TEMPOLINT_PATHS:-.}"
read -r -a ARGS <<<"${TEMPOLINT_ARGS:-}"
HISTORIES="${TEMPOLINT_HISTORIES:-}"

echo "::group::pip install $PACKAGE"
"$PYTHON" -m pip install --disable-pip-version-check -q "$PACKAGE" || exit 2
echo "::endgroup::"
BIN="$(dirname "$("$PYTHON" -c 'import sys; print(sys.executable)')")"
TEMPOLINT="$BIN/tempolint"
[[ -x "$TEMPOLINT" ]] || TEMPOLINT="$(command -v tempolint)" || exit 2
"$TEMPOLINT" version

status=0
"$TEMPOLINT" check --output-format github "${ARGS[@]}" "${PATHS[@]}" || status=1
if [[ -n "$HISTORIES" ]]; then
  "$TEMPOLINT" replay --history "$HISTORIES" --output-format github "${PATHS[@]}" || status=1
fi
exit "$status"
