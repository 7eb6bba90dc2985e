"""Read Intervals.icu workouts into library workouts: the workout text (what its workout
builder and this coach's exports write) and folder JSON.

Folder JSON is what Intervals.icu's API returns for ``GET /api/v1/athlete/{id}/folders``: a list
of folders (``{"type": "FOLDER"|"PLAN", "name", "children": [workout, ...]}``), each workout with
``name``, ``type`` ("Ride", "Run", "Swim", ...), ``description`` (the workout text) and
``workout_doc`` (the parsed steps). One folder, a list of workouts or one workout are read too.
The workout text is read first; ``workout_doc`` steps when the text has none.

Workout text (Intervals.icu workout builder): lines without a dash are section headers, ``Main
set 4x`` repeats the dash lines below it; ``- 3x`` followed by indented dash lines is a repeat
too. A step: ``- [label] 10m|1h30m|90s|5'|2km|400mtr [target] [label]``; targets ``88%``,
``88-94%``, ``ramp 50-75%``, ``200w``, ``Z2``, ``Z2 HR``, ``75% HR``, ``95% LTHR``,
``130-140bpm``, ``5:00/km Pace``, ``7:15-7:00/km Pace``, ``1:45/100m Pace``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from coach.engine.models import SessionSport, Step, Target
from coach.library.model import LibraryImportError, Workout, classify

MAX_JSON_BYTES: Final = 5_000_000
_SPORTS: Final[dict[str, SessionSport]] = {
    "ride": "ride", "virtualride": "ride", "gravelride": "ride", "mountainbikeride": "ride", "trackride": "ride",
    "run": "run", "virtualrun": "run", "trailrun": "run", "swim": "swim", "openwaterswim": "swim",
    "weighttraining": "strength",
}
_SLUG = re.compile(r"[^a-z0-9]+")
_REPEAT_HEADER = re.compile(r"^(?P<title>.*?)\s*(?P<n>\d+)\s*x\s*$", re.IGNORECASE)
_DURATION = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m(?!i|tr))?(?:(?P<s>\d+)s?)?$", re.IGNORECASE)
_PRIME = re.compile(r"^(?:(?P<m>\d+)')?(?:(?P<s>\d+)\")?$")
_DISTANCE = re.compile(r"^(?P<v>\d+(?:\.\d+)?)(?P<u>km|mi|mtr|y)$", re.IGNORECASE)
_PACE = re.compile(r"(?P<a>\d+:\d\d)(?:-(?P<b>\d+:\d\d))?/(?P<u>km|mi|100m|100y|400m|500m|250m)\s*pace", re.IGNORECASE)
_PCT = re.compile(r"(?P<ramp>ramp\s+)?(?P<a>\d+(?:\.\d+)?)(?:-(?P<b>\d+(?:\.\d+)?))?%(?!\s*(?:hr|lthr|pace))", re.IGNORECASE)
_WATTS = re.compile(r"(?P<a>\d+)(?:-(?P<b>\d+))?w\b", re.IGNORECASE)
_BPM = re.compile(r"(?P<a>\d+)(?:-(?P<b>\d+))?\s*bpm\b", re.IGNORECASE)
_HR_PCT = re.compile(r"(?P<a>\d+)(?:-(?P<b>\d+))?%\s*(?P<of>lthr|hr)\b", re.IGNORECASE)
_ZONE = re.compile(r"\b(?P<z>Z[1-7])(?P<hr>\s+HR)?\b", re.IGNORECASE)
_RPM = re.compile(r"\d+(?:-\d+)?rpm", re.IGNORECASE)
_METRES: Final[dict[str, float]] = {"km": 1000.0, "mi": 1609.344, "mtr": 1.0, "y": 0.9144}
_PACE_METRES: Final[dict[str, float]] = {"km": 1000.0, "mi": 1609.344, "100m": 100.0, "100y": 91.44, "400m": 400.0, "500m": 500.0, "250m": 250.0}


def _clock(text: str) -> int:
    minutes, seconds = text.split(":")
    return int(minutes) * 60 + int(seconds)


def _duration_s(token: str) -> int | None:
    match = _DURATION.match(token)
    if (match and any(match.group(k) for k in ("h", "m"))) or (match and token.lower().endswith("s") and match.group("s")):
        assert match is not None
        return int(match.group("h") or 0) * 3600 + int(match.group("m") or 0) * 60 + int(match.group("s") or 0)
    prime = _PRIME.match(token)
    if prime and (prime.group("m") or prime.group("s")) and ("'" in token or '"' in token):
        return int(prime.group("m") or 0) * 60 + int(prime.group("s") or 0)
    return None


def _without_zone(text: str) -> str:
    return _ZONE.sub(" ", text)


def _target(text: str, sport: SessionSport) -> tuple[Target | None, str]:
    """The step's target and the text left once the target is taken out."""
    zone_match = _ZONE.search(text)
    zone = zone_match.group("z").upper() if zone_match else None
    if (m := _PACE.search(text)) is not None:
        per = _PACE_METRES[m.group("u").lower()]
        a, b = _clock(m.group("a")), _clock(m.group("b") or m.group("a"))
        scale = (1000.0 if sport != "swim" else 100.0) / per
        unit = "s_per_100m" if sport == "swim" else "s_per_km"
        low, high = sorted((round(a * scale, 1), round(b * scale, 1)))
        return Target(unit=unit, low=low, high=high, zone=zone), _without_zone(text.replace(m.group(0), " "))
    if (m := _HR_PCT.search(text)) is not None:
        # % of max or threshold HR: kept as a zone-labelled band the athlete's own HR turns into bpm.
        fa, fb = float(m.group("a")), float(m.group("b") or m.group("a"))
        return Target(unit="hr_zone", low=fa, high=fb, zone=zone), _without_zone(text.replace(m.group(0), " "))
    if (m := _BPM.search(text)) is not None:
        fa, fb = float(m.group("a")), float(m.group("b") or m.group("a"))
        return Target(unit="bpm", low=min(fa, fb), high=max(fa, fb), zone=zone), _without_zone(text.replace(m.group(0), " "))
    if (m := _PCT.search(text)) is not None:
        fa, fb = float(m.group("a")), float(m.group("b") or m.group("a"))
        return Target(unit="pct_ftp", low=min(fa, fb), high=max(fa, fb), zone=zone), _without_zone(text.replace(m.group(0), " "))
    if (m := _WATTS.search(text)) is not None:
        fa, fb = float(m.group("a")), float(m.group("b") or m.group("a"))
        return Target(unit="w", low=min(fa, fb), high=max(fa, fb), zone=zone), _without_zone(text.replace(m.group(0), " "))
    if zone_match is not None:
        unit = "hr_zone" if zone_match.group("hr") else "rpe"
        return Target(unit=unit, low=0, high=0, zone=zone), text.replace(zone_match.group(0), " ")
    return None, text


