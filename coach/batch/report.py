"""What ``coach batch status`` shows: the last runs with their counters, durations and failures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.batch.weekly import OPEN_STATES
from coach.store.db import Database
from coach.store.models_batch import BatchItem, BatchRun

FAILURES_SHOWN = 10
PENDING_SHOWN = 10


@dataclass(frozen=True)
class Failure:
    athlete_id: int
    attempts: int
    reason: str


@dataclass(frozen=True)
class RunStatus:
    run_id: int
    week_start: str
    mode: str
    started_at: str
    finished_at: str | None
    total: int
    done: int
    review: int
    skipped: int
    failed: int
    already: int
    pending: int
    """Neither finished nor failed yet (on a broker: still queued or running): from the counters,
    and on a broker also from the run's items (``open_items``), whichever is more."""
    attempts: int
    mean_s: float | None
    max_s: float
    failures: list[Failure]
    open_items: int = 0
    """On a broker: the run's items still ``pending`` or ``composed`` (what ``follow`` re-publishes)."""
    pending_ids: list[int] = field(default_factory=list)
    """On a broker: the first ``PENDING_SHOWN`` of those athletes."""

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    def line(self) -> str:
        mean = "—" if self.mean_s is None else f"{self.mean_s * 1000:.0f} ms"
        state = "finished" if self.finished_at else "running"
        stuck = ""
        if self.pending_ids:
            more = ", …" if self.open_items > len(self.pending_ids) else ""
            stuck = f" (athletes {', '.join(map(str, self.pending_ids))}{more})"
        return (f"run {self.run_id} · week of {self.week_start} · {self.mode} · {state} · {self.total} athletes: "
                f"{self.done} done, {self.review} waiting for review, {self.skipped} skipped, {self.failed} failed, "
                f"{self.already} done before, {self.pending} pending{stuck} · {self.attempts} attempts, mean {mean}, "
                f"max {self.max_s * 1000:.0f} ms")


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


async def recent_runs(db: Database, limit: int = 5) -> list[RunStatus]:
    async with db.transaction() as s:
        runs = (await s.execute(select(BatchRun).order_by(BatchRun.id.desc()).limit(limit))).scalars().all()
        return [await _status(s, run) for run in runs]


async def run_status(db: Database, run_id: int, *, items: bool = True) -> RunStatus:
    """One run's status (``recent_runs``'s line for it). ``items=False``: from the run's row alone,
    its counters (``pending`` from them; no failures, no pending athletes listed; ``open_items`` is
    that ``pending``): what a coordinator polls. The run's items are read by index on the run, all
    of them: ~50-300 ms for a run of 100,000 athletes on PostgreSQL."""
    async with db.transaction() as s:
        run = await s.get(BatchRun, run_id)
        if run is None:
            raise LookupError(f"no batch run {run_id}")
        return await _status(s, run, items=items)


async def _status(s: AsyncSession, run: BatchRun, *, items: bool = True) -> RunStatus:
    failed: Sequence[BatchItem] = []
    if items:
        failed = (
            await s.execute(
                select(BatchItem).where(BatchItem.run_id == run.id, BatchItem.status == "failed")
                .order_by(BatchItem.athlete_id).limit(FAILURES_SHOWN)
            )
        ).scalars().all()
    counted = run.done + run.review + run.skipped + run.failed + run.already
    pending = max(run.total - counted, 0)
    open_items, pending_ids = pending, []
    if run.mode == "broker" and items:  # its items were made before its tasks were sent (weekly.claim_items)
        where = (BatchItem.run_id == run.id, BatchItem.status.in_(OPEN_STATES))
        open_items = (await s.execute(select(func.count(BatchItem.id)).where(*where))).scalar_one()
        if open_items:
            query = select(BatchItem.athlete_id).where(*where).order_by(BatchItem.athlete_id).limit(PENDING_SHOWN)
            pending_ids = list((await s.execute(query)).scalars())
        pending = max(pending, open_items)
    return RunStatus(
        run_id=run.id, week_start=run.week_start.isoformat(), mode=run.mode, started_at=_iso(run.created_at) or "",
        finished_at=_iso(run.finished_at), total=run.total, done=run.done, review=run.review, skipped=run.skipped,
        failed=run.failed, already=run.already, pending=pending, attempts=run.attempts,
        mean_s=(run.duration_s_total / run.attempts) if run.attempts else None, max_s=run.duration_s_max,
        failures=[Failure(i.athlete_id, i.attempts, i.last_error or "") for i in failed],
        open_items=open_items, pending_ids=pending_ids,
    )
