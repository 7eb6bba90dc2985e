"""The plan as an iCalendar file: moved to :mod:`coach.export.ics` (the exports package);
kept here so existing imports go on working."""

from __future__ import annotations

from coach.export.ics import PRODID, plan_ics

__all__ = ["PRODID", "plan_ics"]
