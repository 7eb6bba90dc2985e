"""Unit words athletes write, converted with pint (the conversion factors are pint's, not ours).

The registry is built once, on the first conversion (about a third of a second), and each unit
word's factor is cached, so reading a message costs a dictionary look-up. pint agrees with the
engine's named constants (``coach.engine.units``: the international mile of 1959, 1609.344 m;
the yard, 0.9144 m; the avoirdupois pound, 0.45359237 kg); tests/language/test_units.py checks it.
"""

from __future__ import annotations

import functools
from typing import Final, Literal

import pint

DistanceUnit = Literal["km", "mi", "m", "yd"]
"""How the athlete wrote a distance, kept so a reply can use their unit."""

DISTANCE_WORDS: Final[dict[str, DistanceUnit]] = {
    "km": "km", "kms": "km", "k": "km", "kilometer": "km", "kilometers": "km", "kilometre": "km",
    "kilometres": "km", "klick": "km", "klicks": "km", "click": "km", "clicks": "km", "kays": "km",
    "mi": "mi", "mile": "mi", "miles": "mi", "miler": "mi",
    "m": "m", "meter": "m", "meters": "m", "metre": "m", "metres": "m",
    "yd": "yd", "yds": "yd", "yard": "yd", "yards": "yd",
}  # fmt: skip
"""Every unit word the distance reader accepts, and the unit it means."""
_PINT_NAMES: Final[dict[DistanceUnit, str]] = {"km": "kilometer", "mi": "mile", "m": "meter", "yd": "yard"}
WEIGHT_WORDS: Final[dict[str, str]] = {
    "kg": "kilogram", "kgs": "kilogram", "kilo": "kilogram", "kilos": "kilogram",
    "lb": "pound", "lbs": "pound", "pound": "pound", "pounds": "pound",
}  # fmt: skip


@functools.cache
def _registry() -> pint.UnitRegistry[float]:
    return pint.UnitRegistry()


@functools.cache
def metres_per(unit: DistanceUnit) -> float:
    """Metres in one ``unit`` (pint), rounded to the micrometre to drop float noise."""
    return round(float(_registry().Quantity(1, _PINT_NAMES[unit]).to("meter").magnitude), 6)


def distance_m(value: float, word: str) -> float:
    """``value`` in the unit ``word`` (any of :data:`DISTANCE_WORDS`) in metres."""
    return value * metres_per(DISTANCE_WORDS[word])


@functools.cache
def kilograms_per(word: str) -> float:
    """Kilograms in one ``word`` (kg, lb and their spellings; pint)."""
    return round(float(_registry().Quantity(1, WEIGHT_WORDS[word]).to("kilogram").magnitude), 9)


__all__ = ["DISTANCE_WORDS", "WEIGHT_WORDS", "DistanceUnit", "distance_m", "kilograms_per", "metres_per"]
