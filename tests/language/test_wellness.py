"""A morning report in words gives only the check-in items that were said (issue 9.5)."""

from __future__ import annotations

import pytest

from coach.language.wellness import read_wellness


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Six hours of bad sleep, no energy", {"sleep_hours": 6, "sleep_quality": 2, "energy": 1}),
        ("morning pulse 8 beats higher than usual, HRV down", {"resting_hr_above_usual_bpm": 8, "hrv_below_usual": True}),
        ("best I've felt in weeks", {"energy": 5}),
        ("resting hr 58 this morning, hrv 72", {"resting_hr_bpm": 58, "hrv_ms": 72}),
        ("rhr up 7, legs a bit stiff", {"resting_hr_above_usual_bpm": 7, "soreness": 3}),
        ("not tired at all", {"energy": 4}),
        ("work is brutal, stressed", {"stress": 4}),
        ("pulse 4 below normal", {"resting_hr_above_usual_bpm": -4}),
        ("see you on sunday", {}),
    ],
)
def test_items_said(text: str, expected: dict[str, object]) -> None:
    sleep = 6.0 if "Six hours" in text else None
    assert read_wellness(text, sleep) == expected


def test_negations_read_as_the_good_end() -> None:
    assert read_wellness("no pain, legs fine")["soreness"] == 1
    assert "energy" not in read_wellness("I'm not exhausted")


@pytest.mark.parametrize(("text", "expected"), [
    ("my resting HR is up about 8 beats on normal this morning and I feel washed out", {"energy": 2, "resting_hr_above_usual_bpm": 8}),
    ("legs are toast after yesterday", {"energy": 2}),
    ("fevers gone but still weak", {"energy": 2}),
    ("cramps still bad today", {"soreness": 4}),
    ("skip tomorrow, still recovering from last night", {"energy": 1}),
    ("the forecast looks grim all week", {}),
])
def test_more_ways_of_saying_how_one_feels(text: str, expected: dict[str, object]) -> None:
    assert read_wellness(text) == expected
