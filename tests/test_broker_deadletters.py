"""Dead letters and non-delivery, on a real nats-server with the broker's real sweeper."""

from __future__ import annotations

import asyncio

import nats.js.errors
from nats.aio.client import Client

from broker import topology
from broker.natsserver import NatsServer
from schemas.envelope import envelope_hash, parse

from .brokerkit import Harness, running_broker


async def test_envelope_that_keeps_failing_is_dead_lettered(
    nats_server: NatsServer, nc: Client
) -> None:
    """An ingress envelope delivered max_deliver times without an ack (a worker that
    crashes on it each time) goes to the dead-letter stream with its reason, is audited,
    its sender is told, and it no longer sits in the ingress stream."""
    h = Harness(nc)
    overrides = {"nats.ack_wait": 0.5, "nats.max_deliver": 2, "time.sweep_interval": 0.2}
    await h.setup(**overrides)
    await h.add("ng-naptip")
    await h.add("it-dna")
    data = h.seal("ng-naptip", "it-dna")
    ack = await h.send("ng-naptip", data)

    # A worker that takes the envelope and dies before acking, twice.
    sub = await h.js.pull_subscribe_bind(durable=topology.INGRESS_CONSUMER, stream=topology.INGRESS)
    for _ in range(2):
        (msg,) = await sub.fetch(1, timeout=2)
        assert msg.data == data
        await asyncio.sleep(0.6)
    await sub.unsubscribe()

    async with running_broker(nats_server.url, h, **overrides):
        async with asyncio.timeout(10):
            while not [e for e in await h.audit() if e.event == "dead_letter"]:
                await asyncio.sleep(0.1)
    (event,) = [e for e in await h.audit() if e.event == "dead_letter"]
    assert (event.reason, event.sender, event.ingress_seq) == (
        "max_deliveries",
        "ng-naptip",
        ack.seq,
    )
    assert event.envelope_hash == envelope_hash(data)
    dead = await h.js.get_msg(topology.DEADLETTER, subject="palermo.dead.max_deliveries")
    assert dead.data == data
    assert (dead.headers or {})["Palermo-Reason"] == "max_deliveries"
    try:
        await h.js.get_msg(topology.INGRESS, ack.seq)
        raise AssertionError("the envelope is still in the ingress stream")
    except nats.js.errors.NotFoundError:
        pass
    notices = await h.notices("ng-naptip", 1)
    assert [(n.type, n.reason) for n in notices] == [("rejected", "dead_letter")]
    assert not [e for e in await h.audit() if e.event == "accepted"]


async def test_unretrieved_message_is_reported_as_non_delivery(
    nats_server: NatsServer, nc: Client
) -> None:
    """A message its recipient does not fetch by the delivery deadline is audited as
    non-delivery, its sender told, and it moves from the inbox to the dead letters."""
    h = Harness(nc)
    overrides = {"time.delivery_deadline": 1.0, "time.sweep_interval": 0.2}
    await h.setup(**overrides)
    await h.add("ng-naptip")
    await h.add("it-dna")
    data = h.seal("ng-naptip", "it-dna")
    binding = parse(data).binding
    async with running_broker(nats_server.url, h, **overrides):
        await h.send("ng-naptip", data)
        async with asyncio.timeout(10):
            while not [e for e in await h.audit() if e.event == "non_delivery"]:
                await asyncio.sleep(0.1)
    events = await h.audit()
    (accepted,) = [e for e in events if e.event == "accepted"]
    (missed,) = [e for e in events if e.event == "non_delivery"]
    assert (missed.message_id, missed.recipients) == (binding.message_id, ["it-dna"])
    assert missed.refers_to is not None
    assert events[missed.refers_to - 1] == accepted
    info = await h.js.consumer_info(topology.DELIVERY, topology.inbox_consumer("it-dna"))
    assert info.num_pending == 0
    dead = await h.js.get_msg(topology.DEADLETTER, seq=1, subject="palermo.dead.*", next=True)
    swept = [dead]
    while True:
        try:
            swept.append(
                await h.js.get_msg(
                    topology.DEADLETTER,
                    seq=(swept[-1].seq or 0) + 1,
                    subject="palermo.dead.*",
                    next=True,
                )
            )
        except nats.js.errors.NotFoundError:
            break
    assert data in [m.data for m in swept]
    # The sender's own unread acceptance notice passed the deadline too and was set aside;
    # what waits for it now is the non-delivery notice.
    assert [n.type for n in await h.notices("ng-naptip", 1)] == ["non_delivery"]
