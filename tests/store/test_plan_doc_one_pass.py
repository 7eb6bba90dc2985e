"""``repo._plan_doc`` validates a stored plan in one pass (issue 15: it was most of the weekly
batch's time): the document equals the one made week by week before, and the plan that was saved,
for every reference runner, rider and triathlete and for a plan with estimated distances; so does
the weekly batch's, whose steps are validated from their stored JSON text."""

from __future__ import annotations

from typing import Any

from coach.clock import FixedClock
from coach.engine.models import Plan, Profile, Week
from coach.service.service import CoachService
from coach.store import models as m
from coach.store import repo
from coach.store.db import Database
from tests.batch.conftest import PROFILE as ESTIMATED  # no race result: run distances are estimates
from tests.engine.test_reference_plans import ATHLETES, RUNNERS, START, athlete_profile, runner_profile


def week_by_week(row: m.Plan) -> Plan:
    """The document as ``_plan_doc`` made it before: each week validated, dumped, validated again."""
    estimated = bool((row.document.get("meta") or {}).get("easy_pace_estimate"))
    weeks = [
        Week(
            index=w.index,
            start=w.start,
            phase=w.phase,
            cutback=w.cutback,
            planned_km=w.planned_km,
            planned_minutes=w.planned_minutes,
            load=w.load,
            sessions=[repo.session_doc(s, estimated_run_km=estimated) for s in w.sessions],
            notes=[str(n) for n in w.notes],
            built_minutes=w.built_minutes,
            built_load=w.built_load,
        )
        for w in row.weeks
    ]
    data: dict[str, Any] = dict(row.document)
    data["weeks"] = [w.model_dump(mode="json") for w in weeks]
    return Plan.model_validate(data)


async def test_one_pass_equals_week_by_week_and_the_saved_plan(db: Database) -> None:
    service = CoachService(db, FixedClock(START))
    profiles: list[Profile] = (
        [runner_profile(r) for r in RUNNERS] + [athlete_profile(a) for a in ATHLETES] + [ESTIMATED]
    )
    checked = 0
    for i, profile in enumerate(profiles):
        plan = service.build_plan(profile)
        if not plan.weeks:  # infeasible: nothing stored to read back
            continue
        await service.add_athlete(f"a{i}", profile, plan)
        async with db.transaction() as s:
            athlete = await repo.athlete_by_name(s, f"a{i}")
            assert athlete is not None
            row = await repo.active_plan_row(s, athlete.id)
            assert row is not None
            one_pass = repo._plan_doc(row)
            assert one_pass == week_by_week(row), profile.goal.event
            assert one_pass.model_dump(exclude={"weeks"}) == plan.model_dump(exclude={"weeks"})
            assert [w.model_dump(exclude={"sessions"}) for w in one_pass.weeks] == [
                w.model_dump(exclude={"sessions"}) for w in plan.weeks
            ]
        async with (
            db.transaction() as s
        ):  # the weekly batch's way: steps validated from their stored JSON text
            with repo.plan_memo(s, shared=False):
                await repo.preload_active_plans(s, [athlete.id], raw_steps=True)
                raw_row = await repo.active_plan_row(s, athlete.id)
                assert raw_row is not None and repo.plan_doc(raw_row) == one_pass
        checked += 1
    assert checked >= 20 and any(s.distance_estimated for w in one_pass.weeks for s in w.sessions)
