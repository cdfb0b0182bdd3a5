"""Node loss, a partition of one node and a rolling restart, in the middle of a run of
2,000 messages across the 3-node cluster: counted at the recipient's application, none
is lost and none arrives twice, and the audit log exports and verifies.

The sender's endpoint starts on node 1, the broker on node 2, the recipient's endpoint
on node 3; each is given all three URLs and fails over. Streams and buckets are R3. The
sender resends what JetStream did not confirm, byte for byte (deduplicated by design).
The stall printed is the longest time the recipient got nothing after the fault.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from broker import topology
from broker.natscluster import NatsCluster
from schemas.envelope import Sealed

from ..brokerkit import Harness, referral
from .conftest import (
    Tally,
    broker_on,
    check_audit,
    endpoint_on,
    harness,
    receive,
    send_paced,
)

MESSAGES = 2000
RATE = 250.0
"""Messages a second: the run lasts about 8 s, so the fault lands in its middle."""
SENDER, RECIPIENT = "ng-naptip", "it-dna"

Fault = Callable[[NatsCluster], Awaitable[None]]


async def run_with_fault(
    cluster: NatsCluster, tmp_path: Path, fault: Fault, name: str
) -> tuple[Harness, float]:
    """Run the exchange, apply `fault` once a quarter has arrived, check the count and
    the audit log; return the harness and the stall (seconds)."""
    h = await harness(cluster, 0)
    await h.add(SENDER)
    await h.add(RECIPIENT)
    bodies = [referral(f"Case {i}: victim V1 moved from Lagos to Turin.") for i in range(MESSAGES)]
    tally = Tally()
    sent: list[Sealed] = []
    async with (
        broker_on(cluster, 1, h),
        endpoint_on(cluster, 0, h, SENDER, receipts=False) as sender,
        endpoint_on(cluster, 2, h, RECIPIENT, receipts=False) as recipient,
    ):
        receiving = asyncio.create_task(receive(recipient, tally, MESSAGES))
        sending = asyncio.create_task(send_paced(sender, bodies, RECIPIENT, RATE, sent))
        try:
            async with asyncio.timeout(60):
                while len(tally.counts) < MESSAGES // 4:
                    await asyncio.sleep(0.02)
            at = time.monotonic()
            await fault(cluster)
            async with asyncio.timeout(120):
                await sending
                await receiving
        finally:
            for task in (sending, receiving):
                task.cancel()
            await asyncio.wait({sending, receiving})
        # While the broker runs: its sequencer signs a checkpoint over every event.
        await check_audit(h, tmp_path / "audit.jsonl")
    stall = tally.stall(at)
    ids = {s.binding.message_id for s in sent}
    assert len(ids) == MESSAGES
    assert set(tally.counts) == ids, f"lost: {len(ids - set(tally.counts))}"
    duplicated = sum(1 for c in tally.counts.values() if c > 1)
    assert duplicated == 0, f"{duplicated} messages reached the application twice"
    print(f"\n{name}: {MESSAGES} messages, 0 lost, 0 duplicated, stall {stall:.2f} s")
    await h.nc.close()
    return h, stall


@pytest.mark.parametrize("stream", [topology.INGRESS, topology.DELIVERY])
async def test_leader_node_killed_and_restarted(
    cluster: NatsCluster, tmp_path: Path, stream: str
) -> None:
    """SIGKILL the node that leads the ingress (or delivery) stream mid-run, restart it
    on its store: every message arrives exactly once and the audit log verifies."""

    async def kill_leader(c: NatsCluster) -> None:
        leader = await c.stream_leader(stream)
        await c.kill(leader)
        await asyncio.sleep(1.0)
        await c.start(leader)

    await run_with_fault(cluster, tmp_path, kill_leader, f"kill the {stream} leader")


async def test_partition_of_one_node(cluster: NatsCluster, tmp_path: Path) -> None:
    """SIGSTOP the ingress stream's leader for 5 s (to its peers and clients, a node cut
    off) while the exchange goes on, then SIGCONT it."""

    async def partition(c: NatsCluster) -> None:
        leader = await c.stream_leader(topology.INGRESS)
        c.pause(leader)
        await asyncio.sleep(5.0)
        c.resume(leader)
        await c.wait_healthy()

    await run_with_fault(cluster, tmp_path, partition, "partition the ingress leader")


async def test_rolling_restart(cluster: NatsCluster, tmp_path: Path) -> None:
    """Stop (SIGTERM) and restart each node in turn, waiting for health in between."""

    async def rolling(c: NatsCluster) -> None:
        for node in range(c.size):
            await c.stop(node)
            await c.start(node)

    await run_with_fault(cluster, tmp_path, rolling, "rolling restart")
