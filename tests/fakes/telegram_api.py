"""A scripted fake of the Telegram Bot API, served over real HTTP on 127.0.0.1.

Why: the coach's Telegram layer is python-telegram-bot (PTB) v22.  Mocking
``Bot`` methods would skip PTB's request encoding, error mapping (``RetryAfter``,
``BadRequest``...), long polling and update dispatch, which is exactly where
integration bugs hide.  Pointing a *real* PTB ``Application`` at this server
exercises all of it, deterministically and offline.

The style follows aiogram's ``tests/mocked_bot.py``: the server behaves like
Telegram by default, and a test scripts exceptions in one line
(:meth:`FakeTelegramServer.add_result_for`).

Usage::

    from telegram.ext import ApplicationBuilder, MessageHandler, filters
    from tests.fakes.telegram_api import FakeTelegramServer, polling

    async def test_echo() -> None:
        with FakeTelegramServer() as tg:
            app = (
                ApplicationBuilder().token("123:ABC")
                .base_url(tg.bot_base_url).base_file_url(tg.file_base_url).build()
            )
            app.add_handler(MessageHandler(filters.TEXT, lambda u, c: u.message.reply_text("hi")))
            async with polling(app):
                tg.push_text(chat_id=42, text="hello")
                [reply] = await tg.wait_for_messages(1, chat_id=42)
            assert reply["text"] == "hi"
            tg.add_result_for("sendMessage", ok=False, error_code=429, retry_after=1)
            # -> the next sendMessage raises telegram.error.RetryAfter

What PTB sends (observed with PTB 22.8): ``POST {base_url}{token}/{method}``
with ``application/x-www-form-urlencoded`` bodies in which every non-string
parameter is JSON-encoded (``chat_id=42``, ``reply_markup={"inline_keyboard":
...}``), or ``multipart/form-data`` when a file is uploaded; ``getMe`` and
friends without parameters are sent with an empty body.  The fake also accepts
``application/json`` bodies and query strings, like Telegram does.  Because the
form encoding loses the str/int distinction, parameters are decoded with a
per-name table (:data:`STRING_PARAMS`), again like Telegram's own typed API.

Deliberately realistic details (each one a production bug we want tests to
catch): ``getMe`` returns ``is_bot: true``; message ids increase per chat;
``date`` is an int; texts over 4096 characters or empty are rejected; HTML
and MarkdownV2 ``parse_mode`` get a light entity check that returns Telegram's
``can't parse entities`` error; editing a message to identical content returns
``message is not modified``; ``getUpdates`` returns 409 while a webhook is set,
and a long poll superseded by a newer ``getUpdates`` (a second poller) gets 409
"terminated by other getUpdates request"; ``getUpdates`` holds for the
``timeout`` the client asks, like Telegram; a 429 with ``retry_after`` (scripted
on a call to a chat) is enforced: calls to that chat before the time is up are
answered 429 again and recorded in :attr:`FakeTelegramServer.flood_violations`.

Timed waits never use ``threading`` timeouts (``Condition.wait(timeout)``,
``Event.wait(timeout)``): under ``faketime`` they never return.  They poll with
``coach.clock.pause`` instead (not ``time.sleep``, which fails with
``FAKETIME_DONT_FAKE_MONOTONIC=1``).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import threading
import time
import urllib.request
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar
from urllib.parse import parse_qsl, unquote

from coach.clock import pause
from tests.fakes._http import FakeHTTPServer, HTTPRequest, HTTPResponse

if TYPE_CHECKING:
    from telegram.ext import Application

__all__ = [
    "DEFAULT_TOKEN",
    "STRING_PARAMS",
    "Call",
    "FakeTelegramServer",
    "ScriptedResult",
    "StoredFile",
    "TelegramAPIError",
    "UploadedFile",
    "polling",
]

T = TypeVar("T")

DEFAULT_TOKEN = "123:ABC"
MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

#: Parameters Telegram types as String.  PTB sends them raw (not JSON-encoded)
#: in form bodies, so they must not be ``json.loads``-ed: the text "42" must
#: stay a str.  Everything else is JSON-decoded when possible.
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "file_id",
        "url",
        "secret_token",
        "ip_address",
        "action",
        "emoji",
        "language_code",
        "business_connection_id",
        "message_effect_id",
        "description",
        "short_description",
        "name",
        "title",
        "question",
        "explanation",
        "query_id",
        "switch_inline_query",
        # media given by file_id / URL instead of an upload
        "document",
        "photo",
        "voice",
        "audio",
        "video",
        "animation",
        "sticker",
        "thumbnail",
    }
)

_ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    502: "Bad Gateway",
}

_UPDATE_TYPES_DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_WAIT_STEP_S = 0.01
"""Granularity of the fake's timed waits (see the module docstring: no threading timeouts)."""


class Call(NamedTuple):
    """One recorded Bot API call.  A tuple so ``for method, params in server.calls`` works."""

    method: str
    params: dict[str, Any]


@dataclass(slots=True)
class UploadedFile:
    """A file the bot uploaded (sendDocument/sendPhoto/...), with its exact bytes."""

    method: str
    field: str
    filename: str | None
    content_type: str | None
    data: bytes
    chat_id: int | str | None = None
    file_id: str | None = None


