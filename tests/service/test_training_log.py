"""Logging, importing, adherence and the check-in, through the service and checked in the store."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from coach.clock import FixedClock
from coach.engine.models import Profile
from coach.service.service import CoachService, Who
from coach.service.types import Incoming
from coach.store import models as m
from coach.store.db import Database
from tests.conftest import RECORDINGS

ANN = Who(name="ann")
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "10k", "date": "2027-02-21"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [25, 25, 25, 25], "longest_km": 12, "recent_race": {"distance_km": 10, "time": "50:00"}},
})


def command(text: str) -> Incoming:
    head, _, args = text[1:].partition(" ")
    return Incoming(kind="command", text=text, command=head, args=args)


async def say(service: CoachService, text: str) -> str:
    incoming = command(text) if text.startswith("/") else Incoming(kind="text", text=text)
    result = await service.handle(ANN, incoming)
    return "\n".join(r.text for r in result.replies)


async def count(service: CoachService, model: type[m.Base]) -> int:
    async with service.db.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


@pytest.fixture
async def athlete(service: CoachService) -> CoachService:
    await service.add_athlete("ann", PROFILE)
    return service


async def first_session_date(service: CoachService) -> dt.date:
    doc = await service.show("ann")
    return dt.date.fromisoformat(doc["plan"]["weeks"][0]["sessions"][0]["date"])


async def test_logging_a_run_marks_the_planned_session_done(db: Database) -> None:
    probe = CoachService(db, FixedClock(dt.date(2026, 11, 23)))
    await probe.add_athlete("ann", PROFILE)
    day = await first_session_date(probe)
    service = CoachService(db, FixedClock(day))
    planned = next(s for w in (await service.show("ann"))["plan"]["weeks"] for s in w["sessions"] if s["date"] == day.isoformat())
    km = planned["distance_km"]
    reply = await say(service, f"/log ran {km}k in {planned['duration_min']} min")
    assert reply.startswith("Logged: run")
    assert "done" in reply
    doc = await service.show("ann")
    status = {s["date"]: s["status"] for w in doc["plan"]["weeks"] for s in w["sessions"]}
    assert status[day.isoformat()] == "done"
    assert doc["activities"][0]["distance_km"] == pytest.approx(km)
    # The same log again is stored once.
    assert (await say(service, f"/log ran {km}k in {planned['duration_min']} min")).startswith("Already had")
    assert await count(service, m.Activity) == 1


async def test_a_short_run_is_partial_and_a_missed_day_is_missed(db: Database) -> None:
    probe = CoachService(db, FixedClock(dt.date(2026, 11, 23)))
    await probe.add_athlete("ann", PROFILE)
    day = await first_session_date(probe)
    service = CoachService(db, FixedClock(day + dt.timedelta(days=2)))
    await say(service, "/log ran 2k in 12 min")  # logged two days later: too far to count for the first session
    doc = await service.show("ann")
    status = {s["date"]: s["status"] for w in doc["plan"]["weeks"] for s in w["sessions"]}
    assert status[day.isoformat()] == "missed"


async def test_unreadable_log_is_refused_and_nothing_stored(athlete: CoachService) -> None:
    reply = await say(athlete, "/log banana")
    assert "could not read" in reply
    assert await count(athlete, m.Activity) == 0


async def test_strength_log(athlete: CoachService) -> None:
    reply = await say(athlete, "/log squat 100x5x3 @8")
    assert "Logged: squat 100 kg × 5" in reply
    assert await count(athlete, m.Activity) == 1


async def test_importing_a_real_recording_twice_stores_it_once(athlete: CoachService) -> None:
    data = (RECORDINGS / "running_bloemendaal.fit").read_bytes()
    first = await athlete.handle(ANN, Incoming(kind="document", file_name="run.fit", file_bytes=data))
    second = await athlete.handle(ANN, Incoming(kind="document", file_name="run.fit", file_bytes=data))
    assert first.replies[0].text.startswith("Imported: run")
    assert second.replies[0].text.startswith("Already had")
    assert await count(athlete, m.Activity) == 1


@pytest.mark.parametrize(("name", "data", "words"), [
    ("empty.fit", b"", "empty"), ("notes.txt", b"hello there", "couldn't import"), ("broken.fit", b"\x0e\x10\x00\x00" + b"\x00" * 20, "couldn't import"),
])
async def test_bad_files_get_a_clear_message_and_nothing_is_stored(athlete: CoachService, name: str, data: bytes, words: str) -> None:
    result = await athlete.handle(ANN, Incoming(kind="document", file_name=name, file_bytes=data))
    text = result.replies[0].text
    assert words in text and "Nothing was saved" in text
    assert await count(athlete, m.Activity) == 0


async def test_checkin_by_taps_stores_readiness(athlete: CoachService) -> None:
    start = await athlete.handle(ANN, command("/checkin"))
    assert start.replies[-1].buttons[0][0].data.startswith("ci:sleep_hours:")
    for data in ("ci:sleep_hours:8", "ci:sleep_quality:4", "ci:energy:4", "ci:soreness:2"):
        await athlete.handle(ANN, Incoming(kind="callback", callback_data=data))
    final = await athlete.handle(ANN, Incoming(kind="callback", callback_data="ci:stress:2"))
    assert final.replies[0].text.startswith("Readiness ")
    doc = await athlete.show("ann")
    [checkin] = doc["checkins"]
    assert checkin["sleep_hours"] == 8 and checkin["readiness_color"] in ("green", "amber")
    assert 0 <= checkin["readiness"] <= 100


async def test_bad_sleep_makes_a_red_or_amber_day(athlete: CoachService) -> None:
    reply = await say(athlete, "/checkin sleep 4 quality 1 energy 1 soreness 5 stress 5")
    doc = await athlete.show("ann")
    assert doc["checkins"][0]["readiness_color"] in ("red", "amber")
    assert str(doc["checkins"][0]["readiness"]) in reply


async def test_checkin_typed_numbers(athlete: CoachService) -> None:
    await say(athlete, "/checkin")
    for value in ("7", "3", "3", "3"):
        await say(athlete, value)
    assert (await say(athlete, "3")).startswith("Readiness")


async def test_paces(athlete: CoachService) -> None:
    reply = await say(athlete, "/paces 10k 48:30")
    assert reply.startswith("10k in 48:30: an average of 4:51/km.\nVDOT 41.5") and "T:" in reply
    assert "Give a distance" in await say(athlete, "/paces fast")


async def test_forgetting_a_note(athlete: CoachService) -> None:
    async with athlete.db.transaction() as s:
        athlete_row = (await s.execute(select(m.Athlete))).scalar_one()
        s.add(m.Note(athlete_id=athlete_row.id, kind="injury", text="left knee sore", created_on=dt.date(2026, 11, 23)))
    listing = await athlete.handle(ANN, command("/memory"))
    button = listing.replies[0].buttons[0][1]
    forgotten = await athlete.handle(ANN, Incoming(kind="callback", callback_data=button.data))
    assert forgotten.replies[0].text == "Forgotten: left knee sore"
    assert await count(athlete, m.Note) == 0




async def test_export_holds_everything(athlete: CoachService) -> None:
    await say(athlete, "/log ran 5k in 30 min")
    result = await athlete.handle(ANN, command("/export"))
    document = result.replies[0].document
    assert document is not None and document.file_name.endswith(".json")
    import json

    data = json.loads(document.data)
    assert data["plan"]["meta"]["event"] == "10k" and data["activities"] and data["conversation"]
    from icalendar import Calendar

    ics = result.replies[1].document
    assert ics is not None and ics.file_name == "training-plan.ics"
    events = [c for c in Calendar.from_ical(ics.data).walk("VEVENT")]
    sessions = [s for w in data["plan"]["weeks"] for s in w["sessions"]]
    assert len(events) == len(sessions)
    first = min(events, key=lambda e: e.decoded("dtstart"))
    assert first.decoded("dtstart").isoformat() == min(s["date"] for s in sessions)
    assert len({str(e["uid"]) for e in events}) == len(events)


async def test_delete_me_asks_first_then_erases_everything(athlete: CoachService) -> None:
    await say(athlete, "/log ran 5k in 30 min")
    await say(athlete, "/checkin sleep 7 quality 3 energy 3 soreness 3 stress 3")
    ask = await athlete.handle(ANN, command("/delete_me"))
    assert [b.data for b in ask.replies[0].buttons[0]] == ["del:yes", "del:no"]
    kept = await athlete.handle(ANN, Incoming(kind="callback", callback_data="del:no"))
    assert kept.replies[0].text == "Nothing was deleted." and await count(athlete, m.Plan) == 1
    gone = await athlete.handle(ANN, Incoming(kind="callback", callback_data="del:yes"))
    assert "erased" in gone.replies[0].text
    for model in (m.Plan, m.PlanWeek, m.PlannedSession, m.Activity, m.CheckIn, m.Goal, m.ChatMessage):
        assert await count(athlete, model) == 0, model
    assert await count(athlete, m.Athlete) == 0


async def test_kpis_are_measured_from_stored_recordings(athlete: CoachService) -> None:
    import datetime as dt

    from coach.service.training_log import measured_kpis
    from coach.store import repo

    async with athlete.db.transaction() as s:
        ann = await repo.athlete_by_name(s, "ann")
        assert ann is not None
        assert await measured_kpis(s, ann, dt.date(2026, 11, 23)) == {}  # nothing measured: no number
        for day, decoupling, minutes in ((10, 4.0, 120), (14, 9.0, 100), (18, 6.0, 95), (19, 30.0, 40)):
            s.add(m.Activity(athlete_id=ann.id, fingerprint=f"k{day}", sport="ride", start_time=dt.datetime(2026, 11, day, 8),
                             elapsed_s=minutes * 60, moving_s=minutes * 60,
                             details={"decoupling_pct": decoupling, "mmp_w": {"300": 300.0 + day, "1200": 270.0}}))
        await s.flush()
        kpis = await measured_kpis(s, ann, dt.date(2026, 11, 23))
    assert kpis["pa_hr_decoupling_pct"] == 6.0  # median of the long sessions; the 40-minute one doesn't count
    assert kpis["fir"] == round(319 / 270, 3)  # best 5-minute over best 20-minute power


async def test_week_and_next_week(athlete: CoachService) -> None:
    assert (await say(athlete, "/week")).startswith("Week 1 —")
    assert (await say(athlete, "/week next")).startswith("Week 2 —")
