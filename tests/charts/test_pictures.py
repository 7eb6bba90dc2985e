"""The pictures: real PNGs of phone size with something drawn on them; /chart and plain words
through the service; the Sunday preview; the terminal chat saving them."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.terminal import run_chat
from coach.charts import draw
from coach.charts.data import KINDS, ChartKind
from coach.service.service import CoachService, Who
from coach.service.types import Incoming, Reply
from coach.store.db import Database
from tests.charts.seed import seed
from tests.charts.test_chart_data import chart

PNG = b"\x89PNG\r\n\x1a\n"


def pixels(png: bytes) -> np.ndarray:
    assert png.startswith(PNG)
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("L"), dtype=float)


def assert_a_real_picture(png: bytes) -> None:
    grey = pixels(png)
    height, width = grey.shape
    assert width == 1080 and 700 <= height <= 1600, grey.shape  # phone-sized, portrait-ish
    assert grey.std() > 20  # not blank: a white page has 0
    assert (grey < 128).mean() > 0.01  # a fair share of dark ink (lines, bars, text)
    assert 20_000 < len(png) < 400_000


@pytest.mark.parametrize("kind", KINDS)
async def test_each_chart_draws_a_phone_sized_non_blank_png(db: Database, kind: ChartKind) -> None:
    service = await seed(db)
    data = await chart(service, "ann", kind)
    assert not hasattr(data, "message"), data
    assert_a_real_picture(draw.draw(data))


def command(text: str) -> Incoming:
    head, _, args = text[1:].partition(" ")
    return Incoming(kind="command", text=text, command=head, args=args)


async def test_chart_command_sends_the_week_and_the_pmc_as_captioned_photos(db: Database) -> None:
    service = await seed(db)
    replies = (await service.handle(Who(name="ann"), command("/chart"))).replies
    assert [r.document.file_name for r in replies if r.document] == ["week.png", "pmc.png"]
    for reply in replies:
        assert reply.document is not None and reply.document.mime_type == "image/png"
        assert "\n" not in reply.text and 0 < len(reply.text) <= 1024  # a one-line caption
        assert_a_real_picture(reply.document.data)
    assert replies[1].text.startswith("Fitness (CTL)")
    [readiness] = (await service.handle(Who(name="ann"), command("/chart readiness"))).replies
    assert readiness.document is not None and readiness.text.startswith("Readiness over 30 days: 5 check-ins")


async def test_chart_command_bad_word_and_not_enough_data_are_sentences(db: Database) -> None:
    service = await seed(db, "new", history=False)
    [bad] = (await service.handle(Who(name="new"), command("/chart bananas"))).replies
    assert bad.document is None and "I don't have a chart called 'bananas'" in bad.text and "/chart pmc" in bad.text
    week, pmc = (await service.handle(Who(name="new"), command("/chart"))).replies
    assert week.document is not None
    assert pmc.document is None and pmc.text.startswith("Not enough data yet for a fitness chart")
    [nobody] = (await service.handle(Who(name="stranger"), command("/chart"))).replies
    assert nobody.document is None and "/start" in nobody.text


async def test_plain_words_get_the_picture_after_the_words(db: Database) -> None:
    service = await seed(db)
    replies = (await service.handle(Who(name="ann"), Incoming(kind="text", text="show me my fitness"))).replies
    assert replies[0].document is None and "CTL" in replies[0].text  # the metrics tool's words first
    assert replies[-1].document is not None and replies[-1].document.file_name == "pmc.png"
    replies = (await service.handle(Who(name="ann"), Incoming(kind="text", text="show me the week"))).replies
    assert replies[-1].document is not None and replies[-1].document.file_name == "week.png"


async def test_sunday_preview_carries_next_weeks_picture(db: Database) -> None:
    service = await seed(db)
    from sqlalchemy import select

    from coach.store import models as m

    async with db.transaction() as s:
        (await s.execute(select(m.Athlete))).scalar_one().telegram_chat_id = 99

    class Evening:
        def now(self) -> dt.datetime:
            return dt.datetime(2026, 11, 29, 18, 10, tzinfo=dt.UTC)

        def today(self, time_zone: str = "UTC") -> dt.date:
            return dt.date(2026, 11, 29)

    service = CoachService(db, Evening())
    assert await service.tick() == 1
    [(_, chat_id, reply)] = await service.unsent()
    assert chat_id == 99 and reply.text.startswith("Last week:") and "Week 2" in reply.text
    assert reply.document is not None and reply.document.mime_type == "image/png"
    assert_a_real_picture(reply.document.data)
    assert Reply.from_payload(reply.to_payload()).document == reply.document  # survives the outbox


async def test_terminal_chat_saves_the_picture_and_prints_its_path(db: Database, tmp_path: Path) -> None:
    service: CoachService = await seed(db)
    out = io.StringIO()
    await run_chat(service, "ann", io.StringIO("/chart week\n/chart week\n"), out, interactive=False, pictures=tmp_path / "pictures")
    saved = sorted((tmp_path / "pictures").iterdir())
    assert [p.name for p in saved] == ["week-1.png", "week-2.png"]
    assert f"(picture: {saved[0]})" in out.getvalue() and f"(picture: {saved[1]})" in out.getvalue()
    assert_a_real_picture(saved[0].read_bytes())
