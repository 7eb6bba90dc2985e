"""The Telegram transport (python-telegram-bot v22).

It only translates: PTB's handlers (``CommandHandler``, ``CallbackQueryHandler``,
``MessageHandler`` with filters) turn an update into an ``Incoming`` for the service, and the
service's replies leave through the outbox and the one sender (``bot/sender.py``).

- **Exactly once in.** PTB's Updater confirms updates before handlers run, so we poll
  ourselves: each update is stored in the inbox *before* the next ``getUpdates`` confirms it;
  in webhook mode before the POST is answered 200 (``bot/webhook.py``). The service marks an
  update processed in the transaction of its effects and its replies. At start-up stored but
  unprocessed updates are handled first; failed ones are tried again on the scheduler's tick
  until ``MAX_UPDATE_ATTEMPTS``, with one apology per update.
- **Exactly once out.** Handlers never send replies: they wake the sender, which claims outbox
  rows in the database before sending (one sender per chat, even across processes).
- **Concurrent across chats, ordered within a chat**: ``bot/processor.py``.
- **Shutdown** (``stop()``, from SIGTERM): the long poll is cancelled at once, updates being
  handled get ``SHUTDOWN_GRACE_S`` and are then cancelled (rolled back, still in the inbox),
  unsent replies stay in the outbox.
- **Fatal answers end the run**: an invalid token (401 on getMe) or another poller (409) raise
  ``TransportFatal`` with a one-line message instead of retrying forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import BotCommand, BotCommandScopeAllGroupChats, MenuButtonWebApp, Message, Update, WebAppInfo
from telegram.constants import ChatAction, ChatMemberStatus, ChatType, MessageEntityType
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import constants as c
from bot.pacing import SendPacer
from bot.processor import PerChatUpdateProcessor
from bot.sender import OutboxSender, keyboard, retry_after_seconds, split_text
from bot.webhook import WebhookServer
from coach.service.delivery import Outbox
from coach.service.extensions import redacted
from coach.service.service import COMMANDS, GROUP_COMMANDS, CoachService, Who
from coach.service.types import Incoming, Reply

__all__ = ["SORRY", "TelegramTransport", "TransportFatal", "incoming_of_command", "keyboard", "split_text", "who_of"]

log = logging.getLogger(__name__)
SOURCE = "telegram"
SCHEDULE_TICK_S = 60

SORRY = (
    "Sorry — something went wrong on my side while handling that. Your message is saved and "
    "I'll try it again; if it keeps failing, try again in a few minutes."
)
TOKEN_REJECTED = "Telegram rejected the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN (from @BotFather)."
CONFLICT = (
    "another process is already receiving this bot's updates (Telegram said 409: {detail}); "
    "stop it first — only one `coach run` per bot token."
)

UNSUPPORTED: tuple[tuple[filters.BaseFilter, str], ...] = (
    (filters.Sticker.ALL, "stickers"), (filters.ANIMATION, "GIFs"), (filters.PHOTO, "photos"), (filters.VOICE, "voice notes"),
    (filters.VIDEO, "videos"), (filters.VIDEO_NOTE, "video notes"), (filters.AUDIO, "audio"), (filters.LOCATION, "locations"),
    (filters.CONTACT, "contacts"), (filters.POLL, "polls"),
)


class TransportFatal(Exception):
    """Telegram said something retrying cannot fix; the message is one line for the operator."""


def who_of(update: Update) -> Who | None:
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    return Who(name=user.first_name or str(user.id), telegram_user_id=user.id, chat_id=chat.id, chat_type=chat.type)


def _command_head(message: Message) -> str | None:
    """The leading ``/command[@bot]`` of a message, if it starts with one."""
    entities = message.entities or ()
    if not entities or entities[0].type != MessageEntityType.BOT_COMMAND or entities[0].offset != 0:
        return None
    return message.parse_entity(entities[0])


class _AddressedToMe(filters.MessageFilter):
    """A command for this bot: ``/cmd`` or ``/cmd@this_bot``, not ``/cmd@other_bot``."""

    def filter(self, message: Message) -> bool:
        head = _command_head(message)
        if head is None:
            return False
        _, at, target = head.partition("@")
        return not at or target.lower() == (message.get_bot().username or "").lower()


ADDRESSED_TO_ME = _AddressedToMe(name="AddressedToMe")


def incoming_of_command(message: Message) -> Incoming:
    text = message.text or ""
    head = _command_head(message) or text.split(maxsplit=1)[0]
    command = head[1:].split("@", 1)[0].lower()
    return Incoming(kind="command", text=text, command=command, args=text[len(head):].strip())


IncomingSource = Incoming | Callable[[], Awaitable[Incoming | None]] | None


class TelegramTransport:
    """Runs the bot: PTB application, our own poller or webhook, the per-chat processor and the sender."""

    def __init__(
        self, service: CoachService, token: str, api_url: str, *, poll_timeout_s: int = c.POLL_TIMEOUT_S,
        workers: int = c.MAX_CONCURRENT_UPDATES, shutdown_grace_s: float = c.SHUTDOWN_GRACE_S, pacer: SendPacer | None = None,
        webapp_url: str | None = None,
    ) -> None:
        self.service = service
        self.webapp_url = webapp_url  # the Mini App (WEBAPP_URL): the chat's menu button opens it
        self.poll_timeout_s = poll_timeout_s
        self.shutdown_grace_s = shutdown_grace_s
        self._inflight: set[int] = set()
        self.processor = PerChatUpdateProcessor(workers, c.MAX_PENDING_UPDATES, on_finished=self._finished)
        # A 429 is handled by the sender (it holds that chat, in the database); the limiter keeps
        # the overall and per-group rates and raises RetryAfter at once instead of sleeping.
        logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(token)
            .base_url(f"{api_url}/bot")
            .base_file_url(f"{api_url}/file/bot")
            .rate_limiter(AIORateLimiter(max_retries=0))
            .concurrent_updates(self.processor)
            .updater(None)
            .build()
        )
        self._add_handlers()
        self.sender = OutboxSender(Outbox(service.db), self.application.bot, pacer=pacer)
        self._stop = asyncio.Event()
        self._offset: int | None = None
        self._webhook: WebhookServer | None = None
        self._started = False
        self._closing = False
        self._tick: asyncio.Task[None] | None = None
        self._courtesies: set[asyncio.Task[None]] = set()

    @property
    def bot(self) -> Any:
        return self.application.bot

    # ------------------------------------------------------------------ handlers

    def _add_handlers(self) -> None:
        new = filters.UpdateType.MESSAGE  # edits are not new input
        app = self.application
        app.add_handler(CallbackQueryHandler(self._on_callback))
        app.add_handler(CommandHandler(sorted(set(COMMANDS) | set(GROUP_COMMANDS)), self._on_command, filters=new))
        app.add_handler(MessageHandler(new & filters.COMMAND & ADDRESSED_TO_ME, self._on_command))  # unknown commands
        app.add_handler(MessageHandler(new & filters.COMMAND, self._on_no_reply))  # /cmd@another_bot
        app.add_handler(MessageHandler(new & filters.TEXT, self._on_text))
        unsupported: filters.BaseFilter = UNSUPPORTED[0][0]
        for media, _ in UNSUPPORTED[1:]:
            unsupported = unsupported | media
        app.add_handler(MessageHandler(new & unsupported, self._on_unsupported))  # before documents: a GIF is one too
        app.add_handler(MessageHandler(new & filters.Document.ALL, self._on_document))
        app.add_handler(MessageHandler(new, self._on_unsupported))
        app.add_handler(ChatMemberHandler(self._on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))  # blocked / unblocked
        app.add_handler(TypeHandler(Update, self._on_no_reply))  # edits, other membership changes, ...
        app.add_error_handler(self._on_error)

    async def _on_command(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        incoming = incoming_of_command(update.message)
        await self._handle(update, incoming)
        if redacted(incoming.text) != incoming.text:  # it held a secret (an API key): gone from the chat too
            self._courtesy(self._delete_secret(update.message))

    async def _delete_secret(self, message: Message) -> None:
        try:
            await message.delete()
        except TelegramError as error:
            log.warning("could not delete a message holding a key in chat %s: %s", message.chat_id, error)

    async def _on_text(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await self._handle(update, Incoming(kind="text", text=update.message.text or ""))

    async def _on_callback(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        try:
            await query.answer()
        except TelegramError:
            log.warning("could not answer callback query %s", query.id)
        await self._handle(update, Incoming(kind="callback", callback_data=query.data or ""))

    async def _on_document(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None and message.document is not None
        document = message.document

        async def download() -> Incoming:
            name = document.file_name or "file"
            if document.file_size is not None and document.file_size > c.MAX_DOWNLOAD_BYTES:
                return Incoming(kind="unsupported", unsupported_what=f"a file of {document.file_size // (1024 * 1024)} MB (the limit is 20 MB)")
            file = await self.bot.get_file(document.file_id)
            data = bytes(await file.download_as_bytearray())
            return Incoming(kind="document", file_name=name, file_bytes=data, text=message.caption or "")

        await self._handle(update, download)

    async def _on_unsupported(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        what = "that kind of message"
        for media, name in UNSUPPORTED:
            if update.message is not None and media.check_update(update):
                what = name
                break
        await self._handle(update, Incoming(kind="unsupported", unsupported_what=what))

    async def _on_my_chat_member(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A user blocked the bot (their private chat says ``kicked``) or unblocked it (``member``):
        the athlete is marked inactive or active again. Other chats: nothing to do."""
        change = update.my_chat_member
        who = who_of(update)
        assert change is not None
        status = change.new_chat_member.status
        if who is None or change.chat.type != ChatType.PRIVATE or status not in (ChatMemberStatus.BANNED, ChatMemberStatus.MEMBER):
            await self._handle(update, None)
            return
        try:
            await self.service.membership(
                SOURCE, update.update_id, who, reachable=status == ChatMemberStatus.MEMBER, reason="blocked the bot (my_chat_member)"
            )
        except Exception as error:
            log.exception("recording a membership change (update %s) failed; it is tried again later", update.update_id)
            await self.service.record_failure(SOURCE, update.update_id, repr(error))

    async def _on_no_reply(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._handle(update, None)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)

    async def _handle(self, update: Update, source: IncomingSource) -> None:
        """Hand one update to the service; its replies go to the outbox and the sender is woken.
        A failure is counted (the update is tried again later) and apologised for once."""
        who = who_of(update)
        try:
            incoming = await source() if callable(source) else source
            if who is None or incoming is None:
                await self.service.mark_processed(SOURCE, update.update_id)
                return
            typing = self._typing_later(who.chat_id)
            try:
                result = await self.service.handle(who, incoming, update_id=update.update_id, source=SOURCE)
            finally:
                typing.cancel()
        except Exception as error:
            log.exception("handling update %s failed; it is kept and tried again later", update.update_id)
            try:
                chat_id = who.chat_id if who is not None else None
                if await self.service.record_failure(SOURCE, update.update_id, repr(error), chat_id=chat_id, apology=Reply(SORRY)):
                    self.sender.wake()
            except Exception:
                log.exception("could not record the failure of update %s", update.update_id)
            return
        if result.outbox_ids:
            self.sender.wake()

    def _courtesy(self, call: Coroutine[Any, Any, None]) -> None:
        if self._closing:  # nothing new once the shutdown began: PTB's client would wait for it to finish
            call.close()
            return
        task = asyncio.create_task(call)
        self._courtesies.add(task)
        task.add_done_callback(self._courtesies.discard)

    def _typing_later(self, chat_id: int | None) -> asyncio.Task[None]:
        """"typing…" if the reply is not ready within ``TYPING_AFTER_S`` and the bot is not busy:
        every Bot API call counts against the overall 30/s (PTB's rate limiter), and under a
        burst that budget is for the replies themselves (bench/bench_transport.py: a chat action
        per update halved the replies sent per second). Never waited for."""

        async def later() -> None:
            await asyncio.sleep(c.TYPING_AFTER_S)
            if not self._closing and len(self._inflight) <= c.TYPING_MAX_IN_FLIGHT:
                self._courtesy(self._typing(chat_id))

        return asyncio.create_task(later())

    async def _typing(self, chat_id: int | None) -> None:
        """"typing…" is a courtesy: never a reason to fail, never sent to a chat on hold."""
        if chat_id is None or self.sender.held(chat_id):
            return
        try:
            await self.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except RetryAfter as error:
            await self.sender.hold(chat_id, retry_after_seconds(error))
        except TelegramError:
            pass

    # ------------------------------------------------------------------ dispatch

    def _dispatch(self, update: Update) -> None:
        """Queue an update for PTB (once while it is in flight; nothing once the shutdown began: what
        PTB's queue receives after its stop signal would never be taken, and its stop would wait)."""
        if self._closing or update.update_id in self._inflight:
            return
        self._inflight.add(update.update_id)
        self.application.update_queue.put_nowait(update)

    def _read_ahead(self, update: Update) -> None:
        """A plain text in a private chat: the offline brain starts reading it now, not when a worker
        takes it (``CoachService.read_ahead``): the messages of a burst share their embedding."""
        message = update.message
        who = who_of(update)
        if self._closing or message is None or not message.text or who is None or _command_head(message) is not None:
            return
        try:
            self.service.read_ahead(who, Incoming(kind="text", text=message.text))
        except Exception:  # a head start only: the turn reads the message itself
            log.debug("reading update %s ahead failed", update.update_id, exc_info=True)

    def _finished(self, update: object) -> None:
        if isinstance(update, Update):
            self._inflight.discard(update.update_id)

    async def resume(self) -> None:
        """Queue every stored, unprocessed update that is due, in order (not those in flight)."""
        for update_id, payload in await self.service.pending_updates(SOURCE, c.MAX_UPDATE_ATTEMPTS):
            if update_id in self._inflight or not payload:
                continue
            update = Update.de_json(payload, self.bot)
            if update is not None:
                self._dispatch(update)

    async def _store(self, update: Update) -> None:
        user = update.effective_user
        await self.service.record_update(SOURCE, update.update_id, update.to_dict(), None if user is None else user.id)

    async def _store_all(self, updates: tuple[Update, ...] | list[Update]) -> None:
        await self.service.record_updates(SOURCE, [
            (u.update_id, u.to_dict(), None if u.effective_user is None else u.effective_user.id) for u in updates
        ])

    # ------------------------------------------------------------------ lifecycle

    def stop(self) -> None:
        """Ask the transport to stop (safe from a signal handler, idempotent)."""
        self._stop.set()

    async def run_polling(self) -> None:
        """Poll until ``stop()``; stored-but-unhandled updates and unsent replies go first."""
        await self._serve(self._polling())

    async def run_webhook(self, listen: str, port: int, url: str, secret: str | None) -> None:
        """Webhook mode: Telegram posts updates; the secret token authenticates each request."""
        if not secret:
            raise TransportFatal("webhook mode needs a secret token: set TELEGRAM_WEBHOOK_SECRET")
        await self._serve(self._webhook_mode(listen, port, url, secret))

    async def _serve(self, body: Coroutine[Any, Any, None]) -> None:
        work = asyncio.create_task(body, name="coach-telegram")
        stop = asyncio.create_task(self._stop.wait(), name="coach-telegram-stop")
        try:
            await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (work, stop):
                task.cancel()
            await asyncio.gather(work, stop, return_exceptions=True)
            await self._shutdown()
        if not work.cancelled() and work.exception() is not None:
            raise work.exception()  # type: ignore[misc]

    async def _start(self) -> None:
        """getMe (a bad token ends the run), then PTB's application (update fetcher, job queue)."""
        try:
            await self._retrying(self.application.initialize, "getMe")
        except InvalidToken as error:
            raise TransportFatal(TOKEN_REJECTED) from error
        await self.application.start()
        self._started = True
        try:
            await self.bot.set_my_commands([BotCommand(name, what) for name, what in COMMANDS.items()])
            await self.bot.set_my_commands(
                [BotCommand(name, what) for name, what in GROUP_COMMANDS.items()], scope=BotCommandScopeAllGroupChats()
            )
        except TelegramError as error:
            log.warning("could not publish the command menu: %s", error)
        if self.webapp_url:
            try:
                await self.bot.set_chat_menu_button(menu_button=MenuButtonWebApp("Plan", WebAppInfo(self.webapp_url)))
            except TelegramError as error:
                log.warning("could not set the Mini App menu button: %s", error)

    async def _begin(self) -> None:
        """The sender first (unsent replies go out), then stored updates, then the scheduler."""
        self.sender.start()
        self.sender.wake()
        await self.resume()
        self.start_scheduler()

    async def _polling(self) -> None:
        await self._start()
        await self._retrying(self.bot.delete_webhook, "deleteWebhook")
        await self._begin()
        await self._poll()

    async def _poll(self) -> None:
        """Long-poll getUpdates; the updates are stored before the next call confirms them."""
        wait = 1.0
        while True:
            while len(self._inflight) >= c.MAX_PENDING_UPDATES:
                await asyncio.sleep(0.05)
            try:
                updates = await self.bot.get_updates(offset=self._offset, timeout=self.poll_timeout_s, allowed_updates=Update.ALL_TYPES)
                await self._store_all(updates)  # all of them, in one transaction, before they are handled
                for update in updates:
                    self._offset = update.update_id + 1
                    self._read_ahead(update)
                    self._dispatch(update)
            except InvalidToken as error:
                raise TransportFatal(TOKEN_REJECTED) from error
            except Conflict as error:
                raise TransportFatal(CONFLICT.format(detail=error.message)) from error
            except RetryAfter as error:
                await asyncio.sleep(retry_after_seconds(error))
                continue
            except Exception as error:  # network trouble, Telegram 5xx, the database busy: try again
                log.warning("getUpdates failed (%s); trying again in %.0f s", error, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, c.POLL_RETRY_MAX_S)
                continue
            wait = 1.0

    async def _webhook_mode(self, listen: str, port: int, url: str, secret: str) -> None:
        await self._start()
        server = WebhookServer(listen, port, secret, self._on_webhook_update)
        await self._begin()
        try:
            server.start()
        except OSError as error:
            raise TransportFatal(f"can't listen for the webhook on {listen}:{port}: {error.strerror}") from error
        self._webhook = server
        try:
            await self._retrying(lambda: self.bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES), "setWebhook")
        except BadRequest as error:
            raise TransportFatal(f"Telegram refused the webhook URL {url}: {error.message}") from error
        await asyncio.Event().wait()  # until cancelled by stop()

    async def _on_webhook_update(self, data: dict[str, Any]) -> bool:
        try:
            update = Update.de_json(data, self.bot)
        except (KeyError, TypeError, ValueError):
            return False  # not an update: 400, not stored
        if update is None:
            return False
        await self._store(update)  # before the 200: Telegram forgets an update once it has it
        self._dispatch(update)
        return True

    async def _retrying(self, call: Callable[[], Awaitable[Any]], what: str) -> Any:
        """A start-up call: network trouble is retried (until stop), anything else is raised."""
        wait = 1.0
        while True:
            try:
                return await call()
            except (InvalidToken, Conflict, BadRequest, Forbidden):
                raise
            except (NetworkError, RetryAfter) as error:
                log.warning("%s failed (%s); trying again in %.0f s", what, error, wait)
                await asyncio.sleep(retry_after_seconds(error) if isinstance(error, RetryAfter) else wait)
                wait = min(wait * 2, c.POLL_RETRY_MAX_S)

    async def _shutdown(self) -> None:
        """Stop taking updates, let work in progress finish or roll back, give back unsent claims."""
        self._closing = True
        if self._tick is not None and not self._tick.done():
            self._tick.cancel()  # rolls back; the next start catches up
        for courtesy in list(self._courtesies):
            courtesy.cancel()
        if self._webhook is not None:
            await self._webhook.stop()
        cancelled, _ = await asyncio.gather(self.processor.stop(self.shutdown_grace_s), self.sender.stop(self.shutdown_grace_s))
        if cancelled:
            log.warning("%d update(s) cancelled by the shutdown; they are handled after the restart", cancelled)
        if self._offset is not None and self._started:
            # Confirm the handled batch so Telegram does not send it again (the inbox dedups if it does).
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.bot.get_updates(offset=self._offset, timeout=0), c.CONFIRM_TIMEOUT_S)
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    # ------------------------------------------------------------------ the schedule

    async def scheduled_tick(self) -> None:
        """Every minute: queue due check-ins and weekly previews, retry failed updates, send."""
        if self._closing:
            return
        try:  # the weekly batch of athletes whose Sunday noon has come (issue 15); items are idempotent
            from coach.batch.due import on_tick as weekly_batch

            await weekly_batch(self.service)
        except Exception:
            log.exception("weekly batch tick failed; the next tick resumes it")
        try:
            await self.service.tick()
            self.sender.wake()
            await self.resume()
        except Exception:
            log.exception("scheduled tick failed; the next one will catch up")
        self._courtesy(self._sync_connections())  # off the tick: a pull waits on the network

    async def _sync_connections(self) -> None:
        """Intervals.icu: pull each connection every 30 min, push a changed plan within the minute."""
        from coach.connect.sync import tick as sync_tick

        try:
            if await sync_tick(self.service):
                self.sender.wake()
        except Exception:
            log.exception("syncing connections failed; the next tick tries again")

    async def _tick_job(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        # Its own task, so that the shutdown can cancel a long tick (it is idempotent: unique outbox
        # keys, caught up within hours) instead of waiting for it.
        self._tick = asyncio.create_task(self.scheduled_tick(), name="coach-tick")
        with contextlib.suppress(asyncio.CancelledError):
            await self._tick

    def start_scheduler(self) -> None:
        """PTB's JobQueue (APScheduler underneath). Schedules live in our own tables (the outbox keys),
        so nothing needs pickling into a job store: the job only ticks (shared/STACK.md)."""
        job_queue = self.application.job_queue
        if job_queue is None:
            log.warning("no job queue: scheduled check-ins and weekly previews are off")
            return
        job_queue.run_repeating(self._tick_job, interval=SCHEDULE_TICK_S, first=1, name="coach-tick",
                                job_kwargs={"misfire_grace_time": SCHEDULE_TICK_S, "coalesce": True, "max_instances": 1})

    async def flush_outbox(self) -> None:
        """Send what is due now and wait for it (the sender does this by itself when woken)."""
        await self.sender.flush()
