"""Concurrent across chats, ordered within a chat: python-telegram-bot's update processor.

``ApplicationBuilder().concurrent_updates(PerChatUpdateProcessor(...))`` makes PTB hand every
update to ``do_process_update`` in its own task. Here updates of one chat wait for each other
(a FIFO ``asyncio.Lock`` per chat, taken in arrival order), while different chats run at once,
at most ``workers`` at a time: one slow model turn stalls its own athlete only.

At shutdown ``stop`` stops starting new work, gives what runs a grace period and then
cancels it; a cancelled update rolls back (its transaction never commits) and stays
unprocessed in the inbox, to be handled after the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def chat_key(update: object) -> int | None:
    """The chat an update belongs to (or its user, for updates without a chat)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


def _discard(coroutine: Awaitable[Any]) -> None:
    """Close a coroutine that will never run (no "never awaited" warning)."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """One update per chat at a time, in order; up to ``workers`` chats at once.

    ``max_pending`` bounds the updates PTB keeps in flight (waiting on a chat included);
    ``on_finished`` is called with each update once it is done with (handled, refused or
    cancelled), so the transport knows what is no longer in flight.
    """

    def __init__(self, workers: int, max_pending: int, on_finished: Callable[[object], None] | None = None) -> None:
        super().__init__(max_pending)
        self._workers = asyncio.Semaphore(workers)
        self._chats: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._running: set[asyncio.Task[Any]] = set()
        self.accepting = True
        self.on_finished = on_finished

    async def initialize(self) -> None:
        self.accepting = True

    async def shutdown(self) -> None:
        self.accepting = False

    @property
    def running(self) -> int:
        """Updates being handled right now (not those waiting for their chat)."""
        return len(self._running)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        started = False
        key = chat_key(update)
        try:
            if key is None:
                started = await self._run(coroutine)
                return
            lock = self._chats.setdefault(key, asyncio.Lock())
            self._waiting[key] = self._waiting.get(key, 0) + 1
            try:
                async with lock:
                    started = await self._run(coroutine)
            finally:
                self._waiting[key] -= 1
                if not self._waiting[key]:
                    del self._waiting[key]
                    del self._chats[key]
        finally:
            if not started:
                _discard(coroutine)
            if self.on_finished is not None:
                self.on_finished(update)

    async def _run(self, coroutine: Awaitable[Any]) -> bool:
        if not self.accepting:
            return False
        async with self._workers:
            if not self.accepting:
                return False
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                await coroutine
            finally:
                self._running.discard(task)
            return True

    async def stop(self, grace_s: float) -> int:
        """Start nothing new; let running updates finish within ``grace_s``, then cancel them.
        Returns how many were cancelled."""
        self.accepting = False
        running = set(self._running)
        if not running:
            return 0
        _, pending = await asyncio.wait(running, timeout=grace_s)
        for task in pending:
            task.cancel()
        if pending:
            with contextlib.suppress(Exception):
                await asyncio.wait(pending, timeout=grace_s)
        return len(pending)
