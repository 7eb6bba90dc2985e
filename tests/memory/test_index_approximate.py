"""The approximate (IVF) index an athlete gets past ``APPROXIMATE_INDEX_THRESHOLD`` notes.

Judged against exact search on ~30,000 random unit 384-d vectors (MiniLM's width) with
planted near duplicates: four per query, at cosine ~0.97, ~0.91, ~0.84 and ~0.76, so the
exact top 3 is unambiguous, even once the nearest is removed (random vectors sit near 0,
the best of 30,000 near 0.2: no index but an exhaustive one finds *those* reliably, and
they are far below any recall threshold). The big index is built and saved once per
module; tests that change it load their own copy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest

from memory import HashingEmbedder, MemoryIndex, NoteRecord, StaleIndexError
from memory.constants import APPROXIMATE_INDEX_THRESHOLD, MANIFEST_FILE_NAME
from memory.embedder import Vectors
from memory.index import ivf_list_count

DIMENSION = 384
NOTES = 30_000
QUERIES = 200
NOISE = (0.25, 0.45, 0.65, 0.85)
"""Norm of the noise added to a query for each planted duplicate: cosine 1/sqrt(1+s^2)."""
MIN_TOP3_AGREEMENT = 0.95
NEAREST = 8
"""Exact neighbours kept per query: enough for a top 3 after removing one."""
ATHLETE = 1


def _unit(rows: np.ndarray) -> Vectors:
    return np.ascontiguousarray(rows / np.linalg.norm(rows, axis=1, keepdims=True), dtype=np.float32)


class PlantedEmbedder:
    """Embeds "query <i>" as the i-th query vector: tests search with vectors through the public API."""

    name = "planted-384"
    dimension = DIMENSION

    def __init__(self, queries: Vectors) -> None:
        self.queries = queries

    def embed(self, texts: Sequence[str]) -> Vectors:
        return np.stack([self.queries[int(text.split()[1])] for text in texts]).astype(np.float32)


@dataclass(frozen=True)
class Corpus:
    note_ids: np.ndarray  # int64, not sequential: the notes table's keys are arbitrary
    vectors: Vectors
    queries: Vectors
    planted: np.ndarray  # (QUERIES, 4) note ids of each query's duplicates, nearest first
    nearest: np.ndarray  # (QUERIES, NEAREST) note ids by exact search, nearest first

    def exact_top(self, query: int, k: int = 3, removed: frozenset[int] = frozenset()) -> list[int]:
        return [int(i) for i in self.nearest[query] if int(i) not in removed][:k]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    generator = np.random.default_rng(2024)
    vectors = _unit(generator.standard_normal((NOTES, DIMENSION), dtype=np.float32))
    queries = _unit(generator.standard_normal((QUERIES, DIMENSION), dtype=np.float32))
    rows = generator.choice(NOTES, size=(QUERIES, len(NOISE)), replace=False)
    for query, row in enumerate(rows):
        noise = generator.standard_normal((len(NOISE), DIMENSION), dtype=np.float32) / np.sqrt(DIMENSION)
        vectors[row] = _unit(queries[query] + np.array(NOISE, dtype=np.float32)[:, None] * noise)
    note_ids = 1_000_003 + 7 * np.arange(NOTES, dtype=np.int64)
    scores = queries @ vectors.T  # exact search, once: (QUERIES, NOTES)
    best = np.argpartition(-scores, NEAREST, axis=1)[:, :NEAREST]
    nearest = np.take_along_axis(best, np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1), axis=1)
    return Corpus(note_ids, vectors, queries, note_ids[rows], note_ids[nearest])


@pytest.fixture(scope="module")
def big(corpus: Corpus) -> MemoryIndex:
    memory = MemoryIndex(PlantedEmbedder(corpus.queries))
    memory.add_vectors(ATHLETE, [int(i) for i in corpus.note_ids], corpus.vectors)
    return memory


@pytest.fixture(scope="module")
def saved(big: MemoryIndex, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("approximate")
    big.save(directory)
    return directory


def _copy(saved: Path, corpus: Corpus) -> MemoryIndex:
    return MemoryIndex.load(saved, PlantedEmbedder(corpus.queries))


def _top(memory: MemoryIndex, query: int, k: int = 3) -> list[int]:
    return [hit.note_id for hit in memory.search(ATHLETE, f"query {query}", k=k, min_similarity=-1.0)]


def test_the_planted_duplicates_are_the_exact_top_3(corpus: Corpus) -> None:
    assert all(corpus.exact_top(q, k=4) == list(corpus.planted[q]) for q in range(QUERIES))


def test_only_an_athlete_past_the_threshold_gets_an_approximate_index(big: MemoryIndex) -> None:
    assert NOTES >= APPROXIMATE_INDEX_THRESHOLD
    assert big.is_approximate(ATHLETE)
    assert big.count(ATHLETE) == NOTES
    assert not big.is_approximate(ATHLETE + 1)


def test_approximate_top_3_matches_exact_top_3(big: MemoryIndex, corpus: Corpus) -> None:
    agree = [_top(big, q) == corpus.exact_top(q) for q in range(QUERIES)]
    assert np.mean(agree) >= MIN_TOP3_AGREEMENT
    hit = big.search(ATHLETE, "query 0", k=1, min_similarity=-1.0)[0]
    exact = float(corpus.queries[0] @ corpus.vectors[np.flatnonzero(corpus.note_ids == hit.note_id)[0]])
    assert hit.similarity == pytest.approx(exact, abs=1e-5)  # IVFFlat keeps the vectors: scores are exact


def test_recall_and_its_threshold_work_on_the_approximate_index(big: MemoryIndex, corpus: Corpus) -> None:
    hits = big.recall(ATHLETE, "query 3")
    assert [h.note_id for h in hits] == list(corpus.planted[3][:3])
    assert all(h.similarity >= 0.45 for h in hits)
    assert [h.note_id for h in big.recall(ATHLETE, "query 3", min_similarity=0.85)] == list(
        corpus.planted[3][:2]
    )


def test_removal_is_honoured_by_the_approximate_index(saved: Path, corpus: Corpus) -> None:
    memory = _copy(saved, corpus)
    assert memory.is_approximate(ATHLETE)
    removed = frozenset(int(corpus.planted[q][0]) for q in range(50))
    assert all(memory.remove(ATHLETE, note_id) for note_id in removed)
    assert not memory.remove(ATHLETE, next(iter(removed)))
    assert memory.count(ATHLETE) == NOTES - len(removed)
    assert removed.isdisjoint(memory.note_ids(ATHLETE))
    tops = [_top(memory, q) for q in range(50)]
    assert all(removed.isdisjoint(top) for top in tops)
    agree = [top == corpus.exact_top(q, removed=removed) for q, top in enumerate(tops)]
    assert np.mean(agree) >= MIN_TOP3_AGREEMENT
    assert tops == [list(corpus.planted[q][1:]) for q in range(50)]


def test_an_edited_note_replaces_its_vector_in_the_approximate_index(saved: Path, corpus: Corpus) -> None:
    memory = _copy(saved, corpus)
    edited = int(corpus.note_ids[12_345])
    memory.add_vectors(ATHLETE, [edited], corpus.queries[60:61])
    assert memory.count(ATHLETE) == NOTES
    hits = memory.search(ATHLETE, "query 60", k=4, min_similarity=-1.0)
    assert hits[0].note_id == edited and hits[0].similarity == pytest.approx(1.0, abs=1e-5)
    assert [h.note_id for h in hits[1:]] == list(corpus.planted[60][:3])


def test_save_and_load_keep_the_approximate_index(big: MemoryIndex, saved: Path, corpus: Corpus) -> None:
    expected = {ATHLETE: [int(i) for i in corpus.note_ids]}
    loaded = MemoryIndex.load(saved, PlantedEmbedder(corpus.queries), expected_note_ids=expected)
    assert loaded.is_approximate(ATHLETE)
    assert loaded.note_ids(ATHLETE) == big.note_ids(ATHLETE)
    assert all(_top(loaded, q) == _top(big, q) for q in range(0, QUERIES, 10))
    manifest = json.loads((saved / MANIFEST_FILE_NAME).read_text())
    assert manifest["athletes"][str(ATHLETE)]["count"] == NOTES
    with pytest.raises(StaleIndexError, match="as many but not the same"):
        MemoryIndex.load(
            saved, PlantedEmbedder(corpus.queries), expected_note_ids={ATHLETE: [*expected[ATHLETE][1:], 7]}
        )


# --------------------------------------------------------------------------- switching kinds, small


SMALL_THRESHOLD = 200


@pytest.fixture
def small(corpus: Corpus) -> MemoryIndex:
    return MemoryIndex(PlantedEmbedder(corpus.queries), approximate_threshold=SMALL_THRESHOLD)


def _exact_order(corpus: Corpus, count: int, query: int, removed: frozenset[int] = frozenset()) -> list[int]:
    scores = corpus.vectors[:count] @ corpus.queries[query]
    return [int(corpus.note_ids[i]) for i in np.argsort(-scores) if int(corpus.note_ids[i]) not in removed][
        :3
    ]


def test_an_athlete_switches_kind_at_the_threshold_and_back_below_half(
    small: MemoryIndex, corpus: Corpus
) -> None:
    ids = [int(i) for i in corpus.note_ids[:SMALL_THRESHOLD]]
    small.add_vectors(ATHLETE, ids[:-1], corpus.vectors[: SMALL_THRESHOLD - 1])
    assert not small.is_approximate(ATHLETE)
    small.add_vectors(ATHLETE, ids[-1:], corpus.vectors[SMALL_THRESHOLD - 1 : SMALL_THRESHOLD])
    assert small.is_approximate(ATHLETE)
    assert _top(small, 5) == _exact_order(corpus, SMALL_THRESHOLD, 5)  # 4 lists, all probed: exact
    removed: set[int] = set()
    for note_id in ids[: SMALL_THRESHOLD // 2]:  # down to half the threshold: still approximate
        assert small.remove(ATHLETE, note_id)
        removed.add(note_id)
    assert small.is_approximate(ATHLETE) and small.count(ATHLETE) == SMALL_THRESHOLD // 2
    assert small.remove(ATHLETE, ids[SMALL_THRESHOLD // 2])
    removed.add(ids[SMALL_THRESHOLD // 2])
    assert not small.is_approximate(ATHLETE)
    assert small.note_ids(ATHLETE) == sorted(set(ids) - removed)
    assert _top(small, 5) == _exact_order(corpus, SMALL_THRESHOLD, 5, frozenset(removed))


def test_the_inverted_file_is_retrained_when_its_size_calls_for_twice_the_lists(
    small: MemoryIndex, corpus: Corpus
) -> None:
    def lists() -> int:
        return int(small._athletes[ATHLETE].vectors.nlist)

    small.add_vectors(ATHLETE, [int(i) for i in corpus.note_ids[:200]], corpus.vectors[:200])
    assert lists() == ivf_list_count(200) == 4
    small.add_vectors(ATHLETE, [int(i) for i in corpus.note_ids[200:311]], corpus.vectors[200:311])
    assert lists() == 4  # 311 notes call for 4 lists of >= 39
    small.add_vectors(ATHLETE, [int(corpus.note_ids[311])], corpus.vectors[311:312])
    assert lists() == ivf_list_count(312) == 8
    assert small.count(ATHLETE) == 312
    assert small.remove(ATHLETE, int(corpus.note_ids[311]))
    assert lists() == 8  # no retraining back and forth at the boundary
    assert _top(small, 5) == _exact_order(corpus, 311, 5)  # 8 lists, all probed: exact


def test_a_rebuild_makes_large_athletes_approximate(corpus: Corpus, hashing: HashingEmbedder) -> None:
    memory = MemoryIndex(hashing, approximate_threshold=100)
    total = memory.rebuild(
        [NoteRecord(1, n, f"note {n} about the left knee") for n in range(150)]
        + [NoteRecord(2, n, f"note {n}") for n in range(150, 160)]
    )
    assert total == 160
    assert memory.is_approximate(1) and not memory.is_approximate(2)
    assert [h.body_parts for h in memory.recall(1, "hill repeats", k=1)] == [("knee",)]


def test_an_exact_index_saved_past_a_lower_threshold_is_converted_on_load(
    small: MemoryIndex, corpus: Corpus, tmp_path: Path
) -> None:
    exact = MemoryIndex(PlantedEmbedder(corpus.queries))
    exact.add_vectors(ATHLETE, [int(i) for i in corpus.note_ids[:300]], corpus.vectors[:300])
    exact.save(tmp_path)
    loaded = MemoryIndex.load(
        tmp_path, PlantedEmbedder(corpus.queries), approximate_threshold=SMALL_THRESHOLD
    )
    assert loaded.is_approximate(ATHLETE)
    assert _top(loaded, 9) == _exact_order(corpus, 300, 9)
    assert not MemoryIndex.load(tmp_path, PlantedEmbedder(corpus.queries)).is_approximate(ATHLETE)


def test_a_note_added_while_the_inverted_file_trains_is_kept(
    small: MemoryIndex, corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    import memory.index as module

    build = module._build_index
    builds: list[int] = []
    late = int(corpus.note_ids[-1])

    def build_while_a_note_arrives(*args: Any, **kwargs: Any) -> Any:
        builds.append(len(args[1]))
        if len(builds) == 1:  # the first build, outside the lock: a note arrives meanwhile
            small.add_vectors(ATHLETE, [late], corpus.queries[7:8])
        return build(*args, **kwargs)

    monkeypatch.setattr(module, "_build_index", build_while_a_note_arrives)
    small.add_vectors(ATHLETE, [int(i) for i in corpus.note_ids[:SMALL_THRESHOLD]], corpus.vectors[:200])
    assert builds == [SMALL_THRESHOLD, SMALL_THRESHOLD + 1]  # the stale build was thrown away
    assert small.is_approximate(ATHLETE)
    assert small.count(ATHLETE) == SMALL_THRESHOLD + 1
    assert _top(small, 7, k=1) == [late]


def test_the_threshold_must_leave_enough_vectors_to_train() -> None:
    with pytest.raises(ValueError, match="approximate_threshold must be at least 78"):
        MemoryIndex(HashingEmbedder(), approximate_threshold=77)


def test_list_counts_follow_four_sqrt_n_with_enough_training_points() -> None:
    assert [ivf_list_count(n) for n in (1, 100, 200, 10_000, 20_000, 30_000, 100_000)] == [
        1, 2, 4, 256, 512, 512, 1024,
    ]  # fmt: skip


def _index_of_another_kind(ids: np.ndarray, vectors: Vectors) -> object:
    dimension = vectors.shape[1]
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, 1, faiss.METRIC_INNER_PRODUCT)
    ivf.train(np.repeat(vectors, 39, axis=0))
    ivf.add_with_ids(vectors, ids)  # no hashtable direct map: cannot remove or reconstruct by id
    return ivf


def test_a_file_of_a_kind_this_code_does_not_write_is_stale(hashing: HashingEmbedder, tmp_path: Path) -> None:
    memory = MemoryIndex(hashing)
    memory.add_many([NoteRecord(1, 10, "left knee"), NoteRecord(1, 11, "pool")])
    memory.save(tmp_path)
    ids = np.array([10, 11], dtype=np.int64)
    faiss.write_index(
        _index_of_another_kind(ids, hashing.embed(["left knee", "pool"])), str(tmp_path / "athlete-1.faiss")
    )
    with pytest.raises(StaleIndexError, match="not a 512-d inner-product id map or inverted file"):
        MemoryIndex.load(tmp_path, hashing)
    l2 = faiss.IndexIDMap2(faiss.IndexFlatL2(hashing.dimension))
    l2.add_with_ids(hashing.embed(["left knee", "pool"]), ids)
    faiss.write_index(l2, str(tmp_path / "athlete-1.faiss"))
    with pytest.raises(StaleIndexError, match="inner-product id map"):
        MemoryIndex.load(tmp_path, hashing)
