#!/usr/bin/env bash
# Speed benchmark for SPEC §8: is a whole-project `tempolint check` parse-bound and faster
# than ruff? Builds the release binary, then times on two corpora
#   (a) the CPython stdlib of `python3` (copied without site-packages), and
#   (b) a synthetic Temporal project of BENCH_MODULES modules, made by copying fixtures/demo
#       and ../shared/fixtures/lint/cases under unique module names (imports rewritten),
# three commands:
#   tempolint check --exit-zero -q --output-format concise PATH
#   tempolint debug parse PATH      (parse-only floor: read + parse every .py file, in parallel)
#   ruff check --isolated --select ASYNC,DTZ --no-cache -q --exit-zero PATH   (.venv/bin/ruff)
# and prints median wall time, files/second, peak RSS and the ratios
# tempolint/parse-floor (bar: <= 1.5x) and tempolint/ruff (bar: < 1x).
# Then runs scripts/bench_replay.sh if present. Not part of the test suite.
#
# Env: BENCH_RUNS (default 10), BENCH_WARMUP (2), BENCH_MODULES (400), PYTHON (python3),
#      TEMPOLINT_SHARED (default ../shared), KEEP_BENCH_DIR=1 keeps the generated corpora,
#      BENCH_TIMER=python skips hyperfine, TEMPOLINT_BIN times another build of the binary.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUNS="${BENCH_RUNS:-10}"
WARMUP="${BENCH_WARMUP:-2}"
MODULES="${BENCH_MODULES:-400}"
PYTHON="${PYTHON:-python3}"
SHARED="${TEMPOLINT_SHARED:-$ROOT/../shared}"
BIN="${TEMPOLINT_BIN:-$ROOT/target/release/tempolint}"
RUFF="$ROOT/.venv/bin/ruff"

note() { printf '%s\n' "$*"; }

# Tools: hyperfine for timing and GNU time for peak RSS, installed when we may (root + apt).
try_apt_install() { # $1 = command to look for, $2 = Debian package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    note "bench: installing $2 (apt-get)"
    apt-get install -y -qq "$2" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$2" >/dev/null 2>&1; } || true
  fi
  command -v "$1" >/dev/null 2>&1
}
HAVE_HYPERFINE=0
[[ "${BENCH_TIMER:-}" == python ]] || { try_apt_install hyperfine hyperfine && HAVE_HYPERFINE=1; }
GNU_TIME=""
if [[ -x /usr/bin/time ]] || try_apt_install /usr/bin/time time; then GNU_TIME=/usr/bin/time; fi

