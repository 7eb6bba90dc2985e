"""A Claude turn outside the write transaction.

A model turn takes seconds (25 s budget); on SQLite a transaction held that long would keep
every other writer (other chats, the sender's claims, the scheduler) waiting for the lock. So
the turn runs in three steps, none of which holds a transaction while the model thinks:

1. **Read** the athlete's context (digest, history, recalled notes) in the update's first
   transaction, the one that found the message needs the model and rolls back.
2. **Think.** The model's tools run *tentatively*: each call opens a short transaction,
   replays the turn's earlier state-changing calls, runs the tool and **rolls back**. The model
   sees exactly what the effect would be (a later call sees the earlier ones), and nothing is
   stored yet. If the model fails (529 storm, spend limit), nothing was changed, as before.
Between 2 and 3, the areas' ``on_answer`` hooks (coach/service/extensions.py) read what should
follow the answer (the chart "show me my fitness" asks for) in one more tentative transaction,
with the turn's calls replayed, and make it (drawing) with no transaction open; it is queued
with the answer in step 3.

3. **Apply** in one transaction: the turn's state-changing calls are run again in order, then
   the update is marked processed and the reply queued, together. The idempotency key of every
   effect is the update itself: the effects commit with the inbox mark or not at all, so a
   retried or replayed update never applies a tool twice (a repeated identical call within a
   turn runs once: ``ClaudeBrain``'s mutation cache). Work outside the database (the FAISS
   vector of a remembered note) happens after that commit (``after_commit``).

If replaying gives a different result than the model saw (another change to the athlete landed
while it was thinking: a coach override, the Sunday job), the applied result stands and the
reply is the engine's own words about it (``fallback_text``) instead of the model's text.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.brain.errors import BrainUnavailable, athlete_message
from coach.brain.tools import Tool, ToolCall, execute_tool
from coach.service import extensions, menu
from coach.service.athletes import athlete_of
from coach.service.context import Ctx, HandleResult, RetryLater, Who
from coach.service.digest import athlete_digest
from coach.service.inbox import find as find_update
from coach.service.inbox import finish_update
from coach.service.tools import CoachTools
from coach.service.types import MAX_INCOMING_TEXT_CHARS, Incoming, Reply
from coach.store import models as m

if TYPE_CHECKING:
    # CoachTools takes a CoachService; Service (coach/service/protocol.py) once it takes that
    from coach.service.protocol import Service as CoachService

log = logging.getLogger(__name__)

HISTORY_MESSAGES = 10
"""Earlier turns given to the model as context (short-term memory)."""


@dataclass(frozen=True)
class TurnContext:
    """What the model is given besides the message (step 1, "read")."""

    digest: str
    history: list[dict[str, Any]]
    definitions: list[Tool[Any, Any]]
    """The tools' names, descriptions and models (their ``run`` is replaced: step 2 runs them tentatively)."""


async def read_context(service: CoachService, ctx: Ctx, text: str) -> TurnContext:
    """The digest (with the notes recalled for ``text``), the recent conversation and the tools."""
    recalled = [note.text for note in await service.notes.recall(ctx, text)]
    digest = await athlete_digest(ctx, recalled)
    return TurnContext(digest, await history_of(ctx), CoachTools(service, ctx).tools())


class ModelTurn(Exception):
    """Raised inside the update's first transaction when a message needs the model: that
    transaction rolls back and the turn runs outside it (``run``). ``dialog`` is the athlete's
    dialog as the message left it (e.g. an unfinished check-in dropped), applied with the effects.
    ``context``: step 1's reading, made in that first transaction (it writes nothing there that
    the reading sees), so the turn does not open another one to read it again."""

    def __init__(self, text: str, dialog: dict[str, Any] | None, context: TurnContext | None = None) -> None:
        super().__init__("model turn")
        self.text = text
        self.dialog = copy.deepcopy(dialog)
        self.context = context


class _Discard(Exception):
    """Leaves a tentative transaction, rolling it back, with what it computed."""

    def __init__(self, value: Any = None) -> None:
        super().__init__("discard")
        self.value = value


@dataclass(frozen=True)
class Applied:
    """A state-changing tool call the model made, with the result it saw."""

    name: str
    input: dict[str, Any]
    output: dict[str, Any]


async def _ctx(service: CoachService, s: AsyncSession, who: Who, turn: ModelTurn) -> Ctx:
    athlete = await athlete_of(s, who)
    if athlete.dialog != turn.dialog:
        athlete.dialog = copy.deepcopy(turn.dialog)
    return Ctx(s, athlete, service.clock.today(athlete.time_zone))


def _by_name(tools: list[Tool[Any, Any]]) -> dict[str, Tool[Any, Any]]:
    return {tool.name: tool for tool in tools}


async def _replay(tools: dict[str, Tool[Any, Any]], applied: list[Applied]) -> list[ToolCall]:
    return [await execute_tool(tools, call.name, call.input) for call in applied]


