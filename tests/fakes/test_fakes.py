"""Self-tests: prove the fakes speak the protocols the *real* clients expect.

Why: a fake that drifts from the real API makes every test built on it
meaningless.  These tests drive the fakes only through python-telegram-bot and
the anthropic SDK (plus a few raw HTTP calls for protocol corners), so a client
upgrade that changes paths, encodings or error mapping shows up here first.

No fixed sleeps are used as assertions: everything waits on observable state
with generous timeouts, so a loaded 2-core CI box does not make them flaky.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from typing import Any

import anthropic
import pytest
from anthropic.types import TextBlock, ToolParam, ToolUseBlock
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.anthropic_api import NO_SCRIPT_LEFT, FakeAnthropicServer, ToolUse
from tests.fakes.fixtures import anthropic_client, anthropic_server, ptb_app, telegram_server  # noqa: F401
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramServer, polling

PTBApp = Application[Any, Any, Any, Any, Any, Any]
MODEL = "claude-test"
TOOLS: list[ToolParam] = [
    {
        "name": "log_workout",
        "description": "Record a completed workout.",
        "input_schema": {
            "type": "object",
            "properties": {"sport": {"type": "string"}, "minutes": {"type": "integer"}},
            "required": ["sport", "minutes"],
        },
    },
    {
        "name": "get_plan",
        "description": "Read the athlete's plan.",
        "input_schema": {"type": "object", "properties": {}},
    },
]


def make_bot(server: FakeTelegramServer, token: str = DEFAULT_TOKEN) -> Bot:
    return Bot(token, base_url=server.bot_base_url, base_file_url=server.file_base_url)


def raw_post(url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST JSON with urllib (bypassing PTB) and return (status, decoded body)."""
    req = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status), json.loads(resp.read())
    except urllib.error.HTTPError as err:
        with err:
            return int(err.code), json.loads(err.read())


# =====================================================================
# Telegram: a real PTB Application end to end
# =====================================================================
async def test_ptb_application_receives_text_and_replies(
    telegram_server: FakeTelegramServer,  # noqa: F811
    ptb_app: PTBApp,  # noqa: F811
) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("Welcome!")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Done", callback_data="done")]])
        sent = await update.message.reply_text(
            f"<b>You said</b> {update.message.text}", parse_mode="HTML", reply_markup=keyboard
        )
        # The fake's answer is parsed by PTB into a full Message from the bot.
        assert sent.from_user is not None and sent.from_user.is_bot
        assert sent.text == "You said " + update.message.text  # markup stripped, like Telegram
        assert sent.reply_markup == keyboard

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Noted")
        await query.edit_message_text(f"Marked {query.data}")

    ptb_app.add_handler(CommandHandler("start", start))
    ptb_app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    ptb_app.add_handler(CallbackQueryHandler(pressed))

    async with polling(ptb_app):
        first = telegram_server.push_text(chat_id=42, text="/start")
        second = telegram_server.push_text(chat_id=42, text="ran 5k")
        welcome, echoed = await telegram_server.wait_for_messages(2, chat_id=42)
        telegram_server.push_callback(chat_id=42, data="done", message_id=echoed["message_id"])
        [edit] = await telegram_server.wait_for_call("editMessageText")

    assert second > first
    assert welcome["text"] == "Welcome!"
    assert echoed["text"] == "<b>You said</b> ran 5k"
    assert echoed["parse_mode"] == "HTML"
    assert echoed["reply_markup"] == {"inline_keyboard": [[{"text": "Done", "callback_data": "done"}]]}
    assert edit == {"chat_id": 42, "message_id": echoed["message_id"], "text": "Marked done"}
    assert telegram_server.answered_callbacks[0]["text"] == "Noted"
    # PTB confirms what it processed with a last getUpdates(offset=...) on stop.
    assert telegram_server.confirmed_offset > second
    methods = [name for name, _ in telegram_server.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"]


async def test_duplicate_update_reaches_the_application_twice(
    telegram_server: FakeTelegramServer,  # noqa: F811
    ptb_app: PTBApp,  # noqa: F811
) -> None:
    """The fake can replay an update id, so exactly-once handling is testable end to end."""
    seen: list[int] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)
        assert update.message is not None
        await update.message.reply_text("logged")

    ptb_app.add_handler(MessageHandler(filters.TEXT, record))
    async with polling(ptb_app):
        uid = telegram_server.push_text(chat_id=3, text="ran 10k")
        await telegram_server.wait_for_messages(1, chat_id=3)
        telegram_server.push_raw_update(telegram_server.pushed_update(uid))
        await telegram_server.wait_for_messages(2, chat_id=3)
    assert seen == [uid, uid]


