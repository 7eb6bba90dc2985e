"""Activity lists exported as CSV by Strava and Intervals.icu.

* Strava: the ``activities.csv`` of "Download your data" (Settings → My Account). Its header
  repeats some names: the first ``Distance`` is in the athlete's display unit (km here), the
  second in metres; the first ``Elapsed Time`` is whole seconds, the second fractional.
  ``Activity Date`` is UTC, written like ``Feb 9, 2020, 9:30:43 AM``.
* Intervals.icu: ``/api/v1/athlete/{id}/activities.csv``, whose columns are the API's activity
  field names (``start_date`` UTC, ``start_date_local``, ``type``, ``distance`` m,
  ``moving_time`` s, ``icu_training_load``, …; see the field list in rday/py-intervalsicu
  ``api/activity.py``).

Rows without a start time or duration are skipped with a warning on the next row imported;
a file with no usable row raises :class:`NotAnActivity`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Final

from coach.engine.units import METRES_PER_KM
from coach.sources.activity import RawActivity, Sport
from coach.sources.errors import MAX_CSV_ROWS, FileTooLarge, NotAnActivity, UnsupportedFormat

#: Strava and Intervals.icu share Strava's activity type names.
ACTIVITY_TYPES: Final[dict[str, Sport]] = {
    "run": "run",
    "trail run": "run",
    "trailrun": "run",
    "virtual run": "run",
    "virtualrun": "run",
    "ride": "ride",
    "gravel ride": "ride",
    "gravelride": "ride",
    "mountain bike ride": "ride",
    "mountainbikeride": "ride",
    "e-bike ride": "ride",
    "ebikeride": "ride",
    "virtual ride": "virtual_ride",
    "virtualride": "virtual_ride",
    "swim": "swim",
    "weight training": "strength",
    "weighttraining": "strength",
}
STRAVA_DATE_FORMAT: Final = "%b %d, %Y, %I:%M:%S %p"
_SPACES: Final = re.compile(r"\s+")


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        return None


def _sport(text: str | None) -> Sport:
    return ACTIVITY_TYPES.get((text or "").strip().lower(), "other")


def _strava_date(text: str) -> dt.datetime | None:
    cleaned = _SPACES.sub(" ", text.replace("\u202f", " ")).strip()
    try:
        return dt.datetime.strptime(cleaned, STRAVA_DATE_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _iso_date(text: str | None) -> dt.datetime | None:
    if not text or not text.strip():
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value


class _Row:
    """A CSV row addressable by header name and occurrence (Strava repeats names)."""

    def __init__(self, header: list[str], values: list[str]) -> None:
        self._cells: dict[str, list[str]] = {}
        for name, value in zip(header, values, strict=False):
            self._cells.setdefault(name.strip(), []).append(value)

    def get(self, name: str, occurrence: int = 0) -> str | None:
        cells = self._cells.get(name)
        if not cells:
            return None
        return cells[occurrence] if occurrence < len(cells) else None

    def count(self, name: str) -> int:
        return len(self._cells.get(name, []))

    def number(self, *names: str) -> float | None:
        for name in names:
            value = _number(self.get(name))
            if value is not None:
                return value
        return None


def _strava_row(row: _Row) -> RawActivity | None:
    start = _strava_date(row.get("Activity Date") or "")
    elapsed = (
        _number(row.get("Elapsed Time", row.count("Elapsed Time") - 1)) if row.count("Elapsed Time") else None
    )
    if start is None or elapsed is None:
        return None
    if row.count("Distance") > 1:
        distance_m = _number(row.get("Distance", 1))
    else:
        km = _number(row.get("Distance"))
        distance_m = None if km is None else km * METRES_PER_KM
    return RawActivity(
        source_format="csv",
        sport=_sport(row.get("Activity Type")),
        name=row.get("Activity Name") or None,
        start_time=start,
        elapsed_s=elapsed,
        moving_s=row.number("Moving Time"),
        distance_m=distance_m,
        elevation_gain_m=row.number("Elevation Gain"),
        avg_hr=row.number("Average Heart Rate"),
        max_hr=row.number("Max Heart Rate"),
        avg_power_w=row.number("Average Watts"),
        np_w=row.number("Weighted Average Power"),
        rpe=row.number("Perceived Exertion"),
        reported_load=row.number("Training Load"),
    )


def _intervals_row(row: _Row, warnings: list[str]) -> RawActivity | None:
    start = _iso_date(row.get("start_date"))
    if start is None:
        start = _iso_date(row.get("start_date_local"))
        if start is not None and start.tzinfo is None:
            warnings.append("Only the local start time was in the export; it was taken as UTC.")
    elapsed = row.number("elapsed_time", "moving_time")
    if start is None or elapsed is None:
        return None
    trainer = (row.get("trainer") or "").strip().lower() == "true"
    return RawActivity(
        source_format="csv",
        sport=_sport(row.get("type")),
        name=row.get("name") or None,
        start_time=start,
        elapsed_s=elapsed,
        moving_s=row.number("moving_time"),
        distance_m=row.number("distance", "icu_distance"),
        elevation_gain_m=row.number("total_elevation_gain"),
        avg_hr=row.number("average_heartrate"),
        max_hr=row.number("max_heartrate"),
        avg_power_w=row.number("icu_average_watts"),
        np_w=row.number("icu_weighted_avg_watts"),
        device_ftp_w=row.number("icu_ftp"),
        rpe=row.number("icu_rpe", "perceived_exertion"),
        reported_load=row.number("icu_training_load"),
        indoor=trainer,
        warnings=list(dict.fromkeys(warnings)),
    )


def parse_csv_export(data: bytes) -> list[RawActivity]:
    """Every usable row of a Strava or Intervals.icu activities CSV, oldest first."""
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration as error:
        raise NotAnActivity(
            "This CSV file has no header row, so no activity could be read from it."
        ) from error
    names = {h.strip() for h in header}
    parse: Callable[[_Row], RawActivity | None]
    warnings: list[str] = []
    if "Activity Date" in names and "Activity Type" in names:
        parse = _strava_row
    elif "start_date_local" in names or "start_date" in names:

        def parse(row: _Row) -> RawActivity | None:
            return _intervals_row(row, warnings)
    else:
        raise UnsupportedFormat(
            "This CSV is not an activity export I know: export activities.csv from Strava "
            '("Download your data") or from Intervals.icu.'
        )
    activities: list[RawActivity] = []
    skipped = 0
    rows = sum(1 for _ in csv.reader(io.StringIO(text)))  # a quick count first (C speed, nothing kept)
    if rows - 1 > MAX_CSV_ROWS:
        raise FileTooLarge(
            f"This CSV export has more than {MAX_CSV_ROWS:,} rows; export a shorter range (a year at a time)."
        )
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        activity = parse(_Row(header, values))
        if activity is None:
            skipped += 1
            continue
        activities.append(activity)
    if not activities:
        raise NotAnActivity("This CSV export has no row with both a start time and a duration.")
    if skipped:
        activities[0].warnings.append(f"{skipped} row(s) without a start time or duration were skipped.")
    return sorted(activities, key=lambda a: a.start_time)
