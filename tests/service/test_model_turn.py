"""A Claude turn runs outside the write transaction (coach/service/turn.py), against the loopback
Messages API fake with the real anthropic SDK, the real service and SQLite.

- while the model thinks, no write lock is held: another athlete's update commits meanwhile;
- the tools' effects are tentative until the turn ends: nothing is visible while the model
  thinks, everything is applied once with the inbox mark, and a replayed update applies nothing;
- a model that fails after a tool ran changes nothing (and leaves no memory vector behind);
- a change that lands while the model thinks wins, and the reply says what was applied.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import pytest
from sqlalchemy import func, select

from coach.brain.claude import ClaudeBrain
from coach.clock import FixedClock
from coach.engine.models import Profile
from coach.service.notes import NoteMemory
from coach.service.service import CoachService, Who
from coach.service.types import Incoming
from coach.store import models as m
from coach.store.db import Database
from memory import HashingEmbedder
from tests.fakes.anthropic_api import FakeAnthropicServer

TODAY = dt.date(2026, 11, 24)  # a Tuesday with an easy run
ANN = Who(name="Ann", telegram_user_id=21, chat_id=21)
BOB = Who(name="Bob", telegram_user_id=22, chat_id=22)
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "10k", "date": "2027-02-21"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [25, 25, 25, 25], "longest_km": 12},
})


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def coach(db: Database, anthropic_server: FakeAnthropicServer) -> AsyncIterator[CoachService]:
    client = anthropic.AsyncAnthropic(base_url=anthropic_server.url, api_key="test-key", max_retries=0)
    brain = ClaudeBrain(client, "claude-test", sleep=no_sleep, time_budget_s=30)
    service = CoachService(db, FixedClock(TODAY), claude=brain, memory=NoteMemory(None, HashingEmbedder()))
    for name, who in (("ann", ANN), ("bob", BOB)):
        await service.add_athlete(name, PROFILE)
        async with db.transaction() as s:
            athlete = (await s.execute(select(m.Athlete).where(m.Athlete.name == name))).scalar_one()
            athlete.telegram_user_id = athlete.telegram_chat_id = who.telegram_user_id
    yield service
    await client.close()


def text(message: str) -> Incoming:
    return Incoming(kind="text", text=message)


async def plan_version(service: CoachService, name: str) -> int:
    return int((await service.show(name))["plan"]["version"])


async def count(service: CoachService, model: Any) -> int:
    async with service.db.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def wait_for_requests(server: FakeAnthropicServer, n: int) -> None:
    for _ in range(1500):
        if len(server.requests) >= n:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the model got {len(server.requests)} requests, not {n}")


async def test_while_the_model_thinks_no_write_lock_is_held_and_no_effect_is_visible(
    coach: CoachService, anthropic_server: FakeAnthropicServer
) -> None:
    """Ann's turn: a fatigue report (a new plan version), then a slow answer (4 s). Meanwhile Bob's
    update is handled and committed on the same SQLite file, and Ann's plan is still unchanged;
    once the turn ends her plan changed once, with the reply, the inbox mark and the outbox row."""
    before = await plan_version(coach, "ann")
    anthropic_server.add_tool_use("report_fatigue", {"severity": 3})
    anthropic_server.add_text("I've eased today for you.", delay=4.0)
    ann = asyncio.create_task(coach.handle(ANN, text("legs are dead, slept 4 hours"), update_id=1))
    await wait_for_requests(anthropic_server, 2)  # the tool ran; the model is writing its answer
    bob = await coach.handle(BOB, Incoming(kind="command", text="/today", command="today"), update_id=2)
    assert bob.replies and not bob.duplicate
    assert not ann.done(), "Bob's update waited for Ann's model turn"
    assert await plan_version(coach, "ann") == before  # tentative: nothing stored yet
    result = await ann
    assert result.replies[0].text == "I've eased today for you."
    assert await plan_version(coach, "ann") == before + 1
    async with coach.db.transaction() as s:
        inbox = (await s.execute(select(m.InboxUpdate).where(m.InboxUpdate.update_id == 1))).scalar_one()
        outbox = (await s.execute(select(m.OutboxMessage).where(m.OutboxMessage.key == "reply:telegram:1:0"))).scalar_one()
        said = (await s.execute(select(m.ChatMessage.text).where(m.ChatMessage.athlete_id == 1).order_by(m.ChatMessage.id))).scalars().all()
    assert inbox.processed_at is not None and outbox.payload["text"] == "I've eased today for you."
    assert list(said) == ["legs are dead, slept 4 hours", "I've eased today for you."]

    # The same update again (Telegram re-delivers it): nothing applied twice, no second reply.
    again = await coach.handle(ANN, text("legs are dead, slept 4 hours"), update_id=1)
    assert again.duplicate and await plan_version(coach, "ann") == before + 1


async def test_a_later_tool_sees_the_earlier_tentative_effects_and_each_is_applied_once(
    coach: CoachService, anthropic_server: FakeAnthropicServer
) -> None:
    """Two state-changing calls in one turn, the first repeated by the model: the second runs on the
    state the first left (tentatively), and both are applied once, in order."""
    before = await plan_version(coach, "ann")
    anthropic_server.add_tool_use("skip_session", {"date": "2026-11-24"})
    anthropic_server.add_tool_use("skip_session", {"date": "2026-11-24"})  # the same call again: reused
    anthropic_server.add_tool_use("today", {})
    anthropic_server.add_text("Done: today is off.")
    def on_the_day(document: dict[str, Any]) -> list[dict[str, Any]]:
        return [s for w in document["plan"]["weeks"] for s in w["sessions"] if s["date"] == "2026-11-24"]

    assert on_the_day(await coach.show("ann"))
    result = await coach.handle(ANN, text("skip today please"), update_id=3)
    assert result.replies[0].text == "Done: today is off."
    first_skip = anthropic_server.requests[1]["messages"][-1]["content"][0]
    repeated = anthropic_server.requests[2]["messages"][-1]["content"][0]
    assert "is_error" not in first_skip and repeated["content"] == first_skip["content"]  # reused, not run again
    today = anthropic_server.requests[3]["messages"][-1]["content"][0]["content"]
    assert '"sessions": []' in today.replace('"sessions":[]', '"sessions": []')  # the tentative skip was seen
    assert await plan_version(coach, "ann") == before + 1  # applied once
    assert on_the_day(await coach.show("ann")) == []


async def test_a_model_failing_after_a_tool_changes_nothing_and_leaves_no_vector(
    coach: CoachService, anthropic_server: FakeAnthropicServer
) -> None:
    anthropic_server.add_tool_use("remember_note", {"text": "my left knee is sore"})
    for _ in range(6):
        anthropic_server.add_error(529)
    result = await coach.handle(ANN, text("my left knee is sore"), update_id=4)
    assert "nothing was changed" in result.replies[0].text
    assert await count(coach, m.Note) == 0 and await count(coach, m.Limitation) == 0
    async with coach.db.transaction() as s:
        index = await coach.notes.index(s)
    assert index.count(1) == 0  # the FAISS index got nothing for the rolled-back note

    # Retried later (the update was kept): applied once, and the vector follows the commit.
    anthropic_server.add_tool_use("remember_note", {"text": "my left knee is sore"})
    anthropic_server.add_text("Noted — I'll keep your knee in mind.")
    retried = await coach.handle(ANN, text("my left knee is sore"), update_id=4)
    assert retried.replies[0].text.startswith("Noted")
    assert await count(coach, m.Note) == 1 and index.count(1) == 1


async def test_a_change_that_lands_while_the_model_thinks_wins_and_the_reply_says_what_was_applied(
    coach: CoachService, anthropic_server: FakeAnthropicServer
) -> None:
    """While Ann's turn waits for the model, the coach takes her Thursday session away. The
    turn's move (Thursday -> Friday) is applied to the state as it is then, and the reply is the
    engine's account of that, not the model's text written for the old state."""
    anthropic_server.add_tool_use("move_session", {"from_date": "2026-11-26", "to_date": "2026-11-27"})
    anthropic_server.add_text("Moved Thursday's run to Friday.", delay=3.0)
    ann = asyncio.create_task(coach.handle(ANN, text("can thursday's run go to friday?"), update_id=5))
    await wait_for_requests(anthropic_server, 2)
    await coach.add_coach("Carla", ["ann"])
    await coach.coach_override("Carla", "ann", dt.date(2026, 11, 26), ["duration_min=20"], "short one this week")
    result = await ann
    assert result.replies[0].text != "Moved Thursday's run to Friday."
    assert result.replies[0].text.startswith("Moved 1 session")  # the engine's words for what was applied
    friday = [s for w in (await coach.show("ann"))["plan"]["weeks"] for s in w["sessions"] if s["date"] == "2026-11-27"]
    assert [s["duration_min"] for s in friday] == [20]  # the coach's change, moved: both stand
    async with coach.db.transaction() as s:
        said = (await s.execute(select(m.ChatMessage.text).where(m.ChatMessage.role == "coach"))).scalars().all()
    assert list(said) == [result.replies[0].text]


async def test_the_first_pass_reads_what_the_model_is_given_and_no_other_transaction_reads_it(
    coach: CoachService, anthropic_server: FakeAnthropicServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transaction that finds a message needs the model (and rolls back) reads the digest, the
    conversation and the tools too: a turn with no tool call and no chart asked for opens two
    transactions, that one and the apply (it was three: the digest was read again in its own)."""
    anthropic_server.add_text("An easy 40 minutes today.")
    await coach.handle(ANN, text("what's on today?"), update_id=1)
    opened: list[str] = []
    original = coach.db.transaction

    def counting() -> Any:
        opened.append("transaction")
        return original()

    monkeypatch.setattr(coach.db, "transaction", counting)
    anthropic_server.add_text("Thursday is an easy run too.")
    result = await coach.handle(ANN, text("and thursday?"), update_id=2)
    assert result.replies[0].text == "Thursday is an easy run too."
    assert len(opened) == 2
    request = anthropic_server.requests[-1]
    assert "This week:" in request["system"][1]["text"]  # the digest, with the current week
    said = [m["content"] for m in request["messages"] if isinstance(m["content"], str)]
    assert said[:2] == ["what's on today?", "An easy 40 minutes today."] and said[-1] == "and thursday?"
