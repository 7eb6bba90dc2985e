"""The Telegram transport (python-telegram-bot v22).

It only translates: a Telegram update becomes an ``Incoming`` for the service, and the
service's ``Reply`` objects become messages (HTML with escaping, split at line boundaries
under Telegram's 4096-character limit, inline keyboards, documents).

Exactly once: PTB's own Updater confirms updates to Telegram before handlers run, so a crash
would lose them. In polling mode we therefore poll ourselves: each batch is stored in the
inbox *before* the next ``getUpdates`` confirms it, then handled; the service marks an
update processed in the same transaction as its effects. At start-up, stored but
unprocessed updates are handled first and unsent replies are sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot import constants as c
from coach.service.service import COMMANDS, GROUP_COMMANDS, CoachService, Who
from coach.service.types import Incoming, Reply

log = logging.getLogger(__name__)
SOURCE = "telegram"
SCHEDULE_TICK_S = 60

SORRY = (
    "Sorry — something went wrong on my side while handling that. Your message is saved and "
    "I'll try it again; if it keeps failing, try again in a few minutes."
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
        [InlineKeyboardButton(b.label, callback_data=b.data[: c.MAX_CALLBACK_DATA_BYTES]) for b in row]
        for row in reply.buttons
    ]
    return InlineKeyboardMarkup(rows)


def who_of(update: Update) -> Who | None:
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    return Who(name=user.first_name or str(user.id), telegram_user_id=user.id, chat_id=chat.id, chat_type=chat.type)


async def incoming_of(update: Update, bot: Any) -> Incoming | None:
    """Translate an update; ``None`` for updates that need no reply (edits, member changes)."""
    if update.callback_query is not None:
        query = update.callback_query
        try:
            await query.answer()
        except TelegramError:
            log.warning("could not answer callback query %s", query.id)
        return Incoming(kind="callback", callback_data=query.data or "")
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        text = message.text
        if text.startswith("/"):
            head, _, args = text[1:].partition(" ")
            command = head.split("@", 1)[0].lower()
            return Incoming(kind="command", text=text, command=command, args=args)
        return Incoming(kind="text", text=text)
    if message.document is not None:
        document = message.document
        name = document.file_name or "file"
        if document.file_size is not None and document.file_size > c.MAX_DOWNLOAD_BYTES:
            return Incoming(kind="unsupported", unsupported_what=f"a file of {document.file_size // (1024 * 1024)} MB (the limit is 20 MB)")
        file = await bot.get_file(document.file_id)
        data = bytes(await file.download_as_bytearray())
        return Incoming(kind="document", file_name=name, file_bytes=data, text=message.caption or "")
    for attribute, what in (
        ("sticker", "stickers"), ("photo", "photos"), ("voice", "voice notes"), ("video", "videos"),
        ("video_note", "video notes"), ("audio", "audio"), ("animation", "GIFs"), ("location", "locations"),
        ("contact", "contacts"), ("poll", "polls"),
    ):
        if getattr(message, attribute, None):
            return Incoming(kind="unsupported", unsupported_what=what)
    return Incoming(kind="unsupported", unsupported_what="that kind of message")


class TelegramTransport:
    """Runs the bot: builds the PTB application and moves updates through the service."""

    def __init__(self, service: CoachService, token: str, api_url: str, *, poll_timeout_s: int = c.POLL_TIMEOUT_S) -> None:
        self.service = service
        self.poll_timeout_s = poll_timeout_s
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(token)
            .base_url(f"{api_url}/bot")
            .base_file_url(f"{api_url}/file/bot")
            .rate_limiter(AIORateLimiter(max_retries=c.RATE_LIMITER_MAX_RETRIES))
            .build()
        )
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self._stop = asyncio.Event()
        # One sender at a time: a reply being sent by the update handler must not also be picked up
        # as "unsent" by the scheduler's outbox flush (that sent it twice).
        self._send_lock = asyncio.Lock()

    @property
    def bot(self) -> Any:
        return self.application.bot

    # ------------------------------------------------------------------ lifecycle

    async def setup(self) -> None:
        await self.bot.set_my_commands([BotCommand(name, what) for name, what in COMMANDS.items()])
        await self.bot.set_my_commands(
            [BotCommand(name, what) for name, what in GROUP_COMMANDS.items()], scope=BotCommandScopeAllGroupChats()
        )

    async def run_polling(self) -> None:
        """Poll until ``stop()``; stored-but-unhandled updates and unsent replies go first."""
        async with self.application:
            await self.application.start()
            await self.setup()
            await self.bot.delete_webhook()
            await self.resume()
            self.start_scheduler()
            offset: int | None = None
            while not self._stop.is_set():
                try:
                    updates = await self.bot.get_updates(offset=offset, timeout=self.poll_timeout_s, allowed_updates=Update.ALL_TYPES)
                except TelegramError as error:
                    log.warning("getUpdates failed: %s", error)
                    await asyncio.sleep(1)
                    continue
                for update in updates:
                    user = update.effective_user
                    await self.service.record_update(SOURCE, update.update_id, update.to_dict(), None if user is None else user.id)
                    offset = update.update_id + 1
                await self.resume()
            if offset is not None:
                # Confirm the last batch so Telegram does not send it again after a clean stop.
                await self.bot.get_updates(offset=offset, timeout=0)
            await self.application.stop()

    async def run_webhook(self, listen: str, port: int, url: str, secret: str | None) -> None:
        """Webhook mode: Telegram posts updates; the secret token authenticates it."""
        async with self.application:
            await self.application.start()
            await self.setup()
            await self.resume()
            self.start_scheduler()
            assert self.application.updater is not None
            await self.application.updater.start_webhook(listen=listen, port=port, webhook_url=url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
            await self._stop.wait()
            await self.application.updater.stop()
            await self.application.stop()

    def stop(self) -> None:
        self._stop.set()

    async def scheduled_tick(self) -> None:
        """Every minute: queue due check-ins and weekly previews, then send the outbox."""
        try:
            await self.service.tick()
            await self.flush_outbox()
        except Exception:
            log.exception("scheduled tick failed; the next one will catch up")

    async def _tick_job(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.scheduled_tick()

    def start_scheduler(self) -> None:
        """PTB's JobQueue (APScheduler underneath). Schedules live in our own tables (the outbox keys),
        so nothing needs pickling into a job store: the job only ticks (shared/STACK.md)."""
        job_queue = self.application.job_queue
        if job_queue is None:
            log.warning("no job queue: scheduled check-ins and weekly previews are off")
            return
        job_queue.run_repeating(self._tick_job, interval=SCHEDULE_TICK_S, first=1, name="coach-tick",
                                job_kwargs={"misfire_grace_time": SCHEDULE_TICK_S, "coalesce": True, "max_instances": 1})

    async def resume(self) -> None:
        """Handle every stored, unprocessed update in order, then send unsent replies."""
        for _update_id, payload in await self.service.pending_updates(SOURCE, c.MAX_UPDATE_ATTEMPTS):
            update = Update.de_json(payload, self.bot) if payload else None
            if update is None:
                continue
            await self.application.process_update(update)
        await self.flush_outbox()

    # ------------------------------------------------------------------ handling

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        await self.service.record_update(SOURCE, update.update_id, update.to_dict(), None if user is None else user.id)
        who = who_of(update)
        try:
            incoming = await incoming_of(update, self.bot) if who is not None else None
            if who is None or incoming is None:
                await self.service.mark_processed(SOURCE, update.update_id)
                return
            if who.chat_id is not None:
                with contextlib.suppress(TelegramError):  # "typing…" is a courtesy, never a reason to fail
                    await self.bot.send_chat_action(who.chat_id, ChatAction.TYPING)
            result = await self.service.handle(who, incoming, update_id=update.update_id, source=SOURCE)
        except Exception as error:
            await self.service.record_failure(SOURCE, update.update_id, repr(error))
            raise
        async with self._send_lock:
            for outbox_id, reply in zip(result.outbox_ids, result.replies, strict=True):
                await self.send(who.chat_id, reply)
                await self.service.mark_sent(outbox_id)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await self.bot.send_message(update.effective_chat.id, SORRY)
            except TelegramError:
                log.warning("could not tell the user about the error")

    async def flush_outbox(self) -> None:
        async with self._send_lock:
            await self._flush_outbox()

    async def _flush_outbox(self) -> None:
        for outbox_id, chat_id, reply in await self.service.unsent():
            if chat_id is None:
                await self.service.mark_sent(outbox_id)
                continue
            try:
                await self.send(chat_id, reply)
            except TelegramError as error:
                log.warning("could not send outbox message %s: %s", outbox_id, error)
                continue
            await self.service.mark_sent(outbox_id)

    async def send(self, chat_id: int | None, reply: Reply) -> None:
        if chat_id is None:
            return
        parts = split_text(reply.text)
        for i, part in enumerate(parts):
            markup = keyboard(reply) if i == len(parts) - 1 else None
            await self.bot.send_message(chat_id, html.escape(part, quote=False), parse_mode=ParseMode.HTML, reply_markup=markup)
        if reply.document is not None:
            document = reply.document
            await self.bot.send_document(chat_id, InputFile(document.data, filename=document.file_name))
