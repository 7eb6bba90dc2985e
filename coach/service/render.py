"""Plain-text renderings of plan documents for replies. Every number comes from the plan."""

from __future__ import annotations

import datetime as dt
import re

from coach.engine.models import Plan, Session, Step, Week
from coach.engine.render import estimate_note
from coach.engine.units import KM_PER_MILE
from coach.service.answers import EVENT_LABELS

STATUS_MARK = {"planned": "•", "done": "✓", "partial": "◐", "missed": "✗", "moved": "→", "skipped": "–"}
SPORT_NAME = {"run": "Run", "ride": "Ride", "swim": "Swim", "strength": "Strength", "brick": "Brick", "other": "Session"}
TYPE_NAME = {
    "easy": "easy", "long": "long", "tempo": "tempo", "threshold": "threshold", "intervals": "intervals",
    "recovery": "recovery", "race": "race", "strength": "", "technique": "technique", "commitment": "",
}


def day_label(day: dt.date) -> str:
    return day.strftime("%a %d %b")


def distance(km: float | None, units: str) -> str:
    if km is None:
        return ""
    if units == "mi":
        return f"{km / KM_PER_MILE:.1f} mi"
    return f"{km:.1f} km"


def duration(minutes: int) -> str:
    if minutes >= 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest:02d} min" if rest else f"{hours} h"
    return f"{minutes} min"


def _pace(seconds_per_km: float, units: str) -> str:
    value = seconds_per_km * KM_PER_MILE if units == "mi" else seconds_per_km
    total = round(value)
    return f"{total // 60}:{total % 60:02d}"


def _target(step: Step, units: str) -> str:
    t = step.target
    if t is None:
        return ""
    per = "/mi" if units == "mi" else "/km"
    zone = f" ({t.zone})" if t.zone else ""
    if t.unit == "s_per_km":
        return f" @ {_pace(t.low, units)}–{_pace(t.high, units)}{per}{zone}"
    if t.unit == "s_per_100m":
        return f" @ {round(t.low) // 60}:{round(t.low) % 60:02d}–{round(t.high) // 60}:{round(t.high) % 60:02d}/100m"
    if t.unit == "rpe":
        value = f"{t.low:g}" if t.low == t.high else f"{t.low:g}–{t.high:g}"
        return f" @ RPE {value}"
    unit = {"pct_ftp": "% FTP", "w": " W", "bpm": " bpm", "pct_1rm": "% 1RM", "hr_zone": ""}[t.unit]
    value = f"{t.low:g}" if t.low == t.high else f"{t.low:g}–{t.high:g}"
    return f" @ {value}{unit}{zone}"


def step_lines(steps: list[Step], units: str, indent: str = "  ") -> list[str]:
    lines: list[str] = []
    for step in steps:
        if step.kind == "repeat":
            lines.append(f"{indent}{step.repeat}× {step.label}".rstrip())
            lines.extend(step_lines(step.steps, units, indent + "  "))
            continue
        amount = ""
        if step.exercise:
            sets = f"{step.sets}×{step.reps}" if step.sets and step.reps else ""
            load = f" {step.load_kg:g} kg" if step.load_kg else ""
            lines.append(f"{indent}{step.exercise.replace('_', ' ')} {sets}{load}{_target(step, units)}".rstrip())
            continue
        if step.duration_s:
            amount = duration(round(step.duration_s / 60)) if step.duration_s >= 60 else f"{step.duration_s} s"
        elif step.distance_m:
            amount = f"{step.distance_m:g} m" if step.distance_m < 1000 else distance(step.distance_m / 1000, units)
        label = step.label or step.kind
        lines.append(f"{indent}{label} {amount}{_target(step, units)}".rstrip())
    return lines


def session_title(session: Session, units: str) -> str:
    kind = TYPE_NAME.get(session.type, session.type)
    name = f"{SPORT_NAME.get(session.sport, session.sport)} {kind}".strip() if session.type != "commitment" else (session.description or "Commitment")
    parts = [duration(session.duration_min)]
    if session.distance_km:
        parts.append(("≈ " if session.distance_estimated else "") + distance(session.distance_km, units))
    key = " (key)" if session.key else ""
    return f"{name}{key} — {', '.join(parts)}"


