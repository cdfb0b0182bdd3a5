"""A pull loop ends when it is cancelled, even when the cancellation arrives as a
message does (nats-py's fetch loses it on Python 3.11: `schemas.jsfetch`).

The same loop over nats-py's bare `fetch`, cancelled 200 times this way in a standalone
run, kept running after 19 of its cancellations."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from schemas import jsfetch

Fetch = Callable[[JetStreamContext.PullSubscription], Awaitable[list[Msg]]]


@contextlib.asynccontextmanager
async def flowing(js: JetStreamContext) -> AsyncIterator[JetStreamContext.PullSubscription]:
    """A pull consumer whose stream receives a message every millisecond or so."""
    await js.add_stream(StreamConfig(name="FLOW", subjects=["flow.>"]))
    await js.add_consumer("FLOW", ConsumerConfig(durable_name="c", ack_policy=AckPolicy.EXPLICIT))
    sub = await js.pull_subscribe_bind(durable="c", stream="FLOW")
    rng = random.Random(7)  # noqa: S311  (timing, not secrets)

    async def publish() -> None:
        while True:
            await js.publish("flow.x", b"m")
            await asyncio.sleep(rng.random() * 0.002)

    publisher = asyncio.create_task(publish())
    try:
        yield sub
    finally:
        publisher.cancel()
        await asyncio.gather(publisher, return_exceptions=True)
        await sub.unsubscribe()  # its lingering pull requests would hold the drain


async def lost_cancellations(
    sub: JetStreamContext.PullSubscription, fetch: Fetch, rounds: int, *, stop_at: int
) -> int:
    """Start a pull loop, cancel it a few milliseconds later, `rounds` times; count the
    loops still running half a second after their cancellation (stopping at `stop_at`)."""
    rng = random.Random(11)  # noqa: S311  (timing, not secrets)
    lost = 0

    async def loop() -> None:
        while True:
            try:
                msgs = await fetch(sub)
            except TimeoutError:
                continue
            for m in msgs:
                await m.ack()

    for _ in range(rounds):
        task = asyncio.create_task(loop())
        await asyncio.sleep(rng.random() * 0.02)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=0.5)
        if not done:
            lost += 1
            # It ignored its cancellation: ask again for a while; a loop that still runs
            # is left to end when the test's connection closes.
            for _ in range(200):
                if task.done():
                    break
                task.cancel()
                await asyncio.sleep(0.01)
            if lost >= stop_at:
                break
    return lost


async def test_cancelled_pull_loop_always_ends(js: JetStreamContext) -> None:
    """Cancelled 300 times at random moments while messages flow, a loop over
    `jsfetch.fetch` ends within half a second every time."""
    async with flowing(js) as sub:
        lost = await lost_cancellations(
            sub, lambda s: jsfetch.fetch(s, 32, wait=1.0), 300, stop_at=1
        )
    assert lost == 0
