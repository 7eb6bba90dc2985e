"""``/export ics|zwo|fit|intervals [hr]`` in the chat: the file (or a zip of them) as a document.
Plain ``/export`` stays the service's "everything I have about you" export."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from coach.engine.models import History, Profile
from coach.export import FORMATS, ExportError, ExportFormat, TargetMode, export_plan, zipped
from coach.export._common import ExportFile
from coach.service.types import Document, Reply
from coach.store import repo

if TYPE_CHECKING:
    from coach.service.service import Ctx

USAGE = "Try /export ics (calendar), /export zwo (Zwift rides), /export fit (watch workouts) or /export intervals (Intervals.icu text); add 'hr' for heart-rate targets."


def athlete_history(profile: dict[str, Any] | None) -> History:
    """The profile's history block (FTP, heart rates), or an empty one."""
    if not profile:
        return History()
    try:
        return Profile.model_validate(profile).history
    except ValueError:
        return History()


def parse_args(args: str) -> tuple[ExportFormat, TargetMode]:
    words = args.lower().replace(",", " ").split()
    fmt = next((w.lstrip(".") for w in words if w.lstrip(".") in FORMATS), None)
    if fmt is None or any(w.lstrip(".") not in (*FORMATS, "hr") for w in words):
        raise ExportError(f"I can't export {args.strip()!r}. {USAGE}")
    return fmt, ("hr" if "hr" in words else "auto")  # type: ignore[return-value]


async def export_replies(service: Any, ctx: Ctx, args: str) -> list[Reply]:
    """The plan in one format, from today on, as one document (several files zipped)."""
    try:
        fmt, target = parse_args(args)
    except ExportError as error:
        return [Reply(str(error))]
    row = await repo.active_plan_row(ctx.session, ctx.athlete.id)
    if row is None:
        return [Reply("You don't have a plan yet. Send /start and I'll set one up.")]
    stamp: dt.datetime = service.clock.now()
    try:
        result = export_plan(
            repo.plan_doc(row), fmt, rules=service.rules, athlete_key=f"athlete{ctx.athlete.id}", units=ctx.athlete.units,
            stamp=stamp, start=ctx.today, history=athlete_history(ctx.athlete.profile), target=target, combined_text=True,
        )
    except ExportError as error:
        return [Reply(str(error))]
    files = list(result.files)
    file: ExportFile = files[0] if len(files) == 1 else zipped(files, f"training-plan-{fmt}-{ctx.today.isoformat()}.zip")
    what = {"ics": "Your plan for your calendar app", "zwo": "Your rides for Zwift", "fit": "Your workouts for your watch",
            "intervals": "Your workouts as Intervals.icu text"}[fmt]
    count = "" if fmt == "ics" else f" ({len(files)} file{'s' if len(files) != 1 else ''}" + (", zipped)" if len(files) > 1 else ")")
    text = f"{what}{count}."
    if result.skipped:
        text += f"\nLeft out: {len(result.skipped)} session(s) this format can't hold (e.g. {result.skipped[0]})."
    return [Reply(text, document=Document(file.name, file.data, file.mime_type))]
