"""The week picture is drawn once per distinct week data (coach/charts/draw.py): the weekly batch
asks for the same picture for every athlete on one template, and gets it from the cache."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from coach.charts import draw
from coach.charts.data import Chart, WeekChart, WeekSession

MONDAY = dt.date(2026, 11, 30)


def week(status: str = "planned") -> WeekChart:
    sessions = (
        WeekSession(MONDAY + dt.timedelta(days=1), "run", "easy", "easy", "planned", False, 40, 7.0),
        WeekSession(MONDAY + dt.timedelta(days=3), "run", "intervals", "hard", status, True, 50, 9.0),
        WeekSession(MONDAY + dt.timedelta(days=6), "run", "long", "easy", "planned", True, 90, 14.0),
    )
    return WeekChart("week", "Week 3 of 13 (base)", "km", 3, "base", False, MONDAY, MONDAY - dt.timedelta(days=1), sessions)


def test_the_same_week_data_is_drawn_once_and_other_data_again(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[object] = []
    real = draw._draw

    def counting(chart: Chart) -> bytes:
        drawn.append(chart)
        return real(chart)

    monkeypatch.setattr(draw, "_draw", counting)
    monkeypatch.setattr(draw, "_cache", type(draw._cache)())
    first = draw.draw(week())
    again = draw.draw(dataclasses.replace(week()))  # an equal copy, as another athlete's batch task builds it
    other = draw.draw(week("done"))
    assert first.startswith(b"\x89PNG") and again == first
    assert other != first
    assert len(drawn) == 2  # the equal copy was not drawn again
    assert draw.chart_key(week()) == draw.chart_key(dataclasses.replace(week()))
    assert draw.chart_key(week()) != draw.chart_key(week("done"))
