"""Per-athlete FAISS indexes of note embeddings: add, remove, search, recall, save, load, rebuild.

Why one index per athlete: recall must never return another athlete's note, and the
cheapest way to make that impossible is for their vectors never to share an index. With
unit vectors inner product is cosine similarity, and the ids are the notes table's primary
keys. Each athlete's index is one of two kinds, chosen by how many notes they have:

* exact, an ``IndexIDMap2`` over ``IndexFlatIP``, below ``APPROXIMATE_INDEX_THRESHOLD``
  (20,000) notes: every real athlete (tens to hundreds of notes), no training, exact
  results, ~1 ms per search at 20,000 notes;
* approximate, an ``IndexIVFFlat`` (inner product, ``DirectMap.Hashtable``) from there on:
  exact search over 100,000 notes took 30-56 ms p50 on the loaded 2-core box, the inverted
  file ~1-2 ms while still finding the exact top 3 for >= 99 % of planted queries (see
  ``IVF_NPROBE``). It stores arbitrary 64-bit ids itself and removes them in place, so
  ``remove`` and upserts behave as on the exact index; the hashtable direct map is what
  lets it ``reconstruct`` and remove by note id (FAISS wiki, "Special operations on
  indexes"). HNSW was measured too and rejected: it cannot remove vectors (FAISS wiki,
  "Guidelines to choose an index"), so removals would need tombstones persisted beside
  it, and at 100,000 notes it took 48 s to build (M=32) against 2-8 s to train and fill
  the inverted file, for similar latency at equal recall (efSearch 256: 2.4 ms, 100 %).

An athlete's index changes kind when their count crosses the threshold (back to exact
below half of it), and the inverted file is retrained when its size calls for twice as
many lists as it has (at 32,768 and 131,072 notes...), or a quarter as many, so its lists
stay near ``4 * sqrt(N)``. The training runs outside the lock; see ``MemoryIndex._reshape``.

Beside the vectors each athlete keeps the body parts every note mentions, so ``recall``
can bring back "my knee hurts" for "hill repeats" (see ``memory.recall`` for why).

The database is the source of truth. The index is a cache of it: ``rebuild`` makes it
from the notes table, ``save`` writes one file per athlete plus a manifest (embedder name
and dimension, rules checksum, a checksum of each athlete's note ids) and ``load``
refuses, with ``StaleIndexError``, anything that no longer matches, so the caller rebuilds.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import faiss
import numpy as np
from faiss.contrib import inspect_tools
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, ValidationError

from memory.constants import (
    APPROXIMATE_INDEX_THRESHOLD,
    ATHLETE_FILE_PREFIX,
    ATHLETE_FILE_SUFFIX,
    DEFAULT_MIN_SIMILARITY,
    DEFAULT_TOP_K,
    FAISS_BLAS_THRESHOLD,
    INDEX_FORMAT_VERSION,
    IVF_LISTS_PER_SQRT_NOTE,
    IVF_MIN_POINTS_PER_LIST,
    IVF_NPROBE,
    MANIFEST_FILE_NAME,
    QUERY_CACHE_SIZE,
)
from memory.embedder import Embedder, Vectors, get_default_embedder
from memory.errors import EmbeddingDimensionMismatch, StaleIndexError
from memory.recall import body_part_queries, loaded_body_parts, note_body_parts
from memory.rules import NoteRules, load_note_rules
from memory.vocabulary import BodyPart

REBUILD_CHUNK_NOTES: Final = 4096
"""Notes embedded per step of ``rebuild``: bounds memory while keeping batches full."""

RESHAPE_ATTEMPTS: Final = 3
"""Times ``MemoryIndex`` rebuilds an athlete's index aside before giving up until the next change.

A build is thrown away if the athlete's notes changed meanwhile (see ``_reshape``); the
search stays correct either way, only slower until the next add or remove retries.
"""

Ids = NDArray[np.int64]

_get_invlist: Callable[[Any, int], tuple[Ids, NDArray[np.uint8]]] = inspect_tools.get_invlist
"""One inverted list's ids and codes, copied (faiss.contrib is untyped; this gives it a type)."""

_DIRECT_MAP_HASHTABLE: Final[int] = faiss.DirectMap.Hashtable  # type: ignore[attr-defined]  # not in faiss's stubs

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1


@dataclass(frozen=True)
class NoteRecord:
    """One row of the notes table, as much of it as the index needs."""

    athlete_id: int
    note_id: int
    text: str


