"""Shared paths for the metric tests: the reference values live in ``tests/data/reference``."""

from __future__ import annotations

from pathlib import Path

import pytest

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    assert REFERENCE_DIR.is_dir(), f"reference data missing at {REFERENCE_DIR} (see tests/data/README.md)"
    return REFERENCE_DIR
