"""The charts' data read from the store: the same rows ``coach show --json`` is made of (the
active plan with every session's status, check-ins, activities, logged strength sets), handed to
the pure builders of ``coach/charts/data.py``. The caller gives "today" (the service's clock in
the athlete's time zone): nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.charts import data
from coach.charts.data import ActivityRow, ChartData, ChartKind, CheckinRow
from coach.engine.metrics.strength import StrengthSet
from coach.engine.models import Plan
from coach.store import models as m
from coach.store import repo


async def _plan(session: AsyncSession, athlete: m.Athlete) -> Plan | None:
    row = await repo.active_plan_row(session, athlete.id)
    return None if row is None else repo.plan_doc(row)


async def _activities(session: AsyncSession, athlete: m.Athlete, since: dt.date) -> list[ActivityRow]:
    rows = (
        await session.execute(
            select(m.Activity).where(
                m.Activity.athlete_id == athlete.id, m.Activity.start_time >= dt.datetime.combine(since, dt.time())
            )
        )
    ).scalars().all()
    # start_time is UTC; its date is the day the metrics tool counts the load on, so both agree.
    return [
        ActivityRow(date=a.start_time.date(), sport=a.sport, distance_km=a.distance_km, seconds=a.moving_s or a.elapsed_s, load=a.load)
        for a in rows
    ]


async def _checkins(session: AsyncSession, athlete: m.Athlete, since: dt.date) -> list[CheckinRow]:
    rows = (
        await session.execute(select(m.CheckIn).where(m.CheckIn.athlete_id == athlete.id, m.CheckIn.date >= since))
    ).scalars().all()
    return [CheckinRow(date=c.date, readiness=c.readiness, colour=c.readiness_color) for c in rows]


async def strength_sets(session: AsyncSession, athlete: m.Athlete) -> list[StrengthSet]:
    """Logged sets, as the metrics tool reads them: the /log ones and the live sessions' (one history)."""
    from coach.service.lifting import strength_history  # loads the lifting area only when a chart is drawn

    return await strength_history(session, athlete.id)


async def chart_data(session: AsyncSession, athlete: m.Athlete, kind: ChartKind, today: dt.date, *, day: dt.date | None = None) -> ChartData:
    """One chart's data for ``athlete`` on ``today``. ``day`` picks the week of a week chart
    (default: this week; the Sunday preview asks for next week's)."""
    rules = data.chart_rules()
    units = athlete.units
    if kind == "week":
        return data.week_chart(await _plan(session, athlete), day or today, today, units)
    if kind == "pmc":
        since = today - dt.timedelta(days=rules.pmc.lead_in_days)
        return data.pmc_chart(await _activities(session, athlete, since), await _plan(session, athlete), today, rules.pmc)
    if kind == "readiness":
        since = today - dt.timedelta(days=rules.readiness.shown_days - 1)
        return data.readiness_chart(await _checkins(session, athlete, since), today, rules.readiness)
    if kind == "volume":
        plan = await _plan(session, athlete)
        first = min((w.start for w in plan.weeks), default=today) if plan is not None else today
        return data.volume_chart(plan, await _activities(session, athlete, first), today, units, rules.volume)
    return data.strength_chart(await strength_sets(session, athlete), rules.strength)
