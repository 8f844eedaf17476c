#!/usr/bin/env bash
# Bounded fuzzing on the stable toolchain: builds the release binary and the fuzzer
# (fuzz/, crate tempolint_fuzz), replays every corpus input (saved crashes become corpus
# files once fixed: the regression check), then fuzzes each target for SECONDS.
#
#   scripts/fuzz.sh [SECONDS] [TARGET…]      (default 60 s; targets: source history config lsp)
#   scripts/fuzz.sh --afl [SECONDS] [TARGET…]  coverage-guided AFL++ on the library layers
#                                             in-process (fuzz/afl; targets: source history
#                                             config); needs `cargo install cargo-afl`
#
# Env: FUZZ_SEED (default: from the clock; printed, so a run can be repeated),
#      CARGO_TARGET_DIR (default target). A failing input is saved in fuzz/artifacts/TARGET/
# and the script exits 1. Why not cargo-fuzz/AFL: cargo-fuzz needs nightly; cargo-afl builds
# on stable but `cargo install cargo-afl` alone took ~8 minutes here, too slow for CI.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [[ "${1:-}" == "--afl" ]]; then
  shift
  SECONDS_PER_TARGET="${1:-60}"
  shift || true
  TARGETS=("$@")
  [[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=(source history config)
  cd "$ROOT/fuzz/afl"
  cargo afl build --release -q
  status=0
  for target in "${TARGETS[@]}"; do
    out="$ROOT/fuzz/artifacts/afl-$target"
    rm -rf "$out"
    mkdir -p "$ROOT/fuzz/artifacts"
    AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
      cargo afl fuzz -V "$SECONDS_PER_TARGET" -i "$ROOT/fuzz/corpus/$target" -o "$out" \
      "target/release/afl_$target" >"$out.log" 2>&1 || true
    stats="$out/default/fuzzer_stats"
    crashes=$(find "$out/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
    echo "afl $target: $(awk -F' *: ' '$1 == "execs_done" {e=$2} $1 == "bitmap_cvg" {c=$2} END {print e " executions, coverage " c}' "$stats" 2>/dev/null), $crashes crashes (in $out)"
    [[ "$crashes" == 0 && -f "$stats" ]] || status=1
  done
  exit "$status"
fi

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
