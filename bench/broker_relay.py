"""Broker throughput and latency against a bare JetStream relay, in one run.

Run: `make bench-broker` (or `.venv/bin/python bench/broker_relay.py --messages 5000`).

Both legs move the same pre-sealed 1 KiB envelopes over the same hops on one embedded
nats-server: publish to the ingress stream → a relay process pulls, publishes to the
recipient's delivery subject, acks → the recipient pulls and acks. The bare relay does
nothing else; the broker (`palermo up`, a separate process like the relay) does its
whole pipeline: canonical decode, directory and key checks, signature verification,
time window, seen-set, policy, the audit event, the delivery, the signed notice and the
audit tree. Sealing is the sender's cost and happens before the clock starts.
Prints msgs/s for each, their ratio, and end-to-end latency p50/p99; then latency
against offered load: each system is fed at steady rates (`--rates`, msgs/s, each for
`--seconds`) and p50/p99 are taken per rate, so a reader sees where each saturates.
`--json FILE` also writes every figure as JSON (tables, and one curve per system).
`--processes N` runs N relay processes and N broker processes (`palermo up` N times on
one configuration, sharing the ingress consumer as the operator guide describes), so
the two scale out alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nats
import nats.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, RetentionPolicy, StorageType, StreamConfig

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from broker import topology  # noqa: E402
from broker.directory_store import DirectoryAdmin, broker_record  # noqa: E402
from broker.natsserver import NatsServer  # noqa: E402
from clients.endpoint import Endpoint, Received  # noqa: E402
from schemas.envelope import now_ms, seal  # noqa: E402
from schemas.keys import AuthorityKeys, SigningKey  # noqa: E402
from schemas.keystore import (  # noqa: E402
    MEMLIMIT_INTERACTIVE,
    OPSLIMIT_INTERACTIVE,
    BrokerKeys,
    dump_broker_keys,
    write_private,
)
from schemas.kinds import CaseReferral  # noqa: E402
from schemas.records import Victim  # noqa: E402
from tests.brokerkit import record  # noqa: E402

FAST = {"opslimit": OPSLIMIT_INTERACTIVE, "memlimit": MEMLIMIT_INTERACTIVE}
PASS = "benchmark passphrase"  # noqa: S105  (a throwaway keystore)
RATES = (250.0, 500.0, 1000.0, 2000.0, 4000.0)
"""Offered loads of the sweep, msgs/s."""
SWEEP_SECONDS = 2.0
SUMMARY = (
    "Recruited in Benin City with a false offer of salon work; moved through Agadez and "
    "Tripoli; exploited in Castel Volturno. "
) * 8


async def relay(url: str) -> None:
    """The bare relay: pull from RELAY_IN, publish to the recipient's subject, ack.
    (It routes every envelope to the benchmark's one recipient without reading it.)"""
    nc = await nats.connect(url)
    js = nc.jetstream()
    sub = await js.pull_subscribe_bind(durable="relay", stream="RELAY_IN")
    while True:
        try:
            msgs = await sub.fetch(256, timeout=0.5)
        except TimeoutError:
            continue
        futures = [await js.publish_async("relay.out.it-dna", m.data) for m in msgs]
        await asyncio.gather(*futures)
        for m in msgs:
            await m.ack()


async def drive(
    js: JetStreamContext,
    subject: str,
    stream: str,
    durable: str,
    envelopes: list[bytes],
    rate: float | None = None,
) -> tuple[float, list[float]]:
    """Publish every envelope pipelined (at `rate` per second, or as fast as possible),
    receive them all; (msgs/s, latencies in s)."""
    sent: dict[bytes, float] = {}
    received: list[float] = []
    sub = await js.pull_subscribe_bind(durable=durable, stream=stream)

    async def receive() -> None:
        while len(received) < len(envelopes):
            try:
                msgs = await sub.fetch(256, timeout=0.5)
            except TimeoutError:
                continue
            now = time.perf_counter()
            for m in msgs:
                received.append(now - sent[m.data])
                await m.ack()

    receiver = asyncio.create_task(receive())
    start = time.perf_counter()
    futures = []
    for i, data in enumerate(envelopes):
        if rate is not None:
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        sent[data] = time.perf_counter()
        futures.append(await js.publish_async(subject, data))
    await asyncio.gather(*futures)
    async with asyncio.timeout(300):
        await receiver
    elapsed = time.perf_counter() - start
    await sub.unsubscribe()
    return len(envelopes) / elapsed, received


async def pulling(js: JetStreamContext, stream: str, durable: str, processes: int = 1) -> None:
    """Wait until `processes` pull requests wait on `durable` (every process started):
    both systems start before the clock."""
    for _ in range(600):
        if ((await js.consumer_info(stream, durable)).num_waiting or 0) >= processes:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"nothing pulls from {stream}/{durable}")


