"""A broker under test: real nats-server, real directory, real broker tasks, real keys."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import PubAck

from broker import topology
from broker.auditlog import export_audit, verify_export
from broker.config import BrokerConfig, load_config
from broker.directory_store import DirectoryAdmin, broker_record
from broker.service import Broker, topology_settings
from broker.tlog_proofs import latest_checkpoint
from schemas.audit import AuditEvent, decode_event
from schemas.directory import (
    AuthorityRecord,
    Role,
    encryption_key_record,
    signing_key_record,
)
from schemas.envelope import now_ms, seal
from schemas.keys import AuthorityKeys, SigningKey
from schemas.keystore import BrokerKeys
from schemas.kinds import CaseReferral, Message
from schemas.note import verifier_key
from schemas.notice import NoticeBatch, open_notices
from schemas.records import Victim

YEAR_MS = 365 * 24 * 3600 * 1000
SUMMARY = "Victim V1 was moved from Lagos to Turin via Agadez and exploited in a salon."


def referral(summary: str = SUMMARY) -> CaseReferral:
    """A small, clean case referral."""
    return CaseReferral(summary=summary, victims=[Victim(ref="V1", sex="female")])


def record(
    keys: AuthorityKeys,
    roles: Sequence[Role] = ("police",),
    networks: Sequence[str] = (),
    status: str = "active",
) -> AuthorityRecord:
    """A directory record for `keys`, valid for a year either side of now."""
    now = now_ms()
    return AuthorityRecord(
        id=keys.authority,
        name=keys.authority.upper(),
        country=keys.authority[:2].upper(),
        roles=list(roles),
        networks=list(networks),
        keys=[
            signing_key_record(keys.signing, now - YEAR_MS, now + YEAR_MS),
            encryption_key_record(keys.encryption.public, now - YEAR_MS, now + YEAR_MS),
        ],
        status=status,  # type: ignore[arg-type]
        serial=0,
        issued_ms=now,
    )


@dataclass
class Harness:
    """The governors' root key, the broker's keys, the authorities, and NATS."""

    nc: Client
    root: SigningKey = field(default_factory=SigningKey.generate)
    broker_keys: BrokerKeys = field(
        default_factory=lambda: BrokerKeys(SigningKey.generate(), SigningKey.generate())
    )
    keys: dict[str, AuthorityKeys] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.js: JetStreamContext = self.nc.jetstream()
        self.admin = DirectoryAdmin(self.js, self.root)

    def config(self, **overrides: Any) -> BrokerConfig:
        """A broker configuration pinned to this harness's root key."""
        return load_config(
            env={}, overrides={"directory_root": self.root.public.hex(), **overrides}
        )

    async def setup(self, **overrides: Any) -> None:
        """Bootstrap the topology and publish the broker's own directory record."""
        await topology.bootstrap(self.js, topology_settings(self.config(**overrides)))
        record = broker_record(
            self.broker_keys, now_ms=now_ms(), valid_ms=YEAR_MS, name="Palermo broker"
        )
        await self.admin.put(record, change="added")

    async def add(
        self, authority: str, roles: Sequence[Role] = ("police",), **kw: Any
    ) -> AuthorityKeys:
        """Register an authority with fresh keys."""
        keys = self.keys.get(authority) or AuthorityKeys.generate(authority)
        self.keys[authority] = keys
        await self.admin.put(record(keys, roles, **kw), change="added")
        return keys

    def seal(self, sender: str, *recipients: str, body: Message | None = None, **kw: Any) -> bytes:
        """Seal `body` (a clean referral by default) from `sender` to `recipients`."""
        return seal(
            body or referral(),
            sender=self.keys[sender],
            recipients=[self.keys[r].recipient for r in recipients],
            **kw,
        ).data

    async def send(self, sender: str, data: bytes) -> PubAck:
        """Publish raw envelope bytes on `sender`'s ingress subject."""
        return await self.js.publish(topology.ingress_subject(sender), data)

    async def inbox(self, authority: str, count: int, wait: float = 5.0) -> list[Msg]:
        """Fetch and ack `count` messages from `authority`'s inbox consumer."""
        sub = await self.js.pull_subscribe_bind(
            durable=topology.inbox_consumer(authority), stream=topology.DELIVERY
        )
        got: list[Msg] = []
        try:
            async with asyncio.timeout(wait):
                while len(got) < count:
                    with contextlib.suppress(nats.errors.TimeoutError):
                        got.extend(await sub.fetch(count - len(got), timeout=0.5))
        finally:
            for m in got:
                await m.ack()
            await sub.unsubscribe()
        return got

    async def notices(self, authority: str, count: int, wait: float = 5.0) -> list[Any]:
        """The next `count` broker notices in `authority`'s inbox, signature verified."""
        out: list[Any] = []
        async with asyncio.timeout(wait):
            while len(out) < count:
                for m in await self.inbox(authority, 1, wait):
                    if (m.headers or {}).get("Palermo-Type") == "notices":
                        batch: NoticeBatch = open_notices(m.data, self.broker_keys.notice.public)
                        assert batch.sender == authority
                        out.extend(batch.notices)
        return out

    async def audit(self) -> list[AuditEvent]:
        """Every audit event so far, in stream order (one ordered consumer pass)."""
        info = await self.js.stream_info(topology.AUDIT)
        if info.state.messages == 0:
            return []
        sub = await self.js.subscribe(
            topology.AUDIT_SUBJECT, stream=topology.AUDIT, ordered_consumer=True
        )
        events = []
        try:
            while True:
                msg = await sub.next_msg(timeout=5)
                events.append(decode_event(msg.data))
                if msg.metadata.num_pending == 0:
                    return events
        finally:
            await sub.unsubscribe()


