"""Fixtures for several processes sharing Redis: a reachable server (else a skip with the reason)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator

import pytest

REDIS_URL = os.environ.get("COACH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable() -> bool:
    host_port = REDIS_URL.split("://", 1)[1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port or 6379)), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
async def redis_namespace() -> AsyncIterator[str]:
    """A key namespace of this test's own in the shared Redis (deleted after)."""
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (set COACH_TEST_REDIS_URL); the in-process pacer's tests cover pacing")
    from redis.asyncio import Redis

    namespace = f"test-{uuid.uuid4().hex[:10]}"
    yield namespace
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"coach:pace:{namespace}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
