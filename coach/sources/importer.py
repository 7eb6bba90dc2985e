"""Turn an uploaded file into activities: detect the format, parse, finish, fail clearly.

Formats are recognised by content first (the FIT header's ``.FIT`` signature, the XML root
element) and by extension second; ``.gz`` files (Strava's bulk export) are unpacked with a size
cap (a decompression bomb stops at ``MAX_FILE_BYTES``), ZIP archives are refused unopened, GPX
and TCX with a DOCTYPE or entity declarations (entity bombs, external entities) are refused
before parsing, and a CSV export stops at ``MAX_CSV_ROWS`` rows. Every failure raises one :class:`~coach.sources.errors.ImportFailure` subclass whose
message is a sentence for the athlete.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from pathlib import PurePath
from typing import Final, Literal

from coach.sources.activity import ImportedActivity, RawActivity, finish
from coach.sources.csv_export import parse_csv_export
from coach.sources.errors import (
    MAX_FILE_BYTES,
    CorruptFile,
    EmptyFile,
    FileTooLarge,
    ImportFailure,
    MultipleActivities,
    NotAnActivity,
    TruncatedFile,
    UnsupportedFormat,
)
from coach.sources.fit import parse_fit
from coach.sources.gpx import parse_gpx
from coach.sources.tcx import parse_tcx

__all__ = [
    "MAX_FILE_BYTES",
    "CorruptFile",
    "EmptyFile",
    "FileTooLarge",
    "ImportFailure",
    "MultipleActivities",
    "NotAnActivity",
    "TruncatedFile",
    "UnsupportedFormat",
    "detect_format",
    "import_activities",
    "import_file",
]

FileFormat = Literal["fit", "gpx", "tcx", "csv"]
#: FIT header: size byte, protocol, profile (2), data size (4), ".FIT" (FIT SDK, "File Header").
FIT_SIGNATURE: Final = b".FIT"
FIT_SIGNATURE_OFFSET: Final = 8
FIT_MIN_HEADER_BYTES: Final = 12
GZIP_MAGIC: Final = b"\x1f\x8b"
ZIP_MAGIC: Final = b"PK\x03\x04"
SNIFF_BYTES: Final = 4096
XML_TAIL_BYTES: Final = 512
EXTENSIONS: Final[dict[str, FileFormat]] = {".fit": "fit", ".gpx": "gpx", ".tcx": "tcx", ".csv": "csv"}
XML_PROLOG_BYTES: Final = 64 * 1024
XML_DECLARATIONS: Final = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_CLOSERS: Final[dict[FileFormat, bytes]] = {"gpx": b"</gpx>", "tcx": b"</TrainingCenterDatabase>"}


def _suffix(name: str) -> str:
    suffixes = [s.lower() for s in PurePath(name).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _gunzip(data: bytes) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            unpacked = stream.read(MAX_FILE_BYTES + 1)
    except EOFError as error:
        raise TruncatedFile("This compressed file stops in the middle; download it again.") from error
    except (OSError, zlib.error) as error:
        raise CorruptFile("This compressed file is damaged and cannot be unpacked.") from error
    if len(unpacked) > MAX_FILE_BYTES:
        raise FileTooLarge(
            f"Unpacked, this file is over the {MAX_FILE_BYTES // (1024 * 1024)} MB limit; split it or export a shorter range."
        )
    return unpacked


def detect_format(name: str, data: bytes) -> FileFormat:
    """FIT, GPX, TCX or CSV, from the content and then the extension."""
    if (
        len(data) >= FIT_MIN_HEADER_BYTES
        and data[FIT_SIGNATURE_OFFSET : FIT_SIGNATURE_OFFSET + 4] == FIT_SIGNATURE
    ):
        return "fit"
    head = data[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        if b"<gpx" in head:
            return "gpx"
        if b"<TrainingCenterDatabase" in head:
            return "tcx"
    suffix = _suffix(name)
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    if data.startswith(ZIP_MAGIC):
        raise UnsupportedFormat("This is a ZIP archive; unzip it and import the activity files inside.")
    raise UnsupportedFormat(
        "I can read FIT, GPX and TCX files and Strava or Intervals.icu activity CSV exports; "
        f"this file ({PurePath(name).name or 'unnamed'}) is none of those."
    )


def _parse(name: str, data: bytes) -> list[RawActivity]:
    file_format = detect_format(name, data)
    if file_format == "fit":
        if len(data) < FIT_MIN_HEADER_BYTES:
            raise TruncatedFile("This FIT file is too short to hold even its header; export it again.")
        if data[FIT_SIGNATURE_OFFSET : FIT_SIGNATURE_OFFSET + 4] != FIT_SIGNATURE:
            raise CorruptFile("This file is named .fit but does not start like a FIT file.")
        return [parse_fit(data)]
    if file_format in _XML_CLOSERS:
        if XML_DECLARATIONS.search(data[:XML_PROLOG_BYTES]) or b"<!ENTITY" in data:
            # Devices and Strava never write a DOCTYPE or entities; an "entity bomb" (a few KB that
            # expand to gigabytes) and external entities (a file on this machine) need one.
            raise CorruptFile(
                f"This {file_format.upper()} file declares XML entities (a DOCTYPE), which GPS devices and "
                "training apps never write, so I won't read it; export the activity again."
            )
        if _XML_CLOSERS[file_format] not in data[-XML_TAIL_BYTES:]:
            raise TruncatedFile(
                f"This {file_format.upper()} file stops before its end (it was cut off); export it again."
            )
        return [parse_gpx(data) if file_format == "gpx" else parse_tcx(data)]
    return parse_csv_export(data)


def import_activities(
    name: str,
    data: bytes,
    *,
    ftp_w: float | None = None,
    max_hr: int | None = None,
    resting_hr: int | None = None,
    threshold_hr: int | None = None,
    threshold_pace_s_per_km: float | None = None,
    swim_threshold_pace_s_per_100m: float | None = None,
    keep_streams: bool = True,
) -> list[ImportedActivity]:
    """All activities in a file (one for FIT/GPX/TCX, one per row for a CSV export)."""
    if not data:
        raise EmptyFile("This file is empty (0 bytes): the upload or export did not finish.")
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge(
            f"This file is {len(data) / (1024 * 1024):.0f} MB, over the {MAX_FILE_BYTES // (1024 * 1024)} MB limit."
        )
    if data.startswith(GZIP_MAGIC):
        data = _gunzip(data)
        if not data:
            raise EmptyFile("This compressed file unpacks to nothing.")
    raws = _parse(name, data)
    return [
        finish(
            raw,
            ftp_w=ftp_w,
            max_hr=max_hr,
            resting_hr=resting_hr,
            threshold_hr=threshold_hr,
            threshold_pace_s_per_km=threshold_pace_s_per_km,
            swim_threshold_pace_s_per_100m=swim_threshold_pace_s_per_100m,
            keep_streams=keep_streams,
        )
        for raw in raws
    ]


def import_file(
    name: str, data: bytes, *, ftp_w: float | None = None, max_hr: int | None = None
) -> ImportedActivity:
    """The one activity in a file; a CSV export with several rows raises :class:`MultipleActivities`."""
    activities = import_activities(name, data, ftp_w=ftp_w, max_hr=max_hr)
    if len(activities) != 1:
        raise MultipleActivities(
            f"This export holds {len(activities)} activities; import it as a list (import_activities) instead."
        )
    return activities[0]