@dataclass(frozen=True)
class Recall:
    """A recalled note and why.

    ``similarity`` is the cosine similarity to ``query``, the best-matching query.
    ``body_parts`` is empty for a note recalled by meaning, and names the parts it shares
    with the message ("knee") for a note recalled by body part.
    """

    note_id: int
    similarity: float
    query: str = ""
    body_parts: tuple[BodyPart, ...] = ()


@dataclass(frozen=True)
class LoadResult:
    """What ``MemoryIndex.load_or_rebuild`` did: ``stale`` says why it rebuilt, None if it loaded."""

    index: MemoryIndex
    stale: StaleIndexError | None


class _AthleteEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str
    count: int
    note_ids_sha256: str
    body_parts: dict[int, list[BodyPart]]


class _Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format_version: int
    embedder_name: str
    dimension: int
    rules_sha256: str
    athletes: dict[int, _AthleteEntry]


@dataclass
class _Athlete:
    """One athlete's vectors and the body parts each note mentions.

    ``vectors`` is a ``faiss.IndexIDMap2`` over ``IndexFlatIP`` (exact) or an
    ``IndexIVFFlat`` (approximate); both take ``add_with_ids``, ``remove_ids``, ``search``
    and ``reconstruct(note_id)``. ``version`` counts changes, so a rebuild made outside the
    lock can tell whether it is still current; ``reshaping`` stops two threads from
    building the same athlete's new index at once.
    """

    vectors: Any
    body_parts: dict[int, frozenset[BodyPart]] = field(default_factory=dict)
    version: int = 0
    reshaping: bool = False


def note_ids_checksum(note_ids: Iterable[int]) -> str:
    """SHA-256 of the sorted note ids: equal exactly when the index holds the same notes."""
    ids = np.sort(np.fromiter(note_ids, dtype="<i8"))
    return hashlib.sha256(ids.tobytes()).hexdigest()


def rules_checksum(rules: NoteRules) -> str:
    """SHA-256 of the rules: body-part tags made under other rules are stale."""
    return hashlib.sha256(rules.model_dump_json().encode("utf-8")).hexdigest()


def _check_ids(records: Iterable[NoteRecord]) -> None:
    for record in records:
        for name, value in (("athlete_id", record.athlete_id), ("note_id", record.note_id)):
            if not _INT64_MIN <= value <= _INT64_MAX:
                raise ValueError(f"{name} {value} does not fit in a signed 64-bit integer")


def _athlete_file_name(athlete_id: int) -> str:
    return f"{ATHLETE_FILE_PREFIX}{athlete_id}{ATHLETE_FILE_SUFFIX}"


def _id_array(index: Any) -> list[int]:
    return [int(i) for i in _ids(index)]


def _is_approximate(index: Any) -> bool:
    """Whether a FAISS index is of the approximate kind (an inverted file)."""
    return isinstance(index, faiss.IndexIVFFlat)


def ivf_list_count(notes: int) -> int:
    """Inverted lists for an athlete with ``notes`` vectors.

    ``IVF_LISTS_PER_SQRT_NOTE * sqrt(notes)`` rounded to a power of two (FAISS's guideline
    for the number of centroids), halved until every list gets ``IVF_MIN_POINTS_PER_LIST``
    training vectors (below that FAISS's k-means warns and its centroids are noise).
    20,000 notes -> 512 lists, 100,000 -> 1,024.
    """
    if notes < 1:
        raise ValueError("an inverted file needs at least one vector")
    lists = 2 ** round(math.log2(IVF_LISTS_PER_SQRT_NOTE * math.sqrt(notes)))
    while lists > 1 and lists * IVF_MIN_POINTS_PER_LIST > notes:
        lists //= 2
    return int(lists)


def _ids(index: Any) -> Ids:
    """The note ids an index holds, in its storage order."""
    if _is_approximate(index):
        lists = [_get_invlist(index.invlists, number)[0] for number in range(index.nlist)]
        return np.concatenate(lists).astype(np.int64, copy=False)
    return faiss.vector_to_array(index.id_map).astype(np.int64, copy=False)


