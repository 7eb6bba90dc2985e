"""The strength coach in the chat (issue 14): ``/lift`` opens the next day of the queue and the
coach proposes every set; the athlete answers in a line or with buttons; "finished" ends it.

Chat side of this area (see coach/service/extensions.py). The numbers come from the pure
``coach.strength`` package; this module only loads and stores. Everything of a live session is
in the database (``coach/store/models_lifting.py``), so a restart, a pause or a second device
picks it up where it was.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import delete, event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from coach.engine.metrics.load import session_rpe_load_au, session_rpe_tss
from coach.engine.metrics.strength import LiftState, StrengthSet, assess_lift, top_sets
from coach.service.extensions import Extension
from coach.service.types import Button, Reply
from coach.store import models as m
from coach.store import models_lifting as lm
from coach.store.db import after_commit
from coach.strength import (
    DoneSet,
    GradeObservation,
    LiftKnowledge,
    Prescription,
    Program,
    SessionState,
    build_program,
    fit_transfer,
    grade,
    load_rules,
    missing_equipment,
    next_day_index,
    next_phase,
    parse_set_line,
    prescribe,
    with_phase,
)
from coach.strength.learning import bucket_of
from coach.strength.limits import Restriction, restrict_day
from coach.strength.parse import SetLine
from coach.strength.program import LegsPlacement, TrainingDay, ease_lower_body, place_legs
from coach.strength.rules import canonical_exercise

if TYPE_CHECKING:
    from coach.service.context import Ctx
    from coach.service.protocol import Service as CoachService

log = logging.getLogger(__name__)

FLOW: Final = "lift"
PREFIX: Final = "lift:"
PAIN_NOTE_RECALL_DAYS: Final = 28
"""A pain note makes the coach pick the safer variant for this long (ours); it is recalled after that too."""
START_PHRASES: Final = re.compile(
    r"^\s*(?:(?:i'?m|i am|let'?s|lets|ready to|time to|about to)\s+)?(?:start(?:ing)?|begin(?:ning)?|open(?:ing)?|hit(?:ting)?)\s+"
    r"(?:my |a |the |today'?s )?(?:workout|lift(?:ing)?|strength(?: session| workout)?|gym(?: session)?|weights(?: session)?)\b",
    re.IGNORECASE,
)
"""'starting my workout', 'let's start lifting', 'begin my gym session' (plain text opens /lift)."""
PHRASE_BUDGET_S: Final = 8.0
"""The model's time to phrase a set (issue 14); past it the deterministic text goes out."""
PHRASE_HOLD_MARGIN_S: Final = 2.0
"""Beyond the budget, how long the update's replies wait in the outbox for the model's wording (ours)."""
PHRASE_ASK: Final = "Phrase the next set for the athlete, using only the engine's numbers from the digest."
HARD_ENDURANCE: Final = frozenset({"tempo", "threshold", "intervals", "vo2", "race", "long", "hills"})
"""Planned endurance session types that heavy leg lifts keep away from (with every key session)."""
LEGS_HORIZON_DAYS: Final = 7
"""How far ahead the coach looks for a day that suits heavy legs: the week (issue 14 "when the week allows")."""


# ------------------------------------------------------------------ program


def _goal_of(athlete: m.Athlete) -> str:
    profile = athlete.profile or {}
    event = str((profile.get("goal") or {}).get("event", ""))
    sport = str(profile.get("sport", ""))
    if event == "strength" or sport == "strength":
        return "strength"
    if sport in ("run", "ride", "tri", "swim") and event not in ("general_fitness", ""):
        return "endurance"
    return "general_fitness"


async def _equipment(ctx: Ctx) -> frozenset[str]:
    """What the athlete can't use, from their notes (memory's equipment facts): a hard filter."""
    lacking: list[str] = []
    having: list[str] = []
    for note in (await ctx.session.execute(select(m.Note).where(m.Note.athlete_id == ctx.athlete.id).order_by(m.Note.id))).scalars():
        for fact in note.facts or []:
            if isinstance(fact, dict) and fact.get("kind") == "equipment" and fact.get("item"):
                (having if fact.get("available", True) else lacking).append(str(fact["item"]))
    return missing_equipment(lacking, having)


async def _keep_labels(ctx: Ctx, program: Program) -> None:
    known = set((await ctx.session.execute(select(lm.LiftDay.label).where(lm.LiftDay.athlete_id == ctx.athlete.id))).scalars())
    for label in program.labels:
        if label not in known:
            ctx.session.add(lm.LiftDay(athlete_id=ctx.athlete.id, label=label))


async def program_row(ctx: Ctx) -> lm.LiftProgram:
    """The athlete's program, built on first use and rebuilt (labels kept) when their equipment changed."""
    row = (await ctx.session.execute(select(lm.LiftProgram).where(lm.LiftProgram.athlete_id == ctx.athlete.id))).scalar_one_or_none()
    missing = await _equipment(ctx)
    if row is None:
        program = build_program(goal=_goal_of(ctx.athlete), missing=missing)
        row = lm.LiftProgram(athlete_id=ctx.athlete.id, document=program.to_json(), position=0, phase=program.phase,
                             days_in_phase=0, generation=1, plate_increment_kg=load_rules().plate_increment_kg, lift_states={})
        ctx.session.add(row)
        await _keep_labels(ctx, program)
        await ctx.session.flush()
    elif tuple(sorted(missing)) != tuple(row.document.get("equipment_missing") or ()):
        await regenerate(ctx, row, missing=missing)
    return row


async def regenerate(ctx: Ctx, row: lm.LiftProgram, *, missing: frozenset[str] | None = None,
                     days_per_week: int | None = None, goal: str | None = None) -> Program:
    """A new program from the same templates: every label history joins on is kept."""
    previous = Program.from_json(row.document)
    program = build_program(
        days_per_week=days_per_week or len(previous.days), goal=goal or previous.goal,
        missing=frozenset(previous.equipment_missing) if missing is None else missing, phase=previous.phase, previous=previous,
    )
    row.document = program.to_json()
    row.generation += 1
    await _keep_labels(ctx, program)
    return program


# ------------------------------------------------------------------ what the model of the lifter knows


