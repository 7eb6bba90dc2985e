"""The Intervals.icu API client (httpx), as its OpenAPI document (``/api/v1/docs``) describes it.

- Auth: HTTP Basic, user ``API_KEY``, password the athlete's key (Settings → Developer). Athlete id
  ``0`` means the key's own athlete.
- ``GET /api/v1/athlete/{id}``: the athlete (checks a key).
- ``GET /api/v1/athlete/{id}/activities?oldest&newest&limit``: activities in a date range, newest
  first, at most ``limit``: we page by moving ``newest`` back to the oldest start seen.
- ``GET /api/v1/athlete/{id}/wellness?oldest&newest``: one record per day (``id`` is the date).
- ``GET /api/v1/athlete/{id}/events?oldest&newest&category``: calendar events (planned workouts,
  holidays, sick days, races, notes).
- ``GET /api/v1/activity/{id}/streams{ext}?types``: one activity's streams, a list of
  ``ActivityStream`` (``type``, ``name``, ``data`` aligned to the ``time`` stream, ``data2``,
  ``valueTypeIsArray``, ``anomalies``, ``custom``, ``allNull``); ``ext`` ``.json`` (``.csv`` for CSV).
- ``POST /api/v1/athlete/{id}/events/bulk``: create several events; ``PUT .../events/{eventId}``:
  update one; ``PUT .../events/bulk-delete``: delete by id (or ``external_id``).

429 answers are retried after the ``Retry-After`` seconds, up to ``max_wait_s`` in all; a longer
wait raises :class:`RateLimited` so a sync never hangs. The key travels only in the Authorization
header: it is in no URL, no log line and no exception message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Final
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict

from coach.connect.errors import BadCredentials, RateLimited, ServiceError, Unauthorized

log = logging.getLogger(__name__)

PROVIDER: Final = "intervals"
PROVIDER_NAME: Final = "Intervals.icu"
BASIC_AUTH_USER: Final = "API_KEY"
ATHLETE_ID_RE: Final = re.compile(r"^(?:0|i?\d{1,12})$")
API_KEY_RE: Final = re.compile(r"^[A-Za-z0-9_\-]{8,128}$")
ACTIVITIES_PAGE_LIMIT: Final = 200
"""Activities asked for per request (the API returns at most ``limit``, newest first)."""
MAX_PAGES: Final = 100
REQUEST_TIMEOUT_S: Final = 20.0
MAX_RATE_LIMIT_WAIT_S: Final = 60.0
"""Longest total wait on 429s within one sync; beyond it the sync stops and says when to retry."""
MAX_TRANSIENT_RETRIES: Final = 2
"""5xx and dropped connections are tried again this many times (1 s, then 2 s)."""
DEFAULT_RETRY_AFTER_S: Final = 5.0
EVENT_CATEGORIES_PULLED: Final = ("WORKOUT", "RACE_A", "RACE_B", "RACE_C", "HOLIDAY", "SICK", "INJURED")
STREAM_TYPES: Final = ("time", "watts", "heartrate", "velocity_smooth")
"""Streams asked for: what NP, the power curve, Pw:Hr / Pa:Hr decoupling and EF read (the API
returns its corrected ``fixed_watts`` as ``watts``)."""

Sleep = Callable[[float], Awaitable[None]]


def check_credentials(athlete_id: str, api_key: str) -> tuple[str, str]:
    """The athlete id and key, trimmed, or :class:`BadCredentials` saying what is wrong."""
    athlete_id, api_key = athlete_id.strip(), api_key.strip()
    if not ATHLETE_ID_RE.match(athlete_id):
        raise BadCredentials(
            "That athlete id doesn't look like an Intervals.icu one (like i123456: it's in the address "
            "of your Intervals.icu page, and in Settings → Developer)."
        )
    if not API_KEY_RE.match(api_key):
        raise BadCredentials(
            "That API key doesn't look like an Intervals.icu key (letters and digits, from Settings → "
            "Developer → API key)."
        )
    return athlete_id, api_key


class IntervalsEvent(BaseModel):
    """The fields of a calendar event the coach reads (the API sends many more)."""

    model_config = ConfigDict(extra="ignore")

    id: int
    start_date_local: str
    end_date_local: str | None = None
    category: str = "WORKOUT"
    type: str | None = None
    name: str | None = None
    description: str | None = None
    moving_time: int | None = None
    external_id: str | None = None
    created_by_id: str | None = None
    icu_training_load: float | None = None
    icu_intensity: float | None = None
    """The planned intensity factor in percent (75.0: IF 0.75), where the workout has steps."""

    @property
    def start_day(self) -> dt.date:
        return dt.date.fromisoformat(self.start_date_local[:10])

    @property
    def last_day(self) -> dt.date:
        """The last day the event covers: an end at midnight after the start is exclusive."""
        if not self.end_date_local:
            return self.start_day
        end = dt.datetime.fromisoformat(self.end_date_local)
        start = dt.datetime.fromisoformat(self.start_date_local)
        if end <= start:
            return self.start_day
        if end.time() == dt.time(0, 0):
            return max(self.start_day, end.date() - dt.timedelta(days=1))
        return end.date()


class IntervalsWellness(BaseModel):
    """One day of wellness (``id`` is the local date)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    restingHR: float | None = None
    hrv: float | None = None
    hrvSDNN: float | None = None
    sleepSecs: float | None = None
    weight: float | None = None

    @property
    def day(self) -> dt.date:
        return dt.date.fromisoformat(self.id[:10])


