"""Shared paths for the metric tests: the reference data lives in ``../shared`` beside the repo."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DIR = Path(__file__).resolve().parents[3].parent / "shared"
REFERENCE_DIR = SHARED_DIR / "data" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE_DIR.is_dir():
        pytest.skip(f"reference data not found at {REFERENCE_DIR} (the shared folder beside the repository)")
    return REFERENCE_DIR
