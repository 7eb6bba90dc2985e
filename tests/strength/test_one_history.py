"""Strength sets typed with /log and the live sessions' sets are one history (issue 14): the live
coach prescribes from a /log squat, and ``coach tool metrics`` gives the same e1RM. Limitations in
memory ('sore knee') change the day when it is built, with the reason said."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select

from coach.service.toolrun import run_tool
from coach.store import models as m
from coach.store import models_lifting as lm
from coach.store.db import Database
from coach.strength import Program, TrainingDay, build_program, load_rules
from coach.strength.limits import Restriction, body_part_of, restrict_day
from coach.strength.rules import canonical_exercise
from tests.conftest import TODAY
from tests.strength.test_live_session import Chat


async def metrics_lifts(chat: Chat) -> dict[str, dict[str, Any]]:
    """``coach tool metrics``' lifts, by exercise."""
    async with chat.service.db.transaction() as s:
        name = (await s.execute(select(m.Athlete.name))).scalar_one()
    document = (await run_tool(chat.service, name, "metrics", {})).document()
    return {lift["exercise"]: lift for lift in document["result"]["lifts"]}


async def open_session(db: Database) -> lm.LiftSession:
    async with db.transaction() as s:
        return (await s.execute(select(lm.LiftSession).where(lm.LiftSession.status != "finished"))).scalar_one()


def test_logged_names_map_onto_the_rules_exercises() -> None:
    assert canonical_exercise("Squat") == "back_squat"
    assert canonical_exercise("bench press") == "bench_press"
    assert canonical_exercise("OHP") == "overhead_press"
    assert canonical_exercise("back-squat") == "back_squat"
    assert canonical_exercise("Zercher squat") == "zercher_squat"  # unknown: its own lift, never guessed


async def test_a_logged_squat_feeds_the_live_prescription_and_metrics_agrees(db: Database, tmp_path: Path) -> None:
    chat = Chat(db, tmp_path)
    assert "Logged: squat 100 kg × 5" in await chat.say("/log squat 100x5x3 @8")
    opened = await chat.say("/lift")
    assert "not enough data yet" not in opened.split("Bench")[0]  # the squat has history now: no calibration set
    session = await open_session(db)
    known = session.plan["knowledge"]["back_squat"]
    pending = session.state["pending"]
    assert pending["exercise"] == "back_squat" and not pending["calibration"] and pending["weight_kg"] > 0
    assert f"e1RM {known['e1rm_kg']:.1f} kg" in opened

    lifts = await metrics_lifts(chat)
    assert set(lifts) == {"back_squat"}
    assert lifts["back_squat"]["e1rm_kg"] == round(known["e1rm_kg"], 1)

    # a live set joins the same history: metrics now counts both paths
    await chat.say("110 x 5 @8")  # heavier than the logged top set
    done = await chat.say("finished")
    after = await metrics_lifts(chat)
    assert set(after) == {"back_squat"}
    # the session's summary (the model of the lifter) and the metrics tool read the same sets
    assert f"→ {after['back_squat']['e1rm_kg']:.1f} kg" in done
    assert after["back_squat"]["e1rm_kg"] > lifts["back_squat"]["e1rm_kg"]  # the live set moved it


def day_a() -> TrainingDay:
    program: Program = build_program(goal="general_fitness", missing=frozenset())
    return next(d for d in program.days if d.label == "A")


def test_a_sore_knee_makes_squats_safer_and_leaves_single_leg_out() -> None:
    rules = load_rules()
    knee = Restriction(None, "sore knee")
    assert body_part_of(knee, rules) == "knee"
    assert body_part_of(Restriction(None, "my lower back is tight"), rules) == "lower_back"
    assert body_part_of(Restriction("elbow", ""), rules) == "elbow"
    assert body_part_of(Restriction(None, "tired"), rules) is None

    day = day_a()
    restricted = restrict_day(day, [knee], frozenset(), rules)
    squat = next(i for i, s in enumerate(day.slots) if s.pattern == "squat")
    assert day.slots[squat].exercise == "back_squat" and restricted.day.slots[squat].exercise == "goblet_squat"
    assert any("goblet squat instead of back squat" in r and "sore knee" in r for r in restricted.reasons)
    untouched = [i for i, s in enumerate(day.slots) if s.pattern not in ("squat", "single_leg")]
    assert all(restricted.day.slots[i] == day.slots[i] for i in untouched)

    # single-leg work is left out; with no dumbbells the safer squat chain ends on the bodyweight box squat
    program = build_program(days_per_week=3, goal="general_fitness", missing=frozenset({"barbell", "dumbbells"}))
    day_c = next(d for d in program.days if d.label == "C")
    c = restrict_day(day_c, [knee], frozenset({"barbell", "dumbbells"}), rules)
    leg = next(i for i, s in enumerate(day_c.slots) if s.pattern == "single_leg")
    assert leg in c.skipped and any("left out today" in r for r in c.reasons)
    bodyweight_squat = restrict_day(day, [knee], frozenset({"barbell", "dumbbells", "kettlebell"}), rules)
    assert bodyweight_squat.day.slots[squat].exercise == "box_squat_bodyweight"
    # nothing safer left: the movement is left out today, never a harder one
    none_left = restrict_day(bodyweight_squat.day, [knee], frozenset({"barbell", "dumbbells", "kettlebell"}), rules)
    assert squat in none_left.skipped


async def test_a_knee_limitation_in_memory_changes_the_day_with_the_reason(db: Database, tmp_path: Path) -> None:
    chat = Chat(db, tmp_path)
    await chat.say("/lift")  # creates the athlete and their program
    await chat.say("finished")
    async with db.transaction() as s:
        athlete = (await s.execute(select(m.Athlete))).scalar_one()
        s.add(m.Limitation(athlete_id=athlete.id, kind="injury", body_part="knee", description="sore knee",
                           since=TODAY - dt.timedelta(days=1), until=None))
        s.add(m.Limitation(athlete_id=athlete.id, kind="injury", body_part="shoulder", description="old shoulder",
                           since=TODAY - dt.timedelta(days=60), until=TODAY - dt.timedelta(days=30)))  # over: no effect
    opened = await chat.say("/lift")
    assert "Goblet squat instead of back squat, easier on the knee (your note: \"sore knee\")" in opened
    session = await open_session(db)
    exercises = [s["exercise"] for s in session.plan["day"]["slots"]]
    assert "back_squat" not in exercises and "goblet_squat" in exercises
    assert "bench_press" in exercises  # the shoulder limitation is over
    assert session.state["pending"]["exercise"] == "goblet_squat"