async def test_scripted_429_surfaces_as_retry_after_and_is_enforced_for_that_chat(telegram_server: FakeTelegramServer) -> None:  # noqa: F811
    telegram_server.add_result_for("sendMessage", ok=False, error_code=429, retry_after=1)
    async with make_bot(telegram_server) as bot:
        with pytest.raises(RetryAfter, match="Retry in 1 seconds"):
            await bot.send_message(chat_id=7, text="plan")
        # Like Telegram, a call to that chat before retry_after is up gets another 429 (and is recorded).
        with pytest.raises(RetryAfter):
            await bot.send_message(chat_id=7, text="too early")
        assert [call.params["text"] for call in telegram_server.flood_violations] == ["too early"]
        await bot.send_message(chat_id=8, text="other chats are not held")
        await asyncio.sleep(1.1)
        message = await bot.send_message(chat_id=7, text="plan")
    assert message.message_id == 1
    # The failed attempts were called but not delivered: exactly one message exists.
    assert len(telegram_server.calls_to("sendMessage")) == 4
    assert [m["text"] for m in telegram_server.sent_messages(7)] == ["plan"]


async def test_get_updates_is_held_for_the_clients_timeout_and_a_second_poller_gets_409() -> None:
    with FakeTelegramServer() as server:
        async with make_bot(server) as bot:
            first = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=40))
            await server.wait_for(lambda: server.held_polls == 1, message="the first long poll held")
            await asyncio.sleep(1.0)
            assert not first.done() and server.held_polls == 1  # held beyond any cap: no update came
            # A second getUpdates (another poller with the same token) ends the first with 409.
            async with make_bot(server) as other:
                second = asyncio.create_task(other.get_updates(timeout=0))
                with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
                    await first
                assert await second == ()


async def test_other_scripted_errors_map_to_ptb_exceptions(telegram_server: FakeTelegramServer) -> None:  # noqa: F811
    telegram_server.add_result_for(
        "sendChatAction", ok=False, error_code=403, description="Forbidden: bot was blocked by the user"
    )
    telegram_server.add_result_for(
        "getMyCommands", ok=True, result=[{"command": "x", "description": "scripted"}]
    )
    telegram_server.block_chat(99)
    async with make_bot(telegram_server) as bot:
        with pytest.raises(Forbidden):
            await bot.send_chat_action(chat_id=7, action="typing")
        assert await bot.send_chat_action(chat_id=7, action="typing") is True
        with pytest.raises(Forbidden, match=r"(?i)blocked"):
            await bot.send_message(chat_id=99, text="hi")
        [command] = await bot.get_my_commands()
        assert command.description == "scripted"


async def test_invalid_token_is_rejected_when_server_has_a_token() -> None:
    with FakeTelegramServer(token="1:RIGHT") as server:
        with pytest.raises(InvalidToken):
            async with make_bot(server, token="1:WRONG"):
                pass
        async with make_bot(server, token="1:RIGHT") as bot:
            assert bot.username == server.bot_username


async def test_file_download_and_upload(telegram_server: FakeTelegramServer) -> None:  # noqa: F811
    telegram_server.add_file(
        "FIT123", b"\x0e\x10fit-bytes", file_name="ride.fit", mime_type="application/octet-stream"
    )
    uid = telegram_server.push_document(42, "run.gpx", b"<gpx/>", "application/gpx+xml")
    async with make_bot(telegram_server) as bot:
        downloaded = await (await bot.get_file("FIT123")).download_as_bytearray()
        assert bytes(downloaded) == b"\x0e\x10fit-bytes"

        [update] = await bot.get_updates(timeout=0)
        assert update.update_id == uid
        assert update.message is not None and update.message.document is not None
        assert update.message.document.file_name == "run.gpx"
        gpx = await (await update.message.document.get_file()).download_as_bytearray()
        assert bytes(gpx) == b"<gpx/>"

        sent = await bot.send_document(
            chat_id=42, document=b"week,km\n1,30\n", filename="plan.csv", caption="Your plan"
        )
        assert sent.document is not None and sent.document.file_name == "plan.csv"
        again = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
        assert bytes(again) == b"week,km\n1,30\n"

        photo = await bot.send_photo(chat_id=42, photo=b"\x89PNG fake", filename="chart.png")
        assert photo.photo and photo.photo[-1].file_size == len(b"\x89PNG fake")

        with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
            await bot.get_file("nope")

    [doc_upload, photo_upload] = telegram_server.uploads
    assert (doc_upload.method, doc_upload.field, doc_upload.filename) == (
        "sendDocument",
        "document",
        "plan.csv",
    )
    assert doc_upload.data == b"week,km\n1,30\n" and doc_upload.chat_id == 42
    assert (photo_upload.method, photo_upload.filename) == ("sendPhoto", "chart.png")
    assert telegram_server.calls_to("sendDocument")[0]["caption"] == "Your plan"


