"""FIT activity files (Garmin, Wahoo, Zwift, Coros, …) through ``fitdecode``.

The FIT profile (Garmin FIT SDK, "Profile.xlsx") names the messages read here: ``file_id``
(what kind of file), ``session`` (the device's summary, one per sport in a multisport file),
``record`` (the samples). Values come out in FIT's base units: metres, m/s, seconds, bpm, W.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, Final

import fitdecode

from coach.sources.activity import ActivityStreams, RawActivity, Sport
from coach.sources.errors import CorruptFile, NotAnActivity, TruncatedFile

FIT_SPORTS: Final[dict[str, Sport]] = {
    "running": "run",
    "cycling": "ride",
    "e_biking": "ride",
    "swimming": "swim",
}
#: Sub-sports that decide the sport on their own, whatever ``sport`` says.
FIT_SUB_SPORTS: Final[dict[str, Sport]] = {
    "strength_training": "strength",
    "virtual_activity": "virtual_ride",
}
INDOOR_SUB_SPORTS: Final = frozenset(
    {
        "treadmill",
        "indoor_cycling",
        "virtual_activity",
        "indoor_running",
        "indoor_rowing",
        "spin",
        "indoor_walking",
    }
)
#: FIT stores positions in semicircles; (0, 0) is what some devices write for "no fix".
_NO_FIX: Final = 0
#: FIT ``date_time`` counts seconds from 1989-12-31T00:00:00Z; values below 0x10000000 are
#: seconds since the device powered on, not dates (FIT SDK, "Profile: date_time").
FIT_EPOCH: Final = dt.datetime(1989, 12, 31, tzinfo=dt.UTC)
FIT_MIN_ABSOLUTE_TIME: Final = 0x10000000


def _sport(sport: object, sub_sport: object) -> Sport:
    sub = str(sub_sport) if sub_sport is not None else ""
    if sub in FIT_SUB_SPORTS:
        mapped = FIT_SUB_SPORTS[sub]
        if mapped == "virtual_ride" and str(sport) not in ("cycling", "None"):
            return FIT_SPORTS.get(str(sport), "other")
        return mapped
    return FIT_SPORTS.get(str(sport), "other")


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _first(fields: dict[str, Any], *names: str) -> float | None:
    for name in names:
        value = _number(fields.get(name))
        if value is not None:
            return value
    return None


def _fit_time(value: object) -> dt.datetime | None:
    """A FIT ``date_time`` (decoded raw, see ``_read_messages``) as an aware UTC datetime."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= FIT_MIN_ABSOLUTE_TIME:
        return FIT_EPOCH + dt.timedelta(seconds=value)
    return None


