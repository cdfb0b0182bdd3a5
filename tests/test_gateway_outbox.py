"""The gateway's outbox: a send while NATS is down is queued (202), and delivered
exactly once when NATS comes back, whether the gateway kept running or restarted."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import nats
import nats.errors
import pytest
from nats.aio.client import Client

from broker import topology
from broker.natsserver import NatsServer
from clients.gateway_client import GatewayClient, InvalidRequest, Rejected
from clients.gateway_schema import Status
from schemas.envelope import parse
from schemas.kinds import CaseReferral

from .brokerkit import Harness, running_broker
from .test_gateway import KEYS, A, B, config, eventually, gateway, world


async def start(store: Path, port: int | None = None) -> NatsServer:
    """A nats-server on `store`, on `port` if given (to come back where clients look)."""
    s = NatsServer(store, extra_args=["-p", str(port)] if port else [])
    await s.start()
    return s


async def delivered_to(h: Harness, authority: str, wait: float) -> list[str]:
    """Message ids of every envelope in `authority`'s inbox within `wait` seconds."""
    sub = await h.js.pull_subscribe_bind(
        durable=topology.inbox_consumer(authority), stream=topology.DELIVERY
    )
    ids: list[str] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    try:
        while loop.time() < deadline:
            with contextlib.suppress(TimeoutError, nats.errors.TimeoutError):
                for msg in await sub.fetch(16, timeout=0.5):
                    ids.append(parse(msg.data).binding.message_id.hex())
                    await msg.ack()
    finally:
        await sub.unsubscribe()
    return ids


async def test_send_while_nats_down_is_queued_and_delivered_once(tmp_path: Path) -> None:
    """With NATS stopped, a send answers 202 `queued`; when NATS returns the running
    gateway's outbox publishes it, and one queued when the gateway stopped is published
    by the restarted gateway: the recipient's inbox holds each message exactly once."""
    store = tmp_path / "nats"
    servers = [await start(store)]
    port = int(servers[0].url.rsplit(":", 1)[1])
    url = servers[0].url
    nc = await nats.connect(url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    cfg_overrides = {"nats.publish_timeout": 2.0}
    sent: list[str] = []
    try:
        h = Harness(nc)
        await h.setup()
        await h.add(A, roles=["prosecutor"])
        await h.add(B, roles=["central_authority"])
        cfg = config(h, url, tmp_path / "a", **cfg_overrides)
        async with running_broker(url, h):
            async with gateway(cfg, h.keys[A]) as gw, GatewayClient(gw.url, KEYS["system"]) as api:
                ok = await api.send(CaseReferral(summary="Sent while all is well."), to=[B])
                assert ok.status == "sent"
                sent.append(ok.message_id)

                await servers[-1].aclose()  # NATS stops; the gateway keeps its directory view
                queued = await api.send(CaseReferral(summary="Sent while NATS is down."), to=[B])
                assert queued.status == "queued"
                sent.append(queued.message_id)
                assert (await api.get(queued.message_id)).queued
                assert (await api.status()).outbox == 1

                servers.append(await start(store, port))  # back: the running outbox sends it
                await eventually(lambda: _outbox_empty(api), wait=30)
                assert not (await api.get(queued.message_id)).queued
                again = await api.send(CaseReferral(summary="Sent once NATS is back."), to=[B])
                assert again.status == "sent"
                sent.append(again.message_id)

                await servers[-1].aclose()  # down again, and the gateway stops meanwhile
                last = await api.send(CaseReferral(summary="Queued across a restart."), to=[B])
                assert last.status == "queued"
                sent.append(last.message_id)

            servers.append(await start(store, port))
            async with gateway(cfg, h.keys[A]) as gw, GatewayClient(gw.url, KEYS["system"]) as api:
                await eventually(lambda: _outbox_empty(api), wait=30)
                assert not (await api.get(last.message_id)).queued
                ids = await delivered_to(h, B, wait=8)
        assert sorted(ids) == sorted(sent)  # each once: nothing lost, nothing twice
    finally:
        await nc.close()
        for s in servers:
            await s.aclose()


async def _outbox_empty(api: GatewayClient) -> Status | None:
    status = await api.status()
    return status if status.outbox == 0 else None


async def test_idempotency_key_makes_a_repeated_send_one_message(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """A send repeated with the same Idempotency-Key returns the first answer and
    publishes nothing more; the same key with another request is a 422 problem, and
    the key is scoped to the API key that used it."""
    h = await world(nc)
    body = CaseReferral(summary="Repeat me safely.")
    async with gateway(config(h, nats_server.url, tmp_path / "a"), h.keys[A]) as gw, \
            GatewayClient(gw.url, KEYS["system"]) as system, \
            GatewayClient(gw.url, KEYS["officer"]) as officer:  # fmt: skip
        first = await system.send(body, to=[B], idempotency_key="case-4711/referral-1")
        again = await system.send(body, to=[B], idempotency_key="case-4711/referral-1")
        assert again == first
        assert first.status == "sent"
        with pytest.raises(Rejected) as caught:
            await system.send(body, to=[B], handling="H2", idempotency_key="case-4711/referral-1")
        assert caught.value.problem.type.endswith("/idempotency-key-reused")
        other = await officer.send(body, to=[B], idempotency_key="case-4711/referral-1")
        assert other.message_id != first.message_id
        with pytest.raises(InvalidRequest):
            await system.send(body, to=[B], idempotency_key="with space")
    info = await h.js.stream_info(topology.INGRESS)
    assert info.state.messages == 2  # the first send and the officer's, nothing else
