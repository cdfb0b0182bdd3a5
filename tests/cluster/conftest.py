"""The `cluster` fixture (three nats-servers on loopback, one JetStream cluster in the
`hub` domain) and the pieces the cluster tests share: a harness on R3 streams and
buckets, brokers and endpoints pinned to a node that fail over to the others, and the
application-level count of what a recipient got."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client

from broker import topology
from broker.natscluster import NatsCluster
from broker.service import Broker
from clients.endpoint import Endpoint
from clients.errors import SendFailed
from clients.events import Received
from schemas import logs
from schemas.envelope import Sealed

from ..brokerkit import Harness, verified_audit_export

REPLICAS = 3
_OPEN: list[Client] = []
"""The test's client connections, closed before the cluster stops."""
SETTINGS: dict[str, Any] = {
    "nats.replicas": REPLICAS,
    # A redelivery after a lost ack comes within seconds, not the default 30.
    "nats.ack_wait": 3.0,
    "policy.rate_per_second": 100_000.0,
    "policy.rate_burst": 100_000,
}


@pytest.fixture(autouse=True)
def _quiet_logs() -> None:
    """Warnings and errors only: a run of 2,000 messages logs each at info."""
    logs.configure("console", "warning")


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[NatsCluster]:
    """Three nats-servers as one JetStream cluster, stopped after the test."""
    async with NatsCluster(tmp_path / "hub", 3) as c:
        try:
            yield c
        finally:
            # Clients that outlive a failed test would reconnect for ever.
            while _OPEN:
                await _OPEN.pop().close()


def pinned(cluster: NatsCluster, node: int) -> list[str]:
    """All the cluster's URLs, node `node` first (then the others in turn)."""
    urls = cluster.urls
    return urls[node:] + urls[:node]


async def connect_pinned(cluster: NatsCluster, node: int, **options: Any) -> Client:
    """A client that connects to node `node` first and fails over to the others, and
    reconnects for as long as it lives (as the broker's and an endpoint's do)."""

    async def quiet(exc: Exception) -> None:
        """Refused connects to a node that is down are expected here."""

    nc = await nats.connect(
        pinned(cluster, node),
        error_cb=quiet,
        dont_randomize=True,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.25,
        connect_timeout=2,
        **options,
    )
    _OPEN.append(nc)
    return nc


def node_of(cluster: NatsCluster, nc: Client) -> int:
    """The node a client is connected to now."""
    url = nc.connected_url
    assert url is not None
    port = url.port
    assert port is not None
    return [int(u.rsplit(":", 1)[1]) for u in cluster.urls].index(port)


async def harness(cluster: NatsCluster, node: int = 0) -> Harness:
    """The governors' side on node `node`: topology at R3, the directory published."""
    nc = await connect_pinned(cluster, node)
    h = Harness(nc)
    await h.setup(**SETTINGS)
    return h


@contextlib.asynccontextmanager
async def broker_on(
    cluster: NatsCluster, node: int, h: Harness, **overrides: Any
) -> AsyncIterator[Broker]:
    """A broker's tasks connected to node `node` first, stopped after the block."""
    config = h.config(**{**SETTINGS, **overrides})
    nc = await connect_pinned(cluster, node)
    stop = asyncio.Event()
    broker = Broker(config, h.broker_keys, nc)
    task = asyncio.create_task(broker.run(stop))
    try:
        async with asyncio.timeout(20):
            await broker.ready.wait()
        yield broker
    finally:
        stop.set()
        await asyncio.wait({task})
        await nc.close()
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


@contextlib.asynccontextmanager
async def endpoint_on(
    cluster: NatsCluster, node: int, h: Harness, authority: str, **options: Any
) -> AsyncIterator[Endpoint]:
    """Authority `authority`'s endpoint on node `node` first, failing over."""
    nc = await connect_pinned(cluster, node, inbox_prefix=topology.reply_prefix(authority).encode())
    endpoint = Endpoint(nc, h.keys[authority], h.root.public, **options)
    async with endpoint:
        yield endpoint


@dataclass
class Tally:
    """What the recipient's application got: each message id with its count, and when
    each arrived (for the stall)."""

    counts: Counter[bytes] = field(default_factory=Counter)
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def stall(self, since: float) -> float:
        """The longest gap between two arrivals after `since` (or since `since`)."""
        after = [t for t in self.times if t >= since]
        if not after:
            return float("inf")
        gaps = [after[0] - since] + [b - a for a, b in itertools.pairwise(after)]
        return max(gaps)


async def receive(endpoint: Endpoint, tally: Tally, total: int) -> None:
    """Take events until `total` distinct messages have arrived."""
    while len(tally.counts) < total:
        try:
            async for event in endpoint.events(idle_timeout=2.0):
                if isinstance(event, Received):
                    tally.counts[event.opened.binding.message_id] += 1
                    tally.times.append(time.monotonic())
                    if len(tally.counts) >= total:
                        return
        except (nats.errors.Error, TimeoutError) as exc:
            # The inbox consumer's node is gone a moment: what an application does.
            tally.errors.append(type(exc).__name__)
            await asyncio.sleep(0.25)


async def send_paced(
    endpoint: Endpoint, bodies: Sequence[Any], to: str, rate: float, sent: list[Sealed]
) -> None:
    """Send `bodies` at about `rate` a second in small windows, resending any that
    failed (the same bytes, so deduplicated) until each is stored."""
    chunk = max(1, int(rate / 10))
    start = time.monotonic()
    for i in range(0, len(bodies), chunk):
        outcomes = await endpoint.send_many(bodies[i : i + chunk], to=[to], window=chunk)
        for outcome in outcomes:
            sealed = outcome.sealed if isinstance(outcome, SendFailed) else outcome
            assert isinstance(sealed, Sealed), f"refused before sealing: {outcome!r}"
            if isinstance(outcome, SendFailed):
                await resend_until_stored(endpoint, sealed)
            sent.append(sealed)
        ahead = start + (i + chunk) / rate - time.monotonic()
        if ahead > 0:
            await asyncio.sleep(ahead)


async def resend_until_stored(endpoint: Endpoint, sealed: Sealed, limit: float = 60) -> None:
    async with asyncio.timeout(limit):
        while True:
            try:
                await endpoint.resend(sealed)
            except SendFailed:
                await asyncio.sleep(0.2)
            else:
                return


async def check_audit(h: Harness, path: Path) -> None:
    """The audit log exports and verifies offline against a signed checkpoint."""
    await verified_audit_export(h, path)
