"""Typed failures of the language-model brain.

Why typed: seed 004 ("strength coach", *failure handling*) splits model failures into
**transient** (429 / 5xx / 529 / dropped connections: retried with backoff inside a time
budget) and **permanent** (bad request, auth, billing, undecodable output: never retried with
the same prompt), and insists that a failed call "shows a retry sheet, it never substitutes a
guess".  MISSION principle 4 says the same for this project: *a failed model call is retried if
transient and shown honestly if not — never replaced by a silent guess.*

So the brain never hides a failure behind invented text: it raises one of these, carrying

* ``transient`` - whether trying again later can help (the service keeps the incoming update
  recorded and retries it);
* ``message`` - a plain sentence the athlete can be shown as-is;
* ``kind`` - a short machine label for logs and metrics (``rate_limited``, ``overloaded``,
  ``auth``, ``bad_output``...);
* ``detail`` - the technical cause, for logs only (never shown to the athlete);
* ``tool_calls`` - the tools that already ran during this reply.  The athlete message differs
  when a state-changing tool already succeeded: telling them "nothing was changed" would then
  be a lie.

``ToolError`` lives here too: it is how a tool refuses (a guardrail, a missing plan) with a
message the model may relay; it is *not* a brain failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # tools.py imports this module; only the type is needed here
    from coach.brain.tools import ToolCall

__all__ = [
    "BrainUnavailable",
    "FailureKind",
    "PermanentBrainError",
    "ToolError",
    "TransientBrainError",
    "athlete_message",
]

FailureKind = Literal[
    # transient
    "rate_limited",
    "overloaded",
    "server_error",
    "timeout",
    "connection",
    "budget_exhausted",
    # permanent
    "bad_request",
    "auth",
    "not_found",
    "too_large",
    "billing",
    "bad_output",
    "unknown",
]


def athlete_message(transient: bool, kind: str, *, changed_something: bool = False) -> str:
    """The sentence shown to the athlete for a failure; honest about what did (not) happen.

    ``changed_something`` is true when a state-changing tool already succeeded during the failed
    reply (e.g. the fatigue report was stored, but the explanation could not be written).
    """
    done = (
        "what you told me is saved, but I couldn't finish my answer"
        if changed_something
        else "nothing was changed"
    )
    if transient:
        return f"I can't reach my language model right now; {done} — try again in a few minutes."
    if kind == "bad_output":
        return f"My language model sent back something I couldn't read; {done} — please try again."
    return (
        "My language model is refusing my requests because of a problem on our side, not anything "
        f"you did; {done}. Your message is kept and your coach can look into it."
    )


class BrainUnavailable(Exception):
    """The model could not produce a reply; nothing was guessed in its place."""

    def __init__(
        self,
        transient: bool,
        message: str,
        *,
        kind: FailureKind = "unknown",
        detail: str = "",
        tool_calls: Sequence[ToolCall] = (),
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.message = message
        self.kind: FailureKind = kind
        self.detail = detail
        self.tool_calls: list[ToolCall] = list(tool_calls)

    def __str__(self) -> str:
        suffix = f" ({self.kind}: {self.detail})" if self.detail else f" ({self.kind})"
        return self.message + suffix


class TransientBrainError(BrainUnavailable):
    """Rate limit, overload, 5xx, timeout, dropped connection, or the time budget ran out."""

    def __init__(
        self,
        message: str | None = None,
        *,
        kind: FailureKind = "server_error",
        detail: str = "",
        tool_calls: Sequence[ToolCall] = (),
    ) -> None:
        super().__init__(
            True,
            message or athlete_message(True, kind),
            kind=kind,
            detail=detail,
            tool_calls=tool_calls,
        )


class PermanentBrainError(BrainUnavailable):
    """Bad request, auth, not found, too large, billing/spend limit, or undecodable output."""

    def __init__(
        self,
        message: str | None = None,
        *,
        kind: FailureKind = "unknown",
        detail: str = "",
        tool_calls: Sequence[ToolCall] = (),
    ) -> None:
        super().__init__(
            False,
            message or athlete_message(False, kind),
            kind=kind,
            detail=detail,
            tool_calls=tool_calls,
        )


class ToolError(Exception):
    """A tool's deliberate, user-level refusal (e.g. a guardrail); sent to the model as is_error.

    The message is relayed to the model verbatim, so write it for the athlete: say what was
    refused and why ("the long run can't go above a third of the week's volume").
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
