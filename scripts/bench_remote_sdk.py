#!/usr/bin/env python3
"""The SDK side of scripts/bench_remote.sh: list the most recent COUNT executions of a workflow
type on a server, fetch their histories (8 at a time) and replay them all with one `Replayer`,
as a Python replay gate would. Prints the number replayed; exit 1 if any failed.

    .venv/bin/python scripts/bench_remote_sdk.py HOST:PORT WORKFLOW_FILE CLASS COUNT
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, AsyncIterator

sys.path.insert(0, str(Path(__file__).resolve().parent))
import replay_oracle  # noqa: E402  (loads a workflow class by file path, sandbox-safe)


async def main(address: str, workflow_file: str, class_name: str, count: int) -> int:
    from temporalio.client import Client
    from temporalio.worker import Replayer

    cls = replay_oracle.load_workflow_class(Path(workflow_file), class_name, "bench")
    client = await Client.connect(address, runtime=replay_oracle._runtime())
    from temporalio import workflow

    name = workflow._Definition.must_from_class(cls).name
    executions = [e async for e in client.list_workflows(f"WorkflowType = '{name}'",
                                                         limit=count)]

    async def histories() -> AsyncIterator[Any]:
        pending: list[asyncio.Task[Any]] = []
        for execution in executions:
            handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
            pending.append(asyncio.create_task(handle.fetch_history()))
            if len(pending) >= 8:
                yield await pending.pop(0)
        for task in pending:
            yield await task

    replayed = failed = 0
    async with Replayer(workflows=[cls]).workflow_replay_iterator(histories()) as results:
        async for result in results:
            replayed += 1
            failed += result.replay_failure is not None
    print(replayed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))))
