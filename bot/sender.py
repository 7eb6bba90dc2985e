"""The one sender: every message to Telegram leaves through here, from the outbox.

Update handlers and the scheduler only write to the outbox (in the transaction of their
effects) and ``wake()`` the sender. The sender claims due rows chat by chat
(``coach.service.delivery.Outbox``), sends each chat's rows in order in a task of its own
(different chats at once) and marks each row sent. A claim is a lease in the database, so a
second sender (another task, another process) never takes the same rows.

- Telegram's 429 (``RetryAfter``) holds that chat, in the database, until ``retry_after`` is
  up: nothing is sent to it before, by anyone; other chats go on.
- Another failed send holds the chat with a backoff and is retried; a reply's first failure
  sends its update's one apology right away. The user blocking the bot (403) parks the chat's
  messages with the error.
- A group that became a supergroup (``ChatMigrated``): its unsent messages move to the new id.
- Telegram's send limits are kept before sending (``bot/pacing.py``): one message per second per
  chat, 20 per minute per group, 30 per second overall.
- A reply over 4096 characters goes in parts; the parts already delivered are recorded, so a
  retry sends only the rest. Markup Telegram rejects is sent again as plain text.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import logging
import os
import socket
import uuid
import warnings
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, WebAppInfo
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot import constants as c
from bot.pacing import SendPacer
from coach.service.delivery import Outbox, OutboxItem
from coach.service.types import Reply

log = logging.getLogger(__name__)

MAX_CHATS_IN_FLIGHT = 100
"""Claim no more while this many chats are being sent to: at 30 messages/s that is seconds of
work, well inside a claim's lease (claiming on every wake let rows wait past it, and another
sender took them again: doubled sends)."""
SEND_APOLOGY = (
    "Sorry — something went wrong on my side while sending my answer. It's saved, and I'll "
    "send it again in a moment."
)


def split_text(text: str, limit: int = c.MAX_TEXT_CHARS) -> list[str]:
    """Split a long text at line boundaries so each part fits ``limit`` characters.

    A single line longer than the limit is cut at the last space before it (or hard, if it
    has none), so nothing is ever dropped.
    """
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = line if not current else f"{current}\n{line}"
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    rows = [
        [InlineKeyboardButton(b.label, web_app=WebAppInfo(b.web_app_url)) if b.web_app_url
         else InlineKeyboardButton(b.label, callback_data=b.data[: c.MAX_CALLBACK_DATA_BYTES]) for b in row]
        for row in reply.buttons
    ]
    return InlineKeyboardMarkup(rows)


def retry_after_seconds(error: RetryAfter) -> float:
    """``RetryAfter.retry_after`` as seconds (PTB 22 returns int or timedelta and warns about it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def sender_token() -> str:
    """Who holds a claim: host, process and a random part (a restarted process is another sender)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


class OutboxSender:
    """Claims outbox rows and sends them: one task per chat, in order within the chat."""

    def __init__(
        self, outbox: Outbox, bot: Any, *, token: str | None = None, poll_s: float = c.OUTBOX_POLL_S, pacer: SendPacer | None = None
    ) -> None:
        self.outbox = outbox
        self.pacer = pacer if pacer is not None else SendPacer()
        self.bot = bot
        self.token = token or sender_token()
        self.poll_s = poll_s
        self._wake = asyncio.Event()
        self._chats: dict[int, asyncio.Task[None]] = {}
        self._holds: dict[int, float] = {}
        self._timers: list[asyncio.TimerHandle] = []
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="coach-outbox-sender")

    def wake(self) -> None:
        """Something may be due: claim and send now (cheap to call too often)."""
        self._wake.set()

    def held(self, chat_id: int) -> bool:
        """Telegram asked this process to leave ``chat_id`` alone for now (a 429)."""
        until = self._holds.get(chat_id)
        return until is not None and asyncio.get_running_loop().time() < until

    async def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram said 429 for ``chat_id``: nothing goes there for ``seconds``, from any sender."""
        self._holds[chat_id] = asyncio.get_running_loop().time() + seconds
        await self.outbox.hold_chat(chat_id, seconds)
        self._wake_in(seconds)
        log.warning("Telegram asked to wait %.0f s before sending to chat %s; holding it", seconds, chat_id)

    async def stop(self, grace_s: float) -> None:
        """Stop claiming; sends in flight get ``grace_s`` to finish, then are cancelled; whatever
        this sender claimed and did not send is given back (it stays in the outbox)."""
        # The flag, not only the cancel, ends the loop: on Python 3.11 ``asyncio.wait_for`` swallowed a
        # cancel that arrived in the same step as the wake-up a finishing send gives (the loop then ran on
        # and shutdown waited for it forever; CI, stop 22).
        self._stopping = True
        for timer in self._timers:
            timer.cancel()
        tasks = [t for t in (self._task, *self._chats.values()) if t is not None]
        if self._task is not None:
            self._task.cancel()
        chats = [t for t in self._chats.values() if not t.done()]
        if chats:
            _, pending = await asyncio.wait(chats, timeout=grace_s)
            for task in pending:
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            # What was delivered is marked before the rest is given back (a cancelled send's mark still lands).
            await asyncio.wait_for(self.outbox.drain(), timeout=max(grace_s, 1.0))
            await asyncio.wait_for(self.outbox.release(self.token), timeout=max(grace_s, 1.0))
        except Exception as error:  # the claims lapse by themselves after the lease
            log.warning("could not give back claimed outbox rows (%s); they lapse in %.0f s", error, self.outbox.lease_s)

    async def flush(self) -> None:
        """Claim what is due now and send it; returns once those sends are done (tests, start-up)."""
        await self._claim_and_send()
        while self._chats:
            await asyncio.gather(*list(self._chats.values()), return_exceptions=True)

    # ------------------------------------------------------------------ the loop

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self._claim_and_send()
            except Exception:
                log.exception("could not claim outbox messages; trying again shortly")
            if self._stopping:
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_s):  # unlike 3.11's wait_for, never swallows a cancel
                    await self._wake.wait()

    async def _claim_and_send(self) -> None:
        if len(self._chats) >= MAX_CHATS_IN_FLIGHT:  # enough claimed: more would wait past their lease behind the send limits
            return
        items = await self.outbox.claim(self.token)
        by_chat: dict[int, list[OutboxItem]] = {}
        for item in items:
            by_chat.setdefault(item.chat_id, []).append(item)
        for chat_id, chat_items in by_chat.items():
            previous = self._chats.get(chat_id)
            self._chats[chat_id] = asyncio.create_task(self._send_chat(chat_id, chat_items, previous), name=f"coach-send-{chat_id}")

    def _wake_in(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._timers = [t for t in self._timers if not t.cancelled() and t.when() > loop.time()]
        self._timers.append(loop.call_later(seconds, self.wake))

    async def _send_chat(self, chat_id: int, items: list[OutboxItem], previous: asyncio.Task[None] | None) -> None:
        try:
            if previous is not None and not previous.done():
                await asyncio.wait({previous})
            for item in items:
                if not await self._send_one(item):
                    break  # the chat is held or parked; the rest was given back
        except Exception:
            log.exception("sending to chat %s failed; the messages stay in the outbox", chat_id)
            with contextlib.suppress(Exception):
                await self.outbox.release(self.token, chat_id)
        finally:
            if self._chats.get(chat_id) is asyncio.current_task():
                del self._chats[chat_id]
            self.wake()

    async def _send_one(self, item: OutboxItem) -> bool:
        """Send one row; True if delivered (the chat may go on)."""
        try:
            await self.deliver(item)
        except RetryAfter as error:
            await self.hold(item.chat_id, retry_after_seconds(error))
            return False
        except ChatMigrated as error:
            await self.outbox.move_chat(item.chat_id, error.new_chat_id, self.token)
            log.warning("chat %s became supergroup %s: its messages go there", item.chat_id, error.new_chat_id)
            self.wake()
            return False
        except Forbidden as error:
            await self.outbox.failed(item, self.token, str(error), permanent=True, whole_chat=True)
            log.warning("chat %s refuses messages (%s): its outbox messages are parked", item.chat_id, error)
            return False
        except TelegramError as error:
            hold, apology = await self.outbox.failed(item, self.token, repr(error), apology=Reply(SEND_APOLOGY))
            if hold is None:
                log.warning("outbox message %s parked after failed sends: %s", item.id, error)
            else:
                log.warning("could not send outbox message %s (%s); retrying in %.0f s", item.id, error, hold)
                self._wake_in(hold)
            if apology is not None:
                await self._send_apology(apology)
            return False
        await self.outbox.sent(item, self.token)
        return True

    async def _send_apology(self, item: OutboxItem) -> None:
        try:
            await self.deliver(item)
        except TelegramError as error:
            hold, _ = await self.outbox.failed(item, self.token, repr(error))
            if hold is not None:
                self._wake_in(hold)
            return
        await self.outbox.sent(item, self.token)

    # ------------------------------------------------------------------ Telegram

    async def deliver(self, item: OutboxItem) -> None:
        """Send a row's remaining parts: text parts (HTML, escaped), then its document; a picture
        (``image/*``) goes as a photo, with the text as its caption when it fits one."""
        reply = item.reply
        document = reply.document
        if reply.edit_key is not None and document is None and item.parts_sent == 0 and 0 < len(reply.text) <= c.MAX_TEXT_CHARS:
            await self._send_or_edit(item)
            return
        if document is not None and document.mime_type.startswith("image/") and len(reply.text) <= c.MAX_CAPTION_CHARS:
            # A picture with its caption (a chart): one photo message, buttons under it.
            async with self.pacer.slot(item.chat_id):
                await self.bot.send_photo(item.chat_id, InputFile(document.data, filename=document.file_name),
                                          caption=reply.text or None, reply_markup=keyboard(reply))
            return
        parts = split_text(reply.text) if reply.text.strip() or document is None else []
        total = len(parts) + (1 if document is not None else 0)
        for index in range(item.parts_sent, total):
            if index < len(parts):
                await self._send_text(item.chat_id, parts[index], keyboard(reply) if index == len(parts) - 1 else None)
            elif document is not None and document.mime_type.startswith("image/"):  # after a text too long for a caption
                async with self.pacer.slot(item.chat_id):
                    await self.bot.send_photo(item.chat_id, InputFile(document.data, filename=document.file_name))
            else:
                assert document is not None
                async with self.pacer.slot(item.chat_id):
                    await self.bot.send_document(item.chat_id, InputFile(document.data, filename=document.file_name))
            if index + 1 < total:
                await self.outbox.progress(item, index + 1)

    async def _send_or_edit(self, item: OutboxItem) -> None:
        """A reply with an ``edit_key``: the chat's message with that key is edited in place
        (editMessageText); the first one, or one whose message is gone, is sent and remembered."""
        reply, chat_id = item.reply, item.chat_id
        assert reply.edit_key is not None
        message_id = await self.outbox.edit_target(chat_id, reply.edit_key)
        if message_id is not None:
            try:
                async with self.pacer.slot(chat_id):
                    await self.bot.edit_message_text(html.escape(reply.text, quote=False), chat_id=chat_id, message_id=message_id,
                                                     parse_mode=ParseMode.HTML, reply_markup=keyboard(reply))
                return
            except BadRequest as error:
                reason = error.message.lower()
                if "not modified" in reason:  # the same text again (a retried row): nothing to change
                    return
                if "not found" not in reason and "can't be edited" not in reason:
                    raise
                log.info("the message to edit in chat %s is gone (%s); sending a new one", chat_id, error)
        sent = await self._send_text(chat_id, reply.text, keyboard(reply))
        message = getattr(sent, "message_id", None)
        if isinstance(message, int):
            await self.outbox.remember_message(item, message)

    async def _send_text(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> Any:
        try:
            async with self.pacer.slot(chat_id):
                return await self.bot.send_message(chat_id, html.escape(text, quote=False), parse_mode=ParseMode.HTML, reply_markup=markup)
        except BadRequest as error:
            if "parse entities" not in error.message.lower():
                raise
            log.warning("Telegram rejected the markup of a message to chat %s (%s); sending it as plain text", chat_id, error)
            async with self.pacer.slot(chat_id):
                return await self.bot.send_message(chat_id, text, reply_markup=markup)
