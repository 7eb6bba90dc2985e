"""The ``coach`` command line (public contract: documented in README.md, kept stable).

    coach run [--webhook]                    Telegram bot (needs TELEGRAM_BOT_TOKEN)
    coach chat [--athlete NAME]              terminal chat with the same service
    coach athlete add NAME --profile FILE    create an athlete and their first plan
    coach show --athlete NAME [--json]       what the coach holds about an athlete
    coach coach add NAME [--athlete A]...    create a human coach and link athletes
    coach override --coach C --athlete A --date D KEY=VALUE... --reason R
                                             a coach changes a session (validated, audited)
    coach db upgrade                         migrate the database to the newest schema
    coach db backup FILE                     a consistent copy of the database, safe while it runs
    coach plan --profile FILE [--json]       build a plan from a profile document
    coach schema profile|plan                print a JSON Schema
    coach import FILE... [--json] [--athlete NAME]
                                             import activity files (and store them for an athlete)
    coach history FILE... [--sport run]      a profile's history block from recordings
    coach paces --distance 10k --time 48:30  VDOT, race equivalents and training paces

Exit codes: 0 success, 1 the operation failed, 2 bad input or configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from coach.settings import Settings

log = logging.getLogger("coach")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coach", description="An AI training coach you talk to on Telegram or in the terminal.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the Telegram bot")
    run.add_argument("--webhook", action="store_true", help="receive updates by webhook (TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET)")
    run.add_argument("--listen", default="0.0.0.0", help="webhook listen address")
    run.add_argument("--port", type=int, default=8443, help="webhook port")

    chat = sub.add_parser("chat", help="talk to the coach in the terminal (stdin/stdout)")
    chat.add_argument("--athlete", default="me", help="athlete name (default: me)")

    athlete = sub.add_parser("athlete", help="manage athletes")
    athlete_sub = athlete.add_subparsers(dest="athlete_command", required=True, metavar="ACTION")
    add = athlete_sub.add_parser("add", help="create an athlete and their first plan from a profile document")
    add.add_argument("name")
    add.add_argument("--profile", required=True, help="profile JSON file ('-' for stdin)")
    add.add_argument("--telegram-id", type=int, help="link the athlete's Telegram user id (the bot and the Mini App know them)")

    coach_cmd = sub.add_parser("coach", help="manage human coaches")
    coach_sub = coach_cmd.add_subparsers(dest="coach_command", required=True, metavar="ACTION")
    coach_add = coach_sub.add_parser("add", help="create a coach (or add athletes to one)")
    coach_add.add_argument("name")
    coach_add.add_argument("--athlete", action="append", default=[], help="link an athlete (repeatable)")
    coach_add.add_argument("--telegram-id", type=int, help="the coach's Telegram user id")
    coach_add.add_argument("--review", action=argparse.BooleanOptionalAction, default=None,
                           help="review these athletes' weekly plans before they see them (in the coach's group)")

    override = sub.add_parser("override", help="a coach changes one planned session (validated, audited)")
    override.add_argument("--coach", required=True)
    override.add_argument("--athlete", required=True)
    override.add_argument("--date", required=True, help="YYYY-MM-DD")
    override.add_argument("set", nargs="+", metavar="KEY=VALUE", help="duration_min=90, type=easy, waive=RULE_ID ...")
    override.add_argument("--reason", required=True)

    tools = sub.add_parser("tools", help="list the tools the brain uses (name, description, input JSON Schema)")
    tools.add_argument("--json", action="store_true", help="print the definitions as JSON (what Claude receives)")
    tool = sub.add_parser("tool", help="run one tool call in an athlete's turn and print the JSON result")
    tool.add_argument("name", help="the tool's name (see coach tools)")
    tool.add_argument("--athlete", required=True, help="whose turn")
    tool.add_argument("--input", default="{}", help="the tool's input as a JSON object ('-' reads stdin)")

    show = sub.add_parser("show", help="show what the coach holds about an athlete")
    show.add_argument("--athlete", required=True)
    show.add_argument("--json", action="store_true", help="print JSON")

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="migrate to the newest schema")
    db_backup = db_sub.add_parser("backup", help="copy the database to FILE while the coach runs (SQLite backup API; pg_dump)")
    db_backup.add_argument("file", help="where the copy goes (replaced atomically if it exists)")

    plan = sub.add_parser("plan", help="build a plan from a profile document")
    plan.add_argument("--profile", required=True, help="profile JSON file ('-' for stdin)")
    plan.add_argument("--json", action="store_true", help="print the plan JSON")

    schema = sub.add_parser("schema", help="print the JSON Schema of a document")
    schema.add_argument("name", choices=["profile", "plan"])

    imp = sub.add_parser("import", help="import activity files (FIT, GPX, TCX, CSV)")
    imp.add_argument("files", nargs="+")
    imp.add_argument("--json", action="store_true")
    imp.add_argument("--athlete", help="also store the activities for this athlete (each once)")

    hist = sub.add_parser("history", help="a profile's history block from activity files (last 12 weeks)")
    hist.add_argument("files", nargs="+")
    hist.add_argument("--sport", default="run", choices=["run", "ride", "tri"])
    hist.add_argument("--as-of", help="YYYY-MM-DD (default: COACH_TODAY or today)")

    paces = sub.add_parser("paces", help="VDOT, race equivalents and training paces from a result")
    paces.add_argument("--distance", required=True, help="e.g. 5k, 10k, half, marathon, 1500m, mile, 21.1km")
    paces.add_argument("--time", required=True, help="e.g. 48:30 or 1:45:00")
    paces.add_argument("--json", action="store_true")
    for area in _cli_areas():
        area.add_parsers(sub)
    return parser


CLI_AREAS: tuple[str, ...] = ("coach.cli_connect", "coach.cli_export", "coach.cli_visual", "coach.cli_web", "coach.cli_batch")
"""Modules that add commands: each has ``COMMANDS`` (the top-level names it owns),
``add_parsers(sub)`` and ``run(settings, args) -> int``; they import heavy things lazily."""


def _cli_areas() -> list[Any]:
    import importlib

    return [importlib.import_module(name) for name in CLI_AREAS]


def _settings() -> Settings:
    return Settings.from_env()


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpx2", "telegram.ext.Application", "alembic", "faiss.loader", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def _error(message: str) -> None:
    sys.stderr.write(f"coach: {message}\n")


async def _with_service(settings: Settings, body: Callable[[Any], Awaitable[int]]) -> int:
    """Run one use case against the configured database (migrated first); a ``UserError`` is exit 1."""
    from sqlalchemy.exc import DBAPIError

    from coach.clock import clock_for
    from coach.service.service import CoachService, UserError
    from coach.store.db import Database
    from coach.store.health import DatabaseUnusable, check_not_lost, check_usable, unusable

    try:
        check_not_lost(settings.resolved_database_url, settings.memory_dir)
    except DatabaseUnusable as error:
        _error(str(error))
        return EXIT_FAILED
    db = Database(settings.resolved_database_url)
    claude = None
    client = None
    if settings.anthropic_api_key is not None:
        import anthropic

        from coach.brain.claude import ClaudeBrain

        client = anthropic.AsyncAnthropic(
            api_key=settings.anthropic_api_key.get_secret_value(), base_url=settings.anthropic_base_url, max_retries=0
        )
        claude = ClaudeBrain(client, settings.coach_model)
    try:
        try:
            await db.upgrade()
            await check_usable(db)
        except DBAPIError as error:
            _error(str(unusable(db, error)))
            return EXIT_FAILED
        except DatabaseUnusable as error:
            _error(str(error))
            return EXIT_FAILED
        from coach.service.notes import NoteMemory

        service = CoachService(db, clock_for(settings.coach_today), claude=claude, memory=NoteMemory(settings.memory_dir))
        try:
            return await body(service)
        except UserError as error:  # a use case refused: its message is for the user
            _error(str(error))
            return EXIT_FAILED
    finally:
        if client is not None:
            await client.close()
        await db.dispose()


def _read_document(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    return Path(path).read_text(encoding="utf-8")


def cmd_chat(settings: Settings, athlete: str) -> int:
    from bot.terminal import quiet_machinery, run_chat, start_warm_up, stdin_is_interactive

    quiet_machinery(settings.log_level, settings.coach_data_dir)  # logs to chat.log, only warnings on stderr
    from coach.logsafe import protect, secrets_of

    protect(secrets_of(settings))  # chat.log too

    async def body(service: Any) -> int:
        start_warm_up(service)  # the language model loads in the background, off the reply path
        return await run_chat(service, athlete, sys.stdin, sys.stdout, interactive=stdin_is_interactive(),
                              pictures=settings.coach_data_dir / "pictures")

    from bot.runner import leave_past_loading

    return leave_past_loading(asyncio.run(_with_service(settings, body)))


def cmd_run(settings: Settings, webhook: bool, listen: str, port: int) -> int:
    if settings.telegram_bot_token is None:
        _error(
            "TELEGRAM_BOT_TOKEN is not set, so I can't connect to Telegram.\n"
            "Get a token from @BotFather and put it in .env — or talk to the coach right here with: coach chat"
        )
        return EXIT_BAD_INPUT
    if webhook and not settings.telegram_webhook_url:
        _error("--webhook needs TELEGRAM_WEBHOOK_URL (the public HTTPS address Telegram will post to).")
        return EXIT_BAD_INPUT
    if webhook and settings.telegram_webhook_secret is None:
        _error("--webhook needs TELEGRAM_WEBHOOK_SECRET (Telegram sends it with every update; without it anyone could post updates).")
        return EXIT_BAD_INPUT
    if settings.webapp_url:  # the Mini App (coach/web), served in this process
        from coach.web.server import listen_address, webapp_problem

        try:
            problem = webapp_problem(settings.webapp_url)
            listen_address(settings.webapp_listen)
        except ValueError as error:
            problem = str(error)
        if problem:
            _error(problem)
            return EXIT_BAD_INPUT
    from bot.runner import Lifetime, run_bounded
    from bot.telegram import TelegramTransport, TransportFatal

    token = settings.telegram_bot_token.get_secret_value()
    lifetime = Lifetime()

    async def body(service: Any) -> int:
        if lifetime.stopping:  # SIGTERM during start-up (migrations): nothing was started
            return EXIT_OK
        from bot.pacing_redis import make_pacer  # one send budget for every process when REDIS_URL is set

        transport = TelegramTransport(service, token, settings.telegram_api_url, webapp_url=settings.webapp_url,
                                      pacer=make_pacer(settings.redis_url))
        lifetime.on_stop(transport.stop)
        web = None
        if settings.webapp_url:
            from coach.web.server import start_for_run

            service.webapp_url = settings.webapp_url  # /plan and /week offer the calendar
            try:
                web = start_for_run(service, token, settings.webapp_listen)
            except OSError as error:
                _error(f"can't serve the Mini App on {settings.webapp_listen}: {error.strerror}")
                return EXIT_FAILED
        try:
            if webhook:
                assert settings.telegram_webhook_url is not None and settings.telegram_webhook_secret is not None
                secret = settings.telegram_webhook_secret.get_secret_value()
                await transport.run_webhook(listen, port, settings.telegram_webhook_url, secret)
            else:
                log.info("polling %s for updates", settings.telegram_api_url)
                await transport.run_polling()
        except TransportFatal as error:
            _error(str(error))
            return EXIT_FAILED
        finally:
            if web is not None:
                await web.stop()
        return EXIT_OK

    return run_bounded(_with_service(settings, body), lifetime)


def cmd_athlete_add(settings: Settings, name: str, profile_path: str, telegram_id: int | None = None) -> int:
    from coach.engine.models import Profile

    try:
        profile = Profile.model_validate_json(_read_document(profile_path))
    except OSError as error:
        _error(f"can't read {profile_path}: {error.strerror}")
        return EXIT_BAD_INPUT
    except ValidationError as error:
        _error(f"{profile_path} is not a valid profile:\n{_validation_message(error)}")
        return EXIT_BAD_INPUT

    async def body(service: Any) -> int:
        plan = await service.add_athlete(name, profile, telegram_user_id=telegram_id)
        print(f"Added {name}: {plan.meta.event}, {len(plan.weeks)} weeks from {plan.meta.start_date}.")
        return EXIT_OK

    return asyncio.run(_with_service(settings, body))


def cmd_show(settings: Settings, name: str, as_json: bool) -> int:

    async def body(service: Any) -> int:
        document = await service.show(name)
        if as_json:
            print(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            print(_show_text(document))
        return EXIT_OK

    return asyncio.run(_with_service(settings, body))


def cmd_tools(as_json: bool) -> int:
    from coach.service.toolrun import tool_definitions

    definitions = tool_definitions()
    if as_json:
        print(json.dumps(definitions, indent=2, ensure_ascii=False))
    else:
        for definition in definitions:
            print(f"{definition['name']}: {definition['description']}")
    return EXIT_OK


def cmd_tool(settings: Settings, name: str, athlete: str, raw_input: str) -> int:
    """Exit 0 applied, 1 refused (the reason is in the JSON), 2 bad input."""
    try:
        tool_input = json.loads(_read_document(raw_input) if raw_input == "-" else raw_input)
    except json.JSONDecodeError as error:
        _error(f"--input is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})")
        return EXIT_BAD_INPUT

    async def body(service: Any) -> int:
        from coach.service.toolrun import run_tool

        run = await run_tool(service, athlete, name, tool_input)
        print(json.dumps(run.document(), indent=2, ensure_ascii=False))
        return run.outcome

    return asyncio.run(_with_service(settings, body))


def _show_text(document: dict[str, Any]) -> str:
    from coach.engine.models import Plan
    from coach.service import render

    athlete = document["athlete"]
    lines = [f"{athlete['name']} — {athlete['time_zone']}, {athlete['units']}"]
    if document["plan"]:
        plan_data = {k: v for k, v in document["plan"].items() if k not in ("version", "source")}
        lines.append(render.plan_summary(Plan.model_validate(plan_data), athlete["units"]))
    else:
        lines.append("No plan yet.")
    lines.append(f"Check-ins: {len(document['checkins'])}, activities: {len(document['activities'])}, notes: {len(document['notes'])}")
    return "\n".join(lines)


def cmd_coach_add(settings: Settings, name: str, athletes: list[str], telegram_id: int | None, review: bool | None) -> int:

    async def body(service: Any) -> int:
        await service.add_coach(name, athletes, telegram_id, review=review)
        print(f"Coach {name}: linked {', '.join(athletes) or 'no athletes yet'}.")
        return EXIT_OK

    return asyncio.run(_with_service(settings, body))


def cmd_override(settings: Settings, coach: str, athlete: str, date: str, changes: list[str], reason: str) -> int:
    import datetime as dt

    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        _error(f"--date {date!r} is not a date like 2026-12-05")
        return EXIT_BAD_INPUT

    async def body(service: Any) -> int:
        print(await service.coach_override(coach, athlete, day, changes, reason))
        return EXIT_OK

    return asyncio.run(_with_service(settings, body))


def cmd_store_imports(settings: Settings, athlete: str, paths: list[str], *, to_stderr: bool) -> int:

    files = []
    for path in paths:
        try:
            files.append((Path(path).name, Path(path).read_bytes()))
        except OSError:
            continue  # cmd_import has already reported it

    async def body(service: Any) -> int:
        lines = await service.import_for(athlete, files)
        (sys.stderr if to_stderr else sys.stdout).write("\n".join(lines) + "\n")
        return EXIT_OK

    return asyncio.run(_with_service(settings, body))


def cmd_history(settings: Settings, paths: list[str], sport: str, as_of: str | None) -> int:
    """Derive ``history`` (weekly volume, longest session, thresholds) from recordings, for a profile."""
    import datetime as dt

    from coach.clock import clock_for
    from coach.engine.metrics.athlete_profile import build_profile, to_history
    from coach.sources.errors import ImportFailure
    from coach.sources.importer import import_activities

    try:
        day = dt.date.fromisoformat(as_of) if as_of else clock_for(settings.coach_today).today()
    except ValueError:
        _error(f"--as-of {as_of!r} is not a date like 2026-11-23")
        return EXIT_BAD_INPUT
    activities = []
    for path in paths:
        try:
            activities += import_activities(Path(path).name, Path(path).read_bytes(), keep_streams=False)
        except (OSError, ImportFailure) as error:
            _error(f"{path}: {error}")
    if not activities:
        _error("no activity could be read")
        return EXIT_FAILED
    history = to_history(build_profile(activities, as_of=day), "ride" if sport in ("ride", "tri") else "run")
    print(history.model_dump_json(indent=2, exclude_defaults=True))
    return EXIT_OK


def cmd_db_upgrade(settings: Settings) -> int:
    from sqlalchemy.exc import DBAPIError

    from coach.store.db import Database
    from coach.store.health import DatabaseUnusable, unusable
    from coach.store.migrate import upgrade

    try:
        upgrade(settings.resolved_database_url)
    except DBAPIError as error:
        db = Database(settings.resolved_database_url)
        _error(str(unusable(db, error)))
        asyncio.run(db.dispose())
        return EXIT_FAILED
    except DatabaseUnusable as error:
        _error(str(error))
        return EXIT_FAILED
    print(f"Database is up to date ({settings.resolved_database_url.split('@')[-1]}).")
    return EXIT_OK


def cmd_db_backup(settings: Settings, file: str) -> int:
    from coach.store.backup import BackupError, backup

    try:
        report = backup(settings.resolved_database_url, Path(file))
    except BackupError as error:
        _error(f"no backup made: {error}")
        return EXIT_FAILED
    print(report.summary())
    return EXIT_OK


def _validation_message(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "document"
        lines.append(f"  {where}: {item['msg']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings()
    except ValidationError as error:
        _error(f"bad configuration:\n{_validation_message(error)}")
        return EXIT_BAD_INPUT
    _configure_logging(settings.log_level)
    from coach.logsafe import protect, secrets_of

    protect(secrets_of(settings))  # no token, key or password in any log line
    try:
        if args.command == "chat":
            return cmd_chat(settings, args.athlete)
        if args.command == "run":
            return cmd_run(settings, args.webhook, args.listen, args.port)
        if args.command == "athlete":
            return cmd_athlete_add(settings, args.name, args.profile, args.telegram_id)
        if args.command == "coach":
            return cmd_coach_add(settings, args.name, args.athlete, args.telegram_id, args.review)
        if args.command == "override":
            return cmd_override(settings, args.coach, args.athlete, args.date, args.set, args.reason)
        if args.command == "show":
            return cmd_show(settings, args.athlete, args.json)
        if args.command == "tools":
            return cmd_tools(args.json)
        if args.command == "tool":
            return cmd_tool(settings, args.name, args.athlete, args.input)
        if args.command == "db":
            if args.db_command == "backup":
                return cmd_db_backup(settings, args.file)
            return cmd_db_upgrade(settings)
        if args.command == "plan":
            from coach.cli_engine import cmd_plan

            return cmd_plan(args.profile, args.json)
        if args.command == "schema":
            from coach.cli_engine import cmd_schema

            return cmd_schema(args.name)
        if args.command == "import":
            from coach.cli_athlete import cmd_import

            code = cmd_import(args.files, args.json)
            if args.athlete and code == EXIT_OK:
                return cmd_store_imports(settings, args.athlete, args.files, to_stderr=args.json)
            return code
        if args.command == "history":
            return cmd_history(settings, args.files, args.sport, args.as_of)
        if args.command == "paces":
            from coach.cli_athlete import cmd_paces

            return cmd_paces(args.distance, args.time, args.json)
        for area in _cli_areas():
            if args.command in area.COMMANDS:
                return int(area.run(settings, args))
    except KeyboardInterrupt:
        return EXIT_FAILED
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
