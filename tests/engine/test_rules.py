"""Rules as data: the files load, bad data is named precisely, and numbers drive the plan."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coach.engine import RulesError, build_plan, load_rules
from coach.engine.models import Event
from coach.engine.rules import DEFAULT_RULES_DIR, Rules
from coach.engine.validate import week_volume_min

from .conftest import HALF_MARATHON, STRENGTH, profile_of


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_rules_load_with_combined_version(rules: Rules) -> None:
    assert rules.version == "guardrails@2+events@2+kpi@1+workouts@2+race_prep@1"


def test_every_event_has_a_profile_and_kpi_gates(rules: Rules) -> None:
    for event in Event.__args__:  # type: ignore[attr-defined]
        profile = rules.event(event)
        assert profile.kpi_profile in rules.kpi.profiles


def test_seed_002_brevet_gates(rules: Rules) -> None:
    gates = {g.kpi: g for g in rules.kpi.profiles["brevet"].gates}
    assert gates["durability_index"].passes(1.0) and not gates["durability_index"].passes(0.99)
    assert gates["pa_hr_decoupling_pct"].passes(5.0) and not gates["pa_hr_decoupling_pct"].passes(5.1)
    assert gates["fir"].passes(1.12) and not gates["fir"].passes(1.2)
    assert {"mtb_stage", "bikepacking"} <= set(rules.kpi.profiles)


def test_bad_value_names_file_and_field(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    _edit(folder / "guardrails.yaml", "ramp_max_pct: 10", "ramp_max_pct: -5")
    with pytest.raises(RulesError) as info:
        load_rules(folder)
    assert "guardrails.yaml" in str(info.value)
    assert info.value.field == "volume.ramp_max_pct"


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    _edit(folder / "events.yaml", "    min_weeks: 8\n", "    min_weeks: 8\n    mni_weeks: 3\n")
    with pytest.raises(RulesError) as info:
        load_rules(folder)
    assert "events.yaml" in str(info.value) and "mni_weeks" in str(info.value)


def test_missing_version_and_missing_file(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    _edit(folder / "kpi_gates.yaml", "version: 1", "")
    with pytest.raises(RulesError, match="version"):
        load_rules(folder)
    (folder / "kpi_gates.yaml").unlink()
    with pytest.raises(RulesError, match=r"kpi_gates\.yaml"):
        load_rules(folder)


def test_not_yaml(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    (folder / "workouts.yaml").write_text("version: [1\n", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(folder)


def test_changing_the_ramp_rule_changes_the_plan(tmp_path: Path) -> None:
    """Rules are data: a number edited in a copied rules folder changes the plan, no code change."""
    folder = _copy_rules(tmp_path)
    # No target time: a build the slower ramp leaves short of the minimum long run is a finish-only plan.
    profile = profile_of(HALF_MARATHON, goal={"event": "half_marathon", "date": "2025-06-01"})
    before = build_plan(profile, load_rules(folder))
    _edit(folder / "guardrails.yaml", "ramp_min_step_min: 20", "ramp_min_step_min: 5")
    _edit(folder / "guardrails.yaml", "ramp_max_pct: 10", "ramp_max_pct: 5")
    after = build_plan(profile, load_rules(folder))
    assert before.feasible and after.feasible
    assert not before.meta.finish_only and after.meta.finish_only
    assert week_volume_min(after.weeks[1]) < week_volume_min(before.weeks[1])
    assert week_volume_min(after.weeks[1]) <= week_volume_min(after.weeks[0]) * 1.05 + 1


def test_changing_an_event_cap_and_the_pool_limit(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    profile = profile_of(HALF_MARATHON)
    _edit(folder / "events.yaml", "long_session_max_min: {run: 140}", "long_session_max_min: {run: 50}")
    # A cap below the half marathon's minimum longest run: no plan can prepare for it, and it says so.
    refused = build_plan(profile, load_rules(folder))
    assert not refused.feasible and refused.reason is not None and "longest run of at least 15 km" in refused.reason
    _edit(folder / "race_prep.yaml", "min_long: {km: 15, minutes: 100}", "min_long: {km: 5, minutes: 40}")
    plan = build_plan(profile, load_rules(folder))
    longs = [s.duration_min for w in plan.weeks for s in w.sessions if s.type == "long"]
    assert longs and max(longs) <= 50


def test_changing_the_strength_waves(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    _edit(
        folder / "workouts.yaml",
        "{sets: 3, reps: 8, pct_1rm: 70, rpe: 7.0}",
        "{sets: 3, reps: 10, pct_1rm: 65, rpe: 7.0}",
    )
    plan = build_plan(profile_of(STRENGTH), load_rules(folder))
    first = plan.weeks[0].sessions[0]
    squat = next(s for s in first.steps if s.exercise == "back_squat")
    assert squat.reps == 10 and squat.load_kg == 77.5  # 65 % of 120 kg, rounded to 2.5 kg
