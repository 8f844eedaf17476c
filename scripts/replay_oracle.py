#!/usr/bin/env python3
"""Replay every entry of a replay manifest with the real SDK `Replayer` and check its verdict.

This is the ground-truth oracle for `tempolint replay`: it runs temporalio's own Replayer on
each (workflow code, recorded history) pair of a manifest (the format of
../shared/fixtures/replay/manifest.json) and checks that the SDK still gives the recorded
verdict (`ok` | `nondeterministic` | `other-error`) and, when the manifest names one, the same
history event id. Run it with the project venv (scripts/setup_python.sh):

    .venv/bin/python scripts/replay_oracle.py ../shared/fixtures/replay/manifest.json
    .venv/bin/python scripts/replay_oracle.py fixtures/replay/manifest.json --jobs 2

Paths in the manifest are relative to BASE (default: the manifest's folder). One line per
entry, then `oracle: N/M verdicts hold`; exit 1 if any does not hold, 2 on bad input.

Concurrency: `--jobs N` splits the entries over N worker *processes* (each with its own
Python, sandbox, sys.modules and core runtime), never over threads or tasks in one process:
the sandbox swaps global import state while it validates a workflow module, so separate
processes are the safe unit. The default is sequential.

The helpers (`load_workflow_class`, `replay_one`, `describe_failure`) are also used by
scripts/record_histories.py to write manifests.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib.abc
import importlib.util
import json
import logging
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------------------------
# Loading workflow modules by file path

_module_files: dict[str, str] = {}


class _ManifestModuleFinder(importlib.abc.MetaPathFinder):
    """Resolve the unique module names we give workflow files back to their paths.

    The sandbox re-imports a workflow's module *by name* (`from <cls.__module__> import Cls`
    with a fresh sys.modules), so a module loaded from a file path under a made-up name must
    stay importable under that name; this finder on sys.meta_path does that.
    """

    def find_spec(self, fullname: str, path: Any = None, target: Any = None):  # noqa: ANN201
        file = _module_files.get(fullname)
        if file is None:
            return None
        return importlib.util.spec_from_file_location(fullname, file)


_finder = _ManifestModuleFinder()


def _module_name_for(path: Path, tag: str) -> str:
    stem = re.sub(r"\W", "_", path.stem)
    return f"_tempolint_oracle_{re.sub(r'[^0-9A-Za-z_]', '_', tag)}__{stem}"


def load_module(path: Path, tag: str) -> Any:
    """Import the module at `path` under a unique name (derived from `tag` and the file name).

    The file's folder goes on sys.path so that sibling modules (activities imported inside
    `workflow.unsafe.imports_passed_through()`) resolve, inside the sandbox too.
    """
    path = path.resolve()
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    name = _module_name_for(path, tag)
    _module_files[name] = str(path)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_workflow_class(path: Path, class_name: str, tag: str) -> type:
    """Load the file at `path` as a fresh module (see `load_module`); return `class_name`."""
    return getattr(load_module(path, tag), class_name)


# --------------------------------------------------------------------------------------------
# Understanding the SDK's failure messages

_RUST_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0"}


def _rust_unescape(s: str) -> str:
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            nxt = s[i + 1]
            if nxt == "u" and s[i + 2:i + 3] == "{":
                end = s.index("}", i)
                out.append(chr(int(s[i + 3:end], 16)))
                i = end + 1
                continue
            out.append(_RUST_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


_CORE_MESSAGE = re.compile(r'message: "((?:[^"\\]|\\.)*)"', re.S)
_EVENT_SHORT = re.compile(r"HistoryEvent\(id: (\d+), (\w+)\)")
_EVENT_DEBUG = re.compile(r"HistoryEvent \{ event_id: (\d+),.*?event_type: (\w+)", re.S)


def core_message(message: str) -> str:
    """The inner failure message of a core `Failure { failure: Some(Failure { message: "…"`."""
    m = _CORE_MESSAGE.search(message)
    return _rust_unescape(m.group(1)) if m else message


def event_of(message: str) -> tuple[int | None, str | None]:
    """(event id, event type) named by `HistoryEvent(id: N, Type)` or its Debug form."""
    m = _EVENT_SHORT.search(message) or _EVENT_DEBUG.search(message)
    return (int(m.group(1)), m.group(2)) if m else (None, None)


def _attr(event: dict[str, Any], name: str) -> dict[str, Any]:
    return event.get(name) or {}


def candidate_event_ids(core: str, history: dict[str, Any]) -> list[int] | None:
    """History events a message refers to without giving an id (id/type mismatch messages).

    `Activity type|id of scheduled event 'X'` -> ActivityTaskScheduled events with that
    type/id; `Child workflow id|type of scheduled event 'X'` ->
    StartChildWorkflowExecutionInitiated events; `Missing associated machine for
    LocalActivity(N)` -> the core_local_activity marker with seq N; `Non-deprecated patch marker
    encountered for change X` -> the core_patch marker(s) for X.
    """
    events = history.get("events", [])

    def ids(pred) -> list[int] | None:  # noqa: ANN001
        found = [int(e["eventId"]) for e in events if pred(e)]
        return found or None

    if m := re.search(r"Activity (type|id) of scheduled event '([^']*)'", core):
        kind, value = m.groups()

        def act(e: dict[str, Any]) -> bool:
            a = _attr(e, "activityTaskScheduledEventAttributes")
            if not a:
                return False
            got = a.get("activityType", {}).get("name") if kind == "type" else a.get("activityId")
            return got == value
        return ids(act)
    if m := re.search(r"Child workflow (type|id) of scheduled event '([^']*)'", core):
        kind, value = m.groups()

        def child(e: dict[str, Any]) -> bool:
            a = _attr(e, "startChildWorkflowExecutionInitiatedEventAttributes")
            if not a:
                return False
            got = a.get("workflowType", {}).get("name") if kind == "type" else a.get("workflowId")
            return got == value
        return ids(child)
    if m := re.search(r"Missing associated machine for LocalActivity\((\d+)\)", core):
        seq = int(m.group(1))
        return ids(lambda e: _marker_field(e, "core_local_activity", "data", "seq") == seq)
    if m := re.search(r"patch marker encountered for change (.+?), but", core):
        patch_id = m.group(1)
        return ids(lambda e: _marker_field(e, "core_patch", "patch-data", "id") == patch_id)
    return None


def _marker_field(event: dict[str, Any], marker_name: str, detail: str, key: str) -> Any:
    """`key` of the JSON payload in a MarkerRecorded event's `details[detail]`, if any."""
    a = _attr(event, "markerRecordedEventAttributes")
    if a.get("markerName") != marker_name:
        return None
    for p in a.get("details", {}).get(detail, {}).get("payloads", []):
        try:
            value = json.loads(base64.b64decode(p.get("data", "")))
        except ValueError:
            continue
        if isinstance(value, dict) and key in value:
            return value[key]
    return None


