"""Quotas the server enforces, and the store's reserve, against a real nats-server.

The account limits run in operator mode, from the account JWTs; the evidence quota and
the reserve run there too, as an authority's own user; the
readiness scenario runs a real broker with its ops API on a server whose JetStream
file store is small, and fills that store until writes fail.
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import nats
import nats.errors
import nats.js.errors
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from broker import topology
from broker.config import load_config
from broker.errors import ConfigError
from broker.natsconfig import AccountLimits
from broker.natsserver import NatsServer
from broker.quotas import QuotaError, store_usage
from clients import attachments
from clients.errors import QuotaExceeded
from schemas.audit import AUDIT_DOMAIN, AuditEvent, encode_event
from schemas.envelope import now_ms

from .brokerkit import Harness
from .operatorkit import DOMAIN, EVIDENCE, OperatorHub, operator_hub
from .test_ops import TOKEN, ops_broker

A, B = "it-dna", "ng-naptip"
MIB = 1024 * 1024
LIMITS = AccountLimits(max_connections=2, max_subscriptions=4, max_payload=512 * 1024)
STORE = 6 * MIB
"""The `PALERMO` account's JetStream store cap in its account JWT."""
RESERVE = 0.25
SETTINGS = topology.TopologySettings(evidence_bytes=MIB, store_reserve=RESERVE)


@dataclass
class Exchange:
    """The hub with small limits, the broker's JetStream contexts, and A's or B's creds."""

    op: OperatorHub
    clients: list[Client] = field(default_factory=list)

    @property
    def broker(self) -> JetStreamContext:
        return self.op.h.js

    @property
    def evidence(self) -> JetStreamContext:
        return self.op.h.nc.jetstream(domain=EVIDENCE, timeout=5)

    async def connect(self, who: str) -> Client:
        nc = await self.op.connect(who)
        self.clients.append(nc)
        return nc

    async def as_authority(self, who: str, *, evidence: bool = False) -> JetStreamContext:
        domain = EVIDENCE if evidence else DOMAIN
        return (await self.connect(who)).jetstream(domain=domain, timeout=1.0)


@pytest.fixture
async def limited(tmp_path: Path) -> AsyncIterator[Exchange]:
    """A hub in operator mode with small account limits; A's evidence quota is 1 MiB; the
    evidence store is the share the 25 % reserve leaves of a 6 MiB store."""
    async with operator_hub(
        tmp_path,
        limits=LIMITS,
        store_bytes=STORE,
        evidence_bytes=int(STORE * (1 - RESERVE)),
        settings=SETTINGS,
    ) as op:
        for authority in (A, B):
            await op.register(authority, ["police"])
        ex = Exchange(op)
        try:
            yield ex
        finally:
            for client in ex.clients:
                await client.close()


async def test_connections_past_the_account_limit_are_refused(limited: Exchange) -> None:
    """Attack: A opens more connections than its account allows; the server refuses
    the third and the first two keep working."""
    first, second = await limited.connect(A), await limited.connect(A)
    with pytest.raises(nats.errors.Error, match="maximum account active connections exceeded"):
        await limited.connect(A)
    for nc in (first, second):
        await nc.flush(timeout=2)
        assert nc.is_connected
    # Another authority's account is not affected by A's.
    assert (await limited.connect(B)).is_connected


async def _server_logged(tmp_path: Path, text: str) -> None:
    """Wait (bounded) until the server's log, in the `limited` fixture's store, has
    `text`: the server's own word on why it refused, whatever the client makes of it."""
    log = tmp_path / "nats" / "nats-server.log"
    async with asyncio.timeout(3):
        while text not in log.read_text(errors="replace"):
            await asyncio.sleep(0.05)


async def _closed(nc: Client) -> None:
    async with asyncio.timeout(3):
        while not nc.is_closed:
            await asyncio.sleep(0.02)


async def test_subscriptions_past_the_account_limit_are_refused(
    limited: Exchange, tmp_path: Path
) -> None:
    """Attack: A subscribes more often than its account allows; the server refuses the
    subscription past the limit ("maximum subscriptions exceeded"), and the client,
    which cannot go on with a subscription it was refused, closes; up to the limit
    the connection stays up."""
    nc = await limited.connect(A)
    prefix = topology.reply_prefix(A)
    for i in range(LIMITS.max_subscriptions):
        await nc.subscribe(f"{prefix}.s{i}")
    await nc.flush(timeout=2)
    await asyncio.sleep(0.2)
    assert nc.is_connected
    await nc.subscribe(f"{prefix}.past")
    await _server_logged(tmp_path, " - maximum subscriptions exceeded")
    await _closed(nc)
    # The limit is A's account's own: B subscribes as usual.
    other = await limited.connect(B)
    await other.subscribe(f"{topology.reply_prefix(B)}.x")
    await other.flush(timeout=2)
    assert other.is_connected


