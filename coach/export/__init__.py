"""The plan out of the chat: an ``.ics`` calendar, Zwift ``.zwo`` rides, FIT workout files for
watches and Intervals.icu workout text (``coach export``, ``/export FORMAT``).

Each format keeps each sport's kind of target: pace for runs, % FTP for rides, heart rate where
the plan has it or the athlete asks for it (``target="hr"``).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Final

from coach.engine.models import History, Plan
from coach.engine.rules import Rules
from coach.export._common import (
    FORMATS,
    ExportError,
    ExportFile,
    ExportFormat,
    ExportResult,
    TargetMode,
    by_heart_rate,
    numbered,
    require_hr_anchor,
    workout_sessions,
)

__all__ = [
    "FORMATS",
    "ExportError",
    "ExportFile",
    "ExportFormat",
    "ExportResult",
    "TargetMode",
    "export_plan",
    "zipped",
]

MIME: Final[dict[str, str]] = {
    "ics": "text/calendar",
    "zwo": "application/xml",
    "fit": "application/vnd.ant.fit",
    "intervals": "text/plain",
}
ICS_NAME: Final = "training-plan.ics"
INTERVALS_NAME: Final = "training-plan-intervals.txt"


def export_plan(
    plan: Plan,
    fmt: ExportFormat,
    *,
    rules: Rules,
    athlete_key: str,
    units: str,
    stamp: dt.datetime,
    start: dt.date | None = None,
    end: dt.date | None = None,
    history: History | None = None,
    target: TargetMode = "auto",
    combined_text: bool = False,
) -> ExportResult:
    """The plan in ``fmt``: one ``.ics`` for the whole plan, else one file per session still to
    train from ``start`` to ``end`` (``.zwo`` for rides only, ``.fit`` for runs, rides and swims).
    ``combined_text``: Intervals.icu text as one file instead of one per session.
    Raises :class:`ExportError` with a sentence when there is nothing to export."""
    if fmt not in FORMATS:
        raise ExportError(f"I can export {', '.join(FORMATS)}, not {fmt!r}.")
    if fmt == "ics":
        from coach.export.ics import plan_ics

        return ExportResult((ExportFile(ICS_NAME, plan_ics(plan, athlete_key, units, stamp=stamp), MIME["ics"]),))
    history = history or History()
    if target == "hr":
        require_hr_anchor(history)
    sessions = workout_sessions(plan, start, end)
    if not sessions:
        raise ExportError("There are no planned sessions left to export in that range.")
    files: list[ExportFile] = []
    skipped: list[str] = []
    texts = []
    for session, stem in numbered(sessions):
        steps = by_heart_rate(session.steps, history, rules) if target == "hr" else None
        what = f"{session.date.isoformat()} {session.sport} {session.type}"
        if fmt == "intervals":
            from coach.export.intervals import session_text

            text = session_text(session, steps, units)
            texts.append((session, text))
            if not combined_text:
                files.append(ExportFile(f"{stem}.txt", (text + "\n").encode(), MIME[fmt]))
        elif fmt == "zwo":
            if session.sport != "ride":
                skipped.append(f"{what}: Zwift workouts here are rides")
                continue
            from coach.export.zwo import session_zwo

            ride = session if steps is None else session.model_copy(update={"steps": steps})
            files.append(ExportFile(f"{stem}.zwo", session_zwo(ride, rules, history.ftp_w), MIME[fmt]))
        else:
            from coach.export.fit import FIT_SPORTS, session_fit

            if session.sport not in FIT_SPORTS:
                skipped.append(f"{what}: a FIT workout holds one run, ride or swim")
                continue
            copy = session if steps is None else session.model_copy(update={"steps": steps})
            serial = int(session.date.strftime("%Y%m%d")) * 10 + int(stem.split("-")[3]) % 10
            files.append(ExportFile(f"{stem}.fit", session_fit(copy, units=units, created=stamp, serial=serial), MIME[fmt]))
    if fmt == "intervals" and combined_text:
        from coach.export.intervals import sessions_text

        files.append(ExportFile(INTERVALS_NAME, sessions_text(texts).encode(), MIME[fmt]))
    if not files:
        raise ExportError("None of the planned sessions in that range has a " + ("ride for Zwift." if fmt == "zwo" else "FIT workout form (runs, rides, swims)."))
    return ExportResult(tuple(files), tuple(skipped))


def zipped(files: tuple[ExportFile, ...] | list[ExportFile], name: str) -> ExportFile:
    """Several files as one ``.zip`` (a chat sends one document per message); fixed timestamps,
    so the same export gives the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            info = zipfile.ZipInfo(file.name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.data)
    return ExportFile(name, buffer.getvalue(), "application/zip")
