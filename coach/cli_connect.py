"""Commands of the connections area (see CLI_AREAS in coach/cli.py).

    coach connect intervals --athlete A --intervals-id ID --api-key KEY   (KEY "-": read from stdin)
    coach connect strava --athlete A [--code CODE_OR_ADDRESS]             (no --code: prints the link)
    coach disconnect intervals|strava --athlete A
    coach sync --athlete A [--pull] [--push] [--json]                     (Strava: imports, with --pull)

Exit codes: 0 done, 1 failed (refused key, service down, part of a sync failed), 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

COMMANDS: frozenset[str] = frozenset({"connect", "disconnect", "sync"})
"""The top-level commands this module owns."""


def add_parsers(sub: Any) -> None:
    """Add this area's subcommands to ``coach``'s subparsers."""
    connect = sub.add_parser("connect", help="connect an athlete to Intervals.icu or Strava (stored encrypted)")
    connect.add_argument("provider", choices=["intervals", "strava"])
    connect.add_argument("--athlete", required=True)
    connect.add_argument("--intervals-id", help="Intervals.icu: the athlete id (i123456; 0 = the key's own)")
    connect.add_argument("--api-key", help="Intervals.icu: the API key (Settings → Developer); '-' reads it from stdin")
    connect.add_argument("--code", help="Strava: the code, or the whole address Strava sent you to ('-': stdin); "
                         "without it the authorisation link is printed")
    disconnect = sub.add_parser("disconnect", help="forget an athlete's Intervals.icu key or Strava access")
    disconnect.add_argument("provider", choices=["intervals", "strava"])
    disconnect.add_argument("--athlete", required=True)
    sync = sub.add_parser("sync", help="pull activities, wellness and calendar from Intervals.icu and push the plan")
    sync.add_argument("--athlete", required=True)
    sync.add_argument("--pull", action="store_true", help="only pull (default: pull and push)")
    sync.add_argument("--push", action="store_true", help="only push (default: pull and push)")
    sync.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(settings: Any, args: argparse.Namespace) -> int:
    from coach.cli import EXIT_BAD_INPUT, _error
    from coach.connect.config import from_settings
    from coach.connect.secrets import BadSecretKey

    try:
        config = from_settings(settings)
    except BadSecretKey as error:
        _error(f"bad configuration: {error}")
        return EXIT_BAD_INPUT
    if args.command == "connect" and args.provider == "strava":
        from coach.connect.strava_cli import connect

        return connect(settings, config, args.athlete, args.code)
    if args.command == "connect":
        if not args.intervals_id or not args.api_key:
            _error("coach connect intervals needs --intervals-id and --api-key.")
            return EXIT_BAD_INPUT
        return _connect(settings, config, args.athlete, args.intervals_id, args.api_key)
    if args.command == "disconnect" and args.provider == "strava":
        from coach.connect.strava_cli import disconnect

        return disconnect(settings, config, args.athlete)
    if args.command == "disconnect":
        return _disconnect(settings, args.athlete)
    pull, push = (args.pull, args.push) if args.pull or args.push else (True, True)
    return _sync(settings, config, args.athlete, pull=pull, push=push, as_json=args.json)


def _connect(settings: Any, config: Any, athlete: str, intervals_id: str, api_key: str) -> int:
    from coach.cli import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, _error, _with_service
    from coach.connect.errors import BadCredentials, ConnectError
    from coach.connect.intervals import PROVIDER_NAME, check_credentials
    from coach.connect.sync import save_connection, verify
    from coach.service.service import UserError
    from coach.store import repo

    if api_key == "-":
        api_key = sys.stdin.readline()
    try:
        intervals_id, api_key = check_credentials(intervals_id, api_key)
    except BadCredentials as error:
        _error(str(error))
        return EXIT_BAD_INPUT

    async def body(service: Any) -> int:
        async with service.db.transaction() as s:
            if await repo.athlete_by_name(s, athlete) is None:
                raise UserError(f"There is no athlete called {athlete!r}.")
        try:
            name = await verify(config, intervals_id, api_key)  # no transaction open while we wait
        except ConnectError as error:
            _error(f"not connected: {error}")
            return EXIT_FAILED
        async with service.db.transaction() as s:
            row = await repo.athlete_by_name(s, athlete)
            if row is None:
                raise UserError(f"There is no athlete called {athlete!r}.")
            await save_connection(s, row, intervals_id, api_key, config.box)
        print(f"Connected {athlete} to {PROVIDER_NAME} as {name} ({intervals_id}); the key is stored encrypted. "
              f"Run: coach sync --athlete {athlete}")
        return EXIT_OK

    return asyncio.run(_with_service(settings, body))


def _disconnect(settings: Any, athlete: str) -> int:
    from coach.cli import EXIT_FAILED, EXIT_OK, _error, _with_service
    from coach.connect.sync import forget_connection
    from coach.service.service import UserError
    from coach.store import repo

    async def body(service: Any) -> int:
        async with service.db.transaction() as s:
            row = await repo.athlete_by_name(s, athlete)
            if row is None:
                raise UserError(f"There is no athlete called {athlete!r}.")
            if not await forget_connection(s, row):
                _error(f"{athlete} is not connected to Intervals.icu.")
                return EXIT_FAILED
        print(f"Disconnected {athlete} from Intervals.icu: the key is forgotten; imported data stays.")
        return EXIT_OK

    return asyncio.run(_with_service(settings, body))


def _sync(settings: Any, config: Any, athlete: str, *, pull: bool, push: bool, as_json: bool) -> int:
    from coach.cli import EXIT_FAILED, EXIT_OK, _error, _with_service
    from coach.connect.errors import ConnectError
    from coach.connect.strava_cli import strava_sync
    from coach.connect.sync import sync_athlete
    from coach.service.service import UserError
    from coach.store import repo

    async def body(service: Any) -> int:
        async with service.db.transaction() as s:
            row = await repo.athlete_by_name(s, athlete)
            if row is None:
                raise UserError(f"There is no athlete called {athlete!r}.")
            athlete_id = row.id
        strava = await strava_sync(service, config, athlete_id) if pull else None
        try:
            report = await sync_athlete(service, service.db, athlete_id, config, pull=pull, push=push)
        except ConnectError as error:
            if strava is None:
                _error(str(error))
                return EXIT_FAILED
            if as_json:
                print(json.dumps({"athlete": athlete, **strava.document()}, indent=2, ensure_ascii=False))
            else:
                print("\n".join(strava.lines()))
            return EXIT_OK if strava.ok else EXIT_FAILED
        extra = {} if strava is None else {"strava": strava.document()}
        if as_json:
            print(json.dumps({"athlete": athlete, **report.document(), **extra}, indent=2, ensure_ascii=False))
        else:
            print("\n".join([*report.lines(), *([] if strava is None else strava.lines())]))
        return EXIT_OK if report.ok and (strava is None or strava.ok) else EXIT_FAILED

    return asyncio.run(_with_service(settings, body))
