"""Ask, don't guess (issue 10): one specific question, stored with the chat, answered later.

Every test reads the outcome from the store (``coach show``), never an intent label: the
question changes nothing, its answer (a tap, the button's words, a date, "never mind")
makes the change, and the question survives a restart and expires.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coach.brain.ask import ASK_TTL, Ask, Choice, match_answer
from coach.clock import FixedClock
from coach.engine.models import Profile
from coach.service.service import CoachService, Who
from coach.service.types import Incoming, Reply
from coach.store.db import Database

ANN = Who(name="ann")
TUESDAY = dt.date(2026, 12, 8)
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "half_marathon", "date": "2027-03-28"}, "start_date": "2026-12-08",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [30, 30, 30, 30], "longest_km": 15, "recent_race": {"distance_km": 10, "time": "50:00"}},
})


class Clock:
    """A fixed day a test can move the hour of (the service reads ``now()`` on every turn)."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        self.shift = dt.timedelta(0)

    def now(self) -> dt.datetime:
        return FixedClock(self.day).now() + self.shift

    def today(self, time_zone: str = "UTC") -> dt.date:
        return self.day


@pytest.fixture
async def coach(db: Database) -> CoachService:
    service = CoachService(db, Clock(TUESDAY))
    await service.add_athlete("ann", PROFILE)
    return service


async def say(coach: CoachService, text: str) -> list[Reply]:
    return (await coach.handle(ANN, Incoming(kind="text", text=text))).replies


async def tap(coach: CoachService, data: str) -> list[Reply]:
    return (await coach.handle(ANN, Incoming(kind="callback", text="", callback_data=data))).replies