def _strength_sets(rows: Sequence[lm.LiftSet]) -> list[StrengthSet]:
    return [StrengthSet(r.exercise, r.performed_on, r.weight_kg, r.reps, r.rpe) for r in rows
            if r.weight_kg is not None and r.weight_kg > 0 and not r.pain and r.reps > 0]


async def logged_sets(session: AsyncSession, athlete_id: int) -> list[StrengthSet]:
    """The sets typed with /log ("squat 100x5x3 @8": ``Activity.details`` exercise + sets), under
    the exercise names of the strength rules ('squat' is back_squat), oldest first."""
    rows = (await session.execute(
        select(m.Activity).where(m.Activity.athlete_id == athlete_id, m.Activity.sport == "strength").order_by(m.Activity.start_time)
    )).scalars().all()
    out: list[StrengthSet] = []
    for a in rows:
        name = (a.details or {}).get("exercise")
        if not name:
            continue  # a live session's activity: its sets are lift_sets rows
        exercise = canonical_exercise(str(name))
        for x in a.details.get("sets") or []:
            weight, reps = x.get("weight_kg"), x.get("reps")
            if weight is None or float(weight) <= 0 or not reps or int(reps) <= 0 or x.get("pain"):
                continue
            out.append(StrengthSet(exercise, a.start_time.date(), float(weight), int(reps), None if x.get("rpe") is None else float(x["rpe"])))
    return out


async def strength_history(session: AsyncSession, athlete_id: int) -> list[StrengthSet]:
    """Every set the model of the lifter learns from, both paths in one list: the live sessions'
    sets and the /log ones, in date order. The live coach and ``coach tool metrics`` read this."""
    live = (await session.execute(select(lm.LiftSet).where(lm.LiftSet.athlete_id == athlete_id).order_by(lm.LiftSet.id))).scalars().all()
    return sorted([*_strength_sets(live), *await logged_sets(session, athlete_id)], key=lambda s: s.date)


async def _history(ctx: Ctx, before: dt.date | None = None, session_id: int | None = None) -> list[lm.LiftSet]:
    query = select(lm.LiftSet).where(lm.LiftSet.athlete_id == ctx.athlete.id)
    if session_id is not None:
        query = query.where(lm.LiftSet.session_id != session_id)
    rows = list((await ctx.session.execute(query.order_by(lm.LiftSet.id))).scalars())
    return [r for r in rows if before is None or r.performed_on <= before]


def _lift_state(data: dict[str, Any] | None, exercise: str) -> LiftState | None:
    if not data:
        return None
    from coach.engine.metrics.strength import CapabilityBand

    band = None
    if data.get("floor_kg") is not None:
        band = CapabilityBand(float(data["floor_kg"]), float(data["stretch_kg"]), data.get("trend", "plateaued"))
    return LiftState(exercise=exercise, band=band, confidence=data.get("confidence", "none"), sessions_seen=int(data.get("sessions_seen", 0)))


def _state_json(state: LiftState) -> dict[str, Any]:
    band = state.band
    return {"floor_kg": None if band is None else band.floor_kg, "stretch_kg": None if band is None else band.stretch_kg,
            "trend": None if band is None else band.trend, "confidence": state.confidence, "sessions_seen": state.sessions_seen}


def knowledge_of(history: Sequence[lm.LiftSet], states: dict[str, Any], today: dt.date,
                 logged: Sequence[StrengthSet] = ()) -> dict[str, dict[str, Any]]:
    """Per exercise: e1RM, confidence and where it came from (live sets and ``logged``: the /log
    ones); transfer fills gaps only where a published fit exists (≥ 5 paired days, R² ≥ 0.4)."""
    sets = sorted([*_strength_sets(history), *logged], key=lambda s: s.date)
    exercises = sorted({s.exercise for s in sets})
    known: dict[str, dict[str, Any]] = {}
    tops: dict[str, dict[dt.date, float]] = {}
    for exercise in exercises:
        status = assess_lift(exercise, sets, today, previous=_lift_state(states.get(exercise), exercise))
        tops[exercise] = {t.date: t.e1rm_kg for t in top_sets(sets, exercise)}
        if status.estimate is not None:
            known[exercise] = {"e1rm_kg": status.estimate.value_kg, "confidence": status.confidence,
                               "source": status.estimate.reason,
                               "verdict": None if status.verdict is None else status.verdict.status}
    rules = load_rules()
    for target in rules.exercises:
        if target in known:
            continue
        pattern = rules.exercises[target].pattern
        for source in exercises:
            if source not in known or rules.exercises.get(source) is None or rules.exercises[source].pattern != pattern:
                continue
            paired = [(tops[source][d], tops.get(target, {})[d]) for d in tops[source] if d in tops.get(target, {})]
            fit = fit_transfer(source, target, paired)
            if fit is not None:
                known[target] = {"e1rm_kg": fit.estimate(known[source]["e1rm_kg"]), "confidence": "low",
                                 "source": f"transfer from {source.replace('_', ' ')} (R² {fit.r2:.2f}, {fit.pairs} paired days)",
                                 "verdict": None}
                break
    return known


def corrections_of(history: Sequence[lm.LiftSet], hours_since_last: float | None) -> tuple[dict[str, float], dict[str, str]]:
    """Self-grading of the sets done at the prescribed weight, for today's time-since-last bucket."""
    observations = [
        GradeObservation(r.pattern, r.role, r.prescribed_reps, r.target_rpe, r.reps, r.rpe, r.hours_since_last)
        for r in history
        if r.prescribed_weight_kg is not None and r.weight_kg is not None and abs(r.weight_kg - r.prescribed_weight_kg) < 0.01
        and not r.pain
    ]
    today_bucket = bucket_of(hours_since_last)
    factors: dict[str, float] = {}
    notes: dict[str, str] = {}
    for (pattern, _intent, bucket), g in sorted(grade(observations).items(), key=lambda item: item[0][1] != "main"):
        if g.correcting and bucket == today_bucket and pattern not in factors:  # the main lifts' cell first
            factors[pattern] = g.factor
            notes[pattern] = "self-grading: " + g.describe()
    return factors, notes


# ------------------------------------------------------------------ session state


async def open_session(ctx: Ctx) -> lm.LiftSession | None:
    return (await ctx.session.execute(select(lm.LiftSession).where(lm.LiftSession.open_key == ctx.athlete.id))).scalar_one_or_none()


