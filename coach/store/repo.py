"""Repository functions: the queries the service needs, in one place, on one session."""

from __future__ import annotations

import datetime as dt
import pickle
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Row, Text, cast, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import object_session, selectinload

from coach.engine.models import Plan as PlanDoc
from coach.engine.models import Session as SessionDoc
from coach.engine.models import Step as StepDoc
from coach.engine.models import Week as WeekDoc
from coach.store import models as m
from coach.store import models_pictures


async def athlete_by_name(session: AsyncSession, name: str) -> m.Athlete | None:
    return (await session.execute(select(m.Athlete).where(m.Athlete.name == name))).scalar_one_or_none()


async def athlete_by_telegram(session: AsyncSession, user_id: int) -> m.Athlete | None:
    return (await session.execute(select(m.Athlete).where(m.Athlete.telegram_user_id == user_id))).scalar_one_or_none()


PLAN_MEMO = "coach.active_plan_memo"
"""``session.info`` key of the memo that ``plan_memo`` turns on."""
PLAN_DOC_MEMO = "coach.plan_doc_memo"
"""``session.info`` key of the plan documents made within ``plan_memo`` (``plan_doc``, by row)."""
PLAN_DOCS_UNSHARED = "coach.plan_docs_unshared"
"""``session.info`` key set by ``plan_memo(shared=False)``: documents are not kept across transactions."""
RAW_STEPS = "coach.raw_steps"
"""``session.info`` key of preloaded sessions' steps as their stored JSON text, by session id
(``preload_active_plans(raw_steps=True)``)."""
_STEPS = TypeAdapter(list[StepDoc])


@contextmanager
def plan_memo(session: AsyncSession, *, shared: bool = True) -> Iterator[None]:
    """Within the block, ``active_plan_row`` loads each athlete's active plan (with every week and
    session) once and then returns that same row; ``save_plan`` forgets it, so the next call loads
    the new version. For composing steps that read the plan several times and change it only
    through ``save_plan`` (the Sunday preview, the weekly batch: 6 loads per athlete otherwise).
    ``plan_doc`` of a row is also made once within the block (3 per athlete otherwise, ~3 ms each):
    the steps in the block read the document and never change it, nor the row's sessions.
    ``shared=False`` (the weekly batch, which reads each plan once): documents are not put in the
    process's ``plan_docs`` either, where they would only push out the chatting athletes' plans."""
    if PLAN_MEMO in session.info:  # nested: the outer block owns the memo
        yield
        return
    session.info[PLAN_MEMO] = {}
    session.info[PLAN_DOC_MEMO] = {}
    if not shared:
        session.info[PLAN_DOCS_UNSHARED] = True
    try:
        yield
    finally:
        session.info.pop(PLAN_MEMO, None)
        session.info.pop(PLAN_DOC_MEMO, None)
        session.info.pop(PLAN_DOCS_UNSHARED, None)
        session.info.pop(RAW_STEPS, None)


