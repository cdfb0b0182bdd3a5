"""The gateway's outbox: a sealed envelope is stored before it is published.

A send through the API seals the message, commits the sealed bytes to the message store
and only then publishes them. If JetStream does not acknowledge the publish in time, the
caller is told the message is queued (HTTP 202) and this outbox publishes the same bytes
again with `Endpoint.resend` — after a reconnect, or after a restart, since the queue
is the store — until JetStream acknowledges them. Every publish carries the message id
as `Nats-Msg-Id`, exactly as `Endpoint.send` does, so a copy the client had buffered
and delivered anyway is dropped by JetStream's duplicate window, and the broker's
seen-set treats the same envelope bytes as a redelivery after it. A retry therefore
never makes a second message; only a new send does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Final

import structlog

from schemas.envelope import Sealed, envelope_hash
from schemas.kinds import Message

from .endpoint import Endpoint
from .errors import SendFailed
from .gateway_store import MessageStore

__all__ = ["Outbox"]

log = structlog.get_logger(__name__)

RETRY_BASE: Final = 0.5
RETRY_MAX: Final = 30.0
IDLE_POLL: Final = 60.0
"""Longest sleep with an empty outbox; a queued send wakes it at once."""


class Outbox:
    """Publishes what the store holds as unacknowledged (module docstring).

    The endpoint's `publish_timeout` bounds how long an API call waits for JetStream
    before answering "queued"; `clock` (ms) is a seam for tests.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        store: MessageStore,
        *,
        clock: Callable[[], int],
    ) -> None:
        self._endpoint = endpoint
        self._store = store
        self._clock = clock
        self._wake = asyncio.Event()
        self._backlog = False
        """The last pass failed: the outbox holds envelopes JetStream has not taken."""

    async def dispatch(self, sealed: Sealed, body: Message) -> bool:
        """Publish a sealed message already committed to the store; True once JetStream
        acknowledged it, False if it stays queued for `run` to publish."""
        self._endpoint.record_sent(sealed, body)
        if await self._publish(sealed):
            if self._backlog:
                # JetStream answers again: what waits in the outbox goes now, ahead of
                # newer sends, instead of at the end of its back-off.
                self._wake.set()
            return True
        self._wake.set()
        return False

    async def _publish(self, sealed: Sealed) -> bool:
        message_id = sealed.binding.message_id.hex()
        try:
            await self._endpoint.resend(sealed)
        except SendFailed as exc:
            log.info("outbox_publish_failed", message_id=message_id, error=type(exc).__name__)
            return False
        self._store.published(message_id, self._clock())
        return True

    async def _pass(self) -> int | None:
        """Publish a page of the outbox in order, stopping at the first failure: how
        many went out, or None if one did not."""
        pending = self._store.outbox()
        for item in pending:
            sealed = Sealed(item.envelope, item.binding, envelope_hash(item.envelope))
            if not await self._publish(sealed):
                return None
            log.info("outbox_published", message_id=item.message_id)
        return len(pending)

    async def run(self) -> None:
        """Publish queued envelopes, oldest first, for ever (the gateway cancels it at
        shutdown: the store, not this task, holds what is still to be sent); back off
        while JetStream does not answer.

        The back-off grows with the time JetStream has not answered, not with the
        number of sends meanwhile: a pass a new send woke that fails again keeps the
        wait as it was, or a burst of sends during a short outage would put the queue
        off for the longest wait."""
        failures = 0
        woken = False
        while True:
            self._wake.clear()
            try:
                published = await self._pass()
            except Exception as exc:  # the disk: retry later, never stop the gateway
                log.error("outbox_failed", error=type(exc).__name__)
                published = None
            self._backlog = published is None
            if published is None:
                if not woken or failures == 0:
                    failures += 1
                wait = min(RETRY_MAX, RETRY_BASE * 2 ** min(failures - 1, 6))
            else:
                failures = 0
                if published:
                    continue  # a page went out: look for more at once
                wait = IDLE_POLL
            try:
                await asyncio.wait_for(self._wake.wait(), wait)
                woken = True
            except TimeoutError:
                woken = False
