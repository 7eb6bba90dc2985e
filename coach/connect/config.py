"""Where connections find their settings: the Intervals.icu base URL and the secret box.

The CLI builds a :class:`ConnectConfig` from its ``Settings``; the bot and the chat commands use
the one registered for their service (``use``), else one built from the environment once. Tests
register their own (the fake server's URL, a key in a temporary folder), so nothing is patched.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from typing import Any

import httpx

from coach.connect.intervals import MAX_RATE_LIMIT_WAIT_S, IntervalsClient, Sleep
from coach.connect.secrets import SecretBox, secret_box
from coach.connect.strava import StravaClient, StravaConfig


@dataclass(frozen=True)
class ConnectConfig:
    intervals_api_url: str
    box: SecretBox
    max_rate_limit_wait_s: float = MAX_RATE_LIMIT_WAIT_S
    sleep: Sleep = asyncio.sleep
    transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False)
    strava: StravaConfig = field(default_factory=StravaConfig, repr=False)

    def intervals(self, athlete_id: str, api_key: str) -> IntervalsClient:
        return IntervalsClient(
            self.intervals_api_url, athlete_id, api_key, transport=self.transport,
            max_rate_limit_wait_s=self.max_rate_limit_wait_s, sleep=self.sleep,
        )

    def strava_client(self, now: Any, access_token: str | None = None) -> StravaClient:
        return StravaClient(self.strava, now, access_token=access_token, transport=self.transport)


def from_settings(settings: Any) -> ConnectConfig:
    """From ``coach.settings.Settings`` (``INTERVALS_API_URL``, ``COACH_SECRET_KEY``, ``COACH_DATA_DIR``,
    ``STRAVA_*``, ``WEBAPP_URL`` for Strava's callback)."""
    configured = settings.coach_secret_key.get_secret_value() if settings.coach_secret_key is not None else None
    return ConnectConfig(settings.intervals_api_url, secret_box(settings.coach_data_dir, configured),
                         strava=strava_from_settings(settings))


def strava_from_settings(settings: Any) -> StravaConfig:
    from coach.connect.strava import CALLBACK_PATH, DEFAULT_API_URL

    def secret(name: str) -> str | None:
        value = getattr(settings, name, None)
        return None if value is None else str(value.get_secret_value())

    webapp = getattr(settings, "webapp_url", None)
    return StravaConfig(
        client_id=getattr(settings, "strava_client_id", None), client_secret=secret("strava_client_secret"),
        api_url=getattr(settings, "strava_api_url", DEFAULT_API_URL), verify_token=secret("strava_verify_token"),
        redirect_url=f"{webapp.rstrip('/')}{CALLBACK_PATH}" if webapp else None,
    )


_registered: weakref.WeakKeyDictionary[Any, ConnectConfig] = weakref.WeakKeyDictionary()
_from_env: ConnectConfig | None = None


def use(service: Any, config: ConnectConfig) -> None:
    """Make ``config`` the one this service's chat commands and scheduled syncs use."""
    _registered[service] = config


def config_for(service: Any) -> ConnectConfig:
    global _from_env
    config = _registered.get(service)
    if config is not None:
        return config
    if _from_env is None:
        from coach.settings import Settings

        _from_env = from_settings(Settings.from_env())
    return _from_env
