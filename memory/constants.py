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

INDEX_FORMAT_VERSION: Final = 1
"""Bump when the on-disk layout changes; an older manifest then reads as stale and is rebuilt."""

MANIFEST_FILE_NAME: Final = "manifest.json"
ATHLETE_FILE_PREFIX: Final = "athlete-"
ATHLETE_FILE_SUFFIX: Final = ".faiss"

YARD_M: Final = 0.9144
"""International yard in metres (1959 agreement): "25 yd pool" is 22.86 m."""
