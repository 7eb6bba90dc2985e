"""The blind-set harness (tools/eval_blind.py) scores state, both ways.

This tests the harness, not the brain: the scoring rules on hand-made before/after documents,
then one short end-to-end run over a built-in sample (deterministic commands where possible)
where an item with a deliberately wrong expectation must score as failed. The full blind
sets run only from the script (``tools/eval_blind.py --set a|b``).
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("eval_blind", ROOT / "tools" / "eval_blind.py")
assert _spec is not None and _spec.loader is not None
eb = importlib.util.module_from_spec(_spec)
sys.modules["eval_blind"] = eb
_spec.loader.exec_module(eb)

TODAY = dt.date(2026, 12, 8)


def session(day: str, kind: str = "easy", minutes: int = 45, *, intensity: str = "easy", status: str = "planned", sport: str = "run") -> dict[str, Any]:
    return {"date": day, "sport": sport, "type": kind, "intensity": intensity, "duration_min": minutes, "distance_km": None, "status": status}


def doc(*sessions: dict[str, Any], days: tuple[str, ...] = ("tue", "thu", "sat", "sun")) -> dict[str, Any]:
    return {
        "profile": {"sport": "run", "availability": {"days": list(days), "long_day": "sun"}},
        "plan": {"weeks": [{"sessions": list(sessions)}]},
        "checkins": [], "activities": [], "notes": [], "limitations": [],
    }


BEFORE = doc(
    session("2026-12-08", minutes=45), session("2026-12-10", minutes=35), session("2026-12-12", minutes=35),
    session("2026-12-13", "long", 50, intensity="moderate"), session("2027-01-10", "long", 90, intensity="moderate"),
)


def score(expect: list[dict[str, Any]], after: dict[str, Any], reply: str = "OK.", *, today: dt.date = TODAY) -> Any:
    item = eb.Item(id="x", athlete="runner", text="...", expect=expect, today=today)
    return eb.score_item(item, BEFORE, after, reply)


def edited(**changes: Any) -> dict[str, Any]:
    """BEFORE with sessions replaced by date (``None`` removes the day's sessions)."""
    after = copy.deepcopy(BEFORE)
    sessions = [s for s in after["plan"]["weeks"][0]["sessions"] if s["date"].replace("-", "_") not in {k[1:] for k in changes}]
    for value in changes.values():
        if value is not None:
            sessions += value if isinstance(value, list) else [value]
    after["plan"]["weeks"][0]["sessions"] = sessions
    return after


def test_checkin_and_sleep_hours() -> None:
    after = copy.deepcopy(BEFORE)
    after["checkins"] = [{"date": "2026-12-08", "sleep_hours": 6.0, "energy": 2}]
    assert score([{"effect": "checkin", "sleep_h": 6}], after).passed
    assert not score([{"effect": "checkin", "sleep_h": 8}], after).passed
    assert not score([{"effect": "checkin"}], BEFORE).passed
    assert not score([{"effect": "checkin"}], after, today=dt.date(2026, 12, 9)).passed  # yesterday's check-in


def test_eased_removed_and_cap() -> None:
    shorter = edited(d2026_12_10=session("2026-12-10", minutes=20))
    assert score([{"effect": "eased", "date": "2026-12-10"}], shorter).passed
    assert not score([{"effect": "removed", "date": "2026-12-10"}], shorter).passed
    assert score([{"effect": "cap", "date": "2026-12-10", "minutes": 25}], shorter).passed
    assert not score([{"effect": "cap", "date": "2026-12-10", "minutes": 15}], shorter).passed
    gone = edited(d2026_12_10=None)
    assert score([{"effect": "removed", "date": "2026-12-10"}], gone).passed
    assert score([{"effect": "eased", "date": "2026-12-10"}], gone).passed
    softer = edited(d2026_12_13=session("2026-12-13", "long", 50, intensity="easy"))
    assert score([{"effect": "eased", "date": "2026-12-13"}], softer).passed
    assert not score([{"effect": "eased", "date": "2026-12-12"}], BEFORE).passed
    marked = edited(d2026_12_08=session("2026-12-08", status="missed"))
    assert score([{"effect": "removed", "date": "2026-12-08"}], marked).passed  # a missed session is not training


def test_eased_on_a_rest_day_is_flagged_vacuous() -> None:
    result = score([{"effect": "eased", "date": "2026-12-09"}], BEFORE)
    assert result.passed and result.vacuous


def test_moved_and_swapped() -> None:
    moved = edited(d2026_12_13=None, d2026_12_12=[session("2026-12-12", minutes=35), session("2026-12-12", "long", 50, intensity="moderate")])
    assert score([{"effect": "moved", "from": "2026-12-13", "to": "2026-12-12"}], moved).passed
    assert not score([{"effect": "moved", "from": "2026-12-13", "to": "2026-12-12"}], BEFORE).passed
    assert not score([{"effect": "moved", "from": "2026-12-13", "to": "2026-12-11"}], moved).passed
    swapped = edited(d2026_12_12=session("2026-12-12", "long", 50, intensity="moderate"), d2026_12_13=session("2026-12-13", minutes=35))
    assert score([{"effect": "swapped", "a": "2026-12-12", "b": "2026-12-13"}], swapped).passed
    assert not score([{"effect": "swapped", "a": "2026-12-12", "b": "2026-12-13"}], moved).passed


def test_missed_and_partial() -> None:
    missed = edited(d2026_12_08=session("2026-12-08", status="missed"))
    assert score([{"effect": "missed", "date": "2026-12-08"}], missed).passed
    assert not score([{"effect": "partial", "date": "2026-12-08", "fraction": 0.5}], missed).passed
    assert not score([{"effect": "missed", "date": "2026-12-08"}], BEFORE).passed
    partial = edited(d2026_12_08=session("2026-12-08", status="partial"))
    assert score([{"effect": "partial", "date": "2026-12-08", "fraction": 0.5}], partial).passed


def test_logged_within_three_percent() -> None:
    after = copy.deepcopy(BEFORE)
    after["activities"] = [{"sport": "run", "distance_km": 10.0, "elapsed_s": 52 * 60, "moving_s": None}]
    assert score([{"effect": "logged", "sport": "run", "distance_km": 10, "duration_min": 52}], after).passed
    assert score([{"effect": "logged", "sport": "run", "distance_km": 9.8}], after).passed
    assert not score([{"effect": "logged", "sport": "run", "distance_km": 9.6}], after).passed
    assert not score([{"effect": "logged", "sport": "run", "duration_min": 58}], after).passed
    assert not score([{"effect": "logged", "sport": "ride"}], after).passed
    assert not score([{"effect": "logged", "sport": "run"}], BEFORE).passed


def test_injury_note_unavailable_and_days_off() -> None:
    after = copy.deepcopy(BEFORE)
    after["limitations"] = [{"body_part": "Left Knee", "side": "left"}]
    after["notes"] = [{"id": 1, "kind": "injury", "text": "left knee sore"}]
    assert score([{"effect": "injury", "body_part": "knee"}, {"effect": "note"}], after).passed
    assert not score([{"effect": "injury", "body_part": "hip"}], after).passed
    assert not score([{"effect": "note"}], BEFORE).passed
    away = edited(d2026_12_12=None, d2026_12_13=None)
    assert score([{"effect": "unavailable", "dates": ["2026-12-12", "2026-12-13"]}], away).passed
    assert not score([{"effect": "unavailable", "dates": ["2026-12-10", "2026-12-12"]}], away).passed
    no_sat = doc(*[s for s in away["plan"]["weeks"][0]["sessions"]], days=("tue", "thu", "sun"))
    assert not score([{"effect": "days_off_permanent", "weekday": "sat"}], BEFORE).passed
    assert score([{"effect": "days_off_permanent", "weekday": "sat"}], no_sat).passed
    assert not score([{"effect": "days_off_permanent", "weekday": "tue"}], no_sat).passed


def test_none_and_ask() -> None:
    assert score([{"effect": "none", "reply_mentions": ["250"]}], BEFORE, "Your FTP is 250 W.").passed
    assert not score([{"effect": "none", "reply_mentions": ["250"]}], BEFORE, "Not enough data yet.").passed
    assert score([{"effect": "none", "reply_mentions": ["June"]}], BEFORE, "Your gran fondo is on 2027-06-13.").passed
    assert score([{"effect": "none", "reply_mentions": ["June"]}], BEFORE, "Sun 13 Jun 2027.").passed
    assert not score([{"effect": "none", "reply_mentions": ["June"]}], BEFORE, "On 2027-07-13.").passed
    after = copy.deepcopy(BEFORE)
    after["notes"] = [{"id": 1, "kind": "feeling", "text": "thanks"}]
    assert not score([{"effect": "none"}], after).passed
    assert score([{"effect": "ask"}], BEFORE, "Which day — Thu 10 Dec or Sat 12 Dec?").passed
    assert not score([{"effect": "ask"}], BEFORE, "Done.").passed
    assert not score([{"effect": "ask"}], edited(d2026_12_10=None), "Which day?").passed


def test_collateral_far_ahead_fails_the_item() -> None:
    far = edited(d2026_12_10=None, d2027_01_10=session("2027-01-10", "long", 80, intensity="moderate"))
    result = score([{"effect": "removed", "date": "2026-12-10"}], far)
    assert result.collateral == ["2027-01-10"] and not result.passed
    assert score([{"effect": "removed", "date": "2026-12-10"}], edited(d2026_12_10=None)).passed
    assert score([{"effect": "injury", "body_part": "knee"}], {**far, "limitations": [{"body_part": "knee"}]}).passed


def test_a_capped_weekday_shortened_later_is_no_collateral() -> None:
    """A limit said from now on ("Thursday runs can't go past 50 min") shortens that weekday's later
    sessions: within the cap they are what the cap asked; longer, another weekday, or removed, still collateral."""
    cap = [{"effect": "cap", "date": "2026-12-13", "minutes": 60}]  # a Sunday; 10 Jan is a Sunday too
    capped = edited(d2026_12_13=session("2026-12-13", "long", 50, intensity="moderate"),
                    d2027_01_10=session("2027-01-10", "long", 60, intensity="moderate"))
    assert score(cap, capped).collateral == ["2027-01-10"]  # capped day by day: the profile keeps no limit
    capped["profile"]["availability"]["max_minutes"] = {"sun": 60}
    assert score(cap, capped).passed
    assert score(cap, edited(d2027_01_10=session("2027-01-10", "long", 70, intensity="moderate"))).collateral == ["2027-01-10"]
    assert score(cap, edited(d2027_01_10=None)).collateral == ["2027-01-10"]
    saturday = [{"effect": "cap", "date": "2026-12-12", "minutes": 60}]
    assert score(saturday, capped).collateral == ["2027-01-10"]


def test_the_return_after_a_long_break_is_no_collateral() -> None:
    """After two weeks away a coach brings the athlete back over as many days (adapt.break_return_fractions):
    changes there are expected; changes beyond them, or after a short trip, are still collateral."""
    after = edited(d2026_12_13=None, d2027_01_10=session("2027-01-10", "long", 45))

    def away(days: int) -> list[dict[str, Any]]:  # from Sunday 13 Dec
        return [{"effect": "unavailable", "dates": [(dt.date(2026, 12, 13) + dt.timedelta(days=n)).isoformat() for n in range(days)]}]

    two_weeks = score(away(15), after)
    assert two_weeks.passed and not two_weeks.collateral  # 10 Jan: the return's 13th day after the 27th
    assert score(away(7), after).collateral == ["2027-01-10"]  # a week's trip: no return
    assert score(away(11), after).collateral == ["2027-01-10"]  # 10 Jan is after the return from the 23rd


def test_an_exception_fails_the_item() -> None:
    item = eb.Item(id="x", athlete="runner", text="...", expect=[{"effect": "none"}])
    assert not eb.score_item(item, BEFORE, BEFORE, "", error="Traceback ...").passed
    assert not eb.score_item(item, BEFORE, BEFORE, "", logged_errors=["tool failed"]).passed


SAMPLE = [
    {"id": "s-001", "athlete": "runner", "text": "/checkin sleep 6 quality 3 energy 2 soreness 3 stress 3", "voice": "command",
     "expect": [{"effect": "checkin", "sleep_h": 6}]},
    {"id": "s-002", "athlete": "runner", "text": "/log ran 10k in 52 min", "voice": "command",
     "expect": [{"effect": "logged", "sport": "run", "distance_km": 10, "duration_min": 52}]},
    {"id": "s-003", "athlete": "runner", "today": "2026-12-11", "text": "missed yesterday's run", "voice": "terse",
     "expect": [{"effect": "missed", "date": "2026-12-10"}]},
    {"id": "s-004", "athlete": "rider", "text": "/today", "voice": "command", "expect": [{"effect": "none", "reply_mentions": ["Ride"]}]},
    {"id": "s-005", "athlete": "rider", "text": "/week", "voice": "command", "expect": [{"effect": "none", "reply_mentions": ["2 h"]}]},
    # deliberately wrong: a run logged is not a ride, and /today changes nothing
    {"id": "s-006", "athlete": "runner", "text": "/log ran 10k in 52 min", "voice": "command",
     "expect": [{"effect": "logged", "sport": "ride"}]},
    {"id": "s-007", "athlete": "runner", "text": "/today", "voice": "command", "expect": [{"effect": "checkin"}]},
]


@pytest.fixture(scope="module")
def sample_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("blind") / "sample.jsonl"
    path.write_text("\n".join(json.dumps(item) for item in SAMPLE) + "\n", encoding="utf-8")
    items = eb.load_items(path)
    results = eb.asyncio.run(eb.evaluate(items, workdir=tmp_path_factory.mktemp("work"), warm_up=False))
    return {"results": {r.id: r for r in results}, "summary": eb.summarise(results)}


def test_sample_end_to_end_scores_both_ways(sample_results: dict[str, Any]) -> None:
    results = sample_results["results"]
    assert not [r.id for r in results.values() if r.error or r.logged_errors]
    for good in ("s-001", "s-002", "s-003", "s-004", "s-005"):
        assert results[good].passed, eb.render_failure(results[good])
    for wrong in ("s-006", "s-007"):
        assert not results[wrong].passed
    assert results["s-006"].changes and "activities" in results["s-006"].changes[-1]


def test_sample_summary(sample_results: dict[str, Any]) -> None:
    summary = sample_results["summary"]
    assert summary["items"] == len(SAMPLE)
    assert summary["overall"] == {"passed": 5, "total": 7, "rate": round(5 / 7, 4)}
    assert summary["per_effect"]["logged"]["total"] == 2 and summary["per_effect"]["logged"]["passed"] == 1
    assert set(summary["per_athlete"]) == {"runner", "rider"}
    assert summary["tracebacks"] == 0 and summary["reply_ms"]["p95"] > 0
    assert "overall" in eb.render_text(summary)


def test_the_brief_athletes_match_their_listing() -> None:
    """The template's first weeks are the ones the blind writers were shown (tests/blind/athletes/):
    the plans are frozen with the sets (``<athlete>.plan.json``), whatever the engine builds today."""
    from coach.engine import load_rules, validate_plan
    from coach.engine.models import Plan, Profile

    expected = {
        "runner": [("2026-12-08", 45), ("2026-12-10", 35), ("2026-12-12", 35), ("2026-12-13", 50),
                   ("2026-12-15", 55), ("2026-12-17", 45), ("2026-12-19", 45), ("2026-12-20", 65)],
        "rider": [("2026-12-08", 65), ("2026-12-10", 60), ("2026-12-12", 120), ("2026-12-13", 60),
                  ("2026-12-15", 90), ("2026-12-17", 75), ("2026-12-19", 155), ("2026-12-20", 75)],
    }
    for athlete, days in expected.items():
        path = eb.ATHLETES[athlete][1]
        profile = Profile.model_validate_json(path.read_text(encoding="utf-8"))
        plan = Plan.model_validate_json(path.with_suffix(".plan.json").read_text(encoding="utf-8"))
        got = [(s.date.isoformat(), s.duration_min) for w in plan.weeks[:2] for s in w.sessions]
        assert got == days
        assert plan.meta.event == profile.goal.event and plan.weeks[0].start <= profile.start_date
        assert validate_plan(plan, profile, load_rules()) == []  # still a plan today's validator signs


@pytest.mark.parametrize("letter", sorted(set(eb.SETS) - set("abcde")))
def test_the_later_sets_are_well_formed_and_frozen_as_written(letter: str) -> None:
    items = eb.load_items(eb.SETS[letter])
    assert len(items) == 300 and [i.id for i in items] == [f"{letter}-{n:03d}" for n in range(1, 301)]
    known = {"checkin", "eased", "removed", "moved", "swapped", "missed", "partial", "logged", "injury", "note",
             "unavailable", "days_off_permanent", "cap", "none", "ask"}
    assert all(i.expect and {e["effect"] for e in i.expect} <= known for i in items)
    assert all(dt.date(2026, 12, 8) <= i.today <= dt.date(2027, 1, 31) for i in items)
