"""The onboarding conversation as a pure state machine."""

from __future__ import annotations

import datetime as dt

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
