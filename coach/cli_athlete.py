"""``coach import`` and ``coach paces``: the athlete-model commands of the CLI.

The lead wires these into the ``coach`` argparse entry point; each returns the exit status.

Usage (once wired)::

    coach import ride.fit run.gpx --json
    coach paces 10k 48:30 --json
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Final, TextIO

from coach.engine.metrics.running import RACE_DISTANCES_M, equivalents, training_paces, vdot_from_race
from coach.engine.models import format_clock, parse_clock_s
from coach.engine.units import METRES_PER_KM, SECONDS_PER_MINUTE
from coach.language import find_distances, fold
from coach.sources.errors import ImportFailure
from coach.sources.importer import import_activities

EXIT_OK: Final = 0
EXIT_ALL_FAILED: Final = 1
EXIT_BAD_INPUT: Final = 2
#: The shortest and longest distances VDOT makes sense for (Daniels' tables: 1500 m to the marathon,
#: the equations hold a little beyond).
MIN_VDOT_DISTANCE_M: Final = 800.0
MAX_VDOT_DISTANCE_M: Final = 100_000.0
NAMED_DISTANCES_M: Final[dict[str, float]] = {
    "half": RACE_DISTANCES_M["half_marathon"],
    "halfmarathon": RACE_DISTANCES_M["half_marathon"],
    "half_marathon": RACE_DISTANCES_M["half_marathon"],
    "hm": RACE_DISTANCES_M["half_marathon"],
    "marathon": RACE_DISTANCES_M["marathon"],
    "full": RACE_DISTANCES_M["marathon"],
    "mile": RACE_DISTANCES_M["mile"],
}
_DISTANCE = re.compile(r"^(\d+(?:\.\d+)?)\s*(k|km|m|mi|miles?)?$")
IMPORT_KEYS: Final = (
    "file",
    "sport",
    "start_time",
    "elapsed_s",
    "moving_s",
    "distance_km",
    "elevation_gain_m",
    "avg_hr",
    "max_hr",
    "avg_power_w",
    "np_w",
    "tss",
    "load",
)


def parse_distance_m(text: str) -> float:
    """ "10k", "5k", "half", "marathon", "1500m", "mile", "21.1km", "3mi" → metres; ``ValueError`` otherwise.

    Numbers with a unit go through the language layer's one distance reader (``find_distances``);
    a bare number is kilometres if small and metres if it looks like a track distance."""
    cleaned = text.strip().lower().replace(" ", "").replace("-", "")
    if cleaned in NAMED_DISTANCES_M:
        return NAMED_DISTANCES_M[cleaned]
    spans = find_distances(fold(text))
    if len(spans) == 1 and spans[0].unit is not None and _DISTANCE.match(cleaned):
        return spans[0].metres
    match = _DISTANCE.match(cleaned)
    if not match or match.group(2):
        raise ValueError(f"{text!r} is not a distance like 10k, 5k, half, marathon, 1500m, mile or 21.1km")
    value = float(match.group(1))
    return value if value >= MIN_VDOT_DISTANCE_M else value * METRES_PER_KM


def format_pace(seconds_per_km: float) -> str:
    """``M:SS`` per km."""
    total = round(seconds_per_km)
    return f"{total // SECONDS_PER_MINUTE}:{total % SECONDS_PER_MINUTE:02d}"


def paces_report(distance_m: float, time_s: float) -> dict[str, object]:
    """The JSON document of ``coach paces``."""
    vdot = vdot_from_race(distance_m, time_s)
    return {
        "distance_m": round(distance_m, 1),
        "time": format_clock(time_s),
        "vdot": round(vdot, 1),
        "equivalents": {
            name: {"time": format_clock(seconds), "seconds": round(seconds)}
            for name, seconds in equivalents(vdot).items()
        },
        "paces": {
            zone: {
                "fast_s_per_km": round(fast),
                "slow_s_per_km": round(slow),
                "fast": format_pace(fast),
                "slow": format_pace(slow),
            }
            for zone, (fast, slow) in training_paces(vdot).items()
        },
    }


def cmd_paces(
    distance: str, time: str, as_json: bool, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Print VDOT, equivalent race times and Daniels training paces for a race result."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        distance_m = parse_distance_m(distance)
        time_s = float(parse_clock_s(time))
    except ValueError as error:
        print(f"error: {error}", file=err)
        return EXIT_BAD_INPUT
    if not MIN_VDOT_DISTANCE_M <= distance_m <= MAX_VDOT_DISTANCE_M:
        print(
            f"error: VDOT works for races from {MIN_VDOT_DISTANCE_M:.0f} m to {MAX_VDOT_DISTANCE_M / METRES_PER_KM:.0f} km; "
            f"{distance!r} is {distance_m:.0f} m",
            file=err,
        )
        return EXIT_BAD_INPUT
    if time_s <= 0:
        print("error: the time must be longer than zero", file=err)
        return EXIT_BAD_INPUT
    report = paces_report(distance_m, time_s)
    if as_json:
        print(json.dumps(report, indent=2), file=out)
        return EXIT_OK
    print(f"{distance} in {report['time']}: VDOT {report['vdot']}", file=out)
    print("Equivalent race times:", file=out)
    equivalent_rows = report["equivalents"]
    assert isinstance(equivalent_rows, dict)
    for name, row in equivalent_rows.items():
        print(f"  {name:<14} {row['time']}", file=out)
    print("Training paces (per km):", file=out)
    pace_rows = report["paces"]
    assert isinstance(pace_rows, dict)
    for zone, row in pace_rows.items():
        print(f"  {zone}  {row['fast']}–{row['slow']}", file=out)
    return EXIT_OK


def _error_row(file: str, message: str) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(IMPORT_KEYS)
    row["file"] = file
    row["error"] = message
    return row


def import_rows(
    paths: list[str], *, ftp_w: float | None = None, max_hr: int | None = None
) -> list[dict[str, object]]:
    """One row per imported activity (a CSV gives several) or per failed file."""
    rows: list[dict[str, object]] = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            rows.append(_error_row(path, f"The file could not be read ({error.strerror or error})."))
            continue
        try:
            activities = import_activities(
                Path(path).name, data, ftp_w=ftp_w, max_hr=max_hr, keep_streams=False
            )
        except ImportFailure as error:
            rows.append(_error_row(path, str(error)))
            continue
        rows.extend(activity.to_json_row(path) for activity in activities)
    return rows


def cmd_import(
    paths: list[str],
    as_json: bool,
    *,
    ftp_w: float | None = None,
    max_hr: int | None = None,
    out: TextIO | None = None,
) -> int:
    """Import activity files and print what was found; exit 0 if at least one imported, else 1."""
    out = out or sys.stdout
    rows = import_rows(paths, ftp_w=ftp_w, max_hr=max_hr)
    if as_json:
        print(json.dumps(rows, indent=2), file=out)
    else:
        for row in rows:
            if row["error"]:
                print(f"{row['file']}: {row['error']}", file=out)
                continue
            distance = f"{row['distance_km']:.2f} km" if isinstance(row["distance_km"], float) else "—"
            elapsed = row["elapsed_s"]
            duration = format_clock(elapsed) if isinstance(elapsed, int | float) else "—"
            print(
                f"{row['file']}: {row['sport']} {row['start_time']} {duration} {distance} load {row['load']}",
                file=out,
            )
    return EXIT_OK if any(row["error"] is None for row in rows) else EXIT_ALL_FAILED
