"""The generated accounts and permissions, against a real nats-server.

Each integration test starts a server from a hub config that includes the generated
accounts (the hub has its own JetStream domain, `hub`, as in production), bootstraps
the topology as the broker, registers two authorities and attacks as one of them.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import nats
import nats.errors
import nkeys  # no type hints (mypy override in pyproject); nats-py's NKEY helper
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from broker import topology
from broker.natsconfig import (
    DEFAULT_DOMAIN,
    AccountLimits,
    NatsConfigError,
    check_user_nkey,
    read_nkeys,
    render_accounts,
    write_accounts,
)
from broker.natsserver import NatsServer
from clients.cli import main
from schemas.directory import AuthorityRecord, KeyRecord, Status
from schemas.nats_names import API_SUBJECTS

from .brokerkit import Harness

A, B, C = "it-dna", "ng-naptip", "fr-ocrteh"
TIMEOUT = 1.0


def _record(authority: str, status: Status = "active", serial: int = 1) -> AuthorityRecord:
    key = KeyRecord("sign", bytes(16), bytes(32), 0, 2**40)
    return AuthorityRecord(authority, authority, "IT", ["police"], [], [key], status, serial, 0)


def _seed() -> str:
    return str(nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER).decode())


def _public(seed: str) -> str:
    return str(nkeys.from_seed(bytearray(seed.encode())).public_key.decode())


SEEDS = {name: _seed() for name in ("broker", A, B, C)}
PUBLIC = {name: _public(seed) for name, seed in SEEDS.items()}
RECORDS = [_record(A), _record(B), _record(C, "suspended")]


def _accounts() -> str:
    keys = {a: PUBLIC[a] for a in (A, B, C)}
    return render_accounts(RECORDS, broker_nkey=PUBLIC["broker"], authority_nkeys=keys)


@dataclass
class Exchange:
    """A running hub with the topology bootstrapped, and a way to connect as anyone."""

    url: str
    broker_nc: Client
    broker: JetStreamContext
    errors: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    clients: list[Client] = field(default_factory=list)

    async def connect(self, who: str) -> Client:
        async def on_error(exc: Exception) -> None:
            self.errors.put_nowait(str(exc))

        client = Client()
        self.clients.append(client)  # closed by the fixture even if connecting fails
        await client.connect(
            self.url,
            nkeys_seed_str=SEEDS[who],
            inbox_prefix=topology.reply_prefix(who),
            error_cb=on_error,
            allow_reconnect=False,
            connect_timeout=2,
        )
        return client

    async def as_authority(self, who: str) -> JetStreamContext:
        return (await self.connect(who)).jetstream(domain=DEFAULT_DOMAIN, timeout=TIMEOUT)

    async def violation(self, kind: str, subject: str) -> None:
        """Wait until the server has refused a `kind` ("publish", "subscription") on a
        subject containing `subject` (nats-py lower-cases the message)."""
        head = f"nats: permissions violation for {kind} to "
        async with asyncio.timeout(2):
            while True:
                error = (await self.errors.get()).lower()
                if error.startswith(head) and subject.lower() in error:
                    return


@pytest.fixture
async def exchange(tmp_path: Path) -> AsyncIterator[Exchange]:
    """A hub from the generated config, bootstrapped by the broker user."""
    write_accounts(tmp_path / "accounts.conf", _accounts())
    hub = tmp_path / "hub.conf"
    hub.write_text('jetstream {\n  domain: hub\n}\ninclude "accounts.conf"\n')
    async with NatsServer(tmp_path / "nats", config=hub) as server:
        nc = await nats.connect(server.url, nkeys_seed_str=SEEDS["broker"], allow_reconnect=False)
        ex = Exchange(server.url, nc, nc.jetstream(timeout=5))
        try:
            await topology.bootstrap(ex.broker)
            for authority in (A, B):
                await topology.register_authority(ex.broker, authority)
            yield ex
        finally:
            for client in (*ex.clients, nc):
                await client.close()


async def _pending(ex: Exchange, authority: str) -> int:
    info = await ex.broker.consumer_info(topology.DELIVERY, topology.inbox_consumer(authority))
    return int(info.num_pending or 0) + int(info.num_ack_pending or 0)


async def test_authority_publishes_on_its_own_ingress(exchange: Exchange) -> None:
    """Baseline: an authority's envelope on its own subject is stored (JetStream ack)."""
    js = await exchange.as_authority(A)
    ack = await js.publish(topology.ingress_subject(A), b"envelope")
    assert (ack.stream, ack.seq) == (topology.INGRESS, 1)


