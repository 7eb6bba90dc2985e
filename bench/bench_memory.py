"""Benchmark the memory: recall latency at 100,000 notes, embedding throughput, save and load.

Usage::

    .venv/bin/python bench/bench_memory.py               # 100,000 notes, ~70 s
    .venv/bin/python bench/bench_memory.py --notes 10000 --json bench-memory.json

The corpus is random unit vectors (embedding 100,000 notes would take ~5 minutes and an
exact flat index searches random vectors exactly as fast as real ones; an inverted file's
lists come out evenly filled on random vectors, real notes may cluster and make some
lists, and so some searches, longer); the queries are real sentences embedded by
all-MiniLM-L6-v2. At 100,000 notes the athlete is past ``APPROXIMATE_INDEX_THRESHOLD``,
so ``MemoryIndex`` searches them with an inverted file (IVF); the same corpus in an exact
index is measured beside it. Figures reported (``_exact`` for the exact index):

* search alone: ``MemoryIndex.search`` with the query embedding already cached;
* embed + search: the same with a query never seen before (what a new message costs);
* recall: ``MemoryIndex.recall`` (message + body-part queries, body-part tags scanned);
* batch: ``search_many`` with 32 queries at once (BLAS path);
* search alone for an athlete grown to 100,000 notes 10,000 at a time, whose inverted file
  was trained on the way (at 20,000 and 40,000 notes), not on all of them; the slowest
  batch add is the one that retrains;
* top-3 agreement: for queries with four planted near duplicates in the corpus (cosine
  ~0.97 to ~0.76), how often the approximate top 3 equals the exact top 3;
* remove one note (and add it back) on the approximate index;
* search alone and embed + search for realistic athletes of 1,000 and 10,000 notes (exact);
* embedding: sentences/s at batch 64 and single-sentence latency;
* build (adding the vectors, training included) and save / load of the 100,000-note index;
* by default torch and FAISS get one thread each (steadier on a busy CPU); ``--threads 0``
  leaves their own defaults, ``--threads N`` sets N.

Every latency has wall-clock p50/p95/mean and the process CPU time (``cpu_p50_ms``...):
on a shared machine a wall-clock outlier with a low CPU time was waiting for a core. The
load average is printed before and after: the figures are only as good as the CPU they got.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from memory import MemoryIndex, MiniLMEmbedder, NoteRecord
from memory.constants import APPROXIMATE_INDEX_THRESHOLD
from memory.embedder import Vectors

ATHLETE_ID = 1
DEFAULT_NOTES = 100_000
SEARCH_REPEATS = 300
SINGLE_EMBED_REPEATS = 100
EMBED_REPEATS = 100
THROUGHPUT_SENTENCES = 2_048
BATCH_QUERIES = 32
SMALL_ATHLETE_NOTES = 1_000
MEDIUM_ATHLETE_NOTES = 10_000
PLANTED_QUERIES = 200
PLANTED_NOISE = (0.25, 0.45, 0.65, 0.85)
"""Noise norms of the planted duplicates of each planted query: cosine 1/sqrt(1+s^2)."""
REMOVE_REPEATS = 50
GROWTH_BATCH = 10_000
GOAL_P95_MS = 10.0
"""The issue's goal: one search at 100,000 notes, p95. Embed + search is reported beside it;
embedding one sentence alone takes ~12-14 ms p95 on the 2-core box, so it cannot meet it."""

QUERIES = [
    "can I do hill repeats?",
    "knee pain on the descent",
    "how long is my pool?",
    "overhead press 5x5",
    "what time of day do I like to run?",
    "do I need a power meter?",
    "Swim: 10 x 100 m freestyle",
    "plan my long run this Sunday",
    "Track intervals 6 x 800 m",
    "Romanian deadlifts",
]
NOTE_TEMPLATES = [
    "My {side} knee hurts going downstairs after {n} km",
    "Only {n} minutes on weekdays this month",
    "I prefer running in the morning before work, around {n} am",
    "Felt great today, legs fresh after {n} hours of sleep",
    "I only have a {n} m pool near the office",
    "{side} shoulder felt tweaky on set {n} of the bench press",
]


class Samples(list[float]):
    """Wall-clock seconds of each repeat, with the process CPU seconds of each in ``cpu``."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: list[float] = []


