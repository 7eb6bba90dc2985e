"""Heavy legs sit away from the hard endurance sessions (issue 14): the hybrid plan puts its gym
days off the eve of a long or quality session when the week allows; ``/lift`` the day before one
doses the leg lifts down and says which day suits them; the queue's 'next up' names that day. One
load scale across sports; a pause is not training time. The set's wording by the model comes after
the update's commit."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path

import anthropic
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.brain.claude import ClaudeBrain
from coach.clock import FixedClock
from coach.engine import build_plan
from coach.engine import load_rules as engine_rules
from coach.engine.metrics.load import session_rpe_tss
from coach.engine.metrics.power import training_stress_score
from coach.engine.models import Profile
from coach.service import lifting
from coach.store import models as m
from coach.store import models_lifting as lm
from coach.store import repo
from coach.store.db import Database
from coach.strength import Prescription, load_rules
from coach.strength.program import legs_clear, place_legs
from tests.conftest import TODAY
from tests.fakes.anthropic_api import FakeAnthropicServer
from tests.strength.test_live_session import Chat
from tests.strength.test_telegram_lift import MovingClock

RULES = load_rules()
HARD = lifting.HARD_ENDURANCE
PROFILE = Profile.model_validate(
    {
        "sport": "run",
        "goal": {"event": "10k", "date": "2027-02-21"},
        "start_date": TODAY.isoformat(),
        "strength_days": 1,
        "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
        "history": {"weekly_km": [25, 25, 25, 25], "longest_km": 12},
    }
)


def test_heavy_legs_go_to_the_first_day_clear_of_hard_sessions() -> None:
    mon = dt.date(2026, 11, 23)
    hard = {mon + dt.timedelta(days=1): "intervals run", mon + dt.timedelta(days=6): "long run"}
    assert not legs_clear(mon, hard, 1) and not legs_clear(
        mon + dt.timedelta(days=1), hard, 1
    )  # the eve and the day
    assert legs_clear(mon + dt.timedelta(days=2), hard, 1)  # the day after intervals: they cost them nothing
    placed = place_legs(mon, hard, 1)
    assert placed == place_legs(mon, hard, 1) and not placed.clear_today
    assert placed.clash == (
        mon + dt.timedelta(days=1),
        "intervals run",
    ) and placed.best_day == mon + dt.timedelta(days=2)
    crowded = {mon + dt.timedelta(days=k): "tempo run" for k in range(0, 8, 2)} | {
        mon + dt.timedelta(days=k): "long ride" for k in (1, 3, 5, 7)
    }
    assert place_legs(mon, crowded, 1).best_day is None  # no day of the week allows it
    assert place_legs(mon, {}, 1).clear_today


def test_the_hybrid_plan_keeps_gym_days_off_the_eve_of_long_and_quality_sessions() -> None:
    """Seven days a week to choose from: no gym day the day before a long run or a quality session
    (the golden test checks 'hard' intensity only; a long run is 'moderate')."""
    profile = Profile.model_validate(
        {
            "sport": "run",
            "goal": {"event": "10k", "date": "2025-05-04"},
            "start_date": "2025-03-05",
            "strength_days": 2,
            "availability": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "long_day": "sun"},
            "history": {
                "weekly_km": [12, 14, 15, 15],
                "recent_race": {"distance_km": 5, "time": "25:00"},
                "weekly_hours": [5, 5, 5, 5],
            },
        }
    )
    plan = build_plan(profile, engine_rules())
    gym = [s for w in plan.weeks for s in w.sessions if s.sport == "strength"]
    assert len(gym) >= 10
    for w in plan.weeks:
        hard = {s.date for s in w.sessions if s.sport != "strength" and (s.key or s.type in HARD)}
        for s in w.sessions:
            if s.sport == "strength":
                assert s.date + dt.timedelta(days=1) not in hard, (w.index, s.date)


def test_lifting_load_is_on_the_endurance_scale() -> None:
    """An hour at session RPE 7 is 100, like an hour at FTP (coach/engine/metrics/load.py)."""
    assert (
        session_rpe_tss(7.0, 60) == pytest.approx(training_stress_score(3600, 250, 250)) == pytest.approx(100)
    )


async def _with_plan(chat: Chat) -> dict[dt.date, str]:
    """Ann with a 10K plan and one gym day a week; the plan's long and quality sessions by date."""
    await chat.say("/help")
    plan = chat.service.build_plan(PROFILE)
    async with chat.service.db.transaction() as s:
        athlete = await repo.athlete_by_telegram(s, 4242)
        assert athlete is not None
        athlete.profile = PROFILE.model_dump(mode="json", by_alias=True)
        await repo.save_plan(s, athlete, plan, source="import", reason="test")
    return {
        x.date: x.type
        for w in plan.weeks
        for x in w.sessions
        if x.sport != "strength" and (x.key or x.type in HARD)
    }


