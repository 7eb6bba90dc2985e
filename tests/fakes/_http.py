"""Shared plumbing for the fake HTTP servers in :mod:`tests.fakes`.

Why a real socket server instead of mocking the HTTP client: PTB talks through
``httpx`` while the anthropic SDK uses its own ``httpx2`` transport, so
transport-level mocks (respx and friends) cannot intercept both.  A tiny
``ThreadingHTTPServer`` on 127.0.0.1 works with *any* client and *any* asyncio
loop, because it lives in its own thread and never touches the loop of the
test.

This module only knows about sockets, request bodies and shutdown hygiene; the
API semantics live in :mod:`tests.fakes.telegram_api` and
:mod:`tests.fakes.anthropic_api`.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

from coach.clock import pause

__all__ = ["FakeHTTPServer", "HTTPRequest", "HTTPResponse"]


@dataclass(slots=True)
class HTTPRequest:
    """One parsed incoming request, decoupled from ``BaseHTTPRequestHandler``.

    Keeping it a plain value makes the API layers easy to unit-test and keeps
    handler-thread objects out of the recorded history.
    """

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str, default: str = "") -> str:
        """Case-insensitive header lookup (HTTP header names are case-insensitive)."""
        return self.headers.get(name.lower(), default)


@dataclass(slots=True)
class HTTPResponse:
    """What a fake wants written back; ``delay`` is slept (interruptibly) first."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0


def _stopped_within(stop: threading.Event, seconds: float) -> bool:
    """``stop.wait(seconds)`` without a threading timeout, polling with ``coach.clock.pause``:
    under ``faketime`` timed lock waits never return, and with ``FAKETIME_DONT_FAKE_MONOTONIC=1``
    ``time.sleep`` fails at once (EINVAL; a delayed answer then dropped the connection). True if
    ``stop`` was set in time."""
    deadline = time.monotonic() + seconds
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        pause(min(0.01, remaining))
    return True


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, asks the owning fake for a response, writes it.

    HTTP/1.1 keep-alive is used because both httpx and httpx2 pool
    connections; every response therefore carries a ``Content-Length``.
    """

    # Without this, Nagle's algorithm and delayed ACKs add ~40 ms to every small response.
    disable_nagle_algorithm = True


    protocol_version = "HTTP/1.1"
    # Safety net so a stuck client can never pin a handler thread forever.
    timeout = 60
    server: _TrackingServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log; tests inspect ``calls`` instead."""

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # Trailer section ends with an empty line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after each chunk
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        split = urlsplit(self.path)
        request = HTTPRequest(
            method=self.command,
            path=split.path,
            query=split.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self._read_body(),
        )
        owner = self.server.owner
        try:
            response = owner.handle_request(request)
        except Exception as exc:  # a bug in the fake: answer loudly instead of dropping the connection
            response = owner.internal_error(request, exc)
        if response.delay > 0 and _stopped_within(owner.stop_event, response.delay):
            # The fake is shutting down: drop the connection instead of answering.
            self.close_connection = True
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)
        self.wfile.flush()

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_DELETE = _serve


class _TrackingServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` that remembers its open connections.

    ``shutdown()`` only stops the accept loop; keep-alive connections (and
    long-polling ``getUpdates`` handlers) would otherwise linger in daemon
    threads after the test.  Tracking the sockets lets ``stop()`` cut them.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: FakeHTTPServer) -> None:
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up (timeouts, shutdown); report the rest."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


class FakeHTTPServer:
    """Base class: start/stop a loopback server in a background thread.

    Subclasses implement :meth:`handle_request`.  Usable as a sync or async
    context manager; starting is synchronous and fast (bind + thread start),
    so the async form merely exists for ``async with`` symmetry.
    """

    host: ClassVar[str] = "127.0.0.1"

    def __init__(self) -> None:
        self.stop_event = threading.Event()
        #: Tracebacks of exceptions raised inside the fake itself (fixtures assert it stays empty).
        self.internal_errors: list[str] = []
        self._httpd: _TrackingServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> Self:
        """Bind a random free port and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        self.stop_event.clear()
        self._httpd = _TrackingServer((self.host, 0), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, wake long-pollers/delays, cut open connections."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self.stop_event.set()
        self._on_stop()
        httpd.shutdown()
        httpd.close_all_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def _on_stop(self) -> None:
        """Hook for subclasses to wake threads blocked on their own conditions."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addressing --------------------------------------------------------
    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not started; use it as a context manager")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:43123``."""
        return f"http://{self.host}:{self.port}"

    def assert_no_internal_errors(self) -> None:
        """Fail if the fake itself crashed while answering (a fake bug, not an app bug)."""
        assert not self.internal_errors, f"{type(self).__name__} crashed:\n" + "\n".join(self.internal_errors)

    # -- to implement ------------------------------------------------------
    def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        """Turn a request into a response.  Runs in a handler thread."""
        raise NotImplementedError

    def internal_error(self, request: HTTPRequest, exc: Exception) -> HTTPResponse:
        """Record a crash of the fake and answer 500 with the reason in the body."""
        detail = "".join(traceback.format_exception(exc))
        self.internal_errors.append(f"{request.method} {request.path}: {detail}")
        body = f"{type(self).__name__} internal error: {exc!r}".encode()
        return HTTPResponse(500, body, content_type="text/plain; charset=utf-8")