def percentiles_ms(samples_s: list[float]) -> dict[str, float]:
    values = np.array(samples_s) * 1000.0
    report = {
        "p50_ms": round(float(np.percentile(values, 50)), 3),
        "p95_ms": round(float(np.percentile(values, 95)), 3),
        "mean_ms": round(float(values.mean()), 3),
    }
    if isinstance(samples_s, Samples):
        cpu = np.array(samples_s.cpu) * 1000.0
        report["cpu_p50_ms"] = round(float(np.percentile(cpu, 50)), 3)
        report["cpu_p95_ms"] = round(float(np.percentile(cpu, 95)), 3)
    return report


def timed(action: Callable[[], object], repeats: int) -> Samples:
    samples = Samples()
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        action()
        samples.append(time.perf_counter() - start)
        samples.cpu.append(time.process_time() - cpu)
    return samples


class PlantedQueries:
    """MiniLM, except that "planted query <i>" embeds as the i-th planted query vector."""

    def __init__(self, inner: MiniLMEmbedder, queries: Vectors) -> None:
        self.inner = inner
        self.queries = queries

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        if all(t.startswith("planted query ") for t in texts):
            return self.queries[[int(t.rsplit(" ", 1)[1]) for t in texts]]
        return self.inner.embed(texts)


def unit_rows(rows: np.ndarray) -> Vectors:
    return np.ascontiguousarray(rows / np.linalg.norm(rows, axis=1, keepdims=True), dtype=np.float32)


def planted_corpus(notes: int, dimension: int) -> tuple[Vectors, Vectors]:
    """Random unit vectors, with four near duplicates of each planted query among them."""
    generator = np.random.default_rng(0)
    vectors = unit_rows(generator.standard_normal((notes, dimension), dtype=np.float32))
    queries = unit_rows(generator.standard_normal((PLANTED_QUERIES, dimension), dtype=np.float32))
    if notes >= PLANTED_QUERIES * len(PLANTED_NOISE):
        rows = generator.choice(notes, size=(PLANTED_QUERIES, len(PLANTED_NOISE)), replace=False)
        scale = np.array(PLANTED_NOISE, dtype=np.float32)[:, None] / np.sqrt(dimension)
        for query, row in enumerate(rows):
            noise = generator.standard_normal((len(PLANTED_NOISE), dimension), dtype=np.float32)
            vectors[row] = unit_rows(queries[query] + scale * noise)
    return vectors, queries


def top3_agreement(approximate: MemoryIndex, approximate_id: int, exact: MemoryIndex, exact_id: int) -> float:
    """Share of planted queries whose top 3 by ``approximate`` equals the top 3 by ``exact``."""

    def top(index: MemoryIndex, athlete_id: int, query: int) -> list[int]:
        hits = index.search(athlete_id, f"planted query {query}", k=3, min_similarity=-1.0)
        return [h.note_id for h in hits]

    agree = [top(approximate, approximate_id, q) == top(exact, exact_id, q) for q in range(PLANTED_QUERIES)]
    return round(float(np.mean(agree)), 4)


def synthetic_notes(count: int) -> list[str]:
    return [
        NOTE_TEMPLATES[i % len(NOTE_TEMPLATES)].format(side="left" if i % 2 else "right", n=i % 97 + 3)
        for i in range(count)
    ]


def save_and_load(
    index: MemoryIndex, embedder: MiniLMEmbedder, threshold: int, suffix: str
) -> dict[str, Any]:
    """Median seconds of 3 saves and 3 loads (manifest and note-id checks included), and the size."""
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory)
        report[f"save_s{suffix}"] = round(statistics.median(timed(lambda: index.save(path), 3)), 3)
        report[f"index_file_mb{suffix}"] = round(sum(p.stat().st_size for p in path.iterdir()) / 2**20, 1)
        expected = {ATHLETE_ID: index.note_ids(ATHLETE_ID)}

        def load() -> object:
            return MemoryIndex.load(
                path, embedder, expected_note_ids=expected, approximate_threshold=threshold
            )

        report[f"load_s{suffix}"] = round(statistics.median(timed(load, 3)), 3)
    return report