def _day(text: str, hard: dict[dt.date, str], after: dt.date) -> dt.date:
    """A 'Tue 1' the coach named, as the first such date after ``after``."""
    found = re.search(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{1,2})", text)
    assert found is not None, text
    return next(
        after + dt.timedelta(days=k)
        for k in range(1, 9)
        if f"{(after + dt.timedelta(days=k)):%a} {(after + dt.timedelta(days=k)).day}" == found.group(0)
    )


async def test_lift_the_day_before_a_long_run_doses_the_legs_down_and_names_a_better_day(
    db: Database, tmp_path: Path
) -> None:
    chat = Chat(db, tmp_path)
    hard = await _with_plan(chat)
    eve = next(d for d in sorted(hard) if d > TODAY and d - dt.timedelta(days=1) not in hard) - dt.timedelta(
        days=1
    )
    chat.service.clock = FixedClock(eve)
    opened = await chat.say("/lift")
    assert "heavy on the legs" in opened and "so they are light today" in opened, opened
    suggested = _day(opened.split("heavy legs suit ")[1], hard, eve)
    assert (
        suggested not in hard and suggested + dt.timedelta(days=1) not in hard
    )  # nothing hard that day or the next
    assert all(
        eve + dt.timedelta(days=k) in hard or eve + dt.timedelta(days=k + 1) in hard
        for k in range((suggested - eve).days)
    )
    async with db.transaction() as s:
        session = (await s.execute(select(lm.LiftSession))).scalar_one()
    squat = session.plan["day"]["slots"][0]
    deload = RULES.phases["deload"].main
    assert (squat["pattern"], squat["sets"], squat["rpe"]) == ("squat", deload.sets, deload.rpe)
    assert (
        session.plan["day"]["slots"][1]["sets"] == RULES.phases["accumulation"].main.sets
    )  # the upper body as planned
    await chat.say("40 x 8 @6")
    done = await chat.say("finished")
    line = next(x for x in done.splitlines() if x.startswith("Next in the queue: day B"))
    assert "best on " in line and "away from your long run" in line, line
    best = _day(line.split("best on ")[1], hard, eve)
    assert best not in hard and best + dt.timedelta(days=1) not in hard
    program = await chat.say("/lift program")
    assert "next up: day B (best on" in program

    chat.service.clock = FixedClock(best)  # on the day that suits: the day as planned, no easing
    opened = await chat.say("/lift")
    assert "light today" not in opened
    async with db.transaction() as s:
        session = (
            await s.execute(select(lm.LiftSession).where(lm.LiftSession.open_key.is_not(None)))
        ).scalar_one()
    assert session.plan["day"]["slots"][0]["sets"] == RULES.phases["accumulation"].main.sets


