"""A scripted fake of the Anthropic Messages API, served over real HTTP on 127.0.0.1.

Why: the anthropic SDK (v2.x) sends requests through its own ``httpx2``
transport, so respx-style mocks never see them, and patching SDK methods would
skip retries, error mapping and response parsing - the code paths an agent loop
depends on when Claude is slow, overloaded or returns tool calls.  A loopback
server exercises the real client end to end, offline and deterministically.

Responses are a FIFO queue scripted by the test (one entry per HTTP request,
retries included); every request body is recorded.  An empty queue answers 500
``fake anthropic: no scripted response left`` with ``x-should-retry: false``, so
an unexpected extra call fails the test at once instead of hanging in retries.

Usage::

    import anthropic
    from tests.fakes.anthropic_api import FakeAnthropicServer

    async def test_agent_calls_tool() -> None:
        with FakeAnthropicServer() as claude:
            claude.add_tool_use("log_workout", {"sport": "run", "minutes": 30})
            claude.add_text("Logged your 30 min run.")
            async with anthropic.AsyncAnthropic(
                base_url=claude.url, api_key="test-key", max_retries=0
            ) as client:
                ...  # run the code under test with this client
            assert claude.requests[0]["tools"][0]["name"] == "log_workout"
            assert claude.requests[1]["messages"][-1]["content"][0]["type"] == "tool_result"

Protocol notes (observed with anthropic 2.12.0): ``POST {base_url}/v1/messages``
with a JSON body, ``Authorization: Bearer <api_key>`` (this SDK version no
longer sends ``x-api-key``; both are accepted), ``anthropic-version``,
``x-stainless-retry-count`` (0, 1, ...) and ``x-stainless-timeout`` headers.

Streaming (``"stream": true``, e.g. ``client.messages.stream(...)``) is
supported: the scripted message is replayed as a standard SSE event sequence
(``message_start``, ``content_block_*`` with ``text_delta`` / ``input_json_delta``,
``message_delta``, ``message_stop``).

Realism the coach's tests can rely on: ``strict=True`` (default) rejects with a
400 ``invalid_request_error`` what the real API rejects and agent loops get
wrong - unanswered ``tool_use`` ids, orphan ``tool_result`` ids, empty text
blocks, trailing whitespace in a final assistant turn, duplicate tool names,
more than 4 ``cache_control`` breakpoints.  Token usage is estimated from the
request size (~4 characters per token) and prompt caching is simulated: a
prefix ending at a ``cache_control`` breakpoint is "written" the first time
(``cache_creation_input_tokens``) and "read" on later identical prefixes
(``cache_read_input_tokens``).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import math
import re
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.fakes._http import FakeHTTPServer, HTTPRequest, HTTPResponse

__all__ = [
    "DEFAULT_MODEL",
    "NO_SCRIPT_LEFT",
    "FakeAnthropicServer",
    "RecordedRequest",
    "ToolUse",
]

DEFAULT_MODEL = "claude-sonnet-4-5"
NO_SCRIPT_LEFT = "fake anthropic: no scripted response left"

#: Default ``error.type`` per HTTP status, as documented by Anthropic.
ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}

_DEFAULT_MESSAGES: dict[str, str] = {
    "invalid_request_error": "invalid request",
    "authentication_error": "invalid x-api-key",
    "permission_error": "Your API key does not have permission to use the specified resource.",
    "not_found_error": "The requested resource could not be found.",
    "request_too_large": "Request exceeds the maximum allowed number of bytes.",
    "rate_limit_error": "Number of request tokens has exceeded your per-minute rate limit",
    "api_error": "Internal server error",
    "timeout_error": "Request timed out",
    "overloaded_error": "Overloaded",
}

_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")


@dataclass(slots=True)
class ToolUse:
    """One tool call for :meth:`FakeAnthropicServer.add_tool_uses`."""

    name: str
    input: Mapping[str, Any]
    id: str | None = None


@dataclass(slots=True)
class RecordedRequest:
    """One HTTP exchange as the fake saw it (any path, including rejected ones)."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    status: int = 0

    @property
    def api_key(self) -> str | None:
        """The credential, from ``x-api-key`` or ``Authorization: Bearer``."""
        if "x-api-key" in self.headers:
            return self.headers["x-api-key"]
        auth = self.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return None
        return auth.removeprefix("Bearer ").strip() or None

    @property
    def retry_count(self) -> int:
        """``x-stainless-retry-count``: 0 for the first attempt, 1 for the first retry..."""
        return int(self.headers.get("x-stainless-retry-count", "0") or 0)


