"""A plain install works: the wheel carries the rules, prompts and schemas, and the installed code finds them.

The wheel is built from a copy of the sources (``pip wheel --no-deps --no-build-isolation``, a
few seconds, nothing downloaded), its file list is checked, and it is unpacked the way pip
installs it. The commands that read package data then run from the unpacked copy in a fresh
interpreter started outside the checkout with ``-S``: no ``.pth`` file runs, so the editable
install of this checkout can't lend a file the wheel lacks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROFILE = {
    "sport": "run",
    "goal": {"event": "half_marathon", "date": "2027-03-28", "target_time": "1:50:00"},
    "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [28, 30, 31, 30], "longest_km": 15, "recent_race": {"distance_km": 10, "time": "50:00"}},
}
#: Read at run time; each must be in the wheel.
DATA_FOLDERS = {"coach/rules": "*.yaml", "coach/prompts": "*", "coach/schemas": "*.json"}
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.so", "*.pyd", "_native.json", "build", "*.egg-info")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A wheel built from a copy of the sources (the checkout itself is left untouched)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    for package in ("coach", "bot", "memory"):
        shutil.copytree(REPO / package, source / package, ignore=_IGNORED)
    out = root / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "--disable-pip-version-check", str(source), "-w", str(out)],
        check=True, capture_output=True, text=True, cwd=root, timeout=120,
    )
    (built,) = out.glob("coach-*.whl")
    yield built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel unpacked as pip installs it (a site-packages folder holding only this project)."""
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def _run(site: Path, cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -S ARGS`` with the unpacked wheel first on the path, then the dependencies."""
    paths = [str(site), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COACH_ENGINE_PURE")}
    env |= {"PYTHONPATH": os.pathsep.join(dict.fromkeys(paths)), "COACH_DATA_DIR": str(cwd / "data"),
            "COACH_TODAY": "2026-11-23", "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-S", *args], input=stdin, capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def test_the_wheel_holds_the_data_the_code_reads(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, pattern in DATA_FOLDERS.items():
        expected = {p.relative_to(REPO).as_posix() for p in (REPO / folder).glob(pattern) if p.is_file()}
        assert expected, f"{folder} is empty in the checkout"
        assert expected <= names, f"missing from the wheel: {sorted(expected - names)}"
    for other in ("coach/brain/intent_exemplars.yaml", "memory/note_rules.yaml",
                  "coach/store/migrations/env.py", "coach/store/migrations/script.py.mako"):
        assert other in names
    assert any(n.startswith("coach/store/migrations/versions/") for n in names)
    assert not [n for n in names if n.endswith((".so", ".pyd", "_native.json"))], "a local engine build leaked in"
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "coach = coach.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_installed_package_finds_its_data(installed: Path, tmp_path: Path) -> None:
    script = (
        "import json, coach\n"
        "from coach.package_data import RULES_DIR, PROMPTS_DIR, SCHEMAS_DIR\n"
        "from coach.engine.rules import DEFAULT_RULES_DIR, load_rules\n"
        "from coach.engine.metrics.readiness import load_readiness_rules\n"
        "from coach.engine.metrics.strength import RULES_DIR as STRENGTH_RULES_DIR, load_rpe_chart\n"
        "from coach.brain.offline import load_templates\n"
        "from coach.brain.claude import load_system_prompt\n"
        "load_rules(); load_readiness_rules(); load_rpe_chart()\n"
        "print(json.dumps({'coach': coach.__file__, 'templates': len(load_templates()),\n"
        "    'prompt': len(load_system_prompt()), 'dirs': [str(d) for d in (RULES_DIR, PROMPTS_DIR, SCHEMAS_DIR,\n"
        "    DEFAULT_RULES_DIR, STRENGTH_RULES_DIR)]}))\n"
    )
    result = _run(installed, tmp_path, "-c", script)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert Path(found["coach"]).is_relative_to(installed)
    assert all(Path(d).is_relative_to(installed) and Path(d).is_dir() for d in found["dirs"]), found["dirs"]
    assert found["templates"] > 0 and found["prompt"] > 0


def test_installed_commands_run_outside_the_checkout(installed: Path, tmp_path: Path) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps(PROFILE), encoding="utf-8")
    plan = _run(installed, tmp_path, "-m", "coach.cli", "plan", "--profile", str(profile))
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.startswith("Plan: half marathon on 2027-03-28")
    schema = _run(installed, tmp_path, "-m", "coach.cli", "schema", "plan")
    assert schema.returncode == 0, schema.stderr
    assert json.loads(schema.stdout)["title"] == "Plan"
    assert (installed / "coach" / "schemas" / "plan.schema.json").is_file()
    upgrade = _run(installed, tmp_path, "-m", "coach.cli", "db", "upgrade")  # the migrations ship too
    assert upgrade.returncode == 0, upgrade.stderr
    assert (tmp_path / "data" / "coach.db").is_file()