def _read_messages(
    data: bytes,
) -> tuple[str | None, list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    file_type: str | None = None
    sessions: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    settings: dict[str, Any] = {}
    try:
        # processor=None skips fitdecode's per-field type conversion (a fifth of the parse time);
        # scale and offset are still applied and enums still named, only date_time stays an int.
        with fitdecode.FitReader(
            io.BytesIO(data),
            processor=None,
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.RAISE,
        ) as reader:
            for frame in reader:
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                name = frame.name
                if name == "record":
                    records.append({f.name: f.value for f in frame.fields})
                elif name == "session":
                    sessions.append({f.name: f.value for f in frame.fields})
                elif name in ("zones_target", "user_profile"):
                    settings.update({f.name: f.value for f in frame.fields if f.value is not None})
                elif name == "file_id" and file_type is None:
                    value = frame.get_value("type", fallback=None)
                    file_type = None if value is None else str(value)
    except fitdecode.FitEOFError as error:
        raise TruncatedFile(
            "This FIT file stops in the middle (it was cut off while being written or uploaded); "
            "export it again from the device or app."
        ) from error
    except fitdecode.FitCRCError as error:
        raise CorruptFile(
            "This FIT file is damaged: its checksum does not match. Export it again."
        ) from error
    except fitdecode.FitHeaderError as error:
        if "truncated" in str(error):
            raise TruncatedFile(
                "This FIT file is too short to hold even its header; export it again."
            ) from error
        raise CorruptFile("This file claims to be FIT but its header cannot be read.") from error
    except fitdecode.FitError as error:
        raise CorruptFile(f"This FIT file cannot be read ({error}).") from error
    return file_type, sessions, records, settings


def _positive(value: float | None) -> float | None:
    return value if value is not None and value > 0 else None


def parse_fit(data: bytes) -> RawActivity:
    """Read a FIT activity into a :class:`RawActivity`; raise an :class:`ImportFailure` subclass."""
    file_type, sessions, records, settings = _read_messages(data)
    if file_type is not None and file_type != "activity":
        raise NotAnActivity(
            f"This FIT file is a {file_type.replace('_', ' ')} file, not a recorded activity."
        )
    records = [
        r for r in records if isinstance(r.get("timestamp"), int) and r["timestamp"] >= FIT_MIN_ABSOLUTE_TIME
    ]
    if not sessions and not records:
        raise NotAnActivity(
            "This FIT file holds no recorded activity: it has neither a summary nor any samples."
        )

    warnings: list[str] = []
    main = max(sessions, key=lambda s: _number(s.get("total_elapsed_time")) or 0.0) if sessions else {}
    if len(sessions) > 1:
        warnings.append(
            f"This is a multisport file with {len(sessions)} parts; it was imported as one activity."
        )

    start = _fit_time(main.get("start_time"))
    if start is None and records:
        start = _fit_time(records[0]["timestamp"])
    if start is None:
        raise NotAnActivity(
            "This FIT file has no start time, so it cannot be placed in your training history."
        )
    if len(sessions) > 1:
        starts = [t for t in (_fit_time(s.get("start_time")) for s in sessions) if t is not None]
        start = min([start, *starts])

    def total(*names: str) -> float | None:
        values = [_first(s, *names) for s in sessions]
        present = [v for v in values if v is not None]
        return sum(present) if present else None

    sport = _sport(main.get("sport"), main.get("sub_sport"))
    sub_sport = main.get("sub_sport")
    elapsed = total("total_elapsed_time")
    moving = total("total_moving_time") or total("total_timer_time")
    avg_hr = _first(main, "avg_heart_rate")
    max_hrs = [v for v in (_first(s, "max_heart_rate") for s in sessions) if v is not None]

    base = (start - FIT_EPOCH).total_seconds()
    time_s = [float(r["timestamp"] - base) for r in records]

    def column(*names: str) -> list[float | None] | None:
        values = [_first(r, *names) for r in records]
        return values if any(v is not None for v in values) else None

    lat = [r.get("position_lat") for r in records]
    has_gps = any(isinstance(v, int) and v != _NO_FIX for v in lat) and sub_sport != "virtual_activity"
    streams = ActivityStreams(
        time_s=time_s,
        power_w=column("power"),
        heart_rate_bpm=column("heart_rate"),
        speed_m_per_s=column("enhanced_speed", "speed"),
        distance_m=column("distance"),
        altitude_m=column("enhanced_altitude", "altitude"),
        cadence_rpm=column("cadence"),
    )
    if elapsed is None and time_s:
        elapsed = time_s[-1]
    return RawActivity(
        source_format="fit",
        sport=sport,
        sub_sport=None if sub_sport is None else str(sub_sport),
        name=None if main.get("sport_profile_name") is None else str(main.get("sport_profile_name")),
        start_time=start,
        elapsed_s=elapsed,
        moving_s=moving,
        distance_m=total("total_distance"),
        elevation_gain_m=total("total_ascent"),
        avg_hr=avg_hr if avg_hr else None,
        max_hr=max(max_hrs) if max_hrs and max(max_hrs) > 0 else None,
        avg_power_w=_first(main, "avg_power"),
        np_w=_first(main, "normalized_power"),
        avg_speed_m_per_s=_first(main, "enhanced_avg_speed", "avg_speed"),
        device_ftp_w=_positive(_first(main, "threshold_power"))
        or _positive(_first(settings, "functional_threshold_power")),
        device_max_hr=_positive(_first(settings, "max_heart_rate", "default_max_heart_rate")),
        device_resting_hr=_positive(_first(settings, "resting_heart_rate")),
        device_threshold_hr=_positive(_first(settings, "threshold_heart_rate")),
        device_tss=_first(main, "training_stress_score"),
        has_gps=has_gps,
        indoor=str(sub_sport) in INDOOR_SUB_SPORTS,
        pool_length_m=_first(main, "pool_length"),
        streams=streams,
        warnings=warnings,
    )