@dataclass
class Outcome:
    verdict: str  # ok | nondeterministic | other-error
    sdk_exception: str | None = None
    sdk_message: str | None = None
    eviction_reason: str | None = None
    sdk_core_message: str | None = None
    sdk_event_id: int | None = None
    sdk_event_type: str | None = None
    history_candidate_event_ids: list[int] | None = None
    seconds: float = 0.0

    def manifest_fields(self) -> dict[str, Any]:
        return {
            "expected": self.verdict,
            "sdk_exception": self.sdk_exception,
            "sdk_message": self.sdk_message,
            "eviction_reason": self.eviction_reason,
            "sdk_core_message": self.sdk_core_message,
            "sdk_event_id": self.sdk_event_id,
            "sdk_event_type": self.sdk_event_type,
            "history_candidate_event_ids": self.history_candidate_event_ids,
        }


def _eviction_name(exc: BaseException) -> str | None:
    from temporalio.bridge.proto.workflow_activation import RemoveFromCache
    from temporalio.workflow import NondeterminismError

    if type(exc) is NondeterminismError:
        return "NONDETERMINISM"
    # The Replayer raises RuntimeError(f"{reason}: {message}") for other eviction reasons.
    m = re.match(r"(\d+): ", str(exc))
    if isinstance(exc, RuntimeError) and m:
        try:
            return RemoveFromCache.EvictionReason.Name(int(m.group(1)))
        except ValueError:
            return m.group(1)
    return None


def describe_failure(exc: BaseException | None, history: dict[str, Any]) -> Outcome:
    """Classify a Replayer outcome the way the manifests record it."""
    if exc is None:
        return Outcome("ok")
    message = str(exc)
    core = core_message(message)
    nondet = "[TMPRL1100]" in message or "Nondeterminism error" in core or \
        _eviction_name(exc) == "NONDETERMINISM"
    event_id, event_type = event_of(core)
    return Outcome(
        verdict="nondeterministic" if nondet else "other-error",
        sdk_exception=type(exc).__name__,
        sdk_message=message,
        eviction_reason=_eviction_name(exc),
        sdk_core_message=core,
        sdk_event_id=event_id,
        sdk_event_type=event_type,
        history_candidate_event_ids=None if event_id is not None else (
            candidate_event_ids(core, history) if nondet else None),
    )


_quiet_runtime: Any = None
VERBOSE_CORE_LOGS = False


def _runtime() -> Any:
    """A core runtime that only logs errors: the expected nondeterminism is logged as a WARN
    ("Failing workflow task") for every ND entry, which buries the report. `-v` keeps them."""
    global _quiet_runtime
    if VERBOSE_CORE_LOGS:
        return None
    if _quiet_runtime is None:
        from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

        _quiet_runtime = Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(
            filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))))
    return _quiet_runtime


