"""One exception class per way an import can fail; every message is a sentence for the athlete."""

from __future__ import annotations

from typing import Final

#: Largest file accepted: a 24-hour 1 Hz FIT with every sensor is ~15 MB; a TCX of the same
#: ride ~60 MB. 64 MiB leaves room while stopping a runaway upload or a decompression bomb.
MAX_FILE_BYTES: Final = 64 * 1024 * 1024


#: Most rows read from an activity CSV export: ten years of two sessions a day is ~7,300; each
#: row costs ~0.3 ms to read and becomes a stored activity.
MAX_CSV_ROWS: Final = 20_000


class ImportFailure(Exception):
    """Base class: the file could not become an activity. ``str(error)`` is a user-facing sentence."""


class EmptyFile(ImportFailure):
    """The file has no bytes at all."""


class TruncatedFile(ImportFailure):
    """The file stops in the middle (an interrupted upload or a device that died mid-write)."""


class CorruptFile(ImportFailure):
    """The bytes are damaged: a checksum fails or the structure cannot be read."""


class NotAnActivity(ImportFailure):
    """A valid file of a known format that holds no recorded activity (a course, settings, a route)."""


class UnsupportedFormat(ImportFailure):
    """Not FIT, GPX, TCX or an activity CSV export."""


class FileTooLarge(ImportFailure):
    """Bigger than :data:`MAX_FILE_BYTES`."""


class MultipleActivities(ImportFailure):
    """A CSV export with several activities passed where exactly one was expected."""