@dataclass(slots=True)
class _Scripted:
    kind: Literal["message", "error", "raw"]
    status: int = 200
    content: list[dict[str, Any]] = field(default_factory=list)
    stop_reason: str | None = None
    stop_sequence: str | None = None
    model: str | None = None
    usage: dict[str, Any] | None = None
    error_type: str = ""
    error_message: str = ""
    in_stream: bool = False
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0


class _InvalidRequest(Exception):
    pass


class FakeAnthropicServer(FakeHTTPServer):
    """Fake ``/v1/messages`` endpoint answering from a scripted queue.

    Args:
        api_key: if given, other credentials get 401 ``authentication_error``.
        strict: validate requests like the real API (see module docstring).
        check_tool_names: a scripted ``tool_use`` whose name is not among the
            request's ``tools`` is answered with a loud 500 instead - the real
            model cannot call a tool it was not given, so this is almost always
            a bug in the code under test (tools not sent) or in the script.
        min_cache_tokens: minimum prefix size for the cache simulation (the
            real API needs 1024-4096 tokens depending on the model; 0 keeps
            small test prompts cacheable).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        strict: bool = True,
        check_tool_names: bool = True,
        min_cache_tokens: int = 0,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.strict = strict
        self.check_tool_names = check_tool_names
        self.min_cache_tokens = min_cache_tokens
        self._lock = threading.Lock()
        self._queue: deque[_Scripted] = deque()
        self._exchanges: list[RecordedRequest] = []
        self._requests: list[dict[str, Any]] = []
        self._responses: list[dict[str, Any]] = []
        self._cache: set[str] = set()
        self._ids = itertools.count(1)

    # ===================================================================
    # Scripting
    # ===================================================================
    def add_message(
        self,
        content: Sequence[Mapping[str, Any]],
        stop_reason: str = "end_turn",
        *,
        stop_sequence: str | None = None,
        model: str | None = None,
        usage: Mapping[str, Any] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Queue a message with arbitrary content blocks (the general form of add_text/add_tool_use).

        ``model=None`` echoes the request's model; ``usage`` overrides
        individual fields of the estimated usage.
        """
        blocks = [dict(b) for b in content]
        for block in blocks:
            if block.get("type") == "tool_use" and not block.get("id"):
                block["id"] = self._new_id("toolu_fake")
        with self._lock:
            self._queue.append(
                _Scripted(
                    kind="message",
                    content=blocks,
                    stop_reason=stop_reason,
                    stop_sequence=stop_sequence,
                    model=model,
                    usage=dict(usage) if usage is not None else None,
                    delay=delay,
                )
            )

    def add_text(
        self,
        text: str,
        stop_reason: str = "end_turn",
        *,
        stop_sequence: str | None = None,
        model: str | None = None,
        usage: Mapping[str, Any] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Queue a plain text answer (``stop_reason`` may be ``max_tokens``, ``refusal``...)."""
        self.add_message(
            [{"type": "text", "text": text}],
            stop_reason,
            stop_sequence=stop_sequence,
            model=model,
            usage=usage,
            delay=delay,
        )

    def add_tool_use(
        self,
        name: str,
        input: Mapping[str, Any],
        tool_use_id: str | None = None,
        text_before: str | None = None,
        *,
        delay: float = 0.0,
    ) -> str:
        """Queue a ``stop_reason: tool_use`` answer with one tool call; returns its id."""
        return self.add_tool_uses([ToolUse(name, input, tool_use_id)], text_before=text_before, delay=delay)[
            0
        ]

    def add_tool_uses(
        self,
        uses: Sequence[ToolUse | tuple[str, Mapping[str, Any]] | Mapping[str, Any]],
        text_before: str | None = None,
        *,
        delay: float = 0.0,
    ) -> list[str]:
        """Queue one answer with several (parallel) tool calls; returns their ids in order.

        Each item is a :class:`ToolUse`, a ``(name, input)`` tuple or a
        ``{"name", "input", "id"?}`` mapping.
        """
        blocks: list[dict[str, Any]] = []
        if text_before is not None:
            blocks.append({"type": "text", "text": text_before})
        ids: list[str] = []
        for use in uses:
            if isinstance(use, ToolUse):
                name, tool_input, tool_id = use.name, use.input, use.id
            elif isinstance(use, tuple):
                name, tool_input, tool_id = use[0], use[1], None
            else:
                name, tool_input, tool_id = str(use["name"]), use.get("input", {}), use.get("id")
            tool_id = tool_id or self._new_id("toolu_fake")
            ids.append(tool_id)
            blocks.append({"type": "tool_use", "id": tool_id, "name": name, "input": dict(tool_input)})
        self.add_message(blocks, "tool_use", delay=delay)
        return ids

    def add_error(
        self,
        status: int,
        error_type: str | None = None,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        retry_after_ms: float | None = None,
        should_retry: bool | None = None,
        in_stream: bool = False,
        delay: float = 0.0,
        times: int = 1,
    ) -> None:
        """Queue ``times`` API errors: ``{"type": "error", "error": {"type", "message"}}``.

        ``error_type`` defaults from the status (429 ``rate_limit_error``, 529
        ``overloaded_error``, 500 ``api_error``, 400 ``invalid_request_error``,
        401 ``authentication_error``...).  ``retry_after`` / ``retry_after_ms``
        set the headers the SDK honours (``retry-after-ms`` wins; note the SDK
        ignores a ``retry-after`` of 0 and falls back to its 0.5-8 s backoff).
        ``should_retry`` sets ``x-should-retry``, which overrides the SDK's
        status-based retry decision.  ``in_stream=True`` delivers the error as an
        SSE ``error`` event after ``message_start`` when the request streams
        (the mid-stream "overloaded" case); non-streaming requests get it as a
        normal HTTP error.
        """
        etype = error_type or ERROR_TYPES.get(status, "api_error")
        headers: dict[str, str] = {}
        if retry_after is not None:
            headers["retry-after"] = _num(retry_after)
        if retry_after_ms is not None:
            headers["retry-after-ms"] = _num(retry_after_ms)
        if should_retry is not None:
            headers["x-should-retry"] = "true" if should_retry else "false"
        scripted = _Scripted(
            kind="error",
            status=status,
            error_type=etype,
            error_message=message or _DEFAULT_MESSAGES.get(etype, etype),
            headers=headers,
            in_stream=in_stream,
            delay=delay,
        )
        with self._lock:
            self._queue.extend(scripted for _ in range(times))

    def add_raw(
        self,
        status: int,
        body: bytes | str | Mapping[str, Any] | Sequence[Any],
        headers: Mapping[str, str] | None = None,
        *,
        content_type: str = "application/json",
        delay: float = 0.0,
    ) -> None:
        """Queue a verbatim response (malformed JSON, missing fields, HTML error pages...)."""
        if isinstance(body, bytes):
            raw = body
        elif isinstance(body, str):
            raw = body.encode()
        else:
            raw = json.dumps(body).encode()
        with self._lock:
            self._queue.append(
                _Scripted(
                    kind="raw",
                    status=status,
                    body=raw,
                    headers=dict(headers or {}),
                    content_type=content_type,
                    delay=delay,
                )
            )

    def add_delay(self, seconds: float) -> None:
        """Queue a hang: the request waits ``seconds``, then gets 504 ``timeout_error``.

        A client whose timeout is shorter raises ``APITimeoutError`` (and may
        retry, consuming the next entry); a more patient one sees a 504.  For
        a slow *successful* answer pass ``delay=`` to the other ``add_*`` methods.
        """
        self.add_error(504, "timeout_error", "fake anthropic: simulated timeout", delay=seconds)

    def clear(self) -> None:
        """Drop unconsumed scripted responses and the prompt-cache simulation."""
        with self._lock:
            self._queue.clear()
            self._cache.clear()

    # ===================================================================
    # Observing
    # ===================================================================
    @property
    def requests(self) -> list[dict[str, Any]]:
        """JSON bodies of every ``POST /v1/messages`` (model, system, messages, tools, max_tokens...)."""
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> dict[str, Any]:
        requests = self.requests
        assert requests, "no /v1/messages request was received"
        return requests[-1]

    @property
    def exchanges(self) -> list[RecordedRequest]:
        """Every HTTP request with headers and the status answered (incl. rejected ones)."""
        with self._lock:
            return list(self._exchanges)

    @property
    def responses(self) -> list[dict[str, Any]]:
        """Every successful message body returned (ids, usage...), in order."""
        with self._lock:
            return list(self._responses)

    @property
    def pending(self) -> int:
        """Scripted responses not consumed yet."""
        with self._lock:
            return len(self._queue)

    def assert_all_consumed(self) -> None:
        """Fail if the code under test made fewer calls than scripted."""
        pending = self.pending
        assert pending == 0, f"fake anthropic: {pending} scripted response(s) were never requested"

    async def wait_for_requests(self, n: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Await until ``n`` message requests arrived (for concurrent code); return them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(requests := self.requests) < n:
            if loop.time() >= deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {n} request(s); got {len(requests)}"
                )
            await asyncio.sleep(0.01)
        return requests

    # ===================================================================
    # HTTP
    # ===================================================================
    def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        body: dict[str, Any] | None = None
        parse_error: str | None = None
        if request.body:
            try:
                decoded = json.loads(request.body)
            except ValueError as exc:
                parse_error = f"There was an error parsing the body: {exc}"
            else:
                if isinstance(decoded, dict):
                    body = decoded
                else:
                    parse_error = "request body must be a JSON object"
        exchange = RecordedRequest(request.method, request.path, dict(request.headers), body)
        with self._lock:
            self._exchanges.append(exchange)
        response = self._respond(request, exchange, body, parse_error)
        exchange.status = response.status
        response.headers.setdefault("request-id", self._new_id("req_fake"))
        return response

    def internal_error(self, request: HTTPRequest, exc: Exception) -> HTTPResponse:
        """Answer in API error shape (not retried) so the SDK raises a readable error."""
        super().internal_error(request, exc)
        return _error(500, "api_error", f"fake anthropic crashed: {exc!r}", {"x-should-retry": "false"})

    def _respond(
        self,
        request: HTTPRequest,
        exchange: RecordedRequest,
        body: dict[str, Any] | None,
        parse_error: str | None,
    ) -> HTTPResponse:
        key = exchange.api_key
        if key is None:
            return _error(401, "authentication_error", "x-api-key header is required")
        if self.api_key is not None and key != self.api_key:
            return _error(401, "authentication_error", "invalid x-api-key")
        path = request.path.rstrip("/")
        if request.method != "POST" or path not in ("/v1/messages", "/v1/messages/count_tokens"):
            return _error(404, "not_found_error", f"Not found: {request.method} {request.path}")
        if parse_error is not None or body is None:
            return _error(400, "invalid_request_error", parse_error or "empty request body")
        if path == "/v1/messages/count_tokens":
            return _json(200, {"input_tokens": _estimate_request_tokens(body)})

        with self._lock:
            self._requests.append(body)
        if self.strict:
            try:
                _validate(body)
            except _InvalidRequest as exc:
                return _error(400, "invalid_request_error", str(exc))
        with self._lock:
            scripted = self._queue.popleft() if self._queue else None
        if scripted is None:
            return _error(500, "api_error", NO_SCRIPT_LEFT, {"x-should-retry": "false"})

        stream = body.get("stream") is True
        response = self._render(scripted, body, stream)
        response.delay = scripted.delay
        return response

    def _render(self, scripted: _Scripted, body: dict[str, Any], stream: bool) -> HTTPResponse:
        if scripted.kind == "raw":
            return HTTPResponse(scripted.status, scripted.body, dict(scripted.headers), scripted.content_type)
        if scripted.kind == "error" and not (stream and scripted.in_stream):
            return _error(
                scripted.status, scripted.error_type, scripted.error_message, dict(scripted.headers)
            )

        if self.check_tool_names and scripted.kind == "message":
            offered = {str(t.get("name")) for t in body.get("tools") or [] if isinstance(t, dict)}
            for block in scripted.content:
                if block.get("type") == "tool_use" and block.get("name") not in offered:
                    return _error(
                        500,
                        "api_error",
                        f"fake anthropic: scripted tool_use {block.get('name')!r} is not among the request's "
                        f"tools {sorted(offered)} (pass check_tool_names=False to allow)",
                        {"x-should-retry": "false"},
                    )

        message = self._build_message(scripted, body)
        if not stream:
            with self._lock:
                self._responses.append(message)
            return _json(200, message)
        if scripted.kind == "error":
            events = [
                ("message_start", {"type": "message_start", "message": {**message, "content": []}}),
                (
                    "error",
                    {
                        "type": "error",
                        "error": {"type": scripted.error_type, "message": scripted.error_message},
                    },
                ),
            ]
        else:
            with self._lock:
                self._responses.append(message)
            events = _stream_events(message)
        payload = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
        return HTTPResponse(200, payload.encode(), content_type="text/event-stream; charset=utf-8")

    def _build_message(self, scripted: _Scripted, body: Mapping[str, Any]) -> dict[str, Any]:
        content = [dict(b) for b in scripted.content]
        usage = self._usage(body, content)
        if scripted.usage:
            usage.update(scripted.usage)
        return {
            "id": self._new_id("msg_fake"),
            "type": "message",
            "role": "assistant",
            "model": scripted.model or str(body.get("model") or DEFAULT_MODEL),
            "content": content,
            "stop_reason": scripted.stop_reason,
            "stop_sequence": scripted.stop_sequence,
            "usage": usage,
        }

    def _usage(self, body: Mapping[str, Any], content: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Estimate usage and simulate prompt caching on ``cache_control`` breakpoints."""
        segments = _cache_segments(body)
        cumulative = list(itertools.accumulate(tokens for tokens, _ in segments))
        total = max(1, cumulative[-1] if cumulative else 0)
        breakpoints = [i for i, (_, marked) in enumerate(segments) if marked]
        model = str(body.get("model") or "")
        hashes = {i: _prefix_hash(model, body, i) for i in breakpoints}
        read = created = 0
        with self._lock:
            eligible = [i for i in breakpoints if cumulative[i] >= max(1, self.min_cache_tokens)]
            hits = [i for i in eligible if hashes[i] in self._cache]
            if hits:
                read = cumulative[max(hits)]
            if eligible and hashes[eligible[-1]] not in self._cache:
                created = cumulative[eligible[-1]] - read
            self._cache.update(hashes[i] for i in eligible)
        output = sum(_estimate_tokens(b.get("text") if b.get("type") == "text" else b) for b in content)
        return {
            "input_tokens": max(0, total - read - created),
            "output_tokens": max(1, output),
            "cache_creation_input_tokens": created,
            "cache_read_input_tokens": read,
            "cache_creation": {"ephemeral_5m_input_tokens": created, "ephemeral_1h_input_tokens": 0},
            "service_tier": "standard",
        }

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):016d}"


