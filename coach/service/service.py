"""The coach service: one transport-agnostic entry per use case.

Transports (Telegram, the terminal chat, the CLI) turn what the user did into an
``Incoming`` and call ``CoachService.handle``; the service combines store, engine, brain and
memory and returns ``Reply`` objects. It is the only place that does so.

Exactly once: for updates that carry an id (Telegram), the inbox row is marked processed and
the replies are written to the outbox in the same transaction as the update's effects. A
replayed update finds its inbox row processed and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.brain.ask import CALLBACK_PREFIX as ASK_PREFIX
from coach.brain.intents import IntentClassifier, get_classifier
from coach.brain.offline import OfflineBrain
from coach.brain.tools import ToolCall
from coach.clock import Clock
from coach.engine.models import Plan, Profile
from coach.language.odd import pasted_file
from coach.service import asking, coaching, extensions, onboarding, render, training_log, turn
from coach.service.answers import AnswerError, parse_time_zone, parse_units
from coach.service.calendar import plan_ics
from coach.service.delivery import apology_key
from coach.service.notes import NoteMemory
from coach.service.tools import CoachTools
from coach.service.types import MAX_INCOMING_TEXT_CHARS, Button, Document, Incoming, Reply
from coach.store import models as m
from coach.store import repo
from coach.store.db import Database

if TYPE_CHECKING:
    from coach.brain.claude import ClaudeBrain

log = logging.getLogger(__name__)

COMMANDS: dict[str, str] = {
    "start": "start or restart onboarding",
    "help": "what I can do",
    "today": "today's session",
    "tomorrow": "tomorrow's session",
    "week": "this week's plan (/week next for next week)",
    "plan": "the whole plan at a glance",
    "log": "log a workout, e.g. /log ran 10k in 52 min",
    "checkin": "morning check-in (sleep, energy, soreness, stress)",
    "paces": "training paces from a result, e.g. /paces 10k 48:30",
    "memory": "what I remember about you",
    "export": "download all your data",
    "settings": "units and time zone",
    "delete_me": "erase everything I know about you",
}
"""The command menu; the Telegram transport publishes it with setMyCommands."""

HELP_TEXT = ""  # set at the bottom of this module, once the areas' commands are in COMMANDS


class UserError(Exception):
    """Something the user asked that cannot be done; the message is a sentence for them."""


class RetryLater(Exception):
    """The update can't be answered now (the language model is unreachable): its effects are
    rolled back, the athlete is told so honestly, and the update is kept for a later retry."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient


RETRY_BACKOFF_S = (60, 300, 1800)
"""When a stored update is tried again after the model failed (attempt 1, 2, 3)."""
GROUP_CHATS = ("group", "supergroup")
GROUP_COMMANDS: dict[str, str] = {
    "coach": "make me this group's coach",
    "join": "join this group's coach",
    "athletes": "who is on track (coach)",
    "override": "change a session: NAME DATE key=value -- reason (coach)",
    "review": "review NAME's weekly plans before they see them: /review NAME on|off (coach)",
}
HISTORY_MESSAGES = 10
"""Earlier turns given to the model as context (short-term memory)."""


@dataclass(frozen=True)
class Who:
    """Who is talking. Terminal users are known by name, Telegram users by their user id."""

    name: str
    telegram_user_id: int | None = None
    chat_id: int | None = None
    chat_type: str = "private"


@dataclass
class HandleResult:
    replies: list[Reply]
    outbox_ids: list[int]
    duplicate: bool = False


@dataclass
class Ctx:
    """What a use case works on: one transaction, one athlete, one day."""

    session: AsyncSession
    athlete: m.Athlete
    today: dt.date