def session_text(session: Session, units: str, *, with_steps: bool = True) -> str:
    mark = STATUS_MARK.get(session.status, "•")
    lines = [f"{mark} {session_title(session, units)}"]
    if session.status != "planned":
        lines[0] += f" [{session.status}]"
    if with_steps:
        lines.extend(step_lines(session.steps, units))
        if session.description and not session.steps and session.type != "commitment":
            lines.append(f"  {session.description}")
    return "\n".join(lines)


_PCT_FTP = re.compile(r"(\d+)(?:[–-](\d+))? ?% FTP")


def with_watts(text: str, ftp_w: float | None) -> str:
    """Each "56–75 % FTP" of a session's text with the watts it is for this athlete ("… ≈ 140–188 W"):
    Coggan's bands are a share of FTP (Allen & Coggan, Training and Racing with a Power Meter)."""
    if not ftp_w:
        return text

    def watts(match: re.Match[str]) -> str:
        low = round(ftp_w * int(match.group(1)) / 100)
        high = None if match.group(2) is None else round(ftp_w * int(match.group(2)) / 100)
        return f"{match.group(0)} ≈ {low}{'' if high is None else f'–{high}'} W"

    return _PCT_FTP.sub(watts, text)


def day_text(day: dt.date, sessions: list[Session], units: str, title: str) -> str:
    header = title if title == day_label(day) else f"{title} — {day_label(day)}"
    if not sessions:
        return f"{header}\nRest day. Recovery is where the training sinks in."
    return header + "\n" + "\n".join(session_text(s, units) for s in sessions)


def week_text(week: Week, units: str, today: dt.date | None = None) -> str:
    cut = " (cutback)" if week.cutback else ""
    volume = [duration(week.planned_minutes)]
    if week.planned_km:
        volume.append(("≈ " if any(s.distance_estimated for s in week.sessions) else "") + distance(week.planned_km, units))
    lines = [f"Week {week.index} — {week.phase}{cut}, from {day_label(week.start)}: {', '.join(volume)}"]
    by_day: dict[dt.date, list[Session]] = {}
    for s in week.sessions:
        by_day.setdefault(s.date, []).append(s)
    for offset in range(7):
        day = week.start + dt.timedelta(days=offset)
        here = " ← today" if today == day else ""
        items = by_day.get(day, [])
        if not items:
            lines.append(f"{day_label(day)}: rest{here}")
        for s in items:
            lines.append(f"{day_label(day)}: {session_text(s, units, with_steps=False)[2:]}{here}")
    lines.extend(f"Why: {note}" for note in week.notes[:3])
    return "\n".join(lines)


def plan_summary(plan: Plan, units: str, today: dt.date | None = None) -> str:
    meta = plan.meta
    event = EVENT_LABELS.get(meta.event, meta.event)
    when = f" on {meta.race_date.isoformat()}" if meta.race_date else ""
    target = f", target {meta.target_time}" if meta.target_time else ""
    lines = [f"Plan: {event}{when}{target} — {len(plan.weeks)} weeks from {meta.start_date.isoformat()}."]
    if meta.easy_pace_estimate is not None:
        lines.append(estimate_note(meta.easy_pace_estimate, "mi" if units == "mi" else "km"))
    for week in plan.weeks:
        marker = " ← now" if today is not None and week.start <= today < week.start + dt.timedelta(days=7) else ""
        about = "≈ " if any(s.distance_estimated for s in week.sessions) else ""
        volume = about + distance(week.planned_km, units) if week.planned_km else duration(week.planned_minutes)
        cut = ", cutback" if week.cutback else ""
        lines.append(f"W{week.index} {week.start.strftime('%d %b')} {week.phase}{cut}: {volume}{marker}")
    return "\n".join(lines)


def current_week(plan: Plan, today: dt.date) -> Week | None:
    for week in plan.weeks:
        if week.start <= today < week.start + dt.timedelta(days=7):
            return week
    upcoming = [w for w in plan.weeks if w.start > today]
    return upcoming[0] if upcoming else None