async def test_message_validation_matches_telegram(telegram_server: FakeTelegramServer) -> None:  # noqa: F811
    async with make_bot(telegram_server) as bot:
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(chat_id=1, text="<b>unclosed", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(chat_id=1, text="<div>no</div>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
            await bot.send_message(chat_id=1, text="Run 5.5 km", parse_mode="MarkdownV2")
        await bot.send_message(
            chat_id=1, text=r"Run *5\.5 km* `a.b` [x](http://e.com/a.b)", parse_mode="MarkdownV2"
        )
        await bot.send_message(chat_id=1, text="5 &lt; 6 <i>ok</i>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(chat_id=1, text="x" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)text is empty"):
            await bot.send_message(chat_id=1, text=" ")

        sent = await bot.send_message(chat_id=1, text="same")
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_text(chat_id=1, message_id=sent.message_id, text="same")
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text(chat_id=1, message_id=999, text="x")
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
        edited = await bot.edit_message_reply_markup(
            chat_id=1, message_id=sent.message_id, reply_markup=markup
        )
        assert not isinstance(edited, bool) and edited.reply_markup == markup
        assert await bot.delete_message(chat_id=1, message_id=sent.message_id) is True
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(chat_id=1, message_id=sent.message_id)
    assert [m["text"] for m in telegram_server.sent_messages(1)] == [
        r"Run *5\.5 km* `a.b` [x](http://e.com/a.b)",
        "5 &lt; 6 <i>ok</i>",
        "same",
    ]


async def test_get_updates_offsets_long_poll_and_duplicates() -> None:
    with FakeTelegramServer(max_poll_wait=5.0) as server:
        async with make_bot(server) as bot:
            first = server.push_text(5, "one")
            second = server.push_text(5, "two")
            assert [u.update_id for u in await bot.get_updates(offset=0, timeout=0)] == [first, second]
            # Not confirmed yet: asking again returns them again.
            assert len(await bot.get_updates(offset=first, timeout=0)) == 2
            assert await bot.get_updates(offset=second + 1, timeout=0) == ()
            assert server.confirmed_offset == second + 1 and server.pending_update_count == 0

            # Long polling returns as soon as an update arrives, not after `timeout`.
            started = time.monotonic()
            poll = asyncio.create_task(bot.get_updates(offset=second + 1, timeout=4, read_timeout=10))
            await server.wait_for_call("getUpdates", n=4)
            third = server.push_text(5, "three")
            [update] = await poll
            assert update.update_id == third and time.monotonic() - started < 3.5

            # A duplicate (same update_id) is delivered even though it was confirmed.
            raw = {
                "update_id": second,
                "message": {"message_id": 2, "date": 0, "chat": {"id": 5, "type": "private"}},
            }
            server.push_raw_update(raw)
            assert [u.update_id for u in await bot.get_updates(offset=third + 1, timeout=0)] == [second]

            # allowed_updates filters what is delivered (and is remembered).
            server.push_callback(5, "x", message_id=1)
            text_id = server.push_text(5, "four")
            updates = await bot.get_updates(offset=third + 1, timeout=0, allowed_updates=["message"])
            assert [u.update_id for u in updates] == [text_id]
    assert server.delivered_update_ids.count(second) == 3


async def test_pushed_media_updates_parse_in_ptb(telegram_server: FakeTelegramServer) -> None:  # noqa: F811
    """Every push_* builder must produce an update PTB can de-serialize."""
    telegram_server.push_photo(8, b"jpeg-bytes", caption="my splits")
    telegram_server.push_voice(8, b"OggS-voice", duration=4)
    telegram_server.push_sticker(8, emoji="🔥")
    telegram_server.push_text(-100, "/plan@coach_test_bot", chat_type="group")
    telegram_server.push_callback(8, "stale", message_id=12345)
    async with make_bot(telegram_server) as bot:
        photo, voice, sticker, command, callback = await bot.get_updates(timeout=0)
        assert photo.message is not None and photo.message.caption == "my splits"
        biggest = await (await photo.message.photo[-1].get_file()).download_as_bytearray()
        assert bytes(biggest) == b"jpeg-bytes"
        assert voice.message is not None and voice.message.voice is not None
        assert bytes(await (await voice.message.voice.get_file()).download_as_bytearray()) == b"OggS-voice"
        assert sticker.message is not None and sticker.message.sticker is not None
        assert sticker.message.sticker.emoji == "🔥"
        assert command.message is not None and command.message.chat.type == "group"
        assert command.message.entities[0].type == "bot_command"
        assert callback.callback_query is not None and callback.callback_query.data == "stale"
        # An unknown message id yields an InaccessibleMessage, as Telegram does for old messages.
        assert callback.callback_query.message is not None
        assert not callback.callback_query.message.is_accessible


async def test_webhook_commands_and_misc_methods(telegram_server: FakeTelegramServer) -> None:  # noqa: F811
    async with make_bot(telegram_server) as bot:
        assert await bot.set_webhook("https://coach.example/tg", secret_token="s3cret") is True
        info = await bot.get_webhook_info()
        assert info.url == "https://coach.example/tg"
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await bot.get_updates(timeout=0)
        assert await bot.delete_webhook(drop_pending_updates=True) is True
        assert (await bot.get_webhook_info()).url == ""

        assert await bot.set_my_commands([("plan", "Show my plan"), ("log", "Log a workout")]) is True
        assert [c.command for c in await bot.get_my_commands()] == ["plan", "log"]
        assert await bot.delete_my_commands() is True
        assert await bot.get_my_commands() == ()
        assert await bot.send_chat_action(chat_id=3, action="typing") is True
    assert telegram_server.calls_to("setWebhook")[0]["secret_token"] == "s3cret"


def test_raw_protocol_corners(telegram_server: FakeTelegramServer) -> None:  # noqa: F811
    base = f"{telegram_server.bot_base_url}{DEFAULT_TOKEN}"
    status, body = raw_post(f"{base}/getMe", {})
    assert status == 200 and body["result"]["is_bot"] is True
    status, body = raw_post(f"{base}/noSuchMethod", {})
    assert (status, body) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    # JSON bodies keep their types; "42" in text stays a string.
    status, body = raw_post(f"{base}/sendMessage", {"chat_id": 9, "text": "42"})
    assert status == 200 and body["result"]["text"] == "42" and isinstance(body["result"]["date"], int)
    telegram_server.add_result_for("sendMessage", ok=False, error_code=429, retry_after=2)
    status, body = raw_post(f"{base}/sendMessage", {"chat_id": 9, "text": "x"})
    assert status == 429 and body["parameters"] == {"retry_after": 2}


# =====================================================================
# Anthropic: the real AsyncAnthropic client
# =====================================================================
async def test_text_reply_records_request(
    anthropic_server: FakeAnthropicServer,  # noqa: F811
    anthropic_client: anthropic.AsyncAnthropic,  # noqa: F811
) -> None:
    anthropic_server.add_text("Easy 30 min run today.")
    message = await anthropic_client.messages.create(
        model=MODEL,
        max_tokens=512,
        system=[{"type": "text", "text": "You are a coach.", "cache_control": {"type": "ephemeral"}}],
        tools=TOOLS,
        messages=[{"role": "user", "content": "What should I do today?"}],
    )
    assert isinstance(message.content[0], TextBlock)
    assert message.content[0].text == "Easy 30 min run today."
    assert message.stop_reason == "end_turn" and message.model == MODEL
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0

    request = anthropic_server.last_request
    assert request["system"][0]["text"] == "You are a coach."
    assert [t["name"] for t in request["tools"]] == ["log_workout", "get_plan"]
    assert request["max_tokens"] == 512 and request["model"] == MODEL
    [exchange] = anthropic_server.exchanges
    assert exchange.path == "/v1/messages" and exchange.api_key == "test-key"
    assert exchange.headers["anthropic-version"] and exchange.retry_count == 0
    anthropic_server.assert_all_consumed()


async def test_tool_use_round_trip_and_validation(
    anthropic_server: FakeAnthropicServer,  # noqa: F811
    anthropic_client: anthropic.AsyncAnthropic,  # noqa: F811
) -> None:
    tool_id = anthropic_server.add_tool_use(
        "log_workout", {"sport": "run", "minutes": 30}, text_before="Logging it."
    )
    ids = anthropic_server.add_tool_uses(
        [ToolUse("get_plan", {}), ("log_workout", {"sport": "swim", "minutes": 20})]
    )
    anthropic_server.add_text("Done.")

    history: list[Any] = [{"role": "user", "content": "I ran 30 minutes"}]
    first = await anthropic_client.messages.create(model=MODEL, max_tokens=256, tools=TOOLS, messages=history)
    assert first.stop_reason == "tool_use"
    text, call = first.content
    assert isinstance(text, TextBlock) and text.text == "Logging it."
    assert isinstance(call, ToolUseBlock)
    assert (call.id, call.name, call.input) == (tool_id, "log_workout", {"sport": "run", "minutes": 30})

    history += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": "ok"}]},
    ]
    second = await anthropic_client.messages.create(
        model=MODEL, max_tokens=256, tools=TOOLS, messages=history
    )
    assert [b.id for b in second.content if isinstance(b, ToolUseBlock)] == ids

    # Forgetting one tool_result is rejected exactly like the real API does, and
    # the rejected request does not consume the scripted "Done.".
    history += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in second.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": ids[0], "content": "{}"}]},
    ]
    with pytest.raises(anthropic.BadRequestError, match="without `tool_result` blocks"):
        await anthropic_client.messages.create(model=MODEL, max_tokens=256, tools=TOOLS, messages=history)
    history[-1]["content"].append({"type": "tool_result", "tool_use_id": ids[1], "content": "ok"})
    final = await anthropic_client.messages.create(model=MODEL, max_tokens=256, tools=TOOLS, messages=history)
    assert isinstance(final.content[0], TextBlock) and final.content[0].text == "Done."
    assert anthropic_server.requests[-1]["messages"][-1]["content"][0]["type"] == "tool_result"


