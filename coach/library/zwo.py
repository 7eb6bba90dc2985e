"""Read Zwift workout files (``.zwo``) into library workouts.

Zwift writes power as a fraction of FTP (``0.88``); for ``sportType`` ``run`` the same numbers
are fractions of threshold pace, which this coach keeps as the zone they fall in (Coggan's %
bands), so a run's target follows the athlete's own paces when it is planned. Elements read:
``Warmup``, ``Cooldown``, ``Ramp``, ``SteadyState``, ``SolidState``, ``IntervalsT``,
``FreeRide``, ``MaxEffort``; text events are ignored.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Final

from coach.engine.models import SessionSport, Step, Target
from coach.library.model import _FTP_BANDS, LibraryImportError, Workout, _zone_of_pct_ftp, classify

MAX_ZWO_BYTES: Final = 1_000_000
_PERCENT: Final = 100.0
_SLUG = re.compile(r"[^a-z0-9]+")


def _number(element: ET.Element, name: str, default: float | None = None) -> float:
    raw = element.get(name)
    if raw is None:
        if default is None:
            raise LibraryImportError(f"a <{element.tag}> has no {name}.")
        return default
    try:
        return float(raw)
    except ValueError:
        raise LibraryImportError(f"<{element.tag} {name}={raw!r}> is not a number.") from None


def _target(low: float, high: float, sport: SessionSport) -> Target:
    low_pct, high_pct = sorted((round(low * _PERCENT, 1), round(high * _PERCENT, 1)))
    zone = _zone_of_pct_ftp((low_pct + high_pct) / 2, _FTP_BANDS)
    if sport == "ride":
        return Target(unit="pct_ftp", low=low_pct, high=high_pct, zone=zone)
    return Target(unit="rpe", low=low_pct, high=high_pct, zone=zone)


def _steps_of(element: ET.Element, sport: SessionSport) -> list[Step]:
    tag = element.tag.lower()
    if tag == "textevent":
        return []
    if tag == "intervalst":
        repeat = int(_number(element, "Repeat", 1))
        on = Step(kind="main", label="on", duration_s=round(_number(element, "OnDuration")),
                  target=_target(_number(element, "OnPower"), _number(element, "OnPower"), sport))
        off = Step(kind="recovery", label="off", duration_s=round(_number(element, "OffDuration")),
                   target=_target(_number(element, "OffPower"), _number(element, "OffPower"), sport))
        return [Step(kind="repeat", repeat=max(repeat, 1), steps=[on, off])]
    seconds = round(_number(element, "Duration"))
    if tag in ("warmup", "cooldown", "ramp"):
        low, high = _number(element, "PowerLow"), _number(element, "PowerHigh")
        kind = "warmup" if tag == "warmup" else "cooldown" if tag == "cooldown" else "main"
        return [Step(kind=kind, label="ramp" if tag == "ramp" else "", duration_s=seconds, target=_target(low, high, sport))]
    if tag in ("steadystate", "solidstate"):
        if element.get("Power") is not None:
            power = _number(element, "Power")
            target = _target(power, power, sport)
        else:
            target = _target(_number(element, "PowerLow"), _number(element, "PowerHigh"), sport)
        return [Step(kind="main", duration_s=seconds, target=target)]
    if tag == "freeride":
        return [Step(kind="main", label="free ride", duration_s=seconds)]
    if tag == "maxeffort":
        return [Step(kind="main", label="max effort", duration_s=seconds, target=Target(unit="rpe", low=9, high=10, zone="Z6"))]
    raise LibraryImportError(f"<{element.tag}> is not a Zwift workout step I know.")


def read_zwo(file_name: str, data: bytes) -> Workout:
    """One ``.zwo`` file as a library workout; :class:`LibraryImportError` with a sentence otherwise."""
    if len(data) > MAX_ZWO_BYTES:
        raise LibraryImportError(f"{file_name} is {len(data)} bytes; a Zwift workout is far smaller than {MAX_ZWO_BYTES}.")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise LibraryImportError(f"{file_name} declares a DTD or entities; a Zwift workout has none.")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise LibraryImportError(f"{file_name} is not valid XML ({error}).") from None
    if root.tag != "workout_file":
        raise LibraryImportError(f"{file_name} is XML but not a Zwift workout (no <workout_file>).")
    sport_text = (root.findtext("sportType") or "bike").strip().lower()
    sport: SessionSport = "run" if sport_text == "run" else "ride"
    body = root.find("workout")
    if body is None:
        raise LibraryImportError(f"{file_name} has no <workout> steps.")
    steps: list[Step] = []
    for element in body:
        steps += _steps_of(element, sport)
    if not steps:
        raise LibraryImportError(f"{file_name} has no workout steps.")
    name = (root.findtext("name") or "").strip() or file_name.rsplit("/", 1)[-1].removesuffix(".zwo")
    return Workout(
        key=f"zwo:{_SLUG.sub('-', name.lower()).strip('-')}", name=name, sport=sport, purpose=classify(steps, sport),
        source="zwo", source_ref=file_name, description=(root.findtext("description") or "").strip(), steps=steps,
    )
