"""The broker's pipelined publisher resolves every future, errors included."""

from __future__ import annotations

import asyncio

import nats.js.errors
import pytest
from nats.aio.client import Client
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