async def _session_sets(ctx: Ctx, session: lm.LiftSession) -> list[lm.LiftSet]:
    return list((await ctx.session.execute(select(lm.LiftSet).where(lm.LiftSet.session_id == session.id).order_by(lm.LiftSet.id))).scalars())


def _knowledge_map(session: lm.LiftSession) -> dict[str, LiftKnowledge]:
    known: dict[str, dict[str, Any]] = session.plan.get("knowledge") or {}
    return {k: LiftKnowledge(k, v.get("e1rm_kg"), str(v.get("confidence", "none")), str(v.get("source", ""))) for k, v in known.items()}


def session_state(session: lm.LiftSession, sets: Sequence[lm.LiftSet]) -> SessionState:
    plan = session.plan
    painful = set(plan.get("painful") or ()) | {s.exercise for s in sets if s.pain}
    return SessionState(
        day=TrainingDay.from_json(plan["day"]),
        done=tuple(DoneSet(s.slot_index, s.exercise, s.pattern, s.weight_kg, s.reps, s.rpe, s.pain) for s in sets),
        knowledge=_knowledge_map(session), readiness=plan.get("readiness"), plate_increment_kg=float(plan["plate_increment_kg"]),
        corrections=plan.get("corrections") or {}, correction_notes=plan.get("correction_notes") or {},
        missing_equipment=frozenset(plan.get("missing") or ()), painful_exercises=frozenset(painful),
        stopped_slots=frozenset(int(i) for i in (session.state.get("stopped") or ())),
    )


def _clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def _name(exercise: str) -> str:
    return exercise.replace("_", " ")


def _kg(value: float) -> str:
    return f"{value:g}"


def describe(p: Prescription) -> str:
    """The deterministic wording of a prescription: every number is the engine's."""
    head = f"{_name(p.exercise).capitalize()} — set {p.set_number} of {p.sets_planned}: "
    if p.calibration:
        body = (f"not enough data yet, so an easy calibration set: pick a weight you could lift about 12 times and do "
                f"{p.reps} reps (RPE {p.target_rpe:g}). Tell me the weight, e.g. \"40 x {p.reps}\".")
    elif p.bodyweight:
        body = f"{p.reps} reps (bodyweight) @ RPE {p.target_rpe:g}."
    else:
        assert p.weight_kg is not None
        body = f"{_kg(p.weight_kg)} kg × {p.reps} @ RPE {p.target_rpe:g}."
    rest = f"\nRest {_clock(p.rest_s)} before it." if p.set_number > 1 or p.pain_gated else ""
    why = f"\nWhy: {'; '.join(p.reasons)}." if p.reasons else ""
    return head + body + rest + why


def _buttons(session_id: int, seq: int) -> list[list[Button]]:
    key = f"{session_id}:{seq}"
    return [[Button("Done as prescribed", f"{PREFIX}ok:{key}"), Button("Harder", f"{PREFIX}harder:{key}")],
            [Button("Easier", f"{PREFIX}easier:{key}"), Button("Pain", f"{PREFIX}pain:{key}")]]


async def _recall(ctx: Ctx, pattern: str) -> list[lm.LiftNote]:
    query = select(lm.LiftNote).where(lm.LiftNote.athlete_id == ctx.athlete.id, lm.LiftNote.pattern == pattern,
                                      lm.LiftNote.active.is_(True)).order_by(lm.LiftNote.id.desc()).limit(2)
    return list((await ctx.session.execute(query)).scalars())


def timer_key(session_id: int) -> str:
    """The rest timer's ``Reply.edit_key``: one message per session, edited in place on every set."""
    return f"lift:{session_id}:rest"


async def _cancel_rest_over(ctx: Ctx, session_id: int) -> None:
    """A newer set or the end of the session supersedes the scheduled 'rest over' edit."""
    o = m.OutboxMessage
    await ctx.session.execute(
        delete(o).where(o.key.like(f"lift-rest:{session_id}:%"), o.sent_at.is_(None)).execution_options(synchronize_session=False)
    )


async def _rest_timer(service: CoachService | None, ctx: Ctx, session: lm.LiftSession, p: Prescription, done: int) -> Reply:
    """The rest timer after a logged set; where the athlete has a Telegram chat, a 'rest over'
    edit of the same message is queued for when the rest ends (cancelled by the next set)."""
    key = timer_key(session.id)
    await _cancel_rest_over(ctx, session.id)
    head = f"⏱ Rest {_clock(p.rest_s)} — {done} set(s) done; next: {_name(p.exercise)}, set {p.set_number} of {p.sets_planned}."
    chat = ctx.athlete.telegram_chat_id
    if service is not None and chat is not None and p.rest_s > 0:
        over = Reply(f"⏱ Rest over — {done} set(s) done; go: {_name(p.exercise)}, set {p.set_number} of {p.sets_planned}.", edit_key=key)
        ctx.session.add(m.OutboxMessage(
            key=f"lift-rest:{session.id}:{session.state.get('seq', 0)}", athlete_id=ctx.athlete.id, chat_id=chat, kind="rest_timer",
            payload=over.to_payload(), due_at=service.db.naive_now() + dt.timedelta(seconds=p.rest_s),
        ))
    return Reply(head, edit_key=key)


def _has_numbers(text: str, p: Prescription) -> bool:
    """The model's wording keeps the engine's load and reps (the number check only stops invented
    ones; a dropped weight would be as bad)."""
    found = {float(x.replace(",", ".")) for x in re.findall(r"\d+(?:[.,]\d+)?", text)}
    return p.reps in found and (p.weight_kg is None or p.weight_kg in found)


