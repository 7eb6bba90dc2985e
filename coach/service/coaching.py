"""The human coach: group chats, who is on track, and overrides that are always recorded.

The coach's word stands over the engine's (MISSION), but visibly: an override goes through the
same validator as every other change; a guardrail it breaks is refused unless the coach waives
that rule by name, and then the waiver is written into the plan and the ``overrides`` audit
table with who, when, what changed and why. A coach sees and changes only linked athletes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.engine.models import Plan, Profile, Waiver
from coach.engine.validate import validate_plan
from coach.service import render
from coach.store import models as m
from coach.store import repo

OVERRIDABLE_FIELDS = {"duration_min": int, "distance_km": float, "type": str, "intensity": str, "sport": str}
"""Session fields a coach may set; everything else stays the engine's."""


class CoachingError(Exception):
    """A coach action that cannot be done; the message says why."""


@dataclass(frozen=True)
class OverrideResult:
    text: str
    waived: list[str]


def shown(athlete: m.Athlete) -> str:
    """How a coach sees an athlete: their display name, else their coach-given name."""
    return athlete.display_name or athlete.name


async def coach_by_telegram(session: AsyncSession, user_id: int) -> m.Coach | None:
    return (await session.execute(select(m.Coach).where(m.Coach.telegram_user_id == user_id))).scalar_one_or_none()


async def coach_by_name(session: AsyncSession, name: str) -> m.Coach | None:
    return (await session.execute(select(m.Coach).where(m.Coach.name == name))).scalars().first()


async def linked_athletes(session: AsyncSession, coach: m.Coach, group_chat_id: int | None = None) -> list[m.Athlete]:
    query = select(m.Athlete).join(m.CoachLink, m.CoachLink.athlete_id == m.Athlete.id).where(m.CoachLink.coach_id == coach.id)
    if group_chat_id is not None:
        query = query.where(m.CoachLink.group_chat_id == group_chat_id)
    return list((await session.execute(query.order_by(m.Athlete.name))).scalars())


async def link(session: AsyncSession, coach: m.Coach, athlete: m.Athlete, group_chat_id: int | None, requires_review: bool = False) -> bool:
    existing = (
        await session.execute(select(m.CoachLink).where(m.CoachLink.coach_id == coach.id, m.CoachLink.athlete_id == athlete.id))
    ).scalar_one_or_none()
    if existing is not None:
        existing.group_chat_id = group_chat_id or existing.group_chat_id
        return False
    session.add(m.CoachLink(coach_id=coach.id, athlete_id=athlete.id, group_chat_id=group_chat_id, requires_review=requires_review))
    return True


async def set_review(session: AsyncSession, coach: m.Coach, athlete: m.Athlete, review: bool) -> None:
    """Whether this coach reviews the athlete's weekly plan before the athlete sees it."""
    row = (
        await session.execute(select(m.CoachLink).where(m.CoachLink.coach_id == coach.id, m.CoachLink.athlete_id == athlete.id))
    ).scalar_one()
    row.requires_review = review


async def status_lines(session: AsyncSession, athletes: list[m.Athlete], today: dt.date) -> list[str]:
    """One line per athlete: this week's adherence and the latest readiness."""
    lines = []
    for athlete in athletes:
        name = shown(athlete)
        if athlete.inactive_since is not None:
            name += f" (can't be reached since {athlete.inactive_since.date().isoformat()}: blocked the bot?)"
        row = await repo.active_plan_row(session, athlete.id)
        if row is None:
            lines.append(f"{name}: no plan yet")
            continue
        plan = repo.plan_doc(row)
        week = render.current_week(plan, today)
        checkins = await repo.recent_checkins(session, athlete.id, 1)
        ready = f", readiness {checkins[0].readiness}/100 ({checkins[0].readiness_color}) on {checkins[0].date.isoformat()}" if checkins else ""
        if week is None:
            lines.append(f"{name}: plan finished{ready}")
            continue
        past = [s for s in week.sessions if s.date < today and s.type != "commitment"]
        done = sum(1 for s in past if s.status == "done")
        partial = sum(1 for s in past if s.status == "partial")
        missed = sum(1 for s in past if s.status in ("missed", "planned"))
        flag = "on track" if missed == 0 else ("check in" if missed == 1 else "off track")
        lines.append(f"{name}: week {week.index} ({week.phase}) — {done} done, {partial} partial, {missed} missed so far: {flag}{ready}")
    return lines


