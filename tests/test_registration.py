"""Registering an authority against a running hub: add it to the directory, regenerate
the accounts, reload the server twice (docs/deployment.md says why); its sends and
its API requests are then answered, and nobody else's connection was disturbed."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import nats
import nkeys  # no type hints (mypy override in pyproject); nats-py's NKEY helper
import pytest

from broker.natsconfig import DEFAULT_DOMAIN, render_accounts, write_accounts
from broker.natsserver import NatsServer
from clients.endpoint import Endpoint, Received
from clients.errors import DirectoryUnavailable
from schemas.directory import Role
from schemas.keys import AuthorityKeys

from .brokerkit import Harness, record, referral, running_broker

ROLES: dict[str, list[Role]] = {
    "it-dna": ["prosecutor"],
    "gb-ukca": ["central_authority"],
    "ng-naptip": ["police", "prosecutor"],
}


def seed() -> str:
    return str(nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER).decode())


def public(value: str) -> str:
    return str(nkeys.from_seed(bytearray(value.encode())).public_key.decode())


def accounts(keys: dict[str, AuthorityKeys], seeds: dict[str, str], path: Path) -> None:
    """Generate accounts.conf for the authorities of `keys` (what `nats-config` does)."""
    text = render_accounts(
        [record(keys[a], ROLES[a]) for a in keys],
        broker_nkey=public(seeds["broker"]),
        authority_nkeys={a: public(seeds[a]) for a in keys},
    )
    write_accounts(path, text)


async def reload(server: NatsServer) -> None:
    """`nats-server --signal reload`: SIGHUP, then a moment for the server to apply it."""
    assert server.pid is not None
    log = server.store_dir / "nats-server.log"
    before = log.read_text().count("Reloaded server configuration")
    os.kill(server.pid, signal.SIGHUP)
    async with asyncio.timeout(10):
        while log.read_text().count("Reloaded server configuration") == before:
            await asyncio.sleep(0.05)


async def test_new_authority_answered_after_the_documented_reloads(tmp_path: Path) -> None:
    """ng-naptip joins a hub already serving it-dna and gb-ukca. After one reload its
    account exists but its imports lead nowhere (nats-server 2.15.1: "no responders";
    should this start failing, the server wires a new account's imports on the first
    reload and the documented procedure can drop the second). After the second
    reload it sends a referral that it-dna receives, and its checkpoint request is
    answered."""
    seeds = {who: seed() for who in ("broker", *ROLES)}
    files = {who: tmp_path / f"{who}.nk" for who in seeds}
    for who, value in seeds.items():
        files[who].write_text(value)
    (tmp_path / "hub.conf").write_text(
        # The server's name as NatsServer passes it: a reload must not change it.
        'server_name: palermo\njetstream {\n  domain: hub\n}\ninclude "accounts.conf"\n'
    )
    first = {a: AuthorityKeys.generate(a) for a in ("it-dna", "gb-ukca")}
    accounts(first, seeds, tmp_path / "accounts.conf")
    async with NatsServer(tmp_path / "hub", config=tmp_path / "hub.conf", start_timeout=30) as s:
        h = Harness(await nats.connect(s.url, nkeys_seed=str(files["broker"])), keys=dict(first))
        try:
            await h.setup()
            for authority in first:
                await h.add(authority, roles=ROLES[authority])
            async with running_broker(s.url, h, **{"nats.nkey_seed_file": str(files["broker"])}):
                # The governors add ng-naptip; the operators regenerate and reload once.
                await h.add("ng-naptip", roles=ROLES["ng-naptip"])
                accounts(h.keys, seeds, tmp_path / "accounts.conf")
                await reload(s)
                early = await Endpoint.connect(
                    s.url, h.keys["ng-naptip"], h.root.public,
                    nkey_seed_file=str(files["ng-naptip"]), domain=DEFAULT_DOMAIN,
                )  # fmt: skip
                async with early:
                    with pytest.raises(DirectoryUnavailable, match="ServiceUnavailable"):
                        await early.directory()
                await reload(s)
                naptip = await Endpoint.connect(
                    s.url, h.keys["ng-naptip"], h.root.public,
                    nkey_seed_file=str(files["ng-naptip"]), domain=DEFAULT_DOMAIN,
                )  # fmt: skip
                dna = await Endpoint.connect(
                    s.url, h.keys["it-dna"], h.root.public,
                    nkey_seed_file=str(files["it-dna"]), domain=DEFAULT_DOMAIN,
                )  # fmt: skip
                async with naptip, dna:
                    sealed = await naptip.send(referral(), to=["it-dna"])
                    async with asyncio.timeout(15):
                        async for event in dna.events():
                            if isinstance(event, Received):
                                assert event.opened.binding.message_id == (
                                    sealed.binding.message_id
                                )
                                break
                    async with asyncio.timeout(15):
                        checkpoint = await naptip.refresh_checkpoint()
                    assert checkpoint.size >= 1
        finally:
            await h.nc.close()