async def preload_active_plans(session: AsyncSession, athlete_ids: Sequence[int], *, raw_steps: bool = False) -> None:
    """Within ``plan_memo``: the active plans of many athletes in one query (the weekly batch's
    chunk), so that each ``active_plan_row`` below is a memo hit. Outside a memo: nothing.

    ``raw_steps`` (within ``plan_memo(shared=False)``, for steps that only ``plan_doc`` reads):
    the sessions' steps are not decoded from JSON into the rows (reading ``steps`` on them raises)
    but kept as their stored text, which ``plan_doc`` validates straight from JSON. They are most
    of a plan's bytes, and decoding them was a third of loading a plan."""
    memo: dict[int, m.Plan | None] | None = session.info.get(PLAN_MEMO)
    if memo is None or not athlete_ids:
        return
    sessions = selectinload(m.Plan.weeks).selectinload(m.PlanWeek.sessions)
    if raw_steps:
        sessions = sessions.defer(m.PlannedSession.steps, raiseload=True)
    query = (
        select(m.Plan)
        .where(m.Plan.athlete_id.in_(athlete_ids), m.Plan.status == "active")
        .order_by(m.Plan.athlete_id, m.Plan.version.desc())
        .options(sessions)
    )
    rows: dict[int, m.Plan] = {}
    for row in (await session.execute(query)).scalars():
        rows.setdefault(row.athlete_id, row)  # the newest active version, as _load_active_plan_row
    for athlete_id in athlete_ids:
        memo[athlete_id] = rows.get(athlete_id)
    if raw_steps and rows:
        text = (
            select(m.PlannedSession.id, cast(m.PlannedSession.steps, Text))
            .join(m.PlanWeek, m.PlannedSession.week_id == m.PlanWeek.id)
            .where(m.PlanWeek.plan_id.in_([row.id for row in rows.values()]))
        )
        raw: dict[int, str] = session.info.setdefault(RAW_STEPS, {})
        raw.update((await session.execute(text)).tuples().all())


def forget_plans(session: AsyncSession, athlete_id: int) -> None:
    """Drop ``athlete_id``'s memoised plan and every memoised plan document (a batch moving on)."""
    session.info.get(PLAN_MEMO, {}).pop(athlete_id, None)
    session.info.get(PLAN_DOC_MEMO, {}).clear()


async def active_plan_row(session: AsyncSession, athlete_id: int) -> m.Plan | None:
    memo: dict[int, m.Plan | None] | None = session.info.get(PLAN_MEMO)
    if memo is not None and athlete_id in memo:
        return memo[athlete_id]
    row = await _load_active_plan_row(session, athlete_id)
    if memo is not None:
        memo[athlete_id] = row
    return row