def cpu_seconds(*pids: int) -> float:
    """User and system CPU seconds processes `pids` have used so far (Linux; 0 elsewhere)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def stop_all(procs: list[asyncio.subprocess.Process]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        await proc.wait()


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


async def client_to_client(
    url: str,
    sender: AuthorityKeys,
    recipient: AuthorityKeys,
    root_public: bytes,
    body: CaseReferral,
    count: int,
) -> tuple[float, list[float]]:
    """End to end through the broker with the client library: the sender's endpoint
    minimises, seals and publishes; the recipient's verifies, opens, de-duplicates, acks
    and sends its signed retrieval receipt (a second message through the broker)."""
    sent: dict[bytes, float] = {}
    latencies: list[float] = []
    async with await Endpoint.connect(url, sender, root_public) as a, \
            await Endpoint.connect(url, recipient, root_public) as b:  # fmt: skip
        await b.directory()

        async def receive() -> None:
            async for event in b.events():
                if isinstance(event, Received):
                    latencies.append(time.perf_counter() - sent[event.opened.binding.message_id])
                    if len(latencies) == count:
                        return

        receiver = asyncio.create_task(receive())
        start = time.perf_counter()
        for _ in range(count):
            t = time.perf_counter()
            sealed = await a.send(body, to=[recipient.authority])
            sent[sealed.binding.message_id] = t
        async with asyncio.timeout(300):
            await receiver
        elapsed = time.perf_counter() - start
    return count / elapsed, latencies


Point = dict[str, float]


def point(offered: float, achieved: float, latencies: list[float]) -> Point:
    return {
        "offered": offered,
        "achieved": achieved,
        "p50_ms": pct(latencies, 50),
        "p99_ms": pct(latencies, 99),
    }


async def sweep(
    js: JetStreamContext,
    subject: str,
    stream: str,
    durable: str,
    envelopes: list[bytes],
    rates: list[float],
    seconds: float,
) -> list[Point]:
    """Latency at each steady offered rate; `envelopes` are used up in order."""
    points = []
    at = 0
    for rate in rates:
        count = int(rate * seconds)
        achieved, latencies = await drive(
            js, subject, stream, durable, envelopes[at : at + count], rate=rate
        )
        at += count
        points.append(point(rate, achieved, latencies))
    return points


async def main(  # noqa: PLR0915  (one run, read top to bottom)
    messages: int, rates: list[float], seconds: float, e2e: bool, processes: int = 1
) -> dict[str, object]:
    """Run both legs (and the end-to-end one); print the tables, return the JSON report."""
    sender, recipient = AuthorityKeys.generate("ng-naptip"), AuthorityKeys.generate("it-dna")
    body = CaseReferral(summary=SUMMARY[:1024], victims=[Victim(ref="V1", sex="female")])
    envelopes = [
        seal(body, sender=sender, recipients=[recipient.recipient]).data for _ in range(messages)
    ]
    e2e_messages = min(messages, 2000)
    paced = [
        seal(body, sender=sender, recipients=[recipient.recipient]).data
        for _ in range(sum(int(rate * seconds) for rate in rates))
    ]
    total = len(envelopes) + len(paced)
    with tempfile.TemporaryDirectory(prefix="palermo-bench-") as tmp:
        work = Path(tmp)
        async with NatsServer(work / "nats") as server:
            nc = await nats.connect(server.url)
            js = nc.jetstream()

            # Bare relay: the same hops, streams of the same kind, no checks.
            await js.add_stream(
                StreamConfig(
                    name="RELAY_IN",
                    subjects=["relay.in.*"],
                    retention=RetentionPolicy.WORK_QUEUE,
                    storage=StorageType.FILE,
                )
            )
            await js.add_stream(
                StreamConfig(
                    name="RELAY_OUT",
                    subjects=["relay.out.*"],
                    retention=RetentionPolicy.WORK_QUEUE,
                    storage=StorageType.FILE,
                )
            )
            for stream, name, subject in (
                ("RELAY_IN", "relay", "relay.in.*"),
                ("RELAY_OUT", "sink", "relay.out.it-dna"),
            ):
                await js.add_consumer(
                    stream,
                    ConsumerConfig(
                        durable_name=name,
                        filter_subject=subject,
                        ack_policy=AckPolicy.EXPLICIT,
                        max_ack_pending=20_000,
                    ),
                )
            relay_procs = [
                await asyncio.create_subprocess_exec(
                    sys.executable, __file__, "--relay", server.url, cwd=ROOT
                )
                for _ in range(processes)
            ]
            try:
                await pulling(js, "RELAY_IN", "relay", processes)
                cpu = cpu_seconds(*(p.pid for p in relay_procs))
                relay_rate, relay_lat = await drive(
                    js, "relay.in.ng-naptip", "RELAY_OUT", "sink", envelopes
                )
                relay_curve = await sweep(
                    js, "relay.in.ng-naptip", "RELAY_OUT", "sink", paced, rates, seconds
                )
                relay_cpu = (cpu_seconds(*(p.pid for p in relay_procs)) - cpu) / total * 1000
            finally:
                await stop_all(relay_procs)

            # The broker: directory, keys, configuration, then `palermo up`.
            root = SigningKey.generate()
            broker_keys = BrokerKeys(SigningKey.generate(), SigningKey.generate())
            write_private(work / "broker.keystore", dump_broker_keys(broker_keys, PASS, **FAST))
            await topology.bootstrap(js)
            admin = DirectoryAdmin(js, root)
            for keys in (sender, recipient):
                await admin.put(record(keys), change="added")
            await admin.put(
                broker_record(broker_keys, now_ms=now_ms(), valid_ms=3600_000, name="bench"),
                change="added",
            )
            (work / "broker.toml").write_text(
                f'directory_root = "{root.public.hex()}"\n'
                f'data_dir = "{work}"\n'
                f'passphrase = "{PASS}"\n'
                'log_level = "warning"\n'
                f'[nats]\nurl = "{server.url}"\n'
                '[ops]\nport = 0\ntoken = "bench"\n'
                "[policy]\nrate_per_second = 1000000.0\nrate_burst = 1000000\n"
            )
            env = {**os.environ, "PALERMO_OPS_TOKEN": "bench"}
            broker_procs = [
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "clients.cli",
                    "up",
                    "--config",
                    str(work / "broker.toml"),
                    cwd=ROOT,
                    env=env,
                )
                for _ in range(processes)
            ]
            inbox = (
                topology.ingress_subject("ng-naptip"),
                topology.DELIVERY,
                topology.inbox_consumer("it-dna"),
            )
            e2e_rate, e2e_lat = 0.0, [0.0, 0.0]
            try:
                await pulling(js, topology.INGRESS, topology.INGRESS_CONSUMER, processes)
                cpu = cpu_seconds(*(p.pid for p in broker_procs))
                broker_rate, broker_lat = await drive(js, *inbox, envelopes)
                broker_curve = await sweep(js, *inbox, paced, rates, seconds)
                broker_cpu = (cpu_seconds(*(p.pid for p in broker_procs)) - cpu) / total * 1000
                if e2e:
                    e2e_rate, e2e_lat = await client_to_client(
                        server.url, sender, recipient, root.public, body, e2e_messages
                    )
            finally:
                await stop_all(broker_procs)
            await nc.close()

    ratio = broker_rate / relay_rate
    times = f", {processes} processes" if processes > 1 else ""
    throughput = {
        "title": f"Throughput, {messages} envelopes of {len(envelopes[0])} bytes published at "
        f"once (latency includes queueing behind them){times}",
        "columns": [
            "system",
            "msgs/s",
            "p50 ms",
            "p99 ms",
            "of the bare relay",
            "CPU ms per message (whole run)",
        ],
        "rows": [
            [name, round(rate), round(pct(lat, 50), 1), round(pct(lat, 99), 1), share, cpu]
            for name, rate, lat, share, cpu in (
                ("bare relay", relay_rate, relay_lat, "100 %", round(relay_cpu, 3)),
                (
                    "broker",
                    broker_rate,
                    broker_lat,
                    f"{ratio:.0%}".replace("%", " %"),
                    round(broker_cpu, 3),
                ),
            )
        ],
    }
    load = {
        "title": "Latency against steady offered load (ms)",
        "columns": [
            "offered msgs/s",
            "relay achieved",
            "relay p50",
            "relay p99",
            "broker achieved",
            "broker p50",
            "broker p99",
            "broker p99 / relay p99",
        ],
        "rows": [
            [
                round(r["offered"]),
                round(r["achieved"]),
                round(r["p50_ms"], 1),
                round(r["p99_ms"], 1),
                round(b["achieved"]),
                round(b["p50_ms"], 1),
                round(b["p99_ms"], 1),
                round(b["p99_ms"] / r["p99_ms"], 1),
            ]
            for r, b in zip(relay_curve, broker_curve, strict=True)
        ],
    }
    tables = [throughput, load]
    curves = [
        {"name": f"bare relay{times}", "points": [*relay_curve, point(0.0, relay_rate, relay_lat)]},
        {"name": f"broker{times}", "points": [*broker_curve, point(0.0, broker_rate, broker_lat)]},
    ]
    if e2e:
        tables.append(
            {
                "title": f"Client library end to end ({e2e_messages} messages, sealing and "
                "opening included, a signed retrieval receipt sent back for each)",
                "columns": ["system", "msgs/s", "p50 ms", "p99 ms"],
                "rows": [
                    [
                        "end to end",
                        round(e2e_rate),
                        round(pct(e2e_lat, 50), 1),
                        round(pct(e2e_lat, 99), 1),
                    ]
                ],
            }
        )
    for table in tables:
        print(f"\n{table['title']}")
        print("  ".join(f"{c:>14}" for c in table["columns"]))
        for row in table["rows"]:
            print("  ".join(f"{c:>14}" for c in row))
    print(f"\nbroker / bare relay: {ratio:.0%}")
    return {"bench": "broker_relay", "tables": tables, "curves": curves}


def _rates(text: str) -> list[float]:
    return [float(r) for r in text.split(",") if r.strip()]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument(
        "--rates",
        type=_rates,
        default=list(RATES),
        help="offered loads of the latency sweep, msgs/s, comma-separated",
    )
    parser.add_argument("--seconds", type=float, default=SWEEP_SECONDS, help="per offered load")
    parser.add_argument("--no-e2e", action="store_true", help="skip the client-library leg")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument(
        "--quick", action="store_true", help="a short run (1,000 messages, two rates, no e2e)"
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="relay and broker processes each (default 1)"
    )
    parser.add_argument("--relay", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.messages, args.rates, args.seconds, args.no_e2e = 1000, [250.0, 1000.0], 1.0, True
    if args.relay:
        asyncio.run(relay(args.relay))
    else:
        report = asyncio.run(
            main(args.messages, args.rates, args.seconds, not args.no_e2e, args.processes)
        )
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
