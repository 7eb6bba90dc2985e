"""A ``.zwo`` (or Intervals.icu folder ``.json``) sent in the chat goes into the athlete's library."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coach.library import LibraryImportError, read_library_file
from coach.library.store import save_workouts
from coach.service.types import Reply

if TYPE_CHECKING:
    from coach.service.service import Ctx

LIBRARY_SUFFIXES = (".zwo", ".json")


def is_library_file(file_name: str) -> bool:
    return file_name.lower().endswith(LIBRARY_SUFFIXES)


async def import_document(ctx: Ctx, file_name: str, data: bytes) -> list[Reply]:
    """Read the file into the library; a bad file gets a clear sentence and nothing is stored."""
    try:
        workouts, skipped = read_library_file(file_name, data)
    except LibraryImportError as error:
        return [Reply(f"I couldn't add {file_name} to your workout library: {error} Nothing was saved.")]
    if not workouts:
        return [Reply(f"I found no workouts with steps in {file_name}. Nothing was saved.")]
    added, updated = await save_workouts(ctx.session, ctx.athlete.id, workouts)
    names = ", ".join(w.name for w in workouts[:5]) + (" …" if len(workouts) > 5 else "")
    text = f"Added to your workout library: {names} ({added} new, {updated} updated)."
    if skipped:
        text += f"\nLeft out {len(skipped)}: {'; '.join(skipped[:3])}."
    from coach.engine import load_rules
    from coach.library.use import refresh_active_plan, uses_text

    uses = await refresh_active_plan(ctx.session, ctx.athlete, load_rules(), ctx.today)
    if uses:
        text += "\n" + uses_text(uses)
    return [Reply(text)]
