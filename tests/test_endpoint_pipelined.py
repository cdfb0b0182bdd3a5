"""`Endpoint.send_many`: many publishes in flight, one outcome per body, in order, each
failure reported for its own message and retryable with the same bytes."""

from __future__ import annotations

import asyncio

from nats.aio.client import Client

from broker import topology
from broker.natsserver import NatsServer
from clients.endpoint import Endpoint
from clients.errors import SendFailed
from clients.events import Received
from schemas.envelope import Sealed
from schemas.errors import InvalidTransition
from schemas.kinds import CaseReferral, Message, MlaStatus

from .brokerkit import referral, running_broker
from .test_endpoint import world

COUNT = 12


async def test_send_many_reports_each_failure_and_resends_deliver_in_order(
    nats_server: NatsServer, nc: Client
) -> None:
    """With the ingress stream gone, every publish of a pipelined batch fails on its own
    (`SendFailed` carrying that envelope), and a body refused before sealing is that
    body's outcome while the others go on. Once the stream is back, resending each
    `exc.sealed` stores them: the recipient gets every message once, in the order given,
    each the envelope first sealed."""
    h = await world(nc)
    bodies: list[Message] = [referral(f"Summary number {i}.") for i in range(COUNT)]
    bodies.insert(5, MlaStatus(request_id=b"\x01" * 16, status="acknowledged"))
    await h.js.delete_stream(topology.INGRESS)
    async with await Endpoint.connect(nats_server.url, h.keys["ng-naptip"], h.root.public,
                                      publish_timeout=2.0) as a:  # fmt: skip
        outcomes = await a.send_many(bodies, to=["it-dna"], window=4)
        assert len(outcomes) == COUNT + 1
        refused = outcomes.pop(5)
        assert isinstance(refused, InvalidTransition)  # a status update needs its thread
        assert all(isinstance(o, SendFailed) for o in outcomes)
        failed = [o.sealed for o in outcomes if isinstance(o, SendFailed)]
        assert len({s.binding.message_id for s in failed}) == COUNT
        # Every envelope sealed counts as sent for its evidence chain.
        assert all(a.evidence.chain(s.binding.message_id) is not None for s in failed)

        await topology.bootstrap(h.js)
        for sealed in failed:
            assert await a.resend(sealed) is sealed

    it_dna = h.keys["it-dna"]
    async with running_broker(nats_server.url, h), \
            await Endpoint.connect(nats_server.url, it_dna, h.root.public) as b:  # fmt: skip
        got: list[Received] = []
        async with asyncio.timeout(30):
            async for event in b.events():
                if isinstance(event, Received):
                    got.append(event)
                    if len(got) == COUNT:
                        break
    summaries = [e.body.summary for e in got if isinstance(e.body, CaseReferral)]
    assert summaries == [f"Summary number {i}." for i in range(COUNT)]
    assert [e.opened.hash for e in got] == [s.hash for s in failed]


async def test_send_many_window_stores_all_in_order(nats_server: NatsServer, nc: Client) -> None:
    """A batch larger than its window is sent whole: every outcome the `Sealed` envelope,
    stored in the ingress stream in the order given."""
    h = await world(nc)
    async with await Endpoint.connect(nats_server.url, h.keys["ng-naptip"],
                                      h.root.public) as a:  # fmt: skip
        outcomes = await a.send_many(
            [referral(f"Summary number {i}.") for i in range(COUNT)], to=["it-dna"], window=3
        )
    assert all(isinstance(o, Sealed) for o in outcomes)
    # No broker runs: the work-queue stream holds them all, by stream sequence.
    stored = [(await h.js.get_msg(topology.INGRESS, seq)).data for seq in range(1, COUNT + 1)]
    assert stored == [o.data for o in outcomes if isinstance(o, Sealed)]