async def _lift_digest(ctx: Ctx, session: lm.LiftSession, sets: Sequence[lm.LiftSet], p: Prescription, deterministic: str) -> str:
    """What the model may use to phrase the set: the engine's prescription, the session so far,
    the bands, limitations and recalled notes. Every number it may say is in here."""
    lines = ["Deterministic prescription (the engine's numbers):", deterministic, "", f"Day {session.day_label}, sets so far:"]
    lines += [f"- {_name(s.exercise)} " + (f"{_kg(s.weight_kg)} kg" if s.weight_kg is not None else "bodyweight") + f" × {s.reps}"
              + (f" @ RPE {s.rpe:g}" if s.rpe is not None else "") + (" (pain flagged)" if s.pain else "") for s in sets] or ["- none yet"]
    known = (session.plan.get("knowledge") or {}).get(p.exercise)
    if known and known.get("e1rm_kg") is not None:
        lines.append(f"Model of the lifter, {_name(p.exercise)}: e1RM {float(known['e1rm_kg']):.1f} kg, confidence {known.get('confidence')}.")
    program = await program_row(ctx)
    band = (program.lift_states or {}).get(p.exercise) or {}
    if band.get("floor_kg") is not None:
        lines.append(f"Capability band: floor {_kg(band['floor_kg'])} kg, stretch {_kg(band['stretch_kg'])} kg ({band.get('trend')}).")
    limits = [r.description or (r.body_part or "") for r in await _restrictions(ctx)]
    if limits:
        lines.append("Limitations: " + "; ".join(x for x in limits if x) + ".")
    notes = await _recall(ctx, p.pattern)
    if notes:
        lines.append("The athlete told you: " + "; ".join(f"\"{n.text}\" ({_name(n.exercise)})" for n in notes) + ".")
    return "\n".join(lines)


async def _model_words(service: CoachService, digest: str, p: Prescription, deterministic: str) -> str | None:
    """The model's wording of the set within ``PHRASE_BUDGET_S``, or None (no brain, past the
    budget, a failure, or numbers that aren't the engine's: the number check, then load and reps kept)."""
    claude = service.claude
    if claude is None:
        return None
    from coach.brain.errors import BrainUnavailable  # the SDK loads only when Claude is configured
    from coach.package_data import PROMPTS_DIR

    try:
        reply = await asyncio.wait_for(claude.reply(
            system=(PROMPTS_DIR / "lift_v1.md").read_text(encoding="utf-8"), digest=digest, history=[], message=PHRASE_ASK,
            tools=[], fallback=lambda _calls: deterministic,
        ), PHRASE_BUDGET_S)
    except (TimeoutError, BrainUnavailable) as error:
        log.info("set phrasing fell back to the deterministic text: %s", type(error).__name__)
        return None
    text = reply.text.strip()
    if reply.source == "fallback" or not text or not _has_numbers(text, p):
        return None
    return text


def _phrase_after_commit(service: CoachService, ctx: Ctx, replies: list[Reply], reply: Reply, head: str, digest: str,
                         p: Prescription, deterministic: str) -> None:
    """Word the set with the model once the update has committed, never inside its transaction.

    The set and its prescription are stored, and the deterministic text queued, by the update's
    own transaction; its outbox rows are held back (``due_at``) for at most the budget and a
    margin. After the commit the model gets ``PHRASE_BUDGET_S``; its wording, if it passes the
    number check, replaces the deterministic text in the outbox row, the chat history and
    ``replies`` (the list this area returned: the update's result), and the rows are released.
    A crash in between sends the deterministic text when the hold runs out."""
    athlete_id = ctx.athlete.id
    hold_until = service.db.naive_now() + dt.timedelta(seconds=PHRASE_BUDGET_S + PHRASE_HOLD_MARGIN_S)
    held: list[m.OutboxMessage] = []
    history: list[m.ChatMessage] = []

    def hold(sync_session: Session, _context: Any, _instances: Any) -> None:
        for row in sync_session.new:
            if isinstance(row, m.OutboxMessage) and row.kind == "reply" and row.athlete_id == athlete_id and row not in held:
                row.due_at = hold_until  # the update's replies, in order; the rest timer's 'rest over' edit is its own
                held.append(row)
            elif isinstance(row, m.ChatMessage) and row.role == "coach" and row.text == reply.text and row not in history:
                history.append(row)

    event.listen(ctx.session.sync_session, "before_flush", hold)

    async def phrase(committed: AsyncSession) -> None:
        event.remove(committed.sync_session, "before_flush", hold)
        words = await _model_words(service, digest, p, deterministic)
        worded = None if words is None else dataclasses.replace(reply, text=head + words)
        payload = reply.to_payload()
        o = m.OutboxMessage
        async with service.db.transaction() as s:
            for row in held:
                values: dict[str, Any] = {"due_at": service.db.naive_now()}
                if worded is not None and row.payload == payload:
                    values["payload"] = worded.to_payload()
                await s.execute(update(o).where(o.id == row.id, o.sent_at.is_(None)).values(**values)
                                .execution_options(synchronize_session=False))
            if worded is not None and history:
                await s.execute(update(m.ChatMessage).where(m.ChatMessage.id.in_([h.id for h in history]))
                                .values(text=worded.text).execution_options(synchronize_session=False))
        if worded is not None:
            replies[:] = [worded if r is reply else r for r in replies]

    after_commit(ctx.session, phrase)


async def _propose(ctx: Ctx, session: lm.LiftSession, sets: Sequence[lm.LiftSet], lead: str = "",
                   *, service: CoachService | None = None, timer: bool = False) -> list[Reply]:
    """Decide the next set, remember it as pending (its number is the idempotent set key) and say it.
    ``timer``: a set was just logged, so the session's rest timer (one message) is updated too."""
    state = session_state(session, sets)
    step = prescribe(state)
    lines = [lead] if lead else []
    stopped = list(session.state.get("stopped") or ())
    for index, exercise in step.stopped:
        stopped.append(index)
        lines.append(f"Stopping {_name(exercise)} for today: it hurt and there is no safer variant you can do here.")
    seq = int(session.state.get("seq", 0)) + 1
    if step.prescription is None:
        session.state = {**session.state, "stopped": stopped, "pending": None, "seq": seq}
        lines.append("That's the whole day done. Send \"finished\" (or tap below) for the summary.")
        return [Reply("\n".join(lines), [[Button("Finished", f"{PREFIX}finish:{session.id}")]])]
    p = step.prescription
    previous = (session.state.get("pending") or {}).get("slot_index") if session.state.get("pending") else None
    if p.set_number == 1 or previous != p.slot_index:
        for note in await _recall(ctx, p.pattern):
            lines.append(f"You told me on {note.created_on.isoformat()} ({_name(note.exercise)}): \"{note.text}\" — I'm keeping that in mind.")
    session.state = {**session.state, "stopped": stopped, "seq": seq, "pending": dataclasses.asdict(p)}
    deterministic = describe(p)
    head = "".join(line + "\n" for line in lines)
    reply = Reply(head + deterministic, _buttons(session.id, seq))
    replies = [reply]
    if timer:
        replies.append(await _rest_timer(service, ctx, session, p, len(sets)))
    if service is not None and service.claude is not None:  # the numbers are stored first; the words come after the commit
        digest = await _lift_digest(ctx, session, sets, p, deterministic)
        _phrase_after_commit(service, ctx, replies, reply, head, digest, p, deterministic)
    return replies


