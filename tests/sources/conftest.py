"""Real recordings from ``tests/data/activities`` (see tests/data/README.md), each parsed once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.sources.activity import ImportedActivity
from coach.sources.errors import ImportFailure
from coach.sources.importer import import_activities

ACTIVITIES_DIR = Path(__file__).resolve().parents[1] / "data" / "activities"
DATA_DIR = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def activities_dir() -> Path:
    assert ACTIVITIES_DIR.is_dir(), f"recordings missing at {ACTIVITIES_DIR} (see tests/data/README.md)"
    return ACTIVITIES_DIR


@pytest.fixture(scope="session")
def imported(activities_dir: Path) -> dict[str, ImportedActivity | ImportFailure]:
    """Every recording imported once: file name → activity, or the failure it raised."""
    results: dict[str, ImportedActivity | ImportFailure] = {}
    for path in sorted(activities_dir.iterdir()):
        if path.suffix.lower() not in (".fit", ".gpx", ".tcx"):
            continue
        try:
            (results[path.name],) = import_activities(path.name, path.read_bytes())
        except ImportFailure as error:
            results[path.name] = error
    return results


@pytest.fixture(scope="session")
def activity(imported: dict[str, ImportedActivity | ImportFailure]) -> object:
    def get(name: str) -> ImportedActivity:
        result = imported[name]
        assert isinstance(result, ImportedActivity), f"{name} failed: {result}"
        return result

    return get
