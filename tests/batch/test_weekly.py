"""The weekly batch in-process on SQLite: outcomes, idempotent re-runs, a crash mid-batch resumes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from coach.batch import weekly
from coach.batch.report import recent_runs
from coach.batch.weekly import run_weekly
from coach.service import coaching, schedule
from coach.store import models as m
from coach.store import repo
from coach.store.db import Database
from coach.store.models_batch import BatchItem
from tests.batch.conftest import NEXT_WEEK, Clock, add_athletes


async def outbox(db: Database) -> list[tuple[str, int | None, dt.datetime]]:
    async with db.transaction() as s:
        rows = (await s.execute(select(m.OutboxMessage).order_by(m.OutboxMessage.key))).scalars()
        return [(r.key, r.chat_id, r.due_at) for r in rows]


async def plan_versions(db: Database) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(func.count(m.Plan.id)))).scalar_one())


async def setup_four(db: Database, clock: Clock) -> Any:
    """ann: to the athlete; bob: his coach reviews; cid: no plan; dee: a profile the engine can't read."""
    service = await add_athletes(db, clock, ["ann", "bob", "dee"])
    async with db.transaction() as s:
        bob = (await s.execute(select(m.Athlete).where(m.Athlete.name == "bob"))).scalar_one()
        cora = m.Coach(name="cora")
        s.add(cora)
        await s.flush()
        await coaching.link(s, cora, bob, -500, requires_review=True)
        s.add(m.Athlete(name="cid", profile={"sport": "run"}, telegram_chat_id=7))
        dee = (await s.execute(select(m.Athlete).where(m.Athlete.name == "dee"))).scalar_one()
        dee.profile = {"sport": "curling"}
    return service


async def test_outcomes_counted_and_queued_for_the_usual_sunday_time(db: Database, sunday: Clock) -> None:
    service = await setup_four(db, sunday)
    summary = await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=sunday)
    assert (summary.count("done"), summary.count("review"), summary.count("skipped"), summary.count("failed")) == (1, 1, 1, 1)
    assert summary.failures()[0].reason.startswith("ValidationError")
    rows = await outbox(db)
    assert [(k, c) for k, c, _ in rows] == [("review:2:2026-11-30", -500), ("weekly:1:2026-11-30", 1000)]
    due = dict((k, d) for k, _, d in rows)
    assert due["weekly:1:2026-11-30"] == dt.datetime(2026, 11, 29, 18, 0)  # the athlete's Sunday 18:00, not noon
    assert due["review:2:2026-11-30"] == dt.datetime(2026, 11, 29, 12, 0)  # the coach sees it at once
    [status] = await recent_runs(db)
    assert (status.total, status.done, status.review, status.skipped, status.failed, status.pending) == (4, 1, 1, 1, 1, 0)
    assert status.failures[0].athlete_id == 3 and "ValidationError" in status.failures[0].reason
    # The Sunday preview finds ann's and bob's weeks queued and composes only dee's (mended meanwhile:
    # a profile the engine can't read stops the whole tick, not just that athlete).
    async with db.transaction() as s:
        dee = (await s.execute(select(m.Athlete).where(m.Athlete.name == "dee"))).scalar_one()
        dee.profile = (await s.get(m.Athlete, 1)).profile  # type: ignore[union-attr]
    sunday.at = dt.datetime(2026, 11, 29, 18, 5, tzinfo=dt.UTC)
    assert await service.tick() == 1
    assert [k for k, _, _ in await outbox(db)] == ["review:2:2026-11-30", "weekly:1:2026-11-30", "weekly:3:2026-11-30"]


async def test_a_rerun_changes_nothing_and_retries_only_the_failure(db: Database, sunday: Clock) -> None:
    service = await setup_four(db, sunday)
    await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=sunday)
    before, versions = await outbox(db), await plan_versions(db)
    async with db.transaction() as s:  # the broken profile is mended: the retry succeeds
        dee = (await s.execute(select(m.Athlete).where(m.Athlete.name == "dee"))).scalar_one()
        ann = (await s.execute(select(m.Athlete).where(m.Athlete.name == "ann"))).scalar_one()
        dee.profile = ann.profile
    again = await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=sunday)
    assert (again.count("already"), again.count("done"), again.count("failed")) == (3, 1, 0)
    after = await outbox(db)
    assert after[:2] == before and [k for k, _, _ in after] == ["review:2:2026-11-30", "weekly:1:2026-11-30", "weekly:3:2026-11-30"]
    assert await plan_versions(db) == versions
    third = await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=sunday)
    assert third.count("already") == 4 and len(await outbox(db)) == 3


class Crash(BaseException):
    """The process dies here (not an Exception: nothing catches it)."""


