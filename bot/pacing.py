"""Telegram's send limits, kept before a message leaves (so Telegram has no reason to say 429).

Telegram's Bot FAQ: no more than one message per second in a chat, 20 messages per minute in a
group, about 30 messages per second overall. The sender asks ``SendPacer.slot(chat_id)`` around
each ``sendMessage``/``sendDocument``:

- **per chat**: the next message to a chat starts at least ``per_chat_gap_s`` after the previous
  one *finished* (measured from the answer, so a slow request never lets two arrive closer);
- **per group** (a negative chat id): at most ``group_max`` messages started in any
  ``group_window_s`` window (a sliding window, stricter than a token bucket, which would let 40
  through in the first minute);
- **overall**: at most ``overall_max`` started in any ``overall_window_s`` window.

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
        self._starts: deque[float] = deque()

    def now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def ready_at(self, chat_id: int) -> float:
        """The earliest time a message to ``chat_id`` may start (now or later)."""
        now = self.now()
        at = max(now, self._chat_ready.get(chat_id, now))
        if self.overall_max > 0 and len(self._starts) >= self.overall_max:
            at = max(at, self._starts[-self.overall_max] + self.overall_window_s)
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
        self._starts.append(now)
        while len(self._starts) > max(self.overall_max, 1):
            self._starts.popleft()
        if is_group(chat_id):
            starts = self._group_starts.setdefault(chat_id, deque())
            starts.append(now)
            while len(starts) > max(self.group_max, 1):
                starts.popleft()
        try:
            yield
        finally:
            self._busy.discard(chat_id)
            self._chat_ready[chat_id] = self.now() + self.per_chat_gap_s
            if len(self._chat_ready) > 10_000:  # forget chats whose gap is long over
                cutoff = self.now()
                self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > cutoff}
