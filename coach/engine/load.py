"""Planned training load, the TSS-like number on every session and week.

Formula (Coggan & Allen, *Training and Racing with a Power Meter*)::

    load = hours × IF² × 100

where IF is the whole-session intensity factor of the session type from
``coach/rules/guardrails.yaml`` (``load.intensity_factor``), the event's race IF for a race, and the
intensity's IF for a commitment. One hour at threshold (IF 1.0) is 100.
"""

from __future__ import annotations

from coach.engine.models import Intensity, SessionType
from coach.engine.rules import Rules

_PERCENT = 100.0
_MIN_PER_HOUR = 60.0


def load_from_if(duration_min: float, intensity_factor: float) -> float:
    """``hours × IF² × 100`` rounded to 0.1 (Coggan TSS)."""
    return round(duration_min / _MIN_PER_HOUR * intensity_factor * intensity_factor * _PERCENT, 1)


def planned_load(duration_min: float, session_type: SessionType, rules: Rules) -> float:
    """Planned load of a training session of ``session_type``."""
    return load_from_if(duration_min, rules.guardrails.load.intensity_factor[session_type])


def commitment_load(duration_min: float, intensity: Intensity, rules: Rules) -> float:
    """Planned load of a commitment, known only by its intensity."""
    return load_from_if(duration_min, rules.guardrails.load.commitment_intensity_factor[intensity])


def session_load(
    duration_min: float,
    session_type: SessionType,
    intensity: Intensity,
    race_intensity_factor: float,
    rules: Rules,
) -> float:
    """Planned load of any session: commitments by intensity, the race by the event's IF."""
    if session_type == "commitment":
        return commitment_load(duration_min, intensity, rules)
    if session_type == "race":
        return load_from_if(duration_min, race_intensity_factor)
    return planned_load(duration_min, session_type, rules)
