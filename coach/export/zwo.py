"""Rides as Zwift workout files (``.zwo``): XML whose power is a fraction of FTP.

Zwift's elements: ``Warmup``/``Cooldown`` ramp from ``PowerLow`` to ``PowerHigh``, ``SteadyState``
holds ``Power``, ``IntervalsT`` repeats ``OnDuration`` at ``OnPower`` and ``OffDuration`` at
``OffPower`` ``Repeat`` times, ``FreeRide`` has no target. Durations are seconds. A step without
a power target but with a zone gets the middle of that zone's Coggan band (Allen & Coggan,
*Training and Racing with a Power Meter*), the bands in ``coach/rules/workouts.yaml``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Final

from coach.engine.models import Session, Step, Target
from coach.engine.rules import Rules
from coach.export._common import workout_name

AUTHOR: Final = "coach"
_PERCENT: Final = 100.0
_FRACTION_DIGITS: Final = 3


def _fraction(value: float) -> str:
    return f"{round(value, _FRACTION_DIGITS):g}"


def power_band(target: Target | None, rules: Rules, ftp_w: float | None) -> tuple[float, float] | None:
    """(low, high) as fractions of FTP, or None when nothing says how hard (a free ride)."""
    if target is None:
        return None
    if target.unit == "pct_ftp":
        return target.low / _PERCENT, target.high / _PERCENT
    if target.unit == "w" and ftp_w:
        return target.low / ftp_w, target.high / ftp_w
    bands = rules.workouts.zones.ftp_pct
    if target.zone in bands:
        low, high = bands[target.zone]
        return low / _PERCENT, high / _PERCENT
    return None


def _middle(band: tuple[float, float]) -> float:
    return (band[0] + band[1]) / 2


def _element(parent: ET.Element, step: Step, rules: Rules, ftp_w: float | None) -> None:
    seconds = step.duration_s or 0
    band = power_band(step.target, rules, ftp_w)
    if band is None:
        ET.SubElement(parent, "FreeRide", Duration=str(seconds))
    elif step.kind == "warmup":
        ET.SubElement(parent, "Warmup", Duration=str(seconds), PowerLow=_fraction(band[0]), PowerHigh=_fraction(band[1]))
    elif step.kind == "cooldown":
        ET.SubElement(parent, "Cooldown", Duration=str(seconds), PowerLow=_fraction(band[1]), PowerHigh=_fraction(band[0]))
    else:
        ET.SubElement(parent, "SteadyState", Duration=str(seconds), Power=_fraction(_middle(band)))


def _add_steps(parent: ET.Element, steps: Sequence[Step], rules: Rules, ftp_w: float | None) -> None:
    for step in steps:
        if step.kind != "repeat":
            _element(parent, step, rules, ftp_w)
            continue
        children = step.steps
        bands = [power_band(c.target, rules, ftp_w) for c in children]
        if len(children) == 2 and all(c.kind != "repeat" and c.duration_s for c in children) and None not in bands:
            on, off = children
            on_band, off_band = bands[0], bands[1]
            assert on_band is not None and off_band is not None
            ET.SubElement(
                parent, "IntervalsT", Repeat=str(step.repeat),
                OnDuration=str(on.duration_s), OffDuration=str(off.duration_s),
                OnPower=_fraction(_middle(on_band)), OffPower=_fraction(_middle(off_band)),
            )
            continue
        for _ in range(step.repeat):
            _add_steps(parent, children, rules, ftp_w)


def session_zwo(session: Session, rules: Rules, ftp_w: float | None = None) -> bytes:
    """One ride as a ``.zwo`` document (UTF-8 XML)."""
    root = ET.Element("workout_file")
    ET.SubElement(root, "author").text = AUTHOR
    ET.SubElement(root, "name").text = f"{session.date.isoformat()} {workout_name(session)}"
    ET.SubElement(root, "description").text = session.description
    ET.SubElement(root, "sportType").text = "bike"
    ET.SubElement(root, "tags")
    workout = ET.SubElement(root, "workout")
    _add_steps(workout, session.steps, rules, ftp_w)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode() + b"\n"
