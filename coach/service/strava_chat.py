"""Chat side of Strava (reached through ``coach/service/connections.py``'s ``/connect``,
``/disconnect`` and ``/sync``).

``/connect strava`` answers the authorisation link (its ``state`` names this athlete). When the
Mini App server is public (``WEBAPP_URL``) Strava sends the athlete back there and that is all;
otherwise Strava's page ends on an address that doesn't load, which the athlete pastes here as
``/connect strava ADDRESS`` (or just the code). That line is stored as ``/connect strava (id and
key hidden)`` and deleted from the Telegram chat, as the Intervals.icu key is.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from coach.service.types import Reply

if TYPE_CHECKING:
    # coach.connect's sync takes a CoachService; Service (coach/service/protocol.py) once it takes that
    from coach.service.context import Ctx
    from coach.service.service import CoachService

log = logging.getLogger(__name__)

NOT_SET_UP = "Strava isn't set up on this coach yet (it needs a Strava API application); tell whoever runs me."


async def connect(service: CoachService, ctx: Ctx, rest: str) -> list[Reply]:
    from coach.connect.config import config_for
    from coach.connect.errors import ConnectError
    from coach.connect.secrets import BadSecretKey
    from coach.connect.strava import PROVIDER_NAME, authorize_url, make_state, read_returned
    from coach.connect.strava_sync import exchange, save_connection, strava_name

    try:
        config = config_for(service)
    except BadSecretKey as error:
        log.error("connections are off: %s", error)
        return [Reply("I can't store access safely right now (the server's secret key is misconfigured); "
                      "nothing was saved. Tell whoever runs me.")]
    if not config.strava.configured:
        return [Reply(NOT_SET_UP)]
    now = service.clock.now()
    if not rest.strip():
        link = authorize_url(config.strava, make_state(config.box, ctx.athlete.id, now))
        if config.strava.redirect_url:
            how = "Open this link and press Authorize; Strava brings you back and I'll tell you here when it's done."
        else:
            how = ("Open this link and press Authorize. Strava then sends you to a page that won't load: copy its "
                   "whole address and send it here as /connect strava ADDRESS.")
        return [Reply(f"{how}\n{link}\nThe link is yours alone and works for a day. I only ask to read your activities.")]
    try:
        returned = read_returned(rest)
        tokens, who = await exchange(config, returned, ctx.athlete.id, now)
        await save_connection(ctx.session, ctx.athlete, tokens, who, config.box)
    except ConnectError as error:
        return [Reply(f"{error} Nothing was saved." if "saved" not in str(error) else str(error))]
    return [Reply(
        f"Connected to {PROVIDER_NAME} as {strava_name(who)}. Within a minute I'll bring in your last year of "
        "activities, and new ones as you save them; send /sync to do it now.\n"
        "Your access is stored encrypted and I won't show it again."
    )]


async def disconnect(service: CoachService, ctx: Ctx) -> list[Reply] | None:
    """None when the athlete wasn't connected to Strava."""
    from coach.connect.config import config_for
    from coach.connect.strava_sync import disconnect as forget
    from coach.connect.sync import OpenSession

    if not await forget(config_for(service), OpenSession(ctx.session), ctx.athlete.id, service.clock.now()):
        return None
    return [Reply("Disconnected from Strava: I've forgotten my access and asked Strava to revoke it. "
                  "What I imported stays here.")]


async def is_connected(ctx: Ctx) -> bool:
    from coach.connect.strava_sync import connection_of

    return await connection_of(ctx.session, ctx.athlete.id) is not None


async def sync(service: CoachService, ctx: Ctx) -> list[str]:
    from coach.connect.config import config_for
    from coach.connect.errors import ConnectError
    from coach.connect.strava_sync import sync_athlete
    from coach.connect.sync import OpenSession

    try:
        report = await sync_athlete(service, OpenSession(ctx.session), ctx.athlete.id, config_for(service))
    except ConnectError as error:
        return [str(error)]
    return report.lines()
