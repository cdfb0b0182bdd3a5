"""A broker whose task is cancelled ends cancelled, promptly: no task swallows it."""

from __future__ import annotations

import asyncio

import nats
import pytest
from nats.aio.client import Client

from broker.natsserver import NatsServer
from broker.service import Broker, _or_stop

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


async def test_a_failed_task_stops_the_others_even_after_a_lost_cancellation() -> None:
    """When one broker task fails, `stop` is set before the task group cancels the
    rest, so a loop whose cancellation was lost (as nats-py's `wait_for` can lose one
    on Python 3.11) still ends by its own `stop` check instead of hanging shutdown."""
    stop = asyncio.Event()
    lost = 0

    async def loop_that_loses_one_cancellation() -> None:
        nonlocal lost
        while not stop.is_set():
            try:
                await stop.wait()
            except asyncio.CancelledError:
                if lost:
                    raise
                lost += 1  # the first cancellation goes missing

    async def failing() -> None:
        await asyncio.sleep(0.05)
        raise ValueError("ops port taken")

    async def run_both() -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(_or_stop(loop_that_loses_one_cancellation(), stop))
            group.create_task(_or_stop(failing(), stop))

    both = asyncio.ensure_future(run_both())
    done, _ = await asyncio.wait({both}, timeout=2)
    if not done:
        stop.set()  # release the stuck loop so that the test itself ends
        await asyncio.gather(both, return_exceptions=True)
        pytest.fail("a failed task left a loop that lost its cancellation running")
    with pytest.raises(ExceptionGroup) as caught:
        both.result()
    assert [type(e) for e in caught.value.exceptions] == [ValueError]
    assert stop.is_set()
