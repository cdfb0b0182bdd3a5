"""Per-sender rate limits on ingress time, shared by every broker process, and the
bounded audit of pre-signature rejections under a flood.

The rate is a token bucket per sender (`policy.rate_per_second`, `policy.rate_burst`)
judged on the time JetStream stored each envelope (`msg.metadata.timestamp`), like the
time window: a backlog that arrived at an allowed pace is allowed whenever the broker
gets round to it. The bucket's state lives in the `PALERMO_RATE` key-value bucket, one
key per sender, and each processing batch updates it once per sender with
compare-and-set (`kv.update(..., last=revision)`), so every broker process charges the
same bucket: N processes allow the configured rate, not N times it.

Why a shared token bucket and not the ingress stream's per-subject limits: those bound
how many envelopes a sender may have *waiting* (`nats.ingress_per_sender`, already set,
with `discard: new`), not how many it may send per second; an honest sender's backlog
after an outage needs the first, a flood the second. Why not a counter per sender and
fixed window: the bucket keeps the configured rate-plus-burst semantics with one key per
sender (no keys to expire) and allows no double burst at a window edge.
"""

from __future__ import annotations

import asyncio
import struct
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from schemas import nats_names as names
from schemas.audit import AUDIT_DOMAIN, AuditEvent, encode_event
from schemas.notice import RejectionCode

from .pipeline import Candidate

CAS_ATTEMPTS = 50
"""Compare-and-set rounds per sender and batch before the batch is held and retried:
each lost round means another process charged the same sender meanwhile, so this bounds
the loop without ever deciding on a stale state."""

_STATE = struct.Struct(">dq")


@dataclass(frozen=True)
class BucketState:
    """A sender's tokens at ingress time `at_ms` (UTC ms)."""

    tokens: float
    at_ms: int

    def encode(self) -> bytes:
        return _STATE.pack(self.tokens, self.at_ms)

    @classmethod
    def decode(cls, value: bytes | None) -> BucketState | None:
        """The stored state, or `None` for a value that is not one (treated as a full
        bucket: the key is the broker's own, so this only follows an operator's edit)."""
        if value is None or len(value) != _STATE.size:
            return None
        tokens, at_ms = _STATE.unpack(value)
        return cls(tokens, at_ms)


def charge(
    state: BucketState | None, ingress_ms: Sequence[int], rate: float, burst: int
) -> tuple[BucketState, list[bool]]:
    """Charge one token per envelope, in the order given; the new state and whether
    each envelope is allowed.

    The bucket refills only when time moves forward. Batches that two processes handle
    can reach the bucket out of ingress order; an envelope older than the state's time
    then takes a token without refilling, so whatever the order, a sender is allowed at
    most `burst + rate * (its ingress time span)` envelopes.
    """
    tokens, at = (float(burst), ingress_ms[0]) if state is None else (state.tokens, state.at_ms)
    allowed: list[bool] = []
    for t in ingress_ms:
        if t > at:
            tokens = min(float(burst), tokens + (t - at) * rate / 1000)
            at = t
        if tokens >= 1.0:
            tokens -= 1.0
            allowed.append(True)
        else:
            allowed.append(False)
    return BucketState(tokens, at), allowed


class SharedRateLimiter:
    """The token buckets of every sender, kept in the `PALERMO_RATE` bucket."""

    def __init__(self, js: JetStreamContext, rate: float, burst: int) -> None:
        self._js = js
        self._rate = rate
        self._burst = burst
        self._kv: KeyValue | None = None
        self._known: dict[str, tuple[BucketState | None, int]] = {}
        """The last state and revision this process read or wrote, per sender: with one
        process (or one busy sender per process) the update needs no read first."""

    async def decide(self, arrivals: Sequence[tuple[str, int]]) -> list[bool]:
        """Whether each (sender, ingress ms) of a batch is within its sender's rate.

        One compare-and-set write per sender (more only when another process charged
        the same sender meanwhile). Raises `nats.js.errors.Error` or `nats.errors.Error`
        when JetStream does not answer; the caller holds the batch and retries.
        """
        self._kv = self._kv or await self._js.key_value(names.KV_RATE)
        by_sender: dict[str, list[int]] = defaultdict(list)
        for i, (sender, _) in enumerate(arrivals):
            by_sender[sender].append(i)
        results = await asyncio.gather(
            *(
                self._charge(self._kv, sender, [arrivals[i][1] for i in indexes])
                for sender, indexes in by_sender.items()
            )
        )
        out = [False] * len(arrivals)
        for indexes, allowed in zip(by_sender.values(), results, strict=True):
            for i, ok in zip(indexes, allowed, strict=True):
                out[i] = ok
        return out

    async def _charge(self, kv: KeyValue, sender: str, times: list[int]) -> list[bool]:
        last_error: nats.js.errors.Error | None = None
        for _ in range(CAS_ATTEMPTS):
            if sender not in self._known:
                self._known[sender] = await _read(kv, sender)
            state, revision = self._known[sender]
            new, allowed = charge(state, times, self._rate, self._burst)
            try:
                if revision == 0:
                    revision = await kv.create(sender, new.encode())
                else:
                    revision = await kv.update(sender, new.encode(), last=revision)
            except nats.js.errors.KeyWrongLastSequenceError as exc:
                last_error = exc
                del self._known[sender]  # another process charged it: read again
                continue
            self._known[sender] = (new, revision)
            return allowed
        assert last_error is not None  # noqa: S101  (the loop ran and every round lost)
        raise last_error