async def _after_answer(service: CoachService, who: Who, turn: ModelTurn, applied: list[Applied]) -> list[Reply]:
    """The areas' replies after the answer (``Extension.on_answer``): read in a tentative transaction
    that replays the turn's calls (a chart shows the plan as the turn leaves it) and rolls back, then
    made with none open. A failure here costs the extras, never the answer."""
    areas = [
        area
        for area in extensions.extensions()
        if area.on_answer is not None and (area.answer_wanted is None or area.answer_wanted(turn.text))
    ]
    if not areas:
        return []
    makers = []
    try:
        try:
            async with service.db.transaction() as s:
                ctx = await _ctx(service, s, who, turn)
                if applied:
                    await _replay(_by_name(CoachTools(service, ctx).tools()), applied)
                for area in areas:
                    assert area.on_answer is not None
                    maker = await area.on_answer(service, ctx, turn.text)
                    if maker is not None:
                        makers.append(maker)
                raise _Discard()
        except _Discard:
            pass
        return [reply for maker in makers for reply in await maker()]
    except Exception:
        log.exception("replies after the model's answer failed; the answer goes alone")
        return []


async def run(
    service: CoachService, who: Who, incoming: Incoming, turn: ModelTurn, *, update_id: int | None, source: str
) -> HandleResult:
    """Steps 1-3 above. Raises ``RetryLater`` when the model can't answer (nothing changed)."""
    from coach.brain.claude import load_system_prompt  # the SDK loads only when Claude is configured

    claude = service.claude
    assert claude is not None
    text = turn.text

    # 1. Read (in the update's first transaction, as a rule: ``ModelTurn.context``).
    context = turn.context
    if context is None:
        try:
            async with service.db.transaction() as s:
                raise _Discard(await read_context(service, await _ctx(service, s, who, turn), text))
        except _Discard as read:
            context = read.value
    assert context is not None
    digest, history, definitions = context.digest, context.history, context.definitions

    # 2. Think: tools run tentatively.
    applied: list[Applied] = []

    async def tentatively(name: str, mutates: bool, data: BaseModel) -> BaseModel:
        try:
            async with service.db.transaction() as s:
                tools = _by_name(CoachTools(service, await _ctx(service, s, who, turn)).tools())
                for call in await _replay(tools, applied):
                    if call.is_error:  # the state moved under the turn; the apply step sorts it out
                        log.info("tentative replay of %s failed: %s", call.name, call.error)
                output: BaseModel = await tools[name].run(data)
                raise _Discard(output)
        except _Discard as done:
            output = done.value
        if mutates:
            applied.append(Applied(name, data.model_dump(mode="json"), output.model_dump(mode="json")))
        return output

    tools = [
        Tool(name=t.name, description=t.description, input_model=t.input_model, output_model=t.output_model,
             run=partial(tentatively, t.name, t.mutates), mutates=t.mutates)
        for t in definitions
    ]
    try:
        reply = await claude.reply(
            system=load_system_prompt(), digest=digest, history=history, message=text, tools=tools, fallback=fallback_text,
        )
    except BrainUnavailable as error:
        raise RetryLater(athlete_message(error.transient, error.kind), transient=error.transient) from error

    more = await _after_answer(service, who, turn, applied)  # e.g. the chart "show me my fitness" asks for

    # 3. Apply, with the inbox mark and the reply.
    async with service.db.transaction() as s:
        inbox: m.InboxUpdate | None = None
        if update_id is not None:
            inbox = await find_update(s, source, update_id)
            if inbox is not None and inbox.processed_at is not None:
                return HandleResult([], [], duplicate=True)  # applied meanwhile (a replay): nothing twice
            if inbox is None:
                inbox = m.InboxUpdate(source=source, update_id=update_id, payload={}, user_id=who.telegram_user_id, attempts=0)
                s.add(inbox)
        ctx = await _ctx(service, s, who, turn)
        calls = await _replay(_by_name(CoachTools(service, ctx).tools()), applied)
        answer = reply.text
        if [call.output for call in calls] != [a.output for a in applied]:
            log.warning("the athlete's state changed while the model was answering; replying with the applied result")
            answer = fallback_text(calls)
        replies = [Reply(answer), *more]
        athlete = ctx.athlete
        s.add(m.ChatMessage(athlete_id=athlete.id, role="athlete", text=extensions.redacted(incoming.text[:MAX_INCOMING_TEXT_CHARS])))
        s.add(m.ChatMessage(athlete_id=athlete.id, role="coach", text=answer))
        outbox_ids = await finish_update(service.db, s, inbox, who, replies, update_id, source, athlete_id=athlete.id)
        return HandleResult(replies, outbox_ids)


async def history_of(ctx: Ctx) -> list[dict[str, Any]]:
    """The last ``HISTORY_MESSAGES`` turns of the conversation, oldest first, for the model."""
    rows = (
        await ctx.session.execute(
            select(m.ChatMessage).where(m.ChatMessage.athlete_id == ctx.athlete.id).order_by(m.ChatMessage.id.desc()).limit(HISTORY_MESSAGES)
        )
    ).scalars().all()
    return [{"role": "user" if r.role == "athlete" else "assistant", "content": r.text} for r in reversed(rows)]


def fallback_text(calls: list[ToolCall]) -> str:
    """The deterministic reply: what the last successful tool said, in the engine's own words."""
    for call in reversed(calls):
        if call.is_error or not call.output:
            continue
        for key in ("text", "summary", "refused_reason"):
            value = call.output.get(key)
            if isinstance(value, str) and value:
                return value
    return "I couldn't put that into words safely. " + menu.HELP_TEXT