class CoachService:
    def __init__(
        self, db: Database, clock: Clock, *, rules: Any = None, claude: ClaudeBrain | None = None, memory: NoteMemory | None = None,
        offline: OfflineBrain | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        db.clock = clock  # rows are stamped by the same clock that decides what is due
        self._rules = rules
        self.claude = claude
        self.notes = memory if memory is not None else NoteMemory(None)
        self.offline = offline if offline is not None else OfflineBrain(default_classifier)

    # ------------------------------------------------------------------ engine access

    @property
    def rules(self) -> Any:
        if self._rules is None:
            from coach.engine import load_rules

            self._rules = load_rules()
        return self._rules

    def build_plan(self, profile: Profile) -> Plan:
        from coach.engine import build_plan

        plan: Plan = build_plan(profile, self.rules)
        return plan

    # ------------------------------------------------------------------ inbox / outbox

    async def record_update(self, source: str, update_id: int, payload: dict[str, Any], user_id: int | None) -> bool:
        """Store an incoming update before it is handled. Returns False if it was already stored."""
        from sqlalchemy.exc import IntegrityError

        try:
            async with self.db.transaction() as s:
                existing = await self._inbox(s, source, update_id)
                if existing is not None:
                    return False
                s.add(m.InboxUpdate(source=source, update_id=update_id, payload=payload, user_id=user_id))
        except IntegrityError:  # another process stored the same update meanwhile (the unique key)
            return False
        return True

    async def pending_updates(self, source: str, max_attempts: int = 3) -> list[tuple[int, dict[str, Any]]]:
        async with self.db.transaction() as s:
            rows = (
                await s.execute(
                    select(m.InboxUpdate)
                    .where(
                        m.InboxUpdate.source == source, m.InboxUpdate.processed_at.is_(None), m.InboxUpdate.attempts < max_attempts,
                        (m.InboxUpdate.next_attempt_at.is_(None)) | (m.InboxUpdate.next_attempt_at <= self._naive_now()),
                    )
                    .order_by(m.InboxUpdate.update_id)
                )
            ).scalars()
            return [(r.update_id, dict(r.payload)) for r in rows]

    async def mark_processed(self, source: str, update_id: int) -> None:
        """For updates that need no reply (edits, membership changes): processed, nothing else."""
        async with self.db.transaction() as s:
            row = await self._inbox(s, source, update_id)
            if row is not None and row.processed_at is None:
                row.processed_at = self._naive_now()
                row.attempts += 1

    async def membership(self, source: str, update_id: int, who: Who, *, reachable: bool, reason: str = "") -> None:
        """Telegram says the user blocked the bot (``my_chat_member``: kicked) or unblocked it, in
        their private chat: the athlete is marked inactive (no scheduled sends) or active again."""
        async with self.db.transaction() as s:
            row = await self._inbox(s, source, update_id)
            if row is not None and row.processed_at is not None:
                return
            athlete = None if who.telegram_user_id is None else await repo.athlete_by_telegram(s, who.telegram_user_id)
            if athlete is not None and who.chat_type == "private":
                if not reachable and athlete.inactive_since is None:
                    athlete.inactive_since, athlete.inactive_reason = self._naive_now(), reason[:200]
                elif reachable:
                    athlete.inactive_since = athlete.inactive_reason = None
            if row is None:
                row = m.InboxUpdate(source=source, update_id=update_id, payload={}, user_id=who.telegram_user_id, attempts=0)
                s.add(row)
            row.processed_at = self._naive_now()
            row.attempts += 1

    async def record_failure(
        self, source: str, update_id: int, error: str, *, chat_id: int | None = None, apology: Reply | None = None
    ) -> bool:
        """Count a failed attempt at an update (it is retried until ``MAX_UPDATE_ATTEMPTS``) and, the
        first time only, queue ``apology`` to ``chat_id``: one apology per update, however often it
        fails. Returns True if an apology was queued (for the transport's sender to send)."""
        async with self.db.transaction() as s:
            row = await self._inbox(s, source, update_id)
            if row is not None:
                row.attempts += 1
                row.last_error = error[:2000]
            if apology is None or chat_id is None:
                return False
            keys = (apology_key(source, update_id), f"reply:{source}:{update_id}:postponed")
            if (await s.execute(select(m.OutboxMessage.id).where(m.OutboxMessage.key.in_(keys)))).first() is not None:
                return False
            s.add(m.OutboxMessage(key=keys[0], chat_id=chat_id, kind="apology", payload=apology.to_payload()))
            return True

    async def unsent(self) -> list[tuple[int, int | None, Reply]]:
        async with self.db.transaction() as s:
            rows = (
                await s.execute(
                    select(m.OutboxMessage)
                    .where(m.OutboxMessage.sent_at.is_(None), m.OutboxMessage.due_at <= self._naive_now())
                    .order_by(m.OutboxMessage.id)
                )
            ).scalars()
            return [(r.id, r.chat_id, Reply.from_payload(r.payload)) for r in rows]

    async def tick(self) -> int:
        """Queue the scheduled sends that are due now (morning check-ins, Sunday previews)."""
        from coach.service.schedule import enqueue_due

        async with self.db.transaction() as s:
            return await enqueue_due(s, self.clock.now(), self.rules)

    async def mark_sent(self, outbox_id: int) -> None:
        async with self.db.transaction() as s:
            row = await s.get(m.OutboxMessage, outbox_id)
            if row is not None:
                row.sent_at = self._naive_now()
                row.attempts += 1

    def _naive_now(self) -> dt.datetime:
        return self.db.naive_now()

    @staticmethod
    async def _inbox(s: AsyncSession, source: str, update_id: int, *, lock: bool = False) -> m.InboxUpdate | None:
        query = select(m.InboxUpdate).where(m.InboxUpdate.source == source, m.InboxUpdate.update_id == update_id)
        if lock:  # PostgreSQL: a second process handling the same update waits here, then finds it processed
            query = query.with_for_update()
        return (await s.execute(query)).scalar_one_or_none()

    # ------------------------------------------------------------------ the entry point

    async def handle(self, who: Who, incoming: Incoming, *, update_id: int | None = None, source: str = "telegram") -> HandleResult:
        """Apply one thing the user did and return the replies (exactly once when ``update_id`` is given)."""
        try:
            try:
                return await self._handle(who, incoming, update_id=update_id, source=source)
            except turn.ModelTurn as model_turn:  # the model thinks with no transaction open
                return await turn.run(self, who, incoming, model_turn, update_id=update_id, source=source)
        except RetryLater as later:
            return await self._postpone(who, later, update_id=update_id, source=source)

    async def _postpone(self, who: Who, later: RetryLater, *, update_id: int | None, source: str) -> HandleResult:
        """Nothing of the update was applied (rolled back); keep it for a retry and say so once."""
        reply = Reply(later.message)
        if update_id is None:
            return HandleResult([reply], [])
        async with self.db.transaction() as s:
            inbox = await self._inbox(s, source, update_id)
            if inbox is None:
                inbox = m.InboxUpdate(source=source, update_id=update_id, payload={}, user_id=who.telegram_user_id, attempts=0)
                s.add(inbox)
            inbox.attempts += 1
            inbox.last_error = later.message
            delay = RETRY_BACKOFF_S[min(inbox.attempts, len(RETRY_BACKOFF_S)) - 1]
            inbox.next_attempt_at = self._naive_now() + dt.timedelta(seconds=delay)
            if inbox.attempts > 1:
                return HandleResult([], [])  # the athlete already knows; don't repeat it
            row = m.OutboxMessage(key=f"reply:{source}:{update_id}:postponed", chat_id=who.chat_id, kind="reply", payload=reply.to_payload())
            s.add(row)
            await s.flush()
            return HandleResult([reply], [row.id])

    async def _handle(self, who: Who, incoming: Incoming, *, update_id: int | None, source: str) -> HandleResult:
        async with self.db.transaction() as s:
            inbox: m.InboxUpdate | None = None
            if update_id is not None:
                inbox = await self._inbox(s, source, update_id, lock=True)
                if inbox is not None and inbox.processed_at is not None:
                    return HandleResult([], [], duplicate=True)
                if inbox is None:
                    inbox = m.InboxUpdate(source=source, update_id=update_id, payload={}, user_id=who.telegram_user_id, attempts=0)
                    s.add(inbox)
            if who.chat_type in GROUP_CHATS and who.telegram_user_id is not None:
                replies = await self._group(s, who, incoming)
                outbox_ids = await self._finish_update(s, inbox, who, replies, update_id, source, athlete_id=None)
                return HandleResult(replies, outbox_ids)
            athlete = await self._athlete(s, who)
            ctx = Ctx(s, athlete, self.clock.today(athlete.time_zone))
            try:
                replies = await self._dispatch(ctx, incoming)
            except UserError as error:
                replies = [Reply(str(error))]
            deleted = athlete not in s
            if not deleted and incoming.kind in ("text", "command") and incoming.text:
                s.add(m.ChatMessage(athlete_id=athlete.id, role="athlete", text=extensions.redacted(incoming.text[:MAX_INCOMING_TEXT_CHARS])))
                for reply in replies:
                    s.add(m.ChatMessage(athlete_id=athlete.id, role="coach", text=reply.text))
            outbox_ids = await self._finish_update(s, inbox, who, replies, update_id, source, athlete_id=None if deleted else athlete.id)
            return HandleResult(replies, outbox_ids)

    async def _finish_update(
        self, s: AsyncSession, inbox: m.InboxUpdate | None, who: Who, replies: list[Reply], update_id: int | None, source: str,
        *, athlete_id: int | None,
    ) -> list[int]:
        """Mark the update processed and queue its replies, in the transaction of its effects."""
        if inbox is None:
            return []
        inbox.processed_at = self._naive_now()
        inbox.attempts += 1
        rows = [
            m.OutboxMessage(
                key=f"reply:{source}:{update_id}:{i}", athlete_id=athlete_id, chat_id=who.chat_id, kind="reply",
                payload=reply.to_payload(),
            )
            for i, reply in enumerate(replies)
        ]
        s.add_all(rows)
        await s.flush()
        return [row.id for row in rows]

    # ------------------------------------------------------------------ group chats (coaches)

    async def _group(self, s: AsyncSession, who: Who, incoming: Incoming) -> list[Reply]:
        """In a group, only coach commands are answered; chatter is left alone."""
        assert who.telegram_user_id is not None and who.chat_id is not None
        if incoming.kind == "callback" and (incoming.callback_data or "").startswith("rev:"):
            return await self._approve(s, who, incoming.callback_data or "")
        if incoming.kind != "command" or incoming.command is None:
            return []
        command, args = incoming.command, incoming.args.strip()
        coach = await coaching.coach_by_telegram(s, who.telegram_user_id)
        group = (await s.execute(select(m.CoachGroup).where(m.CoachGroup.chat_id == who.chat_id))).scalar_one_or_none()
        if command == "coach":
            if group is not None and (coach is None or group.coach_id != coach.id):
                return [Reply("This group already has a coach.")]
            if coach is None:
                coach = m.Coach(name=who.name, telegram_user_id=who.telegram_user_id)
                s.add(coach)
                await s.flush()
            if group is None:
                s.add(m.CoachGroup(coach_id=coach.id, chat_id=who.chat_id))
            return [Reply(f"{coach.name} is the coach of this group. Athletes: send /join here, and talk to me privately for your training.")]
        if command == "join":
            if group is None:
                return [Reply("This group has no coach yet: the coach sends /coach first.")]
            athlete = await self._athlete(s, Who(name=who.name, telegram_user_id=who.telegram_user_id, chat_id=None))
            group_coach = await s.get(m.Coach, group.coach_id)
            assert group_coach is not None
            new = await coaching.link(s, group_coach, athlete, who.chat_id)
            name = athlete.display_name or who.name
            return [Reply(f"{name} joined {group_coach.name}'s group." if new else f"{name} is already in this group.")]
        if command in ("athletes", "override", "review"):
            if coach is None or group is None or group.coach_id != coach.id:
                return [Reply("Only this group's coach can do that.")]
            athletes = await coaching.linked_athletes(s, coach, who.chat_id)
            if command == "athletes":
                if not athletes:
                    return [Reply("No athletes have joined yet. Athletes send /join here.")]
                return [Reply("\n".join(await coaching.status_lines(s, athletes, self.clock.today())))]
            if command == "review":
                words = args.split()
                target = next((a for a in athletes if words and words[0].lower() in (coaching.shown(a).lower(), a.name.lower())), None)
                if len(words) != 2 or words[1] not in ("on", "off") or target is None:
                    return [Reply("Use: /review NAME on|off (NAME must have joined this group).")]
                await coaching.set_review(s, coach, target, words[1] == "on")
                state = "before they see them" if words[1] == "on" else "no longer (they get them directly)"
                return [Reply(f"You'll review {coaching.shown(target)}'s weekly plans {state}.")]
            return [Reply(await self._group_override(s, coach, athletes, args))]
        return [Reply("In groups I answer /coach, /join, /athletes, /override and /review. Talk to me privately for your own training.")]

    async def _approve(self, s: AsyncSession, who: Who, data: str) -> list[Reply]:
        from coach.service.schedule import approve_week

        assert who.telegram_user_id is not None
        coach = await coaching.coach_by_telegram(s, who.telegram_user_id)
        _, athlete_id, week_text = data.split(":", 2)
        athlete = await s.get(m.Athlete, int(athlete_id)) if athlete_id.isdigit() else None
        if coach is None or athlete is None or athlete.id not in {a.id for a in await coaching.linked_athletes(s, coach)}:
            return [Reply("Only this athlete's coach can approve their week.")]
        try:
            week_start = dt.date.fromisoformat(week_text)
        except ValueError:
            return [Reply("That button has expired.")]
        sent = await approve_week(s, athlete, week_start, self.clock.today(athlete.time_zone), coach.name)
        name = coaching.shown(athlete)
        return [Reply(f"Approved: {name} gets their week." if sent else f"{name}'s week was already sent.")]

    async def _group_override(self, s: AsyncSession, coach: m.Coach, athletes: list[m.Athlete], args: str) -> str:
        """``/override NAME YYYY-MM-DD key=value... [waive=rule] -- reason``."""
        head, _, reason = args.partition("--")
        words = head.split()
        if len(words) < 3:
            return "Use: /override NAME YYYY-MM-DD duration_min=90 [waive=rule_id] -- reason"
        name, day_text, rest = words[0], words[1], words[2:]
        athlete = next((a for a in athletes if name.lower() in ((a.display_name or "").lower(), a.name.lower())), None)
        if athlete is None:
            return f"No athlete called {name} has joined this group."
        try:
            day = dt.date.fromisoformat(day_text)
            changes, waive = coaching.parse_changes(rest)
            result = await coaching.override_session(s, coach, athlete, day, changes, waive, reason.strip() or "no reason given", self.rules)
        except ValueError:
            return f"{day_text!r} isn't a date like 2026-12-05."
        except coaching.CoachingError as error:
            return str(error)
        return result.text

    async def coach_override(self, coach_name: str, athlete_name: str, day: dt.date, settings: list[str], reason: str) -> str:
        """The CLI's override: same rules, same audit."""
        async with self.db.transaction() as s:
            coach = await coaching.coach_by_name(s, coach_name)
            athlete = await repo.athlete_by_name(s, athlete_name)
            if coach is None or athlete is None:
                raise UserError(f"No coach {coach_name!r}." if coach is None else f"No athlete {athlete_name!r}.")
            try:
                changes, waive = coaching.parse_changes(settings)
                return (await coaching.override_session(s, coach, athlete, day, changes, waive, reason, self.rules)).text
            except coaching.CoachingError as error:
                raise UserError(str(error)) from error

    async def import_for(self, name: str, files: list[tuple[str, bytes]]) -> list[str]:
        """Store imported activities for an athlete (each once) and re-link adherence."""
        async with self.db.transaction() as s:
            athlete = await repo.athlete_by_name(s, name)
            if athlete is None:
                raise UserError(f"There is no athlete called {name!r}.")
            ctx = Ctx(s, athlete, self.clock.today(athlete.time_zone))
            lines: list[str] = []
            for file_name, data in files:
                lines += [r.text for r in await training_log.import_document(ctx, file_name, data)]
            return lines

    async def add_coach(self, name: str, athlete_names: list[str], telegram_user_id: int | None = None, *, review: bool | None = None) -> None:
        async with self.db.transaction() as s:
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

    async def _athlete(self, s: AsyncSession, who: Who) -> m.Athlete:
        if who.telegram_user_id is not None:
            athlete = await repo.athlete_by_telegram(s, who.telegram_user_id)
            if athlete is None:
                athlete = m.Athlete(
                    name=f"tg:{who.telegram_user_id}", display_name=who.name, telegram_user_id=who.telegram_user_id, telegram_chat_id=who.chat_id
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

    async def _dispatch(self, ctx: Ctx, incoming: Incoming) -> list[Reply]:
        if incoming.kind == "unsupported":
            what = incoming.unsupported_what or "that kind of message"
            return [Reply(f"I can't read {what} yet. Send me text, or a .fit, .gpx or .tcx file.\n\n{HELP_TEXT}")]
        if incoming.kind == "callback":
            return await self._callback(ctx, incoming.callback_data or "")
        if incoming.kind == "document":
            return await self._document(ctx, incoming)
        text = incoming.text.strip()
        if len(incoming.text) > MAX_INCOMING_TEXT_CHARS:
            return [Reply(f"That message is {len(incoming.text)} characters long; I read up to {MAX_INCOMING_TEXT_CHARS}. Could you send the key points in a shorter message?")]
        if incoming.kind == "command" and incoming.command is not None:
            if (ctx.athlete.dialog or {}).get("flow") == asking.FLOW:
                ctx.athlete.dialog = None  # a command moves on: the open question is dropped
            return await self._command(ctx, incoming.command, incoming.args.strip())
        if not text:
            return [Reply("I got an empty message. Tell me how training is going, or try /help.")]
        return await self._text(ctx, text)

    # ------------------------------------------------------------------ commands

    async def _command(self, ctx: Ctx, command: str, args: str) -> list[Reply]:
        if command not in COMMANDS:
            return [Reply(f"I don't know /{command}. {HELP_TEXT}")]
        area = extensions.for_command(command)
        if area is not None and area.on_command is not None and (command not in area.needs_plan or ctx.athlete.profile is not None):
            return await area.on_command(self, ctx, command, args)
        if command == "settings" and args.lower().split()[:1] in (["plates"], ["plate"]):  # the lifting area's plate increment
            from coach.service.lifting import set_plate_increment

            return await set_plate_increment(ctx, args.split(maxsplit=1)[1] if len(args.split()) > 1 else "")
        if command == "start":
            return await self.start(ctx)
        if command == "help":
            return [Reply(HELP_TEXT)]
        if command == "paces":
            return training_log.paces(args, ctx.athlete.units)
        if command == "log":
            return await training_log.log_text(ctx, args, self.clock.now())
        if command == "checkin":
            return await training_log.checkin_start(ctx, args, self.clock.now())
        if command == "delete_me":
            return [Reply(
                "This erases your profile, plans, check-ins, activities, notes and our conversation. It can't be undone. Are you sure?",
                [[Button("Yes, erase everything", "del:yes"), Button("No, keep it", "del:no")]],
            )]
        if ctx.athlete.profile is None:
            if ctx.athlete.dialog and ctx.athlete.dialog.get("flow") == "onboarding":
                state = ctx.athlete.dialog["state"]
                return [Reply("Let's finish setting you up first — then I'll have a plan for that."), onboarding.question(state["step"], state["answers"])]
            return [Reply("You don't have a plan yet. Send /start and I'll set one up in a few questions.")]
        if command == "today":
            return await self.day(ctx, ctx.today, "Today")
        if command == "tomorrow":
            return await self.day(ctx, ctx.today + dt.timedelta(days=1), "Tomorrow")
        if command == "week":
            return await self.week(ctx, next_week=args.lower().startswith("next"))
        if command == "plan":
            return await self.plan(ctx)
        if command == "settings":
            return self.settings(ctx, args)
        if command == "export":
            return await self.export(ctx, args)
        if command == "memory":
            return await self.memory(ctx)
        return [Reply(HELP_TEXT)]

    async def start(self, ctx: Ctx) -> list[Reply]:
        if ctx.athlete.profile is not None:
            replies = [Reply("Welcome back! Your plan is running. Here's today:")]
            replies += await self.day(ctx, ctx.today, "Today")
            replies.append(Reply("To start over with a new goal, tap below.", [[Button("New goal", "ob:restart")]]))
            return replies
        outcome = onboarding.start()
        ctx.athlete.dialog = {"flow": "onboarding", "state": outcome.state}
        return outcome.replies

    # ------------------------------------------------------------------ plain text

    async def _text(self, ctx: Ctx, text: str) -> list[Reply]:
        dialog = ctx.athlete.dialog or {}
        if dialog.get("flow") == "onboarding":
            return await self._onboarding_answer(ctx, text)
        if dialog.get("flow") == "note_fix":
            return await self.correct_note(ctx, int(dialog["note_id"]), text)
        if dialog.get("flow") == "checkin":
            replies = await training_log.checkin_text(ctx, text, self.clock.now())
            if replies is not None:
                return replies
        area = extensions.for_flow(dialog.get("flow"))
        if area is not None and area.on_text is not None:
            replies = await area.on_text(self, ctx, text)
            if replies is not None:
                return replies
        for plain in extensions.extensions():  # "starting my workout" opens the lifting session
            if plain.on_plain_text is not None and (replies := await plain.on_plain_text(self, ctx, text)) is not None:
                return replies
        if ctx.athlete.profile is None:
            return await self.start(ctx)
        if dialog.get("flow") == asking.FLOW:
            answered = await asking.on_text(self, ctx, text)
            if answered is not None:
                return answered
        kind = pasted_file(text)
        if kind is not None:
            return [Reply(f"That looks like a {kind} workout file pasted as text. Send the file itself (as a document) and "
                          "I'll import it properly. Nothing was changed.")]
        return await self.converse(ctx, text)

    async def converse(self, ctx: Ctx, text: str) -> list[Reply]:
        """A plain-language message: the brain picks tools, the engine decides, the reply explains."""
        tools = CoachTools(self, ctx).tools()
        if self.claude is None:
            offline = await self.offline.reply(message=text, today=ctx.today, tools=tools)
            log.info("offline brain: intent %s (%.2f), tools %s", offline.intent, offline.confidence, [c.name for c in offline.tool_calls])
            replies = asking.replies_of(offline)
            asking.remember(self, ctx, offline.ask)
            if offline.follow_up == "checkin":
                replies += await training_log.checkin_start(ctx, "", self.clock.now())
            elif offline.follow_up == "memory":
                replies += await self.memory(ctx)
            elif offline.follow_up == "new_plan":
                replies.append(Reply("Start over with a new goal?", [[Button("New goal", "ob:restart"), Button("Keep my plan", "ob:keep")]]))
            for area in extensions.extensions():  # e.g. a chart after "how's my week looking"
                if area.on_intent is not None:
                    replies += await area.on_intent(self, ctx, text, offline.intent)
            return replies
        # Claude: this transaction rolls back and the turn runs outside it (coach/service/turn.py).
        raise turn.ModelTurn(text, ctx.athlete.dialog)

    async def _history(self, ctx: Ctx) -> list[dict[str, Any]]:
        rows = (
            await ctx.session.execute(
                select(m.ChatMessage).where(m.ChatMessage.athlete_id == ctx.athlete.id).order_by(m.ChatMessage.id.desc()).limit(HISTORY_MESSAGES)
            )
        ).scalars().all()
        return [{"role": "user" if r.role == "athlete" else "assistant", "content": r.text} for r in reversed(rows)]

    async def _onboarding_answer(self, ctx: Ctx, text: str) -> list[Reply]:
        assert ctx.athlete.dialog is not None
        state = ctx.athlete.dialog["state"]
        if state.get("step") == "alternatives":
            return [Reply("Pick one of the options above, or send /start to begin again.")]
        outcome = onboarding.answer(state, text, ctx.today)
        ctx.athlete.dialog = {"flow": "onboarding", "state": outcome.state}
        if not outcome.complete:
            return outcome.replies
        return outcome.replies + await self._finish_onboarding(ctx)

    async def _finish_onboarding(self, ctx: Ctx) -> list[Reply]:
        assert ctx.athlete.dialog is not None
        answers: dict[str, Any] = ctx.athlete.dialog["state"]["answers"]
        time_zone = answers.get("time_zone", "UTC")
        ctx.athlete.time_zone = time_zone
        ctx.athlete.units = answers.get("units", "km")
        today = self.clock.today(time_zone)
        profile = onboarding.build_profile(answers, today, name=ctx.athlete.name)
        plan = self.build_plan(profile)
        if not plan.feasible:
            state = {**ctx.athlete.dialog["state"], "step": "alternatives", "alternatives": [alt.model_dump(mode="json") for alt in plan.alternatives]}
            ctx.athlete.dialog = {"flow": "onboarding", "state": state}
            buttons = [[Button(alt.description[:60], f"alt:{i}")] for i, alt in enumerate(plan.alternatives)]
            buttons.append([Button("Start again", "ob:restart")])
            return [Reply(f"I can't build that plan safely: {plan.reason}\nHere's what I can do instead:", buttons)]
        return await self._adopt_plan(ctx, profile, plan, source="onboarding", reason="first plan from onboarding")

    async def _adopt_plan(self, ctx: Ctx, profile: Profile, plan: Plan, *, source: str, reason: str) -> list[Reply]:
        athlete = ctx.athlete
        athlete.profile = profile.model_dump(mode="json", by_alias=True)
        athlete.dialog = None
        today = profile.start_date
        ctx.session.add(m.Goal(athlete_id=athlete.id, sport=profile.sport, event=profile.goal.event, date=profile.goal.date, target_time=profile.goal.target_time))
        from coach.library.use import prefer_library, uses_text

        # the athlete's own workouts where they fit (seed 002)
        own = await prefer_library(ctx.session, athlete.id, plan, profile, self.rules, today)
        plan = own.plan
        await repo.save_plan(ctx.session, athlete, plan, source=source, reason=reason)
        units = athlete.units
        replies = [Reply("Your plan is ready.\n" + render.plan_summary(plan, units, today) + ("\n" + uses_text(own.uses) if own.uses else ""))]
        week = render.current_week(plan, today)
        if week is not None:
            replies.append(Reply("This week:\n" + render.week_text(week, units, today)))
        replies.append(Reply("Ask me /today any morning, /week for the week, and tell me how it's going in your own words."))
        return replies

    # ------------------------------------------------------------------ callbacks

    async def _callback(self, ctx: Ctx, data: str) -> list[Reply]:
        if data == "ob:keep":
            return [Reply("Your plan stays as it is.")]
        if data == "ob:restart":
            ctx.athlete.profile = None
            outcome = onboarding.start()
            ctx.athlete.dialog = {"flow": "onboarding", "state": outcome.state}
            return outcome.replies
        if data.startswith("ob:"):
            if (ctx.athlete.dialog or {}).get("flow") != "onboarding":
                return [Reply("That question has already been answered. Send /start to set up a new goal.")]
            return await self._onboarding_answer(ctx, data)
        if data.startswith("alt:"):
            return await self._choose_alternative(ctx, data[4:])
        if data.startswith("del:"):
            if data == "del:yes":
                await self.notes.forget_athlete(ctx.session, ctx.athlete.id)
                await repo.delete_athlete(ctx.session, ctx.athlete)
                return [Reply("Done. Everything I knew about you is erased. Send /start if you ever want to begin again.")]
            return [Reply("Nothing was deleted.")]
        if data.startswith("ci:"):
            return await training_log.checkin_answer(ctx, data, self.clock.now())
        if data.startswith("mem:del:"):
            return await self.forget_note(ctx, data[len("mem:del:") :])
        if data.startswith("mem:fix:"):
            note_id = data[len("mem:fix:") :]
            note = await ctx.session.get(m.Note, int(note_id)) if note_id.isdigit() else None
            if note is None or note.athlete_id != ctx.athlete.id:
                return [Reply("That note is already gone.")]
            ctx.athlete.dialog = {"flow": "note_fix", "note_id": note.id}
            return [Reply(f"What should it say instead of: {note.text}")]
        if data.startswith("set:"):
            return self.settings(ctx, data[4:].replace(":", " "))
        if data.startswith(ASK_PREFIX):
            return await asking.on_callback(self, ctx, data)
        area = extensions.for_callback(data)
        if area is not None and area.on_callback is not None:
            return await area.on_callback(self, ctx, data)
        return [Reply("That button has expired. Try /help.")]

    async def _choose_alternative(self, ctx: Ctx, index_text: str) -> list[Reply]:
        dialog = ctx.athlete.dialog or {}
        state = dialog.get("state", {})
        alternatives = state.get("alternatives") or []
        if dialog.get("flow") != "onboarding" or not index_text.isdigit() or int(index_text) >= len(alternatives):
            return [Reply("That option has expired. Send /start to set up a goal.")]
        choice = alternatives[int(index_text)]
        answers = dict(state["answers"])
        answers["event"] = choice["event"]
        if choice.get("date"):
            answers["date"] = choice["date"]
        if choice["kind"] == "finish_only" or choice["event"] != state["answers"].get("event"):
            answers["target_time"] = None
        if choice["event"] in ("general_fitness", "strength"):
            answers.pop("date", None)
        ctx.athlete.dialog = {"flow": "onboarding", "state": {"step": None, "answers": answers}}
        return [Reply(f"OK: {choice['description']}")] + await self._finish_onboarding(ctx)

    # ------------------------------------------------------------------ plan views

    async def _plan(self, ctx: Ctx) -> Plan:
        row = await repo.active_plan_row(ctx.session, ctx.athlete.id)
        if row is None:
            raise UserError("You don't have a plan yet. Send /start and I'll set one up.")
        return repo.plan_doc(row)

    async def day(self, ctx: Ctx, day: dt.date, title: str) -> list[Reply]:
        plan = await self._plan(ctx)
        sessions = [s for w in plan.weeks for s in w.sessions if s.date == day]
        if not plan.weeks or day < plan.weeks[0].start or day >= plan.weeks[-1].start + dt.timedelta(days=7):
            return [Reply(f"{title} — {render.day_label(day)}: that's outside your plan ({plan.meta.start_date.isoformat()} onwards). Send /start for a new goal.")]
        return [Reply(render.day_text(day, sessions, ctx.athlete.units, title))]

    async def week(self, ctx: Ctx, *, next_week: bool = False) -> list[Reply]:
        plan = await self._plan(ctx)
        week = render.current_week(plan, ctx.today + dt.timedelta(days=7 if next_week else 0))
        if week is None:
            return [Reply("Your plan has finished. Send /start to set a new goal.")]
        return [Reply(render.week_text(week, ctx.athlete.units, ctx.today), self._calendar_button())]

    async def plan(self, ctx: Ctx) -> list[Reply]:
        plan = await self._plan(ctx)
        return [Reply(render.plan_summary(plan, ctx.athlete.units, ctx.today), self._calendar_button())]

    webapp_url: str | None = None
    """The Mini App's address (``WEBAPP_URL``, set by ``coach run``): /plan and /week offer it."""

    def _calendar_button(self) -> list[list[Button]]:
        return [[Button("Open the calendar", "webapp", self.webapp_url)]] if self.webapp_url else []

    # ------------------------------------------------------------------ settings, export, memory

    def settings(self, ctx: Ctx, args: str) -> list[Reply]:
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
                    return [Reply(f"I can change units or timezone, not {key!r}. For example: /settings units miles")]
            except AnswerError as error:
                return [Reply(str(error))]
        units = "miles" if athlete.units == "mi" else "kilometres"
        return [Reply(
            f"Units: {units}\nTime zone: {athlete.time_zone}\nChange with /settings units miles or /settings timezone Berlin.",
            [[Button("Use km", "set:units:km"), Button("Use miles", "set:units:miles")]],
        )]

    async def export(self, ctx: Ctx, args: str = "") -> list[Reply]:
        if args.strip():  # /export ics|zwo|fit|intervals [hr]: the plan as files (coach/export)
            from coach.export.chat import export_replies

            return await export_replies(self, ctx, args)
        data = await self.athlete_document(ctx.session, ctx.athlete)
        messages = (await ctx.session.execute(select(m.ChatMessage).where(m.ChatMessage.athlete_id == ctx.athlete.id).order_by(m.ChatMessage.id))).scalars()
        data["conversation"] = [{"role": c.role, "text": c.text, "at": c.created_at.isoformat()} for c in messages]
        body = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
        replies = [Reply("Here's everything I have about you.", document=Document(f"coach-export-{ctx.today.isoformat()}.json", body, "application/json"))]
        row = await repo.active_plan_row(ctx.session, ctx.athlete.id)
        if row is not None:
            ics = plan_ics(repo.plan_doc(row), f"athlete{ctx.athlete.id}", ctx.athlete.units, stamp=self.clock.now())
            replies.append(Reply("And your plan for your calendar app:", document=Document("training-plan.ics", ics, "text/calendar")))
        return replies

    async def memory(self, ctx: Ctx) -> list[Reply]:
        notes = await repo.notes(ctx.session, ctx.athlete.id)
        if not notes:
            return [Reply("I don't have any notes about you yet. Tell me things like \"my left knee is sensitive\" and I'll remember.")]
        lines = [f"{i}. [{n.kind}] {n.text}" for i, n in enumerate(notes, 1)]
        buttons = [[Button(f"Correct {i}", f"mem:fix:{n.id}"), Button(f"Forget {i}", f"mem:del:{n.id}")] for i, n in enumerate(notes, 1)]
        return [Reply("What I remember:\n" + "\n".join(lines), buttons)]

    async def _document(self, ctx: Ctx, incoming: Incoming) -> list[Reply]:
        from coach.library.chat import import_document as library_import
        from coach.library.chat import is_library_file

        if is_library_file(incoming.file_name or ""):  # a .zwo or an Intervals.icu folder .json: the workout library
            return await library_import(ctx, incoming.file_name or "file", incoming.file_bytes or b"")
        return await training_log.import_document(ctx, incoming.file_name or "file", incoming.file_bytes or b"")

    async def correct_note(self, ctx: Ctx, note_id: int, text: str) -> list[Reply]:
        """Replace a note: the old one (and its limitations) goes, the corrected text is remembered anew."""
        ctx.athlete.dialog = None
        note = await ctx.session.get(m.Note, note_id)
        if note is None or note.athlete_id != ctx.athlete.id:
            return [Reply("That note is already gone.")]
        for limitation in await repo.active_limitations(ctx.session, ctx.athlete.id):
            if limitation.note_id == note.id:
                await ctx.session.delete(limitation)
        await ctx.session.delete(note)
        await self.notes.forget(ctx.session, ctx.athlete.id, note.id)
        new = await self.notes.remember(ctx, text)
        return [Reply(f"Corrected. I now remember ({new.kind}): {new.text}")]

    async def forget_note(self, ctx: Ctx, note_id: str) -> list[Reply]:
        note = await ctx.session.get(m.Note, int(note_id)) if note_id.isdigit() else None
        if note is None or note.athlete_id != ctx.athlete.id:
            return [Reply("That note is already gone.")]
        await ctx.session.delete(note)
        await self.notes.forget(ctx.session, ctx.athlete.id, note.id)
        return [Reply(f"Forgotten: {note.text}")]

    # ------------------------------------------------------------------ CLI use cases

    async def athlete_document(self, s: AsyncSession, athlete: m.Athlete) -> dict[str, Any]:
        """Everything the coach holds about an athlete, as ``coach show --json`` prints it."""
        plan_row = await repo.active_plan_row(s, athlete.id)
        checkins = await repo.recent_checkins(s, athlete.id)
        activities = await repo.recent_activities(s, athlete.id)
        notes = await repo.notes(s, athlete.id)
        limitations = await repo.active_limitations(s, athlete.id)
        goal = (athlete.profile or {}).get("goal")
        sport = str((athlete.profile or {}).get("sport", "run"))
        derived = await training_log.history_from_activities(s, athlete, self.clock.today(athlete.time_zone), sport)
        from coach.store.models_connect import Connection

        connections = (
            await s.execute(select(Connection).where(Connection.athlete_id == athlete.id).order_by(Connection.provider))
        ).scalars().all()
        return {
            "athlete": {"name": athlete.name, "telegram_user_id": athlete.telegram_user_id, "time_zone": athlete.time_zone, "units": athlete.units},
            "profile": athlete.profile,
            "goal": goal,
            "onboarding": None if not athlete.dialog or athlete.dialog.get("flow") != "onboarding" else {"step": athlete.dialog["state"].get("step")},
            "plan": None if plan_row is None else {"version": plan_row.version, "source": plan_row.source, **repo.plan_doc(plan_row).model_dump(mode="json")},
            "checkins": [
                {"date": c.date.isoformat(), "sleep_hours": c.sleep_hours, "sleep_quality": c.sleep_quality, "energy": c.energy,
                 "soreness": c.soreness, "stress": c.stress, "hrv_ms": c.hrv_ms, "resting_hr": c.resting_hr,
                 "readiness": c.readiness, "readiness_color": c.readiness_color, "reasons": c.reasons}
                for c in checkins
            ],
            "activities": [
                {"sport": a.sport, "start_time": a.start_time.isoformat() + "Z", "elapsed_s": a.elapsed_s, "moving_s": a.moving_s,
                 "distance_km": a.distance_km, "elevation_gain_m": a.elevation_gain_m, "avg_hr": a.avg_hr, "max_hr": a.max_hr,
                 "avg_power_w": a.avg_power_w, "np_w": a.np_w, "tss": a.tss, "load": a.load, "source": a.source, "file": a.file_name,
                 "rpe": a.rpe, "details": a.details or {}}
                for a in activities
            ],
            "history_from_activities": derived,
            "notes": [{"id": n.id, "kind": n.kind, "text": n.text, "created_on": n.created_on.isoformat()} for n in notes],
            "limitations": [
                {"kind": lim.kind, "body_part": lim.body_part, "side": lim.side, "sport": lim.sport, "avoid": lim.avoid,
                 "description": lim.description, "since": lim.since.isoformat(), "until": None if lim.until is None else lim.until.isoformat()}
                for lim in limitations
            ],
            "connections": [  # Intervals.icu, Strava: status only, never a key or token
                {"provider": c.provider, "external_athlete_id": c.external_athlete_id, "status": c.status,
                 "last_pull_at": None if c.last_pull_at is None else c.last_pull_at.isoformat(),
                 "last_push_at": None if c.last_push_at is None else c.last_push_at.isoformat()}
                for c in connections
            ],
        }

    async def show(self, name: str) -> dict[str, Any]:
        async with self.db.transaction() as s:
            athlete = await repo.athlete_by_name(s, name)
            if athlete is None:
                raise UserError(f"There is no athlete called {name!r}.")
            return await self.athlete_document(s, athlete)

    async def add_athlete(self, name: str, profile: Profile, plan: Plan | None = None, telegram_user_id: int | None = None) -> Plan:
        """Create an athlete and their first plan from a profile document (a coach importing athletes).

        ``plan`` adopts a plan document as it is (a frozen evaluation world) instead of building one.
        ``telegram_user_id`` links their Telegram account (their private chat has the same id)."""
        plan = plan if plan is not None else self.build_plan(profile)
        async with self.db.transaction() as s:
            if await repo.athlete_by_name(s, name) is not None:
                raise UserError(f"An athlete called {name!r} already exists.")
            if telegram_user_id is not None and (taken := await repo.athlete_by_telegram(s, telegram_user_id)) is not None:
                raise UserError(f"Telegram user {telegram_user_id} is already the athlete {taken.name!r}.")
            if not plan.feasible:
                raise UserError(f"That plan isn't safe to build: {plan.reason}")
            athlete = m.Athlete(name=name, units=profile.units, telegram_user_id=telegram_user_id, telegram_chat_id=telegram_user_id)
            s.add(athlete)
            await s.flush()
            ctx = Ctx(s, athlete, profile.start_date)
            await self._adopt_plan(ctx, profile, plan, source="import", reason="imported from a profile document")
        return plan


def default_classifier() -> IntentClassifier:
    """The offline brain's classifier on the memory's embedder (one MiniLM per process, loaded lazily)."""
    from memory import get_default_embedder

    return get_classifier(get_default_embedder())


def fallback_text(calls: list[ToolCall]) -> str:
    """The deterministic reply: what the last successful tool said, in the engine's own words."""
    for call in reversed(calls):
        if call.is_error or not call.output:
            continue
        for key in ("text", "summary", "refused_reason"):
            value = call.output.get(key)
            if isinstance(value, str) and value:
                return value
    return "I couldn't put that into words safely. " + HELP_TEXT


def _install_areas() -> None:
    """The areas' commands join the menu (coach/service/extensions.py); /help lists them all."""
    global HELP_TEXT
    for area in extensions.extensions():
        for name, what in area.commands.items():
            COMMANDS.setdefault(name, what)
    HELP_TEXT = "Here's what I can do:\n" + "\n".join(f"/{name} — {what}" for name, what in COMMANDS.items())


_install_areas()