async def test_rate_limit_is_retried_by_the_sdk(anthropic_server: FakeAnthropicServer) -> None:  # noqa: F811
    anthropic_server.add_error(429, retry_after=0)
    anthropic_server.add_text("after the retry")
    async with anthropic.AsyncAnthropic(base_url=anthropic_server.url, api_key="k", max_retries=1) as client:
        message = await client.messages.create(
            model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "hi"}]
        )
    assert isinstance(message.content[0], TextBlock) and message.content[0].text == "after the retry"
    assert [e.status for e in anthropic_server.exchanges] == [429, 200]
    assert [e.retry_count for e in anthropic_server.exchanges] == [0, 1]


async def test_error_statuses_map_to_sdk_exceptions(
    anthropic_server: FakeAnthropicServer,  # noqa: F811
    anthropic_client: anthropic.AsyncAnthropic,  # noqa: F811
) -> None:
    """max_retries=0 (fixture): each scripted error surfaces as its SDK class."""
    expected: list[tuple[int, type[anthropic.APIStatusError], str]] = [
        (529, anthropic.OverloadedError, "overloaded_error"),
        (500, anthropic.InternalServerError, "api_error"),
        (400, anthropic.BadRequestError, "invalid_request_error"),
        (401, anthropic.AuthenticationError, "authentication_error"),
        (429, anthropic.RateLimitError, "rate_limit_error"),
    ]
    for status, _, _ in expected:
        anthropic_server.add_error(status)
    for status, exc_type, error_type in expected:
        with pytest.raises(exc_type) as caught:
            await anthropic_client.messages.create(
                model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "hi"}]
            )
        assert caught.value.status_code == status
        assert isinstance(caught.value.body, dict) and caught.value.body["error"]["type"] == error_type
    # 529 -> OverloadedError, a subclass of InternalServerError and APIStatusError.
    assert issubclass(anthropic.OverloadedError, anthropic.InternalServerError)


