"""The broker's request API is isolated: one authority flooding it cannot slow the others
(issue 8 §1), and what it sends over its rate is shed, counted and answered `overloaded`."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import signal
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import nats
import nats.errors
from nats.aio.client import Client

from broker import topology
from broker.config import ApiConfig
from broker.metrics import Metrics
from broker.natsserver import NatsServer
from broker.tlog_proofs import REQUEST_INFO_HEADER, UNIDENTIFIED, ProofService, RateBuckets
from schemas.nats_names import SUBJECT_CHECKPOINT, SUBJECT_INCLUSION, reply_prefix
from tests.brokerkit import Harness, running_broker

HONEST, RECIPIENT, FLOODER = "ng-naptip", "it-dna", "gb-nca"
MESSAGES = 200
RATE = 50.0  # honest envelopes per second: steady, well under the policy's rate
FLOOD_SECONDS = 5.0

# The flood runs in a process of its own so that it costs the broker what a remote
# authority's flood would: reading it off the socket, not generating it. Fire and
# forget: requests carry the flooder's reply prefix, nobody waits for an answer.
FLOOD = """
import asyncio, sys, time
import nats

async def main(url, subject, reply, seconds):
    nc = await nats.connect(url, inbox_prefix=reply)
    body = b'{"index": 0, "tree_size": 1}'
    sent, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(500):
            await nc.publish(subject, body, reply=reply + ".x")
        sent += 500
        await nc.flush()
    await nc.close()
    print(sent)

asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
"""


def rss_bytes(pid: int) -> int:
    """Resident memory of process `pid` (Linux /proc)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS line")


def shed(metrics: Metrics, reason: str) -> float:
    """The broker's count of API requests shed for `reason`."""
    value = metrics.registry.get_sample_value("palermo_api_requests_shed_total", {"reason": reason})
    return value or 0.0


async def shed_settled(metrics: Metrics, reason: str, at_least: float) -> float:
    """The shed count once it reaches `at_least`, or after 5 s: the API process relays
    its counters twice a second."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5.0):
            while shed(metrics, reason) < at_least:
                await asyncio.sleep(0.1)
    return shed(metrics, reason)


@asynccontextmanager
async def authority(url: str, name: str) -> AsyncIterator[Client]:
    """A connection that uses `name`'s private reply prefix, as its NATS user must."""
    nc = await nats.connect(url, inbox_prefix=reply_prefix(name), max_reconnect_attempts=0)
    try:
        yield nc
    finally:
        await nc.close()


async def ask(
    nc: Client,
    subject: str,
    body: dict[str, Any],
    timeout: float = 5.0,  # noqa: ASYNC109
) -> dict[str, Any]:
    """One API request, its JSON answer."""
    answer = await nc.request(subject, json.dumps(body).encode(), timeout=timeout)
    decoded: dict[str, Any] = json.loads(answer.data)
    return decoded


async def answered_after(url: str, deadline: float) -> tuple[dict[str, Any], float]:
    """An honest inclusion request from RECIPIENT, retried as a client would after a
    timeout, until answered or `deadline` seconds; the answer and the seconds it took."""
    start = time.monotonic()
    async with authority(url, RECIPIENT) as rnc, asyncio.timeout(deadline):
        while True:
            try:
                answer = await ask(rnc, SUBJECT_INCLUSION, {"index": 0, "tree_size": 1}, 2.0)
            except nats.errors.TimeoutError:
                continue
            except nats.errors.NoRespondersError:  # between two API processes
                await asyncio.sleep(0.1)
                continue
            return answer, time.monotonic() - start


async def latencies(h: Harness, url: str, count: int) -> list[float]:
    """Send `count` envelopes from HONEST to RECIPIENT at RATE a second; seconds from each
    publish to its delivery in RECIPIENT's inbox."""
    envelopes = [h.seal(HONEST, RECIPIENT) for _ in range(count)]
    sent: dict[bytes, float] = {}
    got: dict[bytes, float] = {}
    async with authority(url, RECIPIENT) as rnc:
        js = rnc.jetstream()
        sub = await js.pull_subscribe_bind(
            durable=topology.inbox_consumer(RECIPIENT), stream=topology.DELIVERY
        )

        async def receive() -> None:
            while len(got) < count:
                try:
                    batch = await sub.fetch(64, timeout=0.5)
                except TimeoutError:  # nats-py raises the builtin one here too
                    continue
                for msg in batch:
                    got.setdefault(hashlib.sha256(msg.data).digest(), time.monotonic())
                    await msg.ack()

        async def send() -> None:
            start = time.monotonic()
            for i, data in enumerate(envelopes):
                await asyncio.sleep(max(0.0, start + i / RATE - time.monotonic()))
                sent[hashlib.sha256(data).digest()] = time.monotonic()
                await h.send(HONEST, data)

        async with asyncio.timeout(60):
            await asyncio.gather(send(), receive())
    return sorted(got[k] - sent[k] for k in sent)


