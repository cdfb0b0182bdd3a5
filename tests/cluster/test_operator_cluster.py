"""Operator mode on a three-node cluster: an account pushed to one node reaches the
others through the full resolver, and a revocation pushed to one node drops the
authority's connection on another within a second."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import nats.errors
import pytest
from nats.aio.client import Client

from broker.natscluster import NatsCluster
from broker.natshub import Hub, init_hub, latest_records
from schemas.directory import AuthorityRecord, KeyRecord, Status
from schemas.nats_names import reply_prefix

from ..leafkit import RESOLVER_DIR, OperatorCluster

A = "it-dna"
NODES = 3


def _record(status: Status, issued_ms: int) -> AuthorityRecord:
    key = KeyRecord("sign", bytes(16), bytes(32), 0, 2**40)
    return AuthorityRecord(A, A, "IT", ["police"], [], [key], status, 1, issued_ms)


@contextlib.asynccontextmanager
async def cluster(tmp_path: Path) -> AsyncIterator[tuple[Hub, NatsCluster]]:
    """Three routed nodes trusting one operator, each with its own resolver store (the
    ports reserved together by `NatsCluster`, so no two nodes race for one)."""
    hub = init_hub(tmp_path / "hubdir", resolver_dir=Path(RESOLVER_DIR))
    async with OperatorCluster(
        tmp_path / "hub", NODES, extra_config=hub.resolver_conf.read_text()
    ) as nodes:
        yield hub, nodes


async def _connect(url: str, creds: Path, **kw: object) -> Client:
    client = Client()
    try:
        await client.connect(
            url, user_credentials=str(creds), inbox_prefix=reply_prefix(A),
            allow_reconnect=False, connect_timeout=4, **kw,  # type: ignore[arg-type]
        )  # fmt: skip
    except BaseException:
        await client.close()
        raise
    return client


async def test_push_to_one_node_revokes_on_another(tmp_path: Path) -> None:
    """The account pushed to node 1 lets A connect to node 3; the revoked account pushed
    to node 1 drops A's connection on node 3 and refuses it there, within 1 s."""
    async with cluster(tmp_path) as (hub, nodes):
        first, last = nodes.url(0), nodes.url(NODES - 1)
        system = await hub.connect_system(first)
        creds = hub.authority_creds(A)
        try:
            now = int(time.time() * 1000)
            await hub.push(system, [_record("active", now - 2000)])
            async with asyncio.timeout(10):  # the push reaches node 3 through node 1
                while True:
                    try:
                        await (await _connect(last, creds)).close()
                        break
                    except nats.errors.Error:
                        await asyncio.sleep(0.1)
            closed = asyncio.Event()

            async def on_closed() -> None:
                closed.set()

            live = await _connect(last, creds, closed_cb=on_closed)
            start = time.monotonic()
            await hub.push(system, latest_records([_record("revoked", now)]).values())
            async with asyncio.timeout(5):
                await closed.wait()
            dropped = time.monotonic() - start
            with pytest.raises(nats.errors.Error, match="Authorization Violation"):
                await _connect(last, creds)
            refused = time.monotonic() - start
        finally:
            await system.close()
    print(f"across nodes: dropped after {dropped:.3f} s, refused at {refused:.3f} s")
    assert live.is_closed
    assert dropped <= 1.0
    assert refused <= 1.0
