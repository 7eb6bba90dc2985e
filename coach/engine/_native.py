"""The engine's compiled build: which modules mypyc compiles, and never running a stale one.

``make setup`` compiles the engine's hot modules with mypyc (``tools/build_engine.py``): the
same source, type-checked and turned into C extension modules, about twice as fast. Output
is byte-identical to the pure-Python engine (``tests/engine/test_native.py`` builds the same
plans both ways and compares them).

An extension module sits beside its ``.py`` file and Python imports it first, so after an
edit a stale build would shadow the new source. The build writes ``_native.json`` with the
SHA-256 of every engine source (compiled code also bakes in the types of the modules it
imports); on import of :mod:`coach.engine`, if any source no longer matches (or with
``COACH_ENGINE_PURE=1``), every compiled module is loaded from its ``.py`` file instead. ``python tools/build_engine.py`` (or ``make setup``) rebuilds.

This module imports nothing from the package, so the build script can load it by path.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

#: The modules mypyc compiles: the plan builder and everything it calls per session.
#: (``adapt`` and the pydantic document modules stay interpreted: mypyc cannot compile
#: pydantic model classes, and they are not on the hot path.)
NATIVE_MODULES: tuple[str, ...] = (
    "coach.engine.athlete",
    "coach.engine.corrections",
    "coach.engine.feasibility",
    "coach.engine.fix",
    "coach.engine.gates",
    "coach.engine.load",
    "coach.engine.metrics.running",
    "coach.engine.periodisation",
    "coach.engine.planner",
    "coach.engine.prep",
    "coach.engine.render",
    "coach.engine.units",
    "coach.engine.validate",
    "coach.engine.workouts",
)
#: mypyc's group: the extension module ``<GROUP>__mypyc`` holds the code the modules share.
GROUP = "coach.engine._compiled"
SHARED_LIBRARY = f"{GROUP}__mypyc"
PURE_ENV = "COACH_ENGINE_PURE"

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent.parent  # the folder holding ``coach/``
MANIFEST = Path(__file__).resolve().parent / "_native.json"


def source_path(module: str, root: Path = _PACKAGE_ROOT) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def extension_path(module: str, root: Path = _PACKAGE_ROOT) -> Path | None:
    """The built extension module for ``module``, if there is one."""
    stem = root.joinpath(*module.split("."))
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = stem.with_name(stem.name + suffix)
        if candidate.exists():
            return candidate
    return None


def engine_sources(root: Path = _PACKAGE_ROOT) -> dict[str, str]:
    """SHA-256 of every ``.py`` file of the engine package, by path relative to ``root``."""
    engine = root / "coach" / "engine"
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(engine.rglob("*.py"))
    }


@dataclass(frozen=True)
class NativeStatus:
    """Whether the engine runs compiled, and if not, why."""

    compiled: bool
    reason: str

    @property
    def summary(self) -> str:
        if self.compiled:
            return f"compiled with mypyc ({len(NATIVE_MODULES)} modules)"
        return f"pure Python ({self.reason})"


def native_status(
    root: Path = _PACKAGE_ROOT, manifest: Path = MANIFEST, environ: dict[str, str] | None = None
) -> NativeStatus:
    """Whether the built extension modules may be used: all of them, or none.

    All or nothing because compiled modules call each other directly: one stale module
    would still run through its compiled callers.
    """
    env = os.environ if environ is None else environ
    if env.get(PURE_ENV, "") not in ("", "0"):
        return NativeStatus(False, f"{PURE_ENV} is set")
    missing = [m for m in (*NATIVE_MODULES, SHARED_LIBRARY) if extension_path(m, root) is None]
    if len(missing) == len(NATIVE_MODULES) + 1:
        return NativeStatus(False, "not built")
    if missing:
        return NativeStatus(False, f"incomplete build: {', '.join(missing)} missing")
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))["sources"]
    except (OSError, ValueError, KeyError, TypeError):
        return NativeStatus(False, f"no readable build manifest at {manifest.name}")
    current = engine_sources(root)
    changed = sorted(p for p in recorded.keys() | current.keys() if recorded.get(p) != current.get(p))
    if changed:
        return NativeStatus(False, f"source changed since the build: {', '.join(changed)}")
    return NativeStatus(True, "")


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Load the named modules from their ``.py`` files even where an extension exists."""

    def __init__(self, modules: dict[str, Path]) -> None:
        self.modules = modules

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        source = self.modules.get(fullname)
        if source is None:
            return None
        return importlib.util.spec_from_file_location(fullname, source)


STATUS = native_status()
if not STATUS.compiled and STATUS.reason != "not built" and not any(isinstance(f, _SourceFirst) for f in sys.meta_path):
    sys.meta_path.insert(0, _SourceFirst({m: source_path(m) for m in NATIVE_MODULES}))
