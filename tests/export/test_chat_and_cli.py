"""/export FORMAT in the chat, a .zwo sent as a document, and the CLI commands, as a user uses them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import fitdecode
import pytest

from coach.cli import main
from coach.engine.models import Profile
from coach.library.store import library
from coach.service.service import CoachService, Who
from coach.service.types import Incoming, Reply
from coach.store import repo

ANN = Who(name="ann")
PROFILE = Profile.model_validate({
    "sport": "ride", "goal": {"event": "brevet_200", "date": "2027-04-10"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sat"},
    "history": {"weekly_hours": [6, 6, 6], "longest_minutes": 180, "ftp_w": 250, "max_hr": 185},
})
ZWO = b"""<workout_file><name>Over-unders</name><sportType>bike</sportType><workout>
<Warmup Duration="600" PowerLow="0.5" PowerHigh="0.75"/><IntervalsT Repeat="4" OnDuration="120" OffDuration="60" OnPower="1.05" OffPower="0.88"/>
</workout></workout_file>"""


async def _say(service: CoachService, incoming: Incoming) -> list[Reply]:
    return (await service.handle(ANN, incoming)).replies


async def test_export_in_the_chat(service: CoachService) -> None:
    await service.add_athlete("ann", PROFILE)
    (reply,) = await _say(service, Incoming(kind="command", text="/export fit", command="export", args="fit"))
    assert reply.document is not None and reply.document.file_name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(reply.document.data)) as archive:
        names = archive.namelist()
        assert names[0] == "2026-11-24-1-ride-easy.fit" and all(n.endswith(".fit") for n in names)
        with fitdecode.FitReader(io.BytesIO(archive.read(names[0]))) as reader:
            kinds = [f.name for f in reader if isinstance(f, fitdecode.FitDataMessage)]
        assert kinds[:2] == ["file_id", "workout"] and "workout_step" in kinds
    (ics,) = await _say(service, Incoming(kind="command", text="/export ics", command="export", args="ics"))
    assert ics.document is not None and ics.document.data.startswith(b"BEGIN:VCALENDAR")
    (bad,) = await _say(service, Incoming(kind="command", text="/export pdf", command="export", args="pdf"))
    assert bad.document is None and "can't export 'pdf'" in bad.text
    everything = await _say(service, Incoming(kind="command", text="/export", command="export"))
    assert everything[0].document is not None and everything[0].document.file_name.endswith(".json")  # plain /export unchanged


async def test_a_zwo_document_goes_into_the_library(service: CoachService) -> None:
    await service.add_athlete("ann", PROFILE)
    (reply,) = await _say(service, Incoming(kind="document", file_name="overunders.zwo", file_bytes=ZWO))
    assert "Over-unders" in reply.text
    (bad,) = await _say(service, Incoming(kind="document", file_name="broken.zwo", file_bytes=b"<workout_file>"))
    assert "couldn't add broken.zwo" in bad.text and "Nothing was saved" in bad.text
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        assert [w.name for w in await library(s, athlete.id)] == ["Over-unders"]


def test_cli_export_and_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_TODAY", "2026-11-23")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.json").write_text(PROFILE.model_dump_json(by_alias=True))
    assert main(["athlete", "add", "ann", "--profile", "p.json"]) == 0
    capsys.readouterr()
    assert main(["export", "--athlete", "ann", "--format", "intervals", "--to", "2026-11-26"]) == 0
    assert capsys.readouterr().out.startswith("2026-11-24 Ride easy\n")
    assert main(["export", "--athlete", "ann", "--format", "zwo", "--to", "2026-11-29", "--out", "z"]) == 0
    assert sorted(p.name for p in (tmp_path / "z").iterdir()) == [
        "2026-11-24-1-ride-easy.zwo", "2026-11-26-1-ride-easy.zwo", "2026-11-28-1-ride-long.zwo", "2026-11-29-1-ride-easy.zwo"]
    assert main(["export", "--athlete", "ann", "--format", "fit", "--to", "2026-11-24", "--target", "hr"]) == 0
    assert (tmp_path / "coach-export-fit" / "2026-11-24-1-ride-easy.fit").is_file()
    assert main(["export", "--athlete", "nobody", "--format", "ics"]) == 1
    assert main(["export", "--athlete", "ann", "--format", "ics", "--from", "2026-13-01"]) == 2
    (tmp_path / "o.zwo").write_bytes(ZWO)
    (tmp_path / "bad.zwo").write_bytes(b"nope")
    capsys.readouterr()
    assert main(["library", "import", "--athlete", "ann", "o.zwo", "bad.zwo"]) == 1  # the good one is kept
    err = capsys.readouterr().err
    assert "not valid XML" in err and "Nothing from bad.zwo was saved" in err
    assert main(["library", "show", "--athlete", "ann"]) == 0
    assert "[ride threshold] Over-unders" in capsys.readouterr().out
    assert main(["library", "detect", "--athlete", "ann"]) == 0
    assert "No repeated structure" in capsys.readouterr().out
