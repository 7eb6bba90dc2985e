"""Chat side of the connections area (see coach/service/extensions.py): ``/connect``,
``/disconnect``, ``/sync``.

``/connect intervals ATHLETE_ID API_KEY`` checks the key with Intervals.icu, stores it encrypted
(``coach/connect/secrets.py``) and says so without ever repeating it. The line is stored in the
chat history as ``/connect intervals (id and key hidden)`` (``redact``), the inbox copy of the
Telegram update is scrubbed in the same transaction, and the Telegram transport deletes the
message from the chat.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import TYPE_CHECKING

from coach.service.extensions import Extension
from coach.service.types import Reply

if TYPE_CHECKING:
    # coach.connect's sync takes a CoachService; Service (coach/service/protocol.py) once it takes that
    from coach.service.context import Ctx
    from coach.service.service import CoachService

log = logging.getLogger(__name__)

PROVIDERS = {"intervals": "intervals", "intervals.icu": "intervals", "icu": "intervals", "strava": "strava"}
CONNECT_USAGE = (
    "To connect Intervals.icu, send: /connect intervals ATHLETE_ID API_KEY\n"
    "Both are in Intervals.icu → Settings → Developer (the athlete id looks like i123456). "
    "I store the key encrypted, never show it back, and delete your message once I've read it.\n"
    "To connect Strava, send: /connect strava"
)
CHAT_MAX_RATE_LIMIT_WAIT_S = 10.0
"""A chat /sync waits at most this long on 429s (it holds the chat's turn); the schedule catches up."""
HIDDEN = "(id and key hidden)"


def redact(command: str, args: str) -> str | None:
    """The stored chat line for ``/connect``: only a known provider name stays, never the id or key."""
    if command != "connect":
        return None
    words = args.split()
    if len(words) <= 1:
        return None
    provider = words[0] if words[0].lower() in PROVIDERS else ""
    return " ".join(part for part in ("/connect", provider, HIDDEN) if part)


async def on_command(service: CoachService, ctx: Ctx, command: str, args: str) -> list[Reply]:
    if command == "connect":
        return await _connect(service, ctx, args)
    if command == "disconnect":
        return await _disconnect(service, ctx, args)
    return await _sync(service, ctx, args)


async def _scrub_inbox(ctx: Ctx, secret: str) -> None:
    """The Telegram update holding the key was stored before it was handled (exactly once): keep
    the update, lose the key."""
    from sqlalchemy import select

    from coach.logsafe import MASK
    from coach.store import models as m

    if ctx.athlete.telegram_user_id is None:
        return
    rows = (await ctx.session.execute(
        select(m.InboxUpdate).where(m.InboxUpdate.user_id == ctx.athlete.telegram_user_id, m.InboxUpdate.processed_at.is_(None))
    )).scalars()
    for row in rows:
        text = json.dumps(row.payload)
        if secret in text:
            row.payload = json.loads(text.replace(secret, MASK))


async def _connect(service: CoachService, ctx: Ctx, args: str) -> list[Reply]:
    from coach.connect.config import config_for
    from coach.connect.errors import ConnectError
    from coach.connect.intervals import PROVIDER_NAME, check_credentials
    from coach.connect.secrets import BadSecretKey
    from coach.connect.sync import save_connection, verify

    words = args.split()
    if words and words[0].lower() == "strava":
        from coach.service import strava_chat

        for word in words[1:]:
            await _scrub_inbox(ctx, word)
        return await strava_chat.connect(service, ctx, args.strip()[len(words[0]):])
    if len(words) != 3 or words[0].lower() not in PROVIDERS:
        for word in words[1:]:
            await _scrub_inbox(ctx, word)
        return [Reply(CONNECT_USAGE)]
    await _scrub_inbox(ctx, words[2])
    try:
        athlete_id, api_key = check_credentials(words[1], words[2])
        config = config_for(service)
    except ConnectError as error:
        return [Reply(f"{error} Nothing was saved.")]
    except BadSecretKey as error:
        log.error("connections are off: %s", error)
        return [Reply("I can't store keys safely right now (the server's secret key is misconfigured); "
                      "nothing was saved. Tell whoever runs me.")]
    try:
        name = await verify(dataclasses.replace(config, max_rate_limit_wait_s=CHAT_MAX_RATE_LIMIT_WAIT_S), athlete_id, api_key)
    except ConnectError as error:
        return [Reply(f"{error} Nothing was saved.")]
    await save_connection(ctx.session, ctx.athlete, athlete_id, api_key, config.box)
    return [Reply(
        f"Connected to {PROVIDER_NAME} as {name}. Within a minute I'll bring in your last year of activities, "
        "your wellness (resting HR, HRV, sleep) and calendar, and put your plan's workouts in your calendar; "
        "send /sync to do it now.\n"
        "Your key is stored encrypted and I won't show it again. If your message with the key is still in "
        "this chat, delete it."
    )]


async def _disconnect(service: CoachService, ctx: Ctx, args: str) -> list[Reply]:
    from coach.connect.intervals import PROVIDER_NAME
    from coach.connect.sync import forget_connection
    from coach.service import strava_chat

    words = args.split()
    if words and words[0].lower() not in PROVIDERS:
        return [Reply("I can disconnect Intervals.icu or Strava: /disconnect intervals, /disconnect strava")]
    if (words and words[0].lower() == "strava") or (not words and await strava_chat.is_connected(ctx)):
        strava = await strava_chat.disconnect(service, ctx)
        if words:
            return strava or [Reply("You're not connected to Strava.")]
        if not await forget_connection(ctx.session, ctx.athlete):
            return strava or []
        return [*(strava or []), *await _disconnect(service, ctx, "intervals")]
    if not await forget_connection(ctx.session, ctx.athlete):
        return [Reply(f"You're not connected to {PROVIDER_NAME}.")]
    return [Reply(
        f"Disconnected from {PROVIDER_NAME}: I've forgotten your key. What I imported stays here, and the "
        "workouts I put in your calendar stay there (delete them in Intervals.icu if you like)."
    )]


async def _sync(service: CoachService, ctx: Ctx, args: str) -> list[Reply]:
    from coach.connect.config import config_for
    from coach.connect.errors import ConnectError
    from coach.connect.secrets import BadSecretKey
    from coach.connect.sync import OpenSession, sync_athlete

    word = args.strip().lower()
    if word not in ("", "pull", "push"):
        return [Reply("Send /sync, /sync pull or /sync push.")]
    try:
        config = dataclasses.replace(config_for(service), max_rate_limit_wait_s=CHAT_MAX_RATE_LIMIT_WAIT_S)
    except BadSecretKey as error:
        log.error("connections are off: %s", error)
        return [Reply("Syncing is off right now (the server's secret key is misconfigured). Tell whoever runs me.")]
    from coach.service import strava_chat

    strava = await strava_chat.sync(service, ctx) if word != "push" and await strava_chat.is_connected(ctx) else []
    try:
        report = await sync_athlete(service, OpenSession(ctx.session), ctx.athlete.id, config,
                                    pull=word in ("", "pull"), push=word in ("", "push"))
    except ConnectError as error:
        return [Reply("\n".join(strava) if strava else str(error))]
    return [Reply("\n".join([*report.lines(), *strava]) or "Nothing to sync.")]


EXTENSION = Extension(
    name="connections",
    commands={
        "connect": "connect Intervals.icu (/connect intervals ATHLETE_ID API_KEY) or Strava (/connect strava)",
        "disconnect": "forget your Intervals.icu key or Strava access: /disconnect [intervals|strava]",
        "sync": "sync with Intervals.icu and Strava now (activities and wellness in, your plan out)",
    },
    on_command=on_command,
    redact=redact,
)
