"""``coach export`` and ``coach library``: the plan out as files, the athlete's own workouts in.

    coach export --athlete A --format ics|zwo|fit|intervals [--out DIR] [--from D] [--to D] [--target auto|hr]
    coach library import --athlete A FILE...       .zwo files, Intervals.icu folder .json
    coach library show --athlete A [--json]
    coach library detect --athlete A [FILE...]      structures in recordings -> the library

Without ``--out``, ``ics`` and ``intervals`` print to stdout; ``zwo`` and ``fit`` are written into
``./coach-export-FORMAT/`` and each path is printed. Exit codes: 0 ok, 1 failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, Final

COMMANDS: frozenset[str] = frozenset({"export", "library"})
"""The top-level commands this module owns."""

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_BAD_INPUT: Final = 2
TEXT_FORMATS: Final = ("ics", "intervals")


def add_parsers(sub: Any) -> None:
    """Add ``export`` and ``library`` to ``coach``'s subparsers."""
    export = sub.add_parser("export", help="the plan as .ics, Zwift .zwo, FIT workouts or Intervals.icu text")
    export.add_argument("--athlete", required=True)
    export.add_argument("--format", required=True, choices=["ics", "zwo", "fit", "intervals"])
    export.add_argument("--out", help="folder to write the files into (created if missing)")
    export.add_argument("--from", dest="from_date", help="first date, YYYY-MM-DD (default: today)")
    export.add_argument("--to", dest="to_date", help="last date, YYYY-MM-DD (default: the plan's end)")
    export.add_argument("--target", choices=["auto", "hr"], default="auto",
                        help="auto: pace for runs, %% FTP for rides; hr: heart rate (needs max or threshold HR)")

    library = sub.add_parser("library", help="the athlete's own workout library")
    library_sub = library.add_subparsers(dest="library_command", required=True, metavar="ACTION")
    imp = library_sub.add_parser("import", help="add .zwo files and Intervals.icu folder .json to the library")
    imp.add_argument("--athlete", required=True)
    imp.add_argument("files", nargs="+")
    show = library_sub.add_parser("show", help="list the library")
    show.add_argument("--athlete", required=True)
    show.add_argument("--json", action="store_true")
    detect = library_sub.add_parser("detect", help="detect workout structures in the athlete's recordings")
    detect.add_argument("--athlete", required=True)
    detect.add_argument("files", nargs="*", help="recordings (FIT, GPX, TCX) to read first; they are imported too")


def _error(message: str) -> None:
    sys.stderr.write(f"coach: {message}\n")


