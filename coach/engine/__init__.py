"""The deterministic plan engine: profile + rules in, a validated training plan out.

Pure: no database, network, model or clock (today's date is always an argument). Public API:

* :func:`load_rules` — read and check ``coach/rules/*.yaml``;
* :func:`build_plan` — build, validate and fix a plan;
* :func:`validate_plan`, :func:`fix_plan` — judge and repair any plan;
* :func:`adapt_plan`, :func:`move_session` — re-plan the next 1–2 weeks after life happens;
* :func:`render_plan_text`, :func:`render_session_text` — readable text.

The hot modules run compiled with mypyc when built (``make setup``); :mod:`._native` is
imported first so that a stale build never shadows its source (see there).
"""

from coach.engine._native import STATUS as NATIVE_STATUS
from coach.engine.adapt import (
    Adaptation,
    AdaptEvent,
    Change,
    DaysChange,
    DaysPerWeek,
    Fatigue,
    Illness,
    Injury,
    LongDayChange,
    Missed,
    Partial,
    Unavailable,
    WeekdayCapEvent,
    adapt_plan,
    move_session,
)
from coach.engine.errors import AdaptError, EngineError, ProfileError, RulesError
from coach.engine.fix import fix_plan
from coach.engine.planner import build_plan
from coach.engine.render import intervals_icu_text, render_plan_text, render_session_text, render_week_text
from coach.engine.rules import Rules, load_rules
from coach.engine.validate import validate_plan

__all__ = [
    "NATIVE_STATUS",
    "AdaptError",
    "AdaptEvent",
    "Adaptation",
    "Change",
    "DaysChange",
    "DaysPerWeek",
    "EngineError",
    "Fatigue",
    "Illness",
    "Injury",
    "LongDayChange",
    "Missed",
    "Partial",
    "ProfileError",
    "Rules",
    "RulesError",
    "Unavailable",
    "WeekdayCapEvent",
    "adapt_plan",
    "build_plan",
    "fix_plan",
    "intervals_icu_text",
    "load_rules",
    "move_session",
    "render_plan_text",
    "render_session_text",
    "render_week_text",
    "validate_plan",
]