# ------------------------------------------------------------------ opening, pausing, finishing


def _what(session: m.PlannedSession) -> str:
    kind = {"long": "long", "race": "race", "intervals": "intervals", "threshold": "threshold", "tempo": "tempo",
            "vo2": "VO2 intervals", "hills": "hill"}.get(session.type, "key")
    sport = {"ride": "ride", "run": "run", "swim": "swim", "brick": "brick"}.get(session.sport, session.sport)
    return f"{kind} {sport}"


async def _hard_sessions(ctx: Ctx, first: dt.date, days: int) -> dict[dt.date, str]:
    """The active plan's long and quality endurance sessions still to do, ``first`` and the next
    ``days - 1`` days: date -> what it is ("long run"). Done, missed or moved ones don't count."""
    from coach.store import repo

    row = await repo.active_plan_row(ctx.session, ctx.athlete.id)
    if row is None:
        return {}
    found: dict[dt.date, str] = {}
    for s in repo.sessions_between(row, first, first + dt.timedelta(days=days - 1)):
        if s.sport not in ("strength", "other") and s.status == "planned" and (s.key or s.type in HARD_ENDURANCE):
            found.setdefault(s.date, _what(s))
    return found


def _day_name(day: dt.date) -> str:
    return f"{day:%a} {day.day}"


async def _legs_placement(ctx: Ctx, start: dt.date) -> LegsPlacement:
    keep_away = load_rules().hybrid.keep_away_days
    hard = await _hard_sessions(ctx, start, LEGS_HORIZON_DAYS + keep_away)
    return place_legs(start, hard, keep_away, LEGS_HORIZON_DAYS)


def _clash(placement: LegsPlacement, start: dt.date) -> str:
    assert placement.clash is not None
    when, what = placement.clash
    return f"your {what} is {'today' if when == start else 'on ' + _day_name(when)}"


def _legs_today(day_label: str, placement: LegsPlacement, today: dt.date) -> str:
    """Why today's heavy leg lifts are dosed down, and the day that suits them."""
    text = (f"day {day_label} is heavy on the legs and {_clash(placement, today)}: heavy leg lifts now would take the edge "
            "off it, so they are light today")
    if placement.best_day is not None:
        return text + f" (heavy legs suit {_day_name(placement.best_day)}: nothing hard that day or the next)"
    return text + " (no day this week is clear of hard sessions)"


def _legs_when(placement: LegsPlacement) -> str:
    """The day that suits a heavy leg day, for the 'next up' lines."""
    if placement.clear_today:
        return "whenever you're ready"
    if placement.best_day is not None:
        assert placement.clash is not None
        when, what = placement.clash
        return f"best on {_day_name(placement.best_day)}, away from your {what} on {_day_name(when)}"
    return "no day this week is clear of hard sessions, so its leg lifts will be light"


async def _restrictions(ctx: Ctx) -> list[Restriction]:
    """The athlete's active injuries from memory (``Limitation``), for building today's day."""
    lim = m.Limitation
    rows = (await ctx.session.execute(select(lim).where(
        lim.athlete_id == ctx.athlete.id, lim.active.is_(True), lim.kind == "injury", lim.since <= ctx.today,
    ).order_by(lim.id))).scalars().all()
    return [Restriction(r.body_part, r.description or "") for r in rows if r.until is None or r.until >= ctx.today]


async def _recent_colours(ctx: Ctx) -> list[str]:
    rows = (await ctx.session.execute(select(m.CheckIn).where(m.CheckIn.athlete_id == ctx.athlete.id)
                                      .order_by(m.CheckIn.date.desc()).limit(3))).scalars().all()
    return [r.readiness_color for r in reversed(rows) if r.readiness_color]