async def test_a_pause_is_not_training_time_in_the_load(db: Database, tmp_path: Path) -> None:
    chat = Chat(db, tmp_path)
    clock = MovingClock()
    chat.service.clock = clock
    chat.service.db.clock = clock
    await chat.say("/lift")
    clock.at += dt.timedelta(minutes=10)
    await chat.say("40 x 8 @7")
    await chat.say("pause")
    clock.at += dt.timedelta(hours=3)  # lunch, a meeting...
    await chat.say("/lift")
    clock.at += dt.timedelta(minutes=20)
    await chat.say("40 x 8 @8")
    await chat.say("finished")
    async with db.transaction() as s:
        activity = (await s.execute(select(m.Activity).where(m.Activity.source == "lift"))).scalar_one()
    assert activity.elapsed_s == pytest.approx(30 * 60)
    assert activity.load == pytest.approx(session_rpe_tss(7.5, 30), abs=0.05)
    assert activity.details["session_rpe_load_au"] == pytest.approx(7.5 * 30)


async def test_the_model_words_the_set_after_the_commit(
    db: Database,
    tmp_path: Path,
    anthropic_server: FakeAnthropicServer,
) -> None:
    """While the model thinks, the set is already stored and the update processed (no write
    transaction held); the reply waits in the outbox, then goes out in the model's words."""
    chat = Chat(db, tmp_path)
    await chat.say("/lift")
    client = anthropic.AsyncAnthropic(base_url=anthropic_server.url, api_key="test-key", max_retries=0)

    async def no_sleep(_: float) -> None:
        return None

    chat.service.claude = ClaudeBrain(client, "claude-test", sleep=no_sleep, time_budget_s=20)
    p = await _pending(db)
    weight = 60.0
    wording = f"Good. Same weight, {weight:g} kg, for 8 reps at RPE 7.5 — take your time."
    anthropic_server.add_text(wording, delay=1.0)
    said = asyncio.create_task(chat.say(f"{weight:g} x 8 @7"))
    await anthropic_server.wait_for_requests(1)
    async with db.transaction() as s:  # the model is thinking: everything of the update is committed already
        assert (await s.execute(select(func.count()).select_from(lm.LiftSet))).scalar_one() == 1
        inbox = (
            await s.execute(select(m.InboxUpdate).where(m.InboxUpdate.update_id == chat.update))
        ).scalar_one()
        assert inbox.processed_at is not None
        rows = (
            (
                await s.execute(
                    select(m.OutboxMessage)
                    .where(m.OutboxMessage.key.like(f"reply:telegram:{chat.update}:%"))
                    .order_by(m.OutboxMessage.id)
                )
            )
            .scalars()
            .all()
        )
        assert len(rows) == 2 and all(
            r.due_at > db.naive_now() for r in rows
        )  # held: not sent in the old words
        assert lifting.describe(await _pending_in(s)) in rows[0].payload["text"]
    text = await said
    assert wording in text and "Logged: back squat 60 kg × 8 @ 7" in text and p.exercise == "back_squat"
    async with db.transaction() as s:
        rows = (
            (
                await s.execute(
                    select(m.OutboxMessage)
                    .where(m.OutboxMessage.key.like(f"reply:telegram:{chat.update}:%"))
                    .order_by(m.OutboxMessage.id)
                )
            )
            .scalars()
            .all()
        )
        assert wording in rows[0].payload["text"] and rows[0].payload["buttons"]  # the buttons stay
        assert rows[1].payload["text"].startswith("⏱ Rest") and all(r.due_at <= db.naive_now() for r in rows)
        said_last = (
            (
                await s.execute(
                    select(m.ChatMessage.text)
                    .where(m.ChatMessage.role == "coach")
                    .order_by(m.ChatMessage.id.desc())
                    .limit(2)
                )
            )
            .scalars()
            .all()
        )
        assert any(wording in x for x in said_last)


async def _pending(db: Database) -> Prescription:
    async with db.transaction() as s:
        return await _pending_in(s)


async def _pending_in(s: AsyncSession) -> Prescription:
    session = (
        await s.execute(select(lm.LiftSession).where(lm.LiftSession.open_key.is_not(None)))
    ).scalar_one()
    return Prescription(**session.state["pending"])
