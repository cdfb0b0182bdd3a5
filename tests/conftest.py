"""Shared fixtures: a real nats-server on a free loopback port with a temporary store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from broker.natsserver import NatsServer


@pytest.fixture
async def nats_server(tmp_path: Path) -> AsyncIterator[NatsServer]:
    """A nats-server with JetStream, stopped (and its store removed) after the test."""
    async with NatsServer(tmp_path / "nats") as server:
        yield server


@pytest.fixture
async def nc(nats_server: NatsServer) -> AsyncIterator[Client]:
    """A client connection to the test server, drained after the test."""
    client = await nats.connect(nats_server.url, connect_timeout=5, max_reconnect_attempts=0)
    try:
        yield client
    finally:
        await client.drain()


@pytest.fixture
def js(nc: Client) -> JetStreamContext:
    """JetStream on the test connection."""
    return nc.jetstream()
