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
