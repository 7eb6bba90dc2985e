"""Everything the coach holds about an athlete: ``/export`` in the chat (JSON and the plan as a
calendar, or the plan in a workout format) and ``coach show --json``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.service import training_log
from coach.service.calendar import plan_ics
from coach.service.context import Ctx, UserError
from coach.service.types import Document, Reply
from coach.store import models as m
from coach.store import repo

if TYPE_CHECKING:
    from coach.service.protocol import Service


async def export(service: Service, ctx: Ctx, args: str = "") -> list[Reply]:
    if args.strip():  # /export ics|zwo|fit|intervals [hr]: the plan as files (coach/export)
        from coach.export.chat import export_replies

        return await export_replies(service, ctx, args)
    data = await athlete_document(service, ctx.session, ctx.athlete)
    messages = (
        await ctx.session.execute(
            select(m.ChatMessage).where(m.ChatMessage.athlete_id == ctx.athlete.id).order_by(m.ChatMessage.id)
        )
    ).scalars()
    data["conversation"] = [
        {"role": c.role, "text": c.text, "at": c.created_at.isoformat()} for c in messages
    ]
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
    replies = [
        Reply(
            "Here's everything I have about you.",
            document=Document(f"coach-export-{ctx.today.isoformat()}.json", body, "application/json"),
        )
    ]
    row = await repo.active_plan_row(ctx.session, ctx.athlete.id)
    if row is not None:
        ics = plan_ics(
            repo.plan_doc(row), f"athlete{ctx.athlete.id}", ctx.athlete.units, stamp=service.clock.now()
        )
        replies.append(
            Reply(
                "And your plan for your calendar app:",
                document=Document("training-plan.ics", ics, "text/calendar"),
            )
        )
    return replies


async def athlete_document(service: Service, s: AsyncSession, athlete: m.Athlete) -> dict[str, Any]:
    """Everything the coach holds about an athlete, as ``coach show --json`` prints it."""
    plan_row = await repo.active_plan_row(s, athlete.id)
    checkins = await repo.recent_checkins(s, athlete.id)
    activities = await repo.recent_activities(s, athlete.id)
    notes = await repo.notes(s, athlete.id)
    limitations = await repo.active_limitations(s, athlete.id)
    goal = (athlete.profile or {}).get("goal")
    sport = str((athlete.profile or {}).get("sport", "run"))
    derived = await training_log.history_from_activities(
        s, athlete, service.clock.today(athlete.time_zone), sport
    )
    from coach.store.models_connect import Connection

    connections = (
        (
            await s.execute(
                select(Connection).where(Connection.athlete_id == athlete.id).order_by(Connection.provider)
            )
        )
        .scalars()
        .all()
    )
    return {
        "athlete": {
            "name": athlete.name,
            "telegram_user_id": athlete.telegram_user_id,
            "time_zone": athlete.time_zone,
            "units": athlete.units,
        },
        "profile": athlete.profile,
        "goal": goal,
        "onboarding": None
        if not athlete.dialog or athlete.dialog.get("flow") != "onboarding"
        else {"step": athlete.dialog["state"].get("step")},
        "plan": None
        if plan_row is None
        else {
            "version": plan_row.version,
            "source": plan_row.source,
            **repo.plan_doc(plan_row).model_dump(mode="json"),
        },
        "checkins": [
            {
                "date": c.date.isoformat(),
                "sleep_hours": c.sleep_hours,
                "sleep_quality": c.sleep_quality,
                "energy": c.energy,
                "soreness": c.soreness,
                "stress": c.stress,
                "mood": c.mood,
                "ill": c.ill,
                "ill_below_neck": c.ill_below_neck,
                "symptoms": c.symptoms or [],
                "hrv_ms": c.hrv_ms,
                "resting_hr": c.resting_hr,
                "readiness": c.readiness,
                "readiness_color": c.readiness_color,
                "reasons": c.reasons,
            }
            for c in checkins
        ],
        "activities": [
            {
                "sport": a.sport,
                "start_time": a.start_time.isoformat() + "Z",
                "elapsed_s": a.elapsed_s,
                "moving_s": a.moving_s,
                "distance_km": a.distance_km,
                "elevation_gain_m": a.elevation_gain_m,
                "avg_hr": a.avg_hr,
                "max_hr": a.max_hr,
                "avg_power_w": a.avg_power_w,
                "np_w": a.np_w,
                "tss": a.tss,
                "load": a.load,
                "source": a.source,
                "file": a.file_name,
                "rpe": a.rpe,
                "details": a.details or {},
            }
            for a in activities
        ],
        "history_from_activities": derived,
        "notes": [
            {"id": n.id, "kind": n.kind, "text": n.text, "created_on": n.created_on.isoformat()}
            for n in notes
        ],
        "limitations": [
            {
                "kind": lim.kind,
                "body_part": lim.body_part,
                "side": lim.side,
                "sport": lim.sport,
                "avoid": lim.avoid,
                "description": lim.description,
                "since": lim.since.isoformat(),
                "until": None if lim.until is None else lim.until.isoformat(),
            }
            for lim in limitations
        ],
        "connections": [  # Intervals.icu, Strava: status only, never a key or token
            {
                "provider": c.provider,
                "external_athlete_id": c.external_athlete_id,
                "status": c.status,
                "last_pull_at": None if c.last_pull_at is None else c.last_pull_at.isoformat(),
                "last_push_at": None if c.last_push_at is None else c.last_push_at.isoformat(),
            }
            for c in connections
        ],
    }


async def show(service: Service, name: str) -> dict[str, Any]:
    """``coach show NAME``: the athlete's document."""
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, name)
        if athlete is None:
            raise UserError(f"There is no athlete called {name!r}.")
        return await athlete_document(service, s, athlete)