async def test_authority_pulls_and_acks_its_own_inbox(exchange: Exchange) -> None:
    """Baseline: an authority pulls what the broker delivered to it and acks it away."""
    await exchange.broker.publish(topology.delivery_subject(A), b"delivery")
    js = await exchange.as_authority(A)
    assert (await js.consumer_info(topology.DELIVERY, topology.inbox_consumer(A))).num_pending == 1
    sub = await js.pull_subscribe_bind(topology.inbox_consumer(A), stream=topology.DELIVERY)
    [msg] = await sub.fetch(1, timeout=2)
    assert msg.data == b"delivery"
    await msg.ack_sync()
    assert await _pending(exchange, A) == 0


async def test_cannot_publish_as_another_authority(exchange: Exchange) -> None:
    """Attack: A publishes an envelope on B's ingress subject to send as B."""
    js = await exchange.as_authority(A)
    with pytest.raises(nats.errors.TimeoutError):
        await js.publish(topology.ingress_subject(B), b"forged")
    await exchange.violation("publish", f'"{topology.ingress_subject(B)}"')
    info = await exchange.broker.stream_info(topology.INGRESS)
    assert info.state.messages == 0


async def test_cannot_pull_another_authoritys_inbox(exchange: Exchange) -> None:
    """Attack: A binds to B's inbox consumer and fetches B's deliveries."""
    await exchange.broker.publish(topology.delivery_subject(B), b"for B only")
    js = await exchange.as_authority(A)
    sub = await js.pull_subscribe_bind(topology.inbox_consumer(B), stream=topology.DELIVERY)
    with pytest.raises(nats.errors.TimeoutError):
        await sub.fetch(1, timeout=TIMEOUT)
    await exchange.violation("publish", f"CONSUMER.MSG.NEXT.{topology.DELIVERY}.inbox-{B}")
    assert await _pending(exchange, B) == 1


@pytest.mark.parametrize(
    "subject",
    [
        topology.delivery_subject(B),
        "palermo.in.>",
        "palermo.out.*",
        f"{topology.reply_prefix(B)}.>",
        "_INBOX.>",
        ">",
    ],
)
async def test_cannot_subscribe_outside_its_reply_prefix(exchange: Exchange, subject: str) -> None:
    """Attack: A subscribes to deliveries, ingress traffic or another's replies."""
    nc = await exchange.connect(A)
    sub = await nc.subscribe(subject)
    await nc.flush()
    await exchange.violation("subscription", f'"{subject}"')
    await exchange.broker.publish(topology.delivery_subject(B), b"for B only")
    with pytest.raises(nats.errors.TimeoutError):
        await sub.next_msg(timeout=0.2)


@pytest.mark.parametrize("stream", [topology.DELIVERY, f"KV_{topology.KV_DIRECTORY}"])
async def test_cannot_create_a_consumer(exchange: Exchange, stream: str) -> None:
    """Attack: A creates a consumer (a push consumer delivers wherever its creator says)."""
    js = await exchange.as_authority(A)
    with pytest.raises(nats.errors.TimeoutError):
        await js.add_consumer(stream, deliver_subject=topology.ingress_subject(B))
    await exchange.violation("publish", f"CONSUMER.CREATE.{stream}")


async def test_reply_subject_cannot_file_into_another_inbox(exchange: Exchange) -> None:
    """Attack: A asks for a stored message with reply subject B's delivery subject, so
    the server itself would file A's bytes and headers into B's inbox."""
    js = await exchange.as_authority(A)
    store = await js.object_store(topology.evidence_bucket(A))
    await store.put("bait", b"crafted delivery")
    nc = exchange.clients[-1]
    stream = f"OBJ_{topology.evidence_bucket(A)}"
    request = json.dumps({"seq": 1}).encode()
    await nc.publish(
        f"$JS.{DEFAULT_DOMAIN}.API.DIRECT.GET.{stream}",
        request,
        reply=topology.delivery_subject(B),
    )
    await nc.flush()
    await asyncio.sleep(0.2)
    assert (await exchange.broker.stream_info(topology.DELIVERY)).state.messages == 0


