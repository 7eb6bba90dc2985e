"""The plan engine is pure (STYLE.md habit 1): no outside systems, no clock, no randomness."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "coach" / "engine"
FORBIDDEN_MODULES = {
    "telegram",
    "anthropic",
    "sqlalchemy",
    "httpx",
    "faiss",
    "random",
    "time",
    "requests",
    "socket",
    "sentence_transformers",
}
ALLOWED_THIRD_PARTY = {"pydantic", "yaml", "coach"}
STDLIB_OK = {
    "__future__",
    "ast",
    "collections",
    "dataclasses",
    "datetime",
    "functools",
    "math",
    "pathlib",
    "re",
    "typing",
    "json",
    "statistics",
    "itertools",
    "enum",
    "gc",  # build_plan pauses the cyclic collector (planner.build_plan)
    "importlib",  # importlib.resources finds coach/rules/ (package data) in rules.load_rules
}
# The loader that picks the compiled or the pure-Python build: it reads the engine's own
# source files and COACH_ENGINE_PURE at import, and plans nothing.
LOADER = "_native.py"
CLOCK_CALLS = {"now", "today", "utcnow", "time", "monotonic", "perf_counter"}


def _modules() -> list[Path]:
    return [p for p in sorted(ENGINE.glob("*.py")) if p.name != LOADER]


def test_engine_imports_only_pure_modules() -> None:
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                assert root not in FORBIDDEN_MODULES, f"{path.name} imports {name}"
                assert root in ALLOWED_THIRD_PARTY | STDLIB_OK, f"{path.name} imports {name}"


def test_engine_never_reads_the_clock() -> None:
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in CLOCK_CALLS
                and isinstance(node.value, (ast.Name, ast.Attribute))
            ):
                base = node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id
                assert base not in {"date", "datetime", "dt", "time"}, (
                    f"{path.name} reads the clock ({base}.{node.attr})"
                )
