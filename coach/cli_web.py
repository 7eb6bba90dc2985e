"""``coach web``: serve the Mini App, or print a one-time login link for it (see CLI_AREAS in coach/cli.py).

    coach web [--host 127.0.0.1] [--port 8080]             serve the page and its API
    coach web --login --athlete A [--url URL]              a one-time link to A's calendar
    coach web --login --coach C [--url URL]                a one-time link to C's coach view
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

COMMANDS: frozenset[str] = frozenset({"web"})
"""The top-level commands this module owns."""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def add_parsers(sub: Any) -> None:
    """Add this area's subcommands to ``coach``'s subparsers."""
    web = sub.add_parser("web", help="serve the Mini App (calendar, coach view), or print a one-time login link")
    web.add_argument("--host", default=DEFAULT_HOST, help=f"listen address (default {DEFAULT_HOST})")
    web.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    web.add_argument("--login", action="store_true", help="print a one-time login link instead of serving (for use without Telegram)")
    web.add_argument("--athlete", help="with --login: whose calendar")
    web.add_argument("--coach", help="with --login: whose coach view")
    web.add_argument("--url", help="with --login: the page's address (default http://HOST:PORT/)")


def run(settings: Any, args: argparse.Namespace) -> int:
    from coach.cli import EXIT_BAD_INPUT

    if args.login:
        if bool(args.athlete) == bool(args.coach):
            _error("--login needs exactly one of --athlete NAME or --coach NAME.")
            return EXIT_BAD_INPUT
        return _login(settings, args)
    if args.athlete or args.coach:
        _error("--athlete and --coach go with --login.")
        return EXIT_BAD_INPUT
    if not 0 < args.port < 65536:
        _error(f"--port {args.port} is not a port (1-65535).")
        return EXIT_BAD_INPUT
    return _serve(settings, args.host, args.port)


def _error(message: str) -> None:
    import sys

    sys.stderr.write(f"coach: {message}\n")


def _login(settings: Any, args: argparse.Namespace) -> int:
    from coach.cli import EXIT_OK, _with_service
    from coach.web.views import LOGIN_LINK_TTL, issue_login

    base = (args.url or f"http://{args.host}:{args.port}/").rstrip("/") + "/"

    async def body(service: Any) -> int:
        token = await issue_login(service, athlete=args.athlete, coach=args.coach)
        minutes = int(LOGIN_LINK_TTL.total_seconds() // 60)
        print(f"{base}#login={token}")
        import sys

        sys.stderr.write(f"Open it once within {minutes} min (with coach web running); it signs that browser in for 7 days.\n")
        return EXIT_OK

    return int(asyncio.run(_with_service(settings, body)))


def _serve(settings: Any, host: str, port: int) -> int:
    from bot.runner import Lifetime, run_bounded
    from coach.cli import EXIT_FAILED, EXIT_OK, _with_service
    from coach.web.server import WebServer

    lifetime = Lifetime()
    token = None if settings.telegram_bot_token is None else settings.telegram_bot_token.get_secret_value()

    async def body(service: Any) -> int:
        stop = asyncio.Event()
        lifetime.on_stop(stop.set)
        server = WebServer(service, token, host, port)
        try:
            server.start()
        except OSError as error:
            _error(f"can't listen on {host}:{port}: {error.strerror}")
            return EXIT_FAILED
        print(f"Serving the Mini App on http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
        if token is None:
            print("No TELEGRAM_BOT_TOKEN: Telegram sign-in is off; use coach web --login --athlete NAME for a link.", flush=True)
        try:
            await stop.wait()
        finally:
            await server.stop()
        return EXIT_OK

    return run_bounded(_with_service(settings, body), lifetime)
