"""A hub in NATS operator mode for tests: one real nats-server trusting a fresh operator,
the broker on its creds, authorities on theirs, accounts pushed to the resolver."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import nats.errors
from nats.aio.client import Client

from broker import topology
from broker.directory_store import DirectoryAdmin
from broker.natsconfig import AccountLimits
from broker.natshub import Hub, init_hub, server_config
from broker.natsserver import NatsServer
from broker.service import Broker, connect, topology_settings
from broker.topology import TopologySettings
from clients.endpoint import Endpoint
from schemas import nats_names
from schemas.directory import Role

from .brokerkit import Harness, broker_tasks

DOMAIN = nats_names.DEFAULT_DOMAIN
EVIDENCE = nats_names.EVIDENCE_DOMAIN
FETCH_TIMEOUT = 0.5
"""Seconds the single test server looks for an account it does not hold (no peers)."""


@dataclass
class OperatorHub:
    """The server, the hub directory, the governors' harness (on the broker's creds)
    and the pusher's connection."""

    server: NatsServer
    hub: Hub
    h: Harness
    system: Client
    creds: dict[str, Path] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def overrides(self) -> dict[str, Any]:
        """The broker configuration of operator mode."""
        return {
            "nats.url": self.url,
            "nats.creds_file": str(self.hub.broker_creds),
            "nats.evidence_domain": EVIDENCE,
            "nats.accounts_dir": str(self.hub.dir),
        }

    async def register(self, authority: str, roles: list[Role], *, push: bool = True) -> Path:
        """Put `authority` in the directory, issue its creds; push its account unless a
        running broker does."""
        await self.h.add(authority, roles=roles)
        self.creds[authority] = self.hub.authority_creds(authority)
        if push:
            records = [r for r in await self.h.admin.records() if r.id == authority]
            await self.hub.push(self.system, records)
        return self.creds[authority]

    async def endpoint(self, authority: str, **kw: Any) -> Endpoint:
        return await Endpoint.connect(
            self.url,
            self.h.keys[authority],
            self.h.root.public,
            creds_file=str(self.creds[authority]),
            domain=DOMAIN,
            evidence_domain=EVIDENCE,
            **kw,
        )

    async def connect(self, authority: str, **kw: Any) -> Client:
        """A plain nats-py connection with `authority`'s real creds (closed again if the
        server refuses it: nats-py leaves the socket open otherwise)."""
        client = Client()
        try:
            await client.connect(
                self.url,
                user_credentials=str(self.creds[authority]),
                inbox_prefix=nats_names.reply_prefix(authority),
                **{"allow_reconnect": False, "connect_timeout": 2, "error_cb": _quiet, **kw},
            )
        except BaseException:
            await client.close()
            raise
        return client


async def _quiet(exc: Exception) -> None:
    """nats-py logs every error with a traceback unless given a callback."""


@contextlib.asynccontextmanager
async def operator_hub(
    tmp_path: Path,
    *,
    limits: AccountLimits | None = None,
    store_bytes: int | None = None,
    evidence_bytes: int | None = None,
    settings: TopologySettings | None = None,
) -> AsyncIterator[OperatorHub]:
    """A server in operator mode with the topology bootstrapped and the broker's record.

    `limits` go into every authority account, `store_bytes` and `evidence_bytes` cap
    the `PALERMO` and `EVIDENCE` stores; `settings` are the governors' (registration).
    """
    hub = init_hub(
        tmp_path / "hub",
        store_bytes=store_bytes,
        evidence_bytes=evidence_bytes,
        fetch_timeout=FETCH_TIMEOUT,
    )
    if limits is not None:
        hub = dataclasses.replace(hub, limits=limits)
    config = server_config(hub, tmp_path / "hub" / "server.conf")
    async with NatsServer(tmp_path / "nats", config=config) as server:
        nc = await nats.connect(server.url, user_credentials=str(hub.broker_creds))
        system = await hub.connect_system(server.url)
        try:
            h = Harness(nc)
            settings = dataclasses.replace(settings or TopologySettings(), evidence_domain=EVIDENCE)
            h.admin = DirectoryAdmin(h.js, h.root, settings=settings)
            await topology.bootstrap(h.js, settings)
            await h.setup()
            yield OperatorHub(server, hub, h, system)
        finally:
            await system.close()
            await nc.close()


@contextlib.asynccontextmanager
async def operator_broker(op: OperatorHub) -> AsyncIterator[Broker]:
    """A broker in operator mode (creds, evidence domain, account pusher)."""
    config = op.h.config(**op.overrides())
    async with broker_tasks(config, op.h.broker_keys, await connect(op.url, config)) as broker:
        yield broker


async def wait_connectable(op: OperatorHub, authority: str) -> float:
    """Seconds until `authority`'s creds connect (its account pushed)."""
    start = time.monotonic()
    async with asyncio.timeout(5):
        while True:
            try:
                nc = await op.connect(authority)
            except (nats.errors.Error, OSError):
                await asyncio.sleep(0.02)
                continue
            await nc.close()
            return time.monotonic() - start


__all__ = ["OperatorHub", "operator_broker", "operator_hub", "topology_settings"]