async def test_reads_shared_buckets_and_others_evidence(exchange: Exchange) -> None:
    """Baseline: A reads the directory, lists its keys and reads B's evidence chunks
    with direct gets, and asks the broker's request-reply API."""
    directory = await exchange.broker.key_value(topology.KV_DIRECTORY)
    await directory.put(topology.directory_record_key(B), b"signed record")
    b_store = await (await exchange.as_authority(B)).object_store(topology.evidence_bucket(B))
    info = await b_store.put("evidence", b"ciphertext")

    async def answer(msg: Msg) -> None:
        await msg.respond(b"proof")

    await exchange.broker_nc.subscribe(API_SUBJECTS, cb=answer)
    js = await exchange.as_authority(A)
    kv = await js.key_value(topology.KV_DIRECTORY)
    assert (await kv.get(topology.directory_record_key(B))).value == b"signed record"
    listing = await js.stream_info(
        f"KV_{topology.KV_DIRECTORY}", subjects_filter=f"$KV.{topology.KV_DIRECTORY}.>"
    )
    assert listing.state.subjects == {f"$KV.{topology.KV_DIRECTORY}.rec.{B}": 1}
    chunk = await js.get_msg(
        f"OBJ_{topology.evidence_bucket(B)}",
        seq=1,
        subject=f"$O.{topology.evidence_bucket(B)}.C.{info.nuid}",
        direct=True,
        next=True,
    )
    assert chunk.data == b"ciphertext"
    reply = await exchange.clients[-1].request("palermo.api.proof", b"", timeout=TIMEOUT)
    assert reply.data == b"proof"


AttackFn = Callable[[JetStreamContext], Awaitable[object]]


@pytest.mark.parametrize(
    ("attack", "subject"),
    [
        (
            lambda js: js.publish(f"$O.{topology.evidence_bucket(B)}.C.x", b"junk"),
            f"$O.{topology.evidence_bucket(B)}.C.x",
        ),
        (
            lambda js: js.purge_stream(f"OBJ_{topology.evidence_bucket(B)}"),
            f"STREAM.PURGE.OBJ_{topology.evidence_bucket(B)}",
        ),
        (
            lambda js: js.publish(f"$KV.{topology.KV_DIRECTORY}.rec.{B}", b"fake"),
            f"$KV.{topology.KV_DIRECTORY}.rec.{B}",
        ),
        (
            lambda js: js.get_msg(topology.DELIVERY, seq=1, direct=True),
            f"DIRECT.GET.{topology.DELIVERY}",
        ),
    ],
    ids=["write-evidence", "purge-evidence", "write-directory", "direct-get-delivery"],
)
async def test_cannot_write_others_buckets_or_read_deliveries(
    exchange: Exchange, attack: AttackFn, subject: str
) -> None:
    """Attack: A writes or purges B's evidence, writes the directory, or reads the
    delivery stream by direct get."""
    js = await exchange.as_authority(A)
    with pytest.raises(nats.errors.TimeoutError):
        await attack(js)
    await exchange.violation("publish", subject)


async def test_suspended_authority_cannot_connect(exchange: Exchange) -> None:
    """Attack: a suspended authority connects with the key it still holds."""
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await exchange.connect(C)


def test_config_gives_no_user_to_inactive_and_no_public_export() -> None:
    """The text holds users only for active authorities and no export without accounts."""
    text = _accounts()
    assert PUBLIC[C] not in text
    assert f'"{C}": {{' not in text
    assert f"# {C}: suspended: no user." in text
    exports = [line for line in text.splitlines() if line.strip().startswith('{service: "')]
    assert exports
    assert all("accounts: [" in line for line in exports)
    assert text == _accounts()


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        # Change the last character (never to itself: keys are random).
        ({A: PUBLIC[A][:-1] + ("B" if PUBLIC[A].endswith("A") else "A")}, "checksum"),
        ({A: SEEDS[A]}, "not a NATS user public key"),
        ({A: PUBLIC[B], B: PUBLIC[B]}, "two users"),
        ({"xx-unknown": PUBLIC[A]}, "not in the directory"),
    ],
    ids=["mistyped", "seed", "reused", "unknown"],
)
def test_bad_keys_are_refused(keys: dict[str, str], message: str) -> None:
    """A mistyped, secret, reused or orphan key stops generation with a named error."""
    with pytest.raises(NatsConfigError, match=message):
        render_accounts(RECORDS, broker_nkey=PUBLIC["broker"], authority_nkeys=keys)


