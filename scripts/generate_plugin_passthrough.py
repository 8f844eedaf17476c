#!/usr/bin/env python3
"""Generate crates/tempolint_linter/data/sandbox_plugins.json: what each Temporal plugin passes
through the workflow sandbox.

DET302 must not ask a user to wrap `import agents` when the worker registers
`OpenAIAgentsPlugin`, whose workflow runner adds `agents` to the sandbox's passthrough modules.
Which modules each plugin passes through is read from the plugin's own source, not written by
hand:

* the SDK's `temporalio.contrib.*` packages (from the installed temporalio). Since 1.35 most of
  them only re-export a standalone package (`from temporalio.openai_agents import *`);
* those standalone packages (`temporalio-openai-agents`, …), pinned in STANDALONE below. They
  pull in heavy dependencies (openai, langgraph, …), so they are not installed: their wheels are
  fetched with `pip download --no-deps` (or read from --wheels DIR) and parsed with `ast`;
* plugins other projects ship for Temporal (Pydantic AI's `PydanticAIPlugin`), pinned in
  THIRD_PARTY below and read the same way.

In each plugin package, every `….with_passthrough_modules(…)` call contributes its string
arguments; a starred argument (`*modules`) contributes the strings of the tuples or lists the
module assigns to that name (Pydantic AI's `*harness_modules`), else the package's
module-level tuples or lists of strings whose name contains PASSTHROUGH (deepagents keeps its
list there). Every `class …Plugin(…)` of the package is credited with the union. The result
lists each plugin by all the names a project may import it under (`temporalio.contrib.X.Cls`
and `temporalio.Y.Cls`; the package's own name for a THIRD_PARTY one).

    .venv/bin/python scripts/generate_plugin_passthrough.py            # writes the data file
    .venv/bin/python scripts/generate_plugin_passthrough.py -o -       # prints it
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "crates" / "tempolint_linter" / "data" / "sandbox_plugins.json"

# The standalone integrations the 1.35 `temporalio.contrib.*` packages forward to. Bump with the
# temporalio pin in scripts/setup_python.sh.
STANDALONE = [
    "temporalio-openai-agents==1.1.0",
    "temporalio-langgraph==0.1.0",
    "temporalio-google-adk==0.0.1",
    "temporalio-google-genai==0.1.0",
    "temporalio-deepagents==0.0.3",
    "temporalio-strands-agents==0.1.0",
    "temporalio-langsmith==0.1.0",
]

# Plugins other projects ship for Temporal: (requirement, the plugin package's import name).
# Fetched and read like STANDALONE. A plugin of a make not listed here counts as passing
# everything through (DET302 stays silent).
THIRD_PARTY = [
    ("pydantic-ai-slim==2.78.0", "pydantic_ai.durable_exec.temporal"),
]


def passthrough_of(sources: dict[str, str]) -> tuple[list[str], list[str]]:
    """(plugin class names, passthrough modules) of one package's sources (path -> text)."""
    classes: list[str] = []
    modules: list[str] = []
    starred = False
    named_lists: list[str] = []
    for path in sorted(sources):
        tree = ast.parse(sources[path], filename=path)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Plugin") and node.bases:
                classes.append(node.name)
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "with_passthrough_modules"):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        modules.append(arg.value)
                    elif isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name):
                        # A local tuple (`*harness_modules`, passed when installed): all it
                        # may hold.
                        local = strings_assigned(tree, arg.value.id)
                        modules.extend(local)
                        starred |= not local
                    elif isinstance(arg, ast.Starred):
                        starred = True
                    else:
                        raise SystemExit(f"{path}:{arg.lineno}: unreadable passthrough argument")
        for stmt in tree.body:
            if (isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, (ast.Tuple, ast.List))):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if any(isinstance(t, ast.Name) and "PASSTHROUGH" in t.id for t in targets):
                    named_lists.extend(e.value for e in stmt.value.elts
                                       if isinstance(e, ast.Constant) and isinstance(e.value, str))
    if starred:
        if not named_lists:
            raise SystemExit("a starred with_passthrough_modules argument with no PASSTHROUGH list")
        modules.extend(named_lists)
    return sorted(set(classes)), sorted(set(modules))


