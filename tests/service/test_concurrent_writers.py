"""50 athletes writing at once on one SQLite file, through two database engines (as two
processes would): no "database is locked", every write lands once, the counts add up."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import Select, func, select

from coach.clock import FixedClock
from coach.engine.models import Profile
from coach.service.service import CoachService, Who
from coach.service.types import Incoming
from coach.store import models as m
from coach.store import repo
from coach.store.db import Database

ATHLETES = 50
MESSAGES = 3
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "10k", "date": "2027-02-21"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [25, 25, 25, 25], "longest_km": 12},
})
TODAY = dt.date(2026, 11, 26)


async def test_fifty_athletes_writing_at_once_on_sqlite_lose_nothing(sqlite_url: str) -> None:
    first, second = Database(sqlite_url), Database(sqlite_url)
    try:
        services = [CoachService(first, FixedClock(TODAY)), CoachService(second, FixedClock(TODAY))]
        plan = services[0].build_plan(PROFILE)
        async with first.transaction() as s:  # 50 athletes with a plan, in one go
            for i in range(ATHLETES):
                row = m.Athlete(name=f"tg:{1000 + i}", telegram_user_id=1000 + i, telegram_chat_id=1000 + i,
                                profile=PROFILE.model_dump(mode="json", by_alias=True))
                s.add(row)
                await s.flush()
                await repo.save_plan(s, row, plan, source="import", reason="test")

        async def athlete(i: int) -> None:
            who = Who(name=f"A{i}", telegram_user_id=1000 + i, chat_id=1000 + i)
            service = services[i % 2]
            for n in range(MESSAGES):  # a check-in, a workout, a question: each an update with a reply
                text = ("/checkin sleep 7 quality 3 energy 3 soreness 2 stress 2", f"/log ran {5 + n}k in {30 + 5 * n} min", "/today")[n]
                command, _, args = text[1:].partition(" ")
                await service.handle(who, Incoming(kind="command", text=text, command=command, args=args), update_id=i * 10 + n)

        results = await asyncio.gather(*(athlete(i) for i in range(ATHLETES)), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        assert errors == [], errors[:3]
        async with first.transaction() as s:
            def count(model: type[m.Base], *where: Any) -> Select[Any]:
                return select(func.count()).select_from(model).where(*where)

            assert (await s.execute(count(m.InboxUpdate, m.InboxUpdate.processed_at.is_not(None)))).scalar_one() == ATHLETES * MESSAGES
            assert (await s.execute(count(m.CheckIn))).scalar_one() == ATHLETES
            assert (await s.execute(count(m.Activity))).scalar_one() == ATHLETES
            assert (await s.execute(count(m.OutboxMessage, m.OutboxMessage.key.like("reply:%")))).scalar_one() >= ATHLETES * MESSAGES
            assert (await s.execute(count(m.ChatMessage, m.ChatMessage.role == "athlete"))).scalar_one() == ATHLETES * MESSAGES
            per_athlete = (await s.execute(select(m.Activity.athlete_id, func.count()).group_by(m.Activity.athlete_id))).all()
        assert len(per_athlete) == ATHLETES and {n for _, n in per_athlete} == {1}
    finally:
        await first.dispose()
        await second.dispose()
