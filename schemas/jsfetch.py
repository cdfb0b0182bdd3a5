"""Pulling from a JetStream consumer without losing a cancellation.

nats-py 2.16 fetches each message through `asyncio.wait_for`, and on Python 3.11
`wait_for` can swallow a cancellation that arrives as its awaitable completes (CPython
gh-86296, fixed in 3.12): the fetch then returns its messages, or raises its timeout,
and the task that was cancelled runs on. An inbox loop cancelled that way never ends
(seen: a client's `events()` loop still fetching after it was cancelled, its owner
waiting on it for ever). `fetch` and `next_msg` here raise the cancellation once nats-py
returns: the messages fetched are nak'ed, so they come back at once, not after
`ack_wait`.
"""

from __future__ import annotations

import asyncio

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

__all__ = ["fetch", "next_msg"]


async def fetch(sub: JetStreamContext.PullSubscription, batch: int, *, wait: float) -> list[Msg]:
    """`sub.fetch(batch, timeout=wait)`, raising a cancellation nats-py swallowed."""
    try:
        msgs = await sub.fetch(batch, timeout=wait)
    except TimeoutError:
        _raise_if_cancelled()
        raise
    if _cancel_requested():
        await asyncio.gather(*(m.nak() for m in msgs), return_exceptions=True)
        raise asyncio.CancelledError
    return msgs


async def next_msg(sub: Subscription, *, wait: float) -> Msg:
    """`sub.next_msg(timeout=wait)`, raising a cancellation nats-py swallowed."""
    try:
        msg = await sub.next_msg(timeout=wait)
    except TimeoutError:
        _raise_if_cancelled()
        raise
    _raise_if_cancelled()
    return msg


def _cancel_requested() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _raise_if_cancelled() -> None:
    if _cancel_requested():
        raise asyncio.CancelledError
