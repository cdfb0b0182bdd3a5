"""Pipelined JetStream publishes whose error answers resolve their futures.

nats-py 2.16's `publish_async` raises inside its reply handler when JetStream answers
with an error, so that future never completes. The broker expects some errors (a
seen-set create that finds its key answers "wrong last sequence"), so it publishes
through this small pipeline instead: one reply subscription, one future per publish,
each resolved with the `PubAck` or the translated `APIError`.

It lives in the protocol package because both sides publish pipelined: the broker its
audit events and deliveries, an authority its attachment chunks. It takes the NATS
connection it works on and owns nothing else.
"""

from __future__ import annotations

import asyncio
import itertools
from types import TracebackType
from typing import Final

import msgspec
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.api import Header, PubAck

__all__ = [
    "ERR_WRONG_LAST_SEQUENCE",
    "ERR_WRONG_LAST_SEQUENCE_CONSTANT",
    "NO_RESPONDERS",
    "WRONG_LAST_SEQUENCE",
    "Pipeline",
    "is_wrong_last_sequence",
]

# JetStream API error codes (nats-server's `err_code`, stable across releases, unlike
# the description text, which nobody should match on).
ERR_WRONG_LAST_SEQUENCE: Final = 10071
"""JSStreamWrongLastSequenceErr: an expected-last-(subject-)sequence check failed, e.g.
a seen-set create (`Nats-Expected-Last-Subject-Sequence: 0`) whose key exists."""
ERR_WRONG_LAST_SEQUENCE_CONSTANT: Final = 10164
"""JSStreamWrongLastSequenceConstantErr: the same refusal as 10071, without the
sequence in its text; newer servers answer some checks with it."""
WRONG_LAST_SEQUENCE: Final = (ERR_WRONG_LAST_SEQUENCE, ERR_WRONG_LAST_SEQUENCE_CONSTANT)
NO_RESPONDERS: Final = "503"
"""The `Status` header of NATS's no-responders answer: no stream captures the subject."""


def is_wrong_last_sequence(error: BaseException) -> bool:
    """Whether `error` is JetStream refusing a write whose expected last sequence failed."""
    return isinstance(error, nats.js.errors.APIError) and error.err_code in WRONG_LAST_SEQUENCE


class Pipeline:
    """`async with Pipeline(nc) as p: fut = await p.publish(subject, data, headers)`."""

    def __init__(self, nc: Client) -> None:
        self._nc = nc
        self._prefix = ""
        self._ids = itertools.count()
        self._futures: dict[str, asyncio.Future[PubAck]] = {}
        self._sub: Subscription | None = None

    async def __aenter__(self) -> Pipeline:
        self._prefix = self._nc.new_inbox() + "."
        self._sub = await self._nc.subscribe(self._prefix + "*", cb=self._on_reply)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop listening; pending futures fail with `ConnectionClosedError`."""
        sub, self._sub = self._sub, None
        if sub is not None:
            await sub.unsubscribe()
        for future in self._futures.values():
            if not future.done():
                future.set_exception(nats.errors.ConnectionClosedError())
        self._futures.clear()

    async def publish(
        self, subject: str, payload: bytes, headers: dict[str, str] | None = None
    ) -> asyncio.Future[PubAck]:
        """Publish and return the future of JetStream's answer (not awaited here)."""
        token = str(next(self._ids))
        future: asyncio.Future[PubAck] = asyncio.get_running_loop().create_future()
        self._futures[token] = future
        try:
            await self._nc.publish(subject, payload, reply=self._prefix + token, headers=headers)
        except BaseException:
            self._futures.pop(token, None)
            raise
        return future

    async def _on_reply(self, msg: Msg) -> None:
        future = self._futures.pop(msg.subject[len(self._prefix) :], None)
        if future is None or future.done():
            return
        if msg.headers and msg.headers.get(Header.STATUS) == NO_RESPONDERS:
            future.set_exception(nats.js.errors.NoStreamResponseError())
            return
        try:
            answer = _decode_answer(msg.data)
        except msgspec.DecodeError as exc:  # ValidationError included
            future.set_exception(nats.js.errors.APIError(description=f"unreadable answer: {exc}"))
            return
        error = answer.error
        if error is not None:
            future.set_exception(
                nats.js.errors.APIError(
                    code=error.code, err_code=error.err_code, description=error.description
                )
            )
        elif answer.stream is None or answer.seq is None:
            future.set_exception(
                nats.js.errors.APIError(description="unreadable answer: no stream or sequence")
            )
        else:
            future.set_result(
                PubAck(
                    stream=answer.stream,
                    seq=answer.seq,
                    domain=answer.domain,
                    duplicate=answer.duplicate,
                )
            )


class _Error(msgspec.Struct):
    code: int | None = None
    err_code: int | None = None
    description: str | None = None


class _Answer(msgspec.Struct):
    """JetStream's answer to a publish: a `PubAck`'s fields, or an error (other fields,
    such as an atomic batch's, are ignored). Decoded by msgspec in one pass: a broker
    reads one per write, and `json.loads` then `PubAck.from_response` (which walks the
    dataclass's fields) cost several times as much."""

    stream: str | None = None
    seq: int | None = None
    domain: str | None = None
    duplicate: bool | None = None
    error: _Error | None = None


_decode_answer = msgspec.json.Decoder(_Answer).decode