def run(notes: int, threads: int | None) -> dict[str, Any]:
    report: dict[str, Any] = {
        "notes": notes,
        "threads": threads or "torch/FAISS defaults",
        "cpu_count": os.cpu_count(),
        "loadavg_before": os.getloadavg(),
    }

    start = time.perf_counter()
    embedder = MiniLMEmbedder(threads=threads)
    embedder.load()
    report["model_load_s"] = round(time.perf_counter() - start, 2)

    # Embedding throughput at batch 64, then one sentence at a time.
    texts = synthetic_notes(THROUGHPUT_SENTENCES)
    embedder.embed(texts[:64])  # warm-up
    start = time.perf_counter()
    embedder.embed(texts)
    report["embed_sentences_per_s_batch64"] = round(THROUGHPUT_SENTENCES / (time.perf_counter() - start), 1)
    singles = [f"{QUERIES[i % len(QUERIES)]} #{i}" for i in range(SINGLE_EMBED_REPEATS)]
    counter = iter(range(SINGLE_EMBED_REPEATS))
    report["embed_single"] = percentiles_ms(
        timed(lambda: embedder.embed([singles[next(counter)]]), len(singles))
    )

    # A 100,000-note athlete, plus a few real notes with body-part tags for recall.
    vectors, planted = planted_corpus(notes, embedder.dimension)
    queries = PlantedQueries(embedder, planted)
    real_notes = [NoteRecord(ATHLETE_ID, notes + i, text) for i, text in enumerate(synthetic_notes(12))]
    index = MemoryIndex(queries, search_threads=threads)
    start = time.perf_counter()
    cpu = time.process_time()
    index.add_vectors(ATHLETE_ID, list(range(notes)), vectors)
    index.add_many(real_notes)
    report["index_build_s"] = round(time.perf_counter() - start, 3)
    report["index_build_cpu_s"] = round(time.process_time() - cpu, 3)
    report["approximate_threshold"] = APPROXIMATE_INDEX_THRESHOLD
    report["index_kind"] = "approximate (IVF)" if index.is_approximate(ATHLETE_ID) else "exact (flat)"

    # The same athlete in an exact index, for comparison: never approximate.
    exact = MemoryIndex(queries, search_threads=threads, approximate_threshold=2 * notes + 100)
    start = time.perf_counter()
    exact.add_vectors(ATHLETE_ID, list(range(notes)), vectors)
    exact.add_many(real_notes)
    report["index_build_s_exact"] = round(time.perf_counter() - start, 3)

    for query in QUERIES:  # warm the query cache: "search alone" must not embed
        index.search(ATHLETE_ID, query)
        index.recall(ATHLETE_ID, query)
    cycle = iter(range(10**9))
    report["search_alone"] = percentiles_ms(
        timed(lambda: index.search(ATHLETE_ID, QUERIES[next(cycle) % len(QUERIES)]), SEARCH_REPEATS)
    )
    fresh = iter(range(10**9))
    report["embed_plus_search"] = percentiles_ms(
        timed(lambda: index.search(ATHLETE_ID, f"{QUERIES[0]} (message {next(fresh)})"), EMBED_REPEATS)
    )
    report["recall_cached_queries"] = percentiles_ms(
        timed(lambda: index.recall(ATHLETE_ID, QUERIES[next(cycle) % len(QUERIES)]), SEARCH_REPEATS)
    )
    report["recall_new_message"] = percentiles_ms(
        timed(lambda: index.recall(ATHLETE_ID, f"{QUERIES[0]} (message {next(fresh)})"), EMBED_REPEATS)
    )
    batch = [QUERIES[i % len(QUERIES)] for i in range(BATCH_QUERIES)]
    report[f"search_many_{BATCH_QUERIES}_cached"] = percentiles_ms(
        timed(lambda: index.search_many(ATHLETE_ID, batch), SEARCH_REPEATS // 10)
    )

    for query in QUERIES:
        exact.search(ATHLETE_ID, query)
    report["search_alone_exact"] = percentiles_ms(
        timed(lambda: exact.search(ATHLETE_ID, QUERIES[next(cycle) % len(QUERIES)]), SEARCH_REPEATS)
    )
    report["embed_plus_search_exact"] = percentiles_ms(
        timed(lambda: exact.search(ATHLETE_ID, f"{QUERIES[0]} (message {next(fresh)})"), EMBED_REPEATS)
    )
    if notes >= PLANTED_QUERIES * len(PLANTED_NOISE):
        report["top3_agreement_planted"] = top3_agreement(index, ATHLETE_ID, exact, ATHLETE_ID)

    removable = iter(range(REMOVE_REPEATS))

    def remove_and_restore() -> None:
        note_id = next(removable) * (notes // REMOVE_REPEATS)
        index.remove(ATHLETE_ID, note_id)
        index.add_vectors(ATHLETE_ID, [note_id], vectors[note_id : note_id + 1])

    report["remove_and_add_back_one"] = percentiles_ms(timed(remove_and_restore, REMOVE_REPEATS))

    # An athlete grown batch by batch: its inverted file is trained on the way, when it crosses
    # the threshold and again when its size calls for twice the lists, not once on all notes.
    if notes > APPROXIMATE_INDEX_THRESHOLD:
        grown = MemoryIndex(queries, search_threads=threads)
        growth: list[float] = []
        for first in range(0, notes, GROWTH_BATCH):
            last = min(first + GROWTH_BATCH, notes)
            start = time.perf_counter()
            grown.add_vectors(ATHLETE_ID + 3, list(range(first, last)), vectors[first:last])
            growth.append(time.perf_counter() - start)
        report["grown_batch_add_s_max"] = round(max(growth), 3)
        for query in QUERIES:
            grown.search(ATHLETE_ID + 3, query)
        report["search_alone_grown"] = percentiles_ms(
            timed(lambda: grown.search(ATHLETE_ID + 3, QUERIES[next(cycle) % len(QUERIES)]), SEARCH_REPEATS)
        )
        if notes >= PLANTED_QUERIES * len(PLANTED_NOISE):
            report["top3_agreement_planted_grown"] = top3_agreement(grown, ATHLETE_ID + 3, exact, ATHLETE_ID)
        del grown

    # Realistic athletes: a few hundred to a few thousand notes.
    for size, athlete_id in ((SMALL_ATHLETE_NOTES, ATHLETE_ID + 1), (MEDIUM_ATHLETE_NOTES, ATHLETE_ID + 2)):
        if size > notes:
            continue
        index.add_vectors(athlete_id, list(range(size)), vectors[:size])
        for query in QUERIES:
            index.search(athlete_id, query)

        def cached(athlete: int = athlete_id) -> object:
            return index.search(athlete, QUERIES[next(cycle) % len(QUERIES)])

        def new_message(athlete: int = athlete_id) -> object:
            return index.search(athlete, f"{QUERIES[1]} (message {next(fresh)})")

        report[f"search_alone_{size}_notes"] = percentiles_ms(timed(cached, SEARCH_REPEATS))
        report[f"embed_plus_search_{size}_notes"] = percentiles_ms(timed(new_message, EMBED_REPEATS))
    index.remove_athlete(ATHLETE_ID + 1)
    index.remove_athlete(ATHLETE_ID + 2)

    report.update(save_and_load(index, embedder, APPROXIMATE_INDEX_THRESHOLD, ""))
    report.update(save_and_load(exact, embedder, 2 * notes + 100, "_exact"))
    report["loadavg_after"] = os.getloadavg()
    report["goal_p95_search_met"] = report["search_alone"]["p95_ms"] <= GOAL_P95_MS
    report["goal_p95_embed_plus_search_met"] = report["embed_plus_search"]["p95_ms"] <= GOAL_P95_MS
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=DEFAULT_NOTES, help="notes for the one athlete")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch and FAISS threads; 0 leaves their own defaults (default 1)",
    )
    parser.add_argument("--json", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    report = run(args.notes, args.threads or None)
    for key, value in report.items():
        print(f"{key:32s} {value}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
