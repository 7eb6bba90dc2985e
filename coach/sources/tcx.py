"""TCX (Garmin Training Center XML v2) through the standard library's ElementTree.

Schema: garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd with ActivityExtension v2
(``TPX/Speed``, ``TPX/Watts``, ``TPX/RunCadence``). Elements are matched by local name so the
namespace prefixes different exporters choose do not matter. ``iterparse`` keeps memory flat
on multi-megabyte files; expat (Python ≥ 3.7.1 ships ≥ 2.4) refuses entity-expansion bombs and
ElementTree never fetches external entities.
"""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
from typing import Final

from coach.sources.activity import ActivityStreams, RawActivity, Sport
from coach.sources.errors import CorruptFile, NotAnActivity, TruncatedFile

TCX_SPORTS: Final[dict[str, Sport]] = {"running": "run", "biking": "ride", "other": "other"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, *path: str) -> ET.Element | None:
    current: ET.Element | None = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if _local(c.tag) == name), None)
    return current


def _float(element: ET.Element | None) -> float | None:
    if element is None or element.text is None:
        return None
    try:
        return float(element.text.strip())
    except ValueError:
        return None


def _time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _extension(trackpoint: ET.Element, name: str) -> float | None:
    extensions = _child(trackpoint, "Extensions")
    if extensions is None:
        return None
    for element in extensions.iter():
        if _local(element.tag) == name:
            return _float(element)
    return None


def parse_tcx(data: bytes) -> RawActivity:
    """Read the first activity of a TCX file into a :class:`RawActivity`."""
    sport_text: str | None = None
    activity_id: str | None = None
    seen_course = False
    lap_seconds = 0.0
    lap_distance = 0.0
    lap_hr: list[tuple[float, float]] = []
    lap_max_hr: list[float] = []
    times: list[dt.datetime] = []
    distance: list[float | None] = []
    altitude: list[float | None] = []
    hr: list[float | None] = []
    cadence: list[float | None] = []
    power: list[float | None] = []
    speed: list[float | None] = []
    has_gps = False
    activities = 0
    try:
        for event, element in ET.iterparse(io.BytesIO(data), events=("start", "end")):
            name = _local(element.tag)
            if event == "start":
                if name == "Activity":
                    activities += 1
                    if activities == 1:
                        sport_text = element.get("Sport")
                elif name == "Course":
                    seen_course = True
                continue
            if activities != 1:
                if name in ("Trackpoint", "Lap"):
                    element.clear()
                continue
            if name == "Id" and activity_id is None:
                activity_id = element.text
            elif name == "Trackpoint":
                time_element = _child(element, "Time")
                when = _time(time_element.text if time_element is not None else None)
                if when is not None:
                    times.append(when)
                    distance.append(_float(_child(element, "DistanceMeters")))
                    altitude.append(_float(_child(element, "AltitudeMeters")))
                    hr.append(_float(_child(element, "HeartRateBpm", "Value")))
                    cadence.append(_float(_child(element, "Cadence")) or _extension(element, "RunCadence"))
                    power.append(_extension(element, "Watts"))
                    speed.append(_extension(element, "Speed"))
                    has_gps = has_gps or _child(element, "Position") is not None
                element.clear()
            elif name == "Lap":
                seconds = _float(_child(element, "TotalTimeSeconds")) or 0.0
                lap_seconds += seconds
                lap_distance += _float(_child(element, "DistanceMeters")) or 0.0
                average = _float(_child(element, "AverageHeartRateBpm", "Value"))
                if average:
                    lap_hr.append((average, seconds))
                peak = _float(_child(element, "MaximumHeartRateBpm", "Value"))
                if peak:
                    lap_max_hr.append(peak)
                element.clear()
    except ET.ParseError as error:
        if "no element found" in str(error) or "unclosed token" in str(error):
            raise TruncatedFile(
                "This TCX file stops in the middle (it was cut off); export it again."
            ) from error
        raise CorruptFile(f"This TCX file is not well-formed XML ({error}).") from error

    if activities == 0:
        what = "a course" if seen_course else "no activity"
        raise NotAnActivity(f"This TCX file holds {what}, not a recorded activity.")
    start = times[0] if times else _time(activity_id)
    if start is None:
        raise NotAnActivity("This TCX activity has no start time, so it cannot be placed in your history.")
    warnings = (
        [f"This TCX file holds {activities} activities; only the first was imported."]
        if activities > 1
        else []
    )

    def optional(values: list[float | None]) -> list[float | None] | None:
        return values if any(v is not None for v in values) else None

    weighted_hr = sum(h * s for h, s in lap_hr)
    hr_seconds = sum(s for _, s in lap_hr)
    elapsed = (times[-1] - start).total_seconds() if times else lap_seconds
    known_distance = [d for d in distance if d is not None]
    return RawActivity(
        source_format="tcx",
        sport=TCX_SPORTS.get((sport_text or "other").lower(), "other"),
        start_time=start,
        elapsed_s=max(elapsed, lap_seconds) if times else lap_seconds,
        moving_s=lap_seconds or None,
        distance_m=lap_distance or (max(known_distance) if known_distance else None),
        avg_hr=weighted_hr / hr_seconds if hr_seconds else None,
        max_hr=max(lap_max_hr) if lap_max_hr else None,
        has_gps=has_gps,
        streams=ActivityStreams(
            time_s=[(t - start).total_seconds() for t in times],
            power_w=optional(power),
            heart_rate_bpm=optional(hr),
            speed_m_per_s=optional(speed),
            distance_m=optional(distance),
            altitude_m=optional(altitude),
            cadence_rpm=optional(cadence),
        ),
        warnings=warnings,
    )
