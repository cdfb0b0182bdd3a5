"""The endpoint's pipelined publishes: many envelopes in flight, each answered on its own.

`schemas.jspub.Pipeline` publishes without waiting and hands back one future per
envelope; `Publisher` adds the endpoint's publish timeout and translates every failure
into a `SendFailed` for that envelope alone, carrying it for `Endpoint.resend`. NATS
keeps one connection's publishes in order, so envelopes published one after another
are stored in the ingress stream in that order (those of one thread included).

`Background` holds the retrieval receipts sent while the inbox moves on: their
acknowledgements are awaited off the inbox loop, one resend is tried for each that
fails (as the synchronous path does), and `drain` waits for them all before the
endpoint closes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import nats.errors
import nats.js.errors
import structlog
from nats.aio.client import Client

from schemas import nats_names as topology
from schemas.envelope import Sealed
from schemas.jspub import Pipeline

from .errors import SendFailed

log = structlog.get_logger(__name__)

FAILURES = (nats.errors.Error, nats.js.errors.Error, TimeoutError)


def send_failed(sealed: Sealed, exc: BaseException) -> SendFailed:
    """The `SendFailed` for `sealed` whose publish or acknowledgement failed with `exc`."""
    return SendFailed(
        f"the ingress stream did not confirm envelope "
        f"{sealed.binding.message_id.hex()}: {type(exc).__name__}; resend it",
        sealed,
    )


class Publisher:
    """Publishes sealed envelopes to their sender's ingress subject, pipelined."""

    def __init__(self, nc: Client, authority: str, timeout: float) -> None:
        self._nc = nc
        self._subject = topology.ingress_subject(authority)
        self._timeout = timeout
        self._pipeline: Pipeline | None = None
        self._lock = asyncio.Lock()

    async def _ready(self) -> Pipeline:
        if self._pipeline is None:
            async with self._lock:
                if self._pipeline is None:
                    pipeline = Pipeline(self._nc)
                    await pipeline.__aenter__()
                    self._pipeline = pipeline
        return self._pipeline

    async def start(self, sealed: Sealed) -> Callable[[], Awaitable[None]]:
        """Publish `sealed` (under its message id as `Nats-Msg-Id`) and return the wait
        for its acknowledgement, which raises `SendFailed` for this envelope only. The
        timeout runs from the publish, not from the wait: a window of envelopes whose
        acknowledgements were lost with a server fails within one timeout, not one each."""
        deadline = asyncio.get_running_loop().time() + self._timeout
        try:
            pipeline = await self._ready()
            future = await pipeline.publish(
                self._subject,
                sealed.data,
                headers={topology.HEADER_MSG_ID: sealed.binding.message_id.hex()},
            )
        except FAILURES as exc:
            error = send_failed(sealed, exc)

            async def failed() -> None:
                raise error

            return failed

        async def confirmed() -> None:
            try:
                async with asyncio.timeout_at(deadline):
                    await future
            except FAILURES as exc:
                raise send_failed(sealed, exc) from exc

        return confirmed

    async def aclose(self) -> None:
        """Stop listening for acknowledgements (those still awaited fail)."""
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            with contextlib.suppress(nats.errors.Error):
                await pipeline.aclose()


class Background:
    """Receipts whose acknowledgement is awaited off the inbox loop (at most `limit`)."""

    def __init__(self, limit: int = 1024) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._room = asyncio.Semaphore(limit)

    async def add(self, work: Awaitable[None]) -> None:
        """Run `work` in the background; waits while `limit` are still running."""
        await self._room.acquire()

        async def run() -> None:
            try:
                await work
            finally:
                self._room.release()

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for every receipt still in flight."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
