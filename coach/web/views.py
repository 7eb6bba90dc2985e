"""What the Mini App shows and does, over the same service as the chat (no HTTP here).

Reads come from the store as ``coach show --json`` reads them (``repo.plan_doc``); every change
goes through what the chat uses: the brain's tools (``move_session``, ``skip_session``,
``log_activity``, ``explain_session``) run by ``coach.service.toolrun.run_tool`` in the athlete's
turn, the coach's override (``coaching.override_session``, audited) and the review's approval
(``schedule.approve_week``). So the page and the chat never disagree.

Who may see what (MISSION principle 6): an athlete only themselves; a coach only linked athletes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.engine.models import Plan, Session
from coach.service import coaching, render
from coach.store import models as m
from coach.store import repo
from coach.store.models_web import WebToken
from coach.web.auth import AuthError, TelegramUser

if TYPE_CHECKING:
    from coach.service.service import CoachService

LOGIN_LINK_TTL = dt.timedelta(minutes=15)
"""A login link printed by ``coach web --login`` works once, within this time."""
SESSION_TTL = dt.timedelta(days=7)
"""The page opened by a login link stays signed in this long."""
COMPLIANCE_WINDOW_DAYS = 28
"""The coach's compliance figure: the sessions due in the last four weeks (seed 003's adherence view)."""
MAX_NOTE_CHARS = 1000


class Forbidden(Exception):
    """Signed in, but this is not yours to see or change: 403."""


class NotFound(Exception):
    """No such athlete, session or week: 404."""


class Invalid(Exception):
    """The request itself is wrong (a bad date, a missing field): 400. The message says which."""


@dataclass(frozen=True)
class Viewer:
    """Who the page belongs to: an athlete, a coach, or both (one Telegram user can be each)."""

    name: str
    athlete_id: int | None = None
    coach_id: int | None = None


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _day(value: Any, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(f"{field} must be a date like 2026-12-05, not {value!r}.") from None


# ---------------------------------------------------------------------- who is asking


async def viewer_for_telegram(service: CoachService, user: TelegramUser) -> Viewer:
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_telegram(s, user.id)
        coach = await coaching.coach_by_telegram(s, user.id)
        return Viewer(
            name=user.first_name or (athlete.display_name if athlete and athlete.display_name else str(user.id)),
            athlete_id=None if athlete is None else athlete.id, coach_id=None if coach is None else coach.id,
        )


async def issue_login(service: CoachService, *, athlete: str | None = None, coach: str | None = None) -> str:
    """A one-time login token for an athlete or a coach (by name), valid ``LOGIN_LINK_TTL``."""
    from coach.service.service import UserError

    async with service.db.transaction() as s:
        athlete_row = None if athlete is None else await repo.athlete_by_name(s, athlete)
        coach_row = None if coach is None else await coaching.coach_by_name(s, coach)
        if athlete is not None and athlete_row is None:
            raise UserError(f"There is no athlete called {athlete!r}.")
        if coach is not None and coach_row is None:
            raise UserError(f"There is no coach called {coach!r}.")
        if athlete_row is None and coach_row is None:
            raise UserError("Say whose page it is: --athlete NAME or --coach NAME.")
        token = secrets.token_urlsafe(32)
        s.add(WebToken(
            token_sha256=_sha(token), kind="login", athlete_id=None if athlete_row is None else athlete_row.id,
            coach_id=None if coach_row is None else coach_row.id, expires_at=service.db.naive_now() + LOGIN_LINK_TTL,
        ))
        return token


async def redeem_login(service: CoachService, token: str) -> str:
    """Trade a login token (once) for a session token; ``AuthError`` if used, expired or unknown."""
    async with service.db.transaction() as s:
        now = service.db.naive_now()
        row = (await s.execute(select(WebToken).where(WebToken.token_sha256 == _sha(token), WebToken.kind == "login"))).scalar_one_or_none()
        if row is None or row.used_at is not None or row.expires_at < now:
            raise AuthError("this login link is used, expired or unknown: print a new one with coach web --login")
        row.used_at = now
        session_token = secrets.token_urlsafe(32)
        s.add(WebToken(
            token_sha256=_sha(session_token), kind="session", athlete_id=row.athlete_id, coach_id=row.coach_id,
            expires_at=now + SESSION_TTL,
        ))
        return session_token


async def viewer_for_session(service: CoachService, token: str) -> Viewer:
    async with service.db.transaction() as s:
        row = (await s.execute(select(WebToken).where(WebToken.token_sha256 == _sha(token), WebToken.kind == "session"))).scalar_one_or_none()
        if row is None or row.expires_at < service.db.naive_now():
            raise AuthError("this session has expired: open a new login link")
        athlete = None if row.athlete_id is None else await s.get(m.Athlete, row.athlete_id)
        coach = None if row.coach_id is None else await s.get(m.Coach, row.coach_id)
        name = coach.name if coach is not None else (athlete.display_name or athlete.name if athlete is not None else "")
        return Viewer(name=name, athlete_id=row.athlete_id, coach_id=row.coach_id)


async def _readable(s: AsyncSession, viewer: Viewer, athlete_id: int) -> m.Athlete:
    """The athlete, if the viewer may see them: themselves, or a coach's linked athlete."""
    athlete = await s.get(m.Athlete, athlete_id)
    if athlete is None:
        raise NotFound("There is no such athlete.")
    if viewer.athlete_id == athlete.id:
        return athlete
    if viewer.coach_id is not None:
        link = (
            await s.execute(select(m.CoachLink.id).where(m.CoachLink.coach_id == viewer.coach_id, m.CoachLink.athlete_id == athlete.id))
        ).first()
        if link is not None:
            return athlete
    raise Forbidden("That athlete's plan is not yours to see.")


