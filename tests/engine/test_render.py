"""Readable text and Intervals.icu workout text (seed 001 format)."""

from __future__ import annotations

import re

from coach.engine import Rules, build_plan, render_plan_text, render_session_text
from coach.engine.models import Plan
from coach.engine.render import format_minutes, format_pace, intervals_icu_text

from .conftest import STRENGTH, profile_of

STEP_LINE = re.compile(r"^- (\d+h)?(\d+m)?(\d+s)? \S")


def test_intervals_icu_sections_and_steps(half_plan: Plan) -> None:
    threshold = next(s for w in half_plan.weeks for s in w.sessions if s.type == "threshold")
    text = threshold.intervals_icu
    blocks = text.split("\n\n")
    assert blocks[0].splitlines()[0] == "Warmup"
    assert re.match(r"^Cruise intervals \dx$", blocks[1].splitlines()[0])
    assert blocks[-1].splitlines()[0] == "Cooldown"
    for block in blocks:
        for line in block.splitlines()[1:]:
            assert STEP_LINE.match(line), line
            assert "/km Pace, Z" in line
    assert intervals_icu_text(threshold.steps) == text


def test_pace_ranges_are_written_slow_to_fast(half_plan: Plan) -> None:
    easy = next(s for w in half_plan.weeks for s in w.sessions if s.type == "easy")
    match = re.search(r"(\d+):(\d\d)-(\d+):(\d\d)/km Pace", easy.intervals_icu)
    assert match
    slow = int(match.group(1)) * 60 + int(match.group(2))
    fast = int(match.group(3)) * 60 + int(match.group(4))
    assert slow > fast


def test_session_and_plan_text(half_plan: Plan) -> None:
    long_run = next(s for w in half_plan.weeks for s in w.sessions if s.type == "long")
    text = render_session_text(long_run)
    assert text.startswith("Sun ") and "run long ★" in text and "km" in text
    plan_text = render_plan_text(half_plan)
    assert plan_text.count("\nWeek ") == len(half_plan.weeks)
    assert "(cutback)" in plan_text and "note:" in plan_text
    assert render_plan_text(half_plan, units="mi") != plan_text


def test_formatters() -> None:
    assert format_pace(300) == "5:00" and format_pace(300, "mi") == "8:03"
    assert (
        format_minutes(45) == "45 min" and format_minutes(90) == "1 h 30 min" and format_minutes(120) == "2 h"
    )


def test_strength_text(rules: Rules) -> None:
    plan = build_plan(profile_of(STRENGTH), rules)
    session = plan.weeks[0].sessions[0]
    assert "- back squat 3 sets of 8 @ 70 % 1RM (85 kg)" in session.intervals_icu
    assert "back squat: 3 × 8 @ 70 % 1RM, 85 kg" in render_session_text(session)
