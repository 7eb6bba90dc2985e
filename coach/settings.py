"""Settings: one pydantic-settings model, validated at start-up.

Every key is listed in ``.env.example``. Tests build ``Settings`` from an explicit
mapping (``Settings.from_env({...})``) so nothing needs monkeypatching.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com"
DEFAULT_COACH_MODEL = "claude-sonnet-4-5"
DEFAULT_INTERVALS_API_URL = "https://intervals.icu"
DEFAULT_STRAVA_API_URL = "https://www.strava.com"
DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "coach"


class Settings(BaseSettings):
    """The coach's configuration, read from the environment (and ``.env``)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(DEFAULT_TELEGRAM_API_URL, validation_alias="TELEGRAM_API_URL")
    telegram_webhook_url: str | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_SECRET")
    anthropic_api_key: SecretStr | None = Field(None, validation_alias="ANTHROPIC_API_KEY")
    anthropic_base_url: str = Field(DEFAULT_ANTHROPIC_BASE_URL, validation_alias="ANTHROPIC_BASE_URL")
    coach_model: str = Field(DEFAULT_COACH_MODEL, validation_alias="COACH_MODEL")
    coach_data_dir: Path = Field(DEFAULT_DATA_DIR, validation_alias="COACH_DATA_DIR")
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    broker_url: str | None = Field(None, validation_alias="BROKER_URL")  # the weekly batch's task queue (coach/batch/queue.py)
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    coach_today: dt.date | None = Field(None, validation_alias="COACH_TODAY")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field("INFO", validation_alias="LOG_LEVEL")
    webapp_url: str | None = Field(None, validation_alias="WEBAPP_URL")  # the Mini App's public HTTPS address (coach/web)
    webapp_listen: str = Field("127.0.0.1:8080", validation_alias="WEBAPP_LISTEN")  # where coach run serves it (behind the HTTPS proxy)
    intervals_api_url: str = Field(DEFAULT_INTERVALS_API_URL, validation_alias="INTERVALS_API_URL")
    coach_secret_key: SecretStr | None = Field(None, validation_alias="COACH_SECRET_KEY")
    """Encrypts connection keys at rest (a Fernet key); absent: generated into the data folder (coach/connect/secrets.py)."""
    strava_client_id: str | None = Field(None, validation_alias="STRAVA_CLIENT_ID")  # the Strava API application (coach/connect/strava.py)
    strava_client_secret: SecretStr | None = Field(None, validation_alias="STRAVA_CLIENT_SECRET")
    strava_api_url: str = Field(DEFAULT_STRAVA_API_URL, validation_alias="STRAVA_API_URL")
    strava_verify_token: SecretStr | None = Field(None, validation_alias="STRAVA_VERIFY_TOKEN")  # the webhook subscription's verify token

    @field_validator("telegram_api_url", "anthropic_base_url", "intervals_api_url", "strava_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("telegram_bot_token", "anthropic_api_key", "database_url", "coach_today", "coach_secret_key", "broker_url", "redis_url",
                     "strava_client_id", "strava_client_secret", "strava_verify_token", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def resolved_database_url(self) -> str:
        """The database URL; by default an SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.coach_data_dir / 'coach.db'}"

    @property
    def memory_dir(self) -> Path:
        return self.coach_data_dir / "memory"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from an explicit environment (tests) or ``os.environ``."""
        source = dict(os.environ if env is None else env)
        aliases = {
            "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET",
            "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "COACH_MODEL", "COACH_DATA_DIR", "DATABASE_URL",
            "COACH_TODAY", "LOG_LEVEL", "INTERVALS_API_URL", "COACH_SECRET_KEY", "BROKER_URL", "REDIS_URL", "WEBAPP_URL", "WEBAPP_LISTEN",
            "STRAVA_CLIENT_ID", "STRAVA_CLIENT_SECRET", "STRAVA_API_URL", "STRAVA_VERIFY_TOKEN",
        }
        values = {key: value for key, value in source.items() if key in aliases}
        if env is not None:
            # An explicit environment is the whole truth: no .env file, no os.environ.
            return cls.model_validate(values)
        return cls()