async def test_a_crash_mid_batch_resumes_without_doubling(db: Database, sunday: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"a{i}" for i in range(6)]
    service = await add_athletes(db, sunday, names)
    real_queue = weekly._queue
    calls = {"n": 0}

    async def dying_queue(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        outcome = await real_queue(*args, **kwargs)
        if calls["n"] == 3:  # the 3rd athlete's outbox row is written, the commit never happens
            raise Crash
        return outcome

    monkeypatch.setattr(weekly, "_queue", dying_queue)
    with pytest.raises(Crash):  # chunks of two: the first commits, the crash loses the second whole
        await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=sunday, chunk_size=2)
    assert [k for k, _, _ in await outbox(db)] == ["weekly:1:2026-11-30", "weekly:2:2026-11-30"]
    monkeypatch.setattr(weekly, "_queue", real_queue)
    resumed = await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=sunday)
    assert (resumed.count("already"), resumed.count("done")) == (2, 4)
    keys = [k for k, _, _ in await outbox(db)]
    assert keys == [f"weekly:{i}:2026-11-30" for i in range(1, 7)]


class Dies:
    """A narrator whose process dies while the model writes (after the adaptation was saved)."""

    async def narrate(self, athlete_id: int, template: str) -> str | None:
        raise Crash


class Polite:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def narrate(self, athlete_id: int, template: str) -> str | None:
        self.seen.append(template)
        return f"Here is why next week looks like this.\n{template}"


async def test_a_crash_while_narrating_resumes_at_the_narrative(db: Database, sunday: Clock) -> None:
    service = await add_athletes(db, sunday, ["ann"])
    versions = await plan_versions(db)
    with pytest.raises(Crash):
        await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=sunday, narrator=Dies())
    async with db.transaction() as s:
        item = (await s.execute(select(BatchItem))).scalar_one()
        assert item.status == "composed" and item.composed is not None
    assert await outbox(db) == []
    narrator = Polite()
    resumed = await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=sunday, narrator=narrator)
    assert resumed.count("done") == 1 and len(narrator.seen) == 1 and "Next week:" in narrator.seen[0]
    [(key, _, _)] = await outbox(db)
    assert key == "weekly:1:2026-11-30"
    async with db.transaction() as s:
        row = (await s.execute(select(m.OutboxMessage))).scalar_one()
        assert row.payload["text"].startswith("Here is why next week looks like this.\nLast week:")
    assert await plan_versions(db) == versions


async def test_the_week_must_lie_ahead(db: Database, sunday: Clock) -> None:
    service = await add_athletes(db, sunday, ["ann"])
    summary = await run_weekly(db, dt.date(2026, 11, 23), rules=service.rules, clock=sunday)
    assert summary.count("skipped") == 1 and summary.results[0].reason == "week already begun"
    assert await outbox(db) == []


async def test_a_chunk_keeps_the_others_when_one_athlete_fails_after_saving(
    db: Database, sunday: Clock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    await one_fails_in_a_chunk(db, sunday, monkeypatch)


async def test_a_chunk_on_postgresql_keeps_the_others_when_one_fails(
    pg_url: str, sunday: Clock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = Database(pg_url, sunday)
    try:
        await one_fails_in_a_chunk(db, sunday, monkeypatch)
    finally:
        await db.dispose()


async def one_fails_in_a_chunk(db: Database, sunday: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """One transaction per chunk, a savepoint per athlete: bo's adaptation is saved, then his week
    fails; his savepoint takes the saved version back, ann and cy commit, the counters are exact,
    and the re-run does bo alone, doubling nothing."""
    service = await add_athletes(db, sunday, ["ann", "bo", "cy"])
    versions = await plan_versions(db)
    real_compose = schedule.compose_week

    async def failing_compose(s: Any, athlete: m.Athlete, *args: Any) -> Any:
        due = await real_compose(s, athlete, *args)
        if athlete.name == "bo":
            row = await repo.active_plan_row(s, athlete.id)
            assert row is not None
            await repo.save_plan(s, athlete, repo.plan_doc(row), source="test", reason="saved, then the week fails")
            raise RuntimeError("the picture could not be drawn")
        return due

    async def no_fallback(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the chunk fell back to one athlete at a time")

    monkeypatch.setattr(weekly, "compose_week", failing_compose)
    monkeypatch.setattr(weekly, "run_item", no_fallback)
    first = await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=sunday)
    monkeypatch.undo()
    assert [(r.athlete_id, r.outcome) for r in first.results] == [(1, "done"), (2, "failed"), (3, "done")]
    assert first.failures()[0].reason == "RuntimeError: the picture could not be drawn"
    assert [k for k, _, _ in await outbox(db)] == ["weekly:1:2026-11-30", "weekly:3:2026-11-30"]
    assert await plan_versions(db) == versions  # bo's saved version went with his savepoint
    [status] = await recent_runs(db)
    assert (status.done, status.failed, status.pending, status.attempts) == (2, 1, 0, 3)
    async with db.transaction() as s:
        items = {i.athlete_id: i for i in (await s.execute(select(BatchItem))).scalars()}
    assert items[2].status == "failed" and items[2].attempts == 1 and items[2].last_error == first.failures()[0].reason
    assert items[1].status == "done" and items[1].composed is not None and "reply" not in items[1].composed

    again = await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=sunday)
    assert [(r.athlete_id, r.outcome) for r in again.results] == [(1, "already"), (2, "done"), (3, "already")]
    assert [k for k, _, _ in await outbox(db)] == [f"weekly:{i}:2026-11-30" for i in (1, 2, 3)]
    assert await plan_versions(db) == versions
