"""GPX tracks (Strava, Garmin Connect, Komoot exports) through ``gpxpy``.

GPX 1.1 (topografix.com/GPX/1/1) carries position, elevation and time; heart rate, cadence and
power come in Garmin's TrackPointExtension v1 (``gpxtpx:hr``, ``gpxtpx:cad``) and the
``power`` element Strava writes. Distances are great-circle 2-D (gpxpy ``distance_2d``);
elevation gain uses gpxpy's smoothed ``get_uphill_downhill``.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import gpxpy
import gpxpy.gpx

from coach.sources.activity import ActivityStreams, RawActivity, Sport
from coach.sources.errors import CorruptFile, NotAnActivity

#: ``<type>`` values: Strava writes numbers (1 ride, 9 run, 16 swim, as in its exports),
#: Garmin Connect and others write words.
GPX_TYPES: Final[dict[str, Sport]] = {
    "1": "ride",
    "9": "run",
    "16": "swim",
    "running": "run",
    "run": "run",
    "trail_running": "run",
    "cycling": "ride",
    "biking": "ride",
    "ride": "ride",
    "road_biking": "ride",
    "mountain_biking": "ride",
    "gravel_cycling": "ride",
    "virtual_ride": "virtual_ride",
    "swimming": "swim",
    "open_water_swimming": "swim",
    "swim": "swim",
}
#: Words in a track name that give the sport away when ``<type>`` does not.
NAME_HINTS: Final[tuple[tuple[str, Sport], ...]] = (
    ("swim", "swim"),
    ("ride", "ride"),
    ("cycl", "ride"),
    ("bike", "ride"),
    ("run", "run"),
)
_HR_TAGS: Final = frozenset({"hr", "heartrate"})
_CADENCE_TAGS: Final = frozenset({"cad", "cadence"})
_POWER_TAGS: Final = frozenset({"power", "watts"})


def _sport(track_type: str | None, name: str | None) -> Sport:
    if track_type and track_type.strip().lower() in GPX_TYPES:
        return GPX_TYPES[track_type.strip().lower()]
    lowered = (name or "").lower()
    for hint, sport in NAME_HINTS:
        if hint in lowered:
            return sport
    return "other"


def _extension_values(point: gpxpy.gpx.GPXTrackPoint) -> tuple[float | None, float | None, float | None]:
    hr = cadence = power = None
    for extension in point.extensions:
        for element in extension.iter():
            tag = str(element.tag).rsplit("}", 1)[-1].lower()
            text = (element.text or "").strip()
            if not text:
                continue
            try:
                value = float(text)
            except ValueError:
                continue
            if tag in _HR_TAGS:
                hr = value
            elif tag in _CADENCE_TAGS:
                cadence = value
            elif tag in _POWER_TAGS:
                power = value
    return hr, cadence, power


def parse_gpx(data: bytes) -> RawActivity:
    """Read the first track of a GPX file with timestamps into a :class:`RawActivity`."""
    try:
        document = gpxpy.parse(data.decode("utf-8-sig", errors="replace"))
    except gpxpy.gpx.GPXXMLSyntaxException as error:
        raise CorruptFile(
            "This GPX file is not well-formed XML (it may be cut off); export it again."
        ) from error
    except gpxpy.gpx.GPXException as error:
        raise CorruptFile(f"This GPX file cannot be read ({error}).") from error
    tracks = [t for t in document.tracks if any(seg.points for seg in t.segments)]
    if not tracks:
        kind = "a route" if document.routes else ("waypoints only" if document.waypoints else "no track")
        raise NotAnActivity(f"This GPX file holds {kind}, not a recorded activity.")
    track = tracks[0]
    points = [p for seg in track.segments for p in seg.points if p.time is not None]
    if not points:
        raise NotAnActivity(
            "This GPX track has no timestamps, so it is a planned route rather than a recording."
        )
    start = points[0].time
    assert start is not None  # filtered above
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)

    time_s: list[float] = []
    distance: list[float | None] = []
    altitude: list[float | None] = []
    hr: list[float | None] = []
    cadence: list[float | None] = []
    power: list[float | None] = []
    travelled = 0.0
    previous: gpxpy.gpx.GPXTrackPoint | None = None
    for point in points:
        when = point.time
        assert when is not None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        if previous is not None:
            step = point.distance_2d(previous)
            travelled += step or 0.0
        previous = point
        time_s.append((when - start).total_seconds())
        distance.append(travelled)
        altitude.append(point.elevation)
        point_hr, point_cadence, point_power = _extension_values(point)
        hr.append(point_hr)
        cadence.append(point_cadence)
        power.append(point_power)

    uphill, _ = track.get_uphill_downhill()
    moving = track.get_moving_data()
    sport = _sport(track.type, track.name)

    def optional(values: list[float | None]) -> list[float | None] | None:
        return values if any(v is not None for v in values) else None

    return RawActivity(
        source_format="gpx",
        sport=sport,
        name=track.name,
        start_time=start,
        elapsed_s=time_s[-1] if time_s else 0.0,
        moving_s=float(moving.moving_time) if moving and moving.moving_time else None,
        distance_m=travelled,
        elevation_gain_m=uphill if any(a is not None for a in altitude) else None,
        has_gps=True,
        streams=ActivityStreams(
            time_s=time_s,
            power_w=optional(power),
            heart_rate_bpm=optional(hr),
            distance_m=distance,
            altitude_m=optional(altitude),
            cadence_rpm=optional(cadence),
        ),
    )
