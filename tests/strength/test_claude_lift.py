"""The Claude path of a live session (issue 14): with a brain configured the model phrases the set
from a digest (the session so far, bands, limitations, recalled notes); the numbers are the
engine's and pass the number check; an invented number, a missing weight, the 8-second budget
running out or no key at all send the deterministic prescription."""

from __future__ import annotations

from pathlib import Path

import anthropic
import pytest
from sqlalchemy import select

from coach.brain.claude import ClaudeBrain
from coach.service import lifting
from coach.store import models as m
from coach.store import models_lifting as lm
from coach.store.db import Database
from coach.strength import Prescription
from tests.conftest import TODAY
from tests.fakes.anthropic_api import FakeAnthropicServer
from tests.strength.test_live_session import Chat


async def no_sleep(_: float) -> None:
    return None


async def pending(db: Database) -> Prescription:
    async with db.transaction() as s:
        session = (await s.execute(select(lm.LiftSession).where(lm.LiftSession.status != "finished"))).scalar_one()
        return Prescription(**session.state["pending"])


async def test_the_model_phrases_the_set_and_falls_back_on_numbers_budget_or_no_key(
    db: Database, tmp_path: Path, anthropic_server: FakeAnthropicServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = Chat(db, tmp_path)
    client = anthropic.AsyncAnthropic(base_url=anthropic_server.url, api_key="test-key", max_retries=0)
    await chat.say("/lift")  # the athlete and their program, without the model
    await chat.say("finished")
    async with db.transaction() as s:
        athlete = (await s.execute(select(m.Athlete))).scalar_one()
        s.add(m.Limitation(athlete_id=athlete.id, kind="injury", body_part="knee", description="sore knee", since=TODAY))
    chat.service.claude = ClaudeBrain(client, "claude-test", sleep=no_sleep, time_budget_s=20)

    # 1. the model's wording, with the engine's numbers only (a calibration set: 8 reps, RPE 6)
    phrased = "Easy on that knee: no history on the goblet squat yet, so let's calibrate: a weight you could move about 12 times, 8 reps at RPE 6."
    anthropic_server.add_text(phrased)
    opened = await chat.say("/lift")
    assert phrased in opened
    request = anthropic_server.requests[-1]
    system = str(request["system"])
    assert "phrase it" in system and "Deterministic prescription" in system
    assert "sore knee" in system  # the limitation is in the digest
    assert "tools" not in request  # the model decides nothing: no tools

    # 2. an invented number, twice (asked once to restate): the deterministic text goes out
    anthropic_server.add_text("Great. Now go heavy: 97.5 kg for 8.")
    anthropic_server.add_text("Sorry, 97.5 kg for 8 reps.")
    after_first = await chat.say("40 x 8 @6")
    p = await pending(db)
    assert "97.5" not in after_first and lifting.describe(p) in after_first
    assert "Logged: goblet squat 40 kg × 8 @ 6" in after_first  # the knee: goblet squat instead of back squat

    # 3. a wording that drops the engine's weight is not sent either
    anthropic_server.add_text("Same again, 8 reps, keep it smooth.")
    second = await chat.say(f"{p.weight_kg:g} x 8 @7")
    p = await pending(db)
    assert lifting.describe(p) in second

    # 4. past the budget: the deterministic text, without waiting for the model
    monkeypatch.setattr(lifting, "PHRASE_BUDGET_S", 0.5)
    anthropic_server.add_text(f"{p.weight_kg:g} kg for {p.reps}.", delay=3.0)
    third = await chat.say(f"{p.weight_kg:g} x 8 @7.5")
    p = await pending(db)
    assert lifting.describe(p) in third

    # 5. skipping to the bench press: its calibration set in the model's words again
    monkeypatch.setattr(lifting, "PHRASE_BUDGET_S", 8.0)
    anthropic_server.clear()
    wording = "Bench press now, and we calibrate it: a weight you could press about 12 times, 8 reps at RPE 6."
    anthropic_server.add_text(wording)
    skipped = await chat.say("skip")
    assert wording in skipped and (await pending(db)).exercise == "bench_press"
    assert "- goblet squat 40 kg × 8 @ RPE 6" in str(anthropic_server.requests[-1]["system"])  # the session so far, in the digest

    # 6. no key: the deterministic prescription, no request
    chat.service.claude = None
    count = len(anthropic_server.requests)
    fifth = await chat.say("30 x 8 @6")
    assert lifting.describe(await pending(db)) in fifth and len(anthropic_server.requests) == count
