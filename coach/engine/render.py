"""Plain-text views of sessions and plans, and the Intervals.icu workout text.

Intervals.icu text (seed 001, "Structured Workouts"): section headers on their own line
("Warmup", "Cruise intervals 4x", "Cooldown"), steps starting with "- ", a duration
("10m", "1h30m", "45s") then the target ("6:10-5:40/km Pace", "56-75%",
"2:10-2:05/100m Pace", "Z2 HR"), then ", Zn" and a short cue. Repeats go in the section
header as "Nx"; Intervals.icu does not nest repeats, so the engine never does either.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from coach.engine.models import EasyPaceEstimate, Plan, Session, Step, Target, Week

Units = Literal["km", "mi"]

KM_PER_MILE = 1.609344
_SECONDS_PER_MINUTE = 60
_MINUTES_PER_HOUR = 60
_SECONDS_PER_HOUR = 3600
_METRES_PER_KM = 1000.0
_HUNDRED_METRES = 100

_SECTION_TITLE = {
    "warmup": "Warmup",
    "cooldown": "Cooldown",
    "main": "Main set",
    "recovery": "Recovery",
    "set": "Lifts",
}
_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def format_pace(seconds_per_km: float, units: Units = "km") -> str:
    """``M:SS /km`` or ``M:SS /mi``."""
    seconds = seconds_per_km * KM_PER_MILE if units == "mi" else seconds_per_km
    total = round(seconds)
    return f"{total // _SECONDS_PER_MINUTE}:{total % _SECONDS_PER_MINUTE:02d}"


def format_minutes(minutes: float) -> str:
    """``45 min`` or ``1 h 30 min``."""
    whole = round(minutes)
    hours, rest = divmod(whole, _MINUTES_PER_HOUR)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def format_distance(km: float, units: Units = "km") -> str:
    if units == "mi":
        return f"{km / KM_PER_MILE:.1f} mi"
    return f"{km:.1f} km"


def _icu_duration(seconds: int) -> str:
    hours, rest = divmod(seconds, _SECONDS_PER_HOUR)
    minutes, secs = divmod(rest, _SECONDS_PER_MINUTE)
    text = ""
    if hours:
        text += f"{hours}h"
    if minutes:
        text += f"{minutes}m"
    if secs or not text:
        text += f"{secs}s"
    return text


def _range(low: float, high: float, fmt: str = "{:g}") -> str:
    if round(low, 1) == round(high, 1):
        return fmt.format(low)
    return f"{fmt.format(low)}-{fmt.format(high)}"


def describe_target(target: Target, units: Units = "km") -> str:
    """Human words for a target: "5:40–6:10 /km (Z2)", "56–75 % FTP (Z2)", "RPE 3–4 (Z2)"."""
    zone = f" ({target.zone})" if target.zone else ""
    if target.unit == "s_per_km":
        fast, slow = format_pace(target.low, units), format_pace(target.high, units)
        pace = fast if fast == slow else f"{fast}–{slow}"
        return f"{pace} /{units}{zone}"
    if target.unit == "s_per_100m":
        fast, slow = format_pace(target.low), format_pace(target.high)
        pace = fast if fast == slow else f"{fast}–{slow}"
        return f"{pace} /100 m{zone}"
    if target.unit == "pct_ftp":
        return f"{_range(target.low, target.high, '{:.0f}')} % FTP{zone}"
    if target.unit == "w":
        return f"{_range(target.low, target.high, '{:.0f}')} W{zone}"
    if target.unit == "bpm":
        return f"{_range(target.low, target.high, '{:.0f}')} bpm{zone}"
    if target.unit == "pct_1rm":
        return f"{_range(target.low, target.high, '{:.0f}')} % 1RM"
    if target.unit == "hr_zone":
        return f"HR {target.zone or ''}".strip()
    return f"RPE {_range(target.low, target.high)}{zone}"


def _icu_target(target: Target | None, units: Units) -> str:
    if target is None:
        return ""
    zone = f", {target.zone}" if target.zone else ""
    if target.unit == "s_per_km":
        # Intervals.icu writes pace ranges slow-fast: "7:15-7:00/km Pace".
        slow, fast = format_pace(target.high, units), format_pace(target.low, units)
        pace = fast if slow == fast else f"{slow}-{fast}"
        return f"{pace}/{units} Pace{zone}"
    if target.unit == "s_per_100m":
        slow, fast = format_pace(target.high), format_pace(target.low)
        pace = fast if slow == fast else f"{slow}-{fast}"
        return f"{pace}/100m Pace{zone}"
    if target.unit == "pct_ftp":
        return f"{_range(target.low, target.high, '{:.0f}')}%{zone}"
    if target.unit == "w":
        return f"{_range(target.low, target.high, '{:.0f}')}w{zone}"
    if target.unit in ("bpm", "hr_zone"):
        return f"{target.zone} HR" if target.zone else f"{_range(target.low, target.high, '{:.0f}')}bpm"
    if target.unit == "pct_1rm":
        return f"{_range(target.low, target.high, '{:.0f}')}% 1RM"
    return f"{target.zone or ''}, RPE {_range(target.low, target.high)}".lstrip(", ")


def _icu_step(step: Step, units: Units) -> str:
    if step.kind == "set":
        what = (step.exercise or step.label).replace("_", " ")
        load = f" ({step.load_kg:g} kg)" if step.load_kg else ""
        target = f" @ {describe_target(step.target, units)}" if step.target else ""
        return f"- {what} {step.sets} sets of {step.reps}{target}{load}"
    amount = ""
    if step.distance_m is not None and step.duration_s is None:
        amount = f"{step.distance_m / _METRES_PER_KM:g}km"
    elif step.duration_s is not None:
        amount = _icu_duration(step.duration_s)
    text = f"- {amount} {_icu_target(step.target, units)}".rstrip()
    if step.label and step.kind not in ("warmup", "cooldown"):
        text += f" {step.label.lower()}"
    return text


def intervals_icu_text(steps: Sequence[Step], units: Units = "km") -> str:
    """Intervals.icu workout text for ``steps`` (seed 001 format)."""
    blocks: list[str] = []
    current_title: str | None = None
    current: list[str] = []
    for step in steps:
        if step.kind == "repeat":
            if current:
                blocks.append("\n".join([current_title or "Main set", *current]))
                current, current_title = [], None
            title = f"{step.label or 'Main set'} {step.repeat}x"
            blocks.append("\n".join([title, *(_icu_step(child, units) for child in step.steps)]))
            continue
        title = _SECTION_TITLE.get(step.kind, "Main set")
        if step.kind == "main" and step.label:
            title = step.label
        if step.kind == "recovery":
            title = current_title or "Main set"
        if title != current_title and current:
            blocks.append("\n".join([current_title or "Main set", *current]))
            current = []
        current_title = title
        current.append(_icu_step(step, units))
    if current:
        blocks.append("\n".join([current_title or "Main set", *current]))
    return "\n\n".join(blocks)


def _step_line(step: Step, units: Units) -> str:
    if step.kind == "set":
        what = (step.exercise or step.label).replace("_", " ")
        load = f", {step.load_kg:g} kg" if step.load_kg else ""
        target = f" @ {describe_target(step.target, units)}" if step.target else ""
        return f"{what}: {step.sets} × {step.reps}{target}{load}"
    amount = ""
    if step.duration_s is not None:
        amount = (
            format_minutes(step.duration_s / _SECONDS_PER_MINUTE)
            if step.duration_s >= _SECONDS_PER_MINUTE
            else f"{step.duration_s} s"
        )
    if step.distance_m is not None:
        distance = format_distance(step.distance_m / _METRES_PER_KM, units)
        amount = f"{distance} ({amount})" if amount else distance
    target = f" at {describe_target(step.target, units)}" if step.target else ""
    label = step.label or step.kind
    return f"{label} {amount}{target}".strip()


def describe_steps(steps: Iterable[Step], units: Units = "km") -> str:
    """One sentence for a workout: "warm-up 15 min ..., 4 × (6 min ... + 1 min ...), cool-down ..."."""
    parts: list[str] = []
    for step in steps:
        if step.kind == "repeat":
            inner = " + ".join(_step_line(child, units) for child in step.steps)
            parts.append(f"{step.repeat} × ({inner})")
        else:
            parts.append(_step_line(step, units))
    return "; ".join(parts)


def render_session_text(session: Session, units: Units = "km") -> str:
    """A session as a person reads it: date, what, how long, how hard, and the steps."""
    day = _WEEKDAY_NAMES[session.date.weekday()]
    about = "≈ " if session.distance_estimated else ""
    distance = f", {about}{format_distance(session.distance_km, units)}" if session.distance_km else ""
    key = " ★" if session.key else ""
    head = (
        f"{day} {session.date.isoformat()}  {session.sport} {session.type}{key}: "
        f"{format_minutes(session.duration_min)}{distance}, {session.intensity}, load {session.load:g}"
    )
    lines = [head]
    if session.description:
        lines.append(f"    {session.description}")
    if len(session.steps) == 1 and session.steps[0].kind != "repeat":
        return "\n".join(lines)
    for step in session.steps:
        if step.kind == "repeat":
            lines.append(f"    {step.repeat} × {step.label or 'set'}:")
            lines.extend(f"        - {_step_line(child, units)}" for child in step.steps)
        else:
            lines.append(f"    - {_step_line(step, units)}")
    if session.waived:
        lines.append(f"    (coach waived: {', '.join(session.waived)})")
    return "\n".join(lines)


def render_week_text(week: Week, units: Units = "km") -> str:
    """One week: header with phase and volume, notes, then its sessions."""
    flags = " (cutback)" if week.cutback else ""
    about = "≈ " if any(s.distance_estimated for s in week.sessions) else ""
    distance = f", {about}{format_distance(week.planned_km, units)}" if week.planned_km else ""
    lines = [
        f"Week {week.index} from {week.start.isoformat()}: {week.phase}{flags}, "
        f"{format_minutes(week.planned_minutes)}{distance}, load {week.load:g}"
    ]
    lines.extend(f"  note: {note}" for note in week.notes)
    if not week.sessions:
        lines.append("  rest week")
    lines.extend("  " + render_session_text(s, units).replace("\n", "\n  ") for s in week.sessions)
    return "\n".join(lines)


def estimate_note(estimate: EasyPaceEstimate, units: Units = "km") -> str:
    """Why run distances carry '≈': no race result gives paces yet."""
    source = "your weekly km and hours" if estimate.source == "history" else "a typical easy pace (an assumption)"
    return (
        f"≈ Run distances are estimates at {format_pace(estimate.s_per_km, units)} /{units} from {source}; "
        "a recent race result gives real paces."
    )


def render_plan_text(plan: Plan, units: Units = "km") -> str:
    """The whole plan as readable text (or the reason it could not be built)."""
    meta = plan.meta
    goal = meta.event.replace("_", " ")
    when = f" on {meta.race_date.isoformat()}" if meta.race_date else ""
    target = f", target {meta.target_time}" if meta.target_time else ""
    lines = [
        f"Plan: {goal}{when}{target} ({meta.sport}), from {meta.start_date.isoformat()}, {meta.weeks} weeks"
    ]
    if not plan.feasible:
        lines.append(f"Not feasible: {plan.reason}")
        for alt in plan.alternatives:
            date = f" on {alt.date.isoformat()}" if alt.date else ""
            lines.append(
                f"  - {alt.kind.replace('_', ' ')}: {alt.event.replace('_', ' ')}{date}: {alt.description}"
            )
        return "\n".join(lines)
    if meta.easy_pace_estimate is not None:
        lines.append(estimate_note(meta.easy_pace_estimate, units))
    for week in plan.weeks:
        lines.append("")
        lines.append(render_week_text(week, units))
    if plan.validation.fixes:
        lines.append("")
        lines.append(f"Automatic fixes: {len(plan.validation.fixes)}")
    if plan.validation.waivers:
        lines.append(f"Coach waivers: {', '.join(sorted({w.rule_id for w in plan.validation.waivers}))}")
    return "\n".join(lines)
