"""Coaches: the group chat's commands (/coach, /join, /athletes, /override, /review and the
weekly review's approve button) and the CLI's coach cases (``coach override``, ``coach add-coach``).
A coach command from anyone but the group's coach is refused and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.service import coaching
from coach.service.athletes import athlete_of
from coach.service.context import UserError, Who
from coach.service.types import Incoming, Reply
from coach.store import models as m
from coach.store import repo

if TYPE_CHECKING:
    from coach.service.protocol import Service


async def group(service: Service, s: AsyncSession, who: Who, incoming: Incoming) -> list[Reply]:
    """In a group, only coach commands are answered; chatter is left alone."""
    assert who.telegram_user_id is not None and who.chat_id is not None
    if incoming.kind == "callback" and (incoming.callback_data or "").startswith("rev:"):
        return await approve(service, s, who, incoming.callback_data or "")
    if incoming.kind != "command" or incoming.command is None:
        return []
    command, args = incoming.command, incoming.args.strip()
    coach = await coaching.coach_by_telegram(s, who.telegram_user_id)
    group = (
        await s.execute(select(m.CoachGroup).where(m.CoachGroup.chat_id == who.chat_id))
    ).scalar_one_or_none()
    if command == "coach":
        if group is not None and (coach is None or group.coach_id != coach.id):
            return [Reply("This group already has a coach.")]
        if coach is None:
            coach = m.Coach(name=who.name, telegram_user_id=who.telegram_user_id)
            s.add(coach)
            await s.flush()
        if group is None:
            s.add(m.CoachGroup(coach_id=coach.id, chat_id=who.chat_id))
        return [
            Reply(
                f"{coach.name} is the coach of this group. Athletes: send /join here, and talk to me privately for your training."
            )
        ]
    if command == "join":
        if group is None:
            return [Reply("This group has no coach yet: the coach sends /coach first.")]
        athlete = await athlete_of(s, Who(name=who.name, telegram_user_id=who.telegram_user_id, chat_id=None))
        group_coach = await s.get(m.Coach, group.coach_id)
        assert group_coach is not None
        new = await coaching.link(s, group_coach, athlete, who.chat_id)
        name = athlete.display_name or who.name
        return [
            Reply(
                f"{name} joined {group_coach.name}'s group." if new else f"{name} is already in this group."
            )
        ]
    if command in ("athletes", "override", "review"):
        if coach is None or group is None or group.coach_id != coach.id:
            return [Reply("Only this group's coach can do that.")]
        athletes = await coaching.linked_athletes(s, coach, who.chat_id)
        if command == "athletes":
            if not athletes:
                return [Reply("No athletes have joined yet. Athletes send /join here.")]
            return [Reply("\n".join(await coaching.status_lines(s, athletes, service.clock.today())))]
        if command == "review":
            words = args.split()
            target = next(
                (
                    a
                    for a in athletes
                    if words and words[0].lower() in (coaching.shown(a).lower(), a.name.lower())
                ),
                None,
            )
            if len(words) != 2 or words[1] not in ("on", "off") or target is None:
                return [Reply("Use: /review NAME on|off (NAME must have joined this group).")]
            await coaching.set_review(s, coach, target, words[1] == "on")
            state = "before they see them" if words[1] == "on" else "no longer (they get them directly)"
            return [Reply(f"You'll review {coaching.shown(target)}'s weekly plans {state}.")]
        return [Reply(await group_override(service, s, coach, athletes, args))]
    return [
        Reply(
            "In groups I answer /coach, /join, /athletes, /override and /review. Talk to me privately for your own training."
        )
    ]


async def approve(service: Service, s: AsyncSession, who: Who, data: str) -> list[Reply]:
    """The coach's "approve" button under an athlete's weekly plan (``rev:ATHLETE:WEEK``)."""
    from coach.service.schedule import approve_week

    assert who.telegram_user_id is not None
    coach = await coaching.coach_by_telegram(s, who.telegram_user_id)
    _, athlete_id, week_text = data.split(":", 2)
    athlete = await s.get(m.Athlete, int(athlete_id)) if athlete_id.isdigit() else None
    if (
        coach is None
        or athlete is None
        or athlete.id not in {a.id for a in await coaching.linked_athletes(s, coach)}
    ):
        return [Reply("Only this athlete's coach can approve their week.")]
    try:
        week_start = dt.date.fromisoformat(week_text)
    except ValueError:
        return [Reply("That button has expired.")]
    sent = await approve_week(s, athlete, week_start, service.clock.today(athlete.time_zone), coach.name)
    name = coaching.shown(athlete)
    return [Reply(f"Approved: {name} gets their week." if sent else f"{name}'s week was already sent.")]


async def group_override(
    service: Service, s: AsyncSession, coach: m.Coach, athletes: list[m.Athlete], args: str
) -> str:
    """``/override NAME YYYY-MM-DD key=value... [waive=rule] -- reason``."""
    head, _, reason = args.partition("--")
    words = head.split()
    if len(words) < 3:
        return "Use: /override NAME YYYY-MM-DD duration_min=90 [waive=rule_id] -- reason"
    name, day_text, rest = words[0], words[1], words[2:]
    athlete = next(
        (a for a in athletes if name.lower() in ((a.display_name or "").lower(), a.name.lower())), None
    )
    if athlete is None:
        return f"No athlete called {name} has joined this group."
    try:
        day = dt.date.fromisoformat(day_text)
        changes, waive = coaching.parse_changes(rest)
        result = await coaching.override_session(
            s, coach, athlete, day, changes, waive, reason.strip() or "no reason given", service.rules
        )
    except ValueError:
        return f"{day_text!r} isn't a date like 2026-12-05."
    except coaching.CoachingError as error:
        return str(error)
    return result.text


async def coach_override(
    service: Service, coach_name: str, athlete_name: str, day: dt.date, settings: list[str], reason: str
) -> str:
    """The CLI's override: same rules, same audit."""
    async with service.db.transaction() as s:
        coach = await coaching.coach_by_name(s, coach_name)
        athlete = await repo.athlete_by_name(s, athlete_name)
        if coach is None or athlete is None:
            raise UserError(f"No coach {coach_name!r}." if coach is None else f"No athlete {athlete_name!r}.")
        try:
            changes, waive = coaching.parse_changes(settings)
            return (
                await coaching.override_session(s, coach, athlete, day, changes, waive, reason, service.rules)
            ).text
        except coaching.CoachingError as error:
            raise UserError(str(error)) from error


async def add_coach(
    service: Service,
    name: str,
    athlete_names: list[str],
    telegram_user_id: int | None = None,
    *,
    review: bool | None = None,
) -> None:
    async with service.db.transaction() as s:
        coach = await coaching.coach_by_name(s, name)
        if coach is None:
            coach = m.Coach(name=name, telegram_user_id=telegram_user_id)
            s.add(coach)
            await s.flush()
        for athlete_name in athlete_names:
            athlete = await repo.athlete_by_name(s, athlete_name)
            if athlete is None:
                raise UserError(f"No athlete {athlete_name!r}.")
            await coaching.link(s, coach, athlete, None, requires_review=bool(review))
            if review is not None:
                await coaching.set_review(s, coach, athlete, review)
