"""The Strava API client (httpx), as Strava's developer documentation describes it
(developers.strava.com/docs: authentication, reference, webhooks, rate-limits).

- OAuth 2: the athlete opens ``{base}/oauth/authorize?client_id&redirect_uri&response_type=code
  &approval_prompt=auto&scope=activity:read_all&state``; Strava sends them back to ``redirect_uri``
  with ``code``, ``scope`` (what they accepted) and our ``state``. ``POST {base}/oauth/token``
  (form: client_id, client_secret, code, grant_type=authorization_code) answers ``token_type``,
  ``access_token``, ``refresh_token``, ``expires_at`` (epoch seconds), ``expires_in`` and the
  ``athlete``; the same endpoint with ``grant_type=refresh_token`` gives a new access token (and
  maybe a new refresh token: the newest must be kept). Access tokens last six hours.
  ``POST {base}/oauth/deauthorize`` revokes.
- ``GET /api/v3/athlete/activities?after&page&per_page`` (per_page at most 200; after= gives
  oldest first), ``GET /api/v3/activities/{id}``, ``GET /api/v3/activities/{id}/streams?keys=...
  &key_by_type=true`` (each stream ``{"data": [...], "series_type", "original_size", "resolution"}``).
- Rate limits are per application: every answer carries ``X-RateLimit-Limit`` and
  ``X-RateLimit-Usage`` ("15-minute,daily"; also ``X-ReadRateLimit-*`` for reads). The 15-minute
  windows start at :00, :15, :30 and :45; the day at midnight UTC. We remember the last usage seen
  and stop *before* a request would go over, with a sentence saying when it resets; a 429 says
  the same. Nothing is retried against a full window.

Tokens travel only in the ``Authorization`` header or a form body: never in a URL, a log line or
an exception message.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from coach.connect.errors import BadCredentials, RateLimited, ServiceError, Unauthorized
from coach.connect.secrets import SecretBox

log = logging.getLogger(__name__)

PROVIDER: Final = "strava"
PROVIDER_NAME: Final = "Strava"
DEFAULT_API_URL: Final = "https://www.strava.com"
SCOPE: Final = "activity:read_all"
LOCAL_REDIRECT_URL: Final = "http://localhost/exchange_token"
"""Where Strava sends the athlete when no web server is public (WEBAPP_URL unset): the page fails
to load, and the athlete pastes its address into the chat."""
CALLBACK_PATH: Final = "/strava/callback"
WEBHOOK_PATH: Final = "/strava/webhook"
PER_PAGE: Final = 200
"""Strava's largest page."""
MAX_PAGES: Final = 50
REQUEST_TIMEOUT_S: Final = 20.0
REFRESH_MARGIN_S: Final = 3600
"""Refresh when the access token has less than an hour left (Strava hands back the same token
before that; a sync never starts with a token about to die)."""
STATE_MAX_AGE_S: Final = 24 * 3600
STREAM_KEYS: Final = ("time", "heartrate", "watts", "velocity_smooth", "distance", "altitude")
WINDOW_S: Final = 15 * 60

Now = Callable[[], dt.datetime]


@dataclass(frozen=True)
class StravaConfig:
    """``STRAVA_CLIENT_ID``, ``STRAVA_CLIENT_SECRET``, ``STRAVA_API_URL``, ``STRAVA_VERIFY_TOKEN``;
    ``redirect_url`` is ``WEBAPP_URL`` + ``/strava/callback`` when the Mini App server is public."""

    client_id: str | None = None
    client_secret: str | None = None
    api_url: str = DEFAULT_API_URL
    verify_token: str | None = None
    redirect_url: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def callback(self) -> str:
        return self.redirect_url or LOCAL_REDIRECT_URL


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: int
    scope: str | None = None

    def seal(self, box: SecretBox) -> str:
        """Encrypted as one Fernet token (the ``secret`` column)."""
        return box.encrypt(json.dumps({"access": self.access_token, "refresh": self.refresh_token,
                                       "expires_at": self.expires_at, "scope": self.scope}))

    @classmethod
    def unseal(cls, box: SecretBox, sealed: str) -> Tokens:
        data = json.loads(box.decrypt(sealed))
        return cls(str(data["access"]), str(data["refresh"]), int(data["expires_at"]), data.get("scope"))

    def due(self, now: dt.datetime) -> bool:
        return self.expires_at - now.timestamp() < REFRESH_MARGIN_S

    def __repr__(self) -> str:  # never the tokens themselves
        return f"Tokens(expires_at={self.expires_at}, scope={self.scope!r})"


