"""Who is asking: Telegram's signed ``initData``, or a session from a one-time login link.

Telegram passes a Mini App its launch parameters in the URL fragment (``#tgWebAppData=...``);
the page sends that ``initData`` string with every request and the server checks it as
Telegram documents in "Validating data received via the Mini App"
(https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):

    data_check_string = every received field but ``hash``, as ``key=value``, sorted by key,
                        joined with "\\n" (values URL-decoded)
    secret_key        = HMAC_SHA256(key="WebAppData", msg=bot_token)
    hash              = hex(HMAC_SHA256(key=secret_key, msg=data_check_string))

and ``auth_date`` (Unix seconds) must be recent: a copied link stops working after
``MAX_INIT_DATA_AGE_S``. Pure functions; the clock is an argument.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

MAX_INIT_DATA_AGE_S = 24 * 3600
"""How old a launch may be. Telegram leaves the limit to the app; a day covers a Mini App left
open on a phone, and a stolen ``initData`` is useless after it."""
MAX_CLOCK_SKEW_S = 300
"""An ``auth_date`` this far in the future is still accepted (the two clocks differ a little)."""
MAX_INIT_DATA_CHARS = 8192
"""initData is a few hundred characters; anything far longer is not one."""


class AuthError(Exception):
    """The request does not prove who sent it (forged, stale, malformed): 401."""


@dataclass(frozen=True)
class TelegramUser:
    id: int
    first_name: str
    auth_date: int


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """An ``initData`` string signed like Telegram does (for tests and local tools)."""
    digest = hmac.new(secret_key(bot_token), _data_check_string(fields).encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def init_data_for(user_id: int, first_name: str, bot_token: str, now: dt.datetime) -> str:
    """A signed ``initData`` for one user at ``now``: what Telegram would hand the page."""
    user = json.dumps({"id": user_id, "first_name": first_name}, separators=(",", ":"))
    return sign_init_data({"auth_date": str(int(now.timestamp())), "query_id": f"q{user_id}", "user": user}, bot_token)


def verify_init_data(init_data: str, bot_token: str, now: dt.datetime, max_age_s: int = MAX_INIT_DATA_AGE_S) -> TelegramUser:
    """The Telegram user ``init_data`` was signed for, or ``AuthError``."""
    if not bot_token:
        raise AuthError("Telegram sign-in is off (no TELEGRAM_BOT_TOKEN)")
    if not init_data or len(init_data) > MAX_INIT_DATA_CHARS:
        raise AuthError("no initData")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise AuthError("initData is not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise AuthError("initData repeats a field")
    given = fields.get("hash", "")
    expected = hmac.new(secret_key(bot_token), _data_check_string(fields).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise AuthError("initData signature does not match")
    try:
        auth_date = int(fields["auth_date"])
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise AuthError("initData has no user or auth_date") from None
    age = now.timestamp() - auth_date
    if age > max_age_s or age < -MAX_CLOCK_SKEW_S:
        raise AuthError("initData is too old")
    return TelegramUser(id=user_id, first_name=str(user.get("first_name", "")), auth_date=auth_date)