def _step(line: str, kind: str, sport: SessionSport) -> Step | None:
    body = line.strip()[1:].strip()
    target, rest = _target(body, sport)
    rest = _RPM.sub(" ", rest)
    rest = re.sub(r"\b(?:ramp|pace|rpe\s*\d+(?:-\d+)?|freeride)\b", " ", rest, flags=re.IGNORECASE)
    duration_s: int | None = None
    distance_m: float | None = None
    label_words = []
    for token in rest.replace(",", " ").split():
        if duration_s is None and distance_m is None:
            seconds = _duration_s(token)
            if seconds is not None:
                duration_s = seconds
                continue
            distance = _DISTANCE.match(token)
            if distance is not None:
                distance_m = round(float(distance.group("v")) * _METRES[distance.group("u").lower()], 1)
                continue
        label_words.append(token)
    if duration_s is None and distance_m is None:
        return None
    label = " ".join(label_words)
    step_kind = kind
    lowered = label.lower()
    if kind == "main" and lowered in ("recovery", "rest", "easy", "off", "recover"):
        step_kind = "recovery"
    elif kind == "main" and lowered.replace("-", "").startswith(("warmup", "warm up")):
        step_kind = "warmup"
    elif kind == "main" and lowered.replace("-", "").startswith(("cooldown", "cool down")):
        step_kind = "cooldown"
    return Step(kind=step_kind, label=label, duration_s=duration_s, distance_m=distance_m, target=target)


def _section_kind(title: str) -> str:
    lowered = title.lower().replace("-", "").replace(" ", "")
    if lowered.startswith("warm"):
        return "warmup"
    if lowered.startswith("cool"):
        return "cooldown"
    return "main"


def parse_workout_text(text: str, sport: SessionSport) -> list[Step]:
    """Steps from Intervals.icu workout text (see the module docstring); lines that are not
    steps (notes, strength sets) are left out."""
    steps: list[Step] = []
    block: Step | None = None  # an open repeat
    kind = "main"
    indented_repeat = False
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            block, indented_repeat = None, False
            continue
        if not stripped.startswith("-"):
            header = _REPEAT_HEADER.match(stripped)
            kind = _section_kind(stripped)
            if header is not None:
                block = Step(kind="repeat", label=header.group("title").strip(), repeat=max(int(header.group("n")), 1))
                steps.append(block)
                kind = "main"
            else:
                block = None
            indented_repeat = False
            continue
        inline = re.match(r"^-\s*(\d+)\s*x\s*$", stripped, re.IGNORECASE)
        if inline is not None:
            block = Step(kind="repeat", repeat=max(int(inline.group(1)), 1))
            steps.append(block)
            indented_repeat = True
            continue
        if indented_repeat and not raw.startswith((" ", "\t")):
            block, indented_repeat = None, False
        step = _step(stripped, kind, sport)
        if step is None:
            continue
        if block is not None:
            block.steps.append(step)
        else:
            steps.append(step)
    return [_recoveries(s) for s in steps if s.kind != "repeat" or s.steps]


def _intensity(step: Step) -> float | None:
    target = step.target
    if target is None or (target.unit in ("hr_zone", "rpe") and not target.high):
        return None
    middle = (target.low + target.high) / 2
    return -middle if target.unit in ("s_per_km", "s_per_100m") else middle  # a faster pace is harder


