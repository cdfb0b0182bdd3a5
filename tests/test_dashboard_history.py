"""`/v1/history` and its cache, over real HTTP against a real broker on a real
nats-server: hourly counts, traffic per authority, the incremental read, the seven-day
bound and the consumer-lag ring."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import nats
from nats.aio.client import Client

from broker import topology
from broker.natsserver import NatsServer
from broker.ops import OpsServer
from broker.ops_history import HOUR_MS, History, LagRing
from broker.service import Broker

from .brokerkit import Harness

TOKEN = "operator-token-for-history-0123456789"  # noqa: S105 (a test token)
BEARER = {"Authorization": f"Bearer {TOKEN}"}
MALFORMED = b"\x93not an envelope"


@contextlib.asynccontextmanager
async def _ops(url: str, h: Harness) -> AsyncIterator[str]:
    """A broker whose ops API samples lags every 0.2 s; yields its base URL."""
    nc = await nats.connect(url)
    stop = asyncio.Event()
    server = OpsServer(lag_interval=0.2)
    broker = Broker(h.config(**{"ops.token": TOKEN, "ops.port": 0}), h.broker_keys, nc,
                    extra_tasks=[server])  # fmt: skip
    task = asyncio.create_task(broker.run(stop))
    try:
        async with asyncio.timeout(10):
            await server.bound.wait()
        yield server.url
    finally:
        stop.set()
        await task
        await nc.drain()


async def _audited(h: Harness, accepted: int, rejected: int) -> int:
    """Wait for the outcomes to be audited; the audit stream's last sequence."""
    async with asyncio.timeout(10):
        while True:
            events = await h.audit()
            a = sum(e.count for e in events if e.event == "accepted")
            r = sum(e.count for e in events if e.event == "rejected")
            if (a, r) == (accepted, rejected):
                return (await h.js.stream_info(topology.AUDIT)).state.last_seq
            await asyncio.sleep(0.1)


async def test_history_counts_by_hour_and_authority_and_reads_only_new_events(
    nats_server: NatsServer, nc: Client
) -> None:
    """/v1/history gives every hour of the window (24 or 168) with accepted and rejected
    counts by code, and sent/received/rejected per authority; a second refresh of the
    cache reads only the events appended since; a refresh reads at most its budget
    and the next goes on; events older than seven days drop out; a bad window is a
    400."""
    h = Harness(nc)
    await h.setup()
    for name in ("ng-naptip", "it-dna", "gb-nca"):
        await h.add(name)
    async with _ops(nats_server.url, h) as url, aiohttp.ClientSession() as http:
        for _ in range(2):
            await h.send("ng-naptip", h.seal("ng-naptip", "it-dna"))
        await h.send("gb-nca", MALFORMED)
        await _audited(h, 2, 1)

        async def get(**params: str) -> tuple[int, Any]:
            async with http.get(url + "/v1/history", headers=BEARER, params=params) as r:
                return r.status, await r.json(content_type=None)

        status, day = await get()
        assert status == 200
        assert day["window"] == "24h"
        assert day["complete"] is True
        assert len(day["hours"]) == 24
        starts = [row["start_ms"] for row in day["hours"]]
        assert starts == list(range(starts[0], starts[0] + 24 * HOUR_MS, HOUR_MS))
        assert sum(row["accepted"] for row in day["hours"]) == 2
        assert sum(row["rejected"] for row in day["hours"]) == 1
        assert [row["by_code"] for row in day["hours"] if row["rejected"]] == [{"malformed": 1}]
        assert day["authorities"] == [
            {"authority": "gb-nca", "sent": 0, "rejected": 1, "received": 0},
            {"authority": "it-dna", "sent": 0, "rejected": 0, "received": 2},
            {"authority": "ng-naptip", "sent": 2, "rejected": 0, "received": 0},
        ]
        assert day["failures"] == {"dead_letter": {}, "non_delivery": {}}
        assert day["lag_interval_s"] == 0.2
        assert {"broker", "inbox-it-dna"} <= day["lag"][-1]["consumers"].keys()
        assert day["checkpoint"] is None or day["checkpoint"]["size"] >= 1
        status, week = await get(window="7d")
        assert status == 200
        assert len(week["hours"]) == 168
        assert sum(row["accepted"] for row in week["hours"]) == 2
        for bad in ({"window": "30d"}, {"since": "1"}):
            status, problem = await get(**bad)
            assert status == 400
            assert problem["type"].endswith("bad-parameter")

        history = History(h.js)
        await history.refresh()
        first = (await h.js.stream_info(topology.AUDIT)).state.last_seq
        assert history.scanned == first
        await h.send("ng-naptip", h.seal("ng-naptip", "gb-nca"))
        async with asyncio.timeout(10):
            while (await h.js.stream_info(topology.AUDIT)).state.last_seq == first:
                await asyncio.sleep(0.05)
        last = (await h.js.stream_info(topology.AUDIT)).state.last_seq
        await history.refresh()
        assert history.scanned == last - first  # only what is new
        assert sum(row["accepted"] for row in history.json("24h")["hours"]) == 3

    bounded = History(h.js, budget=2)
    seen = []
    while True:
        await bounded.refresh()
        seen.append(bounded.scanned)
        if bounded.complete:
            break
    assert seen[:-1] == [2] * (len(seen) - 1)
    assert sum(seen) == last  # in steps of at most 2, each starting where one ended
    assert bounded.json("24h")["hours"] == history.json("24h")["hours"]

    later = History(h.js, clock=lambda: time.time() + 8 * 24 * 3600)
    await later.refresh()
    week = later.json("7d")
    assert sum(row["accepted"] + row["rejected"] for row in week["hours"]) == 0
    assert week["authorities"] == []


def test_lag_ring_keeps_only_the_latest_readings() -> None:
    """The lag ring holds at most its size, oldest first, each with its total."""
    ring = LagRing(size=3)
    assert ring.json() == []
    for i in range(5):
        ring.add(1000 * i, {"broker": i, "inbox-it-dna": 1})
    assert [(p["time_ms"], p["total"]) for p in ring.json()] == [(2000, 3), (3000, 4), (4000, 5)]
