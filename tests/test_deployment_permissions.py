"""The whole exchange under the deployment's NATS accounts and permissions: the broker
and two authorities with their own NKEY users, the endpoints through the `palermo`
JetStream domain, nobody creating consumers but the broker."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import nkeys  # no type hints (mypy override in pyproject); nats-py's NKEY helper
import pytest

from broker import topology
from broker.natsconfig import DEFAULT_DOMAIN, render_accounts, write_accounts
from broker.natsserver import NatsServer
from clients.endpoint import Endpoint, Received
from schemas.directory import Role
from schemas.keys import AuthorityKeys

from .brokerkit import Harness, record, referral, running_broker


def seed() -> str:
    return str(nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER).decode())


def public(value: str) -> str:
    return str(nkeys.from_seed(bytearray(value.encode())).public_key.decode())


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[tuple[NatsServer, Harness, dict[str, Path]]]:
    """A server whose accounts are generated from a verified directory."""
    seeds = {who: seed() for who in ("broker", "it-dna", "gb-ukca")}
    files = {who: tmp_path / f"{who}.nk" for who in seeds}
    for who, value in seeds.items():
        files[who].write_text(value)
    keys = {a: AuthorityKeys.generate(a) for a in ("it-dna", "gb-ukca")}
    roles: dict[str, list[Role]] = {"it-dna": ["prosecutor"], "gb-ukca": ["central_authority"]}
    text = render_accounts(
        [record(keys[a], roles[a]) for a in keys],
        broker_nkey=public(seeds["broker"]),
        authority_nkeys={a: public(seeds[a]) for a in keys},
    )
    write_accounts(tmp_path / "accounts.conf", text)
    (tmp_path / "hub.conf").write_text('jetstream {\n  domain: hub\n}\ninclude "accounts.conf"\n')
    async with NatsServer(tmp_path / "hub", config=tmp_path / "hub.conf") as server:
        nc = await nats.connect(server.url, nkeys_seed=str(files["broker"]))
        h = Harness(nc, keys=dict(keys))
        await h.setup()
        for authority in keys:
            await h.add(authority, roles=roles[authority])
        try:
            yield server, h, files
        finally:
            await nc.close()


async def test_exchange_under_generated_permissions(
    hub: tuple[NatsServer, Harness, dict[str, Path]],
) -> None:
    """With only their own NKEY users, A sends through the broker and B receives, opens
    and acknowledges; B's signed receipt reaches A; neither needs any other right."""
    server, h, files = hub
    async with running_broker(server.url, h, **{"nats.nkey_seed_file": str(files["broker"])}):
        a = await Endpoint.connect(
            server.url, h.keys["it-dna"], h.root.public,
            nkey_seed_file=str(files["it-dna"]), domain=DEFAULT_DOMAIN,
        )  # fmt: skip
        b = await Endpoint.connect(
            server.url, h.keys["gb-ukca"], h.root.public,
            nkey_seed_file=str(files["gb-ukca"]), domain=DEFAULT_DOMAIN,
        )  # fmt: skip
        async with a, b:
            sealed = await a.send(referral(), to=["gb-ukca"])
            async with asyncio.timeout(15):
                async for event in b.events():
                    if isinstance(event, Received):
                        assert event.opened.binding.message_id == sealed.binding.message_id
                        break
            async with asyncio.timeout(15):
                async for _event in a.events():
                    chain = a.evidence.chain(sealed.binding.message_id)
                    if chain is not None and chain.complete:
                        break
            checkpoint = await a.refresh_checkpoint()
            assert checkpoint.size >= 1
    assert topology.inbox_consumer("gb-ukca") == "inbox-gb-ukca"
