"""The engine is pure: it imports no database, network, model, telegram or clock-reading code.

Walks every module under coach/engine in a fresh interpreter and checks which top-level
packages got imported (STYLE.md habit 1)."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import coach.engine

FORBIDDEN = {"telegram", "anthropic", "sqlalchemy", "aiosqlite", "asyncpg", "httpx", "httpx2", "faiss", "sentence_transformers",
             "torch", "apscheduler", "requests", "urllib3", "aiohttp", "bot", "memory", "alembic"}
ENGINE_DIR = Path(coach.engine.__file__).parent


def engine_modules() -> list[str]:
    return sorted(name for _, name, _ in pkgutil.walk_packages([str(ENGINE_DIR)], prefix="coach.engine."))


def test_engine_imports_nothing_impure() -> None:
    modules = engine_modules()
    assert "coach.engine.models" in modules
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout
    loaded = set(json.loads(out))
    assert not loaded & FORBIDDEN, f"the engine pulled in {sorted(loaded & FORBIDDEN)}"


def test_engine_imports_only_itself_of_ours() -> None:
    """`coach.engine` may import only `coach.engine.*` of our code (ARCHITECTURE.md)."""
    offenders = []
    for path in ENGINE_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("coach", "bot", "memory") and not n.startswith("coach.engine")]
    assert not offenders, offenders


def test_engine_never_reads_the_clock() -> None:
    """Today's date is always an argument: no date.today(), datetime.now() or time.time() in the engine."""
    offenders = []
    for path in ENGINE_DIR.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("date.today(", "datetime.now(", "datetime.utcnow(", "time.time(", "time.monotonic("):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert not offenders, offenders