def test_domain_is_checked_and_latest_record_wins() -> None:
    """A domain that would break out of its subject token is refused; a later record
    (revocation) overrides an earlier one."""
    with pytest.raises(NatsConfigError, match="domain"):
        render_accounts(RECORDS, broker_nkey=PUBLIC["broker"], authority_nkeys={}, domain="a.>")
    revoked = [*RECORDS, _record(A, "revoked", serial=2)]
    text = render_accounts(revoked, broker_nkey=PUBLIC["broker"], authority_nkeys={A: PUBLIC[A]})
    assert PUBLIC[A] not in text
    assert f"# {A}: revoked: no user." in text


def test_nkeys_file_round_trip(tmp_path: Path) -> None:
    """The keys file is JSON id -> public key, checked on reading."""
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({A: PUBLIC[A]}))
    assert read_nkeys(path) == {A: PUBLIC[A]}
    assert check_user_nkey(PUBLIC[A]) == PUBLIC[A]
    path.write_text(json.dumps({"Not An Id": PUBLIC[A]}))
    with pytest.raises(NatsConfigError):
        read_nkeys(path)


def test_authority_accounts_carry_limits_and_broker_account_a_store_cap() -> None:
    """Each authority account gets the server-enforced limits; the broker account's
    file store is capped only when a store size is given."""
    limits = AccountLimits(max_connections=3, max_subscriptions=50, max_payload=600_000)
    keys = {a: PUBLIC[a] for a in (A, B)}
    text = render_accounts(
        RECORDS, broker_nkey=PUBLIC["broker"], authority_nkeys=keys, limits=limits,
        store_bytes=123_456_789,
    )  # fmt: skip
    block = (
        "  limits: {max_connections: 3, max_subscriptions: 50, max_payload: 600000, "
        "max_leafnodes: 4}"
    )
    assert text.count(block) == 2
    assert "  jetstream: {max_file: 123456789}" in text
    plain = render_accounts(RECORDS, broker_nkey=PUBLIC["broker"], authority_nkeys=keys)
    assert "  jetstream: enabled" in plain
    assert "max_connections: 32, max_subscriptions: 1000, max_payload: 524288" in plain


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: AccountLimits(max_connections=0), "max_connections must be at least 1"),
        (lambda: AccountLimits(max_payload=0), "max_payload must be at least 1"),
        (lambda: AccountLimits(max_leafnodes=-1), "max_leafnodes must not be negative"),
        (
            lambda: render_accounts(
                RECORDS, broker_nkey=PUBLIC["broker"], authority_nkeys={}, store_bytes=0
            ),
            "not a positive byte count",
        ),
    ],
    ids=["connections", "payload", "leafnodes", "store"],
)
def test_limits_that_mean_unlimited_are_refused(make: Callable[[], object], message: str) -> None:
    """0 means "no limit" to nats-server: a zero limit is refused with a named error."""
    with pytest.raises(NatsConfigError, match=message):
        make()


async def test_nats_config_command_takes_limits_from_config_and_options(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """`palermo nats-config --config` writes the [quotas] limits, an option overrides
    one of them, and nats-server accepts the result."""
    h = Harness(nc)
    await h.setup()
    await h.add(A)
    config = tmp_path / "broker.toml"
    config.write_text(
        f'directory_root = "{h.root.public.hex()}"\n'
        "[quotas]\nmax_connections = 7\nmax_subscriptions = 70\nstore_bytes = 50000000\n"
    )
    nkeys_file, out = tmp_path / "nkeys.json", tmp_path / "accounts.conf"
    nkeys_file.write_text(json.dumps({A: PUBLIC[A]}))
    argv = [
        "nats-config", "--nats-url", nats_server.url, "--root-public", h.root.public.hex(),
        "--nkeys", str(nkeys_file), "--broker-nkey", PUBLIC["broker"], "--out", str(out),
        "--config", str(config), "--max-subscriptions", "80",
    ]  # fmt: skip
    assert await asyncio.to_thread(main, argv) == 0
    text = out.read_text()
    assert "limits: {max_connections: 7, max_subscriptions: 80, max_payload: 524288" in text
    assert "jetstream: {max_file: 50000000}" in text
    hub = tmp_path / "hub.conf"
    hub.write_text('jetstream {\n  domain: hub\n}\ninclude "accounts.conf"\n')
    async with NatsServer(tmp_path / "hub", config=hub) as server:
        client = await nats.connect(server.url, nkeys_seed_str=SEEDS[A], allow_reconnect=False)
        await client.close()
