"""Two broker instances, each connected to a different node of the cluster, share one
run of 2,000 messages: both process some, none is lost or reaches the recipient twice,
the audit log (one tree, one sequencer at a time) verifies; and they share one rate
limit per sender."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from broker import topology
from broker.natscluster import NatsCluster
from broker.service import Broker
from schemas.envelope import Sealed

from ..brokerkit import check_rate_once, referral
from .conftest import (
    Tally,
    broker_on,
    check_audit,
    endpoint_on,
    harness,
    node_of,
    receive,
    send_paced,
)

MESSAGES = 2000
SENDER, RECIPIENT = "gb-nca", "fr-ocrteh"


async def test_two_brokers_on_two_nodes_share_the_work(
    cluster: NatsCluster, tmp_path: Path
) -> None:
    h = await harness(cluster, 0)
    await h.add(SENDER)
    await h.add(RECIPIENT)
    bodies = [referral(f"Case {i}: a route via Agadez.") for i in range(MESSAGES)]
    tally = Tally()
    sent: list[Sealed] = []
    async with (
        broker_on(cluster, 1, h, instance="broker-n2") as first,
        broker_on(cluster, 2, h, instance="broker-n3") as second,
        endpoint_on(cluster, 0, h, SENDER, receipts=False) as sender,
        endpoint_on(cluster, 0, h, RECIPIENT, receipts=False) as recipient,
    ):
        assert (node_of(cluster, first.nc), node_of(cluster, second.nc)) == (1, 2)
        async with asyncio.timeout(120):
            await asyncio.gather(
                send_paced(sender, bodies, RECIPIENT, 1000.0, sent),
                receive(recipient, tally, MESSAGES),
            )
        processed = [int(b.metrics.accepted._value.get()) for b in (first, second)]
        await check_audit(h, tmp_path / "audit.jsonl")
    assert set(tally.counts) == {s.binding.message_id for s in sent}
    assert max(tally.counts.values()) == 1
    assert sum(processed) == MESSAGES
    assert min(processed) > 0, f"one broker did all the work: {processed}"
    print(f"\ntwo brokers on nodes 2 and 3: {processed} envelopes accepted")


FLOOD = 300
RATE, BURST = 20.0, 40


async def test_two_brokers_on_two_nodes_allow_the_rate_once(cluster: NatsCluster) -> None:
    """A sender flooding the cluster while brokers on nodes 2 and 3 share the ingress
    gets at most burst + rate x (its ingress time span) accepted between them, not
    twice that: the token bucket in the R3 rate bucket is one for every broker. Each
    excess envelope is rejected `rate_limited`, and the audit log says so."""
    h = await harness(cluster, 0)
    await h.add(SENDER)
    await h.add(RECIPIENT)
    envelopes = [h.seal(SENDER, RECIPIENT) for _ in range(FLOOD)]
    limits = {"policy.rate_per_second": RATE, "policy.rate_burst": BURST, "nats.batch": 8}
    async with (
        broker_on(cluster, 1, h, instance="broker-n2", **limits) as first,
        broker_on(cluster, 2, h, instance="broker-n3", **limits) as second,
    ):
        started = time.time()
        futures = [
            await h.js.publish_async(topology.ingress_subject(SENDER), data) for data in envelopes
        ]
        await asyncio.gather(*futures)
        span = time.time() - started  # the ingress times lie within it

        def counts(b: Broker) -> tuple[int, int]:
            accepted = int(b.metrics.accepted._value.get())
            limited = int(b.metrics.rejected.labels(code="rate_limited")._value.get())
            return accepted, limited

        async with asyncio.timeout(60):
            while sum(sum(counts(b)) for b in (first, second)) < FLOOD:
                await asyncio.sleep(0.2)
        per_broker = [counts(b) for b in (first, second)]
    await check_rate_once(h, per_broker, span, flood=FLOOD, rate=RATE, burst=BURST)
    print(f"\ntwo brokers, one rate: {per_broker} (accepted, rate_limited) in {span:.2f} s")