def _recoveries(step: Step) -> Step:
    """In a repeat, the children easier than its hardest are its recoveries."""
    if step.kind != "repeat" or len(step.steps) < 2:
        return step
    levels = [_intensity(c) for c in step.steps]
    known = [v for v in levels if v is not None]
    if len(known) < 2:
        return step
    top = max(known)
    children = [
        c.model_copy(update={"kind": "recovery"}) if c.kind == "main" and v is not None and v < top else c
        for c, v in zip(step.steps, levels, strict=True)
    ]
    return step.model_copy(update={"steps": children})


def _doc_value(entry: Any) -> tuple[float, float] | None:
    if not isinstance(entry, dict):
        return None
    if "start" in entry or "end" in entry:
        a, b = entry.get("start"), entry.get("end")
    else:
        a = b = entry.get("value")
    if not isinstance(a, int | float) or not isinstance(b, int | float):
        return None
    return float(min(a, b)), float(max(a, b))


def _doc_steps(items: Any, sport: SessionSport) -> list[Step]:
    """Steps from a ``workout_doc``'s ``steps`` (``duration`` s, ``distance`` m, ``reps`` with
    nested ``steps``, ``warmup``/``cooldown`` flags, ``power``/``hr`` with ``units`` %ftp, w, %lthr...)."""
    out: list[Step] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("reps"), int) and isinstance(item.get("steps"), list):
            children = _doc_steps(item["steps"], sport)
            if children:
                out.append(_recoveries(Step(kind="repeat", label=str(item.get("text") or ""), repeat=max(item["reps"], 1), steps=children)))
            continue
        target: Target | None = None
        power = _doc_value(item.get("power"))
        hr = _doc_value(item.get("hr"))
        if power is not None:
            units = str((item.get("power") or {}).get("units", "%ftp")).lower()
            target = Target(unit="w" if units == "w" else "pct_ftp", low=power[0], high=power[1])
        elif hr is not None:
            units = str((item.get("hr") or {}).get("units", "%lthr")).lower()
            target = Target(unit="bpm" if units == "bpm" else "hr_zone", low=hr[0], high=hr[1])
        kind = "warmup" if item.get("warmup") else "cooldown" if item.get("cooldown") else "main"
        duration = item.get("duration")
        distance = item.get("distance")
        if not isinstance(duration, int | float) and not isinstance(distance, int | float):
            continue
        out.append(Step(
            kind=kind, label=str(item.get("text") or ""),
            duration_s=round(duration) if isinstance(duration, int | float) else None,
            distance_m=float(distance) if isinstance(distance, int | float) and not isinstance(duration, int | float) else None,
            target=target,
        ))
    return out


def _workout(item: dict[str, Any], folder: str, file_name: str) -> Workout | None:
    name = str(item.get("name") or "").strip()
    sport = _SPORTS.get(str(item.get("type") or "").lower().replace(" ", ""))
    if not name or sport is None or sport == "strength":
        return None
    steps = parse_workout_text(str(item.get("description") or ""), sport)
    if not steps:
        doc = item.get("workout_doc")
        steps = _doc_steps(doc.get("steps") if isinstance(doc, dict) else None, sport)
    if not steps:
        return None
    slug = _SLUG.sub("-", f"{folder}/{name}".lower()).strip("-")
    return Workout(
        key=f"intervals:{slug}", name=name, sport=sport, purpose=classify(steps, sport), source="intervals",
        source_ref=f"{file_name}: {folder}/{name}" if folder else f"{file_name}: {name}", steps=steps,
    )


def read_intervals_json(file_name: str, data: bytes) -> tuple[list[Workout], list[str]]:
    """Workouts of an Intervals.icu folder export, and a line for each one left out (no steps,
    a sport without steps here). :class:`LibraryImportError` when the file is not such JSON."""
    if len(data) > MAX_JSON_BYTES:
        raise LibraryImportError(f"{file_name} is {len(data)} bytes; I read folder exports up to {MAX_JSON_BYTES}.")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LibraryImportError(f"{file_name} is not JSON ({error}).") from None
    items = document if isinstance(document, list) else [document]
    workouts: list[Workout] = []
    skipped: list[str] = []
    found_any = False
    for item in items:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("children"), list):  # a folder or plan
            folder = str(item.get("name") or "").strip()
            children = [c for c in item["children"] if isinstance(c, dict)]
        elif "name" in item and ("description" in item or "workout_doc" in item):
            folder, children = "", [item]
        else:
            continue
        found_any = True
        for child in children:
            workout = _workout(child, folder, file_name)
            if workout is None:
                skipped.append(f"{child.get('name') or '(no name)'}: no steps I can read ({child.get('type') or 'no sport'})")
            else:
                workouts.append(workout)
    if not found_any:
        raise LibraryImportError(f"{file_name} is JSON but not an Intervals.icu folder or workout (no 'children' or workouts).")
    return workouts, skipped
