"""The plan engine's shortcuts change nothing a caller can see.

The builder constructs its output without re-validating it (``model_construct`` and shallow
copies of validated workout templates), and caches workouts across athletes, drafts across
weeks and derived numbers across plans. These tests hold it to the public contract: the plan
is a valid ``Plan`` that survives a round trip, a cached workout is exactly what a fresh
generation gives, and warm caches build the same plans as cold ones.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings

from coach.engine import ProfileError, Rules, build_plan, load_rules
from coach.engine.athlete import Anchors, anchors_of
from coach.engine.models import Plan, Profile
from coach.engine.periodisation import plan_frame
from coach.engine.planner import (
    SharedDrafts,
    _finish_only_prep,
    _timed_short,
    draft_plan,
    draft_weeks,
    drafted_longest,
    drafted_longest_by_sport,
    longest_by_sport,
    longest_run,
)
from coach.engine.prep import prep_of, reached
from coach.engine.workouts import (
    SessionSpec,
    _generate,
    anchor_signature,
    generated,
    generated_table,
    generated_week_km,
    make_spec,
    spec_with_minutes,
    spec_with_work,
    week_km,
)

from .conftest import BREVET, HALF_MARATHON, STRENGTH, TEN_K, TRIATHLON, profile_of
from .strategies import profiles

RULES: Rules = load_rules()
GOLDEN = [HALF_MARATHON, TEN_K, BREVET, TRIATHLON, STRENGTH]
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def _build(profile: Profile, rules: Rules = RULES) -> Plan | None:
    try:
        return build_plan(profile, rules)
    except ProfileError:
        return None


def _assert_round_trips(plan: Plan) -> None:
    assert Plan.model_validate(plan.model_dump()) == plan
    again = Plan.model_validate_json(plan.model_dump_json())
    assert again == plan
    assert again.model_dump_json() == plan.model_dump_json()


def test_golden_plans_are_valid_plans() -> None:
    for data in GOLDEN:
        plan = build_plan(profile_of(data), RULES)
        assert plan.feasible and plan.weeks
        _assert_round_trips(plan)


@SETTINGS
@given(profiles())
def test_random_plans_are_valid_plans(profile: Profile) -> None:
    plan = _build(profile)
    if plan is not None:
        _assert_round_trips(plan)


def _anchor_variants(rules: Rules) -> list[Anchors]:
    """Athletes who know different things about themselves (the cache key is what matters)."""
    bases: list[dict[str, Any]] = [
        {"history": {}},
        {"history": {"recent_race": {"distance_km": 10, "time": "48:00"}}},
        {"history": {"recent_race": {"distance_km": 5, "time": "25:00"}, "max_hr": 190}},
        {"history": {"ftp_w": 250}},
        {"history": {"ftp_w": 180, "threshold_hr": 165}},
        {"history": {"max_hr": 180}},
        {"history": {"max_hr": 195, "threshold_hr": 170}},
        {"history": {"css_per_100m": "1:50", "max_hr": 185}},
        {"history": {"css_per_100m": "2:05"}},
        {"history": {"one_rep_max_kg": {"squat": 120, "bench": 80}}},
        {"history": {"one_rep_max_kg": {"squat": 100}, "max_hr": 175}},
        {"history": {"recent_race": {"distance_km": 10, "time": "48:00"}}, "units": "mi"},
        {"history": {"ftp_w": 300, "max_hr": 188}, "units": "mi"},
    ]
    return [anchors_of(profile_of(HALF_MARATHON, **changes), rules) for changes in bases]


def _specs() -> list[SessionSpec]:
    specs: list[SessionSpec] = []
    for sport, kinds in {
        "run": ["easy", "long", "tempo", "threshold", "intervals", "recovery"],
        "ride": ["easy", "long", "tempo", "threshold", "intervals"],
        "swim": ["easy", "technique", "tempo", "threshold", "intervals"],
        "other": ["easy"],
    }.items():
        for kind, minutes, cap in itertools.product(kinds, (25, 50, 75, 120), (None, 3, 10, 17.5, 40, 200)):
            specs.append(SessionSpec(sport, kind, minutes, key=kind != "easy", max_work_min=cap))  # type: ignore[arg-type]
    for minutes, cap in itertools.product((40, 60, 95), (None, 5, 30)):
        specs.append(SessionSpec("brick", "tempo", minutes, key=True, max_work_min=cap))
    for day, wave, hybrid, minutes in itertools.product(range(3), range(4), (False, True), (0, 30, 45)):
        specs.append(
            SessionSpec("strength", "strength", minutes, strength_day=day, strength_wave=wave, hybrid=hybrid)
        )
    specs.append(SessionSpec("run", "race", 200, key=True, race_distance_km=42.195, race_pace_s_per_km=284.5))
    specs.append(SessionSpec("run", "race", 50, key=True, race_distance_km=10.0, race_intensity_factor=1.0))
    specs.append(
        SessionSpec("ride", "race", 480, key=True, race_distance_km=200.0, race_intensity_factor=0.7)
    )
    specs.append(
        SessionSpec("other", "race", 330, key=True, race_distance_km=113.0, race_intensity_factor=0.8)
    )
    specs.append(SessionSpec("other", "commitment", 45, name="Club ride", intensity="hard"))
    return specs


def test_cached_workouts_equal_fresh_generation() -> None:
    rules = RULES.updated()  # its own, empty cache
    anchors = _anchor_variants(rules)
    specs = _specs()
    for spec in specs:  # warm the cache with one athlete, so others hit entries they did not create
        generated(spec, anchors[0], rules)
    for spec, anchor in itertools.product(specs, anchors):
        cached = generated(spec, anchor, rules)
        fresh = _generate(spec, anchor, rules)
        assert cached == fresh, (spec, anchor)
        assert cached.template.model_dump_json() == fresh.template.model_dump_json()


def test_warm_caches_build_the_same_plans() -> None:
    cold_rules = RULES.updated()
    cold = [build_plan(profile_of(data), cold_rules).model_dump_json() for data in GOLDEN]
    warm_rules = RULES.updated()
    for data in reversed(GOLDEN):  # fill the caches with every other plan first
        build_plan(profile_of(data, strength_days=1), warm_rules)
        build_plan(profile_of(data), warm_rules)
    warm = [build_plan(profile_of(data), warm_rules).model_dump_json() for data in GOLDEN]
    assert warm == cold


def test_fast_spec_makers_equal_the_named_tuple() -> None:
    """``make_spec`` and ``spec_with_*`` (the planner's compiled shortcuts) make exactly what
    ``SessionSpec(...)`` and ``_replace`` make: every field, in order, and the defaults."""
    assert make_spec("run", "easy", 30) == SessionSpec("run", "easy", 30)
    assert type(make_spec("run", "easy", 30)) is SessionSpec
    distinct: dict[str, Any] = {  # every field, none at its default
        "sport": "ride",
        "type": "tempo",
        "duration_min": 47,
        "key": True,
        "max_work_min": 12.5,
        "strength_day": 2,
        "strength_wave": 3,
        "hybrid": True,
        "name": "named",
        "intensity": "moderate",
        "race_distance_km": 21.1,
        "race_intensity_factor": 0.9,
        "race_pace_s_per_km": 300.0,
        "race_legs": (("ride", "Bike", 90.0, 0.5),),
        "strides": 4,
        "goal_min": 6,
        "goal_pace_s_per_km": 280.0,
        "hills": 5,
    }
    assert list(distinct) == list(SessionSpec._fields)
    assert all(distinct[name] != default for name, default in SessionSpec._field_defaults.items())
    made = make_spec(**distinct)
    assert made == SessionSpec(**distinct)
    assert made._asdict() == distinct
    assert [type(v) for v in made] == [type(v) for v in SessionSpec(**distinct)]
    assert spec_with_minutes(made, 45) == made._replace(duration_min=45)
    assert spec_with_work(made, None) == made._replace(max_work_min=None)
    assert spec_with_work(made, 12) == made._replace(max_work_min=12)


def _later(profile: Profile, weeks: int) -> Profile:
    assert profile.goal.date is not None
    date = profile.goal.date + dt.timedelta(weeks=weeks)
    return profile.model_copy(update={"goal": profile.goal.model_copy(update={"date": date})})


SHORT_MARATHON = profile_of(
    TEN_K,
    goal={"event": "marathon", "date": "2025-06-29"},
    history={"weekly_km": [18, 20, 22, 20]},
)
SHORT_BREVET = profile_of(BREVET, goal={"event": "brevet_600", "date": "2025-05-25"})


def test_shared_drafts_and_early_stops_change_no_answer() -> None:
    """The alternatives' checks draft later dates with the plan's shared drafts and stop once the
    minimum is reached: each answer is the one a fresh, full draft gives, and the plan's own
    weeks are the same drafted with or without sharing."""
    for profile in (SHORT_MARATHON, SHORT_BREVET):
        prep = prep_of(profile, RULES)
        frame = plan_frame(profile, RULES)
        shared = SharedDrafts()
        alone = [w.model_dump_json() for w in draft_weeks(profile, RULES, frame, prep)]
        assert [w.model_dump_json() for w in draft_weeks(profile, RULES, frame, prep, shared)] == alone
        answers = set()
        for weeks in (0, 2, 4, 8, 12, 20, 30):
            other = _later(profile, weeks)
            other_frame = plan_frame(other, RULES)
            assert prep_of(other, RULES) == prep  # what sharing the plan's drafts relies on
            if prep.timed is not None:
                minimum = prep.timed.min_long
                full = drafted_longest_by_sport(other, RULES, other_frame, prep)
                quick = drafted_longest_by_sport(other, RULES, other_frame, prep, shared, stop_at=minimum)
                answers.add(not _timed_short(full, minimum))
                assert _timed_short(quick, minimum) == _timed_short(full, minimum), weeks
            else:
                assert prep.event is not None and prep.event.min_long is not None
                run = prep.event.min_long
                full_min, full_km = drafted_longest(other, RULES, other_frame, prep)
                quick_min, quick_km = drafted_longest(other, RULES, other_frame, prep, shared, stop_at=run)
                answers.add(reached(full_min, full_km, run))
                assert reached(quick_min, quick_km, run) == reached(full_min, full_km, run), weeks
        assert answers == {False, True}  # both a date too soon and one late enough were checked


def test_shared_drafts_serve_only_the_same_athlete_and_preparation() -> None:
    profile = SHORT_MARATHON
    prep = prep_of(profile, RULES)
    shared = SharedDrafts()
    assert shared.serves(profile, prep)
    assert shared.serves(_later(profile, 4), prep)
    assert not shared.serves(profile, _finish_only_prep(prep))
    assert not shared.serves(profile_of(TEN_K, goal={"event": "marathon", "date": "2025-06-29"}), prep)
    other_event = profile.model_copy(
        update={"goal": profile.goal.model_copy(update={"event": "half_marathon"})}
    )
    assert not shared.serves(other_event, prep)


def test_workout_tables_serve_every_athlete_with_the_same_anchor_signature() -> None:
    """A plan looks its workouts up by spec alone in the table of its athlete's anchor
    signature (``generated_table``): every workout one athlete put there is the one a fresh
    generation gives each athlete with that signature, and other signatures get other tables."""
    rules = RULES.updated()
    anchors = [
        *_anchor_variants(rules),
        # differ from athletes above only in a number no workout reads (the FTP's watts)
        anchors_of(profile_of(HALF_MARATHON, history={"ftp_w": 260}), rules),
        anchors_of(profile_of(HALF_MARATHON, history={"ftp_w": 190, "threshold_hr": 165}), rules),
    ]
    specs = _specs()
    by_signature: dict[tuple[object, ...], list[Anchors]] = {}
    for anchor in anchors:
        by_signature.setdefault(anchor_signature(anchor, rules), []).append(anchor)
    assert any(len(group) > 1 for group in by_signature.values())
    tables = []
    for group in by_signature.values():
        table = generated_table(group[0], rules)
        for spec in specs:  # filled as the planner fills it, by the group's first athlete
            table[spec] = generated(spec, group[0], rules)
        for anchor in group:
            assert generated_table(anchor, rules) is table
            for spec in specs:
                assert table[spec] == _generate(spec, anchor, rules), (spec, anchor)
        tables.append(table)
    assert len({id(table) for table in tables}) == len(by_signature)


def test_a_drafted_plan_reads_what_its_week_documents_hold() -> None:
    """``_build_plan`` judges a build's long sessions from its drafts before making the week
    documents (``DraftedPlan``): the answers are the ones the documents give."""
    for profile in [*(profile_of(data) for data in GOLDEN), SHORT_MARATHON, SHORT_BREVET]:
        prep = prep_of(profile, RULES)
        frame = plan_frame(profile, RULES)
        drafted = draft_plan(profile, RULES, frame, prep)
        weeks = drafted.weeks()
        assert weeks
        assert [w.model_dump_json() for w in weeks] == [
            w.model_dump_json() for w in draft_weeks(profile, RULES, frame, prep)
        ]
        assert drafted.longest_run() == longest_run(weeks, prep)
        assert drafted.longest_by_sport() == longest_by_sport(weeks)
        for week, (_frame, _shape, draft) in zip(weeks, drafted.drafted, strict=True):
            assert generated_week_km(draft.gens, profile.sport) == week_km(week.sessions, profile.sport)
