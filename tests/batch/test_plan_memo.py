"""The plan is loaded once per composed week (``repo.plan_memo``): same messages and plan versions
as loading it at every step, and a saved adaptation is what the later steps read."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select

from coach.service import schedule
from coach.store import models as m
from coach.store import repo
from coach.store.db import Database
from tests.batch.conftest import NEXT_WEEK, Clock, add_athletes

pytestmark = pytest.mark.asyncio


@contextlib.contextmanager
def counting_plan_loads(db: Database) -> Iterator[list[str]]:
    """Every SELECT of planned sessions (each full plan load is one)."""
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM planned_sessions" in statement:
            seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", before)


async def compose(db: Database, name: str, today: dt.date, rules: Any) -> tuple[schedule.Due, list[int], int]:
    with counting_plan_loads(db) as loads:
        async with db.transaction() as s:
            athlete = (await s.execute(select(m.Athlete).where(m.Athlete.name == name))).scalar_one()
            due = await schedule.compose_week(s, athlete, NEXT_WEEK, today, rules)
            versions = list((await s.execute(select(m.Plan.version).where(m.Plan.athlete_id == athlete.id)
                                             .order_by(m.Plan.version))).scalars())
    return due, versions, len(loads)


async def test_compose_week_reads_the_plan_once_per_version_and_says_the_same(
    db: Database, sunday: Clock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = await add_athletes(db, sunday, ["memo", "plain"])
    today = sunday.at.date()
    memo_due, memo_versions, memo_loads = await compose(db, "memo", today, service.rules)

    @contextlib.contextmanager
    def no_memo(session: Any) -> Iterator[None]:
        yield

    monkeypatch.setattr(repo, "plan_memo", no_memo)
    plain_due, plain_versions, plain_loads = await compose(db, "plain", today, service.rules)

    assert memo_due.reply.text == plain_due.reply.text and memo_due.kind == plain_due.kind
    assert memo_due.reply.document is not None and plain_due.reply.document is not None
    assert memo_due.reply.document.data == plain_due.reply.document.data  # the same picture of the week
    assert memo_versions == plain_versions  # the same adaptations saved
    saves = len(memo_versions) - 1
    assert memo_loads == 1 + saves  # once, and once more after each saved version
    assert plain_loads >= memo_loads + 3


async def test_a_version_saved_inside_the_memo_is_what_the_next_read_returns(db: Database, sunday: Clock) -> None:
    await add_athletes(db, sunday, ["ann"])
    async with db.transaction() as s:
        athlete = (await s.execute(select(m.Athlete).where(m.Athlete.name == "ann"))).scalar_one()
        with repo.plan_memo(s):
            first = await repo.active_plan_row(s, athlete.id)
            assert first is not None and await repo.active_plan_row(s, athlete.id) is first
            doc = repo.plan_doc(first)
            await repo.save_plan(s, athlete, doc, source="test", reason="a new version")
            second = await repo.active_plan_row(s, athlete.id)
            assert second is not None and second.version == first.version + 1
            assert sum(len(w.sessions) for w in second.weeks) == sum(len(w.sessions) for w in doc.weeks)
        assert repo.PLAN_MEMO not in s.info  # off again after the block
