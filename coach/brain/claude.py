"""The Claude brain: a tool-use loop over the Messages API that never guesses.

What it does, and why (MISSION principles 1, 4, 5; seed 004 "failure handling"):

* **Tools decide numbers.**  The model gets the engine's tools, every ``tool_use`` block of a
  response is executed in order and answered in *one* user message with one ``tool_result`` per
  ``tool_use_id`` (the Messages API rejects a turn that leaves an id unanswered).  The loop stops
  on ``end_turn`` / ``max_tokens`` with text, or at ``max_iterations``, where the caller's
  deterministic ``fallback`` text is used instead of an unfinished answer.
* **Replies state no unreturned number.**  The final text is checked by
  :func:`coach.brain.numbers.unreturned_numbers` against the tool results, the athlete's message
  and the digest.  On a violation the model is asked *once* to restate (the offending numbers are
  named, tools stay available); if it invents again, the fallback text is returned
  (``source="fallback"``).  Seed 004: "re-prompted once with the violation named, then throws
  rather than ship a broken plan".
* **Transient vs permanent errors.**  429, 5xx, 529, timeouts and dropped connections are retried
  with exponential backoff 1 → 2 → 4 → 8 s, honouring ``retry-after-ms`` / ``retry-after``, but
  never sleeping past the reply's time budget: a ``retry-after`` longer than what is left gives
  up at once.  Everything else (400, 401/403, 404, 413, spend limit / billing, undecodable
  output) is permanent and not retried.  Either way :class:`~coach.brain.errors.BrainUnavailable`
  is raised with a sentence the athlete can be shown; the service keeps the update for a retry.
  The SDK's own retries are switched off (``max_retries=0``): it honours ``retry-after`` with no
  upper cap, so a ``retry-after: 3600`` would sleep an hour inside one request (STACK.md,
  "anthropic retries").
* **Prompt caching.**  Tools sorted by name (a stable prefix) with ``cache_control`` on the last
  one, then the static system prompt with ``cache_control``, then the athlete digest as a
  separate, uncached block - so the per-athlete, per-day part never invalidates the cached
  prefix (Anthropic docs, "Prompt caching": the cache prefix is tools → system → messages, up to
  four breakpoints).  Token usage, including cache writes and reads, is logged per call.
* **Untrusted data is fenced.**  The digest is wrapped in ``<athlete_digest>`` tags and tool
  results travel in ``tool_result`` blocks; the static prompt says text inside them is data,
  never instructions.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal, NoReturn, cast

import anthropic
import pydantic
from anthropic.types import Message
from pydantic import BaseModel, Field

from coach.brain.errors import (
    BrainUnavailable,
    FailureKind,
    PermanentBrainError,
    TransientBrainError,
    athlete_message,
)
from coach.brain.numbers import unreturned_numbers
from coach.brain.tools import Tool, ToolCall, execute_tool
from coach.package_data import PROMPTS_DIR

__all__ = [
    "BACKOFF_S",
    "PROMPTS_DIR",
    "BrainReply",
    "ClaudeBrain",
    "load_system_prompt",
]

logger = logging.getLogger(__name__)

#: Backoff between attempts of one API call (seed 004: "1 → 2 → 4 → 8 s inside the budget").
BACKOFF_S: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
_CACHE = {"type": "ephemeral"}
_SPEND_CODES = {
    "enforced_spend_limit_reached",
    "contract_spend_limit_reached",
    "linked_organization_spend_limit_reached",
    "linked_organization_billing_unavailable",
}
_PERMANENT_KINDS: dict[int, FailureKind] = {
    400: "bad_request",
    401: "auth",
    403: "auth",
    404: "not_found",
    413: "too_large",
    422: "bad_request",
}
_BILLING_TEXT = re.compile(r"spend(?:ing)? limit|credit balance|billing|payment required", re.IGNORECASE)
_DIGEST_TAG = re.compile(r"<\s*/?\s*athlete_digest\s*>", re.IGNORECASE)


@lru_cache(maxsize=8)
def load_system_prompt(version: str = "v4") -> str:
    """The static, cacheable system prompt ``prompts/system_<version>.md``.

    Versioned files (never edited in place once used) let a reply be traced to the exact prompt
    that produced it.  The file holds no dates or times: anything that changes per athlete or per
    day goes into the digest, after the cache breakpoint.
    """
    if not re.fullmatch(r"v\d+", version):
        raise ValueError(f"prompt version must look like 'v1', got {version!r}")
    path = PROMPTS_DIR / f"system_{version}.md"
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise ValueError(f"{path} is empty")
    return text


class BrainReply(BaseModel):
    """A reply ready to send, with everything needed to audit how it was produced.

    ``source``: ``model`` (first draft passed the number check), ``regenerated`` (the restated
    draft passed), ``fallback`` (the caller's deterministic text: iteration cap, refusal, empty
    answer or numbers invented twice).  ``offending_numbers``: the numbers of the last rejected
    draft (empty when the first draft was clean).
    """

    text: str
    tool_calls: list[ToolCall] = Field(default_factory=list)
    source: Literal["model", "regenerated", "fallback"]
    usage: dict[str, int] = Field(default_factory=dict)
    offending_numbers: list[str] = Field(default_factory=list)


@dataclass(slots=True)
class _Turn:
    """Per-reply state: the deadline, what the tools did and the tokens spent."""

    deadline: float
    tools: Mapping[str, Tool[Any, Any]]
    tool_calls: list[ToolCall] = field(default_factory=list)
    mutation_cache: dict[str, ToolCall] = field(default_factory=dict)
    usage: dict[str, int] = field(
        default_factory=lambda: {
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
    )

    def changed_something(self) -> bool:
        return any(call.mutates and not call.is_error for call in self.tool_calls)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """End of one tool loop: the final text, or None when the fallback must be used."""

    text: str | None
    reason: str


class ClaudeBrain:
    """Turns an athlete message into a checked reply using Claude and the engine's tools."""

    def __init__(
        self,
        client: anthropic.AsyncAnthropic,
        model: str,
        *,
        max_iterations: int = 6,
        time_budget_s: float = 25.0,
        max_tokens: int = 1024,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_iterations < 1:
            raise ValueError("max_iterations must be at least 1")
        if time_budget_s <= 0:
            raise ValueError("time_budget_s must be positive")
        # Our own retry loop owns every wait; the SDK must not sleep on its own (no cap on retry-after).
        self._client = client.with_options(max_retries=0)
        self._model = model
        self._max_iterations = max_iterations
        self._time_budget_s = time_budget_s
        self._max_tokens = max_tokens
        self._sleep = sleep
        self._monotonic = monotonic

    # ------------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------------
    async def reply(
        self,
        *,
        system: str,
        digest: str,
        history: list[dict[str, Any]],
        message: str,
        tools: Sequence[Tool[Any, Any]],
        fallback: Callable[[list[ToolCall]], str],
    ) -> BrainReply:
        """Answer ``message``; raises :class:`BrainUnavailable` instead of ever guessing.

        ``system`` is the static prompt (:func:`load_system_prompt`), ``digest`` the athlete's
        current state (data, fenced), ``history`` earlier turns as ``{"role", "content"}`` dicts,
        ``fallback`` builds deterministic text from the tool calls made.
        """
        tool_map: dict[str, Tool[Any, Any]] = {}
        for tool in tools:
            if tool.name in tool_map:
                raise ValueError(f"duplicate tool name {tool.name!r}")
            tool_map[tool.name] = tool
        turn = _Turn(deadline=self._monotonic() + self._time_budget_s, tools=tool_map)
        request = _Request(
            system=self._system_blocks(system, digest),
            tools=self._tool_definitions(tools),
            messages=[*_history_messages(history), {"role": "user", "content": message}],
        )
        try:
            return await self._reply(turn, request, digest, history, message, fallback)
        except BrainUnavailable as exc:
            exc.tool_calls = list(turn.tool_calls)
            if turn.changed_something():
                exc.message = athlete_message(exc.transient, exc.kind, changed_something=True)
                exc.args = (exc.message,)
            logger.warning("brain unavailable (%s, transient=%s): %s", exc.kind, exc.transient, exc.detail)
            raise

    # ------------------------------------------------------------------
    # The loop
    # ------------------------------------------------------------------
    async def _reply(
        self,
        turn: _Turn,
        request: _Request,
        digest: str,
        history: list[dict[str, Any]],
        message: str,
        fallback: Callable[[list[ToolCall]], str],
    ) -> BrainReply:
        first = await self._loop(turn, request)
        if first.text is None:
            return self._fallback(turn, fallback, first.reason, [])
        offending = unreturned_numbers(first.text, _sources(turn, digest, history, message))
        if not offending:
            return BrainReply(text=first.text, tool_calls=turn.tool_calls, source="model", usage=turn.usage)

        logger.info("reply stated unreturned numbers %s; asking the model to restate once", offending)
        request.messages.append({"role": "assistant", "content": [{"type": "text", "text": first.text}]})
        request.messages.append({"role": "user", "content": _restate_instruction(offending)})
        second = await self._loop(turn, request)
        if second.text is None:
            return self._fallback(turn, fallback, second.reason, offending)
        still = unreturned_numbers(second.text, _sources(turn, digest, history, message))
        if still:
            return self._fallback(turn, fallback, f"numbers invented twice: {still}", still)
        return BrainReply(
            text=second.text,
            tool_calls=turn.tool_calls,
            source="regenerated",
            usage=turn.usage,
            offending_numbers=offending,
        )

    def _fallback(
        self, turn: _Turn, fallback: Callable[[list[ToolCall]], str], reason: str, offending: list[str]
    ) -> BrainReply:
        logger.info("using the deterministic fallback reply: %s", reason)
        return BrainReply(
            text=fallback(list(turn.tool_calls)),
            tool_calls=turn.tool_calls,
            source="fallback",
            usage=turn.usage,
            offending_numbers=offending,
        )

    async def _loop(self, turn: _Turn, request: _Request) -> _Outcome:
        for iteration in range(1, self._max_iterations + 1):
            response = await self._call(turn, request)
            content = cast(list[Any], response.content)
            text = "".join(b.text for b in content if getattr(b, "type", None) == "text").strip()
            uses = [b for b in content if getattr(b, "type", None) == "tool_use"]
            if response.stop_reason == "tool_use" and uses:
                if iteration == self._max_iterations:
                    break  # its results could never be sent: run nothing more
                request.messages.append({"role": "assistant", "content": _assistant_blocks(content)})
                results = [await self._run_tool(turn, use) for use in uses]
                request.messages.append({"role": "user", "content": results})
                continue
            if response.stop_reason == "refusal":
                return _Outcome(None, "the model refused")
            if not text:
                return _Outcome(None, f"no text in the answer (stop_reason={response.stop_reason})")
            return _Outcome(text, str(response.stop_reason))
        return _Outcome(None, f"iteration cap of {self._max_iterations} reached")

    async def _run_tool(self, turn: _Turn, use: Any) -> dict[str, Any]:
        """Run one tool_use block; a repeated identical mutating call reuses the first result."""
        name = str(use.name)
        raw_input = use.input
        key = f"{name}:{json.dumps(raw_input, sort_keys=True, default=str)}"
        call = turn.mutation_cache.get(key)
        if call is None:
            call = await execute_tool(turn.tools, name, raw_input)
            turn.tool_calls.append(call)
            if call.mutates and not call.is_error:
                turn.mutation_cache[key] = call
            logger.info("tool %s -> %s", name, "error: " + (call.error or "") if call.is_error else "ok")
        else:
            logger.info("tool %s repeated with the same input; reusing the first result", name)
        result: dict[str, Any] = {
            "type": "tool_result",
            "tool_use_id": str(use.id),
            "content": call.result_text(),
        }
        if call.is_error:
            result["is_error"] = True
        return result

    # ------------------------------------------------------------------
    # One API call with retries inside the budget
    # ------------------------------------------------------------------
    async def _call(self, turn: _Turn, request: _Request) -> Message:
        attempt = 0
        failure: BrainUnavailable
        delay: float | None
        cause: Exception
        while True:
            remaining = turn.deadline - self._monotonic()
            if remaining <= 0:
                raise TransientBrainError(kind="budget_exhausted", detail="time budget used up")
            try:
                response = await self._client.messages.create(
                    model=self._model,
                    max_tokens=self._max_tokens,
                    system=cast(Any, request.system),
                    messages=cast(Any, request.messages),
                    tools=cast(Any, request.tools) if request.tools else anthropic.omit,
                    timeout=remaining,
                )
            except anthropic.APIStatusError as exc:
                failure, delay, cause = _classify_status(exc), _retry_after(exc.response.headers), exc
            except anthropic.APIConnectionError as exc:  # includes APITimeoutError
                kind: FailureKind = "timeout" if isinstance(exc, anthropic.APITimeoutError) else "connection"
                failure, delay, cause = TransientBrainError(kind=kind, detail=str(exc)), None, exc
            except (anthropic.APIResponseValidationError, pydantic.ValidationError, ValueError) as exc:
                # a 200 whose body is not JSON raises a bare json.JSONDecodeError (a ValueError)
                raise PermanentBrainError(kind="bad_output", detail=f"undecodable response: {exc!r}") from exc
            except anthropic.APIError as exc:
                raise PermanentBrainError(kind="unknown", detail=repr(exc)) from exc
            else:
                return self._accept(turn, response)

            if not failure.transient:
                raise failure from cause
            if attempt >= len(BACKOFF_S):
                raise _gave_up(failure, f"after {attempt + 1} attempts") from cause
            wait = BACKOFF_S[attempt] if delay is None else delay
            remaining = turn.deadline - self._monotonic()
            if wait >= remaining:
                raise _gave_up(
                    failure, f"next try in {wait:g}s, only {max(remaining, 0):.1f}s left"
                ) from cause
            attempt += 1
            logger.warning(
                "transient %s (%s); retry %d in %.2fs", failure.kind, failure.detail, attempt, wait
            )
            await self._sleep(wait)

    def _accept(self, turn: _Turn, response: object) -> Message:
        """Guard the parsed response: the SDK hands back a str for non-JSON content types and a
        Message with ``content=None`` for a JSON body missing fields - both are bad output."""
        if not isinstance(response, Message):
            _bad_output(f"response is {type(response).__name__}, not a Message")
        if not isinstance(response.content, list):
            _bad_output("response has no content list")
        for block in cast(list[Any], response.content):
            block_type = getattr(block, "type", None)
            if block_type == "tool_use" and not (getattr(block, "id", None) and getattr(block, "name", None)):
                _bad_output("tool_use block without id or name")
            if block_type is None:
                _bad_output("content block without a type")
        usage = response.usage
        counts = {
            "input_tokens": getattr(usage, "input_tokens", 0) or 0,
            "output_tokens": getattr(usage, "output_tokens", 0) or 0,
            "cache_creation_input_tokens": getattr(usage, "cache_creation_input_tokens", 0) or 0,
            "cache_read_input_tokens": getattr(usage, "cache_read_input_tokens", 0) or 0,
        }
        for key, value in counts.items():
            turn.usage[key] += int(value)
        logger.info(
            "claude call model=%s stop=%s input_tokens=%d output_tokens=%d "
            "cache_creation_input_tokens=%d cache_read_input_tokens=%d",
            response.model or self._model,
            response.stop_reason,
            counts["input_tokens"],
            counts["output_tokens"],
            counts["cache_creation_input_tokens"],
            counts["cache_read_input_tokens"],
        )
        return response

    # ------------------------------------------------------------------
    # Request pieces
    # ------------------------------------------------------------------
    @staticmethod
    def _system_blocks(system: str, digest: str) -> list[dict[str, Any]]:
        static = system.strip()
        if not static:
            raise ValueError("the static system prompt is empty")
        fenced = _DIGEST_TAG.sub("[athlete_digest]", digest.strip()) or "(nothing recorded yet)"
        return [
            {"type": "text", "text": static, "cache_control": dict(_CACHE)},
            {"type": "text", "text": f"<athlete_digest>\n{fenced}\n</athlete_digest>"},
        ]

    @staticmethod
    def _tool_definitions(tools: Sequence[Tool[Any, Any]]) -> list[dict[str, Any]]:
        definitions = [tool.definition() for tool in sorted(tools, key=lambda t: t.name)]
        if definitions:
            definitions[-1] = {**definitions[-1], "cache_control": dict(_CACHE)}
        return definitions


@dataclass(slots=True)
class _Request:
    system: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    messages: list[dict[str, Any]]


# ======================================================================
# Helpers
# ======================================================================
def _history_messages(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Earlier turns as API messages: empty turns dropped, leading assistant turns dropped
    (the conversation sent must start with the athlete), text stripped of trailing whitespace."""
    messages: list[dict[str, Any]] = []
    for item in history:
        role = item.get("role")
        content = item.get("content")
        if role not in ("user", "assistant") or not isinstance(content, str) or not content.strip():
            continue
        if not messages and role == "assistant":
            continue
        messages.append({"role": role, "content": content.rstrip()})
    return messages


def _assistant_blocks(content: list[Any]) -> list[dict[str, Any]]:
    """The assistant turn to send back: every block as returned, minus empty text blocks."""
    blocks: list[dict[str, Any]] = []
    for block in content:
        if block.type == "text":
            if block.text.strip():
                blocks.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            blocks.append({"type": "tool_use", "id": block.id, "name": block.name, "input": block.input})
        else:  # thinking and other blocks must be passed back unchanged
            blocks.append(block.model_dump(exclude_none=True))
    return blocks


def _sources(turn: _Turn, digest: str, history: list[dict[str, Any]], message: str) -> list[str]:
    """What a reply's numbers may come from: tool results, the athlete's words, the digest."""
    sources = [call.result_text() for call in turn.tool_calls]
    sources.append(message)
    sources.append(digest)
    sources.extend(
        str(item.get("content"))
        for item in history
        if item.get("role") == "user" and isinstance(item.get("content"), str)
    )
    return sources


def _restate_instruction(offending: list[str]) -> str:
    named = ", ".join(f'"{n}"' for n in offending)
    return (
        f"Your reply stated numbers that no tool returned: {named}. Restate your reply using only "
        "numbers that appear in the tool results, the athlete's message or the athlete digest. "
        "Call a tool if you need a number; if no tool gives it, say you don't know yet. Write small "
        "counts as words. Reply with the restated message only."
    )


def _classify_status(exc: anthropic.APIStatusError) -> BrainUnavailable:
    """Transient or permanent, from the status, the error code and ``x-should-retry``."""
    status = exc.status_code
    detail = f"HTTP {status}: {exc.api_message or exc.message}"
    text = f"{exc.api_message or ''} {exc.message}"
    if isinstance(exc, anthropic.PaymentRequiredError) or exc.error_code in _SPEND_CODES:
        return PermanentBrainError(kind="billing", detail=detail)
    if status in (400, 402, 403, 429) and _BILLING_TEXT.search(text):
        return PermanentBrainError(kind="billing", detail=detail)
    should_retry = (exc.response.headers.get("x-should-retry") or "").lower()
    transient_kind: FailureKind | None = None
    if status == 429:
        transient_kind = "rate_limited"
    elif status == 529:
        transient_kind = "overloaded"
    elif status in (408, 504):
        transient_kind = "timeout"
    elif status >= 500 or status == 409:
        transient_kind = "server_error"
    if transient_kind is not None and should_retry != "false":
        return TransientBrainError(kind=transient_kind, detail=detail)
    permanent_kind = _PERMANENT_KINDS.get(status, "unknown")
    return PermanentBrainError(kind=permanent_kind, detail=detail)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` (wins) or ``retry-after`` (seconds or HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(float(raw_ms) / 1000.0, 0.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _gave_up(failure: BrainUnavailable, why: str) -> TransientBrainError:
    return TransientBrainError(kind=failure.kind, detail=f"{failure.detail}; gave up {why}")


def _bad_output(detail: str) -> NoReturn:
    raise PermanentBrainError(kind="bad_output", detail=detail)
