"""History for the dashboard's charts: hourly outcomes, traffic per authority, dead
letters and non-deliveries, and consumer lag over time. Metadata only.

Hourly counts come from the audit stream. The first request reads the last seven days
(by start time); every later one reads only the events appended since, from the next
sequence, so a refresh costs what is new. The cache holds one bucket per hour for
seven days (169 at most, the current hour included), each holding counters keyed by
rejection code, authority or reason, all enumerated or bounded by the directory;
older buckets are dropped. One refresh reads at most `SCAN_BUDGET` events; if more
are waiting, the answer says `complete: false` and the next refresh goes on.

Consumer lag is not in the audit log: the ops process samples the ingress and inbox
consumers' waiting counts every `LAG_INTERVAL` seconds into a ring of `LAG_SAMPLES`
readings (a day at the default interval). The ring starts empty when the process starts.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import msgspec
import nats.js.errors
import structlog
from nats.js import JetStreamContext

from schemas.audit import AuditEvent
from schemas.nats_names import CHECKPOINT_KEY, INBOX_CONSUMER_PREFIX, kv_stream

from . import ops_audit, topology

log = structlog.get_logger(__name__)

HOUR_MS: Final = 3_600_000
WINDOWS: Final = {"24h": 24, "7d": 7 * 24}
"""The windows a chart can show, in hours."""
KEEP_HOURS: Final = max(WINDOWS.values()) + 1
"""Hourly buckets kept: the longest window and the hour in progress."""
SCAN_BUDGET: Final = 100_000
"""Most audit events one refresh reads."""
RECENT_FAILURES: Final = 50
"""Latest dead-letter and non-delivery events kept for the table."""
LAG_INTERVAL: Final = 60.0
"""Seconds between two readings of the consumers' waiting counts."""
LAG_SAMPLES: Final = 1440
"""Readings kept: a day at the default interval."""
FAILURE_EVENTS: Final = ("dead_letter", "non_delivery")
_SERVER_PAGE: Final = 256
"""Consumers per page of the server's consumer list."""


class HistoryQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Query parameters of `GET /v1/history`."""

    window: Literal["24h", "7d"] = "24h"


@dataclass
class _Hour:
    """The counts of one hour (by the events' `time_ms`)."""

    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    sent: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    received: Counter[str] = field(default_factory=Counter)
    failures: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, e: AuditEvent) -> None:
        n = e.count
        if e.event == "accepted":
            self.accepted += n
            if e.sender:
                self.sent[e.sender] += n
            for r in e.recipients:
                self.received[r] += n
        elif e.event == "rejected":
            self.rejected[e.reason or "unknown"] += n
            if e.sender:
                self.refused[e.sender] += n
        elif e.event in FAILURE_EVENTS:
            self.failures[(e.event, e.reason or "unknown")] += n


async def consumer_lags(js: JetStreamContext) -> dict[str, int]:
    """Messages waiting (pending + unacknowledged) on the ingress consumer and on each
    authority's inbox consumer, by consumer name."""
    lags: dict[str, int] = {}
    ingress = await js.consumer_info(topology.INGRESS, topology.INGRESS_CONSUMER)
    lags[topology.INGRESS_CONSUMER] = (ingress.num_pending or 0) + (ingress.num_ack_pending or 0)
    offset = 0
    while True:
        page = await js.consumers_info(topology.DELIVERY, offset=offset)
        for info in page:
            if info.name.startswith(INBOX_CONSUMER_PREFIX):
                lags[info.name] = (info.num_pending or 0) + (info.num_ack_pending or 0)
        if len(page) < _SERVER_PAGE:
            break
        offset += len(page)
    return lags


class LagRing:
    """The latest consumer-lag readings, oldest first, at most `size` of them."""

    def __init__(self, size: int = LAG_SAMPLES) -> None:
        self.samples: deque[tuple[int, dict[str, int]]] = deque(maxlen=size)

    def add(self, time_ms: int, lags: dict[str, int]) -> None:
        """Keep one reading; the oldest goes once the ring is full."""
        self.samples.append((time_ms, dict(lags)))

    def json(self) -> list[dict[str, Any]]:
        """The readings as the API shows them."""
        return [
            {"time_ms": t, "total": sum(lags.values()), "consumers": lags}
            for t, lags in self.samples
        ]


async def sample_lags(
    js: JetStreamContext,
    ring: LagRing,
    interval: float,
    clock: Callable[[], float] = time.time,
) -> None:
    """Read the lags into `ring` now and every `interval` seconds until cancelled; a
    reading that fails is skipped and logged (the chart shows a gap in time, not a
    zero), so the sampler outlives a NATS outage."""
    while True:
        try:
            async with asyncio.timeout(max(interval, 5.0)):
                ring.add(int(clock() * 1000), await consumer_lags(js))
        except Exception as exc:  # one failed reading must not end the sampling
            log.warning("ops_lag_sample_failed", error=type(exc).__name__)
        await asyncio.sleep(interval)


