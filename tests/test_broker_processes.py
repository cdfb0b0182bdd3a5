"""Broker processes for real: SIGKILL in mid-stream, and two processes sharing the work."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import aiohttp
from nats.aio.client import Client

from broker import topology
from broker.auditlog import export_audit, verify_export
from broker.natsserver import NatsServer
from broker.tlog_proofs import latest_checkpoint
from schemas import _crypto
from schemas.envelope import parse
from schemas.keystore import dump_broker_keys, write_private
from schemas.note import verifier_key

from .brokerkit import Harness

ROOT = Path(__file__).resolve().parents[1]
FAST = {"opslimit": _crypto.ARGON2ID_OPS_INTERACTIVE, "memlimit": _crypto.ARGON2ID_MEM_INTERACTIVE}
PASS = "process test passphrase"  # noqa: S105  (a test passphrase)
MESSAGES = 2000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_broker(h: Harness, tmp: Path, url: str, name: str) -> tuple[subprocess.Popen[bytes], int]:
    """`palermo up` as its own process, on the test's nats-server; returns it and its ops port."""
    port = free_port()
    keystore = tmp / "broker.keystore"
    if not keystore.exists():
        write_private(keystore, dump_broker_keys(h.broker_keys, PASS, **FAST))
    config = tmp / f"{name}.toml"
    config.write_text(
        f'directory_root = "{h.root.public.hex()}"\n'
        f'data_dir = "{tmp}"\nkeystore = "broker.keystore"\npassphrase = "{PASS}"\n'
        f'instance = "{name}"\nlog_level = "warning"\n'
        f'[nats]\nurl = "{url}"\nack_wait = 3.0\n'
        f'[ops]\nport = {port}\ntoken = "t"\n'
        "[policy]\nrate_per_second = 100000.0\nrate_burst = 100000\n"
    )
    with open(tmp / f"{name}.log", "wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(  # noqa: S603  (our own CLI, our own arguments)
            [sys.executable, "-m", "clients.cli", "up", "--config", str(config)],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    return process, port


async def accepted_ids(h: Harness) -> Counter[bytes]:
    """How many `accepted` audit events each message id has."""
    return Counter(e.message_id for e in await h.audit() if e.event == "accepted" and e.message_id)


async def wait_accepted(h: Harness, count: int, limit: float = 90) -> None:
    """Until `count` envelopes are audited as accepted and the ingress stream is empty
    (every envelope acked, so its deliveries are written too)."""
    async with asyncio.timeout(limit):
        while (await h.js.stream_info(topology.INGRESS)).state.messages:
            await asyncio.sleep(0.1)
        while len(await accepted_ids(h)) < count:
            await asyncio.sleep(0.25)


async def drain_inbox(h: Harness, authority: str) -> list[bytes]:
    """Every envelope in `authority`'s inbox (fetched and acked), as message ids."""
    ids = []
    sub = await h.js.pull_subscribe_bind(
        durable=topology.inbox_consumer(authority), stream=topology.DELIVERY
    )
    while True:
        try:
            msgs = await sub.fetch(500, timeout=1.0)
        except TimeoutError:
            break
        for m in msgs:
            if (m.headers or {}).get("Palermo-Type") == "envelope":
                ids.append(parse(m.data).binding.message_id)
            await m.ack()
    await sub.unsubscribe()
    return ids


async def publish_all(h: Harness, envelopes: list[tuple[str, bytes]]) -> None:
    futures = [
        await h.js.publish_async(
            topology.ingress_subject(sender),
            data,
            headers={"Nats-Msg-Id": parse(data).binding.message_id.hex()},
        )
        for sender, data in envelopes
    ]
    await asyncio.gather(*futures)


async def verify_audit_log(h: Harness, tmp: Path) -> None:
    """Export the audit log and verify it offline against the latest checkpoint."""
    last = (await h.js.stream_info(topology.AUDIT)).state.last_seq
    async with asyncio.timeout(30):
        while True:
            checkpoint = await latest_checkpoint(h.js)
            if checkpoint and int(checkpoint.split(b"\n")[1]) == last:
                break
            await asyncio.sleep(0.2)
    out = io.StringIO()
    await export_audit(h.js, out)
    (tmp / "audit.jsonl").write_text(out.getvalue())
    report = verify_export(
        tmp / "audit.jsonl", [checkpoint], verifier_key("palermo.example/audit", h.broker_keys.log)
    )
    assert report.ok


async def setup(nc: Client, tmp: Path) -> tuple[Harness, list[tuple[str, bytes]]]:
    h = Harness(nc)
    await h.setup()
    for name in ("ng-naptip", "gb-nca", "it-dna", "fr-ocrteh"):
        await h.add(name)
    envelopes = [
        (sender, h.seal(sender, recipient))
        for i in range(MESSAGES // 2)
        for sender, recipient in (("ng-naptip", "it-dna"), ("gb-nca", "fr-ocrteh"))
        if i >= 0
    ]
    return h, envelopes


async def test_sigkill_mid_stream_loses_and_duplicates_nothing(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """A broker killed with SIGKILL in the middle of 2,000 envelopes, then restarted:
    each is delivered to its recipient (exactly once after de-duplication by message id),
    none is lost, none is audited twice, and the audit log verifies."""
    h, envelopes = await setup(nc, tmp_path)
    first, _ = start_broker(h, tmp_path, nats_server.url, "first")
    try:
        await publish_all(h, envelopes)
        async with asyncio.timeout(60):
            # Cheap to ask (no event reading), so the kill lands mid-stream.
            while (await h.js.stream_info(topology.AUDIT)).state.messages < MESSAGES // 4:
                await asyncio.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = len(await accepted_ids(h))
        assert killed_at < MESSAGES, "the broker finished before it could be killed"
    finally:
        if first.poll() is None:
            first.kill()
    second, _ = start_broker(h, tmp_path, nats_server.url, "second")
    try:
        await wait_accepted(h, MESSAGES)
        counts = await accepted_ids(h)
        assert len(counts) == MESSAGES
        assert max(counts.values()) == 1, "an envelope was audited as accepted twice"
        sent = {"it-dna": [], "fr-ocrteh": []}  # type: dict[str, list[bytes]]
        for sender, data in envelopes:
            sent["it-dna" if sender == "ng-naptip" else "fr-ocrteh"].append(
                parse(data).binding.message_id
            )
        for recipient, ids in sent.items():
            got = await drain_inbox(h, recipient)
            assert set(got) == set(ids), f"{recipient} is missing envelopes"
            assert len(got) == len(ids), f"{recipient} received duplicates"
        ingress = await h.js.stream_info(topology.INGRESS)
        assert ingress.state.messages == 0
        await verify_audit_log(h, tmp_path)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0, (tmp_path / "second.log").read_text()[-2000:]


async def test_two_brokers_share_the_stream(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """Two broker processes on one NATS both process part of one stream of envelopes,
    and the audit log is one consistent tree."""
    h, envelopes = await setup(nc, tmp_path)
    a, port_a = start_broker(h, tmp_path, nats_server.url, "a")
    b, port_b = start_broker(h, tmp_path, nats_server.url, "b")
    try:
        await asyncio.sleep(1.5)
        await publish_all(h, envelopes)
        await wait_accepted(h, MESSAGES)
        counts = await accepted_ids(h)
        assert max(counts.values()) == 1
        processed = [await accepted_count(port) for port in (port_a, port_b)]
        assert sum(processed) == MESSAGES
        assert min(processed) > 0, f"one broker did all the work: {processed}"
        await verify_audit_log(h, tmp_path)
    finally:
        for p in (a, b):
            p.send_signal(signal.SIGTERM)
        for p, name in ((a, "a"), (b, "b")):
            assert p.wait(30) == 0, (tmp_path / f"{name}.log").read_text()[-2000:]


async def accepted_count(port: int) -> int:
    """The `palermo_messages_accepted_total` counter from a broker's /metrics."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"http://127.0.0.1:{port}/metrics", headers={"Authorization": "Bearer t"}
        ) as response,
    ):
        text = await response.text()
    for line in text.splitlines():
        if line.startswith("palermo_messages_accepted_total "):
            return int(float(line.split()[1]))
    raise AssertionError("no accepted counter in /metrics")
