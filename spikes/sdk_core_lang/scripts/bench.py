"""Whole-process time on `large_batch`: the spike (sdk-core + interpreter) vs `tempolint replay`
(own core model), interleaved runs, median and min.

usage: bench.py SHARED_REPLAY_DIR SPIKE_BIN PB_DIR TEMPOLINT_BIN [RUNS]
"""

import json
import os
import statistics
import subprocess
import sys
import time


def main() -> None:
    fixtures, spike, pb_dir, tempolint = sys.argv[1:5]
    runs = int(sys.argv[5]) if len(sys.argv) > 5 else 9
    manifest = json.load(open(os.path.join(fixtures, "manifest.json")))
    entry = next(e for e in manifest if e["id"] == "large_batch")
    commands = {
        "sdk-core + interpreter (spike)": [spike, "one", fixtures, pb_dir, "large_batch"],
        "tempolint replay (own core model)": [
            tempolint, "replay", "--history", entry["history_file"], "--workflow-type",
            entry["workflow_type"], "--output-format", "json", entry["workflow_file"],
        ],
    }
    times = {name: [] for name in commands}
    inproc = []
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            out = subprocess.run(command, cwd=fixtures, capture_output=True, check=False)
            times[name].append((time.perf_counter() - start) * 1000)
            if command[0] == spike:
                report = json.loads(out.stdout)
                inproc.append((report["millis"], report["lang_millis"], report["setup_millis"]))
    names = list(times)
    ratios = [a / b for a, b in zip(times[names[0]], times[names[1]])]
    print(f"per-run ratio spike / tempolint: median {statistics.median(ratios):.1f}x")
    for name, values in times.items():
        print(f"{name}: median {statistics.median(values):.0f} ms, min {min(values):.0f} ms, max {max(values):.0f} ms ({runs} runs)")
    print(
        f"spike in-process: replay median {statistics.median(m for m, _, _ in inproc):.0f} ms; of which "
        f"setup (proto decode + JSON load + source load) {statistics.median(s for _, _, s in inproc):.0f} ms, "
        f"interpreter {statistics.median(l for _, l, _ in inproc):.0f} ms, "
        f"sdk-core worker + adapter {statistics.median(m - l - s for m, l, s in inproc):.0f} ms "
        f"(min {min(m - l - s for m, l, s in inproc):.0f} ms)"
    )
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
