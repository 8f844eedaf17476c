"""Figures from `sdk_core_lang all` output: verdict, event-id and message agreement.

usage: summarize.py RESULTS.json
"""

import json
import sys


def main() -> None:
    rows = json.load(open(sys.argv[1]))
    n = len(rows)
    norm = lambda v: "error" if v == "other-error" else v
    core_exp = sum(norm(r["core"]["verdict"]) == norm(r["expected"]) for r in rows)
    own_exp = sum(norm(r["own"]["verdict"]) == norm(r["expected"]) for r in rows)
    core_own = sum(r["core"]["verdict"] == r["own"]["verdict"] for r in rows)
    print(f"entries: {n}")
    print(f"verdict = manifest: sdk-core+interp {core_exp}/{n}, own core {own_exp}/{n}; sdk-core = own: {core_own}/{n}")
    nd = [r for r in rows if r["expected"] == "nondeterministic"]
    named = [r for r in nd if r["sdk_event_ids"]]
    c_ok = sum(r["core"]["event_id"] in r["sdk_event_ids"] for r in named)
    o_ok = sum(r["own"]["event_id"] in r["sdk_event_ids"] for r in named)
    c_any = sum(r["core"]["event_id"] is not None for r in nd)
    o_any = sum(r["own"]["event_id"] is not None for r in nd)
    print(f"nondeterministic entries: {len(nd)}; with an SDK event id: {len(named)}")
    print(f"  event id = SDK's: sdk-core {c_ok}/{len(named)}, own {o_ok}/{len(named)}")
    print(f"  event id given at all: sdk-core {c_any}/{len(nd)}, own {o_any}/{len(nd)}")
    with_msg = [r for r in nd if r["sdk_message"]]
    c_msg = sum(r["core"]["message"] == r["sdk_message"] for r in with_msg)
    o_msg = sum(r["own"]["message"].split("; history recorded:")[0] == r["sdk_message"] for r in with_msg)
    c_loc = sum(r["core"]["location"] is not None for r in nd)
    o_loc = sum(r["own"]["location"] is not None for r in nd)
    print(f"  message = SDK's [TMPRL1100] text: sdk-core {c_msg}/{len(with_msg)}, own (before its '; history recorded' suffix) {o_msg}/{len(with_msg)}")
    print(f"  source location given: sdk-core+interp {c_loc}/{len(nd)}, own {o_loc}/{len(nd)}")
    for r in rows:
        bad = []
        if norm(r["core"]["verdict"]) != norm(r["expected"]):
            bad.append(f"core verdict {r['core']['verdict']}")
        if r["expected"] == "nondeterministic" and r["sdk_event_ids"] and r["core"]["event_id"] not in r["sdk_event_ids"]:
            bad.append(f"core event {r['core']['event_id']} vs {r['sdk_event_ids']}")
        if r["expected"] == "nondeterministic" and r["sdk_message"] and r["core"]["message"] != r["sdk_message"]:
            bad.append("core message differs")
        if bad:
            print(f"  - {r['id']}: {'; '.join(bad)}")
    ms = sorted(r["core"]["millis"] for r in rows)
    print(f"in-process sdk-core replay time per entry: median {ms[n // 2]:.2f} ms, max {ms[-1]:.2f} ms")


if __name__ == "__main__":
    main()
