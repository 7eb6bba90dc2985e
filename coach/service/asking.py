"""The pending question of a chat: stored with the athlete, answered by a tap or in words.

The offline brain asks one specific question when a message lacks what an action needs
(``coach.brain.ask``). This module keeps that question in ``Athlete.dialog`` (flow ``"ask"``,
committed with the turn, so it survives a restart), turns its choices into buttons, and
completes the pending action when the answer comes: a button (``ask:<n>``), the button's words,
a date or weekday, "the first one", or "never mind". A question older than ``ASK_TTL`` is
dropped and the message read as a new one; so is an answer that picks none of the choices.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from coach.brain.ask import (
    CALLBACK_PREFIX,
    CANCEL,
    CANCEL_DATA,
    Ask,
    Choice,
    expired,
    expires_at,
    match_answer,
)
from coach.brain.offline import OfflineReply
from coach.brain.slots import parse_slots
from coach.service.tools import CoachTools
from coach.service.types import Button, Reply

if TYPE_CHECKING:
    # CoachTools takes a CoachService; Service (coach/service/protocol.py) once it takes that
    from coach.service.context import Ctx
    from coach.service.protocol import Service as CoachService

log = logging.getLogger(__name__)

FLOW = "ask"
BUTTONS_PER_ROW = 2


def buttons(ask: Ask | None) -> list[list[Button]]:
    """A button per choice (two to a row), and "Never mind" unless a choice already leaves things as they are."""
    if ask is None or not ask.choices:
        return []
    flat = [Button(choice.label[:60], f"{CALLBACK_PREFIX}{i}") for i, choice in enumerate(ask.choices)]
    if all(choice.tool for choice in ask.choices):
        flat.append(Button("Never mind", CANCEL_DATA))
    return [flat[i : i + BUTTONS_PER_ROW] for i in range(0, len(flat), BUTTONS_PER_ROW)]


def remember(service: CoachService, ctx: Ctx, ask: Ask | None) -> None:
    """Keep the brain's question with the chat, or drop an older one the new message superseded."""
    dialog = ctx.athlete.dialog or {}
    if ask is not None:
        ctx.athlete.dialog = {"flow": FLOW, "ask": ask.to_json(), "expires_at": expires_at(service.clock.now())}
    elif dialog.get("flow") == FLOW:
        ctx.athlete.dialog = None


def pending(service: CoachService, ctx: Ctx) -> Ask | None:
    """The chat's open question, or None (none, or expired: an expired one is dropped)."""
    dialog = ctx.athlete.dialog or {}
    if dialog.get("flow") != FLOW:
        return None
    if expired(dialog, service.clock.now()):
        ctx.athlete.dialog = None
        return None
    try:
        return Ask.from_json(dict(dialog["ask"]))
    except (KeyError, TypeError, ValueError):
        log.warning("dropping a malformed pending question for athlete %s", ctx.athlete.id)
        ctx.athlete.dialog = None
        return None


def replies_of(offline: OfflineReply) -> list[Reply]:
    return [Reply(offline.text, buttons(offline.ask))] if offline.text else []


async def complete(service: CoachService, ctx: Ctx, ask: Ask, choice: Choice) -> list[Reply]:
    ctx.athlete.dialog = None
    tools = CoachTools(service, ctx).tools()
    offline = await service.offline.complete(choice=choice, about=ask.about, today=ctx.today, tools=tools)
    log.info("answered question %r with %r: tools %s", ask.question, choice.label, [c.name for c in offline.tool_calls])
    remember(service, ctx, offline.ask)
    return replies_of(offline)


async def on_callback(service: CoachService, ctx: Ctx, data: str) -> list[Reply]:
    """A tap on one of the question's buttons."""
    ask = pending(service, ctx)
    if ask is None:
        return [Reply(service.offline.templates["ask_expired"])]
    if data == CANCEL_DATA:
        ctx.athlete.dialog = None
        return [Reply(service.offline.templates["ask_nothing"])]
    index = data.removeprefix(CALLBACK_PREFIX)
    if not index.isdigit() or int(index) >= len(ask.choices):
        return [Reply(service.offline.templates["ask_expired"])]
    return await complete(service, ctx, ask, ask.choices[int(index)])


async def on_text(service: CoachService, ctx: Ctx, text: str) -> list[Reply] | None:
    """A typed message while a question is open: its answer, or None when it answers nothing
    (the caller then reads it as a new message; the old question is dropped)."""
    ask = pending(service, ctx)
    if ask is None:
        return None
    slots = parse_slots(text, ctx.today, past=False)
    answer = match_answer(ask, text, dates=list(slots.dates), weekdays=list(slots.weekdays))
    if answer == CANCEL:
        ctx.athlete.dialog = None
        return [Reply(service.offline.templates["ask_nothing"])]
    if isinstance(answer, Choice):
        return await complete(service, ctx, ask, answer)
    ctx.athlete.dialog = None
    if ask.intent == "injury" and not slots.body_parts and ask.about:
        # "My knee." → "What's up with your knee?" → "it hurts going downstairs": read with the part it is about
        tools = CoachTools(service, ctx).tools()
        offline = await service.offline.reply(message=f"{ask.about.rstrip(' .!')}: {text}", today=ctx.today, tools=tools)
        remember(service, ctx, offline.ask)
        return replies_of(offline)
    if ask.intent is not None and _answers_with_days(slots):
        tools = CoachTools(service, ctx).tools()
        offline = await service.offline.reply(message=text, today=ctx.today, tools=tools, intent=ask.intent)
        remember(service, ctx, offline.ask)
        return replies_of(offline)
    return None


def _answers_with_days(slots: Any) -> bool:
    """'12 to 15 Jan', 'Thursday and Saturday', '3 days a week': the words a date question waits for."""
    return bool(slots.dates or slots.weekdays or slots.date_range or slots.days_per_week)


__all__ = ["FLOW", "buttons", "complete", "on_callback", "on_text", "pending", "remember", "replies_of"]
