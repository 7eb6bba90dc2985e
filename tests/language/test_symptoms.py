"""Symptoms in the athlete's words, sorted by the neck check (coach/rules/symptoms.yaml)."""

from __future__ import annotations

import pytest

from coach.language.symptoms import read_symptoms


@pytest.mark.parametrize(("text", "names", "below"), [
    ("got a stinking cold, head's all blocked up", {"head cold", "blocked nose"}, False),
    ("bit of a sore throat coming on", {"sore throat"}, False),
    ("head cold, nothing on the chest", {"head cold"}, False),
    ("Think I've got the flu - fever, aching all over", {"flu", "fever", "aching"}, True),
    ("tummy bug, been up all night", {"stomach"}, True),
    ("Got a chesty cough and a temperature", {"chest", "cough", "fever"}, True),
    ("no fever, just the sniffles", {"runny nose"}, False),
])
def test_symptoms_named_and_where(text: str, names: set[str], below: bool) -> None:
    found = read_symptoms(text)
    assert set(found.names) == names and found.below_neck is below and found.ill


def test_an_illness_without_symptoms_is_read_the_safer_way_and_weather_is_no_illness() -> None:
    vague = read_symptoms("feeling a bit under the weather")
    assert vague.ill and vague.unspecified and vague.below_neck and vague.names == ()
    assert not read_symptoms("ran in the cold this morning, felt great").ill



@pytest.mark.parametrize(("text", "ill"), [
    ("Bit of a head cold today.", True),
    ("still crook as", True),
    ("sick kid, so no run", False),
    ("my son is sick", False),
    ("it's cold today, ran anyway", False),
    ("move the runs around this weekend", False),
    ("dont like riding in the rain, ill go indoors if wet", False),
])
def test_the_athletes_own_illness_only(text: str, ill: bool) -> None:
    assert read_symptoms(text).ill is ill