def _retry_after_s(response: httpx.Response) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # an HTTP date
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
        return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_S


class IntervalsClient:
    """One athlete's Intervals.icu account, reached with their API key."""

    def __init__(
        self, base_url: str, athlete_id: str, api_key: str, *, transport: httpx.AsyncBaseTransport | None = None,
        max_rate_limit_wait_s: float = MAX_RATE_LIMIT_WAIT_S, sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.athlete_id = athlete_id
        self.max_rate_limit_wait_s = max_rate_limit_wait_s
        self._sleep = sleep
        self._waited_s = 0.0
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), auth=httpx.BasicAuth(BASIC_AUTH_USER, api_key), timeout=REQUEST_TIMEOUT_S,
            transport=transport, headers={"Accept": "application/json"},
        )
        self.requests = 0

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> IntervalsClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    def _path(self, rest: str = "") -> str:
        return f"/api/v1/athlete/{self.athlete_id}{rest}"

    async def _request(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        transient = 0
        while True:
            self.requests += 1
            try:
                response = await self._http.request(method, path, params=params, json=body)
            except httpx.TimeoutException as error:
                if transient < MAX_TRANSIENT_RETRIES:
                    transient += 1
                    await self._sleep(float(transient))
                    continue
                raise ServiceError(f"{PROVIDER_NAME} did not answer in time.") from error
            except httpx.TransportError as error:
                if transient < MAX_TRANSIENT_RETRIES:
                    transient += 1
                    await self._sleep(float(transient))
                    continue
                raise ServiceError(f"I couldn't reach {PROVIDER_NAME} ({type(error).__name__}).") from error
            status = response.status_code
            if status in (401, 403):
                raise Unauthorized(
                    f"{PROVIDER_NAME} refused your API key (it may have been changed or revoked): reconnect with "
                    "/connect intervals ATHLETE_ID API_KEY."
                )
            if status == 429:
                wait = _retry_after_s(response)
                if self._waited_s + wait > self.max_rate_limit_wait_s:
                    raise RateLimited(
                        f"{PROVIDER_NAME} asked me to slow down (try again in {wait:.0f} s); what I had done is kept.",
                        wait,
                    )
                log.info("%s said 429: waiting %.1f s as it asked", PROVIDER_NAME, wait)
                self._waited_s += wait
                await self._sleep(wait)
                continue
            if status >= 500 and transient < MAX_TRANSIENT_RETRIES:
                transient += 1
                await self._sleep(float(transient))
                continue
            if status == 404:
                raise ServiceError(f"{PROVIDER_NAME} has no such athlete or item (404): check the athlete id.")
            if status >= 400:
                raise ServiceError(f"{PROVIDER_NAME} answered {status} to {method} {path.rsplit('/', 1)[-1]}.")
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError as error:
                raise ServiceError(f"{PROVIDER_NAME} sent something that isn't JSON.") from error

    # ------------------------------------------------------------------ reading

    async def athlete(self) -> dict[str, Any]:
        data = await self._request("GET", self._path())
        return data if isinstance(data, dict) else {}

    async def activities(self, oldest: dt.date, newest: dt.date) -> list[dict[str, Any]]:
        """Every activity from ``oldest`` to ``newest`` (local days, inclusive), paging by ``limit``."""
        found: dict[str, dict[str, Any]] = {}
        upper = f"{newest.isoformat()}T23:59:59"
        for _ in range(MAX_PAGES):
            params = {"oldest": oldest.isoformat(), "newest": upper, "limit": ACTIVITIES_PAGE_LIMIT}
            page = await self._request("GET", self._path("/activities"), params=params)
            if not isinstance(page, list):
                raise ServiceError(f"{PROVIDER_NAME} sent an activity list I can't read.")
            new = [a for a in page if isinstance(a, dict) and str(a.get("id")) not in found]
            for activity in new:
                found[str(activity.get("id"))] = activity
            if len(page) < ACTIVITIES_PAGE_LIMIT or not new:
                break
            # Newest first: the next page ends at the oldest start seen (inclusive, so a shared
            # start time is not skipped; ids already seen are dropped).
            upper = min(str(a.get("start_date_local") or upper) for a in page)
        return sorted(found.values(), key=lambda a: str(a.get("start_date_local") or ""))

    async def wellness(self, oldest: dt.date, newest: dt.date) -> list[IntervalsWellness]:
        params = {"oldest": oldest.isoformat(), "newest": newest.isoformat()}
        data = await self._request("GET", self._path("/wellness"), params=params)
        if not isinstance(data, list):
            raise ServiceError(f"{PROVIDER_NAME} sent wellness data I can't read.")
        return [IntervalsWellness.model_validate(d) for d in data if isinstance(d, dict) and d.get("id")]

    async def events(self, oldest: dt.date, newest: dt.date, categories: tuple[str, ...]) -> list[IntervalsEvent]:
        params = {"oldest": oldest.isoformat(), "newest": newest.isoformat(), "category": ",".join(categories)}
        data = await self._request("GET", self._path("/events"), params=params)
        if not isinstance(data, list):
            raise ServiceError(f"{PROVIDER_NAME} sent calendar events I can't read.")
        return [IntervalsEvent.model_validate(d) for d in data if isinstance(d, dict) and d.get("id") is not None]

    async def streams(self, activity_id: str, types: tuple[str, ...] = STREAM_TYPES) -> dict[str, list[Any]]:
        """One activity's streams by type (``time``, ``watts``...), each a list of samples aligned
        to ``time``; a stream the recording lacks (or that is all null) is left out."""
        path = f"/api/v1/activity/{quote(str(activity_id), safe='')}/streams.json"
        data = await self._request("GET", path, params={"types": list(types)})
        if not isinstance(data, list):
            raise ServiceError(f"{PROVIDER_NAME} sent activity streams I can't read.")
        found: dict[str, list[Any]] = {}
        for stream in data:
            if not isinstance(stream, dict) or stream.get("allNull") or stream.get("valueTypeIsArray"):
                continue
            samples = stream.get("data")
            if isinstance(stream.get("type"), str) and isinstance(samples, list):
                found[stream["type"]] = samples
        return found

    # ------------------------------------------------------------------ writing

    async def create_events(self, events: list[dict[str, Any]]) -> list[IntervalsEvent]:
        data = await self._request("POST", self._path("/events/bulk"), body=events)
        if not isinstance(data, list):
            raise ServiceError(f"{PROVIDER_NAME} did not say which workouts it created.")
        return [IntervalsEvent.model_validate(d) for d in data if isinstance(d, dict)]

    async def update_event(self, event_id: str, event: dict[str, Any]) -> None:
        await self._request("PUT", self._path(f"/events/{event_id}"), body=event)

    async def delete_events(self, event_ids: list[str]) -> int:
        data = await self._request("PUT", self._path("/events/bulk-delete"), body=[{"id": int(i)} for i in event_ids])
        return int(data.get("eventsDeleted", len(event_ids))) if isinstance(data, dict) else len(event_ids)
