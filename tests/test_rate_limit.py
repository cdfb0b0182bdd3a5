"""Per-sender rate limits: judged on ingress time (a backlog is not a flood) and shared
by every broker process (two processes allow the configured rate, not twice it)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from nats.aio.client import Client

from broker import topology
from broker.natsserver import NatsServer
from broker.ratelimit import BucketState, charge
from schemas.keystore import dump_broker_keys, write_private

from .brokerkit import Harness, check_rate_once, running_broker
from .test_broker_processes import FAST, PASS, ROOT, free_port


def test_charge_refills_on_ingress_time() -> None:
    """Envelopes that arrived at the allowed pace are all allowed, however late they are
    charged; a burst beyond the bucket is refused for the excess only."""
    paced = [1_000 + 100 * i for i in range(30)]  # 10 per second
    _, allowed = charge(None, paced, rate=10.0, burst=10)
    assert allowed == [True] * 30
    state, allowed = charge(None, [5_000] * 25, rate=10.0, burst=10)
    assert allowed == [True] * 10 + [False] * 15
    assert state == BucketState(0.0, 5_000)


def test_charge_out_of_order_allows_no_more() -> None:
    """Two processes charging interleaved batches out of ingress order together allow at
    most burst + rate x span, the same as one process charging in order."""
    times = [10_000 + 10 * i for i in range(200)]  # 100 per second for 2 s
    _, in_order = charge(None, times, rate=20.0, burst=40)
    late, early = times[100:], times[:100]
    state, second = charge(None, late, rate=20.0, burst=40)
    _, first = charge(state, early, rate=20.0, burst=40)
    span = (times[-1] - times[0]) / 1000
    assert sum(in_order) <= 40 + 20 * span + 1
    assert sum(second) + sum(first) <= sum(in_order)


async def test_backlog_after_an_outage_is_accepted(nats_server: NatsServer, nc: Client) -> None:
    """30 envelopes (3x the burst) published at the allowed pace while no broker runs are
    all accepted when the broker starts late: none is `rate_limited`."""
    h = Harness(nc)
    await h.setup()
    await h.add("ng-naptip")
    await h.add("it-dna")
    envelopes = [h.seal("ng-naptip", "it-dna") for _ in range(30)]
    for data in envelopes:
        await h.send("ng-naptip", data)
        await asyncio.sleep(1 / 8)  # under 10 per second, whatever the load
    await asyncio.sleep(1.0)  # the broker's clock is now well past the backlog
    rate = {"policy.rate_per_second": 10.0, "policy.rate_burst": 10}
    async with running_broker(nats_server.url, h, **rate):
        async with asyncio.timeout(30):
            while (await h.js.stream_info(topology.INGRESS)).state.messages:
                await asyncio.sleep(0.1)
    events = await h.audit()
    assert [e.reason for e in events if e.event == "rejected"] == []
    assert sum(1 for e in events if e.event == "accepted") == 30


def start_broker(
    h: Harness, tmp: Path, url: str, name: str, rate: float, burst: int
) -> tuple[subprocess.Popen[bytes], int]:
    """`palermo up` as its own process with the given rate, fetching small batches so
    that two processes interleave."""
    port = free_port()
    keystore = tmp / "broker.keystore"
    if not keystore.exists():
        write_private(keystore, dump_broker_keys(h.broker_keys, PASS, **FAST))
    config = tmp / f"{name}.toml"
    config.write_text(
        f'directory_root = "{h.root.public.hex()}"\n'
        f'data_dir = "{tmp}"\nkeystore = "broker.keystore"\npassphrase = "{PASS}"\n'
        f'instance = "{name}"\nlog_level = "warning"\n'
        f'[nats]\nurl = "{url}"\nack_wait = 3.0\nbatch = 8\n'
        f'[ops]\nport = {port}\ntoken = "t"\n'
        f"[policy]\nrate_per_second = {rate}\nrate_burst = {burst}\n"
    )
    with open(tmp / f"{name}.log", "wb") as log:
        process = subprocess.Popen(  # noqa: S603  (our own CLI, our own arguments)
            [sys.executable, "-m", "clients.cli", "up", "--config", str(config)],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    return process, port


async def counters(session: aiohttp.ClientSession, port: int) -> tuple[int, int]:
    """(accepted, rejected as rate_limited) from a broker's /metrics."""
    url = f"http://127.0.0.1:{port}/metrics"
    async with session.get(url, headers={"Authorization": "Bearer t"}) as response:
        text = await response.text()
    accepted = limited = 0
    for line in text.splitlines():
        if line.startswith("palermo_messages_accepted_total "):
            accepted = int(float(line.split()[1]))
        if line.startswith('palermo_messages_rejected_total{code="rate_limited"} '):
            limited = int(float(line.split()[1]))
    return accepted, limited


async def wait_ready(session: aiohttp.ClientSession, port: int) -> None:
    async with asyncio.timeout(30):
        while True:
            try:
                async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)


FLOOD = 300
RATE, BURST = 20.0, 40


async def test_two_brokers_allow_the_rate_once(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """A sender flooding two broker processes gets at most burst + rate x (its ingress
    time span) accepted between them, not twice that; every excess envelope is
    rejected `rate_limited`, counted in the metrics and, summed, in the audit log."""
    h = Harness(nc)
    await h.setup()
    await h.add("ng-naptip")
    await h.add("it-dna")
    envelopes = [h.seal("ng-naptip", "it-dna") for _ in range(FLOOD)]
    brokers = [start_broker(h, tmp_path, nats_server.url, n, RATE, BURST) for n in ("a", "b")]
    try:
        async with aiohttp.ClientSession() as session:
            for _, port in brokers:
                await wait_ready(session, port)
            started = time.time()
            futures = [
                await h.js.publish_async(topology.ingress_subject("ng-naptip"), data)
                for data in envelopes
            ]
            await asyncio.gather(*futures)
            span = time.time() - started  # the ingress times lie within it
            async with asyncio.timeout(30):
                while True:
                    per_process = [await counters(session, port) for _, port in brokers]
                    if sum(a + r for a, r in per_process) == FLOOD:
                        break
                    await asyncio.sleep(0.2)
    finally:
        for process, _ in brokers:
            process.send_signal(signal.SIGTERM)
        for (process, _), name in zip(brokers, ("a", "b"), strict=True):
            assert process.wait(30) == 0, (tmp_path / f"{name}.log").read_text()[-2000:]
    await check_rate_once(h, per_process, span, flood=FLOOD, rate=RATE, burst=BURST)