def strings_assigned(tree: ast.AST, name: str) -> list[str]:
    """The strings of every tuple or list assigned to `name` in `tree` (either branch of a
    conditional expression)."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets):
            for value in ast.walk(node.value):
                if isinstance(value, (ast.Tuple, ast.List)):
                    found.extend(e.value for e in value.elts
                                 if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return found


def contrib_packages(sdk: Path) -> Iterable[tuple[str, Path]]:
    for init in sorted((sdk / "contrib").glob("*/__init__.py")):
        yield f"temporalio.contrib.{init.parent.name}", init.parent


def read_tree(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): p.read_text(encoding="utf-8")
            for p in sorted(directory.rglob("*.py")) if "test" not in p.name}


def wheel_sources(wheels: Path, requirement: str, prefix: str) -> dict[str, str]:
    """The Python sources under `prefix` in the wheel of `requirement`, tests left out."""
    dist, version = requirement.split("==")
    stem = f"{dist.replace('-', '_')}-{version}-"
    wheel = next((w for w in sorted(wheels.glob("*.whl")) if w.name.startswith(stem)), None)
    if wheel is None:
        raise SystemExit(f"no wheel for {requirement} in {wheels}")
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()
                if name.startswith(prefix) and name.endswith(".py")
                and "test" not in name.rsplit("/", 1)[-1]}


def wheel_packages(wheels: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """`temporalio.<name>` -> (requirement, sources) of each standalone wheel."""
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for requirement in STANDALONE:
        sources = wheel_sources(wheels, requirement, "temporalio/")
        packages = {name.split("/")[1] for name in sources}
        for package in packages:
            prefix = f"temporalio/{package}/"
            found[f"temporalio.{package}"] = (
                requirement, {k: v for k, v in sources.items() if k.startswith(prefix)})
    return found


def forwarded_to(init_source: str) -> str | None:
    """The standalone package a compatibility `__init__` re-exports with `import *`."""
    for stmt in ast.parse(init_source).body:
        if (isinstance(stmt, ast.ImportFrom) and stmt.module
                and any(alias.name == "*" for alias in stmt.names)):
            return stmt.module
    return None


def generate(wheels: Path) -> dict:
    import temporalio
    from importlib.metadata import version

    sdk = Path(temporalio.__file__).parent
    standalone = wheel_packages(wheels)
    plugins = []
    for dotted, directory in contrib_packages(sdk):
        init = (directory / "__init__.py").read_text(encoding="utf-8")
        target = forwarded_to(init)
        if target in standalone:
            requirement, sources = standalone[target]
            names = [dotted, target]
        else:
            requirement, sources, names = f"temporalio=={version('temporalio')}", read_tree(directory), [dotted]
        classes, modules = passthrough_of(sources)
        if not classes or not modules:
            continue
        for cls in classes:
            plugins.append({
                "names": [f"{name}.{cls}" for name in names],
                "source": requirement,
                "passthrough_modules": modules,
            })
    for requirement, package in THIRD_PARTY:
        sources = wheel_sources(wheels, requirement, package.replace(".", "/") + "/")
        classes, modules = passthrough_of(sources)
        if not classes or not modules:
            raise SystemExit(f"{requirement}: no plugin class or no passthrough modules")
        for cls in classes:
            plugins.append({
                "names": [f"{package}.{cls}"],
                "source": requirement,
                "passthrough_modules": modules,
            })
    return {
        "temporalio_version": version("temporalio"),
        "generated_by": "scripts/generate_plugin_passthrough.py (with_passthrough_modules calls "
                        "in each plugin's source)",
        "plugins": sorted(plugins, key=lambda p: p["names"]),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=str(DEFAULT_OUT),
                    help="output file ('-' for stdout); default: %(default)s")
    ap.add_argument("--wheels", help="directory holding the STANDALONE wheels "
                                     "(default: fetched with pip download into a temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        wheels = Path(args.wheels) if args.wheels else Path(scratch)
        if not args.wheels:
            subprocess.run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check",
                            "-q", "--no-deps", "-d", str(wheels), *STANDALONE,
                            *(requirement for requirement, _ in THIRD_PARTY)], check=True)
        data = generate(wheels)
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    out = Path(args.output)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    print(f"wrote {out} ({len(data['plugins'])} plugins)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
