"""What the athlete asks to see and set: today's or tomorrow's session, the week, the plan, the
settings, and what the coach remembers (with correcting and forgetting a note)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from coach.engine.models import Plan
from coach.service import render
from coach.service.answers import AnswerError, parse_time_zone, parse_units
from coach.service.context import Ctx, UserError
from coach.service.types import Button, Reply
from coach.store import models as m
from coach.store import repo

if TYPE_CHECKING:
    from coach.service.protocol import Service


async def plan_of(ctx: Ctx) -> Plan:
    """The athlete's active plan; a ``UserError`` when they have none."""
    row = await repo.active_plan_row(ctx.session, ctx.athlete.id)
    if row is None:
        raise UserError("You don't have a plan yet. Send /start and I'll set one up.")
    return repo.plan_doc(row)


async def day(ctx: Ctx, day: dt.date, title: str) -> list[Reply]:
    plan = await plan_of(ctx)
    sessions = [s for w in plan.weeks for s in w.sessions if s.date == day]
    if not plan.weeks or day < plan.weeks[0].start or day >= plan.weeks[-1].start + dt.timedelta(days=7):
        return [
            Reply(
                f"{title} — {render.day_label(day)}: that's outside your plan ({plan.meta.start_date.isoformat()} onwards). Send /start for a new goal."
            )
        ]
    return [Reply(render.day_text(day, sessions, ctx.athlete.units, title))]


async def week(service: Service, ctx: Ctx, *, next_week: bool = False) -> list[Reply]:
    plan = await plan_of(ctx)
    week = render.current_week(plan, ctx.today + dt.timedelta(days=7 if next_week else 0))
    if week is None:
        return [Reply("Your plan has finished. Send /start to set a new goal.")]
    return [Reply(render.week_text(week, ctx.athlete.units, ctx.today), calendar_button(service))]


async def plan(service: Service, ctx: Ctx) -> list[Reply]:
    plan = await plan_of(ctx)
    return [Reply(render.plan_summary(plan, ctx.athlete.units, ctx.today), calendar_button(service))]


def calendar_button(service: Service) -> list[list[Button]]:
    """The Mini App's button (``WEBAPP_URL``), where it is served."""
    return [[Button("Open the calendar", "webapp", service.webapp_url)]] if service.webapp_url else []


def settings(ctx: Ctx, args: str) -> list[Reply]:
    athlete = ctx.athlete
    words = args.split(maxsplit=1)
    if len(words) == 2:
        key, value = words[0].lower(), words[1]
        try:
            if key in ("units", "unit"):
                athlete.units = parse_units(value)
                if athlete.profile is not None:
                    athlete.profile = {**athlete.profile, "units": athlete.units}
            elif key in ("timezone", "tz", "time_zone", "zone"):
                athlete.time_zone = parse_time_zone(value)
            else:
                return [
                    Reply(f"I can change units or timezone, not {key!r}. For example: /settings units miles")
                ]
        except AnswerError as error:
            return [Reply(str(error))]
    units = "miles" if athlete.units == "mi" else "kilometres"
    return [
        Reply(
            f"Units: {units}\nTime zone: {athlete.time_zone}\nChange with /settings units miles or /settings timezone Berlin.",
            [[Button("Use km", "set:units:km"), Button("Use miles", "set:units:miles")]],
        )
    ]


async def memory(ctx: Ctx) -> list[Reply]:
    notes = await repo.notes(ctx.session, ctx.athlete.id)
    if not notes:
        return [
            Reply(
                "I don't have any notes about you yet. Tell me things like \"my left knee is sensitive\" and I'll remember."
            )
        ]
    lines = [f"{i}. [{n.kind}] {n.text}" for i, n in enumerate(notes, 1)]
    buttons = [
        [Button(f"Correct {i}", f"mem:fix:{n.id}"), Button(f"Forget {i}", f"mem:del:{n.id}")]
        for i, n in enumerate(notes, 1)
    ]
    return [Reply("What I remember:\n" + "\n".join(lines), buttons)]


async def correct_note(service: Service, ctx: Ctx, note_id: int, text: str) -> list[Reply]:
    """Replace a note: the old one (and its limitations) goes, the corrected text is remembered anew."""
    ctx.athlete.dialog = None
    note = await ctx.session.get(m.Note, note_id)
    if note is None or note.athlete_id != ctx.athlete.id:
        return [Reply("That note is already gone.")]
    for limitation in await repo.active_limitations(ctx.session, ctx.athlete.id):
        if limitation.note_id == note.id:
            await ctx.session.delete(limitation)
    await ctx.session.delete(note)
    await service.notes.forget(ctx.session, ctx.athlete.id, note.id)
    new = await service.notes.remember(ctx, text)
    return [Reply(f"Corrected. I now remember ({new.kind}): {new.text}")]


async def forget_note(service: Service, ctx: Ctx, note_id: str) -> list[Reply]:
    note = await ctx.session.get(m.Note, int(note_id)) if note_id.isdigit() else None
    if note is None or note.athlete_id != ctx.athlete.id:
        return [Reply("That note is already gone.")]
    await ctx.session.delete(note)
    await service.notes.forget(ctx.session, ctx.athlete.id, note.id)
    return [Reply(f"Forgotten: {note.text}")]