async def test_overload_storm_without_retries(anthropic_server: FakeAnthropicServer) -> None:  # noqa: F811
    anthropic_server.add_error(529, times=3)
    async with anthropic.AsyncAnthropic(base_url=anthropic_server.url, api_key="k", max_retries=0) as client:
        for _ in range(3):
            with pytest.raises(anthropic.APIStatusError) as caught:
                await client.messages.create(
                    model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "hi"}]
                )
            assert type(caught.value) is anthropic.OverloadedError
    assert anthropic_server.pending == 0


async def test_empty_script_fails_loudly_without_retry_storm(anthropic_server: FakeAnthropicServer) -> None:  # noqa: F811
    async with anthropic.AsyncAnthropic(base_url=anthropic_server.url, api_key="k", max_retries=2) as client:
        with pytest.raises(anthropic.InternalServerError, match=NO_SCRIPT_LEFT):
            await client.messages.create(
                model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "hi"}]
            )
    assert len(anthropic_server.exchanges) == 1  # x-should-retry: false stops the SDK's retries


async def test_delay_times_out_the_client(anthropic_server: FakeAnthropicServer) -> None:  # noqa: F811
    anthropic_server.add_delay(30)
    async with anthropic.AsyncAnthropic(
        base_url=anthropic_server.url, api_key="k", max_retries=0, timeout=0.3
    ) as client:
        with pytest.raises(anthropic.APITimeoutError):
            await client.messages.create(
                model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "hi"}]
            )


