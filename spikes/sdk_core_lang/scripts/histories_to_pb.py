"""Converts every manifest entry's JSON history to binary `temporal.api.history.v1.History`,
exactly as the Python SDK's `Replayer` does (`WorkflowHistory.from_json` -> proto ->
`SerializeToString`) before handing it to sdk-core.

usage: histories_to_pb.py MANIFEST OUT_DIR
Writes OUT_DIR/<entry id>.pb.
"""

import json
import pathlib
import sys

import temporalio.api.history.v1
from temporalio.client import WorkflowHistory


def main() -> None:
    manifest = pathlib.Path(sys.argv[1])
    out = pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for entry in json.loads(manifest.read_text()):
        path = manifest.parent / entry["history_file"]
        history = WorkflowHistory.from_json(entry.get("workflow_id") or "wf", path.read_text())
        proto = temporalio.api.history.v1.History(events=history.events)
        (out / f"{entry['id']}.pb").write_bytes(proto.SerializeToString())


if __name__ == "__main__":
    main()