class History:
    """Hourly audit counts of the last seven days, read incrementally.

    Args:
        js: JetStream context.
        clock: seconds since the epoch (a seam for tests).
        budget: most events one refresh reads.
    """

    def __init__(
        self,
        js: JetStreamContext,
        clock: Callable[[], float] = time.time,
        budget: int = SCAN_BUDGET,
    ) -> None:
        self._js = js
        self._clock = clock
        self._budget = budget
        self._hours: dict[int, _Hour] = {}
        self._recent: deque[dict[str, Any]] = deque(maxlen=RECENT_FAILURES)
        self._next_seq: int | None = None
        self._lock = asyncio.Lock()
        self.complete = True
        """Whether the last refresh read up to the end of the stream."""
        self.scanned = 0
        """Audit events the last refresh read."""

    @property
    def next_seq(self) -> int | None:
        """The audit sequence the next refresh starts at (None before the first event)."""
        return self._next_seq

    async def refresh(self) -> None:
        """Read the events appended since the last refresh (the last seven days the
        first time), at most `budget` of them."""
        async with self._lock:
            now_ms = int(self._clock() * 1000)
            oldest = (now_ms // HOUR_MS - KEEP_HOURS + 1) * HOUR_MS
            if self._next_seq is None:
                cursor = ops_audit.AuditCursor(self._js, start_ms=oldest - ops_audit.CLOCK_SKEW_MS)
            else:
                cursor = ops_audit.AuditCursor(self._js, start_seq=self._next_seq)
            scanned = 0
            async with cursor:
                while cursor.pending > 0 and scanned < self._budget:
                    want = min(ops_audit.BATCH, cursor.pending, self._budget - scanned)
                    batch = await cursor.read(want)
                    if not batch:
                        break
                    for msg, seq in batch:
                        self._next_seq, scanned = seq + 1, scanned + 1
                        event = ops_audit.decode(msg, seq)
                        if event is not None and event.time_ms >= oldest:
                            self._add(seq, event)
                self.complete = cursor.pending == 0
            self.scanned = scanned
            for hour in [h for h in self._hours if h < oldest]:
                del self._hours[hour]

    def _add(self, seq: int, e: AuditEvent) -> None:
        hour = e.time_ms // HOUR_MS * HOUR_MS
        bucket = self._hours.get(hour)
        if bucket is None:
            bucket = self._hours[hour] = _Hour()
        bucket.add(e)
        if e.event in FAILURE_EVENTS:
            self._recent.append(ops_audit.event_json(seq, e))

    def json(self, window: str) -> dict[str, Any]:
        """The window's hourly counts (every hour, oldest first, empty ones included),
        traffic per authority, failures by reason and the latest failures."""
        hours = WINDOWS[window]
        now_ms = int(self._clock() * 1000)
        last = now_ms // HOUR_MS * HOUR_MS
        first = last - (hours - 1) * HOUR_MS
        empty = _Hour()
        rows = []
        sent: Counter[str] = Counter()
        refused: Counter[str] = Counter()
        received: Counter[str] = Counter()
        failures: dict[str, Counter[str]] = {name: Counter() for name in FAILURE_EVENTS}
        for start in range(first, last + HOUR_MS, HOUR_MS):
            b = self._hours.get(start, empty)
            rows.append(
                {
                    "start_ms": start,
                    "accepted": b.accepted,
                    "rejected": sum(b.rejected.values()),
                    "by_code": dict(sorted(b.rejected.items())),
                }
            )
            sent.update(b.sent)
            refused.update(b.refused)
            received.update(b.received)
            for (event, reason), n in b.failures.items():
                failures[event][reason] += n
        names = sorted(set(sent) | set(refused) | set(received))
        return {
            "window": window,
            "hour_ms": HOUR_MS,
            "from_ms": first,
            "until_ms": now_ms,
            "complete": self.complete,
            "hours": rows,
            "authorities": [
                {"authority": a, "sent": sent[a], "rejected": refused[a], "received": received[a]}
                for a in names
            ],
            "failures": {event: dict(sorted(c.items())) for event, c in failures.items()},
            "recent_failures": [e for e in reversed(self._recent) if e["time_ms"] >= first],
        }


async def checkpoint_state(js: JetStreamContext) -> tuple[bytes, int] | None:
    """The latest checkpoint note and when it was published (UTC ms), or None before
    the first. Read with a stream get, which carries the time the bucket stored it."""
    try:
        msg = await js.get_last_msg(
            kv_stream(topology.KV_CHECKPOINTS), f"$KV.{topology.KV_CHECKPOINTS}.{CHECKPOINT_KEY}"
        )
    except nats.js.errors.NotFoundError:
        return None
    if not msg.data or msg.time is None:
        return None
    return msg.data, int(msg.time.timestamp() * 1000)