# ---------------------------------------------------------------------- reading


async def me(service: CoachService, viewer: Viewer) -> dict[str, Any]:
    async with service.db.transaction() as s:
        athlete = None if viewer.athlete_id is None else await s.get(m.Athlete, viewer.athlete_id)
        coach = None if viewer.coach_id is None else await s.get(m.Coach, viewer.coach_id)
        return {
            "name": viewer.name,
            "athlete": None if athlete is None else {"id": athlete.id, "name": coaching.shown(athlete), "has_plan": athlete.profile is not None},
            "coach": None if coach is None else {"id": coach.id, "name": coach.name},
        }


def _session_view(session: Session, units: str, week_index: int, phase: str) -> dict[str, Any]:
    return {
        **session.model_dump(mode="json"),
        "title": render.session_title(session, units),
        "step_lines": [line.strip() for line in render.step_lines(session.steps, units)],
        "week": week_index,
        "phase": phase,
    }


def plan_view(plan: Plan | None, units: str) -> list[dict[str, Any]]:
    """Every session of the plan, with the engine's own words for its title and steps."""
    if plan is None:
        return []
    return [_session_view(s, units, w.index, w.phase) for w in plan.weeks for s in w.sessions]


async def calendar(service: CoachService, viewer: Viewer, athlete_id: int) -> dict[str, Any]:
    """The athlete's plan as ``coach show --json`` has it (``plan``) and one item per session (``sessions``)."""
    async with service.db.transaction() as s:
        athlete = await _readable(s, viewer, athlete_id)
        row = await repo.active_plan_row(s, athlete.id)
        plan = None if row is None else repo.plan_doc(row)
        return {
            "athlete": {"id": athlete.id, "name": coaching.shown(athlete), "units": athlete.units, "time_zone": athlete.time_zone},
            "today": service.clock.today(athlete.time_zone).isoformat(),
            "own": viewer.athlete_id == athlete.id,
            "coach": viewer.coach_id is not None and viewer.athlete_id != athlete.id,
            "plan": None if row is None or plan is None else {"version": row.version, "source": row.source, **plan.model_dump(mode="json")},
            "weeks": [] if plan is None else [
                {"index": w.index, "start": w.start.isoformat(), "phase": w.phase, "cutback": w.cutback, "notes": w.notes,
                 "planned_minutes": w.planned_minutes, "planned_km": w.planned_km}
                for w in plan.weeks
            ],
            "sessions": plan_view(plan, athlete.units),
        }


