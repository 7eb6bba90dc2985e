"""Every sharp number of the memory package, in one place.

Why one module: the recall threshold, the batch size and the file names are decisions
someone will want to revisit with data; they should not have to hunt through the code.
"""

from __future__ import annotations

from typing import Final

MINILM_NAME: Final = "sentence-transformers/all-MiniLM-L6-v2"
"""Recorded in the index manifest so vectors from another model are never mixed in."""

MINILM_DIMENSION: Final = 384
"""all-MiniLM-L6-v2 output size (its ``1_Pooling/config.json``); checked against the model once loaded."""

EMBED_BATCH_SIZE: Final = 64
"""Sentences per ``encode`` call: ~370 sentences/s on the 2-core box (363 in ``bench/bench_memory.py``)."""

DEFAULT_TORCH_THREADS: Final = 1
"""Torch threads for MiniLM. One sentence is too small to split; extra threads only contend.

Measured on the shared 2-core box: one sentence took 13-20 ms with 1 thread, and 9 ms
(idle) to 700 ms (busy) with 2; the test suite ran in 10 s instead of 31 s. Batch
throughput drops (about 300 instead of up to 760 sentences/s): pass ``threads=None`` to
``MiniLMEmbedder`` for a bulk rebuild on a dedicated machine.
"""

DEFAULT_TOP_K: Final = 3
"""The memory-chain RAG of seed 004 feeds the model the top 3 notes; more dilutes the prompt."""

DEFAULT_MIN_SIMILARITY: Final = 0.45
"""Cosine similarity a note needs to be recalled by meaning, chosen on MiniLM, not copied from seed 004.

Seed 004 uses 0.60 for OpenAI text-embedding-3-small; MiniLM spreads scores differently.
On the labelled pairs in ``tests/memory/test_recall_minilm.py`` every relevant pair scores
>= 0.545 and every unrelated one <= 0.369 ("treadmill only" / "indoor trainer ride"; pain
notes about different body parts reach 0.356), so 0.45 sits in the middle of the gap, and
the test keeps a 0.05 margin on both sides. Notes recalled by body part ("hill repeats" ->
a knee note) do not need it: see ``memory.recall``. Re-run that test and move this number
if the model or the style of notes changes.
"""

HASHING_DIMENSION: Final = 512
"""Width of the test-only hashing embedder: wide enough that trigram collisions are rare."""

QUERY_CACHE_SIZE: Final = 1024
"""Query embeddings kept in memory; recall expansions ("knee pain") repeat across sessions."""

FAISS_BLAS_THRESHOLD: Final = 20
"""Batches of at least this many queries go through BLAS (faster than FAISS's scalar loop)."""

APPROXIMATE_INDEX_THRESHOLD: Final = 20_000
"""Notes from which an athlete's exact index becomes an approximate one (IVF, below).

Why 20,000: exact search costs one dot product per note and stops fitting in the CPU
cache somewhere past that. One search took, on the shared 2-core box with one thread,
0.6 ms at 10,000 notes, 1.3 ms at 20,000, 2.2 ms at 30,000, 5.1 ms at 40,000 (idle) and
30-56 ms p50 at 100,000 (loaded); the IVF index answers 100,000 in ~1-2 ms. Below 20,000
exact search is well inside the 10 ms goal and costs no training, so real athletes (tens
to hundreds of notes) keep exact results. An approximate index goes back to exact below
half this many notes, so an athlete hovering around the line does not retrain each time.
"""

IVF_LISTS_PER_SQRT_NOTE: Final = 4
"""Inverted lists per square root of the notes: FAISS's guideline is 4*sqrt(N) to 16*sqrt(N).

https://github.com/facebookresearch/faiss/wiki/Guidelines-to-choose-an-index ("if below
1M vectors: IVFK ... K between 4*sqrt(N) and 16*sqrt(N)"); the low end keeps k-means
training cheap (0.7 s at 20,000 notes, 512 lists). Rounded to a power of two, and capped
so each list gets ``IVF_MIN_POINTS_PER_LIST`` training vectors.
"""

IVF_MIN_POINTS_PER_LIST: Final = 39
"""FAISS k-means warns below 39 training points per centroid (``ClusteringParameters.min_points_per_centroid``)."""

IVF_NPROBE: Final = 64
"""Inverted lists scanned per query: FAISS's speed/accuracy knob (wiki: "Faster search", ``nprobe``).

Measured on 100,000 random unit 384-d vectors with 300 planted queries (three near
duplicates each, cosine ~0.96/0.89/0.82), one thread, 1,024 lists (what 100,000 notes
get): nprobe 16/32/64/128 found the exact top 3 for 97-99 % / 98-99 % / 99-100 % / 100 %
of queries at p95 0.35 / 0.6 / 1.0-1.1 / 1.8 ms. With 512 lists (longer lists, as just
before a retrain) 64 still found 99.7 % at 2.1 ms; on 20,000-30,000 notes (512 lists) every
nprobe from 16 up found all of them. ``bench/bench_memory.py`` checks it end to end. A
fixed nprobe makes a search cost ``lists + nprobe * N / lists``, about 20 * sqrt(N) dot
products, so it grows much slower than exact search's N.
"""

INDEX_FORMAT_VERSION: Final = 1
"""Bump when the on-disk layout changes; an older manifest then reads as stale and is rebuilt.

Athlete files hold either an ``IndexIDMap2`` over ``IndexFlatIP`` (exact) or an
``IndexIVFFlat`` (approximate). Files written before approximate indexes existed are all
of the first kind and still read correctly (an athlete past the threshold is converted on
load), so adding the second kind did not need a bump; code that only knows the first kind
reports the second as stale and rebuilds.
"""

MANIFEST_FILE_NAME: Final = "manifest.json"
ATHLETE_FILE_PREFIX: Final = "athlete-"
ATHLETE_FILE_SUFFIX: Final = ".faiss"

YARD_M: Final = 0.9144
"""International yard in metres (1959 agreement): "25 yd pool" is 22.86 m."""
