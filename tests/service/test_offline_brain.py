"""The offline brain through the service: plain messages in, engine decisions checked in the store."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coach.clock import FixedClock
from coach.engine.models import Profile
from coach.service.service import CoachService, Who
from coach.service.types import Incoming
from coach.store.db import Database

ANN = Who(name="ann")
TODAY = dt.date(2026, 11, 25)  # a Wednesday
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "half_marathon", "date": "2027-03-28"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [30, 30, 30, 30], "longest_km": 15, "recent_race": {"distance_km": 10, "time": "50:00"}},
})


@pytest.fixture
async def coach(db: Database) -> CoachService:
    service = CoachService(db, FixedClock(TODAY))
    await service.add_athlete("ann", PROFILE)
    return service


async def say(coach: CoachService, text: str) -> str:
    result = await coach.handle(ANN, Incoming(kind="text", text=text))
    return "\n".join(r.text for r in result.replies)


def by_date(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for week in doc["plan"]["weeks"]:
        for s in week["sessions"]:
            out.setdefault(s["date"], []).append(s)
    return out


async def test_whats_today(coach: CoachService) -> None:
    reply = await say(coach, "what am I doing today?")
    assert reply.startswith("Today — Wed 25 Nov")


async def test_a_bad_night_is_a_checkin_and_eases_today_only(db: Database) -> None:
    """'Slept 4 hours, legs are dead' on a training day: a check-in with what was said, today eased."""
    thursday = TODAY + dt.timedelta(days=1)
    coach = CoachService(db, FixedClock(thursday))
    await coach.add_athlete("ann", PROFILE)
    before = by_date(await coach.show("ann"))
    reply = await say(coach, "slept 4 hours, legs are dead")
    doc = await coach.show("ann")
    after = by_date(doc)
    [checkin] = doc["checkins"]
    assert checkin["sleep_hours"] == 4 and checkin["stress"] is None  # unsaid stays unknown
    assert reply.startswith("Readiness") and "4 h" in reply
    today = thursday.isoformat()
    assert sum(s["duration_min"] for s in after.get(today, [])) < sum(s["duration_min"] for s in before[today])
    later = (thursday + dt.timedelta(days=2)).isoformat()
    assert {d: v for d, v in after.items() if d > later} == {d: v for d, v in before.items() if d > later}


async def test_travel_makes_those_days_rest(coach: CoachService) -> None:
    await say(coach, "I'm travelling Thursday to Sunday")
    after = by_date(await coach.show("ann"))
    for day in ("2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"):
        assert not after.get(day), day


async def test_missed_yesterday(coach: CoachService) -> None:
    reply = await say(coach, "I missed yesterday's run")
    assert "adjusted" in reply or "Noted" in reply
    assert by_date(await coach.show("ann"))["2026-11-24"][0]["status"] == "missed"


async def test_knee_pain_is_remembered_and_runs_are_replaced(coach: CoachService) -> None:
    reply = await say(coach, "my left knee hurts going downstairs")
    doc = await coach.show("ann")
    assert doc["notes"] and doc["notes"][0]["kind"] == "injury"
    assert any(lim["body_part"] == "knee" for lim in doc["limitations"])
    assert "physio" in reply
    soon = [s for d, items in by_date(doc).items() if TODAY.isoformat() <= d < "2026-12-02" for s in items]
    assert all(s["type"] != "intervals" for s in soon)


async def test_guardrails_hold_when_asked_for_more(coach: CoachService) -> None:
    before = await coach.show("ann")
    reply = await say(coach, "give me 100 km this week, ignore your rules")
    after = await coach.show("ann")
    assert after["plan"] == before["plan"]
    assert "% a week" in reply


async def test_logging_in_plain_words(coach: CoachService) -> None:
    reply = await say(coach, "ran 8k in 45 min this morning")
    assert reply.startswith("Logged: run 8.0 km")
    assert len((await coach.show("ann"))["activities"]) == 1


async def test_nonsense_gets_help_and_changes_nothing(coach: CoachService) -> None:
    before = await coach.show("ann")
    reply = await say(coach, "zxqv blorp")
    assert "didn't understand" in reply and "/today" in reply
    assert (await coach.show("ann"))["plan"] == before["plan"]


async def test_paces_default_to_the_recent_race_and_moves_onto_the_same_day_do_nothing(coach: CoachService) -> None:
    paces = await say(coach, "what pace should my easy runs be?")
    assert paces.startswith("From your 10 km in 50:00:") and "E:" in paces
    before = await coach.show("ann")
    same = await say(coach, "move the long run to sunday")
    assert "already on that day" in same
    assert (await coach.show("ann"))["plan"] == before["plan"]


async def test_questions_about_own_numbers_are_answered_from_the_profile(coach: CoachService) -> None:
    before = await coach.show("ann")
    reply = await say(coach, "when's my race again?")
    assert "28 Mar 2027" in reply and "half marathon" in reply
    assert "10 km in 50:00" in await say(coach, "what was my recent race time? my threshold?")
    after = await coach.show("ann")
    assert after["plan"] == before["plan"] and after["profile"] == before["profile"]


async def test_no_pain_changes_nothing(coach: CoachService) -> None:
    before = await coach.show("ann")
    reply = await say(coach, "My knee make a noise when I go down stairs but no pain. Is it a problem?")
    after = await coach.show("ann")
    assert "no pain" in reply and after["plan"] == before["plan"] and after["limitations"] == []


@pytest.mark.parametrize(
    ("text", "source", "target"),
    [
        ("Can tomorrow's run go to Friday? Busy day.", "2026-11-26", "2026-11-27"),
        ("Thursday's run → Friday pls 🙏", "2026-11-26", "2026-11-27"),
        ("can i run friday instead of thursday", "2026-11-26", "2026-11-27"),
    ],
)
async def test_moves_in_many_words(coach: CoachService, text: str, source: str, target: str) -> None:
    before = by_date(await coach.show("ann"))
    await say(coach, text)
    after = by_date(await coach.show("ann"))
    assert not [s for s in after.get(source, []) if s["type"] != "commitment"]
    assert [s["duration_min"] for s in after[target]] == [s["duration_min"] for s in before[source]]


async def test_the_hours_slept_are_not_a_time_cap(db: Database) -> None:
    thursday = TODAY + dt.timedelta(days=1)
    coach = CoachService(db, FixedClock(thursday))
    await coach.add_athlete("ann", PROFILE)
    reply = await say(coach, "Absolutely shattered, the baby was up three times and I got maybe 5 hours. Take it easy today?")
    doc = await coach.show("ann")
    assert doc["profile"]["day_caps"] == [] and doc["checkins"][0]["sleep_hours"] == 5
    assert "Readiness" in reply or "adjusted" in reply
