"""Telegram's send limits, kept before a message leaves (so Telegram has no reason to say 429).

Telegram's Bot FAQ: no more than one message per second in a chat, 20 messages per minute in a
group, about 30 messages per second overall. The sender asks ``SendPacer.slot(chat_id)`` around
each ``sendMessage``/``sendDocument``:

- **per chat**: the next message to a chat starts at least ``per_chat_gap_s`` after the previous
  one *finished* (measured from the answer, so a slow request never lets two arrive closer);
- **per group** (a negative chat id): at most ``group_max`` messages started in any
  ``group_window_s`` window (a sliding window, stricter than a token bucket, which would let 40
  through in the first minute);
- **overall**: at most ``overall_max`` messages in any ``overall_window_s`` window, each counted
  from its *answer* (a send still on the wire counts as now), plus ``OVERALL_MARGIN_S``: Telegram
  counts a message when it arrives, somewhere between our start and its answer, so HTTP jitter
  could bunch into one of Telegram's windows messages we started a window apart (each such 429
  holds a chat for a second); counted from the answer they never are. And starts are spread at
  least ``overall_window_s / overall_max / OVERALL_SPREAD`` apart (no burst of 30 at once queueing
  on the wire; half the average gap, so a late start can be caught up).

One pacer per process: two processes share Telegram's overall limit without knowing of each
other (a 429 there is still honoured: the chat is held in the database). The clock and the sleep
are injectable so the limits can be checked on a virtual clock.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

PER_CHAT_GAP_S = 1.0
GROUP_MAX = 20
GROUP_WINDOW_S = 60.0
OVERALL_MAX = 30
OVERALL_WINDOW_S = 1.0
OVERALL_MARGIN_S = 0.005
"""Added to the overall window: clock granularity (Redis keeps milliseconds) and sleep rounding."""
OVERALL_SPREAD = 2
"""Starts are at least ``overall_window_s / overall_max / OVERALL_SPREAD`` apart: spread, with room to catch up."""


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive ones."""
    return chat_id < 0


class SendPacer:
    def __init__(
        self, *, per_chat_gap_s: float = PER_CHAT_GAP_S, group_max: int = GROUP_MAX, group_window_s: float = GROUP_WINDOW_S,
        overall_max: int = OVERALL_MAX, overall_window_s: float = OVERALL_WINDOW_S,
        clock: Callable[[], float] | None = None, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_chat_gap_s = per_chat_gap_s
        self.group_max = group_max
        self.group_window_s = group_window_s
        self.overall_max = overall_max
        self.overall_window_s = overall_window_s
        self._clock = clock
        self._sleep = sleep
        self._chat_ready: dict[int, float] = {}
        self._busy: set[int] = set()
        self._group_starts: dict[int, deque[float]] = {}
        self._last_start: float | None = None
        self._in_flight = 0
        self._answers: deque[float] = deque()
        """When the last ``overall_max`` answered sends were answered (oldest first)."""

    def now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def ready_at(self, chat_id: int) -> float:
        """The earliest time a message to ``chat_id`` may start (now or later)."""
        now = self.now()
        at = max(now, self._chat_ready.get(chat_id, now))
        if self.overall_max > 0:
            window = self.overall_window_s + OVERALL_MARGIN_S
            answered = self.overall_max - self._in_flight  # answers that may still lie in the window, plus one
            if answered <= 0:  # every slot is on the wire: the first to be answered holds its slot a window longer
                at = max(at, now + window)
            elif len(self._answers) >= answered:
                at = max(at, self._answers[-answered] + window)
            if self._last_start is not None:
                at = max(at, self._last_start + self.overall_window_s / self.overall_max / OVERALL_SPREAD)
        groups = self._group_starts.get(chat_id)
        if is_group(chat_id) and self.group_max > 0 and groups is not None and len(groups) >= self.group_max:
            at = max(at, groups[-self.group_max] + self.group_window_s)
        return at

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Wait until a message to ``chat_id`` may go, then hold the chat while it is sent."""
        while True:
            if chat_id in self._busy:  # another message to this chat is on the wire: wait for it
                await self._sleep(min(self.per_chat_gap_s, 0.05) or 0.01)
                continue
            at = self.ready_at(chat_id)
            now = self.now()
            if at <= now:
                break
            await self._sleep(at - now)
        # No await between the check and the reservation: the slot is ours.
        self._busy.add(chat_id)
        self._in_flight += 1
        self._last_start = now
        if is_group(chat_id):
            starts = self._group_starts.setdefault(chat_id, deque())
            starts.append(now)
            while len(starts) > max(self.group_max, 1):
                starts.popleft()
        try:
            yield
        finally:
            self._busy.discard(chat_id)
            self._in_flight -= 1
            self._answers.append(self.now())
            while len(self._answers) > max(self.overall_max, 1):
                self._answers.popleft()
            self._chat_ready[chat_id] = self.now() + self.per_chat_gap_s
            if len(self._chat_ready) > 10_000:  # forget chats whose gap is long over
                cutoff = self.now()
                self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > cutoff}