def p(values: list[float], q: float) -> float:
    """The q-quantile of sorted `values`."""
    return values[min(len(values) - 1, int(q * len(values)))]


async def test_api_flood_leaves_the_pipeline_alone(nats_server: NatsServer, nc: Client) -> None:
    """A 5 s fire-and-forget proof flood from one authority leaves another's send-to-delivery
    p99 within 3x + 50 ms of its baseline, the broker's memory flat, the excess shed and
    counted, and an honest proof request answered."""
    h = Harness(nc)
    await h.setup()
    for name in (HONEST, RECIPIENT, FLOODER):
        await h.add(name)
    async with running_broker(nats_server.url, h) as broker:
        await latencies(h, nats_server.url, 20)  # warm up: JIT-free, but caches and buffers
        baseline = await latencies(h, nats_server.url, MESSAGES)
        rss_before = rss_bytes(os.getpid())
        flood = await asyncio.create_subprocess_exec(
            sys.executable, "-c", FLOOD, nats_server.url, SUBJECT_INCLUSION,
            reply_prefix(FLOODER), str(FLOOD_SECONDS),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await asyncio.sleep(0.5)  # the flood is running before the measurement starts
            during = await latencies(h, nats_server.url, MESSAGES)
            rss_during = rss_bytes(os.getpid())
            api_rss = rss_bytes(broker.api.pid) if broker.api and broker.api.pid else 0
            async with asyncio.timeout(30):
                out, _ = await flood.communicate()
        finally:
            if flood.returncode is None:
                flood.kill()
                await flood.wait()
        rss_after = rss_bytes(os.getpid())
        answer, wait = await answered_after(nats_server.url, 60.0)
        rate_shed = await shed_settled(broker.metrics, "rate", 1.0)
        queue_shed = shed(broker.metrics, "queue_full")
    b50, b99, d50, d99 = p(baseline, 0.5), p(baseline, 0.99), p(during, 0.5), p(during, 0.99)
    growth = max(rss_during, rss_after) - rss_before
    print(
        f"\nflood: {int(out)} requests sent; shed rate={rate_shed:.0f} queue_full={queue_shed:.0f}"
        f"\nhonest latency baseline p50={b50 * 1e3:.1f} ms p99={b99 * 1e3:.1f} ms; "
        f"during flood p50={d50 * 1e3:.1f} ms p99={d99 * 1e3:.1f} ms"
        f"\nbroker process RSS growth {growth / 2**20:.1f} MiB; mean during "
        f"{statistics.fmean(during) * 1e3:.1f} ms; API process RSS {api_rss / 2**20:.1f} MiB"
        f"\nhonest proof request answered {wait:.2f} s after the flood ended"
    )
    assert d99 <= 3 * b99 + 0.050, (b99, d99)
    assert growth < 40 * 2**20, growth
    assert 0 < api_rss < 150 * 2**20, api_rss  # bounded queues: no buffer grows there either
    assert rate_shed > 0  # the flooder's requests that were read: refused over its rate
    assert queue_shed > 0  # the rest: dropped unread
    assert wait < 45.0, wait  # the backlog nats-server buffered for the API process
    assert "error" not in answer, answer
    assert answer["index"] == 0
    assert answer["tree_size"] == 1


async def test_over_the_rate_is_answered_overloaded_and_others_still_served(
    nats_server: NatsServer, nc: Client
) -> None:
    """An authority past its burst gets `overloaded` with a retry time; another authority
    is answered meanwhile, and the shed requests are counted."""
    h = Harness(nc)
    await h.setup()
    await h.add(RECIPIENT)
    overrides = {"api.rate_per_second": 0.01, "api.burst": 3}
    async with (
        running_broker(nats_server.url, h, **overrides) as broker,
        authority(nats_server.url, FLOODER) as fnc,
        authority(nats_server.url, RECIPIENT) as rnc,
    ):
        answers = [await ask(fnc, SUBJECT_CHECKPOINT, {}) for _ in range(5)]
        other = await ask(rnc, SUBJECT_INCLUSION, {"index": 5, "tree_size": 1})
        shed_rate = await shed_settled(broker.metrics, "rate", 2.0)
    codes = [a.get("error", {}).get("code") for a in answers]
    # Checkpoint or no checkpoint yet: the first three are answered, not shed.
    assert all(c != "overloaded" for c in codes[:3]), codes
    assert codes[3:] == ["overloaded", "overloaded"], codes
    assert answers[4]["retry_after"] > 1.0
    assert answers[4]["error"]["message"].startswith(f"too many requests from {FLOODER}")
    assert other["error"]["code"] == "unavailable"  # answered, not shed
    assert shed_rate == 2.0


async def test_requests_without_an_authority_share_one_bucket(
    nats_server: NatsServer, nc: Client
) -> None:
    """Requests whose reply subject names no authority share one bucket: a plain client
    past the burst is shed, and a second plain client with it."""
    h = Harness(nc)
    await h.setup()
    async with running_broker(
        nats_server.url, h, **{"api.rate_per_second": 0.01, "api.burst": 2}
    ) as broker:
        a = await nats.connect(nats_server.url)
        b = await nats.connect(nats_server.url)
        try:
            first = [await ask(a, SUBJECT_CHECKPOINT, {}) for _ in range(2)]
            second = await ask(b, SUBJECT_CHECKPOINT, {})
        finally:
            await a.close()
            await b.close()
        assert await shed_settled(broker.metrics, "rate", 1.0) == 1.0
    assert all(x.get("error", {}).get("code") != "overloaded" for x in first)
    assert second["error"]["code"] == "overloaded"
    assert second["error"]["message"].startswith(f"too many requests from {UNIDENTIFIED}")


def test_rate_buckets_stay_bounded_under_invented_names() -> None:
    """A flood of invented requester names keeps at most the bound of buckets: idle ones
    are forgotten, and while none is idle newcomers share the unidentified bucket."""
    now = [0.0]
    buckets = RateBuckets(rate=1.0, burst=2, clock=lambda: now[0], max_keys=4)
    assert all(buckets.take(f"xx-{i}") == (True, f"xx-{i}") for i in range(4))
    assert buckets.take("xx-new") == (True, UNIDENTIFIED)  # all four busy: the shared one
    assert buckets.take("xx-other") == (True, UNIDENTIFIED)
    assert buckets.take("xx-third") == (False, UNIDENTIFIED)  # the shared bucket is empty
    assert len(buckets) == 5  # four names and the shared bucket
    now[0] = 10.0  # every bucket refilled: the idle names are forgotten
    assert buckets.take("xx-new") == (True, "xx-new")
    assert len(buckets) == 2  # the new name and the shared bucket


ACCOUNTS = """
accounts {
  PALERMO: {
    jetstream: enabled
    users: [{user: broker, password: broker}]
    exports: [{service: "palermo.api.>", accounts: ["gb-nca"]}]
  }
  "gb-nca": {
    users: [{user: gb, password: gb}]
    imports: [{service: {account: PALERMO, subject: "palermo.api.>"}}]
  }
}
"""


async def test_across_a_service_import_the_server_names_the_requester(tmp_path: Path) -> None:
    """Across an account's service import the rate bucket is the importing account's, as
    nats-server names it: a forged `Nats-Request-Info` naming another authority is
    overwritten, so the forger spends its own bucket, never another's."""
    config = tmp_path / "accounts.conf"
    config.write_text(ACCOUNTS)
    async with NatsServer(tmp_path / "nats", config=config) as server:
        host = server.url.removeprefix("nats://")
        broker_nc = await nats.connect(f"nats://broker:broker@{host}")
        gb = await nats.connect(f"nats://gb:gb@{host}")
        limits = ApiConfig(rate_per_second=0.01, burst=1)
        try:
            async with ProofService(broker_nc, broker_nc.jetstream(), limits=limits):
                await broker_nc.flush()
                forged = {REQUEST_INFO_HEADER: json.dumps({"acc": HONEST})}
                first = await gb.request(SUBJECT_CHECKPOINT, b"{}", timeout=5, headers=forged)
                second = await gb.request(SUBJECT_CHECKPOINT, b"{}", timeout=5, headers=forged)
        finally:
            await gb.close()
            await broker_nc.close()
    assert json.loads(first.data).get("error", {}).get("code") != "overloaded"
    refusal = json.loads(second.data)["error"]
    assert refusal["code"] == "overloaded"
    assert refusal["message"].startswith(f"too many requests from {FLOODER};")


async def test_a_killed_api_process_is_restarted(nats_server: NatsServer, nc: Client) -> None:
    """The broker restarts its API process when it dies: a proof request is answered by a
    new process within seconds, and the pipeline never stopped."""
    h = Harness(nc)
    await h.setup()
    async with running_broker(nats_server.url, h) as broker:
        assert broker.api is not None
        first = broker.api.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        async with asyncio.timeout(30):
            while broker.api.pid == first:
                await asyncio.sleep(0.1)
        answer, _ = await answered_after(nats_server.url, 30.0)
        assert broker.is_ready
    assert broker.api.pid != first
    assert answer["tree_size"] == 1
