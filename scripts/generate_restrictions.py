#!/usr/bin/env python3
"""Generate crates/tempolint_linter/data/sandbox_restrictions.json from an installed temporalio.

The linter's list of sandbox-restricted members must mirror what the SDK's workflow sandbox
really enforces (`SandboxRestrictions.default`), so it is not written by hand: this script
imports the SDK and walks the live objects. Run it with the project venv
(`scripts/setup_python.sh`), then commit the result:

    .venv/bin/python scripts/generate_restrictions.py            # writes the data file
    .venv/bin/python scripts/generate_restrictions.py -o FILE    # writes elsewhere ("-" = stdout)

How `invalid_module_members` (a `SandboxMatcher` tree, see
temporalio/worker/workflow_sandbox/_restrictions.py) is flattened into rules:

* A node reached by the path `a.b` contributes, for every name `n` in its `access` set, a rule
  `a.b.n` with trigger "access" (even reading the attribute raises), and for every name in its
  `use` set a rule with trigger "use" (referencing is fine; calling it or reading an attribute
  of it raises). The name "*" (every member) gives the target `a.b.*`; only those wildcard
  rules carry the node's `exclude` set (explicit names are never in it).
* A child node with `match_self=True` is itself restricted: one rule for its path with trigger
  "any"; its `leaf_message` becomes the rule message and a `leaf_warning` (e.g. UserWarning on
  `asyncio.wait.__call__`) makes the rule severity "warning" (the sandbox warns instead of
  raising); its subtree needs no further rules.
* `only_runtime` is inherited: `SandboxMatcher.access_matcher` stops matching at the first
  ancestor that is runtime-only while the module is being imported, so a rule is runtime-only
  if the node or any ancestor is.
* Children named in a node's `exclude` never match, so they yield no rule.

The SDK computes some of these sets from the running interpreter (`random.*` via
`inspect.getmembers`, `os.path` on Python >= 3.14), so the file records `python_version`;
regenerate with the interpreter the project pins.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "crates" / "tempolint_linter" / "data" / "sandbox_restrictions.json"


def _rule(target: str, trigger: str, only_runtime: bool, exclude: Any,
          message: str | None = None, warning: type[Warning] | None = None) -> dict[str, Any]:
    return {
        "target": target,
        "trigger": trigger,
        "only_runtime": only_runtime,
        "severity": "warning" if warning is not None else "error",
        "warning_category": warning.__name__ if warning is not None else None,
        "message": message,
        "exclude": sorted(exclude),
    }


def flatten(matcher: Any, path: tuple[str, ...] = (), inherited_runtime: bool = False) -> list[dict[str, Any]]:
    """Flatten a SandboxMatcher tree into rules (see the module docstring)."""
    rules: list[dict[str, Any]] = []
    runtime = inherited_runtime or bool(matcher.only_runtime)
    if matcher.match_self:
        if not path:
            raise SystemExit("root matcher matches everything: nothing sensible to flatten")
        rules.append(_rule(".".join(path), "any", runtime, matcher.exclude,
                           matcher.leaf_message, matcher.leaf_warning))
        return rules
    for name in matcher.access:
        rules.append(_rule(".".join(path + (name,)), "access", runtime,
                           matcher.exclude if name == "*" else ()))
    for name in matcher.use:
        if name in matcher.access:
            continue  # access already restricts it more strictly
        rules.append(_rule(".".join(path + (name,)), "use", runtime,
                           matcher.exclude if name == "*" else ()))
    for key, child in matcher.children.items():
        if key in matcher.exclude:
            continue
        rules.extend(flatten(child, path + (key,), runtime))
    return rules


def sort_rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rules, key=lambda r: (r["target"], r["trigger"]))


def generate() -> dict[str, Any]:
    import temporalio
    from temporalio.worker.workflow_sandbox import SandboxRestrictions

    default = SandboxRestrictions.default
    try:
        from importlib.metadata import version
        sdk_version = version("temporalio")
    except Exception:  # pragma: no cover - metadata missing
        sdk_version = getattr(temporalio, "__version__", "unknown")
    return {
        "temporalio_version": sdk_version,
        "python_version": platform.python_version(),
        "generated_by": "scripts/generate_restrictions.py (walks temporalio.worker.workflow_sandbox."
                        "SandboxRestrictions.default)",
        "rules": sort_rules(flatten(default.invalid_module_members)),
        "invalid_modules": sort_rules(flatten(default.invalid_modules)),
        "passthrough_modules": sorted(default.passthrough_modules),
    }


def compare_reference(data: dict[str, Any], ref_path: Path) -> int:
    """Diff our rules against a reference dump's `invalid_module_members_rules`.

    The reference (../shared/data/sandbox_restrictions.json) spells a warning as
    "severity": "warning:UserWarning" and omits `exclude` on "any" rules; both are normalised to
    this file's schema before comparing. Order is ignored (the reference is in tree order).
    """
    ref = json.loads(ref_path.read_text(encoding="utf-8"))
    problems = []
    for key in ("temporalio_version", "python_version"):
        if ref.get(key) != data[key]:
            problems.append(f"{key}: reference {ref.get(key)!r}, ours {data[key]!r}")

    def norm(rule: dict[str, Any]) -> str:
        rule = dict(rule)
        severity = rule["severity"]
        if "warning_category" not in rule:
            kind, _, category = severity.partition(":")
            rule["severity"], rule["warning_category"] = kind, category or None
        rule.setdefault("exclude", [])
        return json.dumps(rule, sort_keys=True)

    theirs = sorted(norm(r) for r in ref["invalid_module_members_rules"])
    ours = sorted(norm(r) for r in data["rules"])
    for line in sorted(set(theirs) - set(ours)):
        problems.append(f"only in reference: {line}")
    for line in sorted(set(ours) - set(theirs)):
        problems.append(f"only in ours:      {line}")
    pm = ref.get("passthrough_modules")
    if isinstance(pm, dict):
        ref_pass = set(pm.get("minimum", [])) | set(pm.get("with_temporal_extra", [])) | set(
            pm.get("stdlib_extra_in_maximum", []))
        if ref_pass != set(data["passthrough_modules"]):
            problems.append(f"passthrough_modules differ: {sorted(ref_pass ^ set(data['passthrough_modules']))}")
    for p in problems:
        print(p)
    print(f"compare: {len(ours)} rules ours, {len(theirs)} reference; "
          + ("identical after normalisation" if not problems else f"{len(problems)} difference(s)"))
    return 1 if problems else 0


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=str(DEFAULT_OUT),
                    help="output file ('-' for stdout); default: %(default)s")
    ap.add_argument("--compare", metavar="REFERENCE_JSON",
                    help="do not write; diff against a reference dump (e.g. ../shared/data/"
                         "sandbox_restrictions.json) and exit 1 on any difference")
    args = ap.parse_args()
    data = generate()
    if args.compare:
        return compare_reference(data, Path(args.compare))
    text = render(data)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    print(f"wrote {out} ({len(json.loads(text)['rules'])} rules)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
