"""Chat side of this area (see coach/service/extensions.py)."""

from __future__ import annotations

from coach.service.extensions import Extension

EXTENSION = Extension(name="lifting")