def _date(text: str | None, name: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--{name} {text!r} is not a date like 2026-12-05") from None


def run(settings: Any, args: argparse.Namespace) -> int:
    from coach.cli import _with_service

    if args.command == "export":
        try:
            start, end = _date(args.from_date, "from"), _date(args.to_date, "to")
        except ValueError as error:
            _error(str(error))
            return EXIT_BAD_INPUT
        return asyncio.run(_with_service(settings, lambda service: _export(service, args, start, end)))
    files: list[tuple[str, bytes]] = []
    for name in getattr(args, "files", []) or []:
        try:
            files.append((name, Path(name).read_bytes()))
        except OSError as error:
            _error(f"can't read {name}: {error.strerror or error}")
            return EXIT_BAD_INPUT
    if args.library_command == "import":
        return asyncio.run(_with_service(settings, lambda service: _library_import(service, args.athlete, files)))
    if args.library_command == "show":
        return asyncio.run(_with_service(settings, lambda service: _library_show(service, args.athlete, args.json)))
    return asyncio.run(_with_service(settings, lambda service: _library_detect(service, args.athlete, files)))


async def _athlete(session: Any, name: str) -> Any:
    from coach.service.service import UserError
    from coach.store import repo

    athlete = await repo.athlete_by_name(session, name)
    if athlete is None:
        raise UserError(f"There is no athlete called {name!r}.")
    return athlete


async def _export(service: Any, args: argparse.Namespace, start: dt.date | None, end: dt.date | None) -> int:
    from coach.export import ExportError, export_plan
    from coach.export.chat import athlete_history
    from coach.store import repo

    async with service.db.transaction() as session:
        athlete = await _athlete(session, args.athlete)
        row = await repo.active_plan_row(session, athlete.id)
        if row is None:
            _error(f"{args.athlete} has no plan yet.")
            return EXIT_FAILED
        today = service.clock.today(athlete.time_zone)
        try:
            result = export_plan(
                repo.plan_doc(row), args.format, rules=service.rules, athlete_key=f"athlete{athlete.id}", units=athlete.units,
                stamp=service.clock.now(), start=start or today, end=end, history=athlete_history(athlete.profile),
                target=args.target, combined_text=args.out is None,
            )
        except ExportError as error:
            _error(str(error))
            return EXIT_FAILED
    for line in result.skipped:
        sys.stderr.write(f"left out: {line}\n")
    if args.out is None and args.format in TEXT_FORMATS:
        for file in result.files:
            sys.stdout.write(file.data.decode())
        return EXIT_OK
    folder = Path(args.out) if args.out is not None else Path(f"coach-export-{args.format}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for file in result.files:
            (folder / file.name).write_bytes(file.data)
    except OSError as error:
        _error(f"can't write into {folder}: {error.strerror or error}")
        return EXIT_FAILED
    for file in result.files:
        print(folder / file.name)
    return EXIT_OK


async def _library_import(service: Any, name: str, files: list[tuple[str, bytes]]) -> int:
    from coach.library import LibraryImportError, read_library_file
    from coach.library.store import save_workouts

    failed = 0
    async with service.db.transaction() as session:
        athlete = await _athlete(session, name)
        for file_name, data in files:
            try:
                workouts, skipped = read_library_file(file_name, data)
            except LibraryImportError as error:
                _error(f"{error} Nothing from {file_name} was saved.")
                failed += 1
                continue
            added, updated = await save_workouts(session, athlete.id, workouts)
            print(f"{file_name}: {len(workouts)} workout(s), {added} new, {updated} updated: " + ", ".join(w.name for w in workouts))
            for line in skipped:
                print(f"  left out: {line}")
        from coach.library.use import refresh_active_plan, uses_text

        uses = await refresh_active_plan(session, athlete, service.rules, service.clock.today(athlete.time_zone))
        if uses:
            print(uses_text(uses))
    return EXIT_FAILED if failed else EXIT_OK


def _workout_line(workout: Any, units: str) -> str:
    from coach.engine.render import describe_steps, format_minutes

    seen = f", seen {workout.seen}x, last {workout.last_seen}" if workout.source == "detected" else ""
    return (f"[{workout.sport} {workout.purpose}] {workout.name} — {format_minutes(workout.duration_s / 60)} "
            f"({workout.source}{seen})\n    {describe_steps(workout.steps, 'mi' if units == 'mi' else 'km')}")


async def _library_show(service: Any, name: str, as_json: bool) -> int:
    from coach.library.store import library

    async with service.db.transaction() as session:
        athlete = await _athlete(session, name)
        workouts = await library(session, athlete.id)
        units = athlete.units
    if as_json:
        print(json.dumps([{**w.model_dump(mode="json", exclude_defaults=False), "duration_s": w.duration_s} for w in workouts], indent=2))
        return EXIT_OK
    if not workouts:
        print(f"{name}'s workout library is empty. Add .zwo files or an Intervals.icu folder with 'coach library import'.")
    for workout in workouts:
        print(_workout_line(workout, units))
    return EXIT_OK


async def _library_detect(service: Any, name: str, files: list[tuple[str, bytes]]) -> int:
    from coach.library.detect import structure
    from coach.library.store import detect, record_structure
    from coach.sources.errors import ImportFailure
    from coach.sources.importer import import_activities

    failed = 0
    async with service.db.transaction() as session:
        athlete = await _athlete(session, name)
        ftp_w = None
        from coach.export.chat import athlete_history

        ftp_w = athlete_history(athlete.profile).ftp_w
        read: list[tuple[str, bytes]] = []
        for file_name, data in files:
            try:
                activities = await asyncio.to_thread(import_activities, file_name, data, ftp_w=ftp_w, max_hr=None, keep_streams=True)
            except ImportFailure as error:
                _error(f"{error} Nothing from {file_name} was saved.")
                failed += 1
                continue
            read.append((file_name, data))
            for activity in activities:
                steps = structure(activity.sport, activity.streams, ftp_w)
                await record_structure(session, athlete.id, fingerprint=activity.fingerprint, sport=activity.sport,
                                       start=activity.start_time, steps=steps)
    if read:
        await service.import_for(name, read)  # the recordings themselves, stored once and linked to the plan
    async with service.db.transaction() as session:
        athlete = await _athlete(session, name)
        workouts = await detect(session, athlete.id)
        units = athlete.units
    if not workouts:
        print("No repeated structure found in the stored recordings yet (steady sessions aren't added).")
    for workout in workouts:
        print(_workout_line(workout, units))
    return EXIT_FAILED if failed else EXIT_OK
