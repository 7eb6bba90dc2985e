"""A fake Strava on 127.0.0.1, following developers.strava.com/docs (authentication, API
reference, webhooks, rate limits).

- ``POST /oauth/token`` (form: client_id, client_secret, and ``grant_type=authorization_code`` +
  ``code``, or ``grant_type=refresh_token`` + ``refresh_token``): ``{"token_type": "Bearer",
  "expires_at", "expires_in", "refresh_token", "access_token"}`` (+ ``"athlete"`` for a code). A
  code works once; a refresh rotates the refresh token (the old one stops working); a refused
  grant is 400 ``{"message": "Bad Request", "errors": [...]}``.
- ``POST /oauth/deauthorize`` (form ``access_token``): revokes every token of that athlete.
- ``GET /api/v3/athlete``, ``GET /api/v3/athlete/activities?before&after&page&per_page`` (per_page
  default 30, at most 200; ``after`` lists oldest first, else newest first),
  ``GET /api/v3/activities/{id}`` (404 ``Record Not Found`` when absent or not the token's),
  ``GET /api/v3/activities/{id}/streams?keys&key_by_type=true``. ``Authorization: Bearer`` with an
  unknown or expired token is 401 ``Authorization Error``.
- Every API answer carries ``X-RateLimit-Limit``/``-Usage`` and ``X-ReadRateLimit-Limit``/``-Usage``
  ("15-minute,daily"); a request over a limit is 429 ``Rate Limit Exceeded`` (and still counted).

``now`` (epoch seconds) is the fake's clock for token expiry; tests set it from the service's clock.
``fail_next(path_part, status)`` scripts failures; ``calls`` records every request (no bodies).
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.fakes._http import FakeHTTPServer, HTTPRequest, HTTPResponse

__all__ = ["FakeStrava", "StravaAthlete"]

TOKEN_LIFE_S = 21600


@dataclass
class StravaAthlete:
    id: int
    firstname: str
    lastname: str
    activities: dict[int, dict[str, Any]] = field(default_factory=dict)
    streams: dict[int, dict[str, list[Any]]] = field(default_factory=dict)


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    status: int
    grant_type: str | None = None


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> HTTPResponse:
    return HTTPResponse(status, json.dumps(data).encode(), headers=headers or {})


def _fault(status: int, message: str, resource: str, field_name: str, code: str) -> HTTPResponse:
    return _json(status, {"message": message, "errors": [{"resource": resource, "field": field_name, "code": code}]})


class FakeStrava(FakeHTTPServer):
    def __init__(self, client_id: str = "4711", client_secret: str = "fake-client-secret-0123456789") -> None:
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.athletes: dict[int, StravaAthlete] = {}
        self.calls: list[Call] = []
        self.now: float = time.time()
        self.limit_15, self.limit_day = 200, 2000
        self.read_limit_15, self.read_limit_day = 100, 1000
        self.used_15 = self.used_day = 0
        self.issued: list[str] = []
        """Every token and code handed out (tests check none of them leaks)."""
        self._codes: dict[str, int] = {}
        self._access: dict[str, tuple[int, float]] = {}
        self._refresh: dict[str, int] = {}
        self._failures: list[tuple[str, int, int]] = []
        self._ids = itertools.count(9_000_000_001)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ scripting

    def add_athlete(self, athlete_id: int, firstname: str, lastname: str) -> StravaAthlete:
        athlete = StravaAthlete(athlete_id, firstname, lastname)
        self.athletes[athlete_id] = athlete
        return athlete

    def authorize(self, athlete_id: int) -> str:
        """What pressing Authorize does: a one-time code for this athlete."""
        with self._lock:
            code = secrets.token_hex(20)
            self._codes[code] = athlete_id
            self.issued.append(code)
            return code

    def add_activity(self, athlete_id: int, *, start: str, sport_type: str = "Run", elapsed: int = 3600,
                     moving: int | None = None, distance: float | None = None, heartrate: float | None = None,
                     watts: float | None = None, streams: bool = False, **fields: Any) -> dict[str, Any]:
        """A summary activity (``start``: UTC ``YYYY-MM-DDTHH:MM:SS``); ``streams`` records 1 Hz samples."""
        with self._lock:
            activity_id = next(self._ids)
            activity: dict[str, Any] = {
                "resource_state": 2, "athlete": {"id": athlete_id, "resource_state": 1}, "id": activity_id,
                "name": fields.pop("name", f"{sport_type} {start[:10]}"), "distance": distance or 0.0,
                "moving_time": moving or elapsed, "elapsed_time": elapsed, "total_elevation_gain": 0.0,
                "type": sport_type, "sport_type": sport_type, "start_date": f"{start}Z", "start_date_local": start,
                "timezone": "(GMT+00:00) Etc/UTC", "trainer": False, "commute": False, "manual": False, "private": False,
                "start_latlng": [] if distance is None else [51.5, -0.1],
                "average_speed": (distance or 0.0) / (moving or elapsed),
                "has_heartrate": heartrate is not None, "device_watts": watts is not None, **fields,
            }
            if heartrate is not None:
                activity["average_heartrate"], activity["max_heartrate"] = heartrate, heartrate + 20
            if watts is not None:
                activity["average_watts"] = activity["weighted_average_watts"] = watts
            self.athletes[athlete_id].activities[activity_id] = activity
            if streams:
                n = moving or elapsed
                speed = (distance or 0.0) / n
                recorded: dict[str, list[Any]] = {
                    "time": list(range(n)), "distance": [round(i * speed, 1) for i in range(n)],
                    "velocity_smooth": [round(speed, 2)] * n, "altitude": [10.0] * n,
                }
                if heartrate is not None:
                    recorded["heartrate"] = [int(heartrate) + (i % 7) - 3 for i in range(n)]
                if watts is not None:
                    recorded["watts"] = [int(watts)] * n
                self.athletes[athlete_id].streams[activity_id] = recorded
            return activity

    def delete_activity(self, athlete_id: int, activity_id: int) -> None:
        with self._lock:
            self.athletes[athlete_id].activities.pop(activity_id, None)

    def revoke(self, athlete_id: int) -> None:
        """The athlete removed the application in their Strava settings."""
        with self._lock:
            self._revoke(athlete_id)

    def fail_next(self, path_part: str, status: int, times: int = 1) -> None:
        self._failures.append((path_part, status, times))

    def requests_to(self, path_part: str) -> list[Call]:
        return [c for c in self.calls if path_part in c.path]

    # ------------------------------------------------------------------ serving

    def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        query = {k: v[-1] for k, v in parse_qs(request.query).items()}
        with self._lock:
            response, grant = self._answer(request, query)
            self.calls.append(Call(request.method, request.path, query, response.status, grant))
        return response

    def _revoke(self, athlete_id: int) -> None:
        for table in (self._access, self._refresh):
            for token in [t for t, v in table.items() if (v[0] if isinstance(v, tuple) else v) == athlete_id]:
                del table[token]

    def _tokens(self, athlete_id: int) -> dict[str, Any]:
        access, refresh = secrets.token_hex(20), secrets.token_hex(20)
        expires_at = int(self.now) + TOKEN_LIFE_S
        self._access[access] = (athlete_id, expires_at)
        self._refresh[refresh] = athlete_id
        self.issued += [access, refresh]
        return {"token_type": "Bearer", "expires_at": expires_at, "expires_in": TOKEN_LIFE_S,
                "refresh_token": refresh, "access_token": access}

    def _athlete_doc(self, athlete: StravaAthlete) -> dict[str, Any]:
        return {"id": athlete.id, "resource_state": 2, "firstname": athlete.firstname, "lastname": athlete.lastname}

    def _answer(self, request: HTTPRequest, query: dict[str, str]) -> tuple[HTTPResponse, str | None]:
        if request.path.startswith("/oauth/"):
            form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
            return self._oauth(request.path, form), form.get("grant_type")
        if not request.path.startswith("/api/v3/"):
            return _fault(404, "Record Not Found", "Path", "path", "invalid"), None
        return self._api(request, query), None

    def _oauth(self, path: str, form: dict[str, str]) -> HTTPResponse:
        if path == "/oauth/deauthorize":
            owner = self._access.get(form.get("access_token", ""))
            if owner is None:
                return _fault(401, "Authorization Error", "Athlete", "access_token", "invalid")
            self._revoke(owner[0])
            return _json(200, {"access_token": form["access_token"]})
        if path != "/oauth/token":
            return _fault(404, "Record Not Found", "Path", "path", "invalid")
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return _fault(400, "Bad Request", "Application", "client_id", "invalid")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            athlete_id = self._codes.pop(form.get("code", ""), None)
            if athlete_id is None:
                return _fault(400, "Bad Request", "AuthorizationCode", "code", "invalid")
            return _json(200, {**self._tokens(athlete_id), "athlete": self._athlete_doc(self.athletes[athlete_id])})
        if grant == "refresh_token":
            athlete_id = self._refresh.pop(form.get("refresh_token", ""), None)
            if athlete_id is None:
                return _fault(400, "Bad Request", "RefreshToken", "refresh_token", "invalid")
            return _json(200, self._tokens(athlete_id))
        return _fault(400, "Bad Request", "Application", "grant_type", "invalid")

    def _limits(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": f"{self.limit_15},{self.limit_day}",
                "X-RateLimit-Usage": f"{self.used_15},{self.used_day}",
                "X-ReadRateLimit-Limit": f"{self.read_limit_15},{self.read_limit_day}",
                "X-ReadRateLimit-Usage": f"{self.used_15},{self.used_day}"}

    def _api(self, request: HTTPRequest, query: dict[str, str]) -> HTTPResponse:
        self.used_15 += 1
        self.used_day += 1
        headers = self._limits()
        over = self.used_15 > min(self.limit_15, self.read_limit_15) or self.used_day > min(self.limit_day, self.read_limit_day)
        response = self._scripted(request)
        if response is None and over:
            response = _fault(429, "Rate Limit Exceeded", "Application", "rate limit", "exceeded")
        if response is None:
            response = self._resource(request, query)
        response.headers.update(headers)
        return response

    def _scripted(self, request: HTTPRequest) -> HTTPResponse | None:
        for index, (part, status, times) in enumerate(self._failures):
            if part in request.path:
                if times <= 1:
                    del self._failures[index]
                else:
                    self._failures[index] = (part, status, times - 1)
                if status == 429:
                    return _fault(429, "Rate Limit Exceeded", "Application", "rate limit", "exceeded")
                return _fault(status, "Scripted failure", "Application", "path", "failed")
        return None

    def _resource(self, request: HTTPRequest, query: dict[str, str]) -> HTTPResponse:
        scheme, _, token = request.header("authorization").partition(" ")
        owner = self._access.get(token) if scheme == "Bearer" else None
        if owner is None or owner[1] <= self.now:
            return _fault(401, "Authorization Error", "Athlete", "access_token", "invalid")
        athlete = self.athletes[owner[0]]
        path = request.path
        if path == "/api/v3/athlete":
            return _json(200, self._athlete_doc(athlete))
        if path == "/api/v3/athlete/activities":
            per_page = min(int(query.get("per_page", 30)), 200)
            page = max(int(query.get("page", 1)), 1)
            after, before = query.get("after"), query.get("before")
            found = [a for a in athlete.activities.values()
                     if (after is None or _epoch(a) > int(after)) and (before is None or _epoch(a) < int(before))]
            found.sort(key=_epoch, reverse=after is None)
            return _json(200, found[(page - 1) * per_page: page * per_page])
        match = re.fullmatch(r"/api/v3/activities/(\d+)(/streams)?", path)
        if match and int(match[1]) in athlete.activities:
            activity_id = int(match[1])
            if match[2] is None:
                return _json(200, {**athlete.activities[activity_id], "resource_state": 3, "description": None})
            recorded = athlete.streams.get(activity_id, {})
            keys = query.get("keys", "").split(",")
            chosen = {k: v for k, v in recorded.items() if k in keys or k in ("time", "distance")}
            return _json(200, {k: {"data": v, "series_type": "time", "original_size": len(v), "resolution": "high"}
                               for k, v in chosen.items()})
        return _fault(404, "Record Not Found", "Activity", "id", "invalid")


def _epoch(activity: dict[str, Any]) -> int:
    import datetime as dt

    return int(dt.datetime.fromisoformat(str(activity["start_date"]).replace("Z", "+00:00")).timestamp())
