"""One send budget for every bot process: Telegram's limits kept in Redis (``REDIS_URL``).

``SendPacer`` (``bot/pacing.py``) keeps Telegram's limits per process; two bot processes (or a
bot and a worker that sends) would each allow 30 messages a second. ``RedisSendPacer`` keeps the
same three limits, with the same ``slot(chat_id)`` interface, in Redis, so all processes share
them (Telegram's Bot FAQ: about 30 messages per second per bot, one per second per chat, 20 per
minute per group):

- **overall**: a sorted set of sends (score: Redis's own clock, ``TIME``, so the processes'
  clocks never disagree): a send on the wire is scored in the future (``IN_FLIGHT_LEASE_S``), an
  answered one at its answer; a slot is granted only while fewer than ``overall_max`` of them
  lie in the last ``overall_window_s`` + ``OVERALL_MARGIN_S``, and at least
  ``overall_window_s / overall_max / OVERALL_SPREAD`` after the previous start (the same rule as ``SendPacer``:
  counted from the answer, HTTP jitter cannot bunch them into one of Telegram's windows);
- **per group**: the same, per negative chat id, ``group_max`` per ``group_window_s``;
- **per chat**: a chat is held (a key with a lease, so a crashed process frees it) while a message
  to it is on the wire, and its next message starts ``per_chat_gap_s`` after the previous one
  finished.

Checking and reserving is one Lua script (atomic in Redis): two processes never both take the
last slot. When Redis cannot be reached, the pacer says so once in the log and paces in-process
(``SendPacer``, which it extends) until it can again: messages keep going, at worst at one process's budget each.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from bot.pacing import (
    GROUP_MAX,
    GROUP_WINDOW_S,
    OVERALL_MARGIN_S,
    OVERALL_MAX,
    OVERALL_SPREAD,
    OVERALL_WINDOW_S,
    PER_CHAT_GAP_S,
    SendPacer,
    is_group,
)

log = logging.getLogger(__name__)

PREFIX = "coach:pace"
BUSY_LEASE_S = 60.0
"""A chat held by a process that died mid-send is free again after this (a send takes well under)."""
IN_FLIGHT_LEASE_S = 30.0
"""A send on the wire holds its overall slot until answered, or this long if its process died."""
REDIS_CALLS_IN_FLIGHT = 16
"""Script calls one pacer makes at once. A sender has up to 100 chats waiting for a slot; without
a bound they took every connection of redis-py's pool (100 by default), the calls past it raised
``MaxConnectionsError`` and the pacer fell back to pacing its process alone: two processes then
sent 2 x 30/s and Telegram answered hundreds of 429s."""
MAX_WAIT_STEP_S = 0.25
"""Waits are re-checked at least this often (another process may free a slot sooner)."""

# KEYS: overall zset, chat busy key, chat ready key, group zset (or "" for a private chat), last overall start
# ARGV: member, overall_max, overall_window_ms (margin included), group_max, group_window_ms, busy_lease_ms,
#       in_flight_lease_ms, overall spacing in microseconds
# Returns {0, granted_at_ms, 0} or {wait_ms, now_ms, chat_wait_ms} (chat_wait_ms: the part due to the chat or group).
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = 0
if redis.call('EXISTS', KEYS[2]) == 1 then
  wait = 50
end
local ready = tonumber(redis.call('GET', KEYS[3]) or '0')
if ready > now then wait = math.max(wait, ready - now) end
local chat_wait = wait
local omax, owin = tonumber(ARGV[2]), tonumber(ARGV[3])
if omax > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - owin)
  if redis.call('ZCARD', KEYS[1]) >= omax then
    local first = redis.call('ZRANGE', KEYS[1], -omax, -omax, 'WITHSCORES')
    local score = tonumber(first[2])
    if score > now then score = now end  -- still on the wire: answered now at the earliest
    wait = math.max(wait, score + owin - now + 1)
  end
  local last = tonumber(redis.call('GET', KEYS[5]) or '0')
  local spacing = tonumber(ARGV[8])
  if last + spacing > now_us then wait = math.max(wait, math.ceil((last + spacing - now_us) / 1000)) end
end
local gmax, gwin = tonumber(ARGV[4]), tonumber(ARGV[5])
if KEYS[4] ~= '' and gmax > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - gwin)
  if redis.call('ZCARD', KEYS[4]) >= gmax then
    local first = redis.call('ZRANGE', KEYS[4], -gmax, -gmax, 'WITHSCORES')
    chat_wait = math.max(chat_wait, tonumber(first[2]) + gwin - now + 1)
    wait = math.max(wait, chat_wait)
  end
end
if wait > 0 then return {wait, now, chat_wait} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', tonumber(ARGV[6]))
if omax > 0 then
  local lease = tonumber(ARGV[7])
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], lease + owin + 1000)
  redis.call('SET', KEYS[5], now_us, 'PX', owin + 1000)
end
if KEYS[4] ~= '' and gmax > 0 then
  redis.call('ZADD', KEYS[4], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[4], gwin + 1000)
end
return {0, now, 0}
"""

