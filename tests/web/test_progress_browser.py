"""Progress in the Mini App is interactive (headless Chromium against ``coach web``): hovering,
tapping or the arrow keys pick a point of the PMC, volume, readiness and strength charts and the
page reads out that point's date and values, the same numbers the API (coach/charts' data) serves.

The athlete is the chart tests' seed (tests/charts/seed.py): eight weeks of runs, check-ins and
squat sessions, so every chart has data. Screenshots at 360 px are kept as artefacts."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from coach.clock import FixedClock
from coach.store import models as m
from coach.store.db import Database
from coach.store.migrate import upgrade
from tests.charts.seed import TODAY, seed
from tests.web.conftest import init_data
from tests.web.test_browser import CHROMIUM, PHONE, pytestmark, shots_dir, telegram_fragment, web_and_browser  # noqa: F401

if TYPE_CHECKING:
    from playwright.sync_api import Page, Position

ANN_TG = 41
LEFT, WIDTH = 30, 340
"""app.js: the plot starts 30 units in from the left of a 340-unit-wide viewBox."""


def seed_database(data_dir: Path) -> None:
    url = f"sqlite+aiosqlite:///{data_dir / 'coach.db'}"
    data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(url)

    async def run() -> None:
        db = Database(url)
        try:
            await seed(db, "ann")
            async with db.transaction() as s:
                athlete = (await s.execute(select(m.Athlete).where(m.Athlete.name == "ann"))).scalar_one()
                athlete.telegram_user_id = athlete.telegram_chat_id = ANN_TG
        finally:
            await db.dispose()

    asyncio.run(run())


class Progress:
    def __init__(self, page: Page, shots: Path) -> None:
        self.page, self.shots = page, shots

    def show(self, kind: str) -> dict[str, Any]:
        """Pick the chart; its data as the page got it from the API."""
        self.page.locator(f'#progress-kinds [data-kind="{kind}"]').click()
        self.page.locator(f'#progress[data-kind="{kind}"] svg .hit').wait_for()
        data: dict[str, Any] = self.page.evaluate(
            "async (kind) => (await fetch(`/api/athletes/${state.athleteId}/progress/${kind}`,"
            " {headers: {Authorization: state.auth}})).json()", kind)
        return data

    def at(self, x_units: float, *, tap: bool = False) -> tuple[int, str, str]:
        """Hover (or tap) the chart at ``x_units`` of its viewBox: (index, date, text) read out."""
        chart = self.page.locator("#progress svg")
        box = chart.bounding_box()
        assert box is not None
        position: Position = {"x": min(x_units, WIDTH - 1) * box["width"] / WIDTH, "y": box["height"] / 2}
        if tap:
            chart.click(position=position)
        else:
            chart.hover(position=position)
        return self.readout()

    def readout(self) -> tuple[int, str, str]:
        readout = self.page.locator("#progress-readout")
        return int(readout.get_attribute("data-index") or -1), str(readout.get_attribute("data-date")), readout.inner_text()

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def progress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Progress]:
    root = tmp_path_factory.mktemp("progress")
    seed_database(root / "data")
    with web_and_browser(root / "data", TODAY) as (url, browser):
        page = browser.new_page(viewport=PHONE)
        page.set_default_timeout(15_000)
        fragment = telegram_fragment(ANN_TG, "Ann", init_data(ANN_TG, "Ann", at=FixedClock(TODAY).now()))
        page.goto(f"{url}/#{fragment}")
        page.locator("#calendar .session").first.wait_for()
        page.locator('#progress[data-kind="pmc"] svg .hit').wait_for()  # the page's own first chart, before any click
        yield Progress(page, shots_dir(root))
        page.close()


def one(value: float) -> str:
    return f"{value:.1f}"


def test_the_fitness_chart_reads_out_the_point_under_the_finger(progress: Progress) -> None:
    data = progress.show("pmc")
    points = data["points"]
    index, date, text = progress.readout()
    assert date == TODAY.isoformat() == points[index]["date"]  # before any touch: today
    index, date, text = progress.at(0)
    assert (index, date) == (0, points[0]["date"])
    assert f"CTL {one(points[0]['ctl'])}" in text and f"ATL {one(points[0]['atl'])}" in text
    index, date, text = progress.at(WIDTH - 1, tap=True)
    last = points[-1]
    assert (index, date) == (len(points) - 1, last["date"]) and last["projected"] and "projected" in text
    index, date, text = progress.at(LEFT + (WIDTH - LEFT - 8) / 2)
    middle = points[index]
    assert abs(index - (len(points) - 1) / 2) <= 1 and date == middle["date"]
    tsb = one(abs(middle["tsb"]))
    assert f"CTL {one(middle['ctl'])} · ATL {one(middle['atl'])} · TSB " in text and text.endswith(tsb)
    assert progress.page.locator("#progress .guide").get_attribute("x1") != "-10"
    progress.shot("progress-pmc")
    twice = "for (const _ of [1, 2]) document.querySelector('#progress-kinds [data-kind=\"pmc\"]').click()"
    progress.page.evaluate(twice)  # a double tap: two requests in flight, one chart drawn
    progress.page.wait_for_load_state("networkidle")
    progress.page.locator("#progress svg .hit").wait_for()
    assert progress.page.locator("#progress svg").count() == 1


def test_volume_and_readiness_read_out_weeks_and_days(progress: Progress) -> None:
    data = progress.show("volume")
    weeks = data["weeks"]
    index, date, text = progress.at(LEFT + 1)
    first = weeks[0]
    assert (index, date) == (0, first["start"])
    assert f"Week {first['index']} " in text and f"{one(first['planned'])} {data['unit']} planned" in text
    done = next(i for i, w in enumerate(weeks) if w["done"])
    progress.page.locator("#progress svg").press("Home")  # not a key it uses: nothing moves
    for _ in range(index, done):
        progress.page.locator("#progress svg").press("ArrowRight")
    index, date, text = progress.readout()
    assert index == done and f"{one(weeks[done]['done'])} {data['unit']} done" in text
    progress.shot("progress-volume")

    data = progress.show("readiness")
    points = data["points"]
    index, date, text = progress.readout()
    assert points[index]["date"] == date == max(p["date"] for p in points)
    index, date, text = progress.at(WIDTH - 8)
    assert f"readiness {points[-1]['readiness']} ({points[-1]['colour']})" in text
    progress.shot("progress-readiness")


def test_the_strength_chart_is_drawn_and_reads_out_each_lifts_e1rm(progress: Progress) -> None:
    data = progress.show("strength")
    lifts = data["lifts"]
    assert lifts and progress.page.locator("#progress svg polyline.lift").count() == len(lifts)
    assert progress.page.locator("#progress-legend .key").all_inner_texts() == [x["exercise"].replace("_", " ") for x in lifts]
    squat = lifts[0]
    _, date, text = progress.readout()
    last = squat["points"][-1]
    assert date == last["date"]
    assert re.search(rf"top set {one(last['top_set_e1rm_kg'])} kg, e1RM {one(last['estimate_kg'])} kg", text)
    progress.page.locator("#progress svg").press("ArrowLeft")
    _, date, text = progress.readout()
    before = squat["points"][-2]
    assert date == before["date"] and f"e1RM {one(before['estimate_kg'])} kg" in text
    _, date, _ = progress.at(0, tap=True)
    assert date == squat["points"][0]["date"]
    assert progress.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    progress.shot("progress-strength")
