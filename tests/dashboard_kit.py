"""A broker with real traffic for the dashboard: the browser test and the screenshots
for the docs share it.

`dashboard_world` starts a real nats-server, two witnesses of the audit log (the
`palermo witness` service on loopback), a broker with its ops API (consumer lags
sampled twice a second) that asks them to cosign its checkpoints, three authorities and
real envelopes: some accepted, some rejected (three codes), and, with a short delivery
deadline nobody meets, the non-deliveries that follow. It yields once the audit log
holds every outcome and a cosigned checkpoint covers it, with the ground truth read
back from the audit stream itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import nats

from broker.natsserver import NatsServer
from broker.ops import OpsServer
from broker.ops_history import HOUR_MS
from broker.service import Broker
from schemas.audit import AuditEvent
from schemas.envelope import parse
from schemas.keys import SigningKey
from schemas.kinds import SpontaneousInformation
from schemas.note import NoteVerifier
from schemas.witness import WitnessKey
from witness import LogConfig, WitnessConfig, running
from witness.config import HttpConfig

from .brokerkit import Harness

TOKEN = "operator-token-for-the-dashboard-0123456789"  # noqa: S105 (a test token)
MALFORMED = b"\x93not an envelope"
LAG_INTERVAL = 0.5
DELIVERY_DEADLINE = 3.0
AUTHORITIES = ("ng-naptip", "it-dna", "gb-nca")
ORIGIN = "palermo.example/audit"
WITNESSES = ("witness.un.example/w1", "witness.it.example/w2")


@dataclass
class Traffic:
    """What was sent, in counts."""

    accepted: list[tuple[str, str]] = field(default_factory=list)
    """(sender, recipient) of each envelope meant to be accepted."""
    rejected: list[tuple[str, str]] = field(default_factory=list)
    """(sender, rejection code) of each envelope meant to be rejected."""


@dataclass
class World:
    """The running broker, its ops URL, the harness and the audit log's ground truth."""

    h: Harness
    broker: Broker
    url: str
    traffic: Traffic
    events: list[AuditEvent]
    cosigned: str
    """The cosigned checkpoint note the ops API served once it covered every event."""

    def hourly(self) -> dict[int, tuple[int, int]]:
        """(accepted, rejected) per hour start, from the audit events."""
        out: dict[int, tuple[int, int]] = {}
        for e in self.events:
            if e.event in ("accepted", "rejected"):
                hour = e.time_ms // HOUR_MS * HOUR_MS
                a, r = out.get(hour, (0, 0))
                out[hour] = (a + e.count, r) if e.event == "accepted" else (a, r + e.count)
        return out

    def rejected_by_code(self) -> Counter[str]:
        """Rejections by code, from the audit events."""
        c: Counter[str] = Counter()
        for e in self.events:
            if e.event == "rejected":
                c[e.reason or "unknown"] += e.count
        return c


def _flip_last(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0x01])


async def send_traffic(h: Harness, scale: int = 1) -> Traffic:
    """Accepted referrals and information; rejected: malformed bytes, an envelope sent
    on another authority's subject, and tampered envelopes.

    Rejections decided before the signature is checked are audited at once only for the
    first batch of each sender and code in a minute (later ones wait for the minute's
    summary), so each (sender, code) of those occurs once here.
    """
    t = Traffic()
    for _ in range(3 * scale):
        t.accepted.append(("ng-naptip", "it-dna"))
        await h.send("ng-naptip", h.seal("ng-naptip", "it-dna"))
    for _ in range(2 * scale):
        t.accepted.append(("it-dna", "gb-nca"))
        body = SpontaneousInformation(summary="Route via Agadez.")
        await h.send("it-dna", h.seal("it-dna", "gb-nca", body=body))
    for sender in ("gb-nca", "it-dna"):
        t.rejected.append((sender, "malformed"))
        await h.send(sender, MALFORMED)
    t.rejected.append(("ng-naptip", "sender_mismatch"))
    await h.send("ng-naptip", h.seal("gb-nca", "it-dna"))
    for _ in range(scale):
        t.rejected.append(("ng-naptip", "tampered"))
        tampered = _flip_last(h.seal("ng-naptip", "it-dna"))
        assert parse(tampered)  # still parses: the broker rejects it for its AEAD tag
        await h.send("ng-naptip", tampered)
    return t


