#!/usr/bin/env bash
# Speed benchmark for SPEC §8: is a whole-project `tempolint check` parse-bound and faster
# than ruff? Builds the release binary, then times on two corpora
#   (a) the CPython stdlib of `python3` (copied without site-packages), and
#   (b) a generated Temporal monorepo of BENCH_MODULES modules (scripts/generate_monorepo.py:
#       workflows, activities, helpers with import cycles and 50-deep chains, shared libs,
#       workers with sandbox passthrough config),
# these commands, alternating within each round (so load drift hits them all alike):
#   check      tempolint check --exit-zero -q --output-format concise [--no-cache] PATH
#   warm       the same without --no-cache, after one priming run (the second run on an
#              unchanged tree; until the cache exists it equals a cold run)
#   edit       (monorepo only) one helper module gets a new last line, then the warm command
#              runs: a re-check after editing one helper, with the cache of the run before
#   parse      tempolint debug parse PATH   (parse-only floor: the same file walk, the same
#              reader, ParsedSource::parse and rayon pool as `check`, nothing else)
#   ruff       ruff check --isolated --select ASYNC,DTZ --no-cache -q --exit-zero PATH
# and prints median wall time, files/second, peak RSS (GNU time, one extra run each) and the
# ratios the project is held to. Then runs scripts/bench_replay.sh if present. Not part of the
# test suite.
#
# Env: BENCH_RUNS (default 10), BENCH_WARMUP (2), BENCH_MODULES (5200), BENCH_SEED (7),
#      PYTHON (python3), KEEP_BENCH_DIR=1 keeps the generated corpora, BENCH_CORPUS=DIR times
#      only DIR, TEMPOLINT_BIN times another build of the binary (no cargo build then).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUNS="${BENCH_RUNS:-10}"
WARMUP="${BENCH_WARMUP:-2}"
MODULES="${BENCH_MODULES:-5200}"
SEED="${BENCH_SEED:-7}"
PYTHON="${PYTHON:-python3}"
BIN="${TEMPOLINT_BIN:-$ROOT/target/release/tempolint}"
RUFF="$ROOT/.venv/bin/ruff"

note() { printf '%s\n' "$*"; }

# GNU time for peak RSS, installed when we may (root + apt).
GNU_TIME=""
if [[ -x /usr/bin/time ]]; then
  GNU_TIME=/usr/bin/time
