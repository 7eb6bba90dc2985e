"""Print one digest per random profile of what the engine makes of it (run as a script).

``tests/engine/test_native.py`` runs this twice, compiled and with ``COACH_ENGINE_PURE=1``,
and compares: the compiled engine must give byte-identical plans, texts, adaptations and
moves. The first line says which engine ran.

Usage: python tests/engine/parity_probe.py N SEED
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import random
import sys
from pathlib import Path

from coach.engine import (
    NATIVE_STATUS,
    AdaptError,
    DaysPerWeek,
    Fatigue,
    Illness,
    Injury,
    Missed,
    Unavailable,
    adapt_plan,
    build_plan,
    load_rules,
    move_session,
    planner,
    render_plan_text,
)
from coach.engine.adapt import AdaptEvent

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> object:
    spec = importlib.util.spec_from_file_location("bench_engine", ROOT / "bench" / "bench_engine.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(n: int, seed: int) -> None:
    random_profile = _bench().random_profile  # type: ignore[attr-defined]
    rules = load_rules()
    rng = random.Random(seed)
    print(f"{NATIVE_STATUS.compiled} {Path(planner.__file__).suffix}")
    for i in range(n):
        profile = random_profile(rng)
        plan = build_plan(profile, rules)
        parts = [plan.model_dump_json()]
        if plan.feasible and plan.weeks:
            parts.append(render_plan_text(plan))
            week = plan.weeks[rng.randrange(len(plan.weeks))]
            day = week.start + dt.timedelta(days=rng.randrange(7))
            events: list[list[AdaptEvent]] = [
                [Missed(date=day)],
                [Fatigue(severity=rng.randint(1, 3))],
                [Illness.model_validate({"from": day, "days": rng.randint(1, 10)})],
                [Injury(body_part="knee", avoid=["impact"])],
                [Unavailable.model_validate({"from": day, "to": day + dt.timedelta(days=2)})],
                [DaysPerWeek(days_per_week=rng.randint(1, 4), athlete_asked=True)],
            ]
            try:
                parts.append(adapt_plan(plan, profile, events[i % len(events)], week.start, rules).model_dump_json())
            except AdaptError as exc:
                parts.append(f"AdaptError: {exc}")
            training = [s for s in week.sessions if s.type != "commitment"]
            if training:
                first = training[0].date
                moved = move_session(plan, profile, rules, first, first + dt.timedelta(days=1), today=week.start)
                parts.append(moved.model_dump_json())
        print(hashlib.sha256("\n".join(parts).encode()).hexdigest())


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
