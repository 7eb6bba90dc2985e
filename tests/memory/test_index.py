"""MemoryIndex plumbing, on the hashing embedder: isolation, upserts, persistence, staleness.

Recall *quality* needs the real model and lives in ``test_recall_minilm.py``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from memory import (
    EmbeddingDimensionMismatch,
    HashingEmbedder,
    MemoryIndex,
    NoteRecord,
    StaleIndexError,
    recall_queries,
)
from memory.constants import MANIFEST_FILE_NAME
from memory.embedder import Vectors
from tests.memory.conftest import CountingEmbedder

KNEE = "my left knee hurts going downstairs"
POOL = "I only have a 25 m pool"
MORNING = "I prefer running in the morning"


@pytest.fixture
def index(hashing: HashingEmbedder) -> MemoryIndex:
    memory = MemoryIndex(hashing)
    memory.add_many([NoteRecord(1, 10, KNEE), NoteRecord(1, 11, POOL), NoteRecord(2, 20, MORNING)])
    return memory


def test_search_finds_the_athletes_own_note(index: MemoryIndex) -> None:
    hits = index.search(1, "left knee hurts", min_similarity=0.3)
    assert [h.note_id for h in hits] == [10]
    assert isinstance(hits[0].similarity, float)
    assert 0.3 <= hits[0].similarity <= 1.0 + 1e-6
    assert hits[0].query == "left knee hurts"


def test_an_athlete_never_gets_another_athletes_note_even_with_identical_text(
    hashing: HashingEmbedder,
) -> None:
    memory = MemoryIndex(hashing)
    memory.add(1, 10, KNEE)
    memory.add(2, 20, POOL)
    assert [h.note_id for h in memory.search(2, KNEE, min_similarity=-1.0)] == [20]
    assert [h.note_id for h in memory.search(1, KNEE, min_similarity=-1.0)] == [10]
    assert memory.search(3, KNEE, min_similarity=-1.0) == []


def test_top_k_and_threshold_cut_the_results(index: MemoryIndex) -> None:
    assert len(index.search(1, KNEE, k=1, min_similarity=-1.0)) == 1
    assert len(index.search(1, KNEE, k=5, min_similarity=-1.0)) == 2  # only two notes exist
    assert index.search(1, "zzz qqq", min_similarity=0.9) == []
    with pytest.raises(ValueError, match="k must be"):
        index.search(1, KNEE, k=0)


def test_adding_a_known_note_id_replaces_it(index: MemoryIndex) -> None:
    index.add(1, 10, "no power meter on the bike")
    assert index.count(1) == 2
    assert index.search(1, KNEE, min_similarity=0.9) == []
    assert [h.note_id for h in index.search(1, "no power meter on the bike", min_similarity=0.9)] == [10]


def test_remove_forgets_one_note(index: MemoryIndex) -> None:
    assert index.remove(1, 10) is True
    assert index.remove(1, 10) is False
    assert index.remove(99, 10) is False
    assert index.note_ids(1) == [11]
    assert index.search(1, KNEE, min_similarity=0.9) == []


def test_remove_athlete_forgets_all_their_notes(index: MemoryIndex) -> None:
    assert index.remove_athlete(1) == 2
    assert index.count(1) == 0
    assert index.athletes() == [2]
    assert len(index) == 1


def test_an_athlete_without_notes_costs_no_embedding(hashing: HashingEmbedder) -> None:
    counting = CountingEmbedder(hashing)
    memory = MemoryIndex(counting)
    assert memory.search(7, "anything") == []
    assert memory.recall(7, "can I do hill repeats?") == []
    assert counting.batches == []


def test_queries_are_embedded_once_and_cached(hashing: HashingEmbedder) -> None:
    counting = CountingEmbedder(hashing)
    memory = MemoryIndex(counting)
    memory.add(1, 10, KNEE)
    memory.search(1, "knee")
    memory.search(1, "knee")
    memory.recall(1, "hill repeats")
    memory.recall(1, "hill repeats")
    assert recall_queries("hill repeats") == [
        "hill repeats", "knee pain", "hip pain", "hamstring pain", "quad pain", "calf pain", "achilles pain",
    ]  # fmt: skip
    assert counting.batches[1:] == [["knee"], recall_queries("hill repeats")]


def test_recall_brings_back_notes_on_a_loaded_body_part(hashing: HashingEmbedder) -> None:
    memory = MemoryIndex(hashing)
    memory.add_many(
        [NoteRecord(1, 10, KNEE), NoteRecord(1, 11, POOL), NoteRecord(1, 12, "sore left shoulder")]
    )
    hits = memory.recall(1, "hill repeats", min_similarity=0.99)
    assert [(h.note_id, h.body_parts) for h in hits] == [(10, ("knee",))]
    assert [h.note_id for h in memory.recall(1, "overhead press", min_similarity=0.99)] == [12]


def test_add_many_returns_how_many_and_last_duplicate_wins(hashing: HashingEmbedder) -> None:
    memory = MemoryIndex(hashing)
    added = memory.add_many([NoteRecord(1, 10, KNEE), NoteRecord(1, 10, POOL), NoteRecord(1, 11, MORNING)])
    assert added == 2
    assert [h.note_id for h in memory.search(1, POOL, min_similarity=0.9)] == [10]
    assert memory.add_many([]) == 0


def test_ids_must_fit_in_int64(hashing: HashingEmbedder) -> None:
    with pytest.raises(ValueError, match="64-bit"):
        MemoryIndex(hashing).add(1, 2**63, KNEE)


class _WrongWidth:
    name = "wrong"
    dimension = 8

    def embed(self, texts: Sequence[str]) -> Vectors:
        return np.ones((len(texts), 4), dtype=np.float32)


def test_an_embedder_returning_the_wrong_width_is_refused() -> None:
    with pytest.raises(EmbeddingDimensionMismatch, match=r"expected \(n, 8\)"):
        MemoryIndex(_WrongWidth()).add(1, 1, KNEE)


def test_rebuild_replaces_everything_from_the_notes_table(index: MemoryIndex) -> None:
    total = index.rebuild([NoteRecord(3, 30, KNEE), NoteRecord(3, 31, POOL), NoteRecord(4, 40, MORNING)])
    assert total == 3
    assert index.athletes() == [3, 4]
    assert index.count(1) == 0
    assert index.note_ids(3) == [30, 31]


def test_concurrent_adds_and_searches_keep_every_note(hashing: HashingEmbedder) -> None:
    memory = MemoryIndex(hashing)

    def work(i: int) -> None:
        memory.add(i % 3, i, f"note {i} about the left knee")
        memory.search(i % 3, "left knee", min_similarity=-1.0)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(200)))
    assert len(memory) == 200
    assert sorted(memory.note_ids(0) + memory.note_ids(1) + memory.note_ids(2)) == list(range(200))


# --------------------------------------------------------------------------- persistence


def test_save_and_load_round_trip(index: MemoryIndex, hashing: HashingEmbedder, tmp_path: Path) -> None:
    index.save(tmp_path)
    loaded = MemoryIndex.load(tmp_path, hashing, expected_note_ids={1: [11, 10], 2: [20]})
    assert loaded.athletes() == [1, 2]
    assert loaded.note_ids(1) == [10, 11]
    assert loaded.search(1, KNEE, min_similarity=-1.0) == index.search(1, KNEE, min_similarity=-1.0)
    assert [h.body_parts for h in loaded.recall(1, "hill repeats")] == [("knee",)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "athlete-1.faiss",
        "athlete-2.faiss",
        MANIFEST_FILE_NAME,
    ]


def test_save_deletes_files_of_athletes_no_longer_indexed(index: MemoryIndex, tmp_path: Path) -> None:
    index.save(tmp_path)
    index.remove_athlete(2)
    index.save(tmp_path)
    assert not (tmp_path / "athlete-2.faiss").exists()


def test_load_without_a_manifest_is_stale(hashing: HashingEmbedder, tmp_path: Path) -> None:
    with pytest.raises(StaleIndexError, match=r"no manifest\.json"):
        MemoryIndex.load(tmp_path, hashing)


def test_a_note_added_to_the_database_after_saving_makes_the_index_stale(
    index: MemoryIndex, hashing: HashingEmbedder, tmp_path: Path
) -> None:
    index.save(tmp_path)
    with pytest.raises(StaleIndexError, match="athlete 1 has 3 notes in the database and 2 in the index"):
        MemoryIndex.load(tmp_path, hashing, expected_note_ids={1: [10, 11, 12], 2: [20]})
    with pytest.raises(StaleIndexError, match="athlete 5 has 1 notes in the database and none"):
        MemoryIndex.load(tmp_path, hashing, expected_note_ids={1: [10, 11], 2: [20], 5: [50]})
    with pytest.raises(StaleIndexError, match="as many but not the same"):
        MemoryIndex.load(tmp_path, hashing, expected_note_ids={1: [10, 12], 2: [20]})


def test_another_embedder_makes_the_index_stale(index: MemoryIndex, tmp_path: Path) -> None:
    index.save(tmp_path)
    with pytest.raises(StaleIndexError, match="built with 'hashing-trigram-v1-512'"):
        MemoryIndex.load(tmp_path, HashingEmbedder(64))


def test_a_file_that_does_not_match_its_manifest_is_stale(
    index: MemoryIndex, hashing: HashingEmbedder, tmp_path: Path
) -> None:
    index.save(tmp_path)
    manifest = tmp_path / MANIFEST_FILE_NAME
    data = json.loads(manifest.read_text())
    data["athletes"]["1"]["note_ids_sha256"] = "0" * 64
    manifest.write_text(json.dumps(data))
    with pytest.raises(StaleIndexError, match=r"athlete-1\.faiss of athlete 1 does not hold the notes"):
        MemoryIndex.load(tmp_path, hashing)


def test_a_missing_or_corrupt_athlete_file_is_stale(
    index: MemoryIndex, hashing: HashingEmbedder, tmp_path: Path
) -> None:
    index.save(tmp_path)
    (tmp_path / "athlete-2.faiss").write_bytes(b"not a faiss index")
    with pytest.raises(StaleIndexError, match="cannot be read"):
        MemoryIndex.load(tmp_path, hashing)
    (tmp_path / "athlete-2.faiss").unlink()
    with pytest.raises(StaleIndexError, match="is missing"):
        MemoryIndex.load(tmp_path, hashing)


def test_a_garbled_manifest_is_stale(hashing: HashingEmbedder, tmp_path: Path) -> None:
    (tmp_path / MANIFEST_FILE_NAME).write_text("{not json")
    with pytest.raises(StaleIndexError, match="cannot be read"):
        MemoryIndex.load(tmp_path, hashing)


def test_load_or_rebuild_rebuilds_a_stale_index_and_saves_it(
    index: MemoryIndex, hashing: HashingEmbedder, tmp_path: Path
) -> None:
    index.save(tmp_path)
    table = [
        NoteRecord(1, 10, KNEE),
        NoteRecord(1, 11, POOL),
        NoteRecord(1, 12, MORNING),
        NoteRecord(2, 20, MORNING),
    ]
    expected = {1: [10, 11, 12], 2: [20]}
    result = MemoryIndex.load_or_rebuild(
        tmp_path, lambda: table, expected_note_ids=expected, embedder=hashing
    )
    assert result.stale is not None and "athlete 1" in result.stale.reason
    assert result.index.note_ids(1) == [10, 11, 12]

    def must_not_read() -> list[NoteRecord]:
        raise AssertionError("a fresh index must load without reading the notes table")

    again = MemoryIndex.load_or_rebuild(tmp_path, must_not_read, expected_note_ids=expected, embedder=hashing)
    assert again.stale is None
    assert again.index.note_ids(1) == [10, 11, 12]