async def replay_one(workflow_cls: type, workflow_id: str, history_text: str) -> Outcome:
    """Replay one history against one workflow class with the real Replayer."""
    from temporalio.client import WorkflowHistory
    from temporalio.worker import Replayer

    history = json.loads(history_text)
    start = time.perf_counter()
    try:
        replayer = Replayer(workflows=[workflow_cls], runtime=_runtime())
        result = await replayer.replay_workflow(
            WorkflowHistory.from_json(workflow_id, history), raise_on_replay_failure=False)
        exc: BaseException | None = result.replay_failure
    except Exception as err:  # construction/validation failures ("Failed validating workflow")
        exc = err
    outcome = describe_failure(exc, history)
    outcome.seconds = time.perf_counter() - start
    return outcome


# --------------------------------------------------------------------------------------------
# Checking a manifest

def check_entry(base: Path, entry: dict[str, Any], index: int) -> tuple[bool, str]:
    """Replay one manifest entry; return (holds, report line)."""
    try:
        cls = load_workflow_class(base / entry["workflow_file"], entry["workflow_class"],
                                  f"{index}_{entry['id']}")
        history_text = (base / entry["history_file"]).read_text(encoding="utf-8")
    except Exception as err:
        return False, f"FAIL {entry['id']}: cannot load: {type(err).__name__}: {err}"
    outcome = asyncio.run(replay_one(cls, entry["workflow_id"], history_text))
    problems = []
    if outcome.verdict != entry["expected"]:
        problems.append(f"expected {entry['expected']}, SDK says {outcome.verdict}")
    want_id = entry.get("sdk_event_id")
    if want_id is not None and outcome.sdk_event_id != want_id:
        problems.append(f"expected event {want_id}, SDK names {outcome.sdk_event_id}")
    detail = outcome.verdict
    if outcome.sdk_event_id is not None:
        detail += f" @ event {outcome.sdk_event_id} {outcome.sdk_event_type}"
    elif outcome.sdk_core_message:
        detail += f" ({outcome.sdk_core_message[:90]})"
    line = f"{'ok  ' if not problems else 'FAIL'} {entry['id']}: {detail} [{outcome.seconds:.2f}s]"
    if problems:
        line += " -- " + "; ".join(problems)
    return not problems, line


def _check_chunk(base: str, entries: list[tuple[int, dict[str, Any]]],
                 verbose: bool = False) -> list[tuple[int, bool, str]]:
    global VERBOSE_CORE_LOGS
    VERBOSE_CORE_LOGS = verbose
    if not verbose:
        # The worker logs each expected failure (restricted call, failed activation) with a
        # traceback at WARNING; the report line already says what happened.
        logging.getLogger("temporalio").setLevel(logging.ERROR)
    import warnings
    warnings.simplefilter("ignore")  # sandbox UserWarnings (asyncio.wait) are expected noise
    return [(i, *check_entry(Path(base), e, i)) for i, e in entries]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("manifest", type=Path)
    ap.add_argument("base", type=Path, nargs="?", help="folder the manifest's paths are relative to")
    ap.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (default 1)")
    ap.add_argument("--only", action="append", default=[], metavar="ID_SUBSTRING",
                    help="check only entries whose id contains this (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true", help="keep the SDK core's WARN logs")
    args = ap.parse_args()
    global VERBOSE_CORE_LOGS
    VERBOSE_CORE_LOGS = args.verbose
    try:
        manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        print(f"oracle: cannot read {args.manifest}: {err}", file=sys.stderr)
        return 2
    base = (args.base or args.manifest.parent).resolve()
    entries = [(i, e) for i, e in enumerate(manifest)
               if not args.only or any(s in e["id"] for s in args.only)]
    if not entries:
        print("oracle: no entries selected", file=sys.stderr)
        return 2
    start = time.perf_counter()
    jobs = max(1, min(args.jobs, len(entries)))
    results: list[tuple[int, bool, str]] = []
    if jobs == 1:
        for i, e in entries:
            holds, line = _check_chunk(str(base), [(i, e)], args.verbose)[0][1:]
            print(line, flush=True)
            results.append((i, holds, line))
    else:
        # Round-robin chunks so the slow entries (large histories) spread out.
        chunks = [entries[k::jobs] for k in range(jobs)]
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for chunk_result in pool.map(_check_chunk, [str(base)] * jobs, chunks, [args.verbose] * jobs):
                results.extend(chunk_result)
        results.sort()
        for _, _, line in results:
            print(line)
    held = sum(1 for _, h, _ in results if h)
    elapsed = time.perf_counter() - start
    print(f"oracle: {held}/{len(results)} verdicts hold ({elapsed:.1f}s, {jobs} job(s))")
    return 0 if held == len(results) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skips interpreter finalization: the SDK's native runtime threads can race its teardown
    # and abort the process ("PyGILState_Release: … Python runtime state: finalizing") after
    # every verdict was printed, turning an agreement into a failed exit status.
    os._exit(code)