async def start(service: CoachService, ctx: Ctx) -> list[Reply]:
    """Open the next day of the queue, or resume the session that is open (paused or on another device)."""
    current = await open_session(ctx)
    if current is not None:
        _resumed(current, service.db.naive_now())
        ctx.athlete.dialog = {"flow": FLOW, "session_id": current.id}
        sets = await _session_sets(ctx, current)
        lead = f"Resuming day {current.day_label} ({len(sets)} set(s) logged so far)."
        pending, seq = current.state.get("pending"), int(current.state.get("seq", 0))
        if pending and not any(s.set_key == f"p{seq}" for s in sets):  # the same set, the same buttons (another device)
            return [Reply(lead + "\n" + describe(Prescription(**pending)), _buttons(current.id, seq))]
        return await _propose(ctx, current, sets, lead=lead, service=service)
    row = await program_row(ctx)
    program = Program.from_json(row.document)
    now = service.db.naive_now()
    history = await _history(ctx)
    knowledge = knowledge_of(history, row.lift_states, ctx.today, await logged_sets(ctx.session, ctx.athlete.id))
    colours = await _recent_colours(ctx)
    lines: list[str] = []
    main_verdicts = [str(knowledge.get(s.exercise, {}).get("verdict") or "not_enough_data")
                     for d in program.days for s in d.slots if s.role == "main"]
    decision = next_phase(program.phase, row.days_in_phase, main_verdicts, colours, len(program.days))  # type: ignore[arg-type]
    if decision.changed:
        program = with_phase(program, decision.phase)
        row.document, row.phase, row.days_in_phase = program.to_json(), decision.phase, 0
        lines.append(f"New phase: {decision.phase} ({decision.reason}).")
    placement = await _legs_placement(ctx, ctx.today)
    near = not placement.clear_today
    index, why = next_day_index(program, row.position, hard_endurance_near=near)
    day = program.days[index]
    if near and day.lower_body:  # no day without heavy legs in the queue: dosed down, and why
        day = ease_lower_body(day)
        why = _legs_today(day.label, placement, ctx.today)
    if why:
        lines.append(why[0].upper() + why[1:] + ".")
    restricted = restrict_day(day, await _restrictions(ctx), frozenset(program.equipment_missing))
    day = restricted.day
    checkin = (await ctx.session.execute(select(m.CheckIn).where(m.CheckIn.athlete_id == ctx.athlete.id, m.CheckIn.date == ctx.today))).scalar_one_or_none()
    readiness = checkin.readiness_color if checkin is not None and checkin.readiness_color in ("green", "amber", "red") else None
    last = history[-1].created_at if history else None
    hours = None if last is None else (now - last).total_seconds() / 3600
    corrections, correction_notes = corrections_of(history, hours)
    since = ctx.today - dt.timedelta(days=PAIN_NOTE_RECALL_DAYS)
    painful = sorted({n.exercise for n in (await ctx.session.execute(select(lm.LiftNote).where(
        lm.LiftNote.athlete_id == ctx.athlete.id, lm.LiftNote.active.is_(True), lm.LiftNote.created_on >= since))).scalars()})
    session = lm.LiftSession(
        athlete_id=ctx.athlete.id, open_key=ctx.athlete.id, day_label=day.label, day_index=index, status="active",
        plan={"day": day.to_json(), "phase": program.phase, "readiness": readiness, "plate_increment_kg": row.plate_increment_kg,
              "knowledge": knowledge, "corrections": corrections, "correction_notes": correction_notes,
              "missing": list(program.equipment_missing), "painful": painful, "hours_since_last": hours},
        state={"seq": 0, "stopped": list(restricted.skipped), "pending": None}, started_at=now,
    )
    ctx.session.add(session)
    await ctx.session.flush()
    ctx.athlete.dialog = {"flow": FLOW, "session_id": session.id}
    lift_list = ", ".join(_name(s.exercise) for i, s in enumerate(day.slots) if i not in restricted.skipped)
    extra = [f"{day.conditioning_min} min conditioning" if day.conditioning_min else "",
             f"{day.mobility_min} min mobility" if day.mobility_min else ""]
    extra_text = " + ".join(e for e in extra if e)
    lines.append(f"Day {day.label} ({program.phase}): {lift_list}" + (f"; then {extra_text}" if extra_text else "") + ".")
    if readiness is not None and readiness != "green":
        lines.append(f"Readiness today is {readiness}: I've eased the targets.")
    lines += [reason[0].upper() + reason[1:] + "." for reason in restricted.reasons]
    lines += [note[0].upper() + note[1:] + "." for note in correction_notes.values()]
    lines.append("Answer each set in a line (\"100 x 5 @8\", \"5 reps, easy\", \"done\", \"only 3, shoulder tweaky\") or with the "
                 "buttons; \"pause\" and \"finished\" work any time.")
    return await _propose(ctx, session, [], lead="\n".join(lines), service=service)


def _active_s(session: lm.LiftSession, now: dt.datetime) -> float:
    """Seconds the session has been open, less its pauses (a session paused overnight is not a
    12-hour workout in the load)."""
    paused = float(session.state.get("paused_s") or 0.0)
    if session.paused_at is not None:
        paused += max(0.0, (now - session.paused_at).total_seconds())
    return max(0.0, (now - session.started_at).total_seconds() - paused)


def _resumed(session: lm.LiftSession, now: dt.datetime) -> None:
    if session.paused_at is not None:
        paused = float(session.state.get("paused_s") or 0.0) + max(0.0, (now - session.paused_at).total_seconds())
        session.state = {**session.state, "paused_s": paused}
    session.status, session.paused_at = "active", None


async def pause(service: CoachService, ctx: Ctx, session: lm.LiftSession) -> list[Reply]:
    if session.paused_at is None:
        session.status, session.paused_at = "paused", service.db.naive_now()
    ctx.athlete.dialog = None
    await _cancel_rest_over(ctx, session.id)
    return [Reply(f"Paused day {session.day_label}. Send /lift (or \"starting my workout\") to pick it up where you left off.")]