note "bench: cargo build --release -p tempolint"
cargo build --release --locked -p tempolint
[[ -x "$RUFF" ]] || { "$ROOT/scripts/setup_python.sh" >/dev/null || true; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tempolint-bench.XXXXXX")"
if [[ "${KEEP_BENCH_DIR:-0}" == 1 ]]; then note "bench: corpora kept in $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi

# --- corpora ----------------------------------------------------------------------------------
STDLIB_SRC="$("$PYTHON" -c "import sysconfig; print(sysconfig.get_paths()['stdlib'])")"
"$PYTHON" - "$STDLIB_SRC" "$WORK/stdlib" <<'PY'
import os, shutil, sys
src, dst = sys.argv[1:]
for dirpath, dirnames, filenames in os.walk(src):
    dirnames[:] = [d for d in dirnames if d not in ("site-packages", "dist-packages", "__pycache__")]
    for name in filenames:
        if name.endswith(".py"):
            target = os.path.join(dst, os.path.relpath(dirpath, src), name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(os.path.join(dirpath, name), target)
PY

"$PYTHON" - "$ROOT/fixtures/demo" "$SHARED/fixtures/lint/cases" "$WORK/temporal_project" "$MODULES" <<'PY'
# Copies whole units (the demo project, each lint case: a file or a folder of modules) under
# unique names, rewriting the imports between a unit's own modules so they still resolve.
import os, re, sys
demo, cases, out, target = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
os.makedirs(out)

def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()

def rewrite(text, renames):
    """renames: local module name -> new dotted name."""
    for old, new in renames.items():
        text = re.sub(rf"^(\s*)from\s+{old}(?=[\s.])", rf"\1from {new}", text, flags=re.M)
        text = re.sub(rf"^(\s*)import\s+{old}\s+as\s+", rf"\1import {new} as ", text, flags=re.M)
        text = re.sub(rf"^(\s*)import\s+{old}\s*$", rf"\1import {new} as {old}", text, flags=re.M)
    return text

units = []  # (kind, path)
if os.path.isdir(os.path.join(demo, "orders")):
    units.append(("demo", demo))
if os.path.isdir(cases):
    for name in sorted(os.listdir(cases)):
        units.append(("case", os.path.join(cases, name)))
if not units:
    sys.exit("bench: no fixtures to build the synthetic project from")

written = 0
copy = 0
while written < target:
    for kind, path in units:
        if written >= target:
            break
        if kind == "demo":
            package = f"orders_{copy}"
            renames = {"orders": package}
            os.makedirs(os.path.join(out, package))
            for name in sorted(os.listdir(os.path.join(path, "orders"))):
                if name.endswith(".py"):
                    with open(os.path.join(out, package, name), "w") as f:
                        f.write(rewrite(read(os.path.join(path, "orders", name)), renames))
                    written += 1
            for name in ("worker.py", "starter.py"):
                if os.path.exists(os.path.join(path, name)):
                    with open(os.path.join(out, f"{package}_{name}"), "w") as f:
                        f.write(rewrite(read(os.path.join(path, name)), renames))
                    written += 1
        elif os.path.isdir(path):
            package = f"{os.path.basename(path)}_{copy}"
            modules = [n for n in sorted(os.listdir(path)) if n.endswith(".py")]
            renames = {n[:-3]: f"{package}.{n[:-3]}" for n in modules if n != "__init__.py"}
            os.makedirs(os.path.join(out, package))
            if "__init__.py" not in modules:
                open(os.path.join(out, package, "__init__.py"), "w").close()
                written += 1
            for name in modules:
                with open(os.path.join(out, package, name), "w") as f:
                    f.write(rewrite(read(os.path.join(path, name)), renames))
                written += 1
        elif path.endswith(".py"):
            stem = os.path.basename(path)[:-3]
            with open(os.path.join(out, f"{stem}_{copy}.py"), "w") as f:
                f.write(read(path))
            written += 1
    copy += 1
PY

# --- measuring --------------------------------------------------------------------------------
HAVE_CHECK=1
HAVE_PARSE=1
probe() { # $1 = label, rest = command; succeeds when the subcommand exists and exits 0
  local label="$1" out
  shift
  if out="$("$@" 2>&1 >/dev/null)"; then return 0; fi
  note "NOTE: \`$label\` does not run in this build: $(printf '%s' "$out" | head -n 2 | tr '\n' ' ')"
  return 1
}
probe "tempolint check" "$BIN" check --exit-zero -q --output-format concise "$ROOT/fixtures/demo" || HAVE_CHECK=0
probe "tempolint debug parse" "$BIN" debug parse "$ROOT/fixtures/demo" || {
  HAVE_PARSE=0
  note "      (the hidden parse-only subcommand is added by the linter; until then there is no parse floor)"
}
HAVE_RUFF=1
[[ -x "$RUFF" ]] || { HAVE_RUFF=0; note "NOTE: $RUFF missing (run scripts/setup_python.sh); ruff column skipped"; }

# median seconds of "$@" over RUNS runs (after WARMUP), output discarded
median_seconds() {
  if [[ "$HAVE_HYPERFINE" == 1 ]]; then
    local json="$WORK/hyperfine.json" cmd
    cmd="$(printf '%q ' "$@")"
    hyperfine --style none --warmup "$WARMUP" --runs "$RUNS" --export-json "$json" "$cmd" \
      >/dev/null 2>"$WORK/hyperfine.err" || { cat "$WORK/hyperfine.err" >&2; return 1; }
    "$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$json"
  else
    "$PYTHON" - "$WARMUP" "$RUNS" "$@" <<'PY'
import statistics, subprocess, sys, time
warmup, runs, cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
times = []
for i in range(warmup + runs):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    if i >= warmup:
        times.append(time.perf_counter() - start)
print(statistics.median(times))
PY
  fi
}

# peak RSS in MiB of one run of "$@"
peak_rss_mib() {
  [[ -n "$GNU_TIME" ]] || { echo "n/a"; return; }
  local log="$WORK/time.log"
  "$GNU_TIME" -v "$@" >/dev/null 2>"$log" || true
  awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$log"
}

declare -A SECONDS_OF
bench_one() { # $1 = key, $2 = label, $3 = file count, rest = command
  local key="$1" label="$2" files="$3" seconds rss
  shift 3
  seconds="$(median_seconds "$@")"
  rss="$(peak_rss_mib "$@")"
  SECONDS_OF[$key]="$seconds"
  awk -v l="$label" -v s="$seconds" -v n="$files" -v r="$rss" \
    'BEGIN { printf "  %-28s %9.1f ms %12.0f files/s %10s MiB\n", l, s * 1000, n / s, r }'
}

ratio() { # $1 / $2 from SECONDS_OF, printed with the bar it is held to
  local a="${SECONDS_OF[$1]:-}" b="${SECONDS_OF[$2]:-}" label="$3" bar="$4"
  if [[ -z "$a" || -z "$b" ]]; then
    note "  $label: n/a"
  else
    awk -v a="$a" -v b="$b" -v l="$label" -v bar="$bar" 'BEGIN { printf "  %s: %.2fx  (bar: %s)\n", l, a / b, bar }'
  fi
}

bench_corpus() { # $1 = title, $2 = path
  local title="$1" path="$2" files counted
  files="$(find "$path" -name '*.py' -type f | wc -l | tr -d ' ')"
  SECONDS_OF=()
  note ""
  note "== $title: $files .py files ($path) =="
  printf '  %-28s %12s %18s %14s\n' "command" "median" "throughput" "peak RSS"
  if [[ "$HAVE_CHECK" == 1 ]]; then
    bench_one check "tempolint check" "$files" "$BIN" check --exit-zero -q --output-format concise "$path"
  fi
  if [[ "$HAVE_PARSE" == 1 ]]; then
    counted="$("$BIN" debug parse "$path" 2>/dev/null | tail -n 1)"
    bench_one parse "parse floor (debug parse)" "$files" "$BIN" debug parse "$path"
    [[ "$counted" == *"$files"* ]] || note "  (debug parse reported: $counted)"
  fi
  if [[ "$HAVE_RUFF" == 1 ]]; then
    bench_one ruff "ruff --select ASYNC,DTZ" "$files" \
      "$RUFF" check --isolated --select ASYNC,DTZ --no-cache -q --exit-zero "$path"
  fi
  ratio check parse "tempolint / parse floor" "<= 1.5x"
  ratio check ruff "tempolint / ruff" "< 1x"
}

note ""
note "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || uname -m)"
note "timing: $([[ "$HAVE_HYPERFINE" == 1 ]] && hyperfine --version || echo "python loop") — median of $RUNS runs after $WARMUP warm-up"
note "tempolint: $("$BIN" version 2>/dev/null || echo '?')   ruff: $([[ "$HAVE_RUFF" == 1 ]] && "$RUFF" --version || echo 'missing')"
bench_corpus "CPython stdlib ($("$PYTHON" --version 2>&1))" "$WORK/stdlib"
bench_corpus "synthetic Temporal project" "$WORK/temporal_project"

note ""
if [[ -f "$ROOT/scripts/bench_replay.sh" ]]; then
  note "== replay (scripts/bench_replay.sh) =="
  bash "$ROOT/scripts/bench_replay.sh"
else
  note "SKIPPED: replay benchmark (scripts/bench_replay.sh not present yet)"
fi
