"""Chat side of the charts (see coach/service/extensions.py): ``/chart [week|pmc|readiness|volume|strength]``.

Each picture is a ``Reply`` whose document is a PNG (``image/png``) and whose text is a one-line
caption; transports send it as a photo. A chart without enough data is a sentence instead,
never an empty picture. Plain words reach the same pictures through ``on_intent``: after the
offline brain has answered "how's my week looking" (intent ``week``) or "show me my fitness"
(``metrics``) in words, the picture follows. With a Claude brain there is no intent: ``on_answer``
(after the model's answer, coach/service/turn.py) pictures what the message asks to see
(``picture_kinds``: "show me my fitness", "how's my week looking").

Drawing takes 0.1-0.3 s of CPU (matplotlib, imported on the first chart): it runs in a worker
thread, so other chats go on meanwhile.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from coach.service.extensions import Extension
from coach.service.types import Document, Reply

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from coach.charts.data import ChartKind
    from coach.store import models as m

ALIASES: dict[str, str] = {
    "fitness": "pmc", "form": "pmc", "fatigue": "pmc", "load": "pmc", "ctl": "pmc", "plan": "week", "calendar": "week",
    "this": "week", "ready": "readiness", "checkins": "readiness", "mileage": "volume", "km": "volume", "miles": "volume",
    "hours": "volume", "e1rm": "strength", "lifts": "strength", "lifting": "strength",
}
"""Words people use for a chart (``/chart fitness``)."""


def parse_kinds(args: str) -> list[ChartKind] | None:
    """The charts ``/chart ARGS`` asks for, in order; the default set for no argument; None for
    a word that names no chart."""
    from coach.charts.data import DEFAULT_KINDS, KINDS

    words = args.lower().replace(",", " ").split()
    if not words:
        return list(DEFAULT_KINDS)
    if words == ["all"]:
        return list(KINDS)
    kinds: list[ChartKind] = []
    for word in words:
        name = ALIASES.get(word, word)
        kind = next((k for k in KINDS if k == name), None)
        if kind is None:
            return None
        if kind not in kinds:
            kinds.append(kind)
    return kinds


async def chart_replies(
    session: AsyncSession, athlete: m.Athlete, kinds: Sequence[ChartKind], today: dt.date, *, day: dt.date | None = None,
    quiet: bool = False,
) -> list[Reply]:
    """A photo reply per chart (the caption as its text), or the "not enough data yet" sentence
    (left out when ``quiet``: the words already said so)."""
    from coach.charts import draw, source
    from coach.charts.data import NotEnoughData

    replies: list[Reply] = []
    for kind in kinds:
        data = await source.chart_data(session, athlete, kind, today, day=day)
        if isinstance(data, NotEnoughData):
            if not quiet:
                replies.append(Reply(data.message))
            continue
        png = await asyncio.to_thread(draw.draw, data)
        replies.append(Reply(data.caption, document=Document(draw.file_name(data), png, draw.MIME_TYPE)))
    return replies


def usage() -> str:
    from coach.charts.data import KINDS, TITLES

    return "I can draw " + "; ".join(f"{kind} ({TITLES[kind]})" for kind in KINDS) + ". For example: /chart pmc — or just /chart."


async def on_command(service: Any, ctx: Any, command: str, args: str) -> list[Reply]:
    kinds = parse_kinds(args)
    if kinds is None:
        return [Reply(f"I don't have a chart called {args.strip()!r}. {usage()}")]
    return await chart_replies(ctx.session, ctx.athlete, kinds, ctx.today)


async def on_intent(service: Any, ctx: Any, text: str, intent: str) -> list[Reply]:
    """Pictures for a plain-language message the brain has answered in words (none if it asked for none)."""
    from coach.charts.data import asked_kinds, chart_rules

    if ctx.athlete.profile is None:
        return []
    kinds = asked_kinds(text, intent, chart_rules().ask)
    if not kinds:
        return []
    return await chart_replies(ctx.session, ctx.athlete, kinds, ctx.today, quiet=True)


def answer_wanted(text: str) -> bool:
    """Whether a Claude answer to ``text`` may come with pictures (``on_answer``): the words ask to see one."""
    from coach.charts.data import chart_rules, picture_kinds

    return bool(picture_kinds(text, chart_rules().ask))


async def on_answer(service: Any, ctx: Any, text: str) -> Callable[[], Awaitable[list[Reply]]] | None:
    """After a Claude answer: the charts the message asks to see (``picture_kinds``; there is no
    intent to go by), their data read here, drawn by the returned function with no transaction open.
    A chart without enough data is left out (the answer speaks for itself)."""
    from coach.charts import draw, source
    from coach.charts.data import NotEnoughData, chart_rules, picture_kinds

    if ctx.athlete.profile is None:
        return None
    kinds = picture_kinds(text, chart_rules().ask)
    charts = [data for kind in kinds if not isinstance(data := await source.chart_data(ctx.session, ctx.athlete, kind, ctx.today),
                                                       NotEnoughData)]
    if not charts:
        return None

    async def pictures() -> list[Reply]:
        replies = []
        for data in charts:
            png = await asyncio.to_thread(draw.draw, data)
            replies.append(Reply(data.caption, document=Document(draw.file_name(data), png, draw.MIME_TYPE)))
        return replies

    return pictures


EXTENSION = Extension(
    name="charts",
    commands={"chart": "pictures: /chart week, pmc, readiness, volume or strength"},
    on_command=on_command,
    needs_plan=frozenset({"chart"}),
    on_intent=on_intent,
    on_answer=on_answer,
    answer_wanted=answer_wanted,
)


async def week_picture(session: AsyncSession, athlete: m.Athlete, week_start: dt.date, today: dt.date) -> Document | None:
    """The picture of the week starting ``week_start`` for the Sunday preview (None without one)."""
    from coach.charts import draw, source
    from coach.charts.data import NotEnoughData

    data = await source.chart_data(session, athlete, "week", today, day=week_start)
    if isinstance(data, NotEnoughData):
        return None
    # A week drawn lately (the weekly batch: every athlete on the same week) comes from the cache
    # here; only a new drawing goes to a thread.
    png = draw.cached(data)
    if png is None:
        png = await asyncio.to_thread(draw.draw, data)
    return Document(draw.file_name(data), png, draw.MIME_TYPE)
