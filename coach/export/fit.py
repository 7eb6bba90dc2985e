"""Sessions as FIT workout files (Garmin's Flexible and Interoperable Data Transfer protocol),
written with Garmin's own FIT SDK (``garmin-fit-sdk``): a watch or head unit loads them as
structured workouts.

A workout file is a ``file_id`` (type ``workout``), one ``workout`` message and its
``workout_step`` messages (FIT SDK profile, "Workout File"). Each target keeps its kind:

* pace (runs, swims) -> ``speed``, in m/s x 1000 (slow end low, fast end high);
* % FTP (rides) -> ``power``, 0-1000 meaning % FTP; watts are written plus 1000;
* heart rate -> ``heart_rate``, bpm plus 100 (0-100 would mean % of maximum);
* RPE and anything else -> an open target, the words in the step's notes.

A repeat is its child steps followed by a ``repeat_until_steps_cmplt`` step pointing back at
the first child (``duration_value``) with the count (``target_value``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

from garmin_fit_sdk import Encoder, Profile

from coach.engine.models import Session, SessionSport, Step, Target
from coach.engine.render import describe_target
from coach.export._common import workout_name

FIT_SPORTS: Final[dict[SessionSport, str]] = {"run": "running", "ride": "cycling", "swim": "swimming"}
"""Sports a FIT workout file can carry here (strength sets and multisport bricks cannot)."""
_MS_PER_S: Final = 1000
_CM_PER_M: Final = 100
_SPEED_SCALE: Final = 1000  # custom_target_speed_*: m/s x 1000
_POWER_WATTS_OFFSET: Final = 1000  # workout_power: > 1000 means watts + 1000
_HR_BPM_OFFSET: Final = 100  # workout_hr: > 100 means bpm + 100
_METRES_PER_KM: Final = 1000.0
_METRES_PER_100M: Final = 100.0
_INTENSITY: Final[dict[str, str]] = {"warmup": "warmup", "cooldown": "cooldown", "recovery": "recovery"}
_MESG = Profile["mesg_num"]


def _speed(metres: float, seconds: float) -> int:
    return round(metres / seconds * _SPEED_SCALE)


def _target_fields(target: Target | None) -> dict[str, Any]:
    """The ``target_type`` and custom low/high raw values of a step (see the module docstring)."""
    if target is None:
        return {"target_type": "open"}
    unit = target.unit
    if unit in ("s_per_km", "s_per_100m") and target.low > 0 and target.high > 0:
        metres = _METRES_PER_KM if unit == "s_per_km" else _METRES_PER_100M
        return {
            "target_type": "speed", "target_value": 0,
            "custom_target_value_low": _speed(metres, max(target.low, target.high)),
            "custom_target_value_high": _speed(metres, min(target.low, target.high)),
        }
    if unit == "pct_ftp":
        return {"target_type": "power", "target_value": 0,
                "custom_target_value_low": round(target.low), "custom_target_value_high": round(target.high)}
    if unit == "w":
        return {"target_type": "power", "target_value": 0,
                "custom_target_value_low": round(target.low) + _POWER_WATTS_OFFSET,
                "custom_target_value_high": round(target.high) + _POWER_WATTS_OFFSET}
    if unit == "bpm":
        return {"target_type": "heart_rate", "target_value": 0,
                "custom_target_value_low": round(target.low) + _HR_BPM_OFFSET,
                "custom_target_value_high": round(target.high) + _HR_BPM_OFFSET}
    if unit == "hr_zone" and target.zone and target.zone[1:].isdigit():
        return {"target_type": "heart_rate", "target_value": int(target.zone[1:])}
    return {"target_type": "open"}


def _step_fields(step: Step, units: str) -> dict[str, Any]:
    fields: dict[str, Any] = {"intensity": _INTENSITY.get(step.kind, "active")}
    if step.duration_s is not None:
        fields |= {"duration_type": "time", "duration_value": step.duration_s * _MS_PER_S}
    elif step.distance_m is not None:
        fields |= {"duration_type": "distance", "duration_value": round(step.distance_m * _CM_PER_M)}
    else:
        fields |= {"duration_type": "open"}
    fields |= _target_fields(step.target)
    name = step.label or step.kind
    fields["wkt_step_name"] = name
    if step.target is not None:
        fields["notes"] = describe_target(step.target, units)  # type: ignore[arg-type]
    return fields


def _flatten(steps: Sequence[Step], out: list[dict[str, Any]], units: str) -> None:
    for step in steps:
        if step.kind == "repeat":
            first = len(out)
            _flatten(step.steps, out, units)
            out.append({"duration_type": "repeat_until_steps_cmplt", "duration_value": first, "target_value": step.repeat,
                        "wkt_step_name": step.label or "repeat"})
        else:
            out.append(_step_fields(step, units))


def fit_steps(steps: Sequence[Step], units: str = "km") -> list[dict[str, Any]]:
    """The ``workout_step`` messages' fields for ``steps`` (without ``message_index``)."""
    out: list[dict[str, Any]] = []
    _flatten(steps, out, units)
    return out


def session_fit(session: Session, *, units: str = "km", created: dt.datetime, serial: int = 1) -> bytes:
    """One session as a FIT workout file; ``ValueError`` for a sport FIT workouts can't hold."""
    sport = FIT_SPORTS.get(session.sport)
    if sport is None:
        raise ValueError(f"a {session.sport} session has no FIT workout form")
    steps = fit_steps(session.steps, units)
    encoder = Encoder()
    encoder.write_mesg({"mesg_num": _MESG["FILE_ID"], "type": "workout", "manufacturer": "development",
                        "product": 0, "serial_number": serial, "time_created": created})
    encoder.write_mesg({"mesg_num": _MESG["WORKOUT"], "sport": sport, "num_valid_steps": len(steps),
                        "wkt_name": f"{session.date.isoformat()} {workout_name(session)}"})
    for index, fields in enumerate(steps):
        encoder.write_mesg({"mesg_num": _MESG["WORKOUT_STEP"], "message_index": index, **fields})
    data: bytes = encoder.close()
    return data