# KEYS: chat busy key, chat ready key, overall zset; ARGV: member, gap_ms.
# Frees the chat (if still ours) and scores the send at its answer in the overall window.
_RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
local gap = tonumber(ARGV[2])
if gap > 0 then redis.call('SET', KEYS[2], now + gap, 'PX', gap + 1000) end
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  redis.call('ZADD', KEYS[3], now, ARGV[1])  -- the key's expiry (set on reserve) outlasts every lease
end
return now
"""


class RedisSendPacer(SendPacer):
    """Telegram's send limits shared by every process through Redis (see the module docstring)."""

    def __init__(
        self, redis: Any, *, namespace: str = "", per_chat_gap_s: float = PER_CHAT_GAP_S, group_max: int = GROUP_MAX,
        group_window_s: float = GROUP_WINDOW_S, overall_max: int = OVERALL_MAX, overall_window_s: float = OVERALL_WINDOW_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(per_chat_gap_s=per_chat_gap_s, group_max=group_max, group_window_s=group_window_s,
                         overall_max=overall_max, overall_window_s=overall_window_s, sleep=sleep)  # the fallback
        self.redis = redis
        self.prefix = f"{PREFIX}:{namespace}" if namespace else PREFIX
        self._reserve = redis.register_script(_RESERVE)
        self._release = redis.register_script(_RELEASE)
        self._redis_down = False
        pool_size = getattr(getattr(redis, "connection_pool", None), "max_connections", None)
        self._front = asyncio.Lock()
        self._calls = asyncio.Semaphore(max(1, min(REDIS_CALLS_IN_FLIGHT, pool_size // 2 if isinstance(pool_size, int) else REDIS_CALLS_IN_FLIGHT)))
        self.granted_ms: list[int] = []
        """Redis's time of each slot this pacer granted (the last 10,000; for tests and benchmarks)."""

    def _keys(self, chat_id: int) -> tuple[str, str, str, str, str]:
        group = f"{self.prefix}:group:{chat_id}" if is_group(chat_id) else ""
        return (f"{self.prefix}:overall", f"{self.prefix}:busy:{chat_id}", f"{self.prefix}:ready:{chat_id}", group,
                f"{self.prefix}:overall:last")

    def _overall_window_ms(self) -> int:
        return round((self.overall_window_s + OVERALL_MARGIN_S) * 1000)

    async def _try_reserve(self, chat_id: int, member: str) -> tuple[int, int, int]:
        spacing_us = round(self.overall_window_s / self.overall_max / OVERALL_SPREAD * 1_000_000) if self.overall_max > 0 else 0
        async with self._calls:
            wait, now, chat_wait = await self._reserve(
                keys=list(self._keys(chat_id)),
                args=[member, self.overall_max, self._overall_window_ms(), self.group_max, int(self.group_window_s * 1000),
                      int(BUSY_LEASE_S * 1000), int(IN_FLIGHT_LEASE_S * 1000), spacing_us],
            )
        return int(wait), int(now), int(chat_wait)

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Wait until a message to ``chat_id`` may go (by every process's sends), then hold the chat while it is sent."""
        member = uuid.uuid4().hex
        while True:
            try:
                # One waiter per process at the front: the rest queue here instead of all asking
                # Redis the moment a slot frees (a herd of 100 calls, the winner's late).
                async with self._front:
                    wait_ms, now_ms, chat_wait_ms = await self._try_reserve(chat_id, member)
                    while wait_ms > 0 and chat_wait_ms <= 0:  # only the overall budget holds it: stay in front
                        await self._sleep(min(wait_ms / 1000, MAX_WAIT_STEP_S))
                        wait_ms, now_ms, chat_wait_ms = await self._try_reserve(chat_id, member)
            except Exception as error:  # Redis is unreachable: this process paces alone meanwhile
                if not self._redis_down:
                    log.warning("the shared send budget in Redis is unreachable (%s); pacing this process alone", type(error).__name__)
                    self._redis_down = True
                break
            if self._redis_down:
                log.info("the shared send budget in Redis is reachable again")
                self._redis_down = False
            if wait_ms <= 0:
                break
            await self._sleep(min(wait_ms / 1000, MAX_WAIT_STEP_S))  # the chat (or its group) is not ready: let others by
        if self._redis_down:
            async with super().slot(chat_id):
                yield
            return
        self.granted_ms.append(now_ms)
        if len(self.granted_ms) > 10_000:
            del self.granted_ms[:5_000]
        try:
            yield
        finally:
            try:
                overall, busy, ready, _, _ = self._keys(chat_id)
                async with self._calls:
                    await self._release(keys=[busy, ready, overall], args=[member, int(self.per_chat_gap_s * 1000)])
            except Exception as error:  # the busy key's lease frees the chat
                log.warning("could not free chat %s in the shared send budget (%s); its lease frees it", chat_id, type(error).__name__)


def make_pacer(redis_url: str | None) -> SendPacer:
    """The sender's pacer: shared through Redis when ``REDIS_URL`` is set, this process's own otherwise."""
    if not redis_url:
        return SendPacer()
    from redis.asyncio import Redis

    return RedisSendPacer(Redis.from_url(redis_url))