def parse_changes(words: list[str]) -> tuple[dict[str, Any], list[str]]:
    """``duration_min=90 type=long waive=long_run_share`` → (changes, waived rule ids)."""
    changes: dict[str, Any] = {}
    waive: list[str] = []
    for word in words:
        key, sep, value = word.partition("=")
        if not sep:
            raise CoachingError(f"{word!r} isn't key=value (e.g. duration_min=90).")
        if key == "waive":
            waive += [w for w in value.split(",") if w]
            continue
        if key not in OVERRIDABLE_FIELDS:
            raise CoachingError(f"{key!r} can't be overridden; use one of {', '.join(sorted(OVERRIDABLE_FIELDS))}.")
        try:
            changes[key] = OVERRIDABLE_FIELDS[key](value)
        except ValueError:
            raise CoachingError(f"{value!r} isn't a valid {key}.") from None
    if not changes:
        raise CoachingError("Say what to change, e.g. duration_min=90.")
    return changes, waive


async def override_session(
    session: AsyncSession, coach: m.Coach, athlete: m.Athlete, day: dt.date, changes: dict[str, Any], waive: list[str],
    reason: str, rules: Any,
) -> OverrideResult:
    """Change one planned session as the coach says, through the validator; record it."""
    links = await linked_athletes(session, coach)
    if athlete.id not in {a.id for a in links}:
        raise CoachingError(f"{shown(athlete)} isn't one of your athletes.")
    row = await repo.active_plan_row(session, athlete.id)
    if row is None or athlete.profile is None:
        raise CoachingError(f"{shown(athlete)} has no plan yet.")
    plan = repo.plan_doc(row)
    profile = Profile.model_validate(athlete.profile)
    targets = [(wi, si) for wi, w in enumerate(plan.weeks) for si, s in enumerate(w.sessions) if s.date == day and s.type != "commitment"]
    if not targets:
        raise CoachingError(f"{shown(athlete)} has no session on {day.isoformat()}.")
    wi, si = targets[0]
    before = plan.weeks[wi].sessions[si]
    try:
        after = before.model_validate({**before.model_dump(), **changes, "waived": sorted(set(before.waived) | set(waive))})
    except ValueError as error:
        raise CoachingError(f"That change isn't valid: {error}") from None
    weeks = list(plan.weeks)
    sessions = list(weeks[wi].sessions)
    sessions[si] = after
    weeks[wi] = weeks[wi].model_copy(update={"sessions": sessions})
    waivers = [*plan.validation.waivers, *(Waiver(rule_id=r, week=weeks[wi].index, date=day, by=coach.name, reason=reason) for r in waive)]
    changed: Plan = plan.model_copy(update={"weeks": weeks, "validation": plan.validation.model_copy(update={"waivers": waivers})})
    violations = validate_plan(changed, profile, rules)
    if violations:
        listed = "; ".join(f"{v.rule_id}: {v.message}" for v in violations[:3])
        raise CoachingError(
            f"That breaks a guardrail — {listed}. If you mean it, repeat with waive={','.join(sorted({v.rule_id for v in violations}))} and a reason."
        )
    changed = changed.model_copy(update={"validation": changed.validation.model_copy(update={"violations": []})})
    new_row = await repo.save_plan(session, athlete, changed, source="coach", reason=f"override by {coach.name}: {reason}")
    session.add(m.Override(
        coach_id=coach.id, athlete_id=athlete.id, plan_id=new_row.id, session_date=day, waived_rules=waive,
        before=before.model_dump(mode="json"), after=after.model_dump(mode="json"), reason=reason,
    ))
    what = ", ".join(f"{k} {getattr(before, k)} → {v}" for k, v in changes.items())
    waived = f" Waived: {', '.join(waive)}." if waive else ""
    return OverrideResult(f"Override recorded for {shown(athlete)} on {day.isoformat()}: {what}.{waived}", waive)