PROGRESS_KINDS = ("pmc", "volume", "readiness", "strength")


async def progress(service: CoachService, viewer: Viewer, athlete_id: int, kind: str) -> dict[str, Any]:
    """One chart's data (``coach chart``'s, from coach/charts), for the page to draw: same numbers as the pictures."""
    from coach.charts.data import as_json
    from coach.charts.source import chart_data

    if kind not in PROGRESS_KINDS:
        raise NotFound(f"No chart {kind!r}; there are {', '.join(PROGRESS_KINDS)}.")
    async with service.db.transaction() as s:
        athlete = await _readable(s, viewer, athlete_id)
        return as_json(await chart_data(s, athlete, kind, service.clock.today(athlete.time_zone)))  # type: ignore[arg-type]


# ---------------------------------------------------------------------- the athlete's actions (the chat's tools)

ACTIONS = ("move", "done", "skip", "why")


def _log_values(session: Session, day: dt.date) -> dict[str, Any]:
    """'I did the planned session' as the ``log_activity`` tool's values: its sport, minutes and distance."""
    values: dict[str, Any] = {
        "sport": session.sport if session.sport in ("run", "ride", "swim", "strength") else "other",
        "date": day.isoformat(), "duration": f"{session.duration_min} min",
    }
    if session.distance_km:
        values |= {"distance": session.distance_km, "distance_unit": "km"}
    return values


async def act(service: CoachService, viewer: Viewer, athlete_id: int, action: str, body: dict[str, Any]) -> dict[str, Any]:
    """One of the athlete's actions through the chat's tools: ``{"ok", "text", "result"}``.

    A refused change (a guardrail, a day already past) is ``ok: false`` with the reason; nothing changed."""
    from coach.service.toolrun import APPLIED, run_tool

    if action not in ACTIONS:
        raise NotFound(f"Unknown action {action!r}.")
    async with service.db.transaction() as s:
        athlete = await _readable(s, viewer, athlete_id)
        if action != "why" and viewer.athlete_id != athlete.id:
            raise Forbidden("Only the athlete changes their own plan here; a coach uses the override.")
        name = athlete.name
        row = await repo.active_plan_row(s, athlete.id)
        day = _day(body.get("date"), "date")
        planned = [] if row is None else [repo.session_doc(x) for x in repo.sessions_on(row, day) if x.type != "commitment"]
    if action == "why":
        tool, tool_input = "explain_session", {"date": day.isoformat()}
    elif action == "move":
        tool, tool_input = "move_session", {"from_date": day.isoformat(), "to_date": _day(body.get("to"), "to").isoformat()}
    elif action == "skip":
        tool, tool_input = "skip_session", {"date": day.isoformat(), "reason": "skipped from the calendar"}
    else:
        if not planned:
            raise Invalid(f"There was no session planned on {day.isoformat()}.")
        tool, tool_input = "log_activity", _log_values(planned[0], day)
    run = await run_tool(service, name, tool, tool_input)
    document = run.document()
    return {"ok": run.outcome == APPLIED, "text": _tool_text(document), "result": document}


def _tool_text(document: dict[str, Any]) -> str:
    if not document.get("ok"):
        result = document.get("result") or {}
        return str(document.get("error") or result.get("refused_reason") or result.get("summary") or "That wasn't possible.")
    result = document["result"]
    if "reasons" in result:  # explain_session
        notes = [f"Why this week: {n}" for n in result.get("week_notes", [])[:3]]
        return "\n".join([*result["reasons"], *notes])
    return str(result.get("text") or result.get("summary") or "Done.")


