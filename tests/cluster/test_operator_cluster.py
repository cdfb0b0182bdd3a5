"""Operator mode on a three-node cluster: an account pushed to one node reaches the
others through the full resolver, and a revocation pushed to one node drops the
authority's connection on another within a second."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import nats.errors
import pytest
from nats.aio.client import Client

from broker.natsconfig import fixed_accounts
from broker.natshub import Hub, init_hub, latest_records, resolver_config, write_file
from broker.natsserver import NatsServer
from schemas.directory import AuthorityRecord, KeyRecord, Status
from schemas.nats_names import reply_prefix

A = "it-dna"
NODES = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _record(status: Status, issued_ms: int) -> AuthorityRecord:
    key = KeyRecord("sign", bytes(16), bytes(32), 0, 2**40)
    return AuthorityRecord(A, A, "IT", ["police"], [], [key], status, 1, issued_ms)


@contextlib.asynccontextmanager
async def cluster(tmp_path: Path) -> AsyncIterator[tuple[Hub, list[NatsServer]]]:
    """Three routed nodes trusting one operator, each with its own resolver store."""
    hub = init_hub(tmp_path / "hub")
    fixed = fixed_accounts(hub.keys, issued_at=int(time.time()))
    operator = (hub.dir / "operator.jwt").read_text().strip()
    ports = [_free_port() for _ in range(NODES)]
    routes = ", ".join(f'"nats://127.0.0.1:{p}"' for p in ports)
    servers = []
    for i, port in enumerate(ports):
        node = tmp_path / f"n{i}"
        write_file(
            node / "resolver.conf", resolver_config(operator, fixed, resolver_dir=node / "jwt")
        )
        write_file(
            node / "server.conf",
            f"server_name: n{i}\njetstream {{\n  domain: hub\n}}\n"
            f"cluster {{\n  name: palermo-hub\n  listen: 127.0.0.1:{port}\n"
            f"  routes: [{routes}]\n}}\n"
            'include "resolver.conf"\n',
        )
        servers.append(NatsServer(node / "store", config=node / "server.conf", name=f"n{i}"))
    async with contextlib.AsyncExitStack() as stack:
        await asyncio.gather(*(stack.enter_async_context(s) for s in servers))
        yield hub, servers


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
    async with cluster(tmp_path) as (hub, servers):
        first, last = servers[0].url, servers[-1].url
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
