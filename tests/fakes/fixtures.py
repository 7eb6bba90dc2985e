"""pytest fixtures for the loopback fakes; import them into ``tests/conftest.py``::

    from tests.fakes.fixtures import anthropic_server, telegram_server  # noqa: F401

Why fixtures and not ad-hoc servers: they guarantee the server thread and all
its sockets are torn down after each test (``filterwarnings = error`` turns
stray resources into failures) and give every test a fresh, isolated script.
On teardown they fail the test if the fake itself crashed
(``internal_errors``), so a fake bug never masquerades as an app bug.
They are plain sync fixtures, so they work in sync and ``async def`` tests and
with any event-loop scope.

Extra helpers for PTB-based tests:

* ``ptb_app`` - an ``Application`` already pointed at ``telegram_server``
  (token :data:`~tests.fakes.telegram_api.DEFAULT_TOKEN`), *not* initialized;
  add handlers, then ``async with polling(ptb_app): ...``.
* ``anthropic_client`` - an ``AsyncAnthropic`` on ``anthropic_server`` with
  ``max_retries=0`` (scripted errors surface at once) and a 10 s timeout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anthropic
import pytest
from telegram.ext import Application, ApplicationBuilder

from tests.fakes.anthropic_api import FakeAnthropicServer
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramServer

__all__ = ["anthropic_client", "anthropic_server", "ptb_app", "telegram_server"]


@pytest.fixture
def telegram_server() -> Iterator[FakeTelegramServer]:
    """A started :class:`FakeTelegramServer` accepting any token."""
    with FakeTelegramServer() as server:
        yield server
    server.assert_no_internal_errors()


@pytest.fixture
def anthropic_server() -> Iterator[FakeAnthropicServer]:
    """A started :class:`FakeAnthropicServer` with an empty script."""
    with FakeAnthropicServer() as server:
        yield server
    server.assert_no_internal_errors()


@pytest.fixture
def ptb_app(telegram_server: FakeTelegramServer) -> Application[Any, Any, Any, Any, Any, Any]:
    """A PTB Application wired to the fake (built, not initialized)."""
    return (
        ApplicationBuilder()
        .token(DEFAULT_TOKEN)
        .base_url(telegram_server.bot_base_url)
        .base_file_url(telegram_server.file_base_url)
        .build()
    )


@pytest.fixture
async def anthropic_client(anthropic_server: FakeAnthropicServer) -> AsyncIterator[anthropic.AsyncAnthropic]:
    """An ``AsyncAnthropic`` client on the fake; closed after the test."""
    async with anthropic.AsyncAnthropic(
        base_url=anthropic_server.url, api_key="test-key", max_retries=0, timeout=10.0
    ) as client:
        yield client