# ---------------------------------------------------------------------- the coach's view


async def _coach(s: AsyncSession, viewer: Viewer) -> m.Coach:
    coach = None if viewer.coach_id is None else await s.get(m.Coach, viewer.coach_id)
    if coach is None:
        raise Forbidden("This page is for coaches.")
    return coach


async def _compliance(s: AsyncSession, athlete: m.Athlete, today: dt.date) -> dict[str, Any]:
    """Sessions due in the last ``COMPLIANCE_WINDOW_DAYS``: done, partial, missed (a past session
    still 'planned' counts as missed, as in /athletes) and the share done."""
    row = await repo.active_plan_row(s, athlete.id)
    first = today - dt.timedelta(days=COMPLIANCE_WINDOW_DAYS)
    due = [] if row is None else [
        x for x in repo.sessions_between(row, first, today - dt.timedelta(days=1)) if x.type != "commitment" and x.status not in ("moved", "skipped")
    ]
    done = sum(1 for x in due if x.status == "done")
    partial = sum(1 for x in due if x.status == "partial")
    missed = sum(1 for x in due if x.status in ("missed", "planned"))
    return {"due": len(due), "done": done, "partial": partial, "missed": missed,
            "done_pct": None if not due else round(100 * done / len(due))}


async def _linked(s: AsyncSession, coach: m.Coach, athlete_id: int) -> m.Athlete:
    athlete = await s.get(m.Athlete, athlete_id)
    if athlete is None:
        raise NotFound("There is no such athlete.")
    if athlete.id not in {a.id for a in await coaching.linked_athletes(s, coach)}:
        raise Forbidden(f"{coaching.shown(athlete)} isn't one of your athletes.")
    return athlete


async def _pending_reviews(s: AsyncSession, athletes: list[m.Athlete]) -> list[dict[str, Any]]:
    """Weekly previews sent to the coach for review and not yet approved (no ``weekly:`` send)."""
    by_id = {a.id: a for a in athletes}
    if not by_id:
        return []
    rows = (
        await s.execute(select(m.OutboxMessage).where(m.OutboxMessage.kind == "review", m.OutboxMessage.athlete_id.in_(list(by_id))))
    ).scalars().all()
    waiting = []
    for row in rows:
        week_start = row.key.rsplit(":", 1)[-1]
        sent = (await s.execute(select(m.OutboxMessage.id).where(m.OutboxMessage.key == f"weekly:{row.athlete_id}:{week_start}"))).first()
        if sent is None and row.athlete_id is not None:
            waiting.append({"athlete_id": row.athlete_id, "athlete": coaching.shown(by_id[row.athlete_id]), "week_start": week_start,
                            "text": str(row.payload.get("text", ""))})
    return sorted(waiting, key=lambda r: (r["week_start"], r["athlete"]))


async def coach_dashboard(service: CoachService, viewer: Viewer) -> dict[str, Any]:
    """Linked athletes with compliance, readiness, CTL/ATL/TSB (the ``metrics`` tool) and flags; plans waiting for review."""
    from coach.service.service import Ctx
    from coach.service.tools import CoachTools, NoInput

    async with service.db.transaction() as s:
        coach = await _coach(s, viewer)
        athletes = await coaching.linked_athletes(s, coach)
        rows = []
        for athlete in athletes:
            today = service.clock.today(athlete.time_zone)
            compliance = await _compliance(s, athlete, today)
            metrics = None
            if athlete.profile is not None:
                metrics = await CoachTools(service, Ctx(s, athlete, today)).metrics(NoInput())
            limitations = await repo.active_limitations(s, athlete.id)
            flags = []
            if athlete.inactive_since is not None:
                flags.append("can't be reached (blocked the bot?)")
            if athlete.profile is None:
                flags.append("no plan yet")
            if compliance["missed"]:
                flags.append(f"{compliance['missed']} missed in {COMPLIANCE_WINDOW_DAYS} days")
            if metrics is not None and metrics.readiness_colour in ("amber", "red"):
                flags.append(f"readiness {metrics.readiness_colour}")
            flags += [lim.description for lim in limitations if lim.until is None or lim.until >= today]
            rows.append({
                "id": athlete.id, "name": coaching.shown(athlete), "compliance": compliance, "flags": flags,
                "readiness": None if metrics is None else metrics.readiness, "readiness_colour": None if metrics is None else metrics.readiness_colour,
                "ctl": None if metrics is None else metrics.ctl, "atl": None if metrics is None else metrics.atl,
                "tsb": None if metrics is None else metrics.tsb,
            })
        return {"coach": {"id": coach.id, "name": coach.name}, "athletes": rows, "reviews": await _pending_reviews(s, athletes)}