async def _settled(h: Harness, t: Traffic, wait: float) -> list[AuditEvent]:
    """The audit events once every outcome of `t` is in the log."""
    n = Counter[str]()
    try:
        async with asyncio.timeout(wait):
            while True:
                events = await h.audit()
                n = Counter[str]()
                for e in events:
                    n[e.event] += e.count
                if (
                    n["accepted"] == len(t.accepted)
                    and n["rejected"] == len(t.rejected)
                    and n["non_delivery"] == len(t.accepted)
                ):
                    return events
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise TimeoutError(f"the audit log did not settle: {dict(n)}") from None


@contextlib.asynccontextmanager
async def dashboard_world(store: Path, scale: int = 1) -> AsyncIterator[World]:
    """A nats-server in `store`, witnesses, a broker with its ops API, settled traffic."""
    overrides: dict[str, object] = {
        "ops.token": TOKEN,
        "ops.port": 0,
        "time.delivery_deadline": DELIVERY_DEADLINE,
        "time.sweep_interval": 0.2,
        "witnessing.timeout": 2.0,
        "witnessing.backoff": 0.5,
        "witnessing.interval": 0.1,
    }
    async with NatsServer(store / "nats") as server, contextlib.AsyncExitStack() as stack:
        nc = await nats.connect(server.url, connect_timeout=5, max_reconnect_attempts=0)
        stack.push_async_callback(nc.drain)
        h = Harness(nc)
        log_vkey = NoteVerifier.for_key(ORIGIN, h.broker_keys.log).vkey
        peers = []
        for name in WITNESSES:
            key = SigningKey.generate()
            config = WitnessConfig(
                name=name,
                state_dir=str(store / name.replace("/", "_")),
                logs=[LogConfig(ORIGIN, log_vkey)],
                http=HttpConfig(port=0),
            )
            url = await stack.enter_async_context(running(config, key))
            peers.append({"name": name, "vkey": WitnessKey.for_key(name, key).vkey, "url": url})
        overrides["witnessing.witnesses"] = peers
        await h.setup(**overrides)
        for name in AUTHORITIES:
            await h.add(name)
        bnc = await nats.connect(server.url)
        stop = asyncio.Event()
        ops = OpsServer(lag_interval=LAG_INTERVAL)
        broker = Broker(h.config(**overrides), h.broker_keys, bnc, extra_tasks=[ops])
        task = asyncio.create_task(broker.run(stop))
        try:
            async with asyncio.timeout(10):
                await ops.bound.wait()
            await asyncio.sleep(2 * LAG_INTERVAL)  # a flat start to the lag line
            traffic = await send_traffic(h, scale)
            events = await _settled(h, traffic, wait=30)
            cosigned = await _cosigned_covers(ops.url, len(events))
            yield World(h, broker, ops.url, traffic, events, cosigned)
        finally:
            stop.set()
            await task
            await bnc.drain()


async def _cosigned_covers(url: str, size: int) -> str:
    """Wait until the cosigned checkpoint covers `size` audit events and carries every
    witness's cosignature; the note."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as http, asyncio.timeout(30):
        while True:
            async with http.get(url + "/v1/checkpoint/cosigned", headers=headers) as r:
                note = await r.text() if r.status == 200 else ""
            if (
                note
                and int(note.split("\n")[1]) >= size
                and all(f"\u2014 {name} " in note for name in WITNESSES)
            ):
                return note
            await asyncio.sleep(0.2)
