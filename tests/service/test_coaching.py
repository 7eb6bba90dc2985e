"""The human coach: group chat roles, who is on track, overrides validated and audited."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from coach.engine.models import Profile
from coach.service.service import CoachService, UserError, Who
from coach.service.types import Incoming
from coach.store import models as m

GROUP = -100
COACH = Who(name="Carla", telegram_user_id=1, chat_id=GROUP, chat_type="group")
ANN_IN_GROUP = Who(name="Ann", telegram_user_id=2, chat_id=GROUP, chat_type="group")
ANN = Who(name="Ann", telegram_user_id=2, chat_id=2)
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "half_marathon", "date": "2027-03-28"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [30, 30, 30, 30], "longest_km": 15},
})


def command(text: str) -> Incoming:
    head, _, args = text[1:].partition(" ")
    return Incoming(kind="command", text=text, command=head, args=args)


async def say(service: CoachService, who: Who, text: str) -> str:
    result = await service.handle(who, command(text) if text.startswith("/") else Incoming(kind="text", text=text))
    return "\n".join(r.text for r in result.replies)


@pytest.fixture
async def group(service: CoachService) -> CoachService:
    await service.add_athlete("ann", PROFILE)
    async with service.db.transaction() as s:
        athlete = (await s.execute(select(m.Athlete))).scalar_one()
        athlete.telegram_user_id, athlete.display_name = 2, "Ann"
    assert "coach of this group" in await say(service, COACH, "/coach")
    assert "joined Carla's group" in await say(service, ANN_IN_GROUP, "/join")
    return service


def sessions(doc: dict[str, Any], day: str) -> list[dict[str, Any]]:
    return [s for w in doc["plan"]["weeks"] for s in w["sessions"] if s["date"] == day]


async def test_chatter_in_groups_is_left_alone_and_creates_nobody(service: CoachService) -> None:
    assert await say(service, ANN_IN_GROUP, "lovely run today everyone!") == ""
    async with service.db.transaction() as s:
        assert (await s.execute(select(m.Athlete))).first() is None


async def test_only_the_groups_coach_sees_and_overrides(group: CoachService) -> None:
    assert "Only this group's coach" in await say(group, ANN_IN_GROUP, "/athletes")
    status = await say(group, COACH, "/athletes")
    assert status.startswith("Ann: week 1 (base)")
    intruder = Who(name="Max", telegram_user_id=3, chat_id=GROUP, chat_type="group")
    assert "already has a coach" in await say(group, intruder, "/coach")


async def test_an_override_within_the_rules_is_applied_and_audited(group: CoachService) -> None:
    day = sessions(await group.show("ann"), "2026-11-24")[0]
    reply = await say(group, COACH, f"/override Ann 2026-11-24 duration_min={day['duration_min'] - 10} -- short on time")
    assert reply.startswith("Override recorded for Ann on 2026-11-24")
    doc = await group.show("ann")
    assert sessions(doc, "2026-11-24")[0]["duration_min"] == day["duration_min"] - 10
    assert doc["plan"]["source"] == "coach"
    async with group.db.transaction() as s:
        [override] = (await s.execute(select(m.Override))).scalars().all()
        assert override.reason == "short on time" and override.before is not None and override.after is not None
        assert override.after["duration_min"] == day["duration_min"] - 10 and override.waived_rules == []


async def test_breaking_a_guardrail_needs_an_explicit_waiver_which_is_recorded(group: CoachService) -> None:
    before = await group.show("ann")
    refused = await say(group, COACH, "/override Ann 2026-11-29 duration_min=240 -- big day out")
    assert "breaks a guardrail" in refused and "waive=" in refused
    assert (await group.show("ann"))["plan"] == before["plan"]
    rules = refused.split("waive=")[1].split()[0]
    accepted = await say(group, COACH, f"/override Ann 2026-11-29 duration_min=240 waive={rules} -- trail race recce")
    assert accepted.startswith("Override recorded") and "Waived:" in accepted
    doc = await group.show("ann")
    assert sessions(doc, "2026-11-29")[0]["duration_min"] == 240
    assert {w["rule_id"] for w in doc["plan"]["validation"]["waivers"]} == set(rules.split(","))
    assert all(w["by"] == "Carla" for w in doc["plan"]["validation"]["waivers"])


async def test_a_coach_cannot_touch_an_athlete_who_is_not_theirs(service: CoachService) -> None:
    await service.add_athlete("bob", PROFILE)
    await service.add_coach("Dana", [])
    with pytest.raises(UserError, match="isn't one of your athletes"):
        await service.coach_override("Dana", "bob", PROFILE.start_date, ["duration_min=30"], "because")
    await service.add_coach("Dana", ["bob"])
    text = await service.coach_override("Dana", "bob", __import__("datetime").date(2026, 11, 24), ["duration_min=30"], "because")
    assert text.startswith("Override recorded for bob")


async def test_ask_coach_reaches_the_group(group: CoachService) -> None:
    await say(group, ANN, "/start")  # already has a plan: welcome back
    async with group.db.transaction() as s:
        athlete = (await s.execute(select(m.Athlete))).scalar_one()
        from coach.service.service import Ctx
        from coach.service.tools import AskCoachInput, CoachTools

        out = await CoachTools(group, Ctx(s, athlete, PROFILE.start_date)).ask_coach(AskCoachInput(message="is my knee ok?"))
    assert out.delivered_to == 1
    unsent = await group.unsent()
    assert any(chat_id == GROUP and "is my knee ok?" in reply.text for _, chat_id, reply in unsent)


async def test_weekly_review_goes_to_the_coach_first_and_reaches_the_athlete_once_approved(group: CoachService) -> None:
    import datetime as dt

    from coach.clock import FixedClock

    assert "before they see them" in await say(group, COACH, "/review Ann on")
    async with group.db.transaction() as s:
        athlete = (await s.execute(select(m.Athlete))).scalar_one()
        athlete.telegram_chat_id = 2
    sunday = CoachService(group.db, FixedClock(dt.date(2026, 11, 29)))  # FixedClock is noon UTC: inside no window
    from tests.service.test_schedule import Clock

    evening = CoachService(group.db, Clock(dt.datetime(2026, 11, 29, 18, 5, tzinfo=dt.UTC)))
    assert await evening.tick() == 1
    [(_, chat_id, reply)] = await evening.unsent()
    assert chat_id == GROUP and reply.text.startswith("For review — Ann:")
    approve = reply.buttons[0][0]
    stranger = Who(name="Max", telegram_user_id=3, chat_id=GROUP, chat_type="group")
    refused = await sunday.handle(stranger, Incoming(kind="callback", callback_data=approve.data))
    assert refused.replies[0].text.startswith("Only this athlete's coach")
    ok = await sunday.handle(COACH, Incoming(kind="callback", callback_data=approve.data))
    assert ok.replies[0].text == "Approved: Ann gets their week."
    again = await sunday.handle(COACH, Incoming(kind="callback", callback_data=approve.data))
    assert again.replies[0].text == "Ann's week was already sent."
    to_athlete = [reply for _, chat, reply in await evening.unsent() if chat == 2]
    assert len(to_athlete) == 1 and "Next week:" in to_athlete[0].text and "Reviewed by Carla" in to_athlete[0].text
    assert await evening.tick() == 0  # the unreviewed send is not queued as well