async def test_payload_past_the_account_limit_is_refused(limited: Exchange, tmp_path: Path) -> None:
    """Attack: A publishes a message larger than its account's max_payload (the server
    announces 1 MiB before the account is known); the server refuses it, nothing is
    stored, and the connection ends."""
    js = await limited.as_authority(A)
    nc = limited.clients[-1]
    with pytest.raises((nats.errors.Error, TimeoutError)):
        await js.publish(topology.ingress_subject(A), os.urandom(LIMITS.max_payload + 1))
    await _server_logged(
        tmp_path, f"maximum payload exceeded: {LIMITS.max_payload + 1} vs {LIMITS.max_payload}"
    )
    await _closed(nc)
    assert (await limited.broker.stream_info(topology.INGRESS)).state.messages == 0


async def test_evidence_upload_over_the_quota_gets_quota_exceeded(limited: Exchange) -> None:
    """Attack: A uploads more evidence than its 1 MiB quota; the server refuses it, the
    client raises `QuotaExceeded` with the figures, and nothing of the upload stays."""
    js = await limited.as_authority(A, evidence=True)
    kept = await attachments.upload(
        js, A, io.BytesIO(os.urandom(600_000)), file_name="a", media_type="x/y", victim_level="none"
    )
    stream = f"OBJ_{topology.evidence_bucket(A)}"
    before = (await limited.evidence.stream_info(stream)).state.bytes
    with pytest.raises(QuotaExceeded) as caught:
        await attachments.upload(
            js, A, io.BytesIO(os.urandom(600_000)), file_name="b", media_type="x/y",
            victim_level="none",
        )  # fmt: skip
    error = caught.value
    assert isinstance(error, attachments.AttachmentUnavailable)
    assert (error.bucket, error.quota, error.stored) == (topology.evidence_bucket(A), MIB, before)
    assert f"its quota is {MIB} bytes and it holds {before}" in str(error)
    assert (await limited.evidence.stream_info(stream)).state.bytes == before
    # What was stored before the refusal still reads back whole.
    out = io.BytesIO()
    assert await attachments.download(js, A, kept.descriptor, kept.ref, out) == 600_000


async def test_store_size_comes_from_the_account_jwts(limited: Exchange) -> None:
    """`PALERMO`'s store cap in its account JWT is the store size the broker reads, and
    `EVIDENCE`'s is the share evidence may fill: the server itself keeps the reserve."""
    usage = await store_usage(limited.broker, None)
    assert usage.limit == STORE
    assert (await store_usage(limited.broker, 4 * MIB)).limit == 4 * MIB
    assert (await store_usage(limited.evidence, None)).limit == int(STORE * (1 - RESERVE))


async def test_registration_refuses_a_quota_that_cuts_into_the_reserve(
    limited: Exchange,
) -> None:
    """With a 6 MiB store and a 25 % reserve, evidence may claim 4.5 MiB: A and B hold
    1 MiB each, a 2 MiB quota fits once more, and the next is refused with the figures
    and gets no bucket."""
    big = topology.TopologySettings(
        evidence_bytes=2 * MIB, store_reserve=RESERVE, evidence_domain=EVIDENCE
    )
    await topology.register_authority(limited.broker, "fr-one", big)
    with pytest.raises(QuotaError, match=r"would claim 6291456 bytes, over the 4718592 bytes"):
        await topology.register_authority(limited.broker, "fr-two", big)
    with pytest.raises(nats.js.errors.NotFoundError):
        await limited.evidence.stream_info(f"OBJ_{topology.evidence_bucket('fr-two')}")
    # Re-registering an existing authority with its quota unchanged is not a new claim.
    await topology.register_authority(limited.broker, "fr-one", big)


