"""``coach chart KIND --athlete A --out FILE.png [--json]``: files, JSON and exit codes."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach import cli, cli_visual
from coach.charts.data import KINDS
from coach.store.db import Database
from coach.store.migrate import upgrade
from tests.charts.seed import TODAY, seed
from tests.charts.test_pictures import assert_a_real_picture


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data folder with ann (seeded) and new (a plan, nothing else), and the CLI pointed at it."""
    for key in ("TELEGRAM_BOT_TOKEN", "ANTHROPIC_API_KEY", "DATABASE_URL", "COACH_ENGINE_PURE"):
        monkeypatch.delenv(key, raising=False)
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("COACH_DATA_DIR", str(folder))
    monkeypatch.setenv("COACH_TODAY", TODAY.isoformat())
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    url = f"sqlite+aiosqlite:///{folder / 'coach.db'}"
    upgrade(url)

    async def fill() -> None:
        db = Database(url)
        try:
            await seed(db, "ann")
            await seed(db, "new", history=False)
        finally:
            await db.dispose()

    asyncio.run(fill())
    root = logging.getLogger()
    handlers = list(root.handlers)
    yield folder
    root.handlers[:] = handlers  # main() configures logging for the process


def test_kind_choices_are_the_charts_kinds() -> None:
    assert cli_visual.KIND_CHOICES == KINDS


def test_chart_writes_the_png_and_prints_the_caption(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = data_dir / "week.png"
    assert cli.main(["chart", "week", "--athlete", "ann", "--out", str(out)]) == 0
    assert_a_real_picture(out.read_bytes())
    assert capsys.readouterr().out.startswith(f"{out}: Week 1 (base)")


def test_chart_json_is_the_data_behind_the_picture(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = data_dir / "pmc.png"
    assert cli.main(["chart", "pmc", "--athlete", "ann", "--out", str(out), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["kind"] == "pmc" and document["file"] == str(out) and out.stat().st_size > 20_000
    today = next(p for p in document["points"] if p["date"] == TODAY.isoformat())
    assert document["caption"].startswith(f"Fitness (CTL) {today['ctl']:.1f}")
    assert cli.main(["chart", "week", "--athlete", "ann", "--json"]) == 0  # --json alone: no file needed
    week = json.loads(capsys.readouterr().out)
    assert [s["status"] for s in week["sessions"]] == ["done", "partial", "planned", "planned"] and "file" not in week


def test_chart_exit_codes(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = data_dir / "x.png"
    assert cli.main(["chart", "readiness", "--athlete", "new", "--out", str(out)]) == 1
    assert "Not enough data yet" in capsys.readouterr().err and not out.exists()
    assert cli.main(["chart", "week", "--athlete", "nobody", "--out", str(out)]) == 1
    assert "no athlete called 'nobody'" in capsys.readouterr().err
    assert cli.main(["chart", "week", "--athlete", "ann"]) == 2
    assert "--out FILE.png" in capsys.readouterr().err
    assert cli.main(["chart", "week", "--athlete", "ann", "--out", str(data_dir / "missing" / "x.png")]) == 1
    assert "can't write" in capsys.readouterr().err
    assert cli.main(["chart", "week", "--athlete", "ann", "--date", "31 Feb", "--json"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["chart", "pie", "--athlete", "ann", "--out", str(out)])
    assert exit_info.value.code == 2