async def test_raw_and_count_tokens(
    anthropic_server: FakeAnthropicServer,  # noqa: F811
    anthropic_client: anthropic.AsyncAnthropic,  # noqa: F811
) -> None:
    anthropic_server.add_raw(502, "<html>Bad gateway</html>", content_type="text/html")
    with pytest.raises(anthropic.InternalServerError) as caught:
        await anthropic_client.messages.create(
            model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.status_code == 502
    counted = await anthropic_client.messages.count_tokens(
        model=MODEL, messages=[{"role": "user", "content": "hi"}]
    )
    assert counted.input_tokens > 0


async def test_prompt_cache_simulation(
    anthropic_server: FakeAnthropicServer,  # noqa: F811
    anthropic_client: anthropic.AsyncAnthropic,  # noqa: F811
) -> None:
    system: Any = [{"type": "text", "text": "Coach rules. " * 200, "cache_control": {"type": "ephemeral"}}]
    anthropic_server.add_text("a")
    anthropic_server.add_text("b")
    first = await anthropic_client.messages.create(
        model=MODEL, max_tokens=64, system=system, messages=[{"role": "user", "content": "q1"}]
    )
    second = await anthropic_client.messages.create(
        model=MODEL, max_tokens=64, system=system, messages=[{"role": "user", "content": "q2"}]
    )
    assert first.usage.cache_creation_input_tokens and not first.usage.cache_read_input_tokens
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert not second.usage.cache_creation_input_tokens
    assert first.usage.input_tokens < first.usage.cache_creation_input_tokens


async def test_streaming_replays_the_script(
    anthropic_server: FakeAnthropicServer,  # noqa: F811
    anthropic_client: anthropic.AsyncAnthropic,  # noqa: F811
) -> None:
    anthropic_server.add_text("Streaming a fairly long coaching answer.")
    anthropic_server.add_tool_use("get_plan", {})
    anthropic_server.add_error(529, in_stream=True)
    messages: Any = [{"role": "user", "content": "hi"}]
    async with anthropic_client.messages.stream(model=MODEL, max_tokens=64, messages=messages) as stream:
        pieces = [piece async for piece in stream.text_stream]
        final = await stream.get_final_message()
    assert len(pieces) > 1 and "".join(pieces) == "Streaming a fairly long coaching answer."
    assert final.stop_reason == "end_turn"

    async with anthropic_client.messages.stream(
        model=MODEL, max_tokens=64, tools=TOOLS, messages=messages
    ) as stream:
        final = await stream.get_final_message()
    assert isinstance(final.content[0], ToolUseBlock) and final.content[0].name == "get_plan"

    with pytest.raises(anthropic.APIStatusError, match="Overloaded"):
        async with anthropic_client.messages.stream(model=MODEL, max_tokens=64, messages=messages) as stream:
            await stream.get_final_message()
    assert anthropic_server.requests[0]["stream"] is True
