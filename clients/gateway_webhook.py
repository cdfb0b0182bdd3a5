"""Push of received messages to the national system's webhook.

Each unacknowledged received message is POSTed as a `WebhookPayload` with
``X-Palermo-Timestamp: <unix seconds>``, ``X-Palermo-Message-Id: <hex id>`` and
``X-Palermo-Signature: sha256=<hex HMAC-SHA256(secret, timestamp "." message id "." body)>``,
so the receiver can check origin and freshness, and the id it de-duplicates on is signed
too: a relay that rewrote the id header could otherwise make one message pass twice, or
hide a new one as a duplicate of an old one. A 2xx answer acknowledges the message;
anything else (or no answer) schedules another attempt after an exponentially growing,
fully jittered delay capped at `retry_max`. Attempts never stop: the state lives in the
message store, so retries carry on across restarts until the webhook takes the message
or the system acknowledges it through the API.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import random
from collections.abc import Callable
from typing import Final

import aiohttp
import msgspec
import structlog

from schemas.envelope import now_ms

from .gateway_config import WebhookConfig
from .gateway_schema import StoredMessage, WebhookPayload
from .gateway_store import MessageStore

__all__ = ["MESSAGE_HEADER", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "WebhookPusher", "sign"]

log = structlog.get_logger(__name__)

SIGNATURE_HEADER: Final = "X-Palermo-Signature"
TIMESTAMP_HEADER: Final = "X-Palermo-Timestamp"
MESSAGE_HEADER: Final = "X-Palermo-Message-Id"
IDLE_POLL: Final = 30.0
"""Longest sleep with nothing due; new messages wake the pusher at once."""


def sign(secret: str, timestamp: str, message_id: str, body: bytes) -> str:
    """The signature header value for `body` about `message_id` (the id header), sent at
    `timestamp` (unix seconds)."""
    signed = timestamp.encode() + b"." + message_id.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


class WebhookPusher:
    """Pushes unacknowledged received messages until each is taken (module docstring).

    `wake` is set by whoever stores a new message. `clock` (ms) and `jitter` (a
    fraction in [0, 1)) are seams for tests with real defaults.
    """

    def __init__(
        self,
        config: WebhookConfig,
        store: MessageStore,
        *,
        clock: Callable[[], int] = now_ms,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if not config.url or not config.secret:
            raise ValueError("the webhook pusher needs a URL and a secret")
        self._url = config.url
        self._secret = config.secret
        self._config = config
        self._store = store
        self._clock = clock
        self._jitter = jitter
        self.wake = asyncio.Event()
        self._encoder = msgspec.json.Encoder()

    def delay(self, attempts: int) -> float:
        """Seconds before attempt `attempts + 1`: full jitter over base·2^(attempts-1),
        never more than `retry_max`, never less than a tenth of `retry_base`."""
        ceiling = min(
            self._config.retry_max, math.ldexp(self._config.retry_base, min(attempts - 1, 30))
        )
        return max(self._config.retry_base / 10, ceiling * self._jitter())

    async def run(self, stop: asyncio.Event) -> None:
        """Push until `stop` is set."""
        timeout = aiohttp.ClientTimeout(total=self._config.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not stop.is_set():
                self.wake.clear()
                for message, attempts in self._store.due(self._clock()):
                    if stop.is_set():
                        return
                    await self._push(session, message, attempts + 1)
                await self._sleep(stop)

    async def _sleep(self, stop: asyncio.Event) -> None:
        due = self._store.next_due_ms()
        wait = IDLE_POLL if due is None else max(0.0, (due - self._clock()) / 1000)
        if wait <= 0:
            return
        waiters = [asyncio.ensure_future(self.wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=min(wait, IDLE_POLL), return_when="FIRST_COMPLETED")
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)

    async def _push(
        self, session: aiohttp.ClientSession, message: StoredMessage, attempt: int
    ) -> None:
        body = self._encoder.encode(
            WebhookPayload(event="message.received", delivery_attempt=attempt, message=message)
        )
        timestamp = str(self._clock() // 1000)
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, message.message_id, body),
            MESSAGE_HEADER: message.message_id,
        }
        status: int | None = None
        try:
            async with session.post(self._url, data=body, headers=headers) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("webhook_unreachable", message_id=message.message_id, error=type(exc).__name__)
        if status is not None and 200 <= status < 300:
            self._store.ack(message.message_id, self._clock(), "webhook")
            log.info("webhook_delivered", message_id=message.message_id, attempt=attempt)
            return
        delay = self.delay(attempt)
        self._store.retry_later(message.message_id, attempt, self._clock() + int(delay * 1000))
        log.info("webhook_retry", message_id=message.message_id, attempt=attempt, status=status,
                 delay=round(delay, 3))  # fmt: skip
