"""The Mini App in a real browser: headless Chromium (Debian's ``chromium``, driven by Playwright)
against ``coach web`` on 127.0.0.1, opened the way Telegram opens it (``#tgWebAppData=...``).

One server and one browser for the module. Screenshots are kept as artefacts: in
``$COACH_TEST_ARTEFACTS/web`` when that is set, else in pytest's temporary directory (the path is
printed)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.web.conftest import (
    ANN_TG,
    BOT_TOKEN,
    CARLA_TG,
    DONE_DAY,
    WEB_TODAY,
    free_port,
    init_data,
    seed_database,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
try:
    from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
except ImportError:  # pragma: no cover - the set-up installs it
    sync_playwright = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install -y chromium)"),
    pytest.mark.skipif(sync_playwright is None, reason="playwright is not installed (pip install playwright)"),
]
COACH = [sys.executable, "-m", "coach.cli"]
DARK = {"bg_color": "#17212b", "text_color": "#f5f5f5", "hint_color": "#708499", "link_color": "#6ab3f3",
        "button_color": "#5288c1", "button_text_color": "#ffffff", "secondary_bg_color": "#232e3c"}
PHONE: ViewportSize = {"width": 360, "height": 740}
LIFETIME_ENV = ("LD_PRELOAD", "FAKETIME", "FAKETIME_NO_CACHE", "DONT_FAKE_MONOTONIC")
"""A browser under faketime's preload misbehaves; the page's dates come from the server anyway."""


class World:
    def __init__(self, url: str, data_dir: Path, ids: dict[str, int], shots: Path, browser: Browser) -> None:
        self.url, self.data_dir, self.ids, self.shots, self.browser = url, data_dir, ids, shots, browser

    def env(self) -> dict[str, str]:
        return {**os.environ, "COACH_DATA_DIR": str(self.data_dir), "COACH_TODAY": WEB_TODAY.isoformat(),
                "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "LOG_LEVEL": "WARNING"}

    def show(self, athlete: str) -> dict[str, Any]:
        result = subprocess.run([*COACH, "show", "--athlete", athlete, "--json"], env=self.env(), capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        document: dict[str, Any] = json.loads(result.stdout)
        return document

    def open(self, fragment: str) -> Page:
        page = self.browser.new_page(viewport=PHONE)
        page.goto(f"{self.url}/#{fragment}")
        return page

    def shot(self, page: Page, name: str) -> None:
        page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)


def telegram_fragment(user_id: int, name: str, data: str | None = None) -> str:
    """What Telegram appends to a Mini App's URL: the launch data, its version, the theme."""
    return (f"tgWebAppData={quote(data or init_data(user_id, name), safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=android"
            f"&tgWebAppThemeParams={quote(json.dumps(DARK), safe='')}")