def _contents(index: Any) -> tuple[Ids, Vectors]:
    """The note ids and vectors an index holds, in its storage order (copies)."""
    if _is_approximate(index):
        lists = [_get_invlist(index.invlists, number) for number in range(index.nlist)]
        ids = np.concatenate([ids for ids, _ in lists]).astype(np.int64, copy=False)
        codes = np.ascontiguousarray(np.concatenate([codes for _, codes in lists]))
        return ids, codes.view(np.float32).reshape(-1, index.d)  # IVFFlat codes are the raw floats
    ids = _ids(index)
    if index.ntotal == 0:
        return ids, np.zeros((0, index.d), dtype=np.float32)
    return ids, np.asarray(index.index.reconstruct_n(0, index.ntotal), dtype=np.float32)


def _exact_index(dimension: int) -> Any:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def _build_index(dimension: int, ids: Ids, vectors: Vectors, *, approximate: bool) -> Any:
    """A new index of the asked kind holding ``vectors`` under ``ids``.

    The inverted file is trained on the vectors it will hold, with FAISS's k-means defaults
    for an IVF quantizer (10 iterations, spherical for inner product, at most 256 points
    per centroid, fixed seed so a rebuild is reproducible); ``DirectMap.Hashtable`` lets it
    take arbitrary note ids, remove them and reconstruct them (FAISS wiki, "Special
    operations on indexes").
    """
    if not approximate:
        index = _exact_index(dimension)
        if len(ids):
            index.add_with_ids(vectors, ids)
        return index
    lists = ivf_list_count(len(ids))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, lists, faiss.METRIC_INNER_PRODUCT)
    index.train(vectors)
    index.set_direct_map_type(_DIRECT_MAP_HASHTABLE)
    index.nprobe = min(IVF_NPROBE, lists)
    index.add_with_ids(vectors, ids)
    return index


def _readable_kind(index: Any, dimension: int) -> bool:
    """Whether a loaded index is one this code writes: exact id map or IVF with a hashtable."""
    if index.d != dimension or index.metric_type != faiss.METRIC_INNER_PRODUCT:
        return False
    if isinstance(index, faiss.IndexIDMap2):
        return isinstance(faiss.downcast_index(index.index), faiss.IndexFlatIP)
    return (
        _is_approximate(index) and bool(index.is_trained) and (index.direct_map.type == _DIRECT_MAP_HASHTABLE)
    )


_faiss_configured = False
_faiss_lock = threading.Lock()


def _configure_faiss() -> None:
    """Route batches of >= FAISS_BLAS_THRESHOLD queries through BLAS (a process-wide FAISS setting)."""
    global _faiss_configured
    with _faiss_lock:
        if not _faiss_configured:
            faiss.cvar.distance_compute_blas_threshold = FAISS_BLAS_THRESHOLD
            _faiss_configured = True


