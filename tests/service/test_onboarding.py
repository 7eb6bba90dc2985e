"""The onboarding conversation as a pure state machine."""

from __future__ import annotations

import datetime as dt

import pytest

from coach.service import onboarding as ob

TODAY = dt.date(2026, 11, 23)


def talk(*messages: str) -> ob.Outcome:
    outcome = ob.start()
    for message in messages:
        outcome = ob.answer(outcome.state, message, TODAY)
    return outcome


RUNNER = ["running", "km", "half marathon", "12 Apr 2027", "1:45:00", "mon tue thu sat sun", "sun", "30", "16 km", "10k in 48:30", "London"]


def test_a_runner_completes_onboarding_and_gets_a_valid_profile() -> None:
    outcome = talk(*RUNNER)
    assert outcome.complete
    profile = ob.build_profile(outcome.state["answers"], TODAY)
    assert profile.goal.event == "half_marathon" and profile.goal.date == dt.date(2027, 4, 12)
    assert profile.availability.days == ["mon", "tue", "thu", "sat", "sun"] and profile.availability.long_day == "sun"
    assert profile.history.weekly_km == [30.0] * 4 and profile.history.longest_km == 16.0
    assert profile.history.recent_race is not None and profile.history.recent_race.time == "0:48:30"


def test_bad_answer_keeps_state_and_asks_again() -> None:
    before = talk("running", "km", "half marathon")
    after = ob.answer(before.state, "31 Feb", TODAY)
    assert after.state == before.state
    assert "isn't a real date" in after.replies[0].text
    assert after.replies[1].text.startswith("When is the event")


def test_correction_changes_an_earlier_answer_and_carries_on() -> None:
    outcome = talk("running", "km", "half marathon", "12 Apr 2027", "skip", "4 days", "sun", "actually 5 days")
    assert outcome.state["answers"]["days"] == ["mon", "tue", "thu", "sat", "sun"]
    assert outcome.replies[0].text.startswith("Got it — 5 days a week")
    assert outcome.state["step"] == "volume"


def test_correcting_days_drops_a_long_day_that_no_longer_fits() -> None:
    outcome = talk("running", "km", "10k", "12 Apr 2027", "skip", "mon wed sat", "sat", "actually mon wed fri")
    assert outcome.state["answers"]["long_day"] is None
    assert outcome.state["step"] == "long_day"


def test_strength_skips_endurance_questions() -> None:
    assert talk("strength", "km").state["step"] == "days"
    outcome = talk("strength", "km", "3 days", "squat 100 bench 80", "Berlin")
    assert outcome.complete
    profile = ob.build_profile(outcome.state["answers"], TODAY)
    assert profile.goal.event == "strength" and profile.history.one_rep_max_kg == {"squat": 100.0, "bench_press": 80.0}


def test_buttons_are_answers() -> None:
    outcome = ob.start()
    data = outcome.replies[-1].buttons[0][0].data
    assert data == "ob:run"
    assert ob.answer(outcome.state, data, TODAY).state["answers"]["sport"] == "run"


def test_every_event_button_is_accepted() -> None:
    for sport in ("run", "ride", "tri"):
        state = talk("Run" if sport == "run" else sport, "km").state
        question = ob.question("event", state["answers"])
        for row in question.buttons:
            for button in row:
                assert ob.answer(state, button.data, TODAY).state["answers"]["event"] == button.data[3:]


def test_a_rider_who_gives_km_gets_rides_with_distances() -> None:
    from coach.engine import build_plan, load_rules

    rider = ["cycling", "km", "brevet 200", "12 Jun 2027", "skip", "tue thu sat sun", "sat",
             "6 hours, about 150 km", "100 km", "skip", "Berlin"]
    outcome = talk(*rider)
    assert outcome.complete
    profile = ob.build_profile(outcome.state["answers"], TODAY)
    assert profile.history.weekly_hours == [6.0] * 4 and profile.history.weekly_km == [150.0] * 4
    plan = build_plan(profile, load_rules())
    rides = [s for w in plan.weeks for s in w.sessions if s.sport == "ride" and s.type != "race"]
    assert plan.feasible and rides and all(s.distance_km is not None for s in rides)
    long_ride = next(s for s in rides if s.type == "long")
    assert long_ride.distance_km is not None
    assert long_ride.distance_km / (long_ride.duration_min / 60) == pytest.approx(25.0, rel=0.1)  # 150 km / 6 h
