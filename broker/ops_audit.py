"""Reading the audit stream for the ops API: filtered pages, a live tail and aggregate
counts. Metadata only — an audit event never holds content.

The stream is read in order through a short-lived ephemeral pull consumer (no acks,
memory state), a thousand events per round trip, so a page or a count over tens of
thousands of events is a few dozen requests rather than one per event. Each reader
deletes its consumer when done; an inactivity threshold removes any a crash leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections import Counter
from types import TracebackType
from typing import Annotated, Any, Final

import msgspec
import nats.errors
import nats.js.errors
import structlog
from msgspec import Meta
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from schemas import jsfetch
from schemas.audit import AuditEvent, AuditEventType, decode_event
from schemas.errors import ProtocolError
from schemas.records import AuthorityId
from schemas.suppression import PublishedLine, protect_line
from schemas.wire import Kind, UInt

from . import topology

log = structlog.get_logger(__name__)

NATS_ERRORS: Final = (nats.errors.Error, nats.js.errors.Error, TimeoutError)
BATCH: Final = 1_000
MAX_LIMIT: Final = 1_000
SCAN_BUDGET: Final = 200_000
"""Most events one request reads; a filtered page that finds too few says where to go on."""
CLOCK_SKEW_MS: Final = 5 * 60 * 1000
"""An event's `time_ms` is at or before the time the audit stream stored it (ingress
time for message events), give or take the clocks of broker hosts; time filters start
and stop the scan this far beyond their bound so no event is missed."""
SMALL_CELL: Final = 5
"""Counts from 1 to SMALL_CELL - 1 are suppressed in statistics."""
ROUNDING_BASE: Final = 5
"""Statistics show counts rounded to multiples of this (see `schemas.suppression`)."""
_CONSUMER_IDLE: Final = 30.0

MessageIdHex = Annotated[str, Meta(pattern=r"^[0-9a-f]{32}$(?!\n)")]
TimeMs = Annotated[int, Meta(ge=0, le=253_402_300_799_999)]
"""UTC milliseconds up to the end of year 9999 (what a datetime can hold)."""


class AuditFilter(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Which events a query or a tail returns; every field given must match."""

    authority: AuthorityId | None = None
    """Matches the sender, any recipient, or the authority of a directory event."""
    kind: Kind | None = None
    message_id: MessageIdHex | None = None
    event: AuditEventType | None = None
    since_ms: TimeMs | None = None
    until_ms: TimeMs | None = None

    def matches(self, e: AuditEvent) -> bool:
        """Whether `e` passes every condition given."""
        a = self.authority
        return (
            (a is None or a in (e.sender, e.authority) or a in e.recipients)
            and (self.kind is None or e.kind == self.kind)
            and (self.message_id is None or (e.message_id or b"").hex() == self.message_id)
            and (self.event is None or e.event == self.event)
            and (self.since_ms is None or e.time_ms >= self.since_ms)
            and (self.until_ms is None or e.time_ms <= self.until_ms)
        )


class AuditQuery(AuditFilter, frozen=True, forbid_unknown_fields=True):
    """Query parameters of `GET /v1/audit`."""

    after_seq: UInt = 0
    limit: Annotated[int, Meta(ge=1, le=MAX_LIMIT)] = 100


class TailQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Query parameters of `GET /v1/audit/tail`: a start and the filters that make sense
    for events still to come."""

    after_seq: UInt | None = None
    authority: AuthorityId | None = None
    kind: Kind | None = None
    event: AuditEventType | None = None

    def filter(self) -> AuditFilter:
        """The filter these parameters describe."""
        return AuditFilter(authority=self.authority, kind=self.kind, event=self.event)


class StatsQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Query parameters of `GET /v1/stats`."""

    since_ms: TimeMs | None = None


def event_json(seq: int, e: AuditEvent) -> dict[str, Any]:
    """An audit event as the API shows it: every metadata field, bytes in hex."""
    return {
        "seq": seq,
        "event": e.event,
        "time_ms": e.time_ms,
        "message_id": e.message_id.hex() if e.message_id is not None else None,
        "kind": e.kind,
        "sender": e.sender,
        "recipients": list(e.recipients),
        "envelope_hash": e.envelope_hash.hex() if e.envelope_hash is not None else None,
        "size": e.size,
        "victim_level": e.victim_level,
        "legal_basis": e.legal_basis,
        "reason": e.reason,
        "count": e.count,
        "ingress_seq": e.ingress_seq,
        "refers_to": e.refers_to,
        "authority": e.authority,
        "directory_serial": e.directory_serial,
    }


