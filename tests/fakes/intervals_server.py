"""A fake Intervals.icu API on 127.0.0.1, following the shapes of its OpenAPI document
(``https://intervals.icu/api/v1/docs``; copies in public clients such as
yerzhansa/intervals-icu-api ``openapi.json``).

What it does as the real API documents it:

- HTTP Basic auth, user ``API_KEY``, password the athlete's key; a wrong key is 401
  (``{"status": 401, "error": "Unauthorized"}``), another athlete's id 403; id ``0`` is the key's own athlete.
- ``GET /api/v1/athlete/{id}``: the athlete.
- ``GET .../activities?oldest&newest&limit``: ``oldest`` required; local ISO dates or date-times;
  newest first; at most ``limit``.
- ``GET .../wellness?oldest&newest`` (also ``wellness.json``): one record per day, ``id`` the date.
- ``GET .../events?oldest&newest&category``; ``POST .../events`` (one), ``POST .../events/bulk``
  (several; ``upsert=true`` updates events with the same ``external_id``), ``GET|PUT|DELETE
  .../events/{eventId}``, ``PUT .../events/bulk-delete`` (by ``id`` or ``external_id``, answers
  ``{"eventsDeleted": n}``). Events get ``id``, ``athlete_id`` and ``created_by_id``.
- Activities that came from Strava are stubs (id, start, type, ``source: "STRAVA"``, a note), as
  the real API returns them.
- ``GET /api/v1/activity/{id}/streams{ext}?types`` (``ext`` empty or ``.json``; ``types`` repeated
  or comma-separated, all streams when absent): the activity's streams as a list of
  ``ActivityStream`` (``type``, ``name``, ``data``, ``data2``, ``valueTypeIsArray``,
  ``anomalies``, ``custom``, ``allNull``); another athlete's activity is 403, an unknown one 404,
  one recorded without streams ``[]``. Give them with ``add_activity(..., streams=[...])`` (a
  recorded ride in that shape: ``tests/connect/data/intervals_streams_ride.json``); the activity
  then lists their types in ``stream_types``.

Scripted trouble: ``fail_next(path_part, status, times, retry_after=...)`` answers the next matching
requests with that status (a 429 carries ``Retry-After``). ``calls`` records every request.

Usage::

    with FakeIntervals() as icu:
        icu.add_athlete("i100", "KEY-ann-0001", name="Ann")
        icu.add_activity("i100", start="2026-11-20T07:00:00", type="Run", moving_time=2400, distance=7000)
        ...  # point INTERVALS_API_URL (or ConnectConfig) at icu.url
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.fakes._http import FakeHTTPServer, HTTPRequest, HTTPResponse

__all__ = ["FakeIntervals", "IcuAthlete"]

_PATH = re.compile(r"^/api/v1/athlete/(?P<id>[^/]+)(?P<rest>/.*)?$")
_STREAMS_PATH = re.compile(r"^/api/v1/activity/(?P<id>[^/]+)/streams(?P<ext>\.json|\.csv)?$")


@dataclass
class IcuAthlete:
    id: str
    key: str
    name: str
    activities: list[dict[str, Any]] = field(default_factory=list)
    wellness: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[int, dict[str, Any]] = field(default_factory=dict)
    streams: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int


@dataclass
class _Failure:
    path_part: str
    status: int
    times: int
    retry_after: float | None
    method: str | None


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> HTTPResponse:
    return HTTPResponse(status, json.dumps(data).encode(), headers=headers or {})


def _error(status: int, message: str) -> HTTPResponse:
    return _json(status, {"status": status, "error": message})


def _bound(text: str | None, *, end: bool) -> str | None:
    """A local date or date-time as a comparable ``YYYY-MM-DDTHH:MM:SS`` (a date's end is 23:59:59)."""
    if not text:
        return None
    if len(text) == 10:
        return f"{text}T23:59:59" if end else f"{text}T00:00:00"
    return text[:19]


class FakeIntervals(FakeHTTPServer):
    def __init__(self) -> None:
        super().__init__()
        self.athletes: dict[str, IcuAthlete] = {}
        self.calls: list[Call] = []
        self._failures: list[_Failure] = []
        self._ids = itertools.count(1000)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ scripting

    def add_athlete(self, athlete_id: str, key: str, name: str = "Athlete") -> IcuAthlete:
        athlete = IcuAthlete(athlete_id, key, name)
        self.athletes[athlete_id] = athlete
        return athlete

    def add_activity(self, athlete_id: str, *, start: str, type: str = "Run", moving_time: int | None = 3600,
                     distance: float | None = None, source: str = "GARMIN_CONNECT",
                     streams: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
        """An activity as the list endpoint returns it (``start`` is local; UTC is taken the same here)."""
        if streams is not None:
            fields.setdefault("stream_types", [str(x["type"]) for x in streams])
        with self._lock:
            number = next(self._ids)
            if source == "STRAVA":
                activity: dict[str, Any] = {
                    "id": str(number), "start_date_local": start, "type": type, "source": "STRAVA",
                    "_note": "STRAVA activities are not available via the API",
                }
            else:
                activity = {
                    "id": f"i{number}", "start_date_local": start, "start_date": f"{start}Z", "type": type,
                    "name": fields.pop("name", f"{type} {start[:10]}"), "moving_time": moving_time,
                    "elapsed_time": moving_time, "distance": distance, "source": source, "trainer": False,
                    **fields,
                }
            self.athletes[athlete_id].activities.append(activity)
            if streams is not None:
                self.athletes[athlete_id].streams[str(activity["id"])] = streams
            return activity

    def add_wellness(self, athlete_id: str, day: str, **fields: Any) -> None:
        with self._lock:
            self.athletes[athlete_id].wellness[day] = {"id": day, **fields}

    def add_event(self, athlete_id: str, **fields: Any) -> dict[str, Any]:
        """An event the athlete made in Intervals.icu (no ``external_id`` unless given)."""
        with self._lock:
            return self._create(self.athletes[athlete_id], fields)

    def fail_next(self, path_part: str, status: int, times: int = 1, *, retry_after: float | None = None,
                  method: str | None = None) -> None:
        self._failures.append(_Failure(path_part, status, times, retry_after, method))

    def events_of(self, athlete_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return sorted(self.athletes[athlete_id].events.values(), key=lambda e: (e["start_date_local"], e["id"]))

    # ------------------------------------------------------------------ serving

    def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        query = {k: v[-1] for k, v in parse_qs(request.query).items()}
        body = json.loads(request.body) if request.body else None
        with self._lock:
            response = self._answer(request, query, body)
            self.calls.append(Call(request.method, request.path, query, body, response.status))
        return response

    def _scripted(self, request: HTTPRequest) -> HTTPResponse | None:
        for failure in self._failures:
            if failure.path_part in request.path and (failure.method is None or failure.method == request.method):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                headers = {} if failure.retry_after is None else {"Retry-After": f"{failure.retry_after:g}"}
                message = "Too Many Requests" if failure.status == 429 else "Scripted failure"
                return _json(failure.status, {"status": failure.status, "error": message}, headers)
        return None

    def _authorised(self, request: HTTPRequest) -> IcuAthlete | None:
        header = request.header("authorization")
        if not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        if user != "API_KEY":
            return None
        return next((a for a in self.athletes.values() if a.key == password), None)

    def _answer(self, request: HTTPRequest, query: dict[str, str], body: Any) -> HTTPResponse:
        match = _PATH.match(request.path)
        streams = _STREAMS_PATH.match(request.path)
        if match is None and streams is None:
            return _error(404, "Not Found")
        owner = self._authorised(request)
        if owner is None:
            return _error(401, "Unauthorized")
        scripted = self._scripted(request)
        if scripted is not None:
            return scripted
        if streams is not None:
            return self._streams(owner, streams["id"], streams["ext"], request)
        assert match is not None
        wanted = match["id"]
        if wanted not in ("0", owner.id):
            return _error(403, "Access denied")
        rest = match["rest"] or ""
        method = request.method
        if rest == "" and method == "GET":
            return _json(200, {"id": owner.id, "name": owner.name})
        if rest == "/activities" and method == "GET":
            return self._activities(owner, query)
        if rest in ("/wellness", "/wellness.json") and method == "GET":
            oldest, newest = query.get("oldest", "0000"), query.get("newest", "9999")
            return _json(200, [w for d, w in sorted(owner.wellness.items()) if oldest <= d <= newest])
        if rest in ("/events", "/events.json"):
            if method == "GET":
                return self._list_events(owner, query)
            if method == "POST":
                return _json(200, self._create(owner, body))
        if rest == "/events/bulk" and method == "POST":
            if not isinstance(body, list):
                return _error(400, "Expected a list of events")
            upsert = query.get("upsert") == "true"
            return _json(200, [self._upsert(owner, e) if upsert else self._create(owner, e) for e in body])
        if rest == "/events/bulk-delete" and method == "PUT":
            return self._bulk_delete(owner, body)
        event_match = re.fullmatch(r"/events/(\d+)", rest)
        if event_match:
            event = owner.events.get(int(event_match[1]))
            if event is None:
                return _error(404, "Event not found")
            if method == "GET":
                return _json(200, event)
            if method == "PUT":
                event.update({k: v for k, v in (body or {}).items() if k not in ("id", "athlete_id", "created_by_id")})
                return _json(200, event)
            if method == "DELETE":
                del owner.events[event["id"]]
                return _json(200, {})
        return _error(404, "Not Found")

    def _activities(self, owner: IcuAthlete, query: dict[str, str]) -> HTTPResponse:
        oldest = _bound(query.get("oldest"), end=False)
        if oldest is None:
            return _error(400, "oldest is required")
        newest = _bound(query.get("newest"), end=True) or "9999-12-31T23:59:59"
        found = [a for a in owner.activities if oldest <= a["start_date_local"] <= newest]
        found.sort(key=lambda a: a["start_date_local"], reverse=True)
        limit = int(query["limit"]) if query.get("limit") else None
        return _json(200, found[:limit] if limit is not None else found)

    def _streams(self, owner: IcuAthlete, activity_id: str, ext: str | None, request: HTTPRequest) -> HTTPResponse:
        holder = next((a for a in self.athletes.values() if any(str(x["id"]) == activity_id for x in a.activities)), None)
        if holder is None:
            return _error(404, "Activity not found")
        if holder is not owner:
            return _error(403, "Access denied")
        if ext == ".csv":
            return _error(400, "CSV streams are not served by this fake")
        asked = [t for v in parse_qs(request.query).get("types", []) for t in v.split(",") if t]
        recorded = owner.streams.get(activity_id, [])
        return _json(200, [x for x in recorded if not asked or x["type"] in asked])

    def _list_events(self, owner: IcuAthlete, query: dict[str, str]) -> HTTPResponse:
        oldest = _bound(query.get("oldest"), end=False) or dt.date.today().isoformat()
        newest = _bound(query.get("newest"), end=True) or f"{oldest[:10]}T23:59:59"
        categories = set(query["category"].split(",")) if query.get("category") else None
        found = [
            e for e in owner.events.values()
            if oldest <= e["start_date_local"] <= newest and (categories is None or e.get("category") in categories)
        ]
        found.sort(key=lambda e: (e["start_date_local"], e["id"]))
        limit = int(query["limit"]) if query.get("limit") else None
        return _json(200, found[:limit] if limit is not None else found)

    def _create(self, owner: IcuAthlete, fields: dict[str, Any]) -> dict[str, Any]:
        event = {
            "category": "WORKOUT", "name": None, "description": None, "type": None, "external_id": None,
            **fields, "id": next(self._ids), "athlete_id": owner.id, "created_by_id": owner.id,
        }
        owner.events[event["id"]] = event
        return event

    def _upsert(self, owner: IcuAthlete, fields: dict[str, Any]) -> dict[str, Any]:
        external = fields.get("external_id")
        existing = next((e for e in owner.events.values() if external and e.get("external_id") == external), None)
        if existing is None:
            return self._create(owner, fields)
        existing.update({k: v for k, v in fields.items() if k not in ("id", "athlete_id", "created_by_id")})
        return existing

    def _bulk_delete(self, owner: IcuAthlete, body: Any) -> HTTPResponse:
        if not isinstance(body, list):
            return _error(400, "Expected a list of {id} or {external_id}")
        deleted = 0
        for doomed in body:
            for event in list(owner.events.values()):
                if (doomed.get("id") is not None and event["id"] == doomed["id"]) or (
                    doomed.get("external_id") and event.get("external_id") == doomed["external_id"]
                ):
                    del owner.events[event["id"]]
                    deleted += 1
        return _json(200, {"eventsDeleted": deleted})
