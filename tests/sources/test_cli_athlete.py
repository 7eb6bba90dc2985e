"""``coach import`` and ``coach paces`` as the lead wires them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from coach.cli_athlete import IMPORT_KEYS, cmd_import, cmd_paces, parse_distance_m


def test_import_json_rows_and_exit_codes(activities_dir: Path) -> None:
    out = io.StringIO()
    paths = [str(activities_dir / "swimming_pool-swim.fit"), str(activities_dir / "others_empty.fit")]
    assert cmd_import(paths, True, out=out) == 0
    rows = json.loads(out.getvalue())
    assert len(rows) == 2
    good, bad = rows
    for key in (*IMPORT_KEYS, "error"):
        assert key in good and key in bad
    assert good["sport"] == "swim" and good["start_time"] == "2018-08-24T07:35:36Z" and good["error"] is None
    assert bad["sport"] is None and "empty" in bad["error"]


def test_import_all_failed_exits_1(tmp_path: Path) -> None:
    empty = tmp_path / "a.fit"
    empty.write_bytes(b"")
    out = io.StringIO()
    assert cmd_import([str(empty), str(tmp_path / "missing.gpx")], False, out=out) == 1
    text = out.getvalue()
    assert "empty" in text and "could not be read" in text


def test_paces_json_shape() -> None:
    out = io.StringIO()
    assert cmd_paces("10k", "48:30", True, out=out) == 0
    report = json.loads(out.getvalue())
    assert 41 <= report["vdot"] <= 42
    assert set(report["equivalents"]) == {"1500m", "mile", "5k", "10k", "half_marathon", "marathon"}
    assert report["equivalents"]["10k"] == {"time": "0:48:30", "seconds": 2910}
    assert list(report["paces"]) == ["E", "M", "T", "I", "R"]
    threshold = report["paces"]["T"]
    assert threshold["fast_s_per_km"] < threshold["slow_s_per_km"]
    assert threshold["fast"].count(":") == 1


def test_paces_text() -> None:
    out = io.StringIO()
    assert cmd_paces("5k", "20:00", False, out=out) == 0
    assert "VDOT 49.8" in out.getvalue()


@pytest.mark.parametrize(
    ("distance", "time"), [("10x", "48:30"), ("10k", "forty"), ("100m", "0:12"), ("10k", "0:00")]
)
def test_paces_bad_input_exits_2(distance: str, time: str) -> None:
    err = io.StringIO()
    assert cmd_paces(distance, time, True, out=io.StringIO(), err=err) == 2
    assert err.getvalue().startswith("error: ")


@pytest.mark.parametrize(
    ("text", "metres"),
    [
        ("10k", 10000),
        ("5K", 5000),
        ("half", 21097.5),
        ("marathon", 42195),
        ("1500m", 1500),
        ("mile", 1609.344),
        ("21.1km", 21100),
    ],
)
def test_distance_words(text: str, metres: float) -> None:
    assert parse_distance_m(text) == pytest.approx(metres)