class AuditCursor:
    """Reads the audit stream in order from a start, in batches, on its own ephemeral
    consumer. `async with AuditCursor(js, start_seq=n):` deletes the consumer on exit.

    Args:
        js: JetStream context.
        start_seq: first sequence to read (default 1).
        start_ms: read from the first event the stream stored at or after this time
            instead (UTC milliseconds); ignored when `start_seq` is given.
    """

    def __init__(
        self, js: JetStreamContext, *, start_seq: int | None = None, start_ms: int | None = None
    ) -> None:
        self._js = js
        self._config = ConsumerConfig(
            ack_policy=AckPolicy.NONE,
            inactive_threshold=_CONSUMER_IDLE,
            mem_storage=True,
            num_replicas=1,
        )
        if start_seq is not None:
            self._config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
            self._config.opt_start_seq = max(start_seq, 1)
        elif start_ms is not None:
            self._config.deliver_policy = DeliverPolicy.BY_START_TIME
            self._config.opt_start_time = dt.datetime.fromtimestamp(max(start_ms, 0) / 1000, dt.UTC)
        self._sub: JetStreamContext.PullSubscription | None = None
        self._name = ""
        self.pending = 0
        """Events after the last one read that the stream held when it was read."""

    async def __aenter__(self) -> AuditCursor:
        self._sub = await self._js.pull_subscribe(
            topology.AUDIT_SUBJECT, durable=None, stream=topology.AUDIT, config=self._config
        )
        info = await self._sub.consumer_info()
        self._name = info.name
        self.pending = info.num_pending or 0
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Unsubscribe and delete the consumer (idempotent, bounded, best effort: the
        inactivity threshold removes it otherwise)."""
        sub, self._sub = self._sub, None
        if sub is None:
            return
        with contextlib.suppress(*NATS_ERRORS):
            async with asyncio.timeout(2.0):
                await sub.unsubscribe()
                if self._name:
                    await self._js.delete_consumer(topology.AUDIT, self._name)

    async def read(self, count: int = BATCH, wait: float = 5.0) -> list[tuple[Msg, int]]:
        """The next events (up to `count`) as (message, sequence); waits up to `wait` seconds
        for one if none is there, then returns an empty list."""
        if self._sub is None:
            raise RuntimeError("AuditCursor used outside its context")
        try:
            msgs = await jsfetch.fetch(self._sub, count, wait=wait)
        except (nats.errors.TimeoutError, TimeoutError):
            return []
        out = [(m, m.metadata.sequence.stream) for m in msgs if m.metadata.sequence]
        if msgs:
            self.pending = msgs[-1].metadata.num_pending or 0
        return out


def decode(msg: Msg, seq: int) -> AuditEvent | None:
    """The event in `msg`, or None (logged) if the payload does not decode."""
    try:
        return decode_event(msg.data)
    except ProtocolError:
        log.warning("audit_event_undecodable", seq=seq)
        return None


def stored_ms(msg: Msg) -> int:
    """When the audit stream stored `msg` (UTC milliseconds)."""
    return int(msg.metadata.timestamp.timestamp() * 1000)


async def query(js: JetStreamContext, q: AuditQuery) -> dict[str, Any]:
    """One page of `GET /v1/audit`: events after `q.after_seq` that match, oldest first.

    `next_after_seq` is where the next page starts, or None when the scan reached the
    end of the stream as it was when read.
    """
    if q.after_seq:
        cursor = AuditCursor(js, start_seq=q.after_seq + 1)
    elif q.since_ms is not None:
        cursor = AuditCursor(js, start_ms=q.since_ms - CLOCK_SKEW_MS)
    else:
        cursor = AuditCursor(js)
    stop_ms = None if q.until_ms is None else q.until_ms + CLOCK_SKEW_MS
    events: list[dict[str, Any]] = []
    scanned = 0
    last_seq = q.after_seq
    async with cursor:
        while cursor.pending > 0:
            batch = await cursor.read(min(BATCH, cursor.pending))
            if not batch:
                break
            for msg, seq in batch:
                if stop_ms is not None and stored_ms(msg) > stop_ms:
                    return {"events": events, "next_after_seq": None}
                last_seq, scanned = seq, scanned + 1
                event = decode(msg, seq)
                if event is not None and q.matches(event):
                    events.append(event_json(seq, event))
                    if len(events) == q.limit:
                        return {"events": events, "next_after_seq": seq}
            if scanned >= SCAN_BUDGET:
                return {"events": events, "next_after_seq": last_seq}
    return {"events": events, "next_after_seq": None}


SUPPRESSED: Final = "x"
"""How statistics show a suppressed count (the usual mark in official tables)."""


def _shown(line: PublishedLine) -> dict[str, int | str]:
    return {k: SUPPRESSED if v is None else v for k, v in line.parts.items()}


def _protected(
    by_event: Counter[str],
    by_reason: dict[str, Counter[str]],
    by_kind: Counter[str],
    by_sender: Counter[str],
) -> dict[str, Any]:
    """The counts, protected by `schemas.suppression`: rounded to multiples of
    ROUNDING_BASE, counts below SMALL_CELL hidden, and complementary suppression so that
    no hidden count follows from the others of its group and its total.

    An event's count is the total of its reason codes, so the two are one line: the
    event's published count is the sum of its rounded reasons, hidden with one of them
    when needed. The events, the kinds and the senders are lines whose totals an
    operator may know from elsewhere (the log's size, the accepted count), so each holds
    either no hidden count or two. Senders below the threshold, and a sender hidden as a
    complement, are left out rather than marked, so none is named below it."""
    parts: dict[str, Counter[str]] = {}
    for event, counter in by_reason.items():
        residual = by_event[event] - sum(counter.values())
        parts[event] = counter + Counter({"none": residual}) if residual > 0 else counter
    reasons = {e: protect_line(c, SMALL_CELL, ROUNDING_BASE) for e, c in parts.items()}
    events = protect_line(
        by_event, SMALL_CELL, ROUNDING_BASE, total="known",
        force=[e for e, line in reasons.items() if line.total is None],
    )  # fmt: skip
    shown_events = _shown(events)
    for event, line in list(reasons.items()):
        if events.parts.get(event) is None:
            if all(v is not None for v in line.parts.values()):
                # The event's count must not follow from its reasons: hide one of them.
                reasons[event] = protect_line(
                    parts[event], SMALL_CELL, ROUNDING_BASE, total="unknown", hide_at_least=1
                )
        else:
            shown_events[event] = line.total if line.total is not None else SUPPRESSED
    senders = protect_line(by_sender, SMALL_CELL, ROUNDING_BASE, total="known")
    return {
        "threshold": SMALL_CELL,
        "rounding_base": ROUNDING_BASE,
        "by_event": shown_events,
        "by_reason": {event: _shown(line) for event, line in sorted(reasons.items())},
        "by_kind": _shown(protect_line(by_kind, SMALL_CELL, ROUNDING_BASE, total="known")),
        "by_sender": {k: v for k, v in senders.parts.items() if v is not None},
    }


async def stats(js: JetStreamContext, since_ms: int | None, now_ms: int) -> dict[str, Any]:
    """Aggregate counts of events since `since_ms` (weighted by each event's `count`), by
    event, by reason code within each event, by kind and by sender, rounded and with
    small-cell and complementary suppression (`_protected`)."""
    by_event: Counter[str] = Counter()
    by_reason: dict[str, Counter[str]] = {}
    by_kind: Counter[str] = Counter()
    by_sender: Counter[str] = Counter()
    start = None if since_ms is None else since_ms - CLOCK_SKEW_MS
    async with AuditCursor(js, start_ms=start) as cursor:
        while cursor.pending > 0:
            batch = await cursor.read(min(BATCH, cursor.pending))
            if not batch:
                break
            for msg, seq in batch:
                e = decode(msg, seq)
                if e is None or (since_ms is not None and e.time_ms < since_ms):
                    continue
                by_event[e.event] += e.count
                if e.reason:
                    by_reason.setdefault(e.event, Counter())[e.reason] += e.count
                if e.kind:
                    by_kind[e.kind] += e.count
                if e.sender and e.event in ("accepted", "rejected"):
                    by_sender[e.sender] += e.count
    return {
        "since_ms": since_ms,
        "until_ms": now_ms,
        **_protected(by_event, by_reason, by_kind, by_sender),
    }