class MemoryIndex:
    """Every athlete's notes, searchable by meaning and by body part, one FAISS index per athlete.

    Thread-safe within one process: a lock guards the indexes, while embedding (the slow
    part) runs outside it. Not safe across processes: one process owns the directory.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        rules: NoteRules | None = None,
        query_cache_size: int = QUERY_CACHE_SIZE,
        search_threads: int | None = None,
        approximate_threshold: int = APPROXIMATE_INDEX_THRESHOLD,
    ) -> None:
        """``search_threads``: FAISS OpenMP threads (process-wide; None leaves FAISS's default).

        Per-athlete indexes are small, so one thread loses little and avoids OpenMP's
        spin-waiting on a busy CPU: at 100,000 notes on the loaded 2-core CI box one exact
        search took ~35-50 ms with 1 thread and ~95 ms with 2, a batch of 32 took 0.1 s and 0.8 s.

        ``approximate_threshold``: notes from which an athlete's index becomes approximate
        (see ``APPROXIMATE_INDEX_THRESHOLD``); at least ``2 * IVF_MIN_POINTS_PER_LIST``, so
        an inverted file, kept down to half of it, always has enough vectors to train.
        """
        if approximate_threshold < 2 * IVF_MIN_POINTS_PER_LIST:
            raise ValueError(f"approximate_threshold must be at least {2 * IVF_MIN_POINTS_PER_LIST}")
        _configure_faiss()
        if search_threads is not None:
            if search_threads < 1:
                raise ValueError("search_threads must be at least 1")
            faiss.omp_set_num_threads(search_threads)
        self._embedder = embedder if embedder is not None else get_default_embedder()
        self._rules = rules if rules is not None else load_note_rules()
        self._athletes: dict[int, _Athlete] = {}
        self._lock = threading.RLock()
        self._query_cache: OrderedDict[str, Vectors] = OrderedDict()
        self._query_cache_size = query_cache_size
        self._cache_lock = threading.Lock()
        self._approximate_threshold = approximate_threshold

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    # ------------------------------------------------------------------ reading

    def count(self, athlete_id: int) -> int:
        """How many notes of this athlete are indexed (0 for an athlete never seen)."""
        with self._lock:
            athlete = self._athletes.get(athlete_id)
            return 0 if athlete is None else int(athlete.vectors.ntotal)

    def athletes(self) -> list[int]:
        """Athletes with at least one indexed note, in id order."""
        with self._lock:
            return sorted(a for a, athlete in self._athletes.items() if athlete.vectors.ntotal > 0)

    def note_ids(self, athlete_id: int) -> list[int]:
        """The indexed note ids of this athlete, sorted."""
        with self._lock:
            athlete = self._athletes.get(athlete_id)
            return [] if athlete is None else sorted(_id_array(athlete.vectors))

    def __len__(self) -> int:
        with self._lock:
            return sum(int(athlete.vectors.ntotal) for athlete in self._athletes.values())

    def is_approximate(self, athlete_id: int) -> bool:
        """Whether this athlete's notes are searched approximately (an inverted file), not exactly."""
        with self._lock:
            athlete = self._athletes.get(athlete_id)
            return athlete is not None and _is_approximate(athlete.vectors)

    def search(
        self,
        athlete_id: int,
        query: str,
        k: int = DEFAULT_TOP_K,
        min_similarity: float = DEFAULT_MIN_SIMILARITY,
    ) -> list[Recall]:
        """This athlete's ``k`` notes most similar in meaning to ``query``, each >= ``min_similarity``.

        Only this athlete's index is searched. An athlete with no notes gets ``[]`` without
        the query being embedded, so "nothing to recall" never loads the model.
        """
        return self.search_many(athlete_id, [query], k=k, min_similarity=min_similarity)

    def search_many(
        self,
        athlete_id: int,
        queries: Sequence[str],
        k: int = DEFAULT_TOP_K,
        min_similarity: float = DEFAULT_MIN_SIMILARITY,
    ) -> list[Recall]:
        """Search with several queries in one batch; each note scores its best similarity over them."""
        if k < 1:
            raise ValueError("k must be at least 1")
        if not queries or self.count(athlete_id) == 0:
            return []
        vectors = self._embed_queries(queries)
        with self._lock:
            athlete = self._athletes.get(athlete_id)
            if athlete is None or athlete.vectors.ntotal == 0:
                return []
            similarities, ids = athlete.vectors.search(vectors, min(k, int(athlete.vectors.ntotal)))
        best: dict[int, Recall] = {}
        for row, query in enumerate(queries):
            for similarity, note_id in zip(similarities[row], ids[row], strict=True):
                if note_id < 0 or similarity < min_similarity:
                    continue
                current = best.get(int(note_id))
                if current is None or similarity > current.similarity:
                    best[int(note_id)] = Recall(int(note_id), float(similarity), query)
        return _top(best.values(), k)

    def recall(
        self,
        athlete_id: int,
        text: str,
        k: int = DEFAULT_TOP_K,
        min_similarity: float = DEFAULT_MIN_SIMILARITY,
    ) -> list[Recall]:
        """The notes a coach should see before answering ``text`` (a message or a session).

        Two routes, merged and cut to ``k`` by similarity: notes similar in meaning to
        ``text`` (>= ``min_similarity``), and notes mentioning a body part that ``text``
        names or loads ("hill repeats" -> knee, calf, achilles...), whatever their
        similarity, ranked by their similarity to "<part> pain".
        """
        if k < 1:
            raise ValueError("k must be at least 1")
        if self.count(athlete_id) == 0 or not text.strip():
            return []
        part_queries = body_part_queries(loaded_body_parts(text, self._rules), self._rules)
        queries = [text, *part_queries.values()]
        vectors = self._embed_queries(queries)
        with self._lock:
            athlete = self._athletes.get(athlete_id)
            if athlete is None or athlete.vectors.ntotal == 0:
                return []
            similarities, ids = athlete.vectors.search(vectors[:1], min(k, int(athlete.vectors.ntotal)))
            tagged = {
                note_id: tuple(part for part in part_queries if part in parts)
                for note_id, parts in athlete.body_parts.items()
                if not parts.isdisjoint(part_queries)
            }
            tagged_vectors = [athlete.vectors.reconstruct(note_id) for note_id in tagged]
        best: dict[int, Recall] = {}
        for similarity, note_id in zip(similarities[0], ids[0], strict=True):
            if note_id >= 0 and similarity >= min_similarity:
                best[int(note_id)] = Recall(int(note_id), float(similarity), text)
        if tagged:
            scores = np.stack(tagged_vectors) @ vectors.T  # (tagged notes, queries)
            for (note_id, shared), row in zip(tagged.items(), scores, strict=True):
                column = int(np.argmax(row))
                current = best.get(note_id)
                if current is None or row[column] > current.similarity:
                    best[note_id] = Recall(note_id, float(row[column]), queries[column], shared)
                else:
                    best[note_id] = Recall(note_id, current.similarity, current.query, shared)
        return _top(best.values(), k)

    def _embed_queries(self, queries: Sequence[str]) -> Vectors:
        """Embed queries, reusing recent ones: body-part queries ("knee pain") repeat all day."""
        with self._cache_lock:
            missing = list(dict.fromkeys(q for q in queries if q not in self._query_cache))
        fresh = self._checked(self._embedder.embed(missing)) if missing else None
        with self._cache_lock:
            found: dict[str, Vectors] = {q: self._query_cache[q] for q in queries if q in self._query_cache}
            if fresh is not None:
                for query, vector in zip(missing, fresh, strict=True):
                    found[query] = vector
                    self._query_cache[query] = vector
            for query in found:
                if query in self._query_cache:
                    self._query_cache.move_to_end(query)
            while len(self._query_cache) > self._query_cache_size:
                self._query_cache.popitem(last=False)
        return np.ascontiguousarray(np.stack([found[q] for q in queries]), dtype=np.float32)

    def _checked(self, vectors: Vectors) -> Vectors:
        if vectors.ndim != 2 or vectors.shape[1] != self._embedder.dimension:
            raise EmbeddingDimensionMismatch(
                f"The embedder {self._embedder.name!r} returned vectors of shape {vectors.shape}, "
                f"expected (n, {self._embedder.dimension})."
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    # ------------------------------------------------------------------ writing

    def add(self, athlete_id: int, note_id: int, text: str) -> None:
        """Index one note; a note id already indexed for this athlete is replaced (an edit)."""
        self.add_many([NoteRecord(athlete_id, note_id, text)])

    def add_many(self, notes: Iterable[NoteRecord]) -> int:
        """Index many notes with one embedding call; returns how many were added.

        Within one call the last record of a repeated (athlete, note id) wins. The call that
        takes an athlete past ``approximate_threshold`` also trains their inverted file
        (~0.7 s at 20,000 notes), in this thread but outside the lock (see ``_reshape``).
        """
        records = list({(n.athlete_id, n.note_id): n for n in notes}.values())
        if not records:
            return 0
        _check_ids(records)
        vectors = self._checked(self._embedder.embed([r.text for r in records]))
        parts = [note_body_parts(r.text, self._rules) for r in records]
        with self._lock:
            self._insert(self._athletes, records, vectors, parts)
        self._reshape({r.athlete_id for r in records})
        return len(records)

    def add_vectors(self, athlete_id: int, note_ids: Sequence[int], vectors: Vectors) -> None:
        """Add precomputed vectors (a benchmark corpus, a migration); they must come from this embedder.

        No text, so these notes carry no body-part tags and are recalled by meaning only.
        """
        checked = self._checked(vectors)
        if len(note_ids) != len(checked):
            raise ValueError(
                f"{len(note_ids)} note ids for {len(checked)} vectors; one id per vector is needed"
            )
        records = [NoteRecord(athlete_id, int(note_id), "") for note_id in note_ids]
        _check_ids(records)
        with self._lock:
            self._insert(self._athletes, records, checked, [frozenset()] * len(records))
        self._reshape({athlete_id})

    def _insert(
        self,
        athletes: dict[int, _Athlete],
        records: Sequence[NoteRecord],
        vectors: Vectors,
        parts: Sequence[frozenset[BodyPart]],
    ) -> None:
        by_athlete: dict[int, list[int]] = {}
        for row, record in enumerate(records):
            by_athlete.setdefault(record.athlete_id, []).append(row)
        for athlete_id, rows in by_athlete.items():
            athlete = athletes.get(athlete_id)
            if athlete is None:
                athlete = _Athlete(_exact_index(self._embedder.dimension))
                athletes[athlete_id] = athlete
            ids = np.array([records[r].note_id for r in rows], dtype=np.int64)
            athlete.vectors.remove_ids(ids)  # upsert: an edited note replaces its old vector
            athlete.vectors.add_with_ids(vectors[rows], ids)
            athlete.version += 1
            for row in rows:
                note_id = records[row].note_id
                if parts[row]:
                    athlete.body_parts[note_id] = parts[row]
                else:
                    athlete.body_parts.pop(note_id, None)

    def remove(self, athlete_id: int, note_id: int) -> bool:
        """Forget one note; returns whether it was indexed."""
        with self._lock:
            athlete = self._athletes.get(athlete_id)
            if athlete is None:
                return False
            athlete.body_parts.pop(note_id, None)
            removed = int(athlete.vectors.remove_ids(np.array([note_id], dtype=np.int64))) > 0
            if removed:
                athlete.version += 1
        if removed:
            self._reshape({athlete_id})
        return removed

    def remove_athlete(self, athlete_id: int) -> int:
        """Forget every note of an athlete (account deletion); returns how many there were."""
        with self._lock:
            athlete = self._athletes.pop(athlete_id, None)
            return 0 if athlete is None else int(athlete.vectors.ntotal)

    def rebuild(self, notes: Iterable[NoteRecord]) -> int:
        """Replace everything with ``notes`` (the notes table); returns how many were indexed.

        The new indexes are built aside and swapped in at the end, so searches keep working
        on the old ones meanwhile and a failure leaves the old ones in place. A note added
        while a rebuild runs is lost unless ``notes`` already holds it: rebuild at start-up.
        An athlete past ``approximate_threshold`` gets an inverted file trained once on all
        their notes at the end (~7 s for 100,000 on one thread).
        """
        fresh: dict[int, _Athlete] = {}
        total = 0
        chunk: list[NoteRecord] = []
        for note in notes:
            chunk.append(note)
            if len(chunk) == REBUILD_CHUNK_NOTES:
                total += self._rebuild_chunk(fresh, chunk)
                chunk = []
        total += self._rebuild_chunk(fresh, chunk)
        self._reshape_all(fresh)
        with self._lock:
            self._athletes = fresh
        return total

    def _rebuild_chunk(self, fresh: dict[int, _Athlete], chunk: list[NoteRecord]) -> int:
        records = list({(n.athlete_id, n.note_id): n for n in chunk}.values())
        if not records:
            return 0
        _check_ids(records)
        vectors = self._checked(self._embedder.embed([r.text for r in records]))
        self._insert(fresh, records, vectors, [note_body_parts(r.text, self._rules) for r in records])
        return len(records)

    # ------------------------------------------------------------------ index kinds

    def _wanted_kind(self, index: Any) -> bool | None:
        """None if ``index`` suits its size, else whether it should be rebuilt approximate (or exact).

        Exact below the threshold, approximate from it; an approximate index stays so down
        to half the threshold, and is retrained when the lists its size calls for
        (``ivf_list_count``) are at least twice as many as it has, or at most a quarter.
        Both gaps are hysteresis: an athlete adding and removing notes at a boundary must
        not retrain at each step. Retraining when the count doubles or quadruples keeps
        its cost, spread over the notes added meanwhile, constant per note.
        """
        count = int(index.ntotal)
        if not _is_approximate(index):
            return True if count >= self._approximate_threshold else None
        if count < self._approximate_threshold // 2:
            return False
        lists = ivf_list_count(count)
        return True if lists >= 2 * index.nlist or 4 * lists <= index.nlist else None

    def _reshape_all(self, athletes: dict[int, _Athlete]) -> None:
        """Give every athlete of an index nobody else sees yet (a rebuild, a load) the right kind."""
        for athlete in athletes.values():
            approximate = self._wanted_kind(athlete.vectors)
            if approximate is not None:
                ids, vectors = _contents(athlete.vectors)
                athlete.vectors = _build_index(
                    self._embedder.dimension, ids, vectors, approximate=approximate
                )

    def _reshape(self, athlete_ids: Iterable[int]) -> None:
        """After a change, give these athletes the kind of index their size calls for.

        Training an inverted file takes ~0.7 s at 20,000 notes and several seconds at
        100,000, so it must not hold the lock every athlete's search waits on: the
        vectors are copied under the lock, the new index is trained and filled outside it,
        and it replaces the old one under the lock only if the athlete has not changed
        meanwhile (``version``); otherwise it is built again from the new contents. The
        caller's ``add`` or ``remove`` returns once this is done.
        """
        for athlete_id in athlete_ids:
            for _ in range(RESHAPE_ATTEMPTS):
                with self._lock:
                    athlete = self._athletes.get(athlete_id)
                    if athlete is None or athlete.reshaping:
                        break
                    approximate = self._wanted_kind(athlete.vectors)
                    if approximate is None:
                        break
                    ids, vectors = _contents(athlete.vectors)
                    version = athlete.version
                    athlete.reshaping = True
                try:
                    index = _build_index(self._embedder.dimension, ids, vectors, approximate=approximate)
                except BaseException:
                    with self._lock:
                        athlete.reshaping = False
                    raise
                with self._lock:
                    athlete.reshaping = False
                    if self._athletes.get(athlete_id) is athlete and athlete.version == version:
                        athlete.vectors = index
                        athlete.version += 1
                        break

    # ------------------------------------------------------------------ persistence

    def save(self, directory: Path) -> None:
        """Write one file per athlete and then the manifest, each atomically (temp file + rename).

        The manifest goes last: a crash mid-save leaves a manifest whose checksums do not
        match the files, which ``load`` reports as stale, never a silently mixed index.
        Files of athletes no longer indexed are deleted.
        """
        directory.mkdir(parents=True, exist_ok=True)
        entries: dict[int, _AthleteEntry] = {}
        with self._lock:
            for athlete_id, athlete in sorted(self._athletes.items()):
                if athlete.vectors.ntotal == 0:
                    continue
                name = _athlete_file_name(athlete_id)
                temporary = directory / f".{name}.tmp"
                faiss.write_index(athlete.vectors, str(temporary))
                os.replace(temporary, directory / name)
                entries[athlete_id] = _AthleteEntry(
                    file=name,
                    count=int(athlete.vectors.ntotal),
                    note_ids_sha256=note_ids_checksum(_id_array(athlete.vectors)),
                    body_parts={n: sorted(parts) for n, parts in sorted(athlete.body_parts.items())},
                )
        manifest = _Manifest(
            format_version=INDEX_FORMAT_VERSION,
            embedder_name=self._embedder.name,
            dimension=self._embedder.dimension,
            rules_sha256=rules_checksum(self._rules),
            athletes=entries,
        )
        temporary = directory / f".{MANIFEST_FILE_NAME}.tmp"
        temporary.write_text(manifest.model_dump_json(indent=1), encoding="utf-8")
        os.replace(temporary, directory / MANIFEST_FILE_NAME)
        kept = {entry.file for entry in entries.values()}
        for path in directory.glob(f"{ATHLETE_FILE_PREFIX}*{ATHLETE_FILE_SUFFIX}"):
            if path.name not in kept:
                path.unlink()

    @classmethod
    def load(
        cls,
        directory: Path,
        embedder: Embedder | None = None,
        *,
        rules: NoteRules | None = None,
        expected_note_ids: Mapping[int, Iterable[int]] | None = None,
        approximate_threshold: int = APPROXIMATE_INDEX_THRESHOLD,
    ) -> MemoryIndex:
        """Read what ``save`` wrote; raise ``StaleIndexError`` if it must be rebuilt instead.

        Stale means: no or unreadable manifest, another format version, embedder,
        dimension or rules file, a missing or unreadable athlete file, a file whose note
        ids differ from the manifest's checksum, or (when ``expected_note_ids`` is given,
        from the notes table) an athlete whose note ids differ from the database's.

        An athlete whose saved index is not of the kind its size calls for (saved under
        another ``approximate_threshold``, or before approximate indexes existed) is
        converted here, which trains an inverted file: seconds for a very large athlete.
        """
        index = cls(embedder, rules=rules, approximate_threshold=approximate_threshold)
        manifest = index._read_manifest(directory)
        athletes: dict[int, _Athlete] = {}
        for athlete_id, entry in manifest.athletes.items():
            path = directory / entry.file
            if not path.is_file():
                raise StaleIndexError(f"the file {entry.file} of athlete {athlete_id} is missing")
            try:
                vectors: Any = faiss.read_index(str(path))
            except RuntimeError as exc:
                raise StaleIndexError(
                    f"the file {entry.file} of athlete {athlete_id} cannot be read ({exc})"
                ) from exc
            if not _readable_kind(vectors, index._embedder.dimension):
                raise StaleIndexError(
                    f"the file {entry.file} of athlete {athlete_id} is not a {index._embedder.dimension}-d "
                    "inner-product id map or inverted file"
                )
            if _is_approximate(vectors):
                vectors.nprobe = min(IVF_NPROBE, vectors.nlist)  # this code's setting, not the file's
            ids = _id_array(vectors)
            if len(ids) != entry.count or note_ids_checksum(ids) != entry.note_ids_sha256:
                raise StaleIndexError(
                    f"the file {entry.file} of athlete {athlete_id} does not hold the notes its manifest lists"
                )
            parts = {note_id: frozenset(p) for note_id, p in entry.body_parts.items()}
            athletes[athlete_id] = _Athlete(vectors, parts)
        if expected_note_ids is not None:
            _check_expected(manifest, expected_note_ids)
        index._reshape_all(athletes)  # files saved under another threshold, or before IVF existed
        index._athletes = athletes
        return index

    def _read_manifest(self, directory: Path) -> _Manifest:
        path = directory / MANIFEST_FILE_NAME
        try:
            manifest = _Manifest.model_validate_json(path.read_bytes())
        except FileNotFoundError as exc:
            raise StaleIndexError(f"there is no {MANIFEST_FILE_NAME} in {directory}") from exc
        except (OSError, ValidationError) as exc:
            raise StaleIndexError(f"{path} cannot be read ({exc.__class__.__name__})") from exc
        if manifest.format_version != INDEX_FORMAT_VERSION:
            raise StaleIndexError(
                f"it was written in format {manifest.format_version}, this code reads {INDEX_FORMAT_VERSION}"
            )
        if manifest.embedder_name != self._embedder.name or manifest.dimension != self._embedder.dimension:
            raise StaleIndexError(
                f"it was built with {manifest.embedder_name!r} ({manifest.dimension}-d), "
                f"the embedder now is {self._embedder.name!r} ({self._embedder.dimension}-d)"
            )
        if manifest.rules_sha256 != rules_checksum(self._rules):
            raise StaleIndexError(
                "the note rules changed since it was built, so its body-part tags may be wrong"
            )
        return manifest

    @classmethod
    def load_or_rebuild(
        cls,
        directory: Path,
        fetch_notes: Callable[[], Iterable[NoteRecord]],
        *,
        expected_note_ids: Mapping[int, Iterable[int]] | None = None,
        embedder: Embedder | None = None,
        rules: NoteRules | None = None,
        approximate_threshold: int = APPROXIMATE_INDEX_THRESHOLD,
    ) -> LoadResult:
        """Load the saved index, or rebuild it from ``fetch_notes()`` and save it if it is stale.

        ``fetch_notes`` is only called on a rebuild, so a fresh index costs no full table read.
        """
        try:
            index = cls.load(
                directory,
                embedder,
                rules=rules,
                expected_note_ids=expected_note_ids,
                approximate_threshold=approximate_threshold,
            )
            return LoadResult(index, None)
        except StaleIndexError as stale:
            index = cls(embedder, rules=rules, approximate_threshold=approximate_threshold)
            index.rebuild(fetch_notes())
            index.save(directory)
            return LoadResult(index, stale)


def _check_expected(manifest: _Manifest, expected_note_ids: Mapping[int, Iterable[int]]) -> None:
    expected = {athlete_id: list(ids) for athlete_id, ids in expected_note_ids.items()}
    for athlete_id in sorted(set(expected) | set(manifest.athletes)):
        ids = expected.get(athlete_id, [])
        entry = manifest.athletes.get(athlete_id)
        if entry is None:
            if ids:
                raise StaleIndexError(
                    f"athlete {athlete_id} has {len(ids)} notes in the database and none in the index"
                )
            continue
        if len(ids) != entry.count or note_ids_checksum(ids) != entry.note_ids_sha256:
            raise StaleIndexError(
                f"athlete {athlete_id} has {len(ids)} notes in the database and {entry.count} in the index, "
                "or as many but not the same ones"
            )


def _top(recalls: Iterable[Recall], k: int) -> list[Recall]:
    """Best first; ties by note id so results are reproducible."""
    return sorted(recalls, key=lambda r: (-r.similarity, r.note_id))[:k]
