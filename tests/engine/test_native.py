"""The compiled engine: same output as the pure-Python one, and never a stale build."""

from __future__ import annotations

import gc
import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coach.engine import NATIVE_STATUS, ProfileError, Rules, build_plan
from coach.engine._native import (
    NATIVE_MODULES,
    PURE_ENV,
    SHARED_LIBRARY,
    _SourceFirst,
    engine_sources,
    native_status,
)
from coach.engine.models import Profile

ROOT = Path(__file__).resolve().parents[2]
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def _probe(pure: bool) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != PURE_ENV}
    if pure:
        env[PURE_ENV] = "1"
    out = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "engine" / "parity_probe.py"), "120", "20261122"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    return out.stdout.splitlines()


@pytest.mark.skipif(not NATIVE_STATUS.compiled, reason=f"engine not compiled: {NATIVE_STATUS.reason}")
def test_compiled_engine_output_is_byte_identical_to_pure_python() -> None:
    compiled, pure = _probe(pure=False), _probe(pure=True)
    assert compiled[0] == f"True {Path(SUFFIX).suffix}"  # planner loaded from its extension module
    assert pure[0] == "False .py"
    assert len(compiled) == len(pure) == 121
    assert compiled[1:] == pure[1:]


def _fake_tree(root: Path, built: bool = True) -> None:
    for module in NATIVE_MODULES:
        source = root.joinpath(*module.split(".")).with_suffix(".py")
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(f"# {module}\n")
        if built:
            source.with_suffix(SUFFIX).write_bytes(b"")
    (root / "coach" / "engine" / "models.py").write_text("# not compiled, but compiled code uses its types\n")
    if built:
        root.joinpath(*SHARED_LIBRARY.split(".")).with_name(SHARED_LIBRARY.rsplit(".", 1)[1] + SUFFIX).write_bytes(
            b""
        )


def _manifest(root: Path) -> Path:
    manifest = root / "coach" / "engine" / "_native.json"
    manifest.write_text(json.dumps({"sources": engine_sources(root)}))
    return manifest


def test_a_complete_current_build_is_used(tmp_path: Path) -> None:
    _fake_tree(tmp_path)
    status = native_status(tmp_path, _manifest(tmp_path), environ={})
    assert status.compiled and status.summary == f"compiled with mypyc ({len(NATIVE_MODULES)} modules)"


def test_an_edited_engine_source_makes_the_whole_build_stale(tmp_path: Path) -> None:
    _fake_tree(tmp_path)
    manifest = _manifest(tmp_path)
    (tmp_path / "coach" / "engine" / "models.py").write_text("# edited\n")
    status = native_status(tmp_path, manifest, environ={})
    assert not status.compiled
    assert status.reason == "source changed since the build: coach/engine/models.py"
    # a new engine file counts as a change too
    _manifest(tmp_path)
    (tmp_path / "coach" / "engine" / "new.py").write_text("")
    assert "coach/engine/new.py" in native_status(tmp_path, manifest, environ={}).reason


def test_missing_pieces_and_the_pure_switch(tmp_path: Path) -> None:
    _fake_tree(tmp_path, built=False)
    assert native_status(tmp_path, tmp_path / "none.json", environ={}).reason == "not built"
    _fake_tree(tmp_path)
    assert "no readable build manifest" in native_status(tmp_path, tmp_path / "none.json", environ={}).reason
    manifest = _manifest(tmp_path)
    shared = next(tmp_path.rglob(f"_compiled__mypyc{SUFFIX}"))
    shared.unlink()
    reason = native_status(tmp_path, manifest, environ={}).reason
    assert reason == f"incomplete build: {SHARED_LIBRARY} missing"
    status = native_status(tmp_path, manifest, environ={PURE_ENV: "1"})
    assert not status.compiled and status.summary == f"pure Python ({PURE_ENV} is set)"
    assert native_status(tmp_path, manifest, environ={PURE_ENV: "0"}).reason != f"{PURE_ENV} is set"


def test_source_first_finder_loads_the_py_file(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text("VALUE = 1\n")
    finder = _SourceFirst({"some.mod": source})
    spec = finder.find_spec("some.mod", None)
    assert spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader)
    assert spec.origin == str(source)
    assert finder.find_spec("other.mod", None) is None


def test_build_plan_pauses_the_collector_and_restores_it(half_profile: Profile, rules: Rules) -> None:
    assert gc.isenabled()
    build_plan(half_profile, rules)
    assert gc.isenabled()
    bad = half_profile.model_copy(update={"sport": "ride"})  # a running goal for a rider
    with pytest.raises(ProfileError):
        build_plan(bad, rules)
    assert gc.isenabled()
    gc.disable()
    try:
        build_plan(half_profile, rules)
        assert not gc.isenabled()  # a caller's choice to keep it off is kept
    finally:
        gc.enable()
