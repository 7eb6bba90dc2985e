"""Logs never show secrets: the bot token, the API key, the webhook secret, the database password.

Every handler of the root logger gets its formatter wrapped: the finished line (message,
arguments and traceback included) has each secret replaced by ``***`` before it is written,
whoever logged it (our code, python-telegram-bot, httpx, whose request lines at DEBUG carry the
bot token in the URL). What athletes write stays out of logs above DEBUG: our own records never
carry it, and SQLAlchemy errors hide their parameters (``hide_parameters`` in
``coach.store.db.create_engine``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from sqlalchemy.engine import make_url

MASK = "***"
_MIN_SECRET_CHARS = 6  # a shorter "secret" would mask ordinary words


class RedactingFormatter(logging.Formatter):
    def __init__(self, inner: logging.Formatter | None, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner = inner if inner is not None else logging.Formatter()
        self.secrets = sorted({s for s in secrets if len(s) >= _MIN_SECRET_CHARS}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record), self.secrets)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def secrets_of(settings: object) -> list[str]:
    """The secret values in ``Settings`` (``SecretStr`` fields) and the database URL's password."""
    found: list[str] = []
    for name in ("telegram_bot_token", "anthropic_api_key", "telegram_webhook_secret", "coach_secret_key",
                 "strava_client_secret", "strava_verify_token"):
        value = getattr(settings, name, None)
        if value is not None:
            secret = value.get_secret_value()
            found.append(secret)
            _, _, after_colon = secret.partition(":")  # a bot token's secret part, alone
            if after_colon:
                found.append(after_colon)
    url = getattr(settings, "database_url", None)
    if url:
        password = make_url(url).password
        if password:
            found.append(str(password))
    return found


class CancelledRollback(logging.Filter):
    """Drops SQLAlchemy's pool error for a connection reset (rollback) cut short by a cancellation:
    at shutdown an update or a send is cancelled mid-transaction (by design: it stays in the inbox
    or the outbox), the connection is thrown away and the database rolls back what was not
    committed. Not an error for the operator, and a traceback in the log says otherwise."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("sqlalchemy.pool") or record.exc_info is None:
            return True
        return not isinstance(record.exc_info[1], asyncio.CancelledError)


def protect(secrets: Iterable[str], root: logging.Logger | None = None) -> None:
    """Wrap the formatter of every handler of ``root`` (idempotent; call again after adding one),
    and drop the pool's reports of rollbacks cut short by the shutdown (``CancelledRollback``)."""
    values = list(secrets)
    for handler in (root if root is not None else logging.getLogger()).handlers:
        if not isinstance(handler.formatter, RedactingFormatter):
            handler.setFormatter(RedactingFormatter(handler.formatter, values))
        if not any(isinstance(f, CancelledRollback) for f in handler.filters):
            handler.addFilter(CancelledRollback())