# ---------------------------------------------------------------------- the authorisation link


def make_state(box: SecretBox, athlete_id: int, now: dt.datetime) -> str:
    """An opaque ``state`` bound to the athlete: encrypted with the secret box (so it can't be
    forged or read), dated (so an old link stops working)."""
    return box.encrypt(json.dumps({"a": athlete_id, "t": int(now.timestamp()), "n": secrets.token_hex(4)}))


def read_state(box: SecretBox, state: str, now: dt.datetime) -> int | None:
    """The athlete a ``state`` was made for, or None (forged, foreign, expired)."""
    try:
        data = json.loads(box.decrypt(state))
        athlete_id, issued = int(data["a"]), int(data["t"])
    except Exception:  # any unreadable state is simply not ours
        return None
    if not 0 <= now.timestamp() - issued <= STATE_MAX_AGE_S:
        return None
    return athlete_id


def authorize_url(config: StravaConfig, state: str) -> str:
    query = urlencode({
        "client_id": config.client_id or "", "redirect_uri": config.callback, "response_type": "code",
        "approval_prompt": "auto", "scope": SCOPE, "state": state,
    })
    return f"{config.api_url.rstrip('/')}/oauth/authorize?{query}"


@dataclass(frozen=True)
class Returned:
    """What came back from Strava's authorisation page: a code (and what the athlete allowed)."""

    code: str
    state: str | None = None
    scope: str | None = None


def read_returned(text: str) -> Returned:
    """The code from a pasted code or a pasted redirect address; :class:`BadCredentials` says why not."""
    text = text.strip().strip("<>")
    if "://" in text or text.startswith(("localhost", "?")) or "code=" in text or "error=" in text:
        query = parse_qs(urlsplit(text if "://" in text else f"http://x/{text.lstrip('/')}").query)
        if query.get("error"):
            raise BadCredentials("Strava says you didn't allow access, so nothing was connected. "
                                 "Send /connect strava for a new link and press Authorize.")
        code = (query.get("code") or [""])[-1]
        if not code:
            raise BadCredentials("That address has no code in it: paste the whole address Strava sent you to.")
        state, scope = query.get("state"), query.get("scope")
        return Returned(code, state[-1] if state else None, scope[-1] if scope else None)
    if not text.isalnum() or not 20 <= len(text) <= 100:
        raise BadCredentials("That doesn't look like a Strava code: paste the whole address of the page "
                             "Strava sent you to (it has code=... in it).")
    return Returned(text)


def scope_problem(scope: str | None) -> str | None:
    """None when the athlete allowed reading activities (or we can't know); else the sentence."""
    if scope is None:
        return None
    granted = {s.strip() for s in scope.split(",")}
    if granted & {"activity:read", "activity:read_all"}:
        return None
    return ("Strava says you didn't allow me to see your activities (the 'View data about your activities' "
            "box), so I can't import them. Send /connect strava for a new link and leave that box ticked.")


# ---------------------------------------------------------------------- rate limits


@dataclass
class Usage:
    """The last counts Strava reported for this application, and when."""

    limit_15: int
    limit_day: int
    used_15: int
    used_day: int
    seen_at: dt.datetime


_usage: dict[str, Usage] = {}
"""Per API base URL (an application's limits are shared by all its athletes in this process)."""


def _pair(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    parts = text.split(",")
    try:
        return int(parts[0]), int(parts[1])
    except (ValueError, IndexError):
        return None


def _window_end(at: dt.datetime) -> dt.datetime:
    at = at.astimezone(dt.UTC)
    start = at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)
    return start + dt.timedelta(seconds=WINDOW_S)