# ======================================================================
# Validation (a subset of what the real API enforces)
# ======================================================================
def _validate(body: Mapping[str, Any]) -> None:
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise _InvalidRequest("model: Field required")
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise _InvalidRequest("max_tokens: Field required (an integer >= 1)")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _InvalidRequest("messages: at least one message is required")
    _validate_tools(body)
    system = body.get("system")
    if isinstance(system, list):
        for k, block in enumerate(system):
            if isinstance(block, dict) and block.get("type") == "text" and not block.get("text"):
                raise _InvalidRequest(f"system.{k}.text: text content blocks must be non-empty")

    pending_tool_ids: list[str] = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise _InvalidRequest(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        blocks = _blocks(message.get("content"), f"messages.{i}")
        role = message["role"]
        result_ids = [str(b.get("tool_use_id")) for b in blocks if b.get("type") == "tool_result"]
        if pending_tool_ids:
            missing = [t for t in pending_tool_ids if t not in result_ids]
            if role != "user" or missing:
                raise _InvalidRequest(
                    f"messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                    f"{', '.join(missing or pending_tool_ids)}. Each `tool_use` block must have a corresponding "
                    "`tool_result` block in the next message."
                )
        previous_ids = set(pending_tool_ids)
        for k, block in enumerate(blocks):
            if block.get("type") == "tool_result" and str(block.get("tool_use_id")) not in previous_ids:
                raise _InvalidRequest(
                    f"messages.{i}.content.{k}: unexpected `tool_use_id` found in `tool_result` blocks: "
                    f"{block.get('tool_use_id')}. Each `tool_result` block must have a corresponding `tool_use` "
                    "block in the previous message."
                )
        pending_tool_ids = (
            [str(b.get("id")) for b in blocks if b.get("type") == "tool_use"] if role == "assistant" else []
        )
    if pending_tool_ids:
        raise _InvalidRequest(
            f"messages: `tool_use` ids were found without `tool_result` blocks immediately after: "
            f"{', '.join(pending_tool_ids)}. Each `tool_use` block must have a corresponding `tool_result` block "
            "in the next message."
        )
    last = messages[-1]
    if last.get("role") == "assistant":
        text = last.get("content")
        tail = (
            text
            if isinstance(text, str)
            else (text[-1].get("text") if text and isinstance(text[-1], dict) else None)
        )
        if isinstance(tail, str) and tail != tail.rstrip():
            raise _InvalidRequest("messages: final assistant content cannot end with trailing whitespace")

    breakpoints = sum(1 for _ in _walk_cache_control(body))
    if breakpoints > 4:
        raise _InvalidRequest(
            f"A maximum of 4 blocks with cache_control may be provided. Found {breakpoints}."
        )


def _validate_tools(body: Mapping[str, Any]) -> None:
    tools = body.get("tools")
    if tools is None:
        names: set[str] = set()
    else:
        if not isinstance(tools, list):
            raise _InvalidRequest("tools: Input should be a valid list")
        names = set()
        for k, tool in enumerate(tools):
            if not isinstance(tool, dict):
                raise _InvalidRequest(f"tools.{k}: Input should be an object")
            name = tool.get("name")
            if not isinstance(name, str) or not _TOOL_NAME.match(name):
                raise _InvalidRequest(
                    f"tools.{k}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'"
                )
            if name in names:
                raise _InvalidRequest("tools: Tool names must be unique.")
            names.add(name)
            is_custom = tool.get("type") in (None, "custom")
            schema = tool.get("input_schema")
            if is_custom and (not isinstance(schema, dict) or schema.get("type") != "object"):
                raise _InvalidRequest(f"tools.{k}.custom.input_schema.type: Input should be 'object'")
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "tool" and choice.get("name") not in names:
        raise _InvalidRequest(f"tool_choice: tool {choice.get('name')!r} not found in tools")


def _blocks(content: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        if not content:
            raise _InvalidRequest(f"{where}: user messages must have non-empty content")
        return [{"type": "text", "text": content}]
    if not isinstance(content, list) or not content:
        raise _InvalidRequest(f"{where}: all messages must have non-empty content")
    for k, block in enumerate(content):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise _InvalidRequest(f"{where}.content.{k}: Input tag not found, expected a 'type' field")
        if block["type"] == "text" and not block.get("text"):
            raise _InvalidRequest(f"{where}.content.{k}.text: text content blocks must be non-empty")
    return content


def _walk_cache_control(body: Mapping[str, Any]) -> Any:
    for tool in body.get("tools") or []:
        if isinstance(tool, dict) and tool.get("cache_control"):
            yield tool
    system = body.get("system")
    if isinstance(system, list):
        yield from (b for b in system if isinstance(b, dict) and b.get("cache_control"))
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            yield from (b for b in content if isinstance(b, dict) and b.get("cache_control"))


# ======================================================================
# Token / cache estimation
# ======================================================================
def _estimate_tokens(value: Any) -> int:
    """~4 characters per token; good enough for "were tokens/caching logged" assertions."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return math.ceil(len(text) / 4)


def _estimate_request_tokens(body: Mapping[str, Any]) -> int:
    return max(1, sum(tokens for tokens, _ in _cache_segments(body)))


def _ordered_blocks(body: Mapping[str, Any]) -> list[Any]:
    """Prompt pieces in the order the API caches them: tools, system, messages."""
    pieces: list[Any] = [tool for tool in body.get("tools") or []]
    system = body.get("system")
    if isinstance(system, str) and system:
        pieces.append(system)
    elif isinstance(system, list):
        pieces.extend(system)
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            pieces.extend({"role": message.get("role"), **b} if isinstance(b, dict) else b for b in content)
        else:
            pieces.append(
                {"role": message.get("role") if isinstance(message, dict) else None, "text": content}
            )
    return pieces


def _strip_cache_control(piece: Any) -> Any:
    if isinstance(piece, dict):
        return {k: v for k, v in piece.items() if k != "cache_control"}
    return piece


def _cache_segments(body: Mapping[str, Any]) -> list[tuple[int, bool]]:
    return [
        (_estimate_tokens(_strip_cache_control(p)), isinstance(p, dict) and bool(p.get("cache_control")))
        for p in _ordered_blocks(body)
    ]


def _prefix_hash(model: str, body: Mapping[str, Any], index: int) -> str:
    prefix = [_strip_cache_control(p) for p in _ordered_blocks(body)[: index + 1]]
    return hashlib.sha256(json.dumps([model, prefix], sort_keys=True).encode()).hexdigest()


# ======================================================================
# Responses
# ======================================================================
def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> HTTPResponse:
    return HTTPResponse(status, json.dumps(payload).encode(), dict(headers or {}))


def _error(status: int, error_type: str, message: str, headers: dict[str, str] | None = None) -> HTTPResponse:
    payload = {"type": "error", "error": {"type": error_type, "message": message}}
    return _json(status, payload, headers)


def _chunks(text: str, size: int = 16) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _stream_events(message: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    usage = dict(message["usage"])
    start_usage = {**usage, "output_tokens": 1}
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": {**message, "content": [], "stop_reason": None, "usage": start_usage}}),
        ("ping", {"type": "ping"}),
    ]  # fmt: skip
    for index, block in enumerate(message["content"]):
        if block.get("type") == "text":
            events.append(("content_block_start", {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}))  # fmt: skip
            for piece in _chunks(str(block.get("text", ""))):
                events.append(("content_block_delta", {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": piece}}))  # fmt: skip
        elif block.get("type") == "tool_use":
            start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            events.append(("content_block_start", {"type": "content_block_start", "index": index, "content_block": start}))  # fmt: skip
            for piece in _chunks(json.dumps(block.get("input", {}))):
                events.append(("content_block_delta", {"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": piece}}))  # fmt: skip
        else:
            events.append(("content_block_start", {"type": "content_block_start", "index": index, "content_block": dict(block)}))  # fmt: skip
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": message["stop_sequence"]},
                "usage": {"output_tokens": usage["output_tokens"]},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events