@contextmanager
def web_and_browser(data_dir: Path, today: dt.date) -> Iterator[tuple[str, Browser]]:
    """``coach web`` on 127.0.0.1 over ``data_dir`` with ``today`` as its date, and headless Chromium."""
    port = free_port()
    env = {**os.environ, "COACH_DATA_DIR": str(data_dir), "COACH_TODAY": today.isoformat(), "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
           "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([*COACH, "web", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    saved = {key: os.environ.pop(key) for key in LIFETIME_ENV if key in os.environ}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "coach web did not start within 60 s"
            time.sleep(0.2)
        assert sync_playwright is not None and CHROMIUM is not None
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            try:
                yield url, browser
            finally:
                browser.close()
    finally:
        os.environ.update(saved)
        server.terminate()
        server.communicate(timeout=30)


def shots_dir(root: Path) -> Path:
    artefacts = os.environ.get("COACH_TEST_ARTEFACTS")
    shots = Path(artefacts) / "web" if artefacts else root / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    return shots


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("web")
    data_dir = root / "data"
    ids = seed_database(data_dir)
    shots = shots_dir(root)
    try:
        with web_and_browser(data_dir, WEB_TODAY) as (url, browser):
            yield World(url, data_dir, ids, shots, browser)
    finally:
        sys.stdout.write(f"\nMini App screenshots: {shots}\n")


def statuses(page: Page) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in page.locator(".session[data-date]").all():
        found.setdefault(str(item.get_attribute("data-date")), []).append(str(item.get_attribute("data-status")))
    return found


def test_the_calendar_shows_the_plan_coach_show_has_with_the_done_session(world: World) -> None:
    page = world.open(telegram_fragment(ANN_TG, "Ann"))
    done = page.locator(f'.session[data-date="{DONE_DAY}"]')
    done.first.wait_for()
    shown = world.show("ann")
    expected: dict[str, list[str]] = {}
    for week in shown["plan"]["weeks"]:
        for session in week["sessions"]:
            expected.setdefault(session["date"], []).append(session["status"])
    assert done.first.get_attribute("data-status") == "done" == expected[DONE_DAY][0]
    rendered = statuses(page)
    assert rendered and all(expected[day] == found for day, found in rendered.items())
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # usable at 360 px
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 33, 43)"  # Telegram's dark theme, from the launch parameters
    page.locator("#progress-caption", has_text="Not enough data").wait_for()  # the PMC needs more than one activity
    page.locator('#progress-kinds [data-kind="volume"]').click()
    page.locator("#progress svg rect.bar.done").first.wait_for()  # weekly volume, planned against done (coach/charts' data)
    assert page.locator("#calendar").get_attribute("class") == "calendar week"  # a phone opens on the week; Progress leaves it
    one_line = "[...document.querySelectorAll('.week .day .num')].map((e) => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight))"
    assert all(lines < 1.5 for lines in page.evaluate(one_line))  # 'Tue 24' on one line at 360 px
    world.shot(page, "athlete-week")
    page.locator("#show-month").click()
    page.locator(f'.month .session[data-date="{DONE_DAY}"][data-status="done"]').wait_for()
    world.shot(page, "athlete-month")
    done.first.click()
    notes = next(w["notes"] for w in world.show("ann")["plan"]["weeks"] if w["index"] == 1)
    assert page.locator("#sheet-why").inner_text().count(notes[0]) == 1
    page.locator("#act-why").click()
    page.locator("#sheet-why", has_text="Week 1").wait_for()
    sheet = page.locator(".sheet-body").inner_text()
    assert all(sheet.count(note) == 1 for note in notes)  # the explanation replaces the week's notes: the why is said once
    assert page.locator("#sheet-steps li").count() > 0
    world.shot(page, "athlete-session")
    other = page.evaluate(
        "async (id) => (await fetch(`/api/athletes/${id}/calendar`, {headers: {Authorization: sessionStorage.getItem('coach.auth')}})).status",
        world.ids["bob"])
    assert other == 403
    page.close()


def test_marking_a_session_done_on_the_page_changes_the_store(world: World) -> None:
    today = WEB_TODAY.isoformat()
    page = world.open(telegram_fragment(ANN_TG, "Ann"))
    page.locator(f'.session[data-date="{today}"][data-status="planned"]').first.click()  # as coach show had it (test above)
    page.locator("#act-done").click()
    page.locator(f'.session[data-date="{today}"][data-status="done"]').wait_for()
    world.shot(page, "athlete-marked-done")
    shown = world.show("ann")
    assert [s["status"] for w in shown["plan"]["weeks"] for s in w["sessions"] if s["date"] == today] == ["done"]
    page.close()


def test_forged_init_data_shows_nothing(world: World) -> None:
    forged = init_data(ANN_TG, "Ann", token="999:not-the-bots-token")
    page = world.open(telegram_fragment(ANN_TG, "Ann", forged))
    page.locator("#message", has_text="Not signed in").wait_for()
    assert page.locator(".session").count() == 0
    world.shot(page, "forged")
    page.close()


def test_the_coach_view_lists_only_linked_athletes(world: World) -> None:
    page = world.open(telegram_fragment(CARLA_TG, "Carla"))
    cards = page.locator("#athletes .card")
    cards.first.wait_for()
    assert cards.all_inner_texts()[0].startswith("Ann") and cards.count() == 1
    assert [c.get_attribute("data-athlete-id") for c in cards.all()] == [str(world.ids["ann"])]
    world.shot(page, "coach-dashboard")
    cards.first.locator("button", has_text="Calendar").click()
    page.locator(f'.session[data-date="{DONE_DAY}"][data-status="done"]').wait_for()
    page.locator(".session[data-date]").first.click()
    assert page.locator("#override-form").is_visible() and not page.locator("#athlete-actions").is_visible()
    world.shot(page, "coach-athlete-calendar")
    page.close()
