"""Fixtures for the memory tests: a real MiniLM embedder loaded once, and scripted fakes.

The real model takes ~6 s to load, so tests that judge recall quality share one instance
for the whole run (the ``minilm`` fixture); tests of the plumbing use the
``HashingEmbedder``, which needs no model at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from memory import EmbedderUnavailable, HashingEmbedder, MiniLMEmbedder
from memory.embedder import Vectors, minilm_model_path

TODAY = dt.date(2025, 3, 5)
"""A Wednesday: tests never read the clock."""


class CountingEmbedder:
    """Wraps an embedder and records every batch it is asked to embed."""

    def __init__(self, inner: HashingEmbedder | MiniLMEmbedder) -> None:
        self.inner = inner
        self.batches: list[list[str]] = []

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.batches.append(list(texts))
        return self.inner.embed(texts)


@pytest.fixture
def hashing() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    """The real model, loaded once for the whole run; skipped only when the package is not installed."""
    try:
        minilm_model_path()
    except EmbedderUnavailable as exc:
        pytest.skip(f"all-MiniLM-L6-v2 is not installed: {exc}")
    embedder = MiniLMEmbedder()
    embedder.load()
    return embedder
