"""How much of a session was done, in the athlete's words (issue 9.6)."""

from __future__ import annotations

import pytest

from coach.brain.slots import normalise_text
from coach.language.fractions import DoneAmount, read_done


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("did about 2/3 of the long run then my legs packed in", 0.67),
        ("Got about a third of the way through and the heavens opened", 0.33),
        ("quarter of the session done before the hamstring said no", 0.25),
        ("Only 4k of today's 8.6, time ran out", 0.47),
        ("Did an hour of the two hour ride, too cold", 0.5),
        ("about three-quarters done before my Zwift crashed", 0.75),
        ("20 of the 50 minutes", 0.4),
        ("most of it", 0.75),
        ("IT band flared up 5k into the long run", DoneAmount(5.0, "km")),
        ("Thursday I did 10 mins and turned round", DoneAmount(10.0, "min")),
        ("ran 10k in 52 min", None),
    ],
)
def test_done(text: str, expected: object) -> None:
    assert read_done(normalise_text(text)) == expected


@pytest.mark.parametrize(("text", "minutes"), [
    ("Pulled the pin at 1h20 today. Puncture and no spare tube", 80.0),
    ("stopped at 1h05, knee", 65.0),
])
def test_hours_and_minutes_written_together_are_the_amount_done(text: str, minutes: float) -> None:
    assert read_done(normalise_text(text)) == DoneAmount(amount=minutes, unit="min")


def test_a_share_of_hours_and_minutes() -> None:
    assert read_done(normalise_text("did 1h30 of the 2h")) == 0.75


@pytest.mark.parametrize(("text", "read"), [
    ("tonight i've got 6:00 to 6:40 on the turbo", "tonight i've got 40 min on the turbo"),
    ("free from 12:15 to 13:00", "free from 45 min"),
    ("splits went 4:50 to 5:10 /km", "splits went 4:50 to 5:10 /km"),  # a pace range stays
    ("got 6:00 to 6:40 a k", "got 6:00 to 6:40 a k"),
])
def test_a_window_of_the_clock_reads_as_its_length(text: str, read: str) -> None:
    assert normalise_text(text) == read


@pytest.mark.parametrize(("text", "read"), [
    ("slept 10am till 3pm after the night shift", "slept 5 hours after the night shift"),
    ("slept 11pm to 6:30am", "slept 7.5 hours"),
    ("slept from 1am-4am", "slept 3 hours"),
])
def test_sleep_said_by_the_clock_reads_as_hours(text: str, read: str) -> None:
    assert normalise_text(text) == read
