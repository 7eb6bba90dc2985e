"""A plain-language message: the brain picks tools, the engine decides, the reply explains.

The offline brain answers inside the update's transaction; Claude's turn runs outside it
(``turn.ModelTurn``, coach/service/turn.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from coach.brain.intents import IntentClassifier, get_classifier
from coach.service import asking, extensions, training_log, turn, views
from coach.service.context import Ctx
from coach.service.tools import CoachTools
from coach.service.types import Button, Reply

if TYPE_CHECKING:
    # CoachTools takes a CoachService; Service (coach/service/protocol.py) once it takes that
    from coach.service.protocol import Service as CoachService

log = logging.getLogger(__name__)


async def converse(service: CoachService, ctx: Ctx, text: str) -> list[Reply]:
    """A plain-language message: the brain picks tools, the engine decides, the reply explains."""
    tools = CoachTools(service, ctx).tools()
    if service.claude is None:
        offline = await service.offline.reply(message=text, today=ctx.today, tools=tools)
        log.info(
            "offline brain: intent %s (%.2f), tools %s",
            offline.intent,
            offline.confidence,
            [c.name for c in offline.tool_calls],
        )
        replies = asking.replies_of(offline)
        asking.remember(service, ctx, offline.ask)
        if offline.follow_up == "checkin":
            replies += await training_log.checkin_start(ctx, "", service.clock.now())
        elif offline.follow_up == "memory":
            replies += await views.memory(ctx)
        elif offline.follow_up == "new_plan":
            replies.append(
                Reply(
                    "Start over with a new goal?",
                    [[Button("New goal", "ob:restart"), Button("Keep my plan", "ob:keep")]],
                )
            )
        for area in extensions.extensions():  # e.g. a chart after "how's my week looking"
            if area.on_intent is not None:
                replies += await area.on_intent(service, ctx, text, offline.intent)
        return replies
    # Claude: this transaction rolls back and the turn runs outside it (coach/service/turn.py), with
    # what the model is given read here (a transaction fewer than reading it again there).
    raise turn.ModelTurn(text, ctx.athlete.dialog, await turn.read_context(service, ctx, text))


def default_classifier() -> IntentClassifier:
    """The offline brain's classifier on the memory's embedder (one MiniLM per process, loaded lazily)."""
    from memory import get_default_embedder

    return get_classifier(get_default_embedder())
