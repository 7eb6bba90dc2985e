"""``coach plan`` / ``coach schema`` entry points: output, determinism and clear input errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from coach.cli_engine import SCHEMA_DIR, cmd_plan, cmd_schema, schema_text, write_schemas
from coach.engine.models import Plan

from .conftest import HALF_MARATHON

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, data: Any, name: str = "profile.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_plan_json_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, HALF_MARATHON)
    assert cmd_plan(path, as_json=True) == 0
    first = capsys.readouterr().out
    assert cmd_plan(path, as_json=True) == 0
    assert capsys.readouterr().out == first
    plan = Plan.model_validate_json(first)
    assert plan.feasible and plan.weeks


def test_plan_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_plan(_write(tmp_path, HALF_MARATHON), as_json=False) == 0
    out = capsys.readouterr().out
    assert out.startswith("Plan: half marathon on 2025-06-01")
    assert "Week 1 from 2025-02-03" in out and "long" in out


def test_plan_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(HALF_MARATHON)))
    assert cmd_plan("-", as_json=True) == 0
    assert json.loads(capsys.readouterr().out)["feasible"] is True


def test_infeasible_goal_is_an_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = dict(HALF_MARATHON, start_date="2025-05-20")
    assert cmd_plan(_write(tmp_path, data), as_json=True) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["feasible"] is False and plan["reason"] and plan["weeks"] == []
    assert cmd_plan(_write(tmp_path, data), as_json=False) == 0
    assert "Not feasible:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"goal": {"event": "marathon", "date": "2025-01-01"}}, "goal.date"),
        ({"history": {"weekly_km": [20, -3]}}, "history.weekly_km.1"),
        (
            {"availability": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "mon", "tue"]}},
            "availability.days",
        ),
        ({"sport": "swim"}, "sport"),
        ({"goal": {"event": "ironman", "date": "2025-06-01"}}, "sport"),
        ({"start_date": None}, "start_date"),
    ],
)
def test_bad_input_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], field: str
) -> None:
    data = {**HALF_MARATHON, **change}
    assert cmd_plan(_write(tmp_path, data), as_json=True) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert field in captured.err and captured.err.startswith("error: ")


def test_not_json_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_plan(_write(tmp_path, "{not json"), as_json=True) == 2
    err = capsys.readouterr()
    assert err.out == "" and "not valid JSON" in err.err and "line 1" in err.err
    assert cmd_plan(str(tmp_path / "missing.json"), as_json=False) == 2
    assert "cannot read" in capsys.readouterr().err


def test_missing_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = {k: v for k, v in HALF_MARATHON.items() if k != "availability"}
    assert cmd_plan(_write(tmp_path, data), as_json=True) == 2
    assert "availability: Field required" in capsys.readouterr().err


def test_schema_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_schema("profile") == 0
    schema = json.loads(capsys.readouterr().out)
    assert "goal" in schema["properties"] and "from" in schema["$defs"]["Blocked"]["properties"]
    assert cmd_schema("plan") == 0
    assert "weeks" in json.loads(capsys.readouterr().out)["properties"]
    assert cmd_schema("nope") == 2
    assert "profile" in capsys.readouterr().err


def test_schema_files_are_up_to_date(tmp_path: Path) -> None:
    for name in ("profile", "plan"):
        assert (SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8") == schema_text(name), (
            "regenerate with: .venv/bin/python -m coach.cli_engine"
        )
    written = write_schemas(tmp_path)
    assert sorted(p.name for p in written) == ["plan.schema.json", "profile.schema.json"]


def test_plan_in_a_fresh_process_is_byte_identical(tmp_path: Path) -> None:
    path = _write(tmp_path, HALF_MARATHON)
    code = f"import sys; from coach.cli_engine import cmd_plan; sys.exit(cmd_plan({path!r}, True))"
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
        ).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1] and runs[0].startswith("{")
