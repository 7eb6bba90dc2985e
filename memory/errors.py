"""One exception type per way the memory package can fail.

Every message is a full sentence a maintainer can act on; the caller decides whether the
athlete sees it.
"""

from __future__ import annotations


class MemoryPackageError(Exception):
    """Base of every error raised by ``memory`` (not named ``MemoryError``: that is a builtin)."""


class EmbedderUnavailable(MemoryPackageError):
    """The embedding model or its runtime is not installed, or its files cannot be loaded."""


class EmbeddingDimensionMismatch(MemoryPackageError):
    """An embedder produced vectors of a size the index was not built for."""


class StaleIndexError(MemoryPackageError):
    """A saved index no longer matches the notes table or the embedder: rebuild it from the notes.

    ``reason`` says which check failed, so the log explains the rebuild.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"The saved memory index is stale and must be rebuilt from the notes table: {reason}"
        )
        self.reason = reason


class NoteRulesError(MemoryPackageError):
    """``note_rules.yaml`` is missing or does not validate."""