def sessions(doc: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for week in doc["plan"]["weeks"]:
        for s in week["sessions"]:
            if s["type"] != "commitment":
                out.setdefault(s["date"], []).append((s["type"], s["duration_min"]))
    return out


def button(replies: list[Reply], label: str) -> str:
    for reply in replies:
        for row in reply.buttons:
            for b in row:
                if b.label.startswith(label):
                    return b.data
    raise AssertionError(f"no button {label!r} in {[[b.label for b in row] for r in replies for row in r.buttons]}")


async def test_move_to_the_weekend_asks_which_day_and_a_tap_after_a_restart_moves_it(db: Database, coach: CoachService) -> None:
    before = sessions(await coach.show("ann"))
    assert "2026-12-10" in before and "2026-12-12" in before and "2026-12-13" in before
    replies = await say(coach, "move Thursday's run to the weekend")
    assert "?" in replies[0].text
    labels = [b.label for row in replies[0].buttons for b in row]
    assert labels[:2] == ["Sat 12 Dec", "Sun 13 Dec"] and "Never mind" in labels
    assert sessions(await coach.show("ann")) == before  # a question changes nothing

    restarted = CoachService(db, Clock(TUESDAY))  # a new process: the question was stored with the chat
    await tap(restarted, button(replies, "Sat 12 Dec"))
    after = sessions(await restarted.show("ann"))
    assert "2026-12-10" not in after
    assert sorted(after["2026-12-12"]) == sorted(before["2026-12-12"] + before["2026-12-10"])

    again = await tap(restarted, button(replies, "Sat 12 Dec"))  # answered once: the button is spent
    assert "expired" in again[0].text
    assert sessions(await restarted.show("ann")) == after


async def test_a_typed_answer_naming_the_day_completes_the_question(coach: CoachService) -> None:
    before = sessions(await coach.show("ann"))
    await say(coach, "move Thursday's run to the weekend")
    await say(coach, "sunday please")
    after = sessions(await coach.show("ann"))
    assert "2026-12-10" not in after
    assert sorted(after["2026-12-13"]) == sorted(before["2026-12-13"] + before["2026-12-10"])


async def test_never_mind_changes_nothing_and_closes_the_question(coach: CoachService) -> None:
    before = sessions(await coach.show("ann"))
    await say(coach, "move Thursday's run to the weekend")
    replies = await say(coach, "never mind")
    assert "left your plan" in replies[0].text
    await say(coach, "saturday")  # no question open any more: not an answer
    assert sessions(await coach.show("ann")) == before


async def test_an_expired_question_is_not_answered_by_a_later_message(coach: CoachService) -> None:
    before = sessions(await coach.show("ann"))
    replies = await say(coach, "move Thursday's run to the weekend")
    assert isinstance(coach.clock, Clock)
    coach.clock.shift = ASK_TTL + dt.timedelta(minutes=1)
    tapped = await tap(coach, button(replies, "Sat 12 Dec"))
    assert "expired" in tapped[0].text
    await say(coach, "saturday")
    assert sessions(await coach.show("ann")) == before


async def test_a_new_request_instead_of_an_answer_is_read_as_itself(coach: CoachService) -> None:
    await say(coach, "move Thursday's run to the weekend")
    replies = await say(coach, "slept 4 hours, wrecked")
    doc = await coach.show("ann")
    assert [c["sleep_hours"] for c in doc["checkins"]] == [4]
    assert "2026-12-10" in sessions(doc)  # the question was dropped, not answered
    assert "Sat 12 Dec" not in " ".join(b.label for r in replies for row in r.buttons for b in row)


async def test_move_the_run_asks_which_session_then_which_day(coach: CoachService) -> None:
    before = sessions(await coach.show("ann"))
    first = await say(coach, "can I move my run?")
    assert "Which session" in first[0].text
    second = await tap(coach, button(first, "Thu 10 Dec"))
    assert "To which day" in second[0].text
    labels = [b.label for row in second[0].buttons for b in row]
    assert "Fri 11 Dec" in labels and "Thu 10 Dec" not in labels
    await tap(coach, button(second, "Fri 11 Dec"))
    after = sessions(await coach.show("ann"))
    assert "2026-12-10" not in after and after["2026-12-11"] == before["2026-12-10"]


async def test_swap_them_asks_which_two_days_and_the_answer_swaps(coach: CoachService) -> None:
    before = sessions(await coach.show("ann"))
    replies = await say(coach, "can I swap them?")
    assert "Which two days" in replies[0].text and sessions(await coach.show("ann")) == before
    await say(coach, "thursday and sunday")
    after = sessions(await coach.show("ann"))
    assert after["2026-12-10"] == before["2026-12-13"] and after["2026-12-13"] == before["2026-12-10"]


async def test_away_for_a_bit_asks_for_dates_and_the_dates_clear_those_days(coach: CoachService) -> None:
    replies = await say(coach, "I'm away for a bit next month")
    assert "Which dates" in replies[0].text
    assert (await coach.show("ann"))["profile"].get("unavailable", []) == []
    await say(coach, "12 to 15 Jan")
    after = sessions(await coach.show("ann"))
    assert not [d for d in after if "2027-01-12" <= d <= "2027-01-15"]


async def test_hedged_day_offers_to_free_it_or_wait(coach: CoachService) -> None:
    before = sessions(await coach.show("ann"))
    replies = await say(coach, "might not make Saturday, or maybe it's Sunday that's the problem, not sure yet")
    assert "?" in replies[0].text and sessions(await coach.show("ann")) == before
    await tap(coach, button(replies, "Wait"))
    assert sessions(await coach.show("ann")) == before
    replies = await say(coach, "might not make Saturday, not sure yet")
    await tap(coach, button(replies, "Free Sat 12 Dec"))
    assert "2026-12-12" not in sessions(await coach.show("ann"))


async def test_change_my_long_day_asks_which_day_and_the_tap_changes_it(coach: CoachService) -> None:
    replies = await say(coach, "change my long run day")
    assert "long session" in replies[0].text
    await tap(coach, button(replies, "Saturday"))
    doc = await coach.show("ann")
    assert doc["profile"]["availability"]["long_day"] == "sat"


async def test_not_understood_says_what_it_read(coach: CoachService) -> None:
    replies = await say(coach, "blue 40 min thursday")
    text = replies[0].text
    assert "I read Thu 10 Dec, a time of 40 min" in text and ("Did you mean" in text or "plain words" in text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Sat 12 Dec", 0), ("the second one", 1), ("sunday", 1), ("2", 1), ("first", 0), ("nah leave it", "cancel"), ("what's my FTP?", None)],
)
def test_typed_answers_pick_the_choice_they_name(text: str, expected: int | str | None) -> None:
    ask = Ask(question="Which day?", choices=(
        Choice("Sat 12 Dec", "move_session", {}, dates=("2026-12-12",), words=("sat",)),
        Choice("Sun 13 Dec", "move_session", {}, dates=("2026-12-13",), words=("sun",)),
    ))
    weekdays = ["sun"] if "sunday" in text else []
    answer = match_answer(ask, text, dates=[], weekdays=weekdays)
    if isinstance(expected, int):
        assert answer == ask.choices[expected]
    else:
        assert answer == expected
