"""Context figure: the Python SDK's own `Replayer` (the same sdk-core, Python lang) on large_batch.

usage: python_replayer_large_batch.py SHARED_REPLAY_DIR [RUNS]
"""

import asyncio
import importlib.util
import json
import pathlib
import statistics
import sys
import time

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner


async def main() -> None:
    d = pathlib.Path(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    entry = next(e for e in json.loads((d / "manifest.json").read_text()) if e["id"] == "large_batch")
    spec = importlib.util.spec_from_file_location("large_batch", d / entry["workflow_file"])
    module = importlib.util.module_from_spec(spec)
    sys.modules["large_batch"] = module
    spec.loader.exec_module(module)
    text = (d / entry["history_file"]).read_text()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        history = WorkflowHistory.from_json(entry["workflow_id"], text)
        await Replayer(
            workflows=[getattr(module, entry["workflow_class"])],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ).replay_workflow(history)
        times.append((time.perf_counter() - start) * 1000)
    print(f"Python Replayer on large_batch (unsandboxed runner, in-process, JSON parse included): median {statistics.median(times):.0f} ms, min {min(times):.0f} ms ({runs} runs)")


asyncio.run(main())