async def finish(service: CoachService, ctx: Ctx, session: lm.LiftSession) -> list[Reply]:
    """Close the session: summary, the activity (every set), the program moves on, the model learns."""
    sets = await _session_sets(ctx, session)
    now = service.db.naive_now()
    session.status, session.open_key, session.finished_at = "finished", None, now
    ctx.athlete.dialog = None
    await _cancel_rest_over(ctx, session.id)
    row = await program_row(ctx)
    program = Program.from_json(row.document)
    if not sets:
        session.summary = {"sets": 0}
        return [Reply(f"Closed day {session.day_label} with no sets logged; it stays next in the queue.")]
    minutes = max(1.0, _active_s(session, now) / 60)
    rpes = [s.rpe for s in sets if s.rpe is not None]
    session_rpe = round(sum(rpes) / len(rpes), 1) if rpes else None
    volume = sum((s.weight_kg or 0.0) * s.reps for s in sets)
    top: dict[str, lm.LiftSet] = {}
    for s in sets:
        if s.weight_kg is None or s.pain:
            continue
        best = top.get(s.exercise)
        if best is None or (s.weight_kg * (1 + s.reps / 30)) > ((best.weight_kg or 0) * (1 + best.reps / 30)):
            top[s.exercise] = s
    before = session.plan.get("knowledge") or {}
    history = await _history(ctx)
    logged = await logged_sets(ctx.session, ctx.athlete.id)
    after = knowledge_of(history, row.lift_states, ctx.today, logged)
    lines = [f"Day {session.day_label} done: {len(sets)} sets, volume {volume:,.0f} kg in {minutes:.0f} min"
             + (f", session RPE {session_rpe:g}" if session_rpe is not None else "") + "."]
    if top:
        lines.append("Top sets: " + "; ".join(f"{_name(e)} {_kg(s.weight_kg or 0)} kg × {s.reps}" + (f" @ {s.rpe:g}" if s.rpe else "")
                                              for e, s in top.items()) + ".")
    changes, model = [], []
    sets_all = sorted([*_strength_sets(history), *logged], key=lambda s: s.date)
    states = dict(row.lift_states)
    for exercise in top:
        old, new = before.get(exercise, {}).get("e1rm_kg"), after.get(exercise, {}).get("e1rm_kg")
        if new is not None:
            changes.append(f"{_name(exercise)} {_kg(round(old, 1)) if old else '—'} → {new:.1f} kg")
        status = assess_lift(exercise, sets_all, ctx.today, previous=_lift_state(states.get(exercise), exercise))
        previous_rung = (states.get(exercise) or {}).get("confidence", "none")
        if status.state.confidence != previous_rung:
            model.append(f"confidence in {_name(exercise)}: {previous_rung} → {status.state.confidence}")
        if status.band is not None and status.band.ratcheted:
            model.append(f"{_name(exercise)} floor ratcheted up to {_kg(status.band.floor_kg)} kg")
        states[exercise] = _state_json(status.state)
    for s in sets:
        if s.pain:
            model.append(f"pain noted on {_name(s.exercise)}: the safer variant comes first next time")
    corrections, _ = corrections_of(history, None)
    for pattern, factor in corrections.items():
        if pattern not in (session.plan.get("corrections") or {}):
            model.append(f"self-grading now corrects {pattern.replace('_', ' ')} by {(factor - 1) * 100:+.0f} %")
    if changes:
        lines.append("e1RM: " + "; ".join(changes) + ".")
    lines.append("What changed in my model of you: " + ("; ".join(model) if model else "nothing beyond the estimates") + ".")
    row.lift_states = states
    trained_head = session.day_index == row.position % len(program.days)
    if trained_head:
        row.position += 1
    row.days_in_phase += 1
    next_index, _ = next_day_index(program, row.position)
    next_day = program.days[next_index]
    lines.append(f"Next in the queue: day {next_day.label} ({', '.join(_name(s.exercise) for s in next_day.slots)})"
                 + ", " + await _when_next(ctx, next_day, ctx.today + dt.timedelta(days=1)) + ".")
    activity = m.Activity(
        athlete_id=ctx.athlete.id, fingerprint=f"lift:{session.id}", source="lift", sport="strength",
        start_time=session.started_at, elapsed_s=minutes * 60, moving_s=None, rpe=session_rpe,
        # Foster et al. 2001 session RPE × minutes, on the TSS-like scale every sport's load uses (an hour at RPE 7 is 100)
        load=None if session_rpe is None else round(session_rpe_tss(session_rpe, minutes), 1),
        details={"day": session.day_label, "phase": session.plan.get("phase"), "volume_kg": volume,
                 "session_rpe_load_au": None if session_rpe is None else round(session_rpe_load_au(session_rpe, minutes), 1),
                 "sets": [{"exercise": s.exercise, "reps": s.reps, "load_kg": s.weight_kg, "rpe": s.rpe, "pain": s.pain}
                          for s in sets]},
    )
    ctx.session.add(activity)
    await ctx.session.flush()
    session.activity_id = activity.id
    session.summary = {"volume_kg": volume, "sets": len(sets), "session_rpe": session_rpe, "load": activity.load}
    return [Reply("\n".join(lines)), Reply(f"⏱ Session over — {len(sets)} set(s) logged.", edit_key=timer_key(session.id))]


# ------------------------------------------------------------------ logging a set


async def log_set(service: CoachService, ctx: Ctx, session: lm.LiftSession, line: SetLine, *, seq: int | None = None) -> list[Reply]:
    """Log the answer to the pending prescription (``seq``: the one a button belongs to)."""
    pending = session.state.get("pending")
    current = int(session.state.get("seq", 0))
    sets = await _session_sets(ctx, session)
    if seq is not None and seq != current:
        if any(s.set_key == f"p{seq}" for s in sets):
            return [Reply("That set is already logged.")]
        return [Reply("That button belongs to an earlier set. Answer the latest one, or send /lift to see it again.")]
    if any(s.set_key == f"p{current}" for s in sets):
        return [Reply("That set is already logged.")]
    if not pending:
        return [Reply("There's no set waiting: send \"finished\" to wrap up, or /lift to see where we are.")]
    weight = line.weight_kg if line.weight_kg is not None else pending.get("weight_kg")
    reps = line.reps if line.reps is not None else int(pending["reps"])
    rpe = line.rpe
    if rpe is None and line.weight_kg is None and line.reps is None:
        rpe = float(pending["target_rpe"])  # "done": as prescribed
    if pending.get("calibration") and line.weight_kg is None and not line.pain:
        return [Reply(f"For the calibration set I need the weight you used, e.g. \"40 x {reps}\".")]
    hours = session.plan.get("hours_since_last")
    row = lm.LiftSet(
        session_id=session.id, athlete_id=ctx.athlete.id, set_key=f"p{current}", day_label=session.day_label,
        slot_index=int(pending["slot_index"]), exercise=str(pending["exercise"]), pattern=str(pending["pattern"]),
        role=str(pending["role"]), prescribed_weight_kg=pending.get("weight_kg"), prescribed_reps=int(pending["reps"]),
        target_rpe=float(pending["target_rpe"]), weight_kg=None if weight is None else round(float(weight), 2), reps=reps,
        rpe=rpe, pain=line.pain, note=line.note, hours_since_last=hours, performed_on=ctx.today,
    )
    ctx.session.add(row)
    lead = f"Logged: {_name(row.exercise)} " + (f"{_kg(row.weight_kg)} kg × {reps}" if row.weight_kg is not None else f"{reps} reps") + (
        f" @ {rpe:g}" if rpe is not None else "") + "."
    if line.pain:
        note = line.note or f"pain on {_name(row.exercise)}"
        ctx.session.add(lm.LiftNote(athlete_id=ctx.athlete.id, exercise=row.exercise, pattern=row.pattern, text=note, created_on=ctx.today))
        await service.notes.remember(ctx, f"{note} (during {_name(row.exercise)})")
        lead += f" Pain noted and remembered: I'll work around {_name(row.exercise)} and bring it up next time."
    await ctx.session.flush()
    return await _propose(ctx, session, [*sets, row], lead=lead, service=service, timer=True)


# ------------------------------------------------------------------ the area's entry points


