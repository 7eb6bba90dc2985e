"""Embed texts from concurrent callers together: one ``embed`` call for many messages.

MiniLM costs about 16-19 ms of CPU for one short message on the shared 2-core box, and about
5.5 ms per message in a batch of 8 or more (the model's fixed cost per call is shared), so
when many athletes write at once, embedding their messages one by one wastes two thirds of the
CPU. ``EmbedBatcher`` sits in front of an embedder inside one asyncio event loop:

* a caller awaits ``embed(text)`` and gets its own row back;
* an idle batcher sends a text on after one pass of the event loop (plus up to ``window_s``,
  0 by default, cut short once ``max_batch`` texts wait): a message alone is not held back;
* while a batch is being embedded (in a worker thread, so the loop runs on), new texts queue;
  when it ends they go together, at most ``max_batch`` at a time. Under load batches form by
  themselves, with no timer to tune;
* a batch that fails is tried again one text at a time, so an error reaches only the callers
  whose text fails (and, for an embedder that is down, every caller gets its error);
* a caller cancelled while waiting is dropped from its batch, or its row is thrown away if the
  batch had started; the others are not disturbed. Cancelling the batcher's own task (the loop
  shutting down) cancels the callers it was serving, so nobody waits forever.

Rows can differ from one-at-a-time embedding in the last float digits (texts in a batch are
padded to the longest; the attention mask keeps the padding out of the mean).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Sequence
from typing import Final

import numpy as np
from numpy.typing import NDArray

DEFAULT_MAX_BATCH: Final = 16
"""Texts per ``embed`` call at most. Measured on the shared 2-core box with MiniLM and one torch
thread (short chat messages, CPU per text): 1 alone 16-19 ms, 8 together 6.0, 16 together 5.4,
32 together 5.4, 64 together 5.2. Past 16 the saving is nil while a batch takes longer (~130 ms
for 16, ~260 ms for 32) and every text in it waits for the whole batch."""

DEFAULT_WINDOW_S: Final = 0.0
"""How long an idle batcher waits for company before sending a text on (besides one pass of
the event loop, which lets texts sent at the same moment go together). 0: under load, texts
gather while the previous batch is embedded, and a text alone should not wait."""

EmbedFunction = Callable[[Sequence[str]], NDArray[np.float32]]
"""Texts in, one row per text out (``memory.embedder.Embedder.embed``)."""


class EmbedBatcher:
    """Batches ``embed`` calls of one event loop; see the module docstring."""

    def __init__(
        self, embed: EmbedFunction, *, max_batch: int = DEFAULT_MAX_BATCH, window_s: float = DEFAULT_WINDOW_S
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        if window_s < 0:
            raise ValueError("window_s must not be negative")
        self._embed = embed
        self.max_batch = max_batch
        self.window_s = window_s
        self._pending: deque[tuple[str, asyncio.Future[NDArray[np.float32]]]] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._full = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.calls = 0
        """``embed`` calls made so far (batches, plus the one-by-one retries of a failed batch)."""
        self.largest_batch = 0
        """The most texts one call embedded (for tests and the benchmark)."""

    async def embed(self, text: str) -> NDArray[np.float32]:
        """The vector of ``text`` (1-D), embedded together with whatever else is waiting."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (tests, one asyncio.run per bench brain): start afresh
            self._loop, self._pending, self._worker = loop, deque(), None
        future: asyncio.Future[NDArray[np.float32]] = loop.create_future()
        self._pending.append((text, future))
        if self._worker is None or self._worker.done():
            self._full = asyncio.Event()
            self._worker = loop.create_task(self._drain())
        if len(self._pending) >= self.max_batch:
            self._full.set()
        return await future

    async def _drain(self) -> None:
        batch: list[tuple[str, asyncio.Future[NDArray[np.float32]]]] = []
        try:
            # One pass of the loop at least, so that callers of this moment join; then up to
            # window_s more, unless max_batch texts are already waiting.
            await asyncio.sleep(0)
            if self.window_s > 0 and len(self._pending) < self.max_batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), self.window_s)
            while self._pending:
                batch = []
                while self._pending and len(batch) < self.max_batch:
                    text, future = self._pending.popleft()
                    if not future.done():  # a caller cancelled before its batch began is left out
                        batch.append((text, future))
                if batch:
                    await self._run(batch)
        except BaseException as error:  # cancelled (the loop closing), or a bug: nobody is left waiting
            for _, future in [*batch, *self._pending]:
                if isinstance(error, asyncio.CancelledError) or not isinstance(error, Exception):
                    future.cancel()
                else:
                    _settle(future, error=error)
            self._pending.clear()
            raise

    async def _run(self, batch: list[tuple[str, asyncio.Future[NDArray[np.float32]]]]) -> None:
        batch = [item for item in batch if not item[1].done()]
        if not batch:
            return
        texts = [text for text, _ in batch]
        try:
            rows = await self._call(texts)
        except Exception as error:  # handed to the callers, one by one if there are several
            if len(batch) == 1:
                _settle(batch[0][1], error=error)
                return
            for item in batch:  # which text failed? each caller gets its own outcome
                await self._run([item])
            return
        for (_, future), row in zip(batch, rows, strict=True):
            _settle(future, row=np.asarray(row, dtype=np.float32).reshape(-1))

    async def _call(self, texts: list[str]) -> NDArray[np.float32]:
        self.calls += 1
        self.largest_batch = max(self.largest_batch, len(texts))
        rows = await asyncio.to_thread(self._embed, texts)
        if len(rows) != len(texts):
            raise ValueError(f"the embedder returned {len(rows)} rows for {len(texts)} texts")
        return rows


def _settle(
    future: asyncio.Future[NDArray[np.float32]],
    *,
    row: NDArray[np.float32] | None = None,
    error: Exception | None = None,
) -> None:
    if future.done():  # its caller was cancelled while the batch ran: the row is not wanted
        return
    if error is not None:
        future.set_exception(error)
    else:
        assert row is not None
        future.set_result(row)
