"""``coach connect strava`` / ``coach disconnect strava`` and Strava's part of ``coach sync``
(called from ``coach/cli_connect.py``)."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from coach.connect.config import ConnectConfig


def connect(settings: Any, config: ConnectConfig, athlete: str, code: str | None) -> int:
    from coach.cli import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, _error, _with_service
    from coach.connect.errors import BadCredentials, ConnectError
    from coach.connect.strava import authorize_url, make_state, read_returned
    from coach.connect.strava_sync import exchange, save_connection, strava_name
    from coach.service.service import UserError
    from coach.store import repo

    if not config.strava.configured:
        _error("Strava isn't set up: set STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET (https://www.strava.com/settings/api).")
        return EXIT_BAD_INPUT
    if code == "-":
        code = sys.stdin.readline()
    returned = None
    if code is not None:
        try:
            returned = read_returned(code)
        except BadCredentials as error:
            _error(str(error))
            return EXIT_BAD_INPUT

    async def body(service: Any) -> int:
        now = service.clock.now()
        async with service.db.transaction() as s:
            row = await repo.athlete_by_name(s, athlete)
            if row is None:
                raise UserError(f"There is no athlete called {athlete!r}.")
            athlete_id = row.id
        if returned is None:
            print("Open this link, press Authorize, then run coach connect strava --athlete "
                  f"{athlete} --code 'ADDRESS' with the address Strava sent you to:\n"
                  f"{authorize_url(config.strava, make_state(config.box, athlete_id, now))}")
            return EXIT_OK
        try:
            tokens, who = await exchange(config, returned, athlete_id, now)  # no transaction open while we wait
            async with service.db.transaction() as s:
                row = await repo.athlete_by_name(s, athlete)
                if row is None:
                    raise UserError(f"There is no athlete called {athlete!r}.")
                await save_connection(s, row, tokens, who, config.box)
        except ConnectError as error:
            _error(f"not connected: {error}")
            return EXIT_FAILED
        print(f"Connected {athlete} to Strava as {strava_name(who)}; the access is stored encrypted. "
              f"Run: coach sync --athlete {athlete}")
        return EXIT_OK

    return asyncio.run(_with_service(settings, body))


def disconnect(settings: Any, config: ConnectConfig, athlete: str) -> int:
    from coach.cli import EXIT_FAILED, EXIT_OK, _error, _with_service
    from coach.connect.strava_sync import disconnect as forget
    from coach.service.service import UserError
    from coach.store import repo

    async def body(service: Any) -> int:
        async with service.db.transaction() as s:
            row = await repo.athlete_by_name(s, athlete)
            if row is None:
                raise UserError(f"There is no athlete called {athlete!r}.")
            athlete_id = row.id
        if not await forget(config, service.db, athlete_id, service.clock.now()):
            _error(f"{athlete} is not connected to Strava.")
            return EXIT_FAILED
        print(f"Disconnected {athlete} from Strava: the access is forgotten (and revoked); imported data stays.")
        return EXIT_OK

    return asyncio.run(_with_service(settings, body))


async def strava_sync(service: Any, config: ConnectConfig, athlete_id: int) -> Any:
    """The athlete's Strava import, or None when they aren't connected to Strava."""
    from coach.connect.strava_sync import connection_of, sync_athlete

    async with service.db.transaction() as s:
        if await connection_of(s, athlete_id) is None:
            return None
    return await sync_athlete(service, service.db, athlete_id, config)