@dataclass(slots=True)
class StoredFile:
    """A file the fake can serve via ``getFile`` + ``GET /file/bot{token}/{file_path}``."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str | None
    mime_type: str | None
    file_path: str

    def as_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.file_name is not None:
            doc["file_name"] = self.file_name
        if self.mime_type is not None:
            doc["mime_type"] = self.mime_type
        return doc

    def as_file(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass(slots=True)
class ScriptedResult:
    """One queued answer for the next call of a method (see ``add_result_for``).

    ``ok=True`` with ``result=None`` means "behave normally" (useful with ``delay``).
    """

    ok: bool = True
    result: Any = None
    error_code: int = 400
    description: str | None = None
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None
    delay: float = 0.0


class TelegramAPIError(Exception):
    """Raised inside a method handler to produce ``{"ok": false, ...}``."""

    def __init__(self, error_code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters


@dataclass(slots=True)
class _Webhook:
    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int | None = None


@dataclass(slots=True)
class _State:
    """Everything mutable, guarded by ``FakeTelegramServer._cond``."""

    calls: list[Call] = field(default_factory=list)
    call_times: list[float] = field(default_factory=list)
    flood_until: dict[int | str, float] = field(default_factory=dict)
    flood_violations: list[Call] = field(default_factory=list)
    poll_generation: int = 0
    polls_held: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[UploadedFile] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    redeliver: list[dict[str, Any]] = field(default_factory=list)
    history: dict[int, dict[str, Any]] = field(default_factory=dict)
    delivered_ids: list[int] = field(default_factory=list)
    next_update_id: int = 1
    confirmed_offset: int = 0
    allowed_updates: list[str] | None = None
    chats: dict[int | str, dict[str, Any]] = field(default_factory=dict)
    message_ids: dict[int | str, int] = field(default_factory=dict)
    messages: dict[tuple[int | str, int], dict[str, Any]] = field(default_factory=dict)
    raw_texts: dict[tuple[int | str, int], str] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    files_by_path: dict[str, StoredFile] = field(default_factory=dict)
    scripted: dict[str, deque[ScriptedResult]] = field(default_factory=dict)
    callback_ids: set[str] = field(default_factory=set)
    blocked_chats: set[int | str] = field(default_factory=set)
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    webhook: _Webhook = field(default_factory=_Webhook)


_MethodHandler = Callable[[dict[str, Any], str], Any]


class FakeTelegramServer(FakeHTTPServer):
    """Fake Bot API: behaves like Telegram for the methods the coach uses.

    Thread model: HTTP handlers run in server threads, the test runs in its
    own (asyncio) thread; all state sits behind one ``threading.Condition``,
    which also wakes long-polling ``getUpdates`` when an update is pushed.

    Args:
        token: if given, requests with another token get 401 Unauthorized
            (PTB raises ``InvalidToken``); by default any token is accepted.
        bot_username / bot_first_name: identity returned by ``getMe``.
        max_poll_wait: optional cap on ``getUpdates`` long-poll waits; by default
            (``None``) a poll is held for the ``timeout`` the client asks, as
            Telegram does, so a client that cannot cancel its poll is caught.
        validate_entities: light HTML / MarkdownV2 checks on ``parse_mode``.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_username: str = "coach_test_bot",
        bot_first_name: str = "Coach",
        max_poll_wait: float | None = None,
        validate_entities: bool = True,
    ) -> None:
        super().__init__()
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.max_poll_wait = max_poll_wait
        self.validate_entities = validate_entities
        self._cond = threading.Condition()
        self._s = _State()
        self._ids = itertools.count(1)
        self._custom: dict[str, _MethodHandler] = {}
        self._methods: dict[str, tuple[str, _MethodHandler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._m_get_me,
                "logOut": self._m_true,
                "close": self._m_true,
                "getUpdates": self._m_get_updates,
                "setWebhook": self._m_set_webhook,
                "deleteWebhook": self._m_delete_webhook,
                "getWebhookInfo": self._m_get_webhook_info,
                "setMyCommands": self._m_set_my_commands,
                "getMyCommands": self._m_get_my_commands,
                "deleteMyCommands": self._m_delete_my_commands,
                "sendMessage": self._m_send_message,
                "editMessageText": self._m_edit_message_text,
                "editMessageReplyMarkup": self._m_edit_message_reply_markup,
                "deleteMessage": self._m_delete_message,
                "answerCallbackQuery": self._m_answer_callback_query,
                "sendChatAction": self._m_send_chat_action,
                "sendDocument": self._m_send_media,
                "sendPhoto": self._m_send_media,
                "sendVoice": self._m_send_media,
                "sendAudio": self._m_send_media,
                "getFile": self._m_get_file,
            }.items()
        }

    # ===================================================================
    # Addressing
    # ===================================================================
    @property
    def bot_base_url(self) -> str:
        """Value for ``ApplicationBuilder.base_url`` (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        """Value for ``ApplicationBuilder.base_file_url`` (PTB appends the token)."""
        return f"{self.url}/file/bot"

    # ===================================================================
    # Scripting
    # ===================================================================
    def add_result_for(
        self,
        method: str,
        ok: bool = True,
        result: Any = None,
        *,
        error_code: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        delay: float = 0.0,
        times: int = 1,
    ) -> None:
        """Queue the answer to the next ``times`` calls of ``method`` (FIFO per method).

        ``ok=False`` returns ``{"ok": false, "error_code": ..., "description": ...}``
        with the matching HTTP status; ``retry_after`` adds
        ``parameters.retry_after`` (PTB -> ``RetryAfter``; implies error_code
        429 when none is given), ``migrate_to_chat_id``
        adds ``parameters.migrate_to_chat_id`` (PTB -> ``ChatMigrated``).  With
        ``ok=True`` the ``result`` is returned verbatim; ``result=None`` keeps the
        normal behaviour (combine with ``delay`` to make a call slow).
        A scripted failure has no side effect (a failed sendMessage is not in
        :meth:`sent_messages`), just as on Telegram.  Note PTB rewrites
        descriptions (drops "Bad Request: ", then ``str.capitalize()`` lowercases
        the rest), so match them with ``(?i)`` in ``pytest.raises``.
        """
        if retry_after is not None and error_code == 400 and not ok:
            error_code = 429
        scripted = ScriptedResult(
            ok=ok,
            result=result,
            error_code=error_code,
            description=description,
            retry_after=retry_after,
            migrate_to_chat_id=migrate_to_chat_id,
            delay=delay,
        )
        with self._cond:
            queue = self._s.scripted.setdefault(method.lower(), deque())
            queue.extend(scripted for _ in range(times))

    def register_method(self, method: str, handler: Callable[[dict[str, Any]], Any]) -> None:
        """Implement (or override) a Bot API method: ``handler(params) -> result``.

        Raise :class:`TelegramAPIError` from the handler to answer with an error.
        Escape hatch for methods this fake does not know (they answer 404).
        """
        with self._cond:
            self._custom[method.lower()] = lambda params, _token: handler(params)

    def block_chat(self, chat_id: int | str) -> None:
        """Make sends to ``chat_id`` fail with 403 "bot was blocked by the user"."""
        with self._cond:
            self._s.blocked_chats.add(chat_id)

    def unblock_chat(self, chat_id: int | str) -> None:
        """The user unblocked the bot: sends to ``chat_id`` go through again."""
        with self._cond:
            self._s.blocked_chats.discard(chat_id)

    def add_file(
        self,
        file_id: str,
        data: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        """Make ``file_id`` downloadable through ``getFile`` and the file route."""
        with self._cond:
            return self._store_file(file_id, data, file_name, mime_type)

    # ===================================================================
    # Driving updates
    # ===================================================================
    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue an update for ``getUpdates``; assigns a fresh ``update_id`` if missing.

        Returns the update id.  Ids are kept monotonically increasing, as
        Telegram's are (an explicit id bumps the counter past it).
        """
        payload = dict(update)
        with self._cond:
            if "update_id" not in payload:
                payload["update_id"] = self._s.next_update_id
            uid = int(payload["update_id"])
            self._s.next_update_id = max(self._s.next_update_id, uid + 1)
            self._remember_update(payload)
            self._s.updates.append(payload)
            self._cond.notify_all()
        return uid

    def push_raw_update(self, update: Mapping[str, Any]) -> int:
        """Deliver ``update`` exactly as given on the next ``getUpdates``, even a duplicate.

        Unlike :meth:`push_update` it is delivered even if its ``update_id`` is
        already confirmed, emulating Telegram re-sending after a crash or a
        lost offset.  Use it for exactly-once / idempotency tests.
        """
        payload = dict(update)
        if "update_id" not in payload:
            raise ValueError("push_raw_update needs an explicit update_id")
        with self._cond:
            self._remember_update(payload)
            self._s.redeliver.append(payload)
            self._cond.notify_all()
        return int(payload["update_id"])

    def pushed_update(self, update_id: int) -> dict[str, Any]:
        """A copy of the update pushed with ``update_id`` (e.g. to re-send it via push_raw_update)."""
        with self._cond:
            return json.loads(json.dumps(self._s.history[update_id]))  # type: ignore[no-any-return]

    def push_text(
        self,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        first_name: str = "Ann",
        chat_type: str = "private",
        update_id: int | None = None,
        *,
        reply_to_message_id: int | None = None,
    ) -> int:
        """Push a text message update; ``/command`` text gets a ``bot_command`` entity.

        The entity is what makes PTB's ``CommandHandler`` fire; without it a
        "/start" is just text.  Returns the update id.
        """
        extra: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        if reply_to_message_id is not None:
            with self._cond:
                replied = self._s.messages.get((chat_id, reply_to_message_id))
            if replied is not None:
                extra["reply_to_message"] = replied
        return self._push_message(chat_id, user_id, first_name, chat_type, update_id, extra)

    def push_callback(
        self,
        chat_id: int,
        data: str,
        message_id: int | None = None,
        user_id: int | None = None,
        first_name: str = "Ann",
    ) -> int:
        """Push a ``callback_query`` (inline button press) on a message.

        ``message_id=None`` picks the bot's latest message in the chat.  If the
        message is unknown the update carries an *inaccessible* message
        (``date: 0``), as Telegram does for old or deleted messages.
        """
        with self._cond:
            if message_id is None:
                bot_ids = [
                    mid
                    for (cid, mid), m in self._s.messages.items()
                    if cid == chat_id and m["from"]["is_bot"]
                ]
                if not bot_ids:
                    raise ValueError(f"push_callback: the bot sent no message to chat {chat_id}")
                message_id = max(bot_ids)
            chat = self._chat(chat_id)
            message = self._s.messages.get((chat_id, message_id)) or {
                "message_id": message_id,
                "date": 0,
                "chat": chat,
            }
            query_id = str(next(self._ids) * 1000 + 7)
            uid = user_id if user_id is not None else _default_user(chat_id)
            update = {
                "callback_query": {
                    "id": query_id,
                    "from": _user(uid, first_name),
                    "chat_instance": f"ci{chat_id}",
                    "message": message,
                    "data": data,
                }
            }
        return self.push_update(update)

    def push_document(
        self,
        chat_id: int,
        file_name: str,
        data: bytes,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
        user_id: int | None = None,
        first_name: str = "Ann",
    ) -> int:
        """Push a message with a document; its bytes become downloadable via ``getFile``."""
        with self._cond:
            stored = self._store_file(self._new_file_id("BQAC"), data, file_name, mime_type)
        extra: dict[str, Any] = {"document": stored.as_document()}
        if caption is not None:
            extra["caption"] = caption
        return self._push_message(chat_id, user_id, first_name, "private", None, extra)

    def push_photo(
        self,
        chat_id: int,
        data: bytes = b"\xff\xd8\xff\xe0fake-jpeg",
        *,
        caption: str | None = None,
        user_id: int | None = None,
        first_name: str = "Ann",
    ) -> int:
        """Push a photo message (two ``PhotoSize`` entries, the larger one last, like Telegram)."""
        with self._cond:
            big = self._store_file(self._new_file_id("AgAC"), data, None, "image/jpeg")
            small = self._store_file(
                self._new_file_id("AgAC"), data[: max(1, len(data) // 4)], None, "image/jpeg"
            )
        photo = [
            {**_photo_size(small), "width": 90, "height": 67},
            {**_photo_size(big), "width": 1280, "height": 960},
        ]
        extra: dict[str, Any] = {"photo": photo}
        if caption is not None:
            extra["caption"] = caption
        return self._push_message(chat_id, user_id, first_name, "private", None, extra)

    def push_voice(
        self,
        chat_id: int,
        data: bytes = b"OggS\x00fake-opus",
        duration: int = 3,
        *,
        user_id: int | None = None,
        first_name: str = "Ann",
    ) -> int:
        """Push a voice note (audio/ogg); its bytes are downloadable."""
        with self._cond:
            stored = self._store_file(self._new_file_id("AwAC"), data, None, "audio/ogg")
        voice = {**stored.as_document(), "duration": duration}
        return self._push_message(chat_id, user_id, first_name, "private", None, {"voice": voice})

    def push_sticker(
        self,
        chat_id: int,
        emoji: str = "👍",
        *,
        user_id: int | None = None,
        first_name: str = "Ann",
    ) -> int:
        """Push a sticker message (a non-text input the bot should handle gracefully)."""
        with self._cond:
            stored = self._store_file(self._new_file_id("CAAC"), b"RIFF-fake-webp", None, "image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "FakeStickers",
            "file_size": len(stored.data),
        }
        return self._push_message(chat_id, user_id, first_name, "private", None, {"sticker": sticker})

    def deliver_to_webhook(self, update: Mapping[str, Any], timeout: float = 10.0) -> int:
        """POST ``update`` to the URL from ``setWebhook`` (with the secret header); return the status.

        Blocking: from async tests call ``await asyncio.to_thread(server.deliver_to_webhook, u)``.
        """
        with self._cond:
            hook = self._s.webhook
            url, secret = hook.url, hook.secret_token
            payload = dict(update)
            if "update_id" not in payload:
                payload["update_id"] = self._s.next_update_id
            self._s.next_update_id = max(self._s.next_update_id, int(payload["update_id"]) + 1)
            self._remember_update(payload)
        if not url:
            raise RuntimeError("deliver_to_webhook: no webhook set (call setWebhook first)")
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        req = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as err:
            return int(err.code)

    # ===================================================================
    # Observing
    # ===================================================================
    @property
    def calls(self) -> list[Call]:
        """Every call received, scripted or not, in order (a snapshot copy)."""
        with self._cond:
            return list(self._s.calls)

    @property
    def timed_calls(self) -> list[tuple[float, Call]]:
        """Every call with the ``time.monotonic()`` it arrived at, in order."""
        with self._cond:
            return list(zip(self._s.call_times, self._s.calls, strict=True))

    @property
    def held_polls(self) -> int:
        """``getUpdates`` calls being held right now (long polls waiting for an update)."""
        with self._cond:
            return self._s.polls_held

    @property
    def flood_violations(self) -> list[Call]:
        """Calls to a chat made before the ``retry_after`` of a 429 for that chat was up."""
        with self._cond:
            return list(self._s.flood_violations)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """Params of every call to ``method`` (case-insensitive), in order."""
        wanted = method.lower()
        return [params for name, params in self.calls if name.lower() == wanted]

    def sent_messages(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Params of each *successful* sendMessage (decoded: ``chat_id`` int, ``reply_markup`` dict).

        Each dict also carries the ``message_id`` the fake assigned, so a test
        can press a button on it with :meth:`push_callback`.
        """
        with self._cond:
            sent = list(self._s.sent)
        return [m for m in sent if chat_id is None or m.get("chat_id") == chat_id]

    def last_message(self, chat_id: int | str | None = None) -> dict[str, Any]:
        """The latest successful sendMessage params (AssertionError if none)."""
        sent = self.sent_messages(chat_id)
        assert sent, f"no message was sent{'' if chat_id is None else f' to chat {chat_id}'}"
        return sent[-1]

    @property
    def uploads(self) -> list[UploadedFile]:
        """Files uploaded by the bot via multipart, with filename and bytes."""
        with self._cond:
            return list(self._s.uploads)

    @property
    def answered_callbacks(self) -> list[dict[str, Any]]:
        return self.calls_to("answerCallbackQuery")

    @property
    def confirmed_offset(self) -> int:
        """Highest ``offset`` the bot sent to ``getUpdates`` (updates below it are confirmed)."""
        with self._cond:
            return self._s.confirmed_offset

    @property
    def delivered_update_ids(self) -> list[int]:
        """Update ids handed out by ``getUpdates`` so far, in delivery order (with repeats)."""
        with self._cond:
            return list(self._s.delivered_ids)

    @property
    def pending_update_count(self) -> int:
        with self._cond:
            return len(self._s.updates) + len(self._s.redeliver)

    @property
    def webhook_url(self) -> str:
        with self._cond:
            return self._s.webhook.url

    def clear_calls(self) -> None:
        """Forget recorded calls/messages/uploads (state such as chats and files stays)."""
        with self._cond:
            self._s.calls.clear()
            self._s.sent.clear()
            self._s.uploads.clear()

    async def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 10.0,
        message: str = "",
    ) -> T:
        """Await until ``predicate()`` is truthy and return its value.

        Polls with ``asyncio.sleep`` so the bot under test keeps running on the
        same loop.  On timeout raises AssertionError listing the last calls,
        which is usually the clue to why the bot did not do what was expected.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if loop.time() >= deadline:
                recent = ", ".join(name for name, _ in self.calls[-15:])
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {message or predicate!r}; recent calls: [{recent}]"
                )
            await asyncio.sleep(0.01)

    async def wait_for_messages(
        self, n: int = 1, chat_id: int | str | None = None, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Await until at least ``n`` messages were sent (to ``chat_id``); return them all."""

        def enough() -> list[dict[str, Any]] | None:
            sent = self.sent_messages(chat_id)
            return sent if len(sent) >= n else None

        where = "" if chat_id is None else f" to chat {chat_id}"
        found = await self.wait_for(enough, timeout=timeout, message=f"{n} sent message(s){where}")
        assert found is not None
        return found

    async def wait_for_call(self, method: str, n: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Await until ``method`` was called at least ``n`` times; return all its params."""

        def enough() -> list[dict[str, Any]] | None:
            calls = self.calls_to(method)
            return calls if len(calls) >= n else None

        found = await self.wait_for(enough, timeout=timeout, message=f"{n} call(s) to {method}")
        assert found is not None
        return found

    async def wait_for_delivery(self, update_id: int, timeout: float = 10.0) -> None:
        """Await until ``getUpdates`` handed out ``update_id`` (not necessarily processed yet)."""
        await self.wait_for(
            lambda: update_id in self.delivered_update_ids,
            timeout=timeout,
            message=f"delivery of update {update_id}",
        )

    # ===================================================================
    # HTTP entry point
    # ===================================================================
    def _on_stop(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        path = unquote(request.path)
        if path.startswith("/file/bot") and request.method == "GET":
            return self._serve_file(path.removeprefix("/file/bot"))
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", path)
        if match is None:
            return _error_response(404, "Not Found")
        token, method = match.group(1), match.group(2)
        try:
            params = _decode_params(request)
        except ValueError as exc:
            return _error_response(400, f"Bad Request: {exc}")
        key = method.lower()
        canonical = self._methods[key][0] if key in self._methods else method
        for value in params.values():
            if isinstance(value, UploadedFile):
                value.method = canonical
        chat = params.get("chat_id")
        chat = chat if isinstance(chat, (int, str)) and not isinstance(chat, bool) else None
        with self._cond:
            now = time.monotonic()
            self._s.calls.append(Call(canonical, params))
            self._s.call_times.append(now)
            flood_until = self._s.flood_until.get(chat) if chat is not None else None
            if flood_until is not None and now < flood_until:
                # Telegram answers a call made too early with another 429 and the time still to wait.
                self._s.flood_violations.append(Call(canonical, params))
                remaining = max(1, int(flood_until - now + 0.999))
                return _error_response(429, f"Too Many Requests: retry after {remaining}", {"retry_after": remaining})
            scripted_queue = self._s.scripted.get(key)
            scripted = scripted_queue.popleft() if scripted_queue else None
            custom = self._custom.get(key)
            if scripted is not None and not scripted.ok and scripted.retry_after is not None and chat is not None:
                self._s.flood_until[chat] = now + scripted.retry_after
        if self.token is not None and token != self.token:
            return _error_response(401, "Unauthorized")
        delay = 0.0
        if scripted is not None:
            delay = scripted.delay
            if not scripted.ok:
                response = _scripted_error(scripted)
                response.delay = delay
                return response
            if scripted.result is not None:
                return _ok_response(scripted.result, delay)
        handler = custom or (self._methods[key][1] if key in self._methods else None)
        if handler is None:
            return _error_response(404, "Not Found: method not found")
        try:
            result = handler(params, token)
        except TelegramAPIError as err:
            response = _error_response(err.error_code, err.description, err.parameters)
            response.delay = delay
            return response
        return _ok_response(result, delay)

    def internal_error(self, request: HTTPRequest, exc: Exception) -> HTTPResponse:
        """Answer in Bot API shape so PTB raises a readable ``TelegramError``."""
        super().internal_error(request, exc)
        return _error_response(500, f"Internal Server Error: fake telegram crashed: {exc!r}")

    def _serve_file(self, rest: str) -> HTTPResponse:
        token, _, file_path = rest.partition("/")
        if self.token is not None and token != self.token:
            return _error_response(401, "Unauthorized")
        with self._cond:
            stored = self._s.files_by_path.get(file_path)
        if stored is None:
            return _error_response(404, "Not Found")
        return HTTPResponse(200, stored.data, content_type=stored.mime_type or "application/octet-stream")

    # ===================================================================
    # Method implementations (called without the lock held)
    # ===================================================================
    def _bot_user(self, token: str) -> dict[str, Any]:
        prefix = token.split(":", 1)[0]
        return {
            "id": int(prefix) if prefix.isdigit() else 123456,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _m_true(self, params: dict[str, Any], token: str) -> bool:
        return True

    def _m_get_me(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        return {
            **self._bot_user(token),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_get_updates(self, params: dict[str, Any], token: str) -> list[dict[str, Any]]:
        offset = _as_int(params.get("offset"), 0)
        limit = max(1, min(_as_int(params.get("limit"), 100), 100))
        timeout = max(0.0, float(params.get("timeout") or 0))
        if self.max_poll_wait is not None:
            timeout = min(timeout, self.max_poll_wait)
        allowed = params.get("allowed_updates")
        with self._cond:
            if self._s.webhook.url:
                raise TelegramAPIError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
                )
            if isinstance(allowed, list):
                # Telegram remembers the last list; an empty list means "default types".
                self._s.allowed_updates = [str(a) for a in allowed] or None
            self._confirm(offset)
            self._s.poll_generation += 1
            generation = self._s.poll_generation
            self._s.polls_held += 1
            try:
                self._wait_locked(
                    lambda: self.stop_event.is_set()
                    or self._s.poll_generation != generation
                    or bool(self._deliverable(offset, limit)),
                    timeout,
                )
            finally:
                self._s.polls_held -= 1
            if self._s.poll_generation != generation:
                # Another getUpdates arrived while this one was held: Telegram ends the older one.
                raise TelegramAPIError(409, _ERROR_DESCRIPTIONS[409])
            batch = self._deliverable(offset, limit)
            handed_out = {id(u) for u in batch}
            self._s.redeliver = [u for u in self._s.redeliver if id(u) not in handed_out]
            self._s.delivered_ids.extend(int(u["update_id"]) for u in batch)
            return [json.loads(json.dumps(u)) for u in batch]

    def _wait_locked(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """``Condition.wait_for`` without a threading timeout (faketime-proof); the lock is held."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._cond.release()
            try:
                pause(min(_WAIT_STEP_S, remaining))
            finally:
                self._cond.acquire()
        return True

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._s.confirmed_offset = max(self._s.confirmed_offset, offset)
            self._s.updates = [u for u in self._s.updates if int(u["update_id"]) >= offset]
        elif offset < 0:
            keep = self._s.updates[offset:]
            if keep:
                self._s.confirmed_offset = max(self._s.confirmed_offset, int(keep[0]["update_id"]))
            self._s.updates = keep

    def _deliverable(self, offset: int, limit: int) -> list[dict[str, Any]]:
        allowed = self._s.allowed_updates

        def wanted(update: Mapping[str, Any]) -> bool:
            kinds = [k for k in update if k != "update_id"]
            kind = kinds[0] if kinds else ""
            return kind not in _UPDATE_TYPES_DEFAULT_EXCLUDED if allowed is None else kind in allowed

        fresh = [u for u in self._s.updates if int(u["update_id"]) >= offset and wanted(u)]
        redelivered = [u for u in self._s.redeliver if wanted(u)]
        return (redelivered + fresh)[:limit]

    def _m_set_webhook(self, params: dict[str, Any], token: str) -> bool:
        url = str(params.get("url") or "")
        if url and not url.startswith(("https://", "http://")):
            raise TelegramAPIError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        with self._cond:
            allowed = params.get("allowed_updates")
            self._s.webhook = _Webhook(
                url=url,
                secret_token=params.get("secret_token"),
                allowed_updates=allowed if isinstance(allowed, list) else None,
                max_connections=params.get("max_connections"),
            )
            if params.get("drop_pending_updates"):
                self._s.updates.clear()
        return True

    def _m_delete_webhook(self, params: dict[str, Any], token: str) -> bool:
        with self._cond:
            self._s.webhook = _Webhook()
            if params.get("drop_pending_updates"):
                self._s.updates.clear()
                self._s.redeliver.clear()
        return True

    def _m_get_webhook_info(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        with self._cond:
            hook = self._s.webhook
            info: dict[str, Any] = {
                "url": hook.url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._s.updates),
            }
            if hook.allowed_updates is not None:
                info["allowed_updates"] = hook.allowed_updates
            if hook.max_connections is not None:
                info["max_connections"] = hook.max_connections
        return info

    @staticmethod
    def _commands_key(params: Mapping[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _m_set_my_commands(self, params: dict[str, Any], token: str) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise TelegramAPIError(400, "Bad Request: can't parse commands JSON object")
        for cmd in commands:
            name = str(cmd.get("command", "")) if isinstance(cmd, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise TelegramAPIError(400, "Bad Request: BOT_COMMAND_INVALID")
        with self._cond:
            self._s.commands[self._commands_key(params)] = commands
        return True

    def _m_get_my_commands(self, params: dict[str, Any], token: str) -> list[dict[str, Any]]:
        with self._cond:
            return list(self._s.commands.get(self._commands_key(params), []))

    def _m_delete_my_commands(self, params: dict[str, Any], token: str) -> bool:
        with self._cond:
            self._s.commands.pop(self._commands_key(params), None)
        return True

    def _m_send_message(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        chat_id = self._require_chat(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise TelegramAPIError(400, "Bad Request: message text is empty")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise TelegramAPIError(400, "Bad Request: message is too long")
        plain = self._check_entities(text, params.get("parse_mode"))
        extra: dict[str, Any] = {"text": plain}
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            # Telegram only echoes inline keyboards in Message.reply_markup.
            extra["reply_markup"] = markup
        reply_to = _reply_to_id(params)
        with self._cond:
            if reply_to is not None and (chat_id, reply_to) in self._s.messages:
                extra["reply_to_message"] = self._s.messages[(chat_id, reply_to)]
            message = self._new_message(chat_id, self._bot_user(token), extra)
            self._s.raw_texts[(chat_id, message["message_id"])] = text
            self._s.sent.append({**params, "message_id": message["message_id"]})
        return message

    def _m_edit_message_text(self, params: dict[str, Any], token: str) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            return True
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise TelegramAPIError(400, "Bad Request: message text is empty")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise TelegramAPIError(400, "Bad Request: MESSAGE_TOO_LONG")
        plain = self._check_entities(text, params.get("parse_mode"))
        markup = params.get("reply_markup")
        with self._cond:
            key, message = self._editable_message(params)
            if self._s.raw_texts.get(key) == text and message.get("reply_markup") == markup:
                raise TelegramAPIError(400, _NOT_MODIFIED)
            message["text"] = plain
            self._s.raw_texts[key] = text
            _set_markup(message, markup)
            message["edit_date"] = int(time.time())
            return dict(message)

    def _m_edit_message_reply_markup(self, params: dict[str, Any], token: str) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            return True
        markup = params.get("reply_markup")
        with self._cond:
            _, message = self._editable_message(params)
            if message.get("reply_markup") == (markup or None):
                raise TelegramAPIError(400, _NOT_MODIFIED)
            _set_markup(message, markup)
            message["edit_date"] = int(time.time())
            return dict(message)

    def _m_delete_message(self, params: dict[str, Any], token: str) -> bool:
        chat_id = self._require_chat(params)
        message_id = _as_int(params.get("message_id"), 0)
        with self._cond:
            if self._s.messages.pop((chat_id, message_id), None) is None:
                raise TelegramAPIError(400, "Bad Request: message to delete not found")
            self._s.raw_texts.pop((chat_id, message_id), None)
        return True

    def _m_answer_callback_query(self, params: dict[str, Any], token: str) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        with self._cond:
            if query_id not in self._s.callback_ids:
                raise TelegramAPIError(
                    400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
                )
        return True

    def _m_send_chat_action(self, params: dict[str, Any], token: str) -> bool:
        self._require_chat(params)
        return True

    def _m_send_media(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        chat_id = self._require_chat(params)
        # The media field is the one that is an upload or a str file_id/URL.
        kinds = ("document", "photo", "voice", "audio")
        kind = next((k for k in kinds if k in params), None)
        if kind is None:
            raise TelegramAPIError(400, "Bad Request: there is no document in the request")
        caption = params.get("caption")
        if isinstance(caption, str) and len(caption) > MAX_CAPTION_LENGTH:
            raise TelegramAPIError(400, "Bad Request: message caption is too long")
        value = params[kind]
        with self._cond:
            if isinstance(value, UploadedFile):
                prefix = {"document": "BQAC", "photo": "AgAC", "voice": "AwAC", "audio": "CQAC"}[kind]
                stored = self._store_file(
                    self._new_file_id(prefix), value.data, value.filename, value.content_type
                )
                value.chat_id = chat_id
                value.file_id = stored.file_id
                self._s.uploads.append(value)
            elif isinstance(value, str) and value in self._s.files:
                stored = self._s.files[value]
            elif isinstance(value, str):
                # A URL (Telegram would fetch it) or an unknown file_id.
                if not value.startswith(("http://", "https://")):
                    raise TelegramAPIError(400, "Bad Request: wrong file identifier/HTTP URL specified")
                stored = self._store_file(self._new_file_id("BQAC"), b"", value.rsplit("/", 1)[-1], None)
            else:
                raise TelegramAPIError(400, f"Bad Request: can't parse {kind}")
            extra: dict[str, Any] = {}
            if kind == "photo":
                extra["photo"] = [{**_photo_size(stored), "width": 1280, "height": 960}]
            elif kind == "voice":
                extra["voice"] = {**stored.as_document(), "duration": 1}
            elif kind == "audio":
                extra["audio"] = {**stored.as_document(), "duration": 1}
            else:
                extra["document"] = stored.as_document()
            if isinstance(caption, str):
                extra["caption"] = self._check_entities(caption, params.get("parse_mode"))
            return self._new_message(chat_id, self._bot_user(token), extra)

    def _m_get_file(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        with self._cond:
            stored = self._s.files.get(file_id)
        if stored is None:
            raise TelegramAPIError(400, "Bad Request: invalid file_id")
        return stored.as_file()

    # ===================================================================
    # Helpers (callers hold the lock where they touch state)
    # ===================================================================
    def _require_chat(self, params: Mapping[str, Any]) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise TelegramAPIError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, (int, str)) or isinstance(chat_id, bool):
            raise TelegramAPIError(400, "Bad Request: chat not found")
        with self._cond:
            if chat_id in self._s.blocked_chats:
                raise TelegramAPIError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _chat(self, chat_id: int | str) -> dict[str, Any]:
        known = self._s.chats.get(chat_id)
        if known is not None:
            return known
        if isinstance(chat_id, int) and chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Ann"}
        if isinstance(chat_id, str):
            return {
                "id": -1001234567890,
                "type": "channel",
                "title": chat_id,
                "username": chat_id.lstrip("@"),
            }
        return {"id": chat_id, "type": "group", "title": "Test group"}

    def _new_message(
        self, chat_id: int | str, sender: dict[str, Any], extra: dict[str, Any]
    ) -> dict[str, Any]:
        message_id = self._s.message_ids.get(chat_id, 0) + 1
        self._s.message_ids[chat_id] = message_id
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": sender,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **extra,
        }
        self._s.messages[(chat_id, message_id)] = message
        return message

    def _editable_message(self, params: Mapping[str, Any]) -> tuple[tuple[int | str, int], dict[str, Any]]:
        chat_id = params.get("chat_id")
        message_id = _as_int(params.get("message_id"), 0)
        if not isinstance(chat_id, (int, str)):
            raise TelegramAPIError(400, "Bad Request: chat_id is empty")
        key = (chat_id, message_id)
        message = self._s.messages.get(key)
        if message is None:
            raise TelegramAPIError(400, "Bad Request: message to edit not found")
        if not message["from"]["is_bot"]:
            raise TelegramAPIError(400, "Bad Request: message can't be edited")
        return key, message

    def _push_message(
        self,
        chat_id: int,
        user_id: int | None,
        first_name: str,
        chat_type: str,
        update_id: int | None,
        extra: dict[str, Any],
    ) -> int:
        uid = user_id if user_id is not None else _default_user(chat_id)
        with self._cond:
            if chat_id not in self._s.chats:
                if chat_type == "private":
                    self._s.chats[chat_id] = {"id": chat_id, "type": "private", "first_name": first_name}
                else:
                    self._s.chats[chat_id] = {"id": chat_id, "type": chat_type, "title": "Test group"}
            message = self._new_message(chat_id, _user(uid, first_name), extra)
        update: dict[str, Any] = {"message": message}
        if update_id is not None:
            update["update_id"] = update_id
        return self.push_update(update)

    def _remember_update(self, update: Mapping[str, Any]) -> None:
        self._s.history.setdefault(int(update["update_id"]), json.loads(json.dumps(update)))
        query = update.get("callback_query")
        if isinstance(query, Mapping) and "id" in query:
            self._s.callback_ids.add(str(query["id"]))
        message = update.get("message")
        if isinstance(message, Mapping) and isinstance(message.get("chat"), Mapping):
            chat = dict(message["chat"])
            self._s.chats.setdefault(chat["id"], chat)

    def _new_file_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}fake"

    def _store_file(
        self, file_id: str, data: bytes, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        folder = (
            "photos"
            if (mime_type or "").startswith("image/")
            else "voice"
            if mime_type == "audio/ogg"
            else "documents"
        )
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        elif mime_type == "image/jpeg":
            suffix = ".jpg"
        elif mime_type == "audio/ogg":
            suffix = ".oga"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id="AQAD" + hashlib.sha1(file_id.encode()).hexdigest()[:12],
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"{folder}/file_{next(self._ids)}{suffix}",
        )
        self._s.files[file_id] = stored
        self._s.files_by_path[stored.file_path] = stored
        return stored

    def _check_entities(self, text: str, parse_mode: Any) -> str:
        """Return the plain text Telegram would store; raise on markup it would reject."""
        if not self.validate_entities or not isinstance(parse_mode, str):
            return text
        mode = parse_mode.lower()
        if mode == "html":
            return _check_html(text)
        if mode == "markdownv2":
            _check_markdown_v2(text)
        return text


_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup of the "
    "message are exactly the same as a current content and reply markup of the message"
)


# ======================================================================
# Module helpers
# ======================================================================
def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _user(user_id: int, first_name: str) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}


def _default_user(chat_id: int | str) -> int:
    """In private chats the user id equals the chat id; in groups use a fixed member."""
    return chat_id if isinstance(chat_id, int) and chat_id > 0 else 777


def _photo_size(stored: StoredFile) -> dict[str, Any]:
    return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": len(stored.data)}


def _set_markup(message: dict[str, Any], markup: Any) -> None:
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


def _as_int(value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TelegramAPIError(400, f"Bad Request: invalid integer {value!r}") from None


def _reply_to_id(params: Mapping[str, Any]) -> int | None:
    if "reply_to_message_id" in params:
        return _as_int(params["reply_to_message_id"], 0)
    reply = params.get("reply_parameters")
    if isinstance(reply, dict) and "message_id" in reply:
        return _as_int(reply["message_id"], 0)
    return None


def _decode_value(name: str, raw: str) -> Any:
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _decode_params(request: HTTPRequest) -> dict[str, Any]:
    """Decode query string + JSON / urlencoded / multipart bodies into one dict."""
    params: dict[str, Any] = {
        k: _decode_value(k, v) for k, v in parse_qsl(request.query, keep_blank_values=True)
    }
    content_type = request.header("content-type").lower()
    body = request.body
    if not body:
        return params
    if content_type.startswith("application/json"):
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise ValueError("JSON body must be an object")
        params.update(decoded)
    elif content_type.startswith("multipart/form-data"):
        params.update(_decode_multipart(request.header("content-type"), body))
    else:
        text = body.decode("utf-8")
        params.update({k: _decode_value(k, v) for k, v in parse_qsl(text, keep_blank_values=True)})
    return params


def _decode_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    params: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None or part.get_content_type() not in ("text/plain",):
            params[name] = UploadedFile(
                method="",
                field=name,
                filename=filename,
                content_type=part.get_content_type(),
                data=data,
            )
        else:
            params[name] = _decode_value(name, data.decode(part.get_content_charset() or "utf-8"))
    return params


def _ok_response(result: Any, delay: float = 0.0) -> HTTPResponse:
    return HTTPResponse(200, json.dumps({"ok": True, "result": result}).encode(), delay=delay)


def _error_response(code: int, description: str, parameters: dict[str, Any] | None = None) -> HTTPResponse:
    payload: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        payload["parameters"] = parameters
    return HTTPResponse(code, json.dumps(payload).encode())


def _scripted_error(scripted: ScriptedResult) -> HTTPResponse:
    parameters: dict[str, Any] = {}
    if scripted.retry_after is not None:
        parameters["retry_after"] = scripted.retry_after
    if scripted.migrate_to_chat_id is not None:
        parameters["migrate_to_chat_id"] = scripted.migrate_to_chat_id
    description = scripted.description
    if description is None:
        if scripted.retry_after is not None:
            description = f"Too Many Requests: retry after {scripted.retry_after}"
        elif scripted.migrate_to_chat_id is not None:
            description = "Bad Request: group chat was upgraded to a supergroup chat"
        else:
            description = _ERROR_DESCRIPTIONS.get(scripted.error_code, "Error")
    return _error_response(scripted.error_code, description, parameters or None)


# ----------------------------------------------------------------------
# Light entity validation (catches the classic "can't parse entities")
# ----------------------------------------------------------------------
_HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
     "blockquote", "tg-emoji"}
)  # fmt: skip


class _TelegramHTMLChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None
        self.plain: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.error:
            return
        if tag not in _HTML_TAGS:
            self.error = f'Unsupported start tag "{tag}"'
            return
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.error:
            return
        if not self.stack or self.stack[-1] != tag:
            self.error = (
                f'Unexpected end tag "{tag}"' if tag in _HTML_TAGS else f'Unsupported end tag "{tag}"'
            )
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.plain.append(data)


def _check_html(text: str) -> str:
    checker = _TelegramHTMLChecker()
    checker.feed(text)
    checker.close()
    if checker.error is None and checker.stack:
        checker.error = f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    if checker.error is not None:
        raise TelegramAPIError(400, f"Bad Request: can't parse entities: {checker.error}")
    return "".join(checker.plain)


# Characters that must always be escaped in MarkdownV2 outside code/pre and link URLs
# and that never start an entity; checking only these avoids false positives.
_MDV2_ALWAYS_RESERVED = frozenset(".!+=#{}-")


def _check_markdown_v2(text: str) -> None:
    index = 0
    in_code: str | None = None  # "`" or "```"
    in_url = False
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if in_code:
            if text.startswith(in_code, index):
                index += len(in_code)
                in_code = None
                continue
            index += 1
            continue
        if text.startswith("```", index):
            in_code, index = "```", index + 3
            continue
        if char == "`":
            in_code, index = "`", index + 1
            continue
        if text.startswith("](", index):
            in_url, index = True, index + 2
            continue
        if in_url:
            if char == ")":
                in_url = False
            index += 1
            continue
        if char == "!" and text.startswith("![", index):
            index += 1  # custom emoji: ![👍](tg://emoji?id=...)
            continue
        if char in _MDV2_ALWAYS_RESERVED:
            raise TelegramAPIError(
                400,
                f"Bad Request: can't parse entities: Character '{char}' is reserved and must be escaped "
                "with the preceding '\\'",
            )
        index += 1


# ======================================================================
# PTB convenience
# ======================================================================
@asynccontextmanager
async def polling(
    app: Application[Any, Any, Any, Any, Any, Any],
    *,
    timeout: int = 1,
    allowed_updates: Iterable[str] | None = None,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Run ``app`` with long polling for the duration of the block, then shut it down cleanly.

    Order matters: updater.stop -> app.stop -> app.shutdown, otherwise PTB
    leaves tasks or the httpx client open (and ``filterwarnings=error`` bites).
    """
    await app.initialize()
    try:
        await app.start()
        assert app.updater is not None, "Application was built with updater(None)"
        await app.updater.start_polling(
            poll_interval=0,
            timeout=timeout,
            allowed_updates=list(allowed_updates) if allowed_updates is not None else None,
        )
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
    finally:
        await app.shutdown()