elif [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  note "bench: installing time (apt-get)"
  apt-get install -y -qq time >/dev/null 2>&1 || true
  [[ -x /usr/bin/time ]] && GNU_TIME=/usr/bin/time
fi

if [[ -z "${TEMPOLINT_BIN:-}" ]]; then
  note "bench: cargo build --release -p tempolint"
  cargo build --release --locked -p tempolint
fi
[[ -x "$RUFF" ]] || { "$ROOT/scripts/setup_python.sh" >/dev/null || true; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tempolint-bench.XXXXXX")"
if [[ "${KEEP_BENCH_DIR:-0}" == 1 ]]; then note "bench: corpora kept in $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi

# --- corpora ----------------------------------------------------------------------------------
if [[ -z "${BENCH_CORPUS:-}" ]]; then
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

"$PYTHON" "$ROOT/scripts/generate_monorepo.py" "$WORK/monorepo" --modules "$MODULES" --seed "$SEED"
fi

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
probe "tempolint debug parse" "$BIN" debug parse "$ROOT/fixtures/demo" || HAVE_PARSE=0
HAVE_RUFF=1
[[ -x "$RUFF" ]] || { HAVE_RUFF=0; note "NOTE: $RUFF missing (run scripts/setup_python.sh); ruff column skipped"; }

# Cache hook. Cold runs pass --no-cache once `check` has it; the warm column runs the plain
# command (plus WARM_ARGS) after one priming run, so it measures a second run on an unchanged
# tree once the default run uses the on-disk cache, and a cold run before that.
COLD_ARGS=()
"$BIN" check --help 2>/dev/null | grep -q -- '--no-cache' && COLD_ARGS=(--no-cache)
WARM_ARGS=()

# Times the commands of one corpus, alternating, and prints "label median_wall median_cpu"
# lines (cpu = user + system seconds of the process, from wait4: steadier than wall time when
# other jobs share the cores). Args: a file of tab-separated "label<TAB>argv..." lines.
alternate() {
  "$PYTHON" - "$WARMUP" "$RUNS" "$1" <<'PY'
import os, statistics, subprocess, sys, time
warmup, runs, spec = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
commands = [line.rstrip("\n").split("\t") for line in open(spec) if line.strip()]
wall = {c[0]: [] for c in commands}
cpu = {c[0]: [] for c in commands}
for round_ in range(warmup + runs):
    # Rotate the order each round: no command always runs right after another.
    shift = round_ % len(commands)
    for label, *argv in commands[shift:] + commands[:shift]:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(child.pid, 0)
        child.returncode = 0
        if round_ >= warmup:
            wall[label].append(time.perf_counter() - start)
            cpu[label].append(usage.ru_utime + usage.ru_stime)
for label in wall:
    print(label, statistics.median(wall[label]), statistics.median(cpu[label]))
PY
}

# peak RSS in MiB of one run of "$@"
peak_rss_mib() {
  [[ -n "$GNU_TIME" ]] || { echo "n/a"; return; }
  local log="$WORK/time.log"
  "$GNU_TIME" -v "$@" >/dev/null 2>"$log" || true
  awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$log"
}

declare -A SECONDS_OF CPU_OF RSS_OF
ratio() { # $1 / $2 from the map named $5 (SECONDS_OF, CPU_OF or RSS_OF), with the bar it is held to
  local -n map="${5:-SECONDS_OF}"
  local a="${map[$1]:-}" b="${map[$2]:-}" label="$3" bar="$4"
  if [[ -z "$a" || -z "$b" || "$a" == n/a || "$b" == n/a ]]; then
    note "  $label: n/a"
  else
    awk -v a="$a" -v b="$b" -v l="$label" -v bar="$bar" 'BEGIN { printf "  %-34s %5.2fx  (bar: %s)\n", l, a / b, bar }'
  fi
}

bench_corpus() { # $1 = title, $2 = path, $3 = bar for check / parse floor, [$4 = helper to edit]
  local title="$1" path="$2" floor_bar="$3" helper="${4:-}" files spec label seconds
  files="$(find "$path" -name '*.py' -type f | wc -l | tr -d ' ')"
  SECONDS_OF=()
  CPU_OF=()
  RSS_OF=()
  note ""
  note "== $title: $files .py files ($path) =="
  note "   load before: $(uptime | sed 's/.*load average: //')"
  spec="$WORK/commands.tsv"
  : >"$spec"
  local -A argv_of=()
  if [[ "$HAVE_CHECK" == 1 ]]; then
    argv_of[check]="$BIN check --exit-zero -q --output-format concise${COLD_ARGS[*]:+ ${COLD_ARGS[*]}} $path"
    argv_of[warm]="$BIN check --exit-zero -q --output-format concise${WARM_ARGS[*]:+ ${WARM_ARGS[*]}} $path"
    "$BIN" check --exit-zero -q --output-format concise "${WARM_ARGS[@]}" "$path" >/dev/null 2>&1 || true
    if [[ -n "$helper" ]]; then
      # Each run appends a new comment line to the helper (a real edit: its content changes).
      printf '#!/usr/bin/env bash\nprintf "# bench edit %%s\\n" "$RANDOM$RANDOM" >>"$1"\nshift\nexec "$@"\n' >"$WORK/edit_then"
      argv_of[edit]="bash $WORK/edit_then $path/$helper ${argv_of[warm]}"
    fi
  fi
  [[ "$HAVE_PARSE" == 1 ]] && argv_of[parse]="$BIN debug parse $path"
  [[ "$HAVE_RUFF" == 1 ]] && argv_of[ruff]="$RUFF check --isolated --select ASYNC,DTZ --no-cache -q --exit-zero $path"
  for label in check warm edit parse ruff; do
    [[ -n "${argv_of[$label]:-}" ]] && printf '%s\t%s\n' "$label" "${argv_of[$label]// /$'\t'}" >>"$spec"
  done
  local cpu
  while read -r label seconds cpu; do
    SECONDS_OF[$label]="$seconds"
    CPU_OF[$label]="$cpu"
  done < <(alternate "$spec")
  note "   load after:  $(uptime | sed 's/.*load average: //')"
  printf '  %-30s %10s %12s %16s %14s\n' "command" "median" "cpu (u+s)" "throughput" "peak RSS"
  local -A title_of=([check]="tempolint check (cold)" [warm]="tempolint check (2nd run)"
    [edit]="tempolint check (1 edit)" [parse]="parse floor (debug parse)" [ruff]="ruff --select ASYNC,DTZ")
  for label in check warm edit parse ruff; do
    [[ -n "${SECONDS_OF[$label]:-}" ]] || continue
    # shellcheck disable=SC2086 # the argv was built from words without spaces
    RSS_OF[$label]="$(peak_rss_mib ${argv_of[$label]})"
    awk -v l="${title_of[$label]}" -v s="${SECONDS_OF[$label]}" -v c="${CPU_OF[$label]}" \
      -v n="$files" -v r="${RSS_OF[$label]}" \
      'BEGIN { printf "  %-30s %7.1f ms %9.1f ms %10.0f files/s %10s MiB\n", l, s * 1000, c * 1000, n / s, r }'
  done
  ratio check parse "check / parse floor" "<= $floor_bar"
  ratio check parse "  (cpu time)" "<= $floor_bar" CPU_OF
  ratio check ruff "check / ruff" "<= 1.0x"
  ratio check ruff "  (cpu time)" "<= 1.0x" CPU_OF
  ratio check ruff "peak RSS check / ruff" "<= 2.0x" RSS_OF
  ratio warm check "2nd run / cold run" "<= 0.3x once cached"
  [[ -n "${SECONDS_OF[edit]:-}" ]] && ratio edit check "1 helper edited / cold run" "<= 0.5x"
  return 0
}

note ""
note "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || uname -m)"
note "timing: alternating rounds, median of $RUNS after $WARMUP warm-up; cold runs pass: ${COLD_ARGS[*]:-(nothing: no cache yet)}"
note "tempolint: $("$BIN" version 2>/dev/null || echo '?')   ruff: $([[ "$HAVE_RUFF" == 1 ]] && "$RUFF" --version || echo 'missing')"
# Run from the scratch folder: no project root (pyproject.toml, .git) around the commands.
cd "$WORK"
if [[ -n "${BENCH_CORPUS:-}" ]]; then
  bench_corpus "$BENCH_CORPUS" "$BENCH_CORPUS" 1.5x
else
  bench_corpus "(a) CPython stdlib ($("$PYTHON" --version 2>&1))" "$WORK/stdlib" 1.1x
  bench_corpus "(b) generated Temporal monorepo (seed $SEED)" "$WORK/monorepo" 1.5x \
    services/svc_001/helpers/h_1.py
fi

note ""
if [[ -f "$ROOT/scripts/bench_replay.sh" && -z "${BENCH_CORPUS:-}" ]]; then
  note "== replay (scripts/bench_replay.sh) =="
  bash "$ROOT/scripts/bench_replay.sh"
fi
