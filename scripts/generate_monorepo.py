#!/usr/bin/env python3
"""Writes a synthetic Temporal monorepo for the speed benchmark (scripts/bench.sh).

Deterministic for a given --seed and --modules. The tree looks like a company's monorepo
where most files are Temporal code:

  libs/<lib>/...              shared util packages (text, money, clock, retry, ...) imported by
                              every service
  services/<svc>/
      __init__.py, models.py, config.py
      workflows/wf_<k>.py     @workflow.defn classes: activities executed with (and a few
                              without) timeouts, signals, queries, updates, child workflows;
                              activity modules imported inside imports_passed_through()
      activities/act_<k>.py   @activity.defn functions, sync and async, some blocking calls
      helpers/h_<k>.py        cross-module helper calls, import cycles (h_k <-> h_k+1)
      chain/c_<k>.py          a deep helper chain (50 modules deep in every 10th service)
      worker.py               Worker(...) with a SandboxedWorkflowRunner passthrough config
      starter.py              client code starting the workflows

Modules are 50-400 lines. A few true findings are planted (DET101 through a deep chain,
DET102 and DET103 in workflow helpers, TMO101 activity calls without a timeout, BLK101 /
BLK103 in async activities, DET302 an activity module imported outside passthrough);
`--expect` prints the planted sites per rule (BLK, TMO and DET302 sites give one finding each;
the DET1xx sites sit in helpers and are reported at every workflow call that reaches them).

Usage: generate_monorepo.py OUT_DIR [--modules 5200] [--seed 7] [--expect]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections import Counter

LIBS = ["textkit", "money", "clockkit", "retrykit", "geo", "ids", "validation", "metrics"]
LIB_MODULES = ["core", "format", "parse", "tables", "compat", "collections"]


class Writer:
    def __init__(self, out: str) -> None:
        self.out = out
        self.count = 0
        self.lines = 0
        self.expected: Counter[str] = Counter()

    def write(self, rel: str, lines: list[str]) -> None:
        path = os.path.join(self.out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        text = "\n".join(lines).rstrip() + "\n"
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        self.count += 1
        self.lines += text.count("\n")


def pure_functions(rng: random.Random, prefix: str, count: int, calls: list[str]) -> list[str]:
    """Deterministic, Temporal-free helper code of realistic shape (loops, dicts, comprehensions,
    string formatting, early returns), each function calling some of `calls`."""
    out: list[str] = []
    for i in range(count):
        name = f"{prefix}_{i}"
        kind = rng.randrange(5)
        callee = rng.choice(calls) if calls else None
        out.append("")
        out.append("")
        if kind == 0:
            out += [
                f"def {name}(items: list[dict], key: str = \"id\") -> dict:",
                '    """Index the items by {key}, skipping the ones without it."""',
                "    index: dict = {}",
                "    for item in items:",
                "        value = item.get(key)",
                "        if value is None:",
                "            continue",
                "        if value in index:",
                "            index[value] = merge_records(index[value], item)",
                "        else:",
                "            index[value] = dict(item)",
            ]
            if callee:
                out.append(f"    index = {{k: {callee}(v) for k, v in index.items()}}")
            out.append("    return index")
        elif kind == 1:
            out += [
                f"def {name}(text: str, width: int = 40) -> str:",
                "    words = [w.strip() for w in text.split() if w.strip()]",
                "    lines: list[str] = []",
                "    current = \"\"",
                "    for word in words:",
                "        if len(current) + len(word) + 1 > width:",
                "            lines.append(current)",
                "            current = word",
                "        else:",
                "            current = f\"{current} {word}\" if current else word",
                "    if current:",
                "        lines.append(current)",
            ]
            if callee:
                out.append(f"    lines = [{callee}(line) for line in lines]")
            out.append("    return \"\\n\".join(lines)")
        elif kind == 2:
            out += [
                f"def {name}(amounts: list[int], rate: float = 0.2) -> tuple[int, int]:",
                "    total = 0",
                "    tax = 0",
                "    for amount in sorted(amounts):",
                "        if amount < 0:",
                "            raise ValueError(f\"negative amount {amount}\")",
                "        total += amount",
                "        tax += round(amount * rate)",
            ]
            if callee:
                out.append(f"    total = {callee}(total)")
            out += ["    return total, tax"]
        elif kind == 3:
            out += [
                f"class {name.title().replace('_', '')}:",
                f'    """A small value holder used by {prefix}."""',
                "",
                "    def __init__(self, name: str, values: list[int]) -> None:",
                "        self.name = name",
                "        self.values = list(values)",
                "",
                "    def summary(self) -> dict:",
                "        values = self.values",
                "        if not values:",
                "            return {\"name\": self.name, \"count\": 0}",
                "        return {",
                "            \"name\": self.name,",
                "            \"count\": len(values),",
                "            \"low\": min(values),",
                "            \"high\": max(values),",
                "        }",
                "",
                "    def scaled(self, factor: int) -> list[int]:",
            ]
            if callee:
                out.append(f"        return [{callee}(v) * factor for v in self.values]")
            else:
                out.append("        return [v * factor for v in self.values]")
        else:
            out += [
                f"def {name}(record: dict, fields: tuple = (\"a\", \"b\", \"c\")) -> dict:",
                "    result = {}",
                "    for field in fields:",
                "        value = record.get(field)",
                "        if isinstance(value, str):",
                "            value = value.strip().lower()",
                "        elif isinstance(value, (int, float)):",
                "            value = max(0, value)",
                "        result[field] = value",
            ]
            if callee:
                out.append(f"    result[\"extra\"] = {callee}(result)")
            out.append("    return result")
    return out


def header(doc: str) -> list[str]:
    return [f'"""{doc}"""', "", "from __future__ import annotations", ""]


def fill(rng: random.Random, lines: list[str], prefix: str, calls: list[str], low: int = 50) -> list[str]:
    """Pads a module with pure helpers up to a random size in [low, 400)."""
    target = rng.randrange(low, 330)
    if not any(line.startswith("def merge_records") for line in lines):
        lines += ["", "", "def merge_records(a: dict, b: dict) -> dict:", "    return {**a, **b}"]
    i = 0
    while len(lines) < target:
        lines += pure_functions(rng, f"{prefix}{i}", 1, calls)
        i += 1
    return lines


def write_libs(w: Writer, rng: random.Random) -> None:
    for lib in LIBS:
        w.write(f"libs/{lib}/__init__.py", fill(rng, header(f"{lib}: shared helpers.") + [
            f"from libs.{lib}.core import normalize as normalize",
            f"from libs.{lib}.format import render as render",
            "",
            "def merge_records(a: dict, b: dict) -> dict:",
            "    return {**a, **b}",
        ], "_init", ["normalize"]))
        for module in LIB_MODULES:
            other = rng.choice([m for m in LIB_MODULES if m != module])
            lines = header(f"{lib}.{module}") + [
                "import json",
                "import re",
                f"from libs.{lib} import {other}",
                "",
                "",
                "def merge_records(a: dict, b: dict) -> dict:",
                "    merged = dict(a)",
                "    merged.update({k: v for k, v in b.items() if v is not None})",
                "    return merged",
                "",
                "",
                "def normalize(value):",
                "    if isinstance(value, str):",
                "        return re.sub(r\"\\s+\", \" \", value).strip()",
                "    if isinstance(value, dict):",
                "        return {k: normalize(v) for k, v in sorted(value.items())}",
                "    return value",
                "",
                "",
                "def render(value) -> str:",
                f"    return json.dumps({other}.normalize(value), sort_keys=True)",
            ]
            w.write(f"libs/{lib}/{module}.py", fill(rng, lines, "_lib", ["normalize", "render"]))


def service(w: Writer, rng: random.Random, index: int) -> None:
    svc = f"svc_{index:03d}"
    pkg = f"services.{svc}"
    root = f"services/{svc}"
    n_workflows = rng.randrange(3, 6)
    n_activities = rng.randrange(3, 6)
    n_helpers = rng.randrange(8, 14)
    deep = index % 10 == 0
    chain = 50 if deep else rng.randrange(6, 12)
    libs = rng.sample(LIBS, 3)
    lib_imports = [f"from libs.{lib} import {rng.choice(LIB_MODULES)} as {lib}_{i}" for i, lib in enumerate(libs)]
    lib_calls = [f"{lib}_{i}.normalize" for i, lib in enumerate(libs)]

    w.write(f"{root}/__init__.py", fill(rng, header(f"Service {svc}.") + [
        f'TASK_QUEUE = "{svc}-queue"',
        f'SERVICE_NAME = "{svc}"',
        "",
        "def merge_records(a: dict, b: dict) -> dict:",
        "    return {**a, **b}",
    ], "_svc", []))
    models = header(f"{svc} data types.") + ["from dataclasses import dataclass, field", ""]
    for k in range(max(n_workflows, n_activities)):
        models += [
            "",
            "@dataclass",
            f"class Request{k}:",
            "    customer_id: str",
            "    amount: int = 0",
            "    tags: list[str] = field(default_factory=list)",
            "",
            "",
            "@dataclass",
            f"class Result{k}:",
            "    ok: bool",
            "    detail: str = \"\"",
        ]
    w.write(f"{root}/models.py", fill(rng, models + ["", "", "def merge_records(a: dict, b: dict) -> dict:", "    return {**a, **b}"], "_model", []))
    w.write(f"{root}/config.py", fill(rng, header(f"{svc} settings.") + [
        "from datetime import timedelta",
        "",
        "DEFAULT_TIMEOUT = timedelta(seconds=30)",
        "LONG_TIMEOUT = timedelta(minutes=10)",
        "LIMITS = {\"batch\": 100, \"parallel\": 8}",
        "",
        "def merge_records(a: dict, b: dict) -> dict:",
        "    return {**a, **b}",
    ], "_cfg", []))
    for sub in ("workflows", "activities", "helpers", "chain"):
        w.write(f"{root}/{sub}/__init__.py", header(f"{svc}.{sub}") + [""] + [
            f"# {sub} of {svc}: {line}" for line in range(46)
        ])

    # Deep chain: c_0.step -> c_1.step -> ... -> c_{n-1}.step; the last one reads the clock in
    # every deep service (a DET101 finding at the workflow's call, with a 50-long chain).
    for k in range(chain):
        lines = header(f"{svc} chain link {k}.") + lib_imports[:1] + ["import datetime" if k == chain - 1 else "import math"]
        if k + 1 < chain:
            lines += [f"from {pkg}.chain import c_{k + 1}"]
        lines += ["", "", "def merge_records(a: dict, b: dict) -> dict:", "    return {**a, **b}", "", "",
                  "def step(value: int, depth: int = 0) -> int:",
                  "    if value < 0:",
                  "        return 0"]
        if k + 1 < chain:
            lines += [f"    return c_{k + 1}.step(value + {k}, depth + 1)"]
        elif deep:
            lines += ["    stamp = datetime.datetime.now()", "    return value + stamp.second"]
            w.expected["DET101"] += 1
        else:
            lines += ["    return int(math.sqrt(value)) + depth"]
        w.write(f"{root}/chain/c_{k}.py", fill(rng, lines, "_link", lib_calls[:1]))

    # Helpers: h_k imports h_{k+1} (mod n) at the top: one import cycle through all of them.
    for k in range(n_helpers):
        nxt = (k + 1) % n_helpers
        lines = header(f"{svc} helper {k}.") + lib_imports + [
            f"from {pkg} import models",
            f"from {pkg}.helpers import h_{nxt}",
            "",
            "",
            "def merge_records(a: dict, b: dict) -> dict:",
            "    return {**a, **b}",
            "",
            "",
            "def compute(order: dict, depth: int = 0) -> dict:",
            "    if depth > 3:",
            "        return order",
            f"    order = {rng.choice(lib_calls)}(order)",
            f"    return h_{nxt}.compute(order, depth + 1)",
            "",
            "",
            "def describe(order: dict) -> str:",
            "    parts = [f\"{key}={value}\" for key, value in sorted(order.items())]",
            f"    return {rng.choice(lib_calls)}(\", \".join(parts))",
        ]
        if k == 1 and index % 7 == 3:
            lines[4:4] = ["import random"]
            lines[lines.index("    if depth > 3:"):lines.index("    if depth > 3:")] = ["    order[\"jitter\"] = random.randint(0, 9)"]
            w.expected["DET102"] += 1
        if k == 2 and index % 11 == 5:
            lines[4:4] = ["import uuid"]
            lines[lines.index("    if depth > 3:"):lines.index("    if depth > 3:")] = ["    order[\"key\"] = str(uuid.uuid4())"]
            w.expected["DET103"] += 1
        w.write(f"{root}/helpers/h_{k}.py", fill(rng, lines, "_help", lib_calls + [f"h_{nxt}.describe"]))

    # Activities: async and sync; a few async ones block.
    activity_names: list[list[str]] = []
    for k in range(n_activities):
        names = []
        lines = header(f"{svc} activities {k}.") + [
            "import asyncio",
            "import time",
            "",
            "from temporalio import activity",
            "",
            f"from {pkg}.helpers import h_{k % n_helpers}",
            f"from {pkg}.models import Request{k}, Result{k}",
        ] + lib_imports[:2]
        for j in range(rng.randrange(2, 5)):
            name = f"act_{k}_{j}"
            names.append(name)
            is_async = (j % 2 == 0)
            lines += ["", "", "@activity.defn", f"{'async ' if is_async else ''}def {name}(request: Request{k}) -> Result{k}:",
                      f"    summary = h_{k % n_helpers}.describe({{\"customer\": request.customer_id}})",
                      "    activity.logger.info(\"%s\", summary)"]
            blocking = is_async and j == 2 and index % 4 == 1
            if blocking:
                lines += ["    time.sleep(0.5)"]
                w.expected["BLK101"] += 1
            elif is_async:
                lines += ["    await asyncio.sleep(0.1)"]
            else:
                lines += ["    time.sleep(0.1)  # fine: a sync activity runs on a thread",
                          "    with open(\"/tmp/audit.log\", \"a\") as audit:",
                          "        audit.write(summary)"]
            if is_async and j == 0 and index % 9 == 2:
                lines += ["    with open(\"/tmp/report.txt\") as report:", "        summary += report.readline()"]
                w.expected["BLK103"] += 1
            lines += ["    activity.heartbeat()" if j == 1 else "    pass",
                      f"    return Result{k}(ok=True, detail=summary)"]
        activity_names.append(names)
        w.write(f"{root}/activities/act_{k}.py", fill(rng, lines, "_act", lib_calls))

    # Workflows.
    workflow_classes: list[tuple[str, str]] = []
    for k in range(n_workflows):
        cls = f"{svc.title().replace('_', '')}Workflow{k}"
        workflow_classes.append((f"wf_{k}", cls))
    for k, (module, cls) in enumerate(workflow_classes):
        acts = activity_names[k % n_activities]
        akmod = f"act_{k % n_activities}"
        unpassed = index % 13 == 6 and k == 0
        lines = header(f"{svc} workflow {k}.") + [
            "import asyncio",
            "from datetime import timedelta",
            "",
            "from temporalio import workflow",
            "from temporalio.common import RetryPolicy",
            "",
            f"from {pkg}.config import DEFAULT_TIMEOUT, LONG_TIMEOUT",
            f"from {pkg}.helpers import h_{k % n_helpers}",
            f"from {pkg}.chain import c_0",
            f"from {pkg}.models import Request{k % n_activities}, Result{k % n_activities}",
        ] + lib_imports[:1]
        if unpassed:
            lines += [f"from {pkg}.activities.{akmod} import {', '.join(acts)}"]
            w.expected["DET302"] += 1
        else:
            lines += ["", "with workflow.unsafe.imports_passed_through():",
                      f"    from {pkg}.activities.{akmod} import {', '.join(acts)}"]
        if k + 1 < n_workflows:
            lines += [f"    from {pkg}.workflows.{workflow_classes[k + 1][0]} import {workflow_classes[k + 1][1]}" if not unpassed else
                      f"from {pkg}.workflows.{workflow_classes[k + 1][0]} import {workflow_classes[k + 1][1]}"]
        lines += [
            "",
            "",
            "def merge_records(a: dict, b: dict) -> dict:",
            "    return {**a, **b}",
            "",
            "",
            "@workflow.defn",
            f"class {cls}:",
            "    def __init__(self) -> None:",
            "        self.pending: list[str] = []",
            "        self.done = False",
            "        self.approved = False",
            "",
            "    @workflow.signal",
            "    def add(self, item: str) -> None:",
            "        self.pending.append(item)",
            "",
            "    @workflow.signal",
            "    def finish(self) -> None:",
            "        self.done = True",
            "",
            "    @workflow.query",
            "    def status(self) -> dict:",
            f"        return h_{k % n_helpers}.compute({{\"pending\": len(self.pending), \"done\": self.done}})",
            "",
            "    @workflow.update",
            "    def approve(self, who: str) -> str:",
            "        self.approved = True",
            "        return who",
            "",
            "    @approve.validator",
            "    def check_approve(self, who: str) -> None:",
            "        if not who:",
            "            raise ValueError(\"who is required\")",
            "",
            "    @workflow.run",
            f"    async def run(self, request: Request{k % n_activities}) -> Result{k % n_activities}:",
            f"        order = h_{k % n_helpers}.compute({{\"customer\": request.customer_id}})",
            "        total = c_0.step(request.amount)",
            "        results = []",
        ]
        for j, act in enumerate(acts):
            missing = j == 1 and (index + k) % 5 == 0
            timeout = "" if missing else (
                "            start_to_close_timeout=DEFAULT_TIMEOUT," if j % 2 == 0 else
                "            schedule_to_close_timeout=LONG_TIMEOUT,")
            if missing:
                w.expected["TMO101"] += 1
            lines += [
                "        results.append(",
                "            await workflow.execute_activity(",
                f"                {act},",
                "                request,",
            ] + ([timeout.replace("            ", "                ", 1)] if timeout else []) + [
                "                retry_policy=RetryPolicy(maximum_attempts=3),",
                "            )",
                "        )",
            ]
        if k + 1 < n_workflows:
            child = workflow_classes[k + 1][1]
            lines += [
                "        child = await workflow.execute_child_workflow(",
                f"            {child}.run,",
                f"            Request{(k + 1) % n_activities}(customer_id=request.customer_id),",
                f"            id=f\"{{workflow.info().workflow_id}}-child-{k}\",",
                "        )",
                "        results.append(child)",
            ]
        lines += [
            "        await workflow.wait_condition(lambda: self.done or bool(self.pending))",
            "        while self.pending:",
            "            item = self.pending.pop(0)",
            f"            order = h_{k % n_helpers}.compute({{**order, \"item\": item}})",
            "        await asyncio.sleep(1)",
            f"        return Result{k % n_activities}(ok=all(r.ok for r in results), detail=str(total))",
        ]
        w.write(f"{root}/workflows/{module}.py", fill(rng, lines, "_wf", lib_calls))

    # Worker and starter.
    wf_imports = [f"from {pkg}.workflows.{m} import {c}" for m, c in workflow_classes]
    act_imports = [f"from {pkg}.activities.act_{k} import {', '.join(n)}" for k, n in enumerate(activity_names)]
    all_acts = [a for n in activity_names for a in n]
    w.write(f"{root}/worker.py", fill(rng, header(f"{svc} worker.") + [
        "import asyncio",
        "from concurrent.futures import ThreadPoolExecutor",
        "",
        "from temporalio.client import Client",
        "from temporalio.worker import Worker",
        "from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions",
        "",
        f"from {pkg} import TASK_QUEUE",
    ] + wf_imports + act_imports + [
        "",
        "",
        "async def main() -> None:",
        "    client = await Client.connect(\"localhost:7233\")",
        "    with ThreadPoolExecutor(max_workers=8) as executor:",
        "        worker = Worker(",
        "            client,",
        "            task_queue=TASK_QUEUE,",
        f"            workflows=[{', '.join(c for _, c in workflow_classes)}],",
        f"            activities=[{', '.join(all_acts)}],",
        "            activity_executor=executor,",
        "            workflow_runner=SandboxedWorkflowRunner(",
        "                restrictions=SandboxRestrictions.default.with_passthrough_modules(",
        f"                    \"libs\", \"pydantic\", \"{pkg}.models\"",
        "                )",
        "            ),",
        "        )",
        "        await worker.run()",
        "",
        "",
        "if __name__ == \"__main__\":",
        "    asyncio.run(main())",
    ], "_wrk", []))
    w.write(f"{root}/starter.py", fill(rng, header(f"{svc} starter.") + [
        "import asyncio",
        "",
        "from temporalio.client import Client",
        "",
        f"from {pkg} import TASK_QUEUE",
        f"from {pkg}.models import Request0",
        wf_imports[0],
        "",
        "",
        "async def main() -> None:",
        "    client = await Client.connect(\"localhost:7233\")",
        "    result = await client.execute_workflow(",
        f"        {workflow_classes[0][1]}.run,",
        "        Request0(customer_id=\"c-1\"),",
        f"        id=\"{svc}-demo\",",
        "        task_queue=TASK_QUEUE,",
        "    )",
        "    print(result)",
    ], "_start", []))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--modules", type=int, default=5200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--expect", action="store_true", help="print the planted findings per rule")
    args = parser.parse_args()
    if os.path.exists(args.out) and os.listdir(args.out):
        sys.exit(f"generate_monorepo: {args.out} exists and is not empty")
    rng = random.Random(args.seed)
    w = Writer(args.out)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "pyproject.toml"), "w", encoding="utf-8") as f:
        f.write("[project]\nname = \"monorepo\"\nversion = \"0\"\n")
    w.write("libs/__init__.py", header("Shared libraries.") + [f"# {i}" for i in range(46)])
    w.write("services/__init__.py", header("Services.") + [f"# {i}" for i in range(46)])
    write_libs(w, rng)
    index = 0
    while w.count < args.modules:
        service(w, rng, index)
        index += 1
    print(f"generate_monorepo: {w.count} modules, {w.lines} lines, {index} services in {args.out}", file=sys.stderr)
    if args.expect:
        for rule, count in sorted(w.expected.items()):
            print(f"{rule} {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