async def _read(kv: KeyValue, sender: str) -> tuple[BucketState | None, int]:
    """The stored state and its revision; (None, 0) when the sender has none yet."""
    try:
        entry = await kv.get(sender)
    except nats.js.errors.KeyNotFoundError:
        return None, 0
    return BucketState.decode(entry.value), entry.revision or 0


@dataclass
class _Tally:
    """Pre-signature rejections of one sender and code, not yet in the audit log."""

    count: int
    size: int
    first_ms: int
    first_seq: int
    first_hash: bytes


FloodKey = tuple[str, RejectionCode, int]
"""(subject sender, rejection code, window number on the processing clock)."""


class FloodAudit:
    """Bounds the audit events of pre-signature rejections: per sender, code and
    window (`FLOOD_WINDOW`, a minute) each broker process writes at most two — the
    first batch's rejections as they happen, and one event with the count of all later
    ones when the window has closed (or the process stops). Their `count` fields sum to
    the number of envelopes rejected.

    Why not one event per batch: a flood of garbage would grow the append-only audit
    log by one event per batch for ever. Why the later ones are counted in memory: their
    envelopes are acked before the summary is written, so a process that is killed
    (not stopped) loses the summary of at most its current window; what it audits is
    attacker-controlled noise whose first occurrence is already on record.
    """

    def __init__(self, instance: str, window: float = 60.0) -> None:
        self._instance = instance
        self._window = window
        self._opened: set[FloodKey] = set()
        self._pending: dict[FloodKey, _Tally] = {}

    def record(
        self, sender: str, code: RejectionCode, rejected: Sequence[Candidate], now: float
    ) -> tuple[str, AuditEvent] | None:
        """Account one batch's pre-signature rejections of `sender` with `code`: the
        event to append with this batch (`Nats-Msg-Id`, event), or `None` when they are
        held for the window's summary."""
        key = (sender, code, int(now // self._window))
        tally = _tally(rejected)
        if key in self._opened:
            held = self._pending.get(key)
            if held is None:
                self._pending[key] = tally
            else:
                held.count += tally.count
                held.size += tally.size
            return None
        self._opened.add(key)
        return self._event_id(key, "first"), _event(sender, code, tally)

    def due(self, now: float, *, everything: bool = False) -> list[tuple[FloodKey, str, bytes]]:
        """The summaries of closed windows (all held ones with `everything`), as
        (key, `Nats-Msg-Id`, encoded event); `written(key)` once each is stored."""
        current = int(now // self._window)
        self._opened = {k for k in self._opened if k[2] >= current - 1}
        return [
            (key, self._event_id(key, "rest"), encode_event(_event(key[0], key[1], tally)))
            for key, tally in self._pending.items()
            if everything or key[2] < current
        ]

    def written(self, key: FloodKey) -> None:
        """The summary of `key` is in the audit log."""
        self._pending.pop(key, None)

    @property
    def held(self) -> int:
        """Rejections counted but not yet in the audit log."""
        return sum(t.count for t in self._pending.values())

    def _event_id(self, key: FloodKey, part: str) -> str:
        sender, code, window = key
        return f"pre:{self._instance}:{sender}:{code}:{window}:{part}"


def _tally(rejected: Sequence[Candidate]) -> _Tally:
    first = rejected[0]
    return _Tally(
        len(rejected), sum(len(c.data) for c in rejected), first.ingress_ms, first.ingress_seq,
        first.hash,
    )  # fmt: skip


def _event(sender: str, code: RejectionCode, tally: _Tally) -> AuditEvent:
    """Only what is not attacker-controlled, or is bounded: the subject's sender, the
    code, the first envelope's hash, ingress time and sequence, the count and bytes."""
    return AuditEvent(
        AUDIT_DOMAIN,
        "rejected",
        tally.first_ms,
        sender=sender,
        envelope_hash=tally.first_hash,
        size=tally.size,
        reason=code,
        count=tally.count,
        ingress_seq=tally.first_seq,
    )
