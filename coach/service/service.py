"""The coach service: one transport-agnostic entry per use case.

Transports (Telegram, the terminal chat, the CLI) turn what the user did into an
``Incoming`` and call ``CoachService.handle``; the service combines store, engine, brain and
memory and returns ``Reply`` objects. It is the only place that does so.

Exactly once: for updates that carry an id (Telegram), the inbox row is marked processed and
the replies are written to the outbox in the same transaction as the update's effects. A
replayed update finds its inbox row processed and changes nothing.

The use cases live in modules named for what they do; ``CoachService`` holds the database, the
clock, the rules and the brains, and hands itself to them:

- ``inbox``: updates stored before they are handled, the outbox, retries and the one apology
- ``routing``: which use case answers a command, a button, a file or a message in a private chat
- ``onboarding_flow``: /start, the onboarding dialog and the first plan
- ``conversation``: plain language for the offline brain, or a Claude turn (``turn``)
- ``views``: today, the week, the plan, settings and the coach's memory of the athlete
- ``data_export``: /export and ``coach show``
- ``coaches``: the group chat's coach commands and the CLI's coach cases
- ``athletes``: who is talking, and the CLI's athlete cases
- ``menu``: the command menus and /help
- ``context`` (``Who``, ``Ctx``, ``HandleResult``, the errors) and ``protocol`` (``Service``,
  what the modules use of ``CoachService``)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from coach.brain.offline import OfflineBrain
from coach.clock import Clock
from coach.engine.models import Plan, Profile
from coach.service import (
    athletes,
    coaches,
    data_export,
    extensions,
    inbox,
    onboarding_flow,
    routing,
    turn,
    views,
)
from coach.service.context import Ctx, HandleResult, RetryLater, UserError, Who
from coach.service.conversation import converse as _converse
from coach.service.conversation import default_classifier
from coach.service.inbox import RETRY_BACKOFF_S
from coach.service.menu import COMMANDS, GROUP_CHATS, GROUP_COMMANDS, HELP_TEXT
from coach.service.notes import NoteMemory
from coach.service.turn import HISTORY_MESSAGES, fallback_text
from coach.service.types import MAX_INCOMING_TEXT_CHARS, Incoming, Reply
from coach.store import models as m
from coach.store.db import Database

if TYPE_CHECKING:
    from coach.brain.claude import ClaudeBrain

__all__ = [
    "COMMANDS",
    "GROUP_CHATS",
    "GROUP_COMMANDS",
    "HELP_TEXT",
    "HISTORY_MESSAGES",
    "RETRY_BACKOFF_S",
    "CoachService",
    "Ctx",
    "HandleResult",
    "RetryLater",
    "UserError",
    "Who",
    "default_classifier",
    "fallback_text",
]

log = logging.getLogger(__name__)


class CoachService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        rules: Any = None,
        claude: ClaudeBrain | None = None,
        memory: NoteMemory | None = None,
        offline: OfflineBrain | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        db.clock = clock  # rows are stamped by the same clock that decides what is due
        self._rules = rules
        self.claude = claude
        self.notes = memory if memory is not None else NoteMemory(None)
        self.offline = offline if offline is not None else OfflineBrain(default_classifier)

    webapp_url: str | None = None
    """The Mini App's address (``WEBAPP_URL``, set by ``coach run``): /plan and /week offer it."""

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

    # ------------------------------------------------------------------ inbox / outbox (coach/service/inbox.py)

    async def record_update(
        self, source: str, update_id: int, payload: dict[str, Any], user_id: int | None
    ) -> bool:
        """Store an incoming update before it is handled. Returns False if it was already stored."""
        return await inbox.record_update(self.db, source, update_id, payload, user_id)

    async def record_updates(
        self, source: str, updates: Sequence[tuple[int, dict[str, Any], int | None]]
    ) -> list[int]:
        """Store a batch of incoming updates (update id, payload, user id) in one transaction; returns
        the ids stored now."""
        return await inbox.record_updates(self.db, source, updates)

    async def pending_updates(self, source: str, max_attempts: int = 3) -> list[tuple[int, dict[str, Any]]]:
        return await inbox.pending_updates(self.db, source, max_attempts)

    async def mark_processed(self, source: str, update_id: int) -> None:
        """For updates that need no reply (edits, membership changes): processed, nothing else."""
        await inbox.mark_processed(self.db, source, update_id)

    async def membership(
        self, source: str, update_id: int, who: Who, *, reachable: bool, reason: str = ""
    ) -> None:
        """The user blocked the bot or unblocked it in their private chat: the athlete is marked
        inactive (no scheduled sends) or active again."""
        await inbox.membership(self.db, source, update_id, who, reachable=reachable, reason=reason)

    async def record_failure(
        self,
        source: str,
        update_id: int,
        error: str,
        *,
        chat_id: int | None = None,
        apology: Reply | None = None,
    ) -> bool:
        """Count a failed attempt at an update; the first time only, queue ``apology`` to ``chat_id``.
        Returns True if an apology was queued (for the transport's sender to send)."""
        return await inbox.record_failure(self.db, source, update_id, error, chat_id=chat_id, apology=apology)

    async def unsent(self) -> list[tuple[int, int | None, Reply]]:
        return await inbox.unsent(self.db)

    async def tick(self) -> int:
        """Queue the scheduled sends that are due now (morning check-ins, Sunday previews)."""
        from coach.service.schedule import enqueue_due

        async with self.db.transaction() as s:
            return await enqueue_due(s, self.clock.now(), self.rules)

    async def mark_sent(self, outbox_id: int) -> None:
        await inbox.mark_sent(self.db, outbox_id)

    # ------------------------------------------------------------------ the entry point

    async def handle(
        self, who: Who, incoming: Incoming, *, update_id: int | None = None, source: str = "telegram"
    ) -> HandleResult:
        """Apply one thing the user did and return the replies (exactly once when ``update_id`` is given)."""
        await self._read_ahead(who, incoming)
        try:
            try:
                return await self._handle(who, incoming, update_id=update_id, source=source)
            except turn.ModelTurn as model_turn:  # the model thinks with no transaction open
                return await turn.run(self, who, incoming, model_turn, update_id=update_id, source=source)
        except RetryLater as later:
            return await inbox.postpone(self.db, who, later, update_id=update_id, source=source)

    def read_ahead(self, who: Who, incoming: Incoming) -> asyncio.Future[Any] | None:
        """Start reading a plain message with the offline brain before its turn (``OfflineBrain.read_ahead``),
        or None when its turn would not read it so (Claude, a command, a group). The transport calls it
        for every update of a ``getUpdates`` answer as it arrives: their embeddings are made together."""
        text = incoming.text.strip()
        if (
            self.claude is not None
            or incoming.kind != "text"
            or not text
            or len(incoming.text) > MAX_INCOMING_TEXT_CHARS
            or who.chat_type in GROUP_CHATS
        ):
            return None
        return self.offline.read_ahead(text, self.clock.today())

    async def _read_ahead(self, who: Who, incoming: Incoming) -> None:
        """The reading ahead, awaited before the update's transaction (on SQLite one transaction runs
        at a time: the lock is not held while the message is embedded). A failure here only costs the
        head start: the turn reads the message again and meets it there."""
        reading = self.read_ahead(who, incoming)
        if reading is None:
            return
        try:
            await asyncio.shield(reading)
        except Exception:  # see the docstring
            log.debug("reading ahead failed; the turn reads the message itself", exc_info=True)

    async def _handle(
        self, who: Who, incoming: Incoming, *, update_id: int | None, source: str
    ) -> HandleResult:
        async with self.db.transaction() as s:
            row: m.InboxUpdate | None = None
            if update_id is not None:
                row = await inbox.find(s, source, update_id, lock=True)
                if row is not None and row.processed_at is not None:
                    return HandleResult([], [], duplicate=True)
                if row is None:
                    row = m.InboxUpdate(
                        source=source,
                        update_id=update_id,
                        payload={},
                        user_id=who.telegram_user_id,
                        attempts=0,
                    )
                    s.add(row)
            if who.chat_type in GROUP_CHATS and who.telegram_user_id is not None:
                replies = await coaches.group(self, s, who, incoming)
                outbox_ids = await inbox.finish_update(
                    self.db, s, row, who, replies, update_id, source, athlete_id=None
                )
                return HandleResult(replies, outbox_ids)
            athlete = await athletes.athlete_of(s, who)
            ctx = Ctx(s, athlete, self.clock.today(athlete.time_zone))
            try:
                replies = await routing.dispatch(self, ctx, incoming)
            except UserError as error:
                replies = [Reply(str(error))]
            deleted = athlete not in s
            if not deleted and incoming.kind in ("text", "command") and incoming.text:
                s.add(
                    m.ChatMessage(
                        athlete_id=athlete.id,
                        role="athlete",
                        text=extensions.redacted(incoming.text[:MAX_INCOMING_TEXT_CHARS]),
                    )
                )
                for reply in replies:
                    s.add(m.ChatMessage(athlete_id=athlete.id, role="coach", text=reply.text))
            outbox_ids = await inbox.finish_update(
                self.db, s, row, who, replies, update_id, source, athlete_id=None if deleted else athlete.id
            )
            return HandleResult(replies, outbox_ids)

    async def _history(self, ctx: Ctx) -> list[dict[str, Any]]:
        """The conversation the model sees (coach/service/turn.py); bench/bench_brain.py uses it."""
        return await turn.history_of(ctx)

    # ------------------------------------------------------------------ use cases (coach/service/{onboarding_flow,views,conversation}.py)

    async def start(self, ctx: Ctx) -> list[Reply]:
        return await onboarding_flow.start(ctx)

    async def converse(self, ctx: Ctx, text: str) -> list[Reply]:
        """A plain-language message: the brain picks tools, the engine decides, the reply explains."""
        return await _converse(self, ctx, text)

    async def day(self, ctx: Ctx, day: dt.date, title: str) -> list[Reply]:
        return await views.day(ctx, day, title)

    async def week(self, ctx: Ctx, *, next_week: bool = False) -> list[Reply]:
        return await views.week(self, ctx, next_week=next_week)

    async def plan(self, ctx: Ctx) -> list[Reply]:
        return await views.plan(self, ctx)

    def settings(self, ctx: Ctx, args: str) -> list[Reply]:
        return views.settings(ctx, args)

    async def memory(self, ctx: Ctx) -> list[Reply]:
        return await views.memory(ctx)

    async def correct_note(self, ctx: Ctx, note_id: int, text: str) -> list[Reply]:
        """Replace a note: the old one (and its limitations) goes, the corrected text is remembered anew."""
        return await views.correct_note(self, ctx, note_id, text)

    async def forget_note(self, ctx: Ctx, note_id: str) -> list[Reply]:
        return await views.forget_note(self, ctx, note_id)

    async def export(self, ctx: Ctx, args: str = "") -> list[Reply]:
        return await data_export.export(self, ctx, args)

    # ------------------------------------------------------------------ CLI use cases (coach/service/{data_export,athletes,coaches}.py)

    async def athlete_document(self, s: AsyncSession, athlete: m.Athlete) -> dict[str, Any]:
        """Everything the coach holds about an athlete, as ``coach show --json`` prints it."""
        return await data_export.athlete_document(self, s, athlete)

    async def show(self, name: str) -> dict[str, Any]:
        return await data_export.show(self, name)

    async def add_athlete(
        self, name: str, profile: Profile, plan: Plan | None = None, telegram_user_id: int | None = None
    ) -> Plan:
        """Create an athlete and their first plan from a profile document (a coach importing athletes)."""
        return await athletes.add_athlete(self, name, profile, plan, telegram_user_id)

    async def import_for(self, name: str, files: list[tuple[str, bytes]]) -> list[str]:
        """Store imported activities for an athlete (each once) and re-link adherence."""
        return await athletes.import_for(self, name, files)

    async def coach_override(
        self, coach_name: str, athlete_name: str, day: dt.date, settings: list[str], reason: str
    ) -> str:
        """The CLI's override: same rules, same audit."""
        return await coaches.coach_override(self, coach_name, athlete_name, day, settings, reason)

    async def add_coach(
        self,
        name: str,
        athlete_names: list[str],
        telegram_user_id: int | None = None,
        *,
        review: bool | None = None,
    ) -> None:
        await coaches.add_coach(self, name, athlete_names, telegram_user_id, review=review)
