"""Areas of the product that add chat commands, buttons and dialog flows (connections, charts,
lifting...). Each area is one module with an ``EXTENSION``; the service asks them in order, so
``service.py`` does not grow a branch per feature.

An area module is loaded from the bottom of ``coach/service/menu.py`` (its commands join the menu):
it must not import ``coach.service.service`` or ``menu`` at module level. Type the service with
``coach.service.protocol.Service`` and the context with ``coach.service.context.Ctx``.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coach.service.types import Reply

AREAS: tuple[str, ...] = (
    "coach.service.connections",
    "coach.service.charts",
    "coach.service.lifting",
)
"""The area modules, asked in this order."""

CommandHandler = Callable[[Any, Any, str, str], Awaitable["list[Reply]"]]
"""(service, ctx, command, args) -> replies."""
CallbackHandler = Callable[[Any, Any, str], Awaitable["list[Reply]"]]
"""(service, ctx, callback data) -> replies."""
TextHandler = Callable[[Any, Any, str], Awaitable["list[Reply] | None"]]
"""(service, ctx, text) -> replies, or None when the text is not for this flow (it is read as new)."""
IntentHandler = Callable[[Any, Any, str, str], Awaitable["list[Reply]"]]
"""(service, ctx, text, intent) -> replies added after the brain's answer."""
AnswerHandler = Callable[[Any, Any, str], Awaitable["Callable[[], Awaitable[list[Reply]]] | None"]]
"""(service, ctx, text) -> None, or a function making the replies that follow a Claude answer."""


@dataclass(frozen=True)
class Extension:
    name: str
    commands: dict[str, str] = field(default_factory=dict)
    """command -> one-line description for the menu and /help."""
    on_command: CommandHandler | None = None
    needs_plan: frozenset[str] = frozenset()
    """Commands that need a profile/plan first (onboarding is offered instead)."""
    callback_prefixes: tuple[str, ...] = ()
    on_callback: CallbackHandler | None = None
    flows: tuple[str, ...] = ()
    """``Athlete.dialog["flow"]`` values this area owns; plain text in such a flow goes to ``on_text``."""
    on_text: TextHandler | None = None
    on_plain_text: TextHandler | None = None
    """Plain text outside any flow, asked before the brain ("starting my workout"); None passes it on."""
    redact: Callable[[str, str], str | None] | None = None
    """(command, args) -> the text to store in the chat history instead of the typed line (secrets), or None."""
    on_intent: IntentHandler | None = None
    """After the offline brain has answered a plain-language message in words: more replies (charts), or none."""
    on_answer: AnswerHandler | None = None
    """After a Claude answer to a plain-language message (coach/service/turn.py): called in a short transaction
    that sees the turn's changes and is then rolled back, it reads what it needs and returns a function that
    makes the replies with no transaction open (drawing a chart), or None for a message that asks for nothing."""
    answer_wanted: Callable[[str], bool] | None = None
    """The message's words alone: False when ``on_answer`` would return None whatever the athlete's data, so
    a Claude turn opens no transaction for it (most messages ask for no chart). None: ``on_answer`` is asked."""


_loaded: list[Extension] | None = None


def extensions() -> list[Extension]:
    global _loaded
    if _loaded is None:
        found = []
        for name in AREAS:
            module = importlib.import_module(name)
            extension = getattr(module, "EXTENSION", None)
            if isinstance(extension, Extension):
                found.append(extension)
        _loaded = found
    return _loaded


def for_command(command: str) -> Extension | None:
    return next((e for e in extensions() if command in e.commands), None)


def for_callback(data: str) -> Extension | None:
    return next((e for e in extensions() if any(data.startswith(p) for p in e.callback_prefixes)), None)


def for_flow(flow: str | None) -> Extension | None:
    if flow is None:
        return None
    return next((e for e in extensions() if flow in e.flows), None)


def redacted(text: str) -> str:
    """The line to keep in the chat history: an area may hide what was typed (an API key)."""
    if not text.startswith("/"):
        return text
    head, _, args = text[1:].partition(" ")
    command = head.split("@", 1)[0].lower()
    extension = for_command(command)
    if extension is None or extension.redact is None:
        return text
    hidden = extension.redact(command, args)
    return text if hidden is None else hidden
