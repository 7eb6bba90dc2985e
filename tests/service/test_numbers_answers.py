"""Questions answered with the athlete's own numbers from the tools (issue 10), and sessions
cut short stored as the share said (issue 9 item 6). Nothing changes on a question."""

from __future__ import annotations

import pytest

from coach.engine.models import Profile
from coach.service.service import CoachService
from coach.store.db import Database
from tests.service.test_asking import PROFILE, TUESDAY, Clock, say, sessions

RIDER = Profile.model_validate({
    "sport": "ride", "goal": {"event": "gran_fondo", "date": "2027-06-13"}, "start_date": "2026-12-08",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sat"},
    "history": {"weekly_hours": [6, 6, 6, 6], "ftp_w": 250},
})


@pytest.fixture
async def coach(db: Database) -> CoachService:
    service = CoachService(db, Clock(TUESDAY))
    await service.add_athlete("ann", PROFILE)  # half marathon 28 Mar 2027, 10 km in 50:00
    return service


async def _asked(coach: CoachService, text: str) -> str:
    before = await coach.show("ann")
    replies = await say(coach, text)
    after = await coach.show("ann")
    assert sessions(after) == sessions(before) and after["activities"] == before["activities"], "a question changes nothing"
    return "\n".join(r.text for r in replies)


async def test_zone_2_in_watts_for_a_rider(db: Database) -> None:
    coach = CoachService(db, Clock(TUESDAY))
    await coach.add_athlete("ann", RIDER)
    text = await _asked(coach, "what does zone 2 mean in watts for me?")
    assert "140–188 W" in text  # 56–75 % of 250 W (Allen & Coggan)
    assert "130 km" in await _asked(coach, "how many km is the gran fondo?")


async def test_the_pace_a_target_time_needs(coach: CoachService) -> None:
    assert "5:13/km" in await _asked(coach, "how fast do i need to run the half to get 1:50")


async def test_the_longest_run_before_the_race_is_read_from_the_plan(coach: CoachService) -> None:
    doc = await coach.show("ann")
    race_day = doc["profile"]["goal"]["date"]
    runs = [s for w in doc["plan"]["weeks"] for s in w["sessions"] if s["sport"] == "run" and "2026-12-08" <= s["date"] < race_day]
    longest = max(runs, key=lambda s: s["duration_min"])  # over the whole build, beyond the sessions tool's 62-day window
    assert longest["date"] > "2027-02-08"
    for asked in ("how far is my longest run before the race?", "yo coach whats the longest run I'll do before race day"):
        reply = await _asked(coach, asked)
        assert f"{longest['duration_min']} min" in reply and "before race day" in reply


@pytest.mark.parametrize(("text", "percent"), [
    ("Bailed on the run at 2k, stomach was not happy with me", 37),  # 2 of today's 5.4 km
    ("had to bail on today's run after 20 min, shoelace snapped and I gave up", 57),  # 20 of 35 min
])
async def test_a_session_cut_short_is_stored_as_the_share_said(coach: CoachService, text: str, percent: int) -> None:
    replies = await say(coach, text)
    doc = await coach.show("ann")
    today = [s for w in doc["plan"]["weeks"] for s in w["sessions"] if s["date"] == "2026-12-08"]
    assert [s["status"] for s in today] == ["partial"]  # not "missed": a share was done
    assert f"({percent}%)" in "\n".join(r.text for r in replies)