async def test_existing_bucket_quota_is_raised_never_cut_below_its_data(
    limited: Exchange,
) -> None:
    """A configured quota reaches an existing bucket, unless the bucket already holds
    more than it: then nothing is changed, because a lower max_bytes deletes evidence."""
    js = await limited.as_authority(A, evidence=True)
    await attachments.upload(
        js, A, io.BytesIO(os.urandom(300_000)), file_name="a", media_type="x/y", victim_level="none"
    )
    stream = f"OBJ_{topology.evidence_bucket(A)}"
    before = (await limited.evidence.stream_info(stream)).state

    def quota(n: int) -> topology.TopologySettings:
        return topology.TopologySettings(
            evidence_bytes=n, store_reserve=RESERVE, evidence_domain=EVIDENCE
        )

    await topology.register_authority(limited.broker, A, quota(200_000))
    info = await limited.evidence.stream_info(stream)
    assert before.bytes > 200_000
    assert (info.config.max_bytes, info.state.messages) == (MIB, before.messages)
    await topology.register_authority(limited.broker, A, quota(2 * MIB))
    assert (await limited.evidence.stream_info(stream)).config.max_bytes == 2 * MIB


async def _ready(http: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, object]]:
    async with http.get(url + "/readyz") as r:
        return r.status, await r.json()


async def _audit(js: nats.js.JetStreamContext, n: int) -> bool:
    """Append one directory-change audit event; whether JetStream stored it."""
    event = AuditEvent(
        domain=AUDIT_DOMAIN, event="directory", time_ms=now_ms(), authority="zz-filler",
        directory_serial=n, reason="updated",
    )  # fmt: skip
    try:
        await js.publish(topology.AUDIT_SUBJECT, encode_event(event))
    except nats.js.errors.APIError:
        return False
    return True


@pytest.mark.parametrize("threshold", [0.9, 1.0], ids=["guarded", "unguarded"])
async def test_store_nearly_full_turns_readyz_red_before_audit_fails(
    tmp_path: Path, threshold: float
) -> None:
    """A store filled by deliveries nobody collects: /readyz turns red (with the store
    as its reason) while an audit append still succeeds, and only later do writes
    fail, audit appends included. With the threshold at 100 % (no guard) readiness
    stays green until the store refuses writes."""
    store = 8 * MIB
    conf = tmp_path / "nats.conf"
    conf.write_text(f"jetstream {{\n  max_file_store: {store}\n}}\n")
    async with NatsServer(tmp_path / "nats", config=conf) as server:
        nc: Client = await nats.connect(server.url)
        try:
            h = Harness(nc)
            await h.setup()
            overrides = {
                "quotas.store_bytes": store,
                "quotas.poll_interval": 0.0,
                "quotas.ready_threshold": threshold,
            }
            async with (
                ops_broker(server.url, h, **overrides) as (_, url),
                aiohttp.ClientSession() as http,
            ):
                assert (await _ready(http, url))[0] == 200
                red_at: float | None = None
                audit_when_red = False
                filler = os.urandom(64 * 1024)
                for n in range(2 * store // len(filler)):  # bounded: the store fills first
                    status, body = await _ready(http, url)
                    if status == 503 and red_at is None:
                        red_at = (await store_usage(h.js, store)).fraction
                        assert any("JetStream store" in str(r) for r in body["reasons"])  # type: ignore[attr-defined]
                        assert TOKEN not in str(body)
                        audit_when_red = await _audit(h.js, n)
                    try:
                        await h.js.publish(topology.delivery_subject("zz-nobody"), filler)
                    except nats.js.errors.APIError:
                        break
                else:
                    pytest.fail("the store never filled")
                failed_at = (await store_usage(h.js, store)).fraction
                # The last filler did not fit; audit events are small: append them
                # until one fails too (bounded: 64 KiB of them at most).
                appended = 0
                while appended < 2_000 and await _audit(h.js, -appended):
                    appended += 1
                status, _ = await _ready(http, url)
        finally:
            await nc.close()
    if threshold < 1:
        assert red_at is not None
        assert threshold <= red_at < failed_at
        assert audit_when_red, "an audit append failed while red"
        assert status == 503
    else:
        # Without the guard, red comes only once the store is full: too late.
        assert red_at is None or red_at >= 1.0
    assert failed_at > 0.95
    assert appended < 2_000, "audit appends never failed on a full store"


def test_threshold_below_what_evidence_may_fill_is_refused() -> None:
    """A readiness threshold that full evidence buckets alone could reach is a
    configuration error naming both figures."""
    root = {"directory_root": "0" * 64}
    figures = r"ready_threshold \(0\.7\).*\(1 - store_reserve = 0\.8\)"
    with pytest.raises(ConfigError, match=figures):
        load_config(env={}, overrides={**root, "quotas.ready_threshold": 0.7})
    quotas = load_config(env={}, overrides={**root, "quotas.store_reserve": 0.4}).quotas
    assert (quotas.ready_threshold, quotas.evidence_bytes) == (0.9, 2 * 1024 * MIB)
