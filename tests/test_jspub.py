"""The broker's pipelined publisher resolves every future, errors included."""

from __future__ import annotations

import asyncio

import nats.js.errors
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from broker import topology
from schemas.jspub import ERR_WRONG_LAST_SEQUENCE, Pipeline, is_wrong_last_sequence


async def test_error_answers_resolve_their_futures(nc: Client, js: JetStreamContext) -> None:
    """A create that finds its key fails with JetStream's own error code (10071) instead of
    hanging, and the publishes around it succeed with their stream sequences."""
    await topology.bootstrap(js)
    subject = f"$KV.{topology.KV_SEEN}.ng-naptip.00"
    expect_new = {"Nats-Expected-Last-Subject-Sequence": "0"}
    async with Pipeline(nc) as pipe:
        first = await pipe.publish(subject, b"a", expect_new)
        second = await pipe.publish(subject, b"b", expect_new)
        other = await pipe.publish(topology.AUDIT_SUBJECT, b"event")
        async with asyncio.timeout(5):
            results = await asyncio.gather(first, second, other, return_exceptions=True)
    ack, error, audit = results
    assert not isinstance(ack, BaseException)
    assert ack.stream == topology.KV_SEEN_STREAM
    assert isinstance(error, nats.js.errors.APIError)
    assert error.err_code == ERR_WRONG_LAST_SEQUENCE == 10071
    assert is_wrong_last_sequence(error)
    assert not is_wrong_last_sequence(nats.js.errors.APIError(err_code=10058))
    assert not is_wrong_last_sequence(TimeoutError())
    assert not isinstance(audit, BaseException)
    assert audit.stream == topology.AUDIT


async def test_no_stream_is_an_error(nc: Client) -> None:
    """A publish no stream captures fails with NoStreamResponseError."""
    async with Pipeline(nc) as pipe:
        future = await pipe.publish("nobody.listens.here", b"x")
        with pytest.raises(nats.js.errors.NoStreamResponseError):
            async with asyncio.timeout(5):
                await future


async def test_duplicate_answer_carries_the_first_sequence(
    nc: Client, js: JetStreamContext
) -> None:
    """A second publish under the same `Nats-Msg-Id` resolves with the first copy's
    sequence, marked duplicate, and the stream holds one."""
    await topology.bootstrap(js)
    headers = {"Nats-Msg-Id": "acc:ng-naptip:00"}
    async with Pipeline(nc) as pipe:
        first = await (await pipe.publish(topology.AUDIT_SUBJECT, b"event", headers))
        again = await (await pipe.publish(topology.AUDIT_SUBJECT, b"event", headers))
    assert (first.stream, first.duplicate) == (topology.AUDIT, None)
    assert (again.seq, again.duplicate) == (first.seq, True)
    assert (await js.stream_info(topology.AUDIT)).state.messages == 1


async def _refused(nc: Client, answer: bytes) -> nats.js.errors.APIError:
    """The error a publish's future fails with when a plain NATS responder on the
    subject (not a stream) answers it with `answer`."""

    async def respond(msg: Msg) -> None:
        await msg.respond(answer)

    sub = await nc.subscribe("not.a.stream", cb=respond)
    try:
        async with Pipeline(nc) as pipe:
            future = await pipe.publish("not.a.stream", b"x")
            with pytest.raises(nats.js.errors.APIError) as caught:
                async with asyncio.timeout(5):
                    await future
    finally:
        await sub.unsubscribe()
    return caught.value


@pytest.mark.parametrize(
    ("answer", "description"),
    [
        # msgspec's own wording follows the prefix; only the prefix is ours.
        (b"not json", "unreadable answer: "),
        (b'{"stream": "S"}', "unreadable answer: no stream or sequence"),
        (b'{"seq": "7", "stream": "S"}', "unreadable answer: "),
        (b'{"error": "refused"}', "unreadable answer: "),
    ],
)
async def test_unreadable_answer_fails_its_future(
    nc: Client, answer: bytes, description: str
) -> None:
    """Whatever answers a publish, an answer that is not a JetStream acknowledgement or
    error fails that publish's future with an `APIError` saying so; it is never taken
    for an acknowledgement."""
    error = await _refused(nc, answer)
    assert error.description is not None
    assert error.description.startswith(description)


async def test_error_answer_fields_are_kept(nc: Client) -> None:
    """An error answer becomes an `APIError` with the server's code, error code and text."""
    answer = b'{"error": {"code": 503, "err_code": 10077, "description": "full"}}'
    error = await _refused(nc, answer)
    assert (error.code, error.err_code, error.description) == (503, 10077, "full")
