"""The service as its modules see it: a ``Protocol`` of what they use of ``CoachService``.

Modules of ``coach.service`` (and the areas) type their ``service`` argument with ``Service``
instead of importing ``CoachService`` from ``coach.service.service``, which imports them: the
type-only import cycle among the service modules goes with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from coach.brain.claude import ClaudeBrain
    from coach.brain.offline import OfflineBrain
    from coach.clock import Clock
    from coach.engine.models import Plan, Profile
    from coach.service.notes import NoteMemory
    from coach.store.db import Database


class Service(Protocol):
    """What ``CoachService`` offers its modules: the database, the clock, the rules, the brains
    and the note memory."""

    db: Database
    clock: Clock
    claude: ClaudeBrain | None
    offline: OfflineBrain
    notes: NoteMemory
    webapp_url: str | None

    @property
    def rules(self) -> Any: ...

    def build_plan(self, profile: Profile) -> Plan: ...
