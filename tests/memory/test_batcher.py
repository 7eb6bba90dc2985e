"""The embedding micro-batcher: concurrent callers share ``embed`` calls and each gets its own row.

A gated fake embedder holds a batch in its worker thread until the test opens the gate, so what
queues behind it, and what is cancelled meanwhile, is decided by the test, never by timing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from memory.batcher import EmbedBatcher
from memory.embedder import HashingEmbedder

WAIT_S = 20.0
"""A bound on awaits that must finish: far above anything that happens here, never reached."""


class GatedEmbedder:
    """Hashing vectors; each call waits for ``gate`` (open unless a test closes it) and is recorded.
    A text containing "bad" makes its whole call fail, as a model can fail on one input."""

    def __init__(self) -> None:
        self.inner = HashingEmbedder()
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.batches: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.batches.append(list(texts))
        self.entered.set()
        if not self.gate.wait(WAIT_S):
            raise RuntimeError("the test never opened the gate")
        if any("bad" in text for text in texts):
            raise ValueError("cannot embed a bad text")
        return self.inner.embed(texts)

    def alone(self, text: str) -> NDArray[np.float32]:
        return self.inner.embed([text])[0]


async def _entered(embedder: GatedEmbedder) -> None:
    """Until a call is inside the embedder (its worker thread)."""
    assert await asyncio.to_thread(embedder.entered.wait, WAIT_S)
    embedder.entered.clear()


async def _queued(batcher: EmbedBatcher, count: int) -> None:
    """Until ``count`` texts wait behind the running batch."""
    for _ in range(10_000):
        if len(batcher._pending) >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{count} texts never queued")


async def test_each_caller_gets_the_row_of_its_own_text() -> None:
    embedder = GatedEmbedder()
    batcher = EmbedBatcher(embedder.embed, max_batch=8)
    texts = [f"message number {i} about a {word} run" for i, word in enumerate(["easy", "long", "tempo"] * 7)]
    rows = await asyncio.wait_for(asyncio.gather(*(batcher.embed(text) for text in texts)), WAIT_S)
    for text, row in zip(texts, rows, strict=True):
        np.testing.assert_array_equal(row, embedder.alone(text))
    assert sorted(t for batch in embedder.batches for t in batch) == sorted(texts)  # each text embedded once
    assert batcher.calls == len(embedder.batches) < len(texts)  # shared calls
    assert max(len(batch) for batch in embedder.batches) <= 8


async def test_texts_arriving_during_a_batch_go_together_in_the_next() -> None:
    embedder = GatedEmbedder()
    embedder.gate.clear()
    batcher = EmbedBatcher(embedder.embed, max_batch=16)
    first = asyncio.ensure_future(batcher.embed("first"))
    await _entered(embedder)  # "first" alone is being embedded
    later = [asyncio.ensure_future(batcher.embed(f"later {i}")) for i in range(5)]
    await _queued(batcher, 5)
    embedder.gate.set()
    await asyncio.wait_for(asyncio.gather(first, *later), WAIT_S)
    assert embedder.batches == [["first"], [f"later {i}" for i in range(5)]]
    np.testing.assert_array_equal(later[3].result(), embedder.alone("later 3"))


async def test_a_lone_text_goes_at_once_with_no_window() -> None:
    embedder = GatedEmbedder()
    batcher = EmbedBatcher(embedder.embed)  # window_s 0: one pass of the event loop
    row = await asyncio.wait_for(batcher.embed("alone"), WAIT_S)
    np.testing.assert_array_equal(row, embedder.alone("alone"))
    assert embedder.batches == [["alone"]]


async def test_a_full_batch_does_not_wait_for_the_window() -> None:
    embedder = GatedEmbedder()
    batcher = EmbedBatcher(embedder.embed, max_batch=3, window_s=3600.0)  # an hour: only a full batch ends it
    rows = await asyncio.wait_for(asyncio.gather(*(batcher.embed(t) for t in ("a b", "c d", "e f"))), WAIT_S)
    assert len(rows) == 3
    assert embedder.batches == [["a b", "c d", "e f"]]


async def test_an_error_fails_only_the_callers_whose_text_fails() -> None:
    embedder = GatedEmbedder()
    embedder.gate.clear()
    batcher = EmbedBatcher(embedder.embed)
    first = asyncio.ensure_future(batcher.embed("warm up"))
    await _entered(embedder)
    texts = ["knee is fine", "a bad one", "long run sunday"]
    calls = [asyncio.ensure_future(batcher.embed(text)) for text in texts]
    await _queued(batcher, 3)
    embedder.gate.set()
    results = await asyncio.wait_for(asyncio.gather(first, *calls, return_exceptions=True), WAIT_S)
    assert isinstance(results[2], ValueError)
    for text, result in zip(
        ["warm up", "knee is fine", "long run sunday"], [results[0], results[1], results[3]], strict=True
    ):
        np.testing.assert_array_equal(result, embedder.alone(text))
    assert embedder.batches[1] == texts  # the batch failed, then each text was tried alone
    again = await asyncio.wait_for(batcher.embed("after the error"), WAIT_S)  # the batcher goes on
    np.testing.assert_array_equal(again, embedder.alone("after the error"))


async def test_an_embedder_that_is_down_fails_every_caller() -> None:
    def down(texts: Sequence[str]) -> NDArray[np.float32]:
        raise RuntimeError("model missing")

    batcher = EmbedBatcher(down)
    results = await asyncio.wait_for(
        asyncio.gather(*(batcher.embed(t) for t in ("one", "two")), return_exceptions=True), WAIT_S
    )
    assert all(isinstance(r, RuntimeError) for r in results)


async def test_a_caller_cancelled_before_its_batch_is_left_out() -> None:
    embedder = GatedEmbedder()
    embedder.gate.clear()
    batcher = EmbedBatcher(embedder.embed)
    first = asyncio.ensure_future(batcher.embed("first"))
    await _entered(embedder)
    kept = asyncio.ensure_future(batcher.embed("kept"))
    dropped = asyncio.ensure_future(batcher.embed("dropped"))
    await _queued(batcher, 2)
    dropped.cancel()
    embedder.gate.set()
    await asyncio.wait_for(asyncio.gather(first, kept), WAIT_S)
    assert dropped.cancelled()
    assert embedder.batches == [["first"], ["kept"]]


async def test_a_caller_cancelled_during_its_batch_does_not_disturb_the_others() -> None:
    embedder = GatedEmbedder()
    embedder.gate.clear()
    batcher = EmbedBatcher(embedder.embed)
    calls = [asyncio.ensure_future(batcher.embed(t)) for t in ("stays", "goes", "stays too")]
    await _entered(embedder)  # all three are in the running batch
    calls[1].cancel()
    embedder.gate.set()
    results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), WAIT_S)
    assert isinstance(results[1], asyncio.CancelledError)
    np.testing.assert_array_equal(results[0], embedder.alone("stays"))
    np.testing.assert_array_equal(results[2], embedder.alone("stays too"))
    np.testing.assert_array_equal(
        await asyncio.wait_for(batcher.embed("next"), WAIT_S), embedder.alone("next")
    )


async def test_cancelling_the_batcher_task_cancels_its_callers_instead_of_leaving_them_waiting() -> None:
    embedder = GatedEmbedder()
    embedder.gate.clear()
    batcher = EmbedBatcher(embedder.embed)
    running = asyncio.ensure_future(batcher.embed("running"))
    await _entered(embedder)
    queued = asyncio.ensure_future(batcher.embed("queued"))
    await _queued(batcher, 1)
    assert batcher._worker is not None
    batcher._worker.cancel()  # what the event loop does to its tasks when it closes
    results = await asyncio.wait_for(asyncio.gather(running, queued, return_exceptions=True), WAIT_S)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
    embedder.gate.set()  # the worker thread finishes; its rows are not wanted
    np.testing.assert_array_equal(
        await asyncio.wait_for(batcher.embed("later"), WAIT_S), embedder.alone("later")
    )


def test_one_batcher_serves_one_event_loop_after_another() -> None:
    embedder = GatedEmbedder()
    batcher = EmbedBatcher(embedder.embed)
    for text in ("first loop", "second loop"):
        row = asyncio.run(asyncio.wait_for(batcher.embed(text), WAIT_S))
        np.testing.assert_array_equal(row, embedder.alone(text))


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        EmbedBatcher(HashingEmbedder().embed, max_batch=0)
    with pytest.raises(ValueError, match="window_s"):
        EmbedBatcher(HashingEmbedder().embed, window_s=-1.0)
