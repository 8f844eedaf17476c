#!/usr/bin/env bash
# Bounded fuzzing on the stable toolchain: builds the release binary and the fuzzer
# (fuzz/, crate tempolint_fuzz), replays every corpus input (saved crashes become corpus
# files once fixed: the regression check), then fuzzes each target for SECONDS.
#
#   scripts/fuzz.sh [SECONDS] [TARGET…]      (default 60 s; targets: source history config lsp)
#
# Env: FUZZ_SEED (default: from the clock; printed, so a run can be repeated),
#      CARGO_TARGET_DIR (default target). A failing input is saved in fuzz/artifacts/TARGET/
# and the script exits 1. Why not cargo-fuzz/AFL: cargo-fuzz needs nightly; cargo-afl builds
# on stable but `cargo install cargo-afl` alone took ~8 minutes here, too slow for CI.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=(source history config lsp)
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

cargo build --release --locked -q -p tempolint -p tempolint_fuzz
FUZZ="$TARGET_DIR/release/tempolint_fuzz"
BIN=(--binary "$TARGET_DIR/release/tempolint")
SEED=()
[[ -n "${FUZZ_SEED:-}" ]] && SEED=(--seed "$FUZZ_SEED")

status=0
for target in "${TARGETS[@]}"; do
  "$FUZZ" "$target" --replay "${BIN[@]}" || status=1
  "$FUZZ" "$target" --seconds "$SECONDS_PER_TARGET" "${BIN[@]}" "${SEED[@]}" || status=1
done
exit "$status"
