"""One exception per way a connection fails; every message is a sentence for the athlete and never
holds the key."""

from __future__ import annotations


class ConnectError(Exception):
    """A connection could not do what was asked."""


class BadCredentials(ConnectError):
    """What was typed is not an athlete id and an API key (caught before anything is stored)."""


class Unauthorized(ConnectError):
    """The service refused the key (401/403): the athlete must reconnect."""


class RateLimited(ConnectError):
    """The service said 429 and asked for a longer wait than we keep a sync waiting."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ServiceError(ConnectError):
    """The service answered with an error, or did not answer (timeout, connection refused)."""


class NotConnected(ConnectError):
    """The athlete has no connection to that service."""


class SecretUnreadable(ConnectError):
    """The stored key can't be decrypted (COACH_SECRET_KEY changed or lost): reconnect."""
