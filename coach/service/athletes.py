"""Athletes: who is talking (found, or created on first contact), and the CLI's athlete cases
(``coach add``, ``coach import``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from coach.engine.models import Plan, Profile
from coach.service import training_log
from coach.service.context import Ctx, UserError, Who
from coach.store import models as m
from coach.store import repo

if TYPE_CHECKING:
    from coach.service.protocol import Service

log = logging.getLogger(__name__)


async def athlete_of(s: AsyncSession, who: Who) -> m.Athlete:
    """The athlete who is talking: by Telegram user id, else by name; created on first contact."""
    if who.telegram_user_id is not None:
        athlete = await repo.athlete_by_telegram(s, who.telegram_user_id)
        if athlete is None:
            athlete = m.Athlete(
                name=f"tg:{who.telegram_user_id}",
                display_name=who.name,
                telegram_user_id=who.telegram_user_id,
                telegram_chat_id=who.chat_id,
            )
            s.add(athlete)
            await s.flush()
        elif who.chat_type == "private":
            if who.chat_id is not None and athlete.telegram_chat_id != who.chat_id:
                athlete.telegram_chat_id = who.chat_id
            if athlete.inactive_since is not None:  # they blocked the bot, and they are back
                log.info("athlete %s writes again: active", athlete.id)
                athlete.inactive_since = athlete.inactive_reason = None
        return athlete
    athlete = await repo.athlete_by_name(s, who.name)
    if athlete is None:
        athlete = m.Athlete(name=who.name)
        s.add(athlete)
        await s.flush()
    return athlete


async def add_athlete(
    service: Service,
    name: str,
    profile: Profile,
    plan: Plan | None = None,
    telegram_user_id: int | None = None,
) -> Plan:
    """Create an athlete and their first plan from a profile document (a coach importing athletes).

    ``plan`` adopts a plan document as it is (a frozen evaluation world) instead of building one.
    ``telegram_user_id`` links their Telegram account (their private chat has the same id)."""
    from coach.service.onboarding_flow import adopt_plan

    plan = plan if plan is not None else service.build_plan(profile)
    async with service.db.transaction() as s:
        if await repo.athlete_by_name(s, name) is not None:
            raise UserError(f"An athlete called {name!r} already exists.")
        if (
            telegram_user_id is not None
            and (taken := await repo.athlete_by_telegram(s, telegram_user_id)) is not None
        ):
            raise UserError(f"Telegram user {telegram_user_id} is already the athlete {taken.name!r}.")
        if not plan.feasible:
            raise UserError(f"That plan isn't safe to build: {plan.reason}")
        athlete = m.Athlete(
            name=name,
            units=profile.units,
            telegram_user_id=telegram_user_id,
            telegram_chat_id=telegram_user_id,
        )
        s.add(athlete)
        await s.flush()
        ctx = Ctx(s, athlete, profile.start_date)
        await adopt_plan(
            service, ctx, profile, plan, source="import", reason="imported from a profile document"
        )
    return plan


async def import_for(service: Service, name: str, files: list[tuple[str, bytes]]) -> list[str]:
    """Store imported activities for an athlete (each once) and re-link adherence."""
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, name)
        if athlete is None:
            raise UserError(f"There is no athlete called {name!r}.")
        ctx = Ctx(s, athlete, service.clock.today(athlete.time_zone))
        lines: list[str] = []
        for file_name, data in files:
            lines += [r.text for r in await training_log.import_document(ctx, file_name, data)]
        return lines
