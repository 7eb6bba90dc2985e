"""Notes: remembered with a kind, injuries become limitations, recalled only for their owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.clock import FixedClock
from coach.engine.models import Profile
from coach.service.notes import NoteMemory
from coach.service.service import CoachService, Ctx
from coach.service.tools import CoachTools, NoteInput, RecallInput
from coach.store import repo
from coach.store.db import Database
from memory import HashingEmbedder
from tests.conftest import TODAY

PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "10k", "date": "2027-02-21"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [25, 25, 25, 25], "longest_km": 12},
})


@pytest.fixture
async def coach(db: Database, tmp_path: Path) -> CoachService:
    service = CoachService(db, FixedClock(TODAY), memory=NoteMemory(tmp_path / "memory", HashingEmbedder()))
    await service.add_athlete("ann", PROFILE)
    await service.add_athlete("bob", PROFILE)
    return service


async def tools(service: CoachService, name: str) -> tuple[CoachTools, Ctx]:
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, name)
        assert athlete is not None
        ctx = Ctx(s, athlete, TODAY)
        return CoachTools(service, ctx), ctx


async def remember(service: CoachService, name: str, text: str) -> str:
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, name)
        assert athlete is not None
        out = await CoachTools(service, Ctx(s, athlete, TODAY)).remember_note(NoteInput(text=text))
        return out.text


async def recall(service: CoachService, name: str, query: str) -> list[str]:
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, name)
        assert athlete is not None
        out = await CoachTools(service, Ctx(s, athlete, TODAY)).recall_notes(RecallInput(query=query))
        return [n.text for n in out.notes]


async def test_an_injury_note_becomes_a_limitation_and_is_recalled(coach: CoachService) -> None:
    said = await remember(coach, "ann", "my left knee hurts going downstairs")
    assert said.startswith("Noted (injury)")
    doc = await coach.show("ann")
    assert doc["notes"][0]["kind"] == "injury"
    [limitation] = doc["limitations"]
    assert limitation["body_part"] == "knee" and limitation["side"] == "left" and limitation["avoid"]
    assert await recall(coach, "ann", "can I do hill repeats?") == ["my left knee hurts going downstairs"]


async def test_one_athletes_notes_never_reach_another(coach: CoachService) -> None:
    await remember(coach, "ann", "my left knee hurts going downstairs")
    assert await recall(coach, "bob", "knee pain on the descent") == []
    assert (await coach.show("bob"))["notes"] == []


async def test_the_index_is_rebuilt_from_the_database(coach: CoachService, db: Database, tmp_path: Path) -> None:
    await remember(coach, "ann", "I only have a 25 m pool")
    fresh = CoachService(db, FixedClock(TODAY), memory=NoteMemory(tmp_path / "elsewhere", HashingEmbedder()))
    assert await recall(fresh, "ann", "I only have a pool") == ["I only have a 25 m pool"]


async def test_a_note_can_be_corrected_from_the_memory_list(coach: CoachService) -> None:
    from coach.service.service import Who
    from coach.service.types import Incoming

    await remember(coach, "ann", "my left knee hurts going downstairs")
    listing = await coach.handle(Who(name="ann"), Incoming(kind="command", text="/memory", command="memory"))
    correct = listing.replies[0].buttons[0][0]
    assert correct.label == "Correct 1"
    asked = await coach.handle(Who(name="ann"), Incoming(kind="callback", callback_data=correct.data))
    assert asked.replies[0].text.startswith("What should it say instead")
    done = await coach.handle(Who(name="ann"), Incoming(kind="text", text="my right knee hurts going downstairs"))
    assert done.replies[0].text.startswith("Corrected.")
    doc = await coach.show("ann")
    assert [n["text"] for n in doc["notes"]] == ["my right knee hurts going downstairs"]
    assert [lim["side"] for lim in doc["limitations"]] == ["right"]
