"""The metric modules stay pure: only the standard library, pydantic, yaml and our engine."""

from __future__ import annotations

import ast
from pathlib import Path

import coach.engine.metrics as metrics_package

ALLOWED_TOP_LEVEL = {
    "__future__",
    "collections",
    "dataclasses",
    "datetime",
    "functools",
    "hashlib",
    "importlib",  # importlib.resources finds coach/rules/ (package data)
    "itertools",
    "math",
    "pathlib",
    "pydantic",
    "re",
    "statistics",
    "typing",
    "yaml",
}
ALLOWED_OURS = ("coach.engine.metrics", "coach.engine.models", "coach.engine.units")
CLOCK_CALLS = {"now", "today", "utcnow", "time", "perf_counter", "monotonic"}


def test_metric_modules_import_nothing_impure() -> None:
    for path in Path(metrics_package.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("coach."):
                    assert name.startswith(ALLOWED_OURS), f"{path.name} imports {name}"
                else:
                    assert name.split(".")[0] in ALLOWED_TOP_LEVEL, f"{path.name} imports {name}"
            if isinstance(node, ast.Attribute) and node.attr in CLOCK_CALLS:
                raise AssertionError(f"{path.name} reads the clock ({node.attr})")
