"""The replay_samples corpus (real samples-python code): the spike (sdk-core + interpreter) and
`tempolint replay` (own core model) on each entry, variants applied to a scratch copy of the tree
as ../shared/tools/score_replay_samples.py does.

usage: samples.py SAMPLES_DIR SAMPLES_TREE SPIKE_BIN PB_DIR TEMPOLINT_BIN > results.json
"""

import hashlib
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile


def apply(work, edits):
    by_file = {}
    for ed in edits:
        by_file.setdefault(ed["file"], []).append(ed)
    for f, eds in by_file.items():
        lines = (work / f).read_text().split("\n")
        for ed in sorted(eds, key=lambda x: -x["line"]):
            old = lines[ed["line"] - 1 : ed["line"] - 1 + ed["remove"]]
            assert hashlib.sha256("\n".join(old).encode()).hexdigest() == ed["removed_sha256"]
            lines[ed["line"] - 1 : ed["line"] - 1 + ed["remove"]] = ed["insert"]
        (work / f).write_text("\n".join(lines))


def main() -> None:
    d, tree, spike, pb_dir, tempolint = map(pathlib.Path, sys.argv[1:6])
    tree = tree.resolve()
    man = json.load(open(d / "manifest.json"))
    variants = json.load(open(d / "variants.json"))
    rows = []
    for e in man:
        work, scratch = tree, None
        if e.get("variant"):
            scratch = pathlib.Path(tempfile.mkdtemp(prefix="rs"))
            work = scratch / "t"
            shutil.copytree(tree, work)
            apply(work, variants[e["variant"]]["edits"])
        hist = str((d / e["history_file"]).resolve())
        core = subprocess.run(
            [str(spike), "file", hist, str((pb_dir / f"{e['id']}.pb").resolve()), e["workflow_type"], e["sample_path"]],
            cwd=work, capture_output=True, text=True, timeout=300,
        )
        try:
            c = json.loads(core.stdout)
        except ValueError:
            c = {"verdict": "crash", "message": core.stderr[-300:], "event_id": None}
        own = subprocess.run(
            [str(tempolint), "replay", "--history", hist, "--workflow-type", e["workflow_type"], "--output-format", "json", e["sample_path"]],
            cwd=work, capture_output=True, text=True, timeout=300,
        )
        try:
            o = json.loads(own.stdout)["results"][0]
        except (ValueError, KeyError, IndexError):
            o = {"verdict": "crash", "message": own.stderr[-300:], "event_id": None}
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
        rows.append({
            "id": e["id"], "expected": e["expected"], "sdk_event_id": e.get("sdk_event_id"),
            "sdk_message": e.get("sdk_core_message") or e.get("sdk_message"),
            "core": c, "own": {k: o.get(k) for k in ("verdict", "event_id", "message")},
        })
        print(f"{e['id']:50} expected {e['expected']:16} core {c['verdict']:16} own {o['verdict']}", file=sys.stderr)
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
