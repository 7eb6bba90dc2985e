"""The tool protocol between the language model and the deterministic engine.

Why tools: MISSION principle 1 - *the engine decides numbers; the language model reasons and
explains.*  Every number the coach states must come back from a tool (the engine, the store,
the memory), so each capability the model may use is a :class:`Tool` with a pydantic input
model (validated before anything runs: the model's arguments are untrusted) and a pydantic
output model (serialised to JSON for the ``tool_result`` block, and later used as a *source*
by :mod:`coach.brain.numbers` to check that the reply invents no number).

How failures are reported back to the model (one ``tool_result`` with ``is_error: true``, so
the loop continues and the model can correct itself - see the Messages API tool-use guide,
"Handling tool use and tool result content blocks"):

* :class:`~coach.brain.errors.ToolError` - a deliberate refusal (a guardrail); its message is
  relayed verbatim.
* ``pydantic.ValidationError`` on the input - the model sent malformed arguments; the message
  lists each bad field so it can retry.
* an unknown tool name - ``unknown tool X``.
* anything else - ``internal error`` (details are logged with the traceback, never sent).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from coach.brain.errors import ToolError

__all__ = ["Tool", "ToolCall", "ToolError", "execute_tool", "format_validation_error"]

logger = logging.getLogger(__name__)

I = TypeVar("I", bound=BaseModel)  # noqa: E741 - the protocol's documented name
O = TypeVar("O", bound=BaseModel)  # noqa: E741


@dataclass(frozen=True, slots=True)
class Tool(Generic[I, O]):
    """One capability offered to the model.

    ``mutates`` marks tools that change state (report fatigue, move a session).  The brain runs a
    successful mutating call at most once per reply for identical input: if the model repeats it
    (e.g. while restating a reply) the first result is reused, so nothing is applied twice
    (MISSION principle 4).
    """

    name: str
    description: str
    input_model: type[I]
    output_model: type[O]
    run: Callable[[I], Awaitable[O]]
    mutates: bool = False

    def definition(self) -> dict[str, Any]:
        """The tool as the Messages API expects it (``name``, ``description``, ``input_schema``)."""
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": input_schema(self.input_model),
        }


@lru_cache(maxsize=256)
def _schema_json(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema())


def input_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON Schema, built once per model (20 ms for the whole tool list, every turn, before)."""
    schema: dict[str, Any] = json.loads(_schema_json(model))  # a fresh copy: callers may change it
    return schema


class ToolCall(BaseModel):
    """What one tool call did: the record kept for the reply, the fallback and the audit log."""

    name: str
    input: dict[str, Any]
    output: dict[str, Any] | None = None
    is_error: bool = False
    error: str | None = None
    mutates: bool = False

    def result_text(self) -> str:
        """The ``tool_result`` content: the output as JSON, or the error message."""
        if self.is_error:
            return self.error or "error"
        return json.dumps(self.output, ensure_ascii=False, sort_keys=True)


def format_validation_error(tool_name: str, exc: ValidationError) -> str:
    """A message the model can act on: every bad field with its problem."""
    problems = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(part) for part in err.get("loc", ())) or "(input)"
        problems.append(f"{where}: {err.get('msg', 'invalid')}")
    return f"invalid input for tool {tool_name}: " + "; ".join(problems)


async def execute_tool(tools: Mapping[str, Tool[Any, Any]], name: str, raw_input: Any) -> ToolCall:
    """Validate the input, run the tool, and turn every failure into an ``is_error`` ToolCall.

    Never raises (except on cancellation): one bad tool must not kill the reply, and the model
    is told what went wrong so it can recover or say "I don't know yet".
    """
    tool_input: dict[str, Any] = dict(raw_input) if isinstance(raw_input, Mapping) else {}
    tool = tools.get(name)
    if tool is None:
        return ToolCall(name=name, input=tool_input, is_error=True, error=f"unknown tool {name}")
    if not isinstance(raw_input, Mapping):
        return ToolCall(
            name=name,
            input=tool_input,
            is_error=True,
            error=f"invalid input for tool {name}: (input): expected a JSON object",
            mutates=tool.mutates,
        )
    try:
        parsed = tool.input_model.model_validate(tool_input)
    except ValidationError as exc:
        return ToolCall(
            name=name,
            input=tool_input,
            is_error=True,
            error=format_validation_error(name, exc),
            mutates=tool.mutates,
        )
    try:
        result = await tool.run(parsed)
        if not isinstance(result, tool.output_model):
            result = tool.output_model.model_validate(result)
        output = result.model_dump(mode="json")
    except ToolError as exc:
        return ToolCall(name=name, input=tool_input, is_error=True, error=exc.message, mutates=tool.mutates)
    except Exception:  # any bug in a tool: logged with traceback, not leaked to the model
        logger.exception("tool %s failed with input %r", name, tool_input)
        return ToolCall(
            name=name, input=tool_input, is_error=True, error="internal error", mutates=tool.mutates
        )
    return ToolCall(name=name, input=tool_input, output=output, mutates=tool.mutates)
