"""The athlete's own workout library (seed 002): Zwift ``.zwo`` files, Intervals.icu folders,
and structures detected in their recordings; kept per athlete (``coach library``)."""

from __future__ import annotations

from coach.library.model import LibraryImportError, Workout, classify

__all__ = ["LibraryImportError", "Workout", "classify", "read_library_file"]


def read_library_file(file_name: str, data: bytes) -> tuple[list[Workout], list[str]]:
    """Workouts in one file (``.zwo``, or Intervals.icu folder ``.json``) and the lines left out;
    :class:`LibraryImportError` with a sentence for a file that is neither."""
    lowered = file_name.lower()
    if not data.strip():
        raise LibraryImportError(f"{file_name} is empty.")
    if lowered.endswith(".zwo") or (not lowered.endswith(".json") and data.lstrip().startswith(b"<")):
        from coach.library.zwo import read_zwo

        return [read_zwo(file_name, data)], []
    if lowered.endswith(".json") or data.lstrip()[:1] in (b"{", b"["):
        from coach.library.intervals import read_intervals_json

        return read_intervals_json(file_name, data)
    raise LibraryImportError(f"{file_name} is not a workout library file: send a Zwift .zwo or an Intervals.icu folder .json.")
