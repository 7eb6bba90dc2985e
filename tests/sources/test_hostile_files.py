"""Malformed, empty, huge and hostile uploads through the service's document path (what an
athlete's Telegram upload reaches): a clear message, nothing stored, memory bounded.

Memory is measured with ``tracemalloc`` (Python allocations, peak during the upload's handling);
the bound is generous, the point is that nothing grows with what a bomb *would* expand to."""

from __future__ import annotations

import gzip
import io
import tracemalloc
import zipfile

import pytest
from sqlalchemy import func, select

from coach.service.service import CoachService, Who
from coach.service.types import Incoming
from coach.sources.errors import MAX_CSV_ROWS, MAX_FILE_BYTES
from coach.store import models as m
from tests.service.test_training_log import PROFILE

ANN = Who(name="ann")
MEMORY_BOUND_BYTES = 160 * 1024 * 1024
"""Peak Python allocations while one upload is handled: the 64 MB unpacking cap plus parsing."""

_LOL = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n' + b"".join(
    b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
) + b"]>\n"
GPX_HEAD = b'<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
TCX_HEAD = b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
TCX_ACTIVITY = (
    b'<Activities><Activity Sport="Running"><Id>%s</Id><Lap StartTime="2026-11-20T07:00:00Z"><TotalTimeSeconds>1800'
    b"</TotalTimeSeconds><Track><Trackpoint><Time>2026-11-20T07:00:00Z</Time></Trackpoint><Trackpoint>"
    b"<Time>2026-11-20T07:30:00Z</Time></Trackpoint></Track></Lap></Activity></Activities></TrainingCenterDatabase>"
)


def gzip_bomb(unpacked_mb: int) -> bytes:
    """About 1 MB that unpacks to ``unpacked_mb`` MB of spaces."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as stream:
        chunk = b" " * (1 << 20)
        for _ in range(unpacked_mb):
            stream.write(chunk)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ride.gpx", b"0" * (256 << 20))
    return buffer.getvalue()


CASES = [
    pytest.param("empty.gpx", b"", "empty", id="empty"),
    pytest.param("run.fit", b"\x0e\x10\xd9\x07\xff\xff\xff\x7f.FIT\x00\x00" + b"\x00" * 100, "cannot be read", id="fit-lying-header"),
    pytest.param("run.fit", b"\x0e\x10\xd9\x07\x00\x10\x00\x00.FIT" + b"\x01" * 40, "couldn't import", id="fit-garbage"),
    pytest.param("ride.gpx", b"\x00" * 5000, "cut off", id="gpx-nul-bytes"),
    pytest.param("ride.gpx", GPX_HEAD + b"<trk><trkseg><trkpt lat='1' lon='1'>", "cut off", id="gpx-truncated"),
    pytest.param("bomb.gpx", _LOL + GPX_HEAD + b"<trk><name>&lol9;</name></trk></gpx>", "entities", id="gpx-billion-laughs"),
    pytest.param("bomb.tcx", _LOL + TCX_HEAD + TCX_ACTIVITY % b"&lol9;", "entities", id="tcx-billion-laughs"),
    pytest.param(
        "quad.gpx", b'<!DOCTYPE g [<!ENTITY a "' + b"x" * 100_000 + b'">]>' + GPX_HEAD + b"<trk><name>" + b"&a;" * 50_000 + b"</name></trk></gpx>",
        "entities", id="gpx-quadratic-blowup",
    ),
    pytest.param(
        "xxe.tcx", b'<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + TCX_HEAD + TCX_ACTIVITY % b"&x;", "entities",
        id="tcx-external-entity",
    ),
    pytest.param("ride.gpx.gz", gzip_bomb(1024), "over the 64 MB limit", id="gzip-bomb-1GB"),
    pytest.param("export.zip", zip_bomb(), "ZIP archive", id="zip-bomb-256MB"),
    pytest.param("huge.tcx", TCX_HEAD + b" " * MAX_FILE_BYTES, "over the 64 MB limit", id="huge-65MB"),
    pytest.param(
        "activities.csv", b"Activity Date,Activity Type,Elapsed Time,Distance\n" + b'"Nov 20, 2026, 7:00:00 AM",Run,1800,5\n' * (MAX_CSV_ROWS + 1),
        "more than 20,000 rows", id="csv-too-many-rows",
    ),
    pytest.param("activities.csv", b"a,b,c\n" + b"\xff\xfe=cmd|' /C calc'!A0\n" * 100, "not an activity export", id="csv-hostile"),
    pytest.param("notes.pdf", b"%PDF-1.7\n" + b"\x00" * 1000, "none of those", id="not-an-activity-file"),
]


@pytest.fixture
async def athlete(service: CoachService) -> CoachService:
    await service.add_athlete("ann", PROFILE)
    return service


@pytest.mark.parametrize(("name", "data", "words"), CASES)
async def test_a_hostile_or_broken_upload_gets_a_clear_message_stores_nothing_and_stays_small(
    athlete: CoachService, name: str, data: bytes, words: str
) -> None:
    before = (await athlete.show("ann"))["plan"]
    tracemalloc.start()
    try:
        result = await athlete.handle(ANN, Incoming(kind="document", file_name=name, file_bytes=data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [reply] = result.replies
    assert reply.text.startswith(f"I couldn't import {name}:") and words in reply.text and reply.text.endswith("Nothing was saved.")
    assert "Traceback" not in reply.text and "root:" not in reply.text  # nothing of /etc/passwd, no internals
    async with athlete.db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(m.Activity))).scalar_one() == 0
    assert (await athlete.show("ann"))["plan"] == before
    assert peak < MEMORY_BOUND_BYTES, f"{peak / 1e6:.0f} MB allocated while handling {name}"
