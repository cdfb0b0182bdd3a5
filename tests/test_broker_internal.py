"""An unexpected exception while checking one envelope is an internal failure, not a
rejection: nothing audited, no notice, the envelope left for another attempt (and in the
end dead-lettered), and the rest of its batch goes on."""

from __future__ import annotations

import asyncio

import nats
from nats.aio.client import Client
from structlog.testing import capture_logs

from broker import topology
from broker.natsserver import NatsServer
from broker.service import Broker
from schemas.directory import AuthorityRecord, Directory
from schemas.envelope import now_ms, parse

from .brokerkit import Harness


class _Faulty(Directory):
    """A directory whose lookup of one authority raises: a stand-in for a bug."""

    def record(self, authority: str) -> AuthorityRecord:
        if authority == "gb-nca":
            raise RuntimeError("lookup exploded")
        return super().record(authority)


async def test_internal_failure_is_not_a_rejection(nats_server: NatsServer, nc: Client) -> None:
    """The envelope to the authority whose lookup raises is neither audited nor answered
    and is redelivered until `max_deliver`, then dead-lettered with its sender told; the
    envelope beside it in the batch is accepted."""
    h = Harness(nc)
    overrides = {"nats.ack_wait": 0.5, "nats.max_deliver": 2, "time.sweep_interval": 0.2}
    await h.setup(**overrides)
    for name in ("ng-naptip", "it-dna", "gb-nca"):
        await h.add(name)
    bad = h.seal("ng-naptip", "gb-nca")
    good = h.seal("ng-naptip", "it-dna")
    bad_ack = await h.send("ng-naptip", bad)
    await h.send("ng-naptip", good)

    broker_nc = await nats.connect(nats_server.url)
    broker = Broker(h.config(**overrides), h.broker_keys, broker_nc)
    broker.watch.directory = _Faulty(h.root.public, now_ms)
    stop = asyncio.Event()
    task = asyncio.create_task(broker.run(stop))
    try:
        with capture_logs() as logs:
            (accepted,) = await h.notices("ng-naptip", 1)
        assert (accepted.type, accepted.message_id) == ("accepted", parse(good).binding.message_id)
        # Logged by class and place, never by message (it might quote the envelope).
        (logged, *_) = [e for e in logs if e["event"] == "envelope_processing_error"]
        assert (logged["error"], logged["ingress_seq"]) == ("RuntimeError", bad_ack.seq)
        assert "exc_info" not in logged  # a rendered traceback ends with the message
        assert "lookup exploded" not in repr(logs)

        async with asyncio.timeout(10):
            while not [e for e in await h.audit() if e.event == "dead_letter"]:
                await asyncio.sleep(0.1)
        (dead,) = await h.notices("ng-naptip", 1)
        assert (dead.type, dead.reason, dead.message_id) == ("rejected", "dead_letter", None)
        events = [(e.event, e.reason, e.message_id) for e in await h.audit() if e.kind or e.reason]
        assert ("dead_letter", "max_deliveries", None) in events
        assert not [e for e in events if e[0] == "rejected"]
        assert [e[2] for e in events if e[0] == "accepted"] == [parse(good).binding.message_id]
        (event,) = [e for e in await h.audit() if e.event == "dead_letter"]
        assert event.ingress_seq == bad_ack.seq
        assert broker.metrics.registry.get_sample_value("palermo_internal_failures_total") == 2
        info = await h.js.consumer_info(topology.DELIVERY, topology.inbox_consumer("gb-nca"))
        assert info.num_pending == 0
    finally:
        stop.set()
        await task
        await broker_nc.drain()