def _day_end(at: dt.datetime) -> dt.datetime:
    at = at.astimezone(dt.UTC)
    return dt.datetime.combine(at.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def record_usage(api_url: str, headers: httpx.Headers, now: dt.datetime) -> None:
    """Keep the tighter of the overall and the read limits Strava reported."""
    best: Usage | None = None
    for prefix in ("X-RateLimit", "X-ReadRateLimit"):
        limits, used = _pair(headers.get(f"{prefix}-Limit")), _pair(headers.get(f"{prefix}-Usage"))
        if limits is None or used is None:
            continue
        usage = Usage(limits[0], limits[1], used[0], used[1], now)
        if best is None or _tightness(usage) > _tightness(best):
            best = usage
    if best is not None:
        _usage[api_url] = best


def _tightness(usage: Usage) -> float:
    return max(usage.used_15 / max(usage.limit_15, 1), usage.used_day / max(usage.limit_day, 1))


def limit_reached(api_url: str, now: dt.datetime) -> RateLimited | None:
    """The error to raise instead of asking, when the next request would go over a limit."""
    usage = _usage.get(api_url)
    if usage is None:
        return None
    if now < _day_end(usage.seen_at) and usage.used_day >= usage.limit_day:
        reset = _day_end(usage.seen_at)
        return RateLimited(
            f"Strava's daily request limit for this coach is used up ({usage.used_day} of {usage.limit_day}); "
            f"I'll carry on after midnight UTC. What I imported so far is kept.",
            (reset - now).total_seconds(),
        )
    if now < _window_end(usage.seen_at) and usage.used_15 >= usage.limit_15:
        reset = _window_end(usage.seen_at)
        return RateLimited(
            f"Strava's 15-minute request limit for this coach is used up ({usage.used_15} of {usage.limit_15}); "
            f"I'll carry on after {reset:%H:%M} UTC. What I imported so far is kept.",
            (reset - now).total_seconds(),
        )
    return None


def forget_usage(api_url: str | None = None) -> None:
    if api_url is None:
        _usage.clear()
    else:
        _usage.pop(api_url, None)


# ---------------------------------------------------------------------- the client


class StravaClient:
    """Strava for one athlete (``access_token``) or for the application alone (OAuth calls)."""

    def __init__(self, config: StravaConfig, now: Now, *, access_token: str | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self.api_url = config.api_url.rstrip("/")
        self._now = now
        headers = {"Accept": "application/json"}
        if access_token:
            headers["Authorization"] = f"Bearer {access_token}"
        self._http = httpx.AsyncClient(base_url=self.api_url, timeout=REQUEST_TIMEOUT_S, transport=transport,
                                       headers=headers)
        self.requests = 0

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> StravaClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def _send(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                    form: dict[str, str] | None = None) -> httpx.Response:
        blocked = limit_reached(self.api_url, self._now())
        if blocked is not None:
            raise blocked
        self.requests += 1
        try:
            response = await self._http.request(method, path, params=params, data=form)
        except httpx.TimeoutException as error:
            raise ServiceError(f"{PROVIDER_NAME} did not answer in time.") from error
        except httpx.TransportError as error:
            raise ServiceError(f"I couldn't reach {PROVIDER_NAME} ({type(error).__name__}).") from error
        record_usage(self.api_url, response.headers, self._now())
        if response.status_code == 429:
            blocked = limit_reached(self.api_url, self._now())
            reset = _window_end(self._now())
            raise blocked or RateLimited(
                f"Strava says this coach has made too many requests; I'll carry on after {reset:%H:%M} UTC. "
                "What I imported so far is kept.", (reset - self._now()).total_seconds())
        return response

    async def _json(self, method: str, path: str, *, params: dict[str, Any] | None = None) -> Any:
        response = await self._send(method, path, params=params)
        status = response.status_code
        if status == 401:
            raise Unauthorized(f"{PROVIDER_NAME} no longer accepts my access (it was revoked or expired): "
                               "connect again with /connect strava.")
        if status == 404:
            return None
        if status >= 400:
            raise ServiceError(f"{PROVIDER_NAME} answered {status}.")
        try:
            return response.json()
        except ValueError as error:
            raise ServiceError(f"{PROVIDER_NAME} sent something that isn't JSON.") from error

    # ------------------------------------------------------------------ OAuth

    async def _token(self, form: dict[str, str], *, refused: str) -> tuple[Tokens, dict[str, Any]]:
        response = await self._send("POST", "/oauth/token", form={
            "client_id": self.config.client_id or "", "client_secret": self.config.client_secret or "", **form})
        if response.status_code in (400, 401, 403):
            raise BadCredentials(refused) if form.get("grant_type") == "authorization_code" else Unauthorized(refused)
        if response.status_code >= 400:
            raise ServiceError(f"{PROVIDER_NAME} answered {response.status_code} when I asked for access.")
        try:
            data = response.json()
            tokens = Tokens(str(data["access_token"]), str(data["refresh_token"]), int(data["expires_at"]))
        except (ValueError, KeyError, TypeError) as error:
            raise ServiceError(f"{PROVIDER_NAME} sent an access answer I can't read.") from error
        athlete = data.get("athlete")
        return tokens, athlete if isinstance(athlete, dict) else {}

    async def exchange(self, code: str) -> tuple[Tokens, dict[str, Any]]:
        """The authorisation code for tokens and the athlete (``BadCredentials`` when refused)."""
        return await self._token({"code": code, "grant_type": "authorization_code"}, refused=(
            "Strava didn't accept that code (a code works once and only for a few minutes): "
            "send /connect strava for a new link."))

    async def refresh(self, tokens: Tokens) -> Tokens:
        fresh, _ = await self._token({"refresh_token": tokens.refresh_token, "grant_type": "refresh_token"}, refused=(
            f"{PROVIDER_NAME} no longer accepts my access (you may have revoked it): connect again with /connect strava."))
        return Tokens(fresh.access_token, fresh.refresh_token, fresh.expires_at, tokens.scope)

    async def deauthorize(self, access_token: str) -> None:
        """Revoke the athlete's tokens at Strava (best effort: a failure is logged, not raised)."""
        try:
            response = await self._send("POST", "/oauth/deauthorize", form={"access_token": access_token})
        except (ServiceError, RateLimited) as error:
            log.info("Strava deauthorize failed: %s", error)
            return
        if response.status_code >= 400:
            log.info("Strava deauthorize answered %s", response.status_code)

    # ------------------------------------------------------------------ reading

    async def athlete(self) -> dict[str, Any]:
        data = await self._json("GET", "/api/v3/athlete")
        return data if isinstance(data, dict) else {}

    async def activity_pages(self, after: dt.datetime) -> Any:
        """Pages of summary activities started after ``after``, oldest first (an async iterator)."""
        for page in range(1, MAX_PAGES + 1):
            params = {"after": int(after.timestamp()), "page": page, "per_page": PER_PAGE}
            data = await self._json("GET", "/api/v3/athlete/activities", params=params)
            if not isinstance(data, list):
                raise ServiceError(f"{PROVIDER_NAME} sent an activity list I can't read.")
            items = [a for a in data if isinstance(a, dict) and a.get("id") is not None]
            if items:
                yield items
            if len(data) < PER_PAGE:
                return

    async def activity(self, activity_id: str) -> dict[str, Any] | None:
        """One activity in detail; None when Strava has no such activity (deleted, or not this athlete's)."""
        data = await self._json("GET", f"/api/v3/activities/{int(activity_id)}")
        return data if isinstance(data, dict) else None

    async def streams(self, activity_id: str) -> dict[str, list[Any]]:
        """The activity's streams by type (``time``, ``heartrate``...): lists of samples."""
        params = {"keys": ",".join(STREAM_KEYS), "key_by_type": "true"}
        data = await self._json("GET", f"/api/v3/activities/{int(activity_id)}/streams", params=params)
        found: dict[str, list[Any]] = {}
        entries: list[tuple[str, Any]] = []
        if isinstance(data, dict):
            entries = list(data.items())
        elif isinstance(data, list):  # without key_by_type: a list of {"type": ..., "data": [...]}
            entries = [(str(d.get("type")), d) for d in data if isinstance(d, dict)]
        for kind, stream in entries:
            samples = stream.get("data") if isinstance(stream, dict) else None
            if isinstance(samples, list):
                found[kind] = samples
        return found
