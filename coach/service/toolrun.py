"""The tool surface as a public contract: list the tools and run one call outside any chat.

``coach tools --json`` prints exactly what Claude receives (name, description, input JSON
Schema); ``coach tool NAME --athlete A --input JSON`` runs one call in that athlete's turn, as
the model would, through the same validation and the same engine. Scripts, coaches'
automations and tests drive every change this way, without language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coach.brain.tools import Tool, ToolCall, execute_tool
from coach.service.context import Ctx, UserError
from coach.service.tools import CoachTools

if TYPE_CHECKING:
    # CoachTools takes a CoachService; Service (coach/service/protocol.py) once it takes that
    from coach.service.protocol import Service as CoachService

APPLIED, REFUSED, BAD_INPUT = 0, 1, 2
"""The outcome of one call, also ``coach tool``'s exit code."""


def tool_definitions() -> list[dict[str, Any]]:
    """Every tool as the Messages API receives it, sorted by name (as the Claude brain sends them)."""
    tools: list[Tool[Any, Any]] = CoachTools(None, None).tools()  # type: ignore[arg-type]  # definitions only
    return [tool.definition() for tool in sorted(tools, key=lambda t: t.name)]


@dataclass(frozen=True)
class ToolRun:
    call: ToolCall
    outcome: int

    def document(self) -> dict[str, Any]:
        if self.call.is_error:
            return {"tool": self.call.name, "ok": False, "error": self.call.error}
        return {"tool": self.call.name, "ok": self.outcome == APPLIED, "result": self.call.output}


class _Refused(Exception):
    """Rolls the turn's transaction back: a refused or malformed call changes nothing."""


def outcome_of(call: ToolCall) -> int:
    if call.is_error:
        error = call.error or ""
        return BAD_INPUT if error.startswith(("invalid input for tool", "unknown tool")) else REFUSED
    if call.output is not None and call.output.get("accepted") is False:
        return REFUSED
    return APPLIED


async def run_tool(service: CoachService, athlete_name: str, name: str, tool_input: Any) -> ToolRun:
    """One tool call in ``athlete_name``'s turn: committed when applied, rolled back otherwise."""
    from coach.store import repo

    result: ToolRun | None = None
    try:
        async with service.db.transaction() as s:
            athlete = await repo.athlete_by_name(s, athlete_name)
            if athlete is None:
                raise UserError(f"There is no athlete called {athlete_name!r}.")
            ctx = Ctx(s, athlete, service.clock.today(athlete.time_zone))
            tools = {t.name: t for t in CoachTools(service, ctx).tools()}
            call = await execute_tool(tools, name, tool_input)
            result = ToolRun(call, outcome_of(call))
            if result.outcome != APPLIED:
                raise _Refused
    except _Refused:
        pass
    assert result is not None
    return result
