"""The data behind each chart is the data ``coach show --json`` holds (and the metrics tool's numbers)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from coach.charts import data, source
from coach.charts.data import NotEnoughData, PmcChart, ReadinessChart, StrengthChart, VolumeChart, WeekChart
from coach.engine.units import KM_PER_MILE
from coach.service.service import CoachService
from coach.service.toolrun import run_tool
from coach.store import models as m
from coach.store.db import Database
from tests.charts.seed import TODAY, seed


async def chart(service: CoachService, name: str, kind: data.ChartKind, day: dt.date | None = None) -> data.ChartData:
    async with service.db.transaction() as s:
        athlete = (await s.execute(select(m.Athlete).where(m.Athlete.name == name))).scalar_one()
        return await source.chart_data(s, athlete, kind, TODAY, day=day)


def show_week(document: dict[str, object], day: dt.date) -> dict[str, object]:
    weeks = document["plan"]["weeks"]  # type: ignore[index]
    return next(w for w in weeks if dt.date.fromisoformat(w["start"]) <= day < dt.date.fromisoformat(w["start"]) + dt.timedelta(days=7))


async def test_week_chart_is_the_plan_week_that_show_reports_with_statuses(db: Database) -> None:
    service = await seed(db)
    week = await chart(service, "ann", "week")
    assert isinstance(week, WeekChart)
    shown = show_week(await service.show("ann"), TODAY)
    assert [(s.date.isoformat(), s.sport, s.type, s.intensity, s.status, s.duration_min, s.distance) for s in week.sessions] == [
        (s["date"], s["sport"], s["type"], s["intensity"], s["status"], s["duration_min"], None if s["distance_km"] is None else round(s["distance_km"], 1))
        for s in shown["sessions"]  # type: ignore[attr-defined]
    ]
    assert {s.status for s in week.sessions} >= {"done", "partial", "planned"}
    assert week.caption.startswith("Week 1 (base)") and "so far 2 of 2 done" in week.caption
    json_doc = data.as_json(week)
    assert json_doc["sessions"][0]["date"] == "2026-11-24" and json_doc["kind"] == "week"


async def test_volume_chart_counts_what_show_lists_as_done_against_the_planned_week(db: Database) -> None:
    service = await seed(db)
    volume = await chart(service, "ann", "volume")
    assert isinstance(volume, VolumeChart) and volume.unit == "km"
    document = await service.show("ann")
    shown = show_week(document, TODAY)
    current = next(w for w in volume.weeks if w.current)
    assert current.planned == round(shown["planned_km"], 1)  # type: ignore[call-overload]
    done_km = sum(a["distance_km"] for a in document["activities"]
                  if a["sport"] == "run" and dt.date(2026, 11, 23) <= dt.date.fromisoformat(a["start_time"][:10]) <= TODAY)
    assert current.done == pytest.approx(round(done_km, 1)) and current.done == 9.0
    assert [w.done for w in volume.weeks if w.start > TODAY] == [None] * data.chart_rules().volume.future_weeks


async def test_pmc_today_is_the_metrics_tools_fitness_and_the_plan_projects_to_race_day(db: Database) -> None:
    service = await seed(db)
    pmc = await chart(service, "ann", "pmc")
    assert isinstance(pmc, PmcChart)
    metrics = (await run_tool(service, "ann", "metrics", {})).document()["result"]
    now = pmc.today_point
    assert (now.ctl, now.atl, now.tsb) == (metrics["ctl"], metrics["atl"], metrics["tsb"])
    assert pmc.race_date == dt.date(2027, 2, 21) and pmc.points[-1].date == pmc.race_date and pmc.points[-1].projected
    shown = [p for p in pmc.points if not p.projected]
    assert len(shown) == data.chart_rules().pmc.shown_days and shown[-1].date == TODAY


async def test_readiness_chart_is_the_check_ins_show_lists(db: Database) -> None:
    service = await seed(db)
    readiness = await chart(service, "ann", "readiness")
    assert isinstance(readiness, ReadinessChart)
    document = await service.show("ann")
    assert [(p.date.isoformat(), p.readiness, p.colour) for p in readiness.points] == sorted(
        (c["date"], c["readiness"], c["readiness_color"]) for c in document["checkins"]
    )


async def test_strength_chart_ends_on_the_metrics_tools_e1rm(db: Database) -> None:
    service = await seed(db)
    strength = await chart(service, "ann", "strength")
    assert isinstance(strength, StrengthChart)
    [squat] = strength.lifts
    metrics = (await run_tool(service, "ann", "metrics", {})).document()["result"]
    assert squat.points[-1].estimate_kg == next(lift["e1rm_kg"] for lift in metrics["lifts"] if lift["exercise"] == "back_squat")
    assert [p.top_set_e1rm_kg for p in squat.points] == [round((100 + 2.5 * i) * (1 + 5 / 30), 1) for i in range(6)]  # Epley, 12-rep back-off set ignored


async def test_miles_athlete_gets_miles(db: Database) -> None:
    km_service = await seed(db, "ann")
    await seed(db, "mia", units="mi")
    km_week, mi_week = await chart(km_service, "ann", "week"), await chart(km_service, "mia", "week")
    assert isinstance(km_week, WeekChart) and isinstance(mi_week, WeekChart) and mi_week.units == "mi"
    for km, mi in zip(km_week.sessions, mi_week.sessions, strict=True):
        assert km.distance is not None and mi.distance == pytest.approx(km.distance / KM_PER_MILE, abs=0.06)
    volume = await chart(km_service, "mia", "volume")
    assert isinstance(volume, VolumeChart) and volume.unit == "mi"
    assert next(w for w in volume.weeks if w.current).done == round(9.0 / KM_PER_MILE, 1)
    assert " mi" in mi_week.caption and " km" not in mi_week.caption


async def test_not_enough_data_yet_for_a_new_athlete(db: Database) -> None:
    service = await seed(db, "new", history=False)
    for kind in ("pmc", "readiness", "strength"):
        result = await chart(service, "new", kind)
        assert isinstance(result, NotEnoughData) and result.message.startswith("Not enough data yet"), kind
    assert data.as_json(await chart(service, "new", "pmc"))["not_enough_data"] is True
    no_week = await chart(service, "new", "week", day=dt.date(2030, 1, 1))
    assert isinstance(no_week, NotEnoughData)
    assert isinstance(await chart(service, "new", "week"), WeekChart)  # the plan alone draws the week


def test_plain_words_ask_for_pictures() -> None:
    ask = data.chart_rules().ask
    assert data.asked_kinds("how's my week looking", "week", ask) == ["week"]
    assert data.asked_kinds("show me the week", "week", ask) == ["week"]
    assert data.asked_kinds("what's on sunday", "week", ask) == []
    assert data.asked_kinds("show me my fitness", "metrics", ask) == ["pmc"]
    assert data.asked_kinds("show me my readiness chart", "metrics", ask) == ["readiness"]
    assert data.asked_kinds("how's my squat trending", "metrics", ask) == ["strength"]
    assert data.asked_kinds("what's my FTP now", "metrics", ask) == []
    assert data.asked_kinds("show me my fitness", "today", ask) == []