@contextlib.asynccontextmanager
async def running_broker(url: str, harness: Harness, **overrides: Any) -> AsyncIterator[Broker]:
    """A broker process's tasks on their own NATS connection, stopped after the block."""
    config = harness.config(**overrides)
    nc = await nats.connect(url, nkeys_seed=config.nats.nkey_seed_file)
    async with broker_tasks(config, harness.broker_keys, nc) as broker:
        yield broker


@contextlib.asynccontextmanager
async def broker_tasks(
    config: BrokerConfig, keys: BrokerKeys, nc: Client, *, ready_within: float = 10
) -> AsyncIterator[Broker]:
    """A broker's tasks on connection `nc` (drained after), ready within `ready_within`
    seconds, stopped after the block."""
    stop = asyncio.Event()
    broker = Broker(config, keys, nc)
    task = asyncio.create_task(broker.run(stop))
    try:
        async with asyncio.timeout(ready_within):
            await broker.ready.wait()
        yield broker
    finally:
        stop.set()
        await task
        await nc.drain()


def binding_fields(event: AuditEvent) -> dict[str, Any]:
    """An audit event as a plain dict (for readable assertions)."""
    return msgspec.structs.asdict(event)


async def verified_audit_export(h: Harness, path: Path) -> tuple[bytes, str]:
    """Wait for a signed checkpoint covering every audit event, export the audit log to
    `path` and check that it verifies offline; the checkpoint and the verifier key."""
    last = (await h.js.stream_info(topology.AUDIT)).state.last_seq
    async with asyncio.timeout(30):
        while True:
            checkpoint = await latest_checkpoint(h.js)
            if checkpoint and int(checkpoint.split(b"\n")[1]) >= last:
                break
            await asyncio.sleep(0.2)
    out = io.StringIO()
    await export_audit(h.js, out)
    await asyncio.to_thread(path.write_text, out.getvalue())
    vkey = verifier_key("palermo.example/audit", h.broker_keys.log)
    assert verify_export(path, [checkpoint], vkey).ok
    return checkpoint, vkey


async def check_rate_once(
    h: Harness,
    per_broker: Sequence[tuple[int, int]],
    span: float,
    *,
    flood: int,
    rate: float,
    burst: int,
) -> None:
    """Brokers that shared one sender's flood of `flood` envelopes, sent within `span`
    seconds, allowed its rate once between them: each did some of the work (accepted,
    rate_limited), at most burst + rate x span were accepted, every other one was
    rejected `rate_limited`, and the audit log says the same."""
    accepted = sum(a for a, _ in per_broker)
    limited = sum(r for _, r in per_broker)
    assert min(a + r for a, r in per_broker) > 0, f"one broker did all the work: {per_broker}"
    assert burst <= accepted <= burst + rate * span + 1, (accepted, span)
    assert limited == flood - accepted
    events = await h.audit()
    assert sum(1 for e in events if e.event == "accepted") == accepted
    rejected = [e for e in events if e.event == "rejected"]
    assert {e.reason for e in rejected} == {"rate_limited"}
    assert sum(e.count for e in rejected) == limited