async def approve(service: CoachService, viewer: Viewer, athlete_id: int, week_start: Any) -> dict[str, Any]:
    """The review's Approve button (``schedule.approve_week``): the athlete gets the week, once."""
    from coach.service.schedule import approve_week

    start = _day(week_start, "week_start")
    async with service.db.transaction() as s:
        coach = await _coach(s, viewer)
        athlete = await _linked(s, coach, athlete_id)
        sent = await approve_week(s, athlete, start, service.clock.today(athlete.time_zone), coach.name)
        name = coaching.shown(athlete)
        return {"ok": True, "sent": sent, "text": f"Approved: {name} gets their week." if sent else f"{name}'s week was already sent."}


async def note(service: CoachService, viewer: Viewer, athlete_id: int, text: Any) -> dict[str, Any]:
    """A note from the coach to the athlete: kept in the conversation and sent to the athlete's chat."""
    words = str(text or "").strip()
    if not words:
        raise Invalid("Write the note first.")
    if len(words) > MAX_NOTE_CHARS:
        raise Invalid(f"A note is at most {MAX_NOTE_CHARS} characters.")
    async with service.db.transaction() as s:
        coach = await _coach(s, viewer)
        athlete = await _linked(s, coach, athlete_id)
        s.add(m.ChatMessage(athlete_id=athlete.id, role="human_coach", text=words))
        digest = hashlib.sha256(words.encode()).hexdigest()[:16]
        key = f"coach_note:{coach.id}:{athlete.id}:{digest}:{service.clock.today(athlete.time_zone).isoformat()}"
        if (await s.execute(select(m.OutboxMessage.id).where(m.OutboxMessage.key == key))).first() is None:
            s.add(m.OutboxMessage(
                key=key, athlete_id=athlete.id, chat_id=athlete.telegram_chat_id, kind="coach_note",
                payload={"text": f"Note from {coach.name}: {words}", "buttons": [], "document": None},
            ))
        return {"ok": True, "text": f"Note sent to {coaching.shown(athlete)}."}


async def override(service: CoachService, viewer: Viewer, athlete_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """The coach's override (``coaching.override_session``): validated, waivers by name, audited."""
    day = _day(body.get("date"), "date")
    changes = body.get("changes")
    if not isinstance(changes, dict) or not changes:
        raise Invalid("Say what to change, e.g. {\"duration_min\": 90}.")
    waive = body.get("waive") or []
    reason = str(body.get("reason") or "").strip()
    if not reason:
        raise Invalid("Give a reason: it is kept with the override.")
    if not isinstance(waive, list):
        raise Invalid("waive is a list of rule ids.")
    words = [f"{k}={v}" for k, v in changes.items()] + ([f"waive={','.join(str(w) for w in waive)}"] if waive else [])
    async with service.db.transaction() as s:
        coach = await _coach(s, viewer)
        athlete = await _linked(s, coach, athlete_id)
        try:
            parsed, waived = coaching.parse_changes(words)
            result = await coaching.override_session(s, coach, athlete, day, parsed, waived, reason, service.rules)
        except coaching.CoachingError as error:
            return {"ok": False, "text": str(error)}
        return {"ok": True, "text": result.text}
