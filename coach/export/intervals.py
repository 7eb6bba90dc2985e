"""Sessions as Intervals.icu workout text: the engine's own rendering
(:func:`coach.engine.render.intervals_icu_text`), the same text a push to Intervals.icu carries."""

from __future__ import annotations

from collections.abc import Sequence

from coach.engine.models import Session, Step
from coach.engine.render import intervals_icu_text
from coach.export._common import workout_name


def session_text(session: Session, steps: Sequence[Step] | None = None, units: str = "km") -> str:
    """The workout text of one session; ``steps`` replaces the session's own (heart-rate view)."""
    if steps is None and session.intervals_icu:
        return session.intervals_icu
    return intervals_icu_text(list(session.steps if steps is None else steps), units)  # type: ignore[arg-type]


def sessions_text(items: Sequence[tuple[Session, str]]) -> str:
    """Several sessions in one text: a ``date name`` heading, then the workout text, for each."""
    blocks = [f"{session.date.isoformat()} {workout_name(session)}\n{text}" for session, text in items]
    return "\n\n".join(blocks) + "\n"
