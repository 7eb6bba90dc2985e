"""One exception type per failure kind of the plan engine (STYLE.md habit 7)."""

from __future__ import annotations

from pathlib import Path


class EngineError(Exception):
    """Base of every error the plan engine raises on purpose."""


class RulesError(EngineError):
    """A rules file is missing, is not YAML, or has a field with a bad value.

    ``path`` is the file and ``field`` the dotted field name, so the message can say exactly
    which number to correct.
    """

    def __init__(self, message: str, *, path: Path | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.field = field


class ProfileError(EngineError):
    """A profile is valid JSON for its schema but does not make sense for the engine.

    Example: a triathlon goal for a runner-only profile. ``field`` names the profile field.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AdaptError(EngineError):
    """An adaptation event cannot be applied to this plan (e.g. a date outside the plan)."""
