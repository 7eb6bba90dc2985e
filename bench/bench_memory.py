"""Benchmark the memory: recall latency at 100,000 notes, embedding throughput, save and load.

Usage::

    .venv/bin/python bench/bench_memory.py               # 100,000 notes, ~1 minute
    .venv/bin/python bench/bench_memory.py --notes 10000 --json bench-memory.json

The corpus is random unit vectors (embedding 100,000 notes would take ~5 minutes and an
exact flat index searches random vectors exactly as fast as real ones); the queries are
real sentences embedded by all-MiniLM-L6-v2. Figures reported:

* search alone: ``MemoryIndex.search`` with the query embedding already cached;
* embed + search: the same with a query never seen before (what a new message costs);
* recall: ``MemoryIndex.recall`` (message + body-part queries, body-part tags scanned);
* batch: ``search_many`` with 32 queries at once (BLAS path);
* search alone and embed + search for realistic athletes of 1,000 and 10,000 notes;
* embedding: sentences/s at batch 64 and single-sentence latency;
* by default torch and FAISS get one thread each (steadier on a busy CPU); ``--threads 0``
  leaves their own defaults, ``--threads N`` sets N;
* save / load of the 100,000-note index.

The load average is printed before and after: on a shared machine the latency figures
are only as good as the CPU they got.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from memory import MemoryIndex, MiniLMEmbedder, NoteRecord

ATHLETE_ID = 1
DEFAULT_NOTES = 100_000
SEARCH_REPEATS = 300
SINGLE_EMBED_REPEATS = 100
EMBED_REPEATS = 100
THROUGHPUT_SENTENCES = 2_048
BATCH_QUERIES = 32
SMALL_ATHLETE_NOTES = 1_000
MEDIUM_ATHLETE_NOTES = 10_000
GOAL_P95_MS = 10.0
"""The brief's goal for one recall, embedding included."""

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


def percentiles_ms(samples_s: list[float]) -> dict[str, float]:
    values = np.array(samples_s) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 3),
        "p95_ms": round(float(np.percentile(values, 95)), 3),
        "mean_ms": round(float(values.mean()), 3),
    }


def timed(action: Callable[[], object], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def synthetic_notes(count: int) -> list[str]:
    return [
        NOTE_TEMPLATES[i % len(NOTE_TEMPLATES)].format(side="left" if i % 2 else "right", n=i % 97 + 3)
        for i in range(count)
    ]


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
    generator = np.random.default_rng(0)
    vectors = generator.standard_normal((notes, embedder.dimension), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = MemoryIndex(embedder, search_threads=threads)
    start = time.perf_counter()
    index.add_vectors(ATHLETE_ID, list(range(notes)), vectors)
    index.add_many(NoteRecord(ATHLETE_ID, notes + i, text) for i, text in enumerate(synthetic_notes(12)))
    report["index_build_s"] = round(time.perf_counter() - start, 3)

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

    # Realistic athletes: a few hundred to a few thousand notes.
    for size, athlete_id in ((SMALL_ATHLETE_NOTES, ATHLETE_ID + 1), (MEDIUM_ATHLETE_NOTES, ATHLETE_ID + 2)):
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

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory)
        report["save_s"] = round(statistics.median(timed(lambda: index.save(path), 3)), 3)
        report["index_file_mb"] = round(sum(p.stat().st_size for p in path.iterdir()) / 2**20, 1)
        expected = {ATHLETE_ID: index.note_ids(ATHLETE_ID)}
        report["load_s"] = round(
            statistics.median(timed(lambda: MemoryIndex.load(path, embedder, expected_note_ids=expected), 3)),
            3,
        )
    report["loadavg_after"] = os.getloadavg()
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
