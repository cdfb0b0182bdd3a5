"""A broker whose task is cancelled ends cancelled, promptly: no task swallows it."""

from __future__ import annotations

import asyncio

import nats
import pytest
from nats.aio.client import Client

from broker.natsserver import NatsServer
from broker.service import Broker

from .brokerkit import Harness


async def test_cancelled_broker_ends_cancelled(nats_server: NatsServer, nc: Client) -> None:
    """Cancelling `Broker.run` (not setting `stop`) cancels every task it owns — the
    worker, sweeper, sequencer and proof service included — within the shutdown bound,
    and the cancellation reaches the caller."""
    h = Harness(nc)
    await h.setup()
    broker_nc = await nats.connect(nats_server.url)
    try:
        broker = Broker(h.config(), h.broker_keys, broker_nc, shutdown_timeout=2.0)
        task = asyncio.create_task(broker.run(asyncio.Event()))
        async with asyncio.timeout(10):
            await broker.ready.wait()
        await asyncio.sleep(0.3)  # every task started and waiting
        task.cancel()
        async with asyncio.timeout(5):
            with pytest.raises(asyncio.CancelledError):
                await task
        assert task.cancelled()
    finally:
        await broker_nc.drain()
