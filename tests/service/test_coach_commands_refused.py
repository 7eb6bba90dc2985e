"""Coach commands from someone who is not the group's coach (an athlete of the group, a stranger,
the coach of another group): refused, nothing changed, nothing revealed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from coach.service.service import CoachService, Who
from coach.service.types import Incoming
from coach.store import models as m
from tests.service.test_coaching import ANN_IN_GROUP, COACH, GROUP, group, say  # noqa: F401 - the fixture

STRANGER = Who(name="Max", telegram_user_id=3, chat_id=GROUP, chat_type="group")
OTHER_COACH = Who(name="Olga", telegram_user_id=4, chat_id=-200, chat_type="group")
OTHER_COACH_HERE = Who(name="Olga", telegram_user_id=4, chat_id=GROUP, chat_type="group")
COMMANDS = [
    "/athletes", "/override Ann 2026-11-24 duration_min=20 -- mine now", "/override Ann 2026-11-29 duration_min=300 waive=ramp -- x",
    "/review Ann on", "/review Ann off", "/coach",
]


async def state(service: CoachService) -> dict[str, Any]:
    """Everything a coach command could change."""
    async with service.db.transaction() as s:
        links = [(r.coach_id, r.athlete_id, r.group_chat_id, r.requires_review) for r in (await s.execute(select(m.CoachLink))).scalars()]
        groups = [(g.coach_id, g.chat_id) for g in (await s.execute(select(m.CoachGroup))).scalars()]
        overrides = len((await s.execute(select(m.Override))).scalars().all())
        outbox = [r.key for r in (await s.execute(select(m.OutboxMessage))).scalars()]
    return {"plan": (await service.show("ann"))["plan"], "links": links, "groups": groups, "overrides": overrides, "outbox": outbox}


@pytest.mark.parametrize("who", [ANN_IN_GROUP, STRANGER, OTHER_COACH_HERE], ids=["athlete", "stranger", "another-groups-coach"])
async def test_coach_commands_from_anyone_but_the_groups_coach_change_and_reveal_nothing(
    group: CoachService, who: Who  # noqa: F811
) -> None:
    assert "coach of this group" in await say(group, OTHER_COACH, "/coach")  # Olga coaches another group
    before = await state(group)
    for command in COMMANDS:
        reply = await say(group, who, command)
        assert reply, command
        assert ("Only this group's coach" in reply) or ("already has a coach" in reply), (command, reply)
        assert "week 1" not in reply and "readiness" not in reply and "min" not in reply.replace("admin", "")  # nothing of Ann's
    approve = await group.handle(who, Incoming(kind="callback", callback_data="rev:1:2026-11-30"))
    assert approve.replies[0].text.startswith("Only this athlete's coach")
    after = await state(group)
    assert after == before
    assert await say(group, COACH, "/athletes")  # the group's coach still can
