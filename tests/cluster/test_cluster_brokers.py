"""Two broker instances, each connected to a different node of the cluster, share one
run of 2,000 messages: both process some, none is lost or reaches the recipient twice,
the audit log (one tree, one sequencer at a time) verifies."""

from __future__ import annotations

import asyncio
from pathlib import Path

from broker.natscluster import NatsCluster
from schemas.envelope import Sealed

from ..brokerkit import referral
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
