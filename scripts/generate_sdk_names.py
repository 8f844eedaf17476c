#!/usr/bin/env python3
"""Generate crates/tempolint_linter/data/sdk_names.json: the names each public module of the
installed Temporal SDK has, for API109 (`workflow.ApplicationError` is no name of
`temporalio.workflow`: it raises AttributeError when it runs).

For each module in MODULES: every attribute the imported module has (`dir()`, so imports and
private names count: reading them raises nothing) plus its submodules. And, for the message,
the public names each of them defines itself (classes and functions whose `__module__` is that
module, or its `__all__`), by the module that defines them. And the names older releases had
by accident (FORMER), with where they really come from.

    .venv/bin/python scripts/generate_sdk_names.py            # writes the data file
    .venv/bin/python scripts/generate_sdk_names.py -o -       # prints it
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "crates" / "tempolint_linter" / "data" / "sdk_names.json"
MODULES = [
    "temporalio.activity",
    "temporalio.client",
    "temporalio.common",
    "temporalio.converter",
    "temporalio.exceptions",
    "temporalio.testing",
    "temporalio.worker",
    "temporalio.workflow",
]

# Names the single-file `temporalio/workflow.py` of releases before 1.28 imported from the
# standard library at its top level, and so had by accident: `workflow.timedelta(…)` worked
# until 1.28 made `temporalio.workflow` a package. Each -> the module it really comes from.
# (Typing names are left out: as annotations they are often never evaluated.)
FORMER = {
    "temporalio.workflow": {
        "ABC": "abc",
        "abstractmethod": "abc",
        "contextmanager": "contextlib",
        "dataclass": "dataclasses",
        "datetime": "datetime",
        "timedelta": "datetime",
        "timezone": "datetime",
        "Enum": "enum",
        "Flag": "enum",
        "IntEnum": "enum",
        "auto": "enum",
        "partial": "functools",
        "Random": "random",
    },
}


def defined_names(module) -> list[str]:
    exported = getattr(module, "__all__", None)
    if exported is not None:
        return sorted(name for name in exported if not name.startswith("_"))
    return sorted(
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", None) == module.__name__
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(DEFAULT_OUT), help="file, or - for stdout")
    args = parser.parse_args()
    import temporalio

    modules: dict[str, list[str]] = {}
    defined: dict[str, list[str]] = {}
    for name in MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "__getattr__"):
            continue  # names made on demand: no list is complete
        names = set(dir(module))
        if hasattr(module, "__path__"):
            names.update(info.name for info in pkgutil.iter_modules(module.__path__))
        modules[name] = sorted(names)
        defined[name] = defined_names(module)
    former = {
        module: {name: home for name, home in names.items() if name not in modules[module]}
        for module, names in FORMER.items()
    }
    data = {
        "temporalio": getattr(temporalio, "__version__", "unknown"),
        "modules": modules,
        "defined": defined,
        "former": former,
    }
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