async def _load_active_plan_row(session: AsyncSession, athlete_id: int) -> m.Plan | None:
    query = (
        select(m.Plan)
        .where(m.Plan.athlete_id == athlete_id, m.Plan.status == "active")
        .order_by(m.Plan.version.desc())
        .options(selectinload(m.Plan.weeks).selectinload(m.PlanWeek.sessions))
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def save_plan(session: AsyncSession, athlete: m.Athlete, plan: PlanDoc, *, source: str, reason: str) -> m.Plan:
    """Store a new plan version; the previous active version is archived, never deleted."""
    session.info.get(PLAN_MEMO, {}).pop(athlete.id, None)
    current = (
        await session.execute(select(func.max(m.Plan.version)).where(m.Plan.athlete_id == athlete.id))
    ).scalar_one_or_none()
    await session.execute(
        update(m.Plan).where(m.Plan.athlete_id == athlete.id, m.Plan.status == "active").values(status="archived")
    )
    document = plan.model_dump(mode="json", exclude={"weeks"})
    row = m.Plan(athlete_id=athlete.id, version=(current or 0) + 1, status="active", source=source, reason=reason, document=document)
    session.add(row)
    await session.flush()
    # Weeks and sessions in two multi-row statements (a plan holds ~100 rows; one statement per row
    # cost ~60 ms on SQLite, most of an adaptation).
    weeks = [
        {
            "plan_id": row.id, "index": week.index, "start": week.start, "phase": week.phase, "cutback": week.cutback,
            "planned_km": week.planned_km, "planned_minutes": week.planned_minutes, "load": week.load, "notes": list(week.notes),
            "built_minutes": week.built_minutes, "built_load": week.built_load, "return_fraction": week.return_fraction,
        }
        for week in plan.weeks
    ]
    if not weeks:
        return row
    # One INSERT for every week: RETURNING each week's index with its id rather than in parameter
    # order (with sort_by_parameter_order SQLite has no sentinel for an integer key, and SQLAlchemy
    # sent one INSERT per week: 18 round trips for a 4-month plan); (plan_id, index) is unique, so
    # the index says which id is whose. render_nulls: weeks without built_minutes would otherwise
    # go in a statement of their own (the columns they leave NULL have no default).
    returned = await session.execute(
        insert(m.PlanWeek).returning(m.PlanWeek.index, m.PlanWeek.id), weeks, execution_options={"render_nulls": True}
    )
    id_of_index: dict[int, int] = {index: week_id for index, week_id in returned.tuples()}
    week_ids = [id_of_index[week.index] for week in plan.weeks]
    sessions = [
        {
            "week_id": week_id, "date": s.date, "sport": s.sport, "type": s.type, "intensity": s.intensity, "key": s.key,
            "duration_min": s.duration_min, "distance_km": s.distance_km, "load": s.load,
            "steps": [step.model_dump(mode="json") for step in s.steps], "description": s.description,
            "intervals_icu": s.intervals_icu, "status": s.status, "waived": list(s.waived),
        }
        for week_id, week in zip(week_ids, plan.weeks, strict=True)
        for s in week.sessions
    ]
    if sessions:
        await session.execute(insert(m.PlannedSession), sessions)
    return row


def session_doc(row: m.PlannedSession, *, estimated_run_km: bool = False) -> SessionDoc:
    """A stored session as the engine's document; ``estimated_run_km``: the plan's run distances
    are estimates (``meta.easy_pace_estimate``), so its run sessions say ``distance_estimated``."""
    return SessionDoc.model_validate(_session_data(row, estimated_run_km, None))


def _session_data(row: m.PlannedSession, estimated_run_km: bool, raw_steps: dict[int, str] | None) -> dict[str, Any]:
    estimated = estimated_run_km and row.sport == "run" and row.type != "race" and row.distance_km is not None
    raw = None if raw_steps is None else raw_steps.get(row.id)
    return {
        "date": row.date, "sport": row.sport, "type": row.type, "intensity": row.intensity, "key": row.key,
        "duration_min": row.duration_min, "distance_km": row.distance_km, "distance_estimated": estimated,
        "load": row.load, "steps": row.steps if raw is None else _STEPS.validate_json(raw),
        "description": row.description, "intervals_icu": row.intervals_icu, "status": row.status, "waived": row.waived,
    }


PLAN_DOC_CACHE_SIZE = 64
"""Plan documents kept across transactions (``plan_doc``): one per plan row, least recently used
dropped first. A 4-month plan's document and its key take about 0.45 MB (~30 MB in all); an
athlete who writes again within a few turns hits."""


class _PlanDocCache:
    """Plan documents by plan row id, each with the stored content it was made from.

    Making a document validates every week and session (~2.5 ms for a 4-month plan, most of an
    offline reply), and the rows rarely change between turns. A hit needs the row's content to
    equal, byte for byte, what the document was made from (``_content``: the version, the plan's
    JSON, every week's and session's columns that ``_plan_doc`` reads, pickled: ~0.3 ms), so a
    session marked done, a new version or a row changed by another process is a miss, never a
    stale document; and as bytes, a JSON value changed in place on a loaded row cannot alter what
    a cached document is compared with. Documents are shared between hits: plan documents are
    values, the engine copies them (``model_copy``) and never changes one in place.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[int, tuple[bytes, PlanDoc]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, row: m.Plan) -> PlanDoc:
        content = pickle.dumps(_content(row), pickle.HIGHEST_PROTOCOL)
        with self._lock:
            entry = self._entries.get(row.id)
            if entry is not None and entry[0] == content:
                self._entries.move_to_end(row.id)
                self.hits += 1
                return entry[1]
            self.misses += 1
        doc = _plan_doc(row)
        with self._lock:
            self._entries[row.id] = (content, doc)
            self._entries.move_to_end(row.id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return doc

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def _content(row: m.Plan) -> tuple[Any, ...]:
    """Everything of a stored plan that its document is made from (see ``_plan_doc``)."""
    return (
        row.version,
        row.document,
        [
            (
                w.id, w.index, w.start, w.phase, w.cutback, w.planned_km, w.planned_minutes, w.load, w.notes,
                w.built_minutes, w.built_load, w.return_fraction,
                [
                    (
                        s.id, s.date, s.sport, s.type, s.intensity, s.key, s.duration_min, s.distance_km, s.load, s.steps,
                        s.description, s.intervals_icu, s.status, s.waived,
                    )
                    for s in w.sessions
                ],
            )
            for w in row.weeks
        ],
    )


plan_docs = _PlanDocCache(PLAN_DOC_CACHE_SIZE)
"""The process's plan documents (``plan_doc``)."""


def plan_doc(row: m.Plan) -> PlanDoc:
    """The stored plan as the engine's plan document, with every session's current status
    (made once per row within ``plan_memo``; across transactions, again only when the row's
    content changed: ``plan_docs``)."""
    session = object_session(row)
    memo: dict[int, tuple[m.Plan, PlanDoc]] | None = None if session is None else session.info.get(PLAN_DOC_MEMO)
    if memo is not None:
        hit = memo.get(id(row))
        if hit is not None and hit[0] is row:
            return hit[1]
    shared = row.id is not None and (session is None or not (PLAN_DOCS_UNSHARED in session.info or RAW_STEPS in session.info))
    doc = plan_docs.get(row) if shared else _plan_doc(row)
    if memo is not None:
        memo[id(row)] = (row, doc)
    return doc


def _plan_doc(row: m.Plan) -> PlanDoc:
    """The document validated in one pass over the stored values (the weeks and sessions are not
    validated first on their own, dumped and validated again: that was 3/4 of the time)."""
    estimated = bool((row.document.get("meta") or {}).get("easy_pace_estimate"))
    session = object_session(row)
    raw: dict[int, str] | None = None if session is None else session.info.get(RAW_STEPS)
    data: dict[str, Any] = dict(row.document)
    data["weeks"] = [
        {
            "index": w.index, "start": w.start, "phase": w.phase, "cutback": w.cutback, "planned_km": w.planned_km,
            "planned_minutes": w.planned_minutes, "load": w.load, "sessions": [_session_data(s, estimated, raw) for s in w.sessions],
            "notes": [str(n) for n in w.notes], "built_minutes": w.built_minutes, "built_load": w.built_load,
            "return_fraction": w.return_fraction,
        }
        for w in row.weeks
    ]
    return PlanDoc.model_validate(data)


def sessions_on(plan: m.Plan, day: dt.date) -> list[m.PlannedSession]:
    return [s for w in plan.weeks for s in w.sessions if s.date == day]


def sessions_between(plan: m.Plan, first: dt.date, last: dt.date) -> list[m.PlannedSession]:
    return sorted((s for w in plan.weeks for s in w.sessions if first <= s.date <= last), key=lambda s: (s.date, s.id or 0))


async def active_sessions_between(
    session: AsyncSession, athlete_id: int, first: dt.date, last: dt.date
) -> tuple[dict[str, Any], list[m.PlannedSession]] | None:
    """The active plan's stored document and its sessions dated ``first``..``last`` (by date, then
    id), as ``sessions_between(active_plan_row(...))`` gives them, without loading the whole plan:
    the plan's id and document, then the window's sessions (the same objects as a loaded plan's,
    from the identity map). Within ``plan_memo`` the memoised plan is used (and loaded whole if it
    is not there yet: the block reads it again). None without a plan."""
    if PLAN_MEMO in session.info:
        row = await active_plan_row(session, athlete_id)
        return None if row is None else (row.document, sessions_between(row, first, last))
    plan = await _active_plan_head(session, athlete_id)
    if plan is None:
        return None
    query = (
        select(m.PlannedSession)
        .join(m.PlanWeek, m.PlannedSession.week_id == m.PlanWeek.id)
        .where(m.PlanWeek.plan_id == plan.id, m.PlannedSession.date >= first, m.PlannedSession.date <= last)
        .order_by(m.PlannedSession.date, m.PlannedSession.id)
    )
    return plan.document, list((await session.execute(query)).scalars())


async def _active_plan_head(session: AsyncSession, athlete_id: int) -> Row[int, dict[str, Any]] | None:
    """The active plan's id and stored document, without its weeks and sessions."""
    return (
        await session.execute(
            select(m.Plan.id, m.Plan.document)
            .where(m.Plan.athlete_id == athlete_id, m.Plan.status == "active")
            .order_by(m.Plan.version.desc())
            .limit(1)
        )
    ).first()


def estimated_run_km(document: dict[str, Any]) -> bool:
    """The plan's run distances are estimates (``meta.easy_pace_estimate``: no race result gave paces)."""
    return bool((document.get("meta") or {}).get("easy_pace_estimate"))


async def active_session_docs_between(
    session: AsyncSession, athlete_id: int, first: dt.date, last: dt.date
) -> list[SessionDoc] | None:
    """The active plan's sessions dated ``first``..``last`` (by date, then id) as the engine's
    documents, equal to those of ``plan_doc(active_plan_row(...))``, reading only the window's rows
    (``active_sessions_between``) instead of loading and validating the whole plan (a turn asking
    "what's on today?" spent ~8 ms of CPU loading a 4-month plan and ~4-8 ms making its document).
    None without a plan."""
    window = await active_sessions_between(session, athlete_id, first, last)
    if window is None:
        return None
    document, rows = window
    estimated = estimated_run_km(document)
    return [session_doc(row, estimated_run_km=estimated) for row in rows]


async def active_week_doc(session: AsyncSession, athlete_id: int, day: dt.date) -> tuple[bool, WeekDoc | None]:
    """The active plan's week holding ``day``, else its first week after it (``render.current_week``),
    as the engine's week document equal to that of ``plan_doc(active_plan_row(...))``, reading that
    week's rows only. ``(False, None)`` without a plan, ``(True, None)`` when no week is left."""
    if PLAN_MEMO in session.info:  # the memoised plan, as everywhere within plan_memo
        row = await active_plan_row(session, athlete_id)
        if row is None:
            return False, None
        docs = plan_doc(row).weeks
        current = [w for w in docs if w.start <= day < w.start + dt.timedelta(days=7)]
        later = [w for w in docs if w.start > day]
        return True, (current or later)[0] if current or later else None
    plan = await _active_plan_head(session, athlete_id)
    if plan is None:
        return False, None
    weeks = select(m.PlanWeek).where(m.PlanWeek.plan_id == plan.id).options(selectinload(m.PlanWeek.sessions))
    week = (
        await session.execute(
            weeks.where(m.PlanWeek.start <= day, m.PlanWeek.start > day - dt.timedelta(days=7)).order_by(m.PlanWeek.index).limit(1)
        )
    ).scalar_one_or_none() or (
        await session.execute(weeks.where(m.PlanWeek.start > day).order_by(m.PlanWeek.index).limit(1))
    ).scalar_one_or_none()
    if week is None:
        return True, None
    estimated = estimated_run_km(plan.document)
    return True, WeekDoc.model_validate(
        {
            "index": week.index, "start": week.start, "phase": week.phase, "cutback": week.cutback,
            "planned_km": week.planned_km, "planned_minutes": week.planned_minutes, "load": week.load,
            "sessions": [session_doc(s, estimated_run_km=estimated) for s in week.sessions],
            "notes": [str(n) for n in week.notes], "built_minutes": week.built_minutes, "built_load": week.built_load,
            "return_fraction": week.return_fraction,
        }
    )


async def recent_checkins(session: AsyncSession, athlete_id: int, limit: int = 14) -> list[m.CheckIn]:
    query = select(m.CheckIn).where(m.CheckIn.athlete_id == athlete_id).order_by(m.CheckIn.date.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


# --------------------------------------------------------------------------- many athletes at once

RECENT_MEMO = "coach.recent_rows_memo"
"""``session.info`` key of the rows ``preload_recent`` read for many athletes at once."""


@dataclass
class _Recent:
    activities_since: dt.datetime
    activities: dict[int, list[m.Activity]]
    checkins_since: dt.date
    checkins: dict[int, list[m.CheckIn]]
    review_groups: dict[int, int | None]


@contextmanager
def recent_memo(session: AsyncSession) -> Iterator[None]:
    """Within the block, ``preload_recent`` may read the recent rows of many athletes at once (the
    weekly batch's chunk: five queries per athlete otherwise); the functions below then answer
    from them. Outside it, or for an athlete or a window not preloaded, they query as usual."""
    session.info.pop(RECENT_MEMO, None)
    try:
        yield
    finally:
        session.info.pop(RECENT_MEMO, None)


async def preload_recent(
    session: AsyncSession, athlete_ids: Sequence[int], *, activities_since: dt.datetime, checkins_since: dt.date,
) -> None:
    """The activities started since ``activities_since``, the check-ins dated since ``checkins_since``
    and the reviewing coach's group of these athletes: three queries. The composing steps only read
    these rows (none of them writes an activity, a check-in or a coach link)."""
    if not athlete_ids:
        return
    ids = list(athlete_ids)
    activities: dict[int, list[m.Activity]] = {a: [] for a in ids}
    query = select(m.Activity).where(m.Activity.athlete_id.in_(ids), m.Activity.start_time >= activities_since).order_by(m.Activity.id)
    for activity in (await session.execute(query)).scalars():
        activities[activity.athlete_id].append(activity)
    checkins: dict[int, list[m.CheckIn]] = {a: [] for a in ids}
    query_c = select(m.CheckIn).where(m.CheckIn.athlete_id.in_(ids), m.CheckIn.date >= checkins_since).order_by(m.CheckIn.date.desc())
    for checkin in (await session.execute(query_c)).scalars():
        checkins[checkin.athlete_id].append(checkin)
    groups: dict[int, int | None] = {}
    links = select(m.CoachLink.athlete_id, m.CoachLink.group_chat_id).where(
        m.CoachLink.athlete_id.in_(ids), m.CoachLink.requires_review.is_(True)
    ).order_by(m.CoachLink.id)
    for athlete_id, group in (await session.execute(links)).tuples():
        groups.setdefault(athlete_id, group)
    session.info[RECENT_MEMO] = _Recent(activities_since, activities, checkins_since, checkins, groups)


def _recent(session: AsyncSession, athlete_id: int) -> _Recent | None:
    memo: _Recent | None = session.info.get(RECENT_MEMO)
    return memo if memo is not None and athlete_id in memo.activities else None


async def activities_between(session: AsyncSession, athlete_id: int, start: dt.datetime, end: dt.datetime) -> list[m.Activity]:
    """The athlete's activities started in [``start``, ``end``), in the order they were stored."""
    memo = _recent(session, athlete_id)
    if memo is not None and start >= memo.activities_since:
        return [a for a in memo.activities[athlete_id] if start <= a.start_time < end]
    query = select(m.Activity).where(m.Activity.athlete_id == athlete_id, m.Activity.start_time >= start, m.Activity.start_time < end)
    return list((await session.execute(query.order_by(m.Activity.id))).scalars())


async def recent_checkins_since(session: AsyncSession, athlete_id: int, since: dt.date, limit: int) -> list[m.CheckIn]:
    """The latest ``limit`` check-ins dated ``since`` or later, newest first: of ``recent_checkins``,
    those dated ``since`` or later (an older one is never among the latest before a newer one)."""
    memo = _recent(session, athlete_id)
    if memo is not None and since >= memo.checkins_since:
        return [c for c in memo.checkins[athlete_id] if c.date >= since][:limit]
    query = select(m.CheckIn).where(m.CheckIn.athlete_id == athlete_id, m.CheckIn.date >= since).order_by(m.CheckIn.date.desc())
    return list((await session.execute(query.limit(limit))).scalars())


async def review_group(session: AsyncSession, athlete_id: int) -> int | None:
    """The group chat of a coach who reviews this athlete's weeks before they see them, if any."""
    memo = _recent(session, athlete_id)
    if memo is not None:
        return memo.review_groups.get(athlete_id)
    query = select(m.CoachLink.group_chat_id).where(m.CoachLink.athlete_id == athlete_id, m.CoachLink.requires_review.is_(True))
    return (await session.execute(query.order_by(m.CoachLink.id).limit(1))).scalar_one_or_none()


async def recent_activities(session: AsyncSession, athlete_id: int, limit: int = 20) -> list[m.Activity]:
    query = select(m.Activity).where(m.Activity.athlete_id == athlete_id).order_by(m.Activity.start_time.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


async def notes(session: AsyncSession, athlete_id: int) -> list[m.Note]:
    query = select(m.Note).where(m.Note.athlete_id == athlete_id).order_by(m.Note.id)
    return list((await session.execute(query)).scalars())


async def active_limitations(session: AsyncSession, athlete_id: int) -> list[m.Limitation]:
    query = select(m.Limitation).where(m.Limitation.athlete_id == athlete_id, m.Limitation.active.is_(True)).order_by(m.Limitation.id)
    return list((await session.execute(query)).scalars())


async def add_limitation(session: AsyncSession, row: m.Limitation) -> m.Limitation:
    """Record a limitation, or widen the active one it repeats: one sore knee said in a note and
    reported as an injury in the same message is one row (the later end, the union of what to avoid;
    no end stays no end), never two or three. A side said once ("shin splints on my right leg") is
    that side's limitation whichever of the two readings said it; left and right stay two."""
    query = select(m.Limitation).where(
        m.Limitation.athlete_id == row.athlete_id, m.Limitation.active.is_(True), m.Limitation.kind == row.kind,
        m.Limitation.body_part.is_(None) if row.body_part is None else m.Limitation.body_part == row.body_part,
        m.Limitation.sport.is_(None) if row.sport is None else m.Limitation.sport == row.sport,
    )
    for same in (await session.execute(query.order_by(m.Limitation.id))).scalars():
        if same.until is not None and same.until < row.since:
            continue  # an old one that has run out: a new spell
        if row.side is not None and same.side is not None and same.side != row.side:
            continue  # the other leg
        same.side = same.side or row.side
        same.avoid = list(dict.fromkeys([*(same.avoid or []), *(row.avoid or [])]))
        same.until = None if same.until is None or row.until is None else max(same.until, row.until)
        same.since = min(same.since, row.since)
        same.note_id = same.note_id if same.note_id is not None else row.note_id
        return same
    session.add(row)
    return row


async def delete_athlete(session: AsyncSession, athlete: m.Athlete) -> None:
    """Erase an athlete and everything that hangs off them (foreign keys cascade)."""
    athlete_id = athlete.id
    theirs = select(m.OutboxMessage.picture_sha256).where(m.OutboxMessage.athlete_id == athlete_id, m.OutboxMessage.picture_sha256.is_not(None))
    pictures = set((await session.execute(theirs.distinct())).scalars())
    await session.execute(delete(m.OutboxMessage).where(m.OutboxMessage.athlete_id == athlete_id))
    await models_pictures.drop_orphans(session, pictures)  # their pictures that nobody else's message shows
    if athlete.telegram_user_id is not None:
        # Keep the update ids (so a replayed update is still recognised) but erase what was said.
        await session.execute(
            update(m.InboxUpdate).where(m.InboxUpdate.user_id == athlete.telegram_user_id).values(payload={}, user_id=None)
        )
    await session.delete(athlete)
    await session.flush()