async def on_command(service: CoachService, ctx: Ctx, command: str, args: str) -> list[Reply]:
    words = args.lower().split()
    session = await open_session(ctx)
    if words[:1] == ["pause"]:
        return await pause(service, ctx, session) if session is not None else [Reply("No session is open. /lift starts one.")]
    if words[:1] in (["finish"], ["finished"], ["end"]):
        return await finish(service, ctx, session) if session is not None else [Reply("No session is open. /lift starts one.")]
    if words[:1] in (["plates"], ["plate"]):
        return await set_plate_increment(ctx, " ".join(words[1:]))
    if words[:1] == ["program"]:
        return await show_program(ctx, words[1:])
    if words:
        return [Reply("Use /lift to start or resume, /lift pause, /lift finish, /lift plates 1.25, /lift program [2|3|4].")]
    return await start(service, ctx)


async def _when_next(ctx: Ctx, day: TrainingDay, start: dt.date) -> str:
    """When a day of the queue suits: any day, or (heavy legs, a hard run or ride that day or the
    next) the first day of the week that leaves the hard endurance sessions fresh."""
    if not day.lower_body:
        return "whenever you're ready"
    return _legs_when(await _legs_placement(ctx, start))


async def set_plate_increment(ctx: Ctx, value: str) -> list[Reply]:
    """The smallest jump the athlete's plates allow; every weight is a multiple of it."""
    rules = load_rules()
    row = await program_row(ctx)
    low, high = rules.plate_increment_range_kg
    try:
        increment = float(value.replace(",", ".").removesuffix("kg").strip())
    except ValueError:
        return [Reply(f"Your plate increment is {_kg(row.plate_increment_kg)} kg. Change it with e.g. /lift plates 1.25")]
    if not math.isfinite(increment) or not low <= increment <= high:
        return [Reply(f"A plate increment between {_kg(low)} and {_kg(high)} kg, please (e.g. /lift plates 1.25). Nothing changed.")]
    row.plate_increment_kg = increment
    return [Reply(f"Plate increment set to {_kg(increment)} kg: every weight I give is a multiple of it.")]


async def show_program(ctx: Ctx, words: Sequence[str]) -> list[Reply]:
    row = await program_row(ctx)
    if words and words[0].isdigit():
        count = int(words[0])
        if count not in load_rules().days:
            return [Reply(f"I can build {', '.join(str(d) for d in load_rules().days)} days a week. Nothing changed.")]
        await regenerate(ctx, row, days_per_week=count)
    program = Program.from_json(row.document)
    head, _ = next_day_index(program, row.position)
    lines = [f"Strength program ({program.phase}, goal {program.goal.replace('_', ' ')}), next up: day {program.days[head].label}"
             f" ({await _when_next(ctx, program.days[head], ctx.today)})."]
    for d in program.days:
        doses = ", ".join(f"{_name(s.exercise)} {s.sets}×{s.reps} @ {s.rpe:g}" for s in d.slots)
        lines.append(f"Day {d.label}: {doses}")
    if program.equipment_missing:
        lines.append("Without: " + ", ".join(e.replace("_", " ") for e in program.equipment_missing) + ".")
    return [Reply("\n".join(lines))]


async def on_text(service: CoachService, ctx: Ctx, text: str) -> list[Reply] | None:
    """A line while a session is open: a set, "pause", "finished"; anything else goes on to the brain."""
    session = await open_session(ctx)
    if session is None:
        ctx.athlete.dialog = None
        return None
    line = parse_set_line(text)
    if line.kind == "finish":
        return await finish(service, ctx, session)
    if line.kind == "pause":
        return await pause(service, ctx, session)
    if line.kind == "resume":
        return await start(service, ctx)
    if line.kind == "skip":
        pending = session.state.get("pending") or {}
        if "slot_index" in pending:
            session.state = {**session.state, "stopped": [*(session.state.get("stopped") or []), int(pending["slot_index"])]}
        return await _propose(ctx, session, await _session_sets(ctx, session), lead=f"Skipped {_name(str(pending.get('exercise', 'it')))}.",
                              service=service)
    if line.kind == "set":
        return await log_set(service, ctx, session, line)
    if text.rstrip().endswith("?"):
        return None
    return [Reply("I didn't get that set. Send e.g. \"100 x 5 @8\", \"5 reps, easy\", \"done\", \"pause\" or \"finished\".")]


async def on_callback(service: CoachService, ctx: Ctx, data: str) -> list[Reply]:
    parts = data[len(PREFIX):].split(":")
    session = await open_session(ctx)
    if not parts or not all(p.isdigit() for p in parts[1:]) or len(parts) < 2:
        return [Reply("That button has expired. Send /lift.")]
    if session is None or session.id != int(parts[1]):
        return [Reply("That session is already closed. Send /lift for the next one.")]
    if parts[0] == "finish":
        return await finish(service, ctx, session)
    if len(parts) != 3:
        return [Reply("That button has expired. Send /lift.")]
    rules = load_rules()
    pending = session.state.get("pending") or {}
    target = float(pending.get("target_rpe", 7.0))
    lines = {
        "ok": SetLine("set"),
        "harder": SetLine("set", rpe=min(10.0, target + rules.buttons.harder_rpe_delta), reps=pending.get("reps")),
        "easier": SetLine("set", rpe=max(1.0, target + rules.buttons.easier_rpe_delta), reps=pending.get("reps")),
        "pain": SetLine("set", pain=True, reps=pending.get("reps"), note=f"pain on {_name(str(pending.get('exercise', 'a lift')))}"),
    }
    line = lines.get(parts[0])
    if line is None:
        return [Reply("That button has expired. Send /lift.")]
    ctx.athlete.dialog = {"flow": FLOW, "session_id": session.id}
    _resumed(session, service.db.naive_now())  # a button of a paused session picks it up again
    return await log_set(service, ctx, session, line, seq=int(parts[2]))


async def on_plain_text(service: CoachService, ctx: Ctx, text: str) -> list[Reply] | None:
    """'starting my workout' outside a session opens /lift; anything else is not ours."""
    if START_PHRASES.search(text) is None:
        return None
    return await start(service, ctx)


EXTENSION = Extension(
    name="lifting",
    commands={"lift": "a live strength session, set by set (/lift pause, /lift finish, /lift plates 1.25, /lift program)"},
    on_command=on_command,
    callback_prefixes=(PREFIX,),
    on_callback=on_callback,
    flows=(FLOW,),
    on_text=on_text,
    on_plain_text=on_plain_text,
)
