"""Charts follow a Claude answer too (coach/service/turn.py's after-answer hook,
``Extension.on_answer`` in coach/service/charts.py): "show me my fitness" gets the model's words
and then the PMC as a photo, in the same update's outbox; a picture shows the plan as the turn
left it; a message that asks to see nothing gets no picture. Against the loopback Messages API
fake with the real anthropic SDK, the real service and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import pytest
from sqlalchemy import select

from coach.brain.claude import ClaudeBrain
from coach.charts import draw
from coach.charts.data import WeekChart, picture_kinds
from coach.charts.source import chart_data
from coach.clock import FixedClock
from coach.service.notes import NoteMemory
from coach.service.service import CoachService, Who
from coach.service.types import Incoming
from coach.store import models as m
from coach.store.db import Database
from memory import HashingEmbedder
from tests.charts.seed import TODAY, seed
from tests.fakes.anthropic_api import FakeAnthropicServer

ANN = Who(name="ann", telegram_user_id=51, chat_id=51)
SATURDAY = "2026-11-28"


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def coach(db: Database, anthropic_server: FakeAnthropicServer) -> AsyncIterator[CoachService]:
    await seed(db, "ann")  # eight weeks of runs, check-ins and squats: every chart has data
    async with db.transaction() as s:
        athlete = (await s.execute(select(m.Athlete).where(m.Athlete.name == "ann"))).scalar_one()
        athlete.telegram_user_id = athlete.telegram_chat_id = ANN.telegram_user_id
    client = anthropic.AsyncAnthropic(base_url=anthropic_server.url, api_key="test-key", max_retries=0)
    brain = ClaudeBrain(client, "claude-test", sleep=no_sleep, time_budget_s=30)
    yield CoachService(db, FixedClock(TODAY), claude=brain, memory=NoteMemory(None, HashingEmbedder()))
    await client.close()


async def outbox(service: CoachService, update_id: int) -> list[dict[str, Any]]:
    async with service.db.transaction() as s:
        rows = (await s.execute(select(m.OutboxMessage).where(m.OutboxMessage.key.like(f"reply:telegram:{update_id}:%"))
                                .order_by(m.OutboxMessage.id))).scalars().all()
        return [dict(row.payload) for row in rows]


async def test_show_me_my_fitness_gets_the_answer_then_the_pmc_photo(coach: CoachService, anthropic_server: FakeAnthropicServer) -> None:
    anthropic_server.add_text("Your fitness has been climbing steadily.")
    result = await coach.handle(ANN, Incoming(kind="text", text="show me my fitness"), update_id=1)
    assert len(anthropic_server.requests) == 1
    answer, picture = result.replies
    assert answer.text == "Your fitness has been climbing steadily." and answer.document is None
    async with coach.db.transaction() as s:
        athlete = (await s.execute(select(m.Athlete).where(m.Athlete.name == "ann"))).scalar_one()
        pmc = await chart_data(s, athlete, "pmc", TODAY)
    assert picture.document is not None and picture.text == pmc.caption  # type: ignore[union-attr]
    assert picture.document.mime_type == "image/png" and picture.document.data.startswith(b"\x89PNG") and len(picture.document.data) > 20_000
    queued = await outbox(coach, 1)
    assert len(queued) == len(result.outbox_ids) == 2 and queued[0]["text"] == answer.text and queued[1]["text"] == pmc.caption  # type: ignore[union-attr]
    async with coach.db.transaction() as s:
        said = (await s.execute(select(m.ChatMessage.text).order_by(m.ChatMessage.id))).scalars().all()
    assert list(said)[-2:] == ["show me my fitness", "Your fitness has been climbing steadily."]


async def test_the_week_picture_shows_the_plan_as_the_turn_left_it(
    coach: CoachService, anthropic_server: FakeAnthropicServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[Any] = []
    original = draw.draw

    def spy(data: Any) -> bytes:
        drawn.append(data)
        return original(data)

    monkeypatch.setattr(draw, "draw", spy)

    def saturday(document: dict[str, Any]) -> list[str]:
        return [s["type"] for w in document["plan"]["weeks"] for s in w["sessions"] if s["date"] == SATURDAY]

    assert saturday(await coach.show("ann")) == ["easy"]
    anthropic_server.add_tool_use("skip_session", {"date": SATURDAY, "reason": "away"})
    anthropic_server.add_text("The run on the 28th is off; here's your week.")
    result = await coach.handle(ANN, Incoming(kind="text", text="drop the run on the 28th and show me my week"), update_id=2)
    assert [r.document is not None for r in result.replies] == [False, True]
    (week,) = drawn
    assert isinstance(week, WeekChart) and week.start.isoformat() == "2026-11-23"
    shown = await coach.show("ann")
    assert saturday(shown) == []  # skipped: dropped from the plan...
    in_week = [(s["date"], s["status"]) for w in shown["plan"]["weeks"] for s in w["sessions"] if "2026-11-23" <= s["date"] <= "2026-11-29"]
    assert [(s.date.isoformat(), s.status) for s in week.sessions] == in_week  # ...and from the picture: the turn's change is in it


async def test_a_message_that_asks_to_see_nothing_gets_no_picture(coach: CoachService, anthropic_server: FakeAnthropicServer) -> None:
    anthropic_server.add_text("Ease off the squat today and check your depth.")
    result = await coach.handle(ANN, Incoming(kind="text", text="my squat looks off, can I still lift today?"), update_id=3)
    assert [r.text for r in result.replies] == ["Ease off the squat today and check your depth."]
    assert len(await outbox(coach, 3)) == 1


async def test_a_message_that_asks_to_see_nothing_opens_no_transaction_for_pictures(
    coach: CoachService, anthropic_server: FakeAnthropicServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The after-answer hook's tentative read (a transaction: on SQLite the write lock) only when the
    words ask to see something (``Extension.answer_wanted``)."""
    opened: list[str] = []
    original = coach.db.transaction

    def counting() -> Any:
        opened.append("transaction")
        return original()

    monkeypatch.setattr(coach.db, "transaction", counting)
    for update_id, text in enumerate(("my squat looks off, can I still lift today?", "show me my fitness"), start=4):
        anthropic_server.add_text("Noted.")
        await coach.handle(ANN, Incoming(kind="text", text=text), update_id=update_id)
        opened.append("|")
    without, with_picture = "".join(opened).split("|")[:2]
    assert with_picture.count("transaction") == without.count("transaction") + 1


@pytest.mark.parametrize(("text", "kinds"), [
    ("show me my fitness", ["pmc"]), ("how's my week looking", ["week"]), ("graph my mileage", ["volume"]),
    ("can I see my readiness?", ["readiness"]), ("how are my lifts trending", ["strength"]),
    ("show me this week and my fitness", ["week", "pmc"]),
    ("show me next week", []), ("what does tuesday look like this week", []), ("move my run to friday", []),
    ("my squat looks off", []),
])
def test_the_plain_words_that_ask_for_a_picture(text: str, kinds: list[str]) -> None:
    from coach.charts.data import chart_rules

    assert picture_kinds(text, chart_rules().ask) == kinds
