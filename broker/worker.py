"""The ingress worker: fetch a batch, check, record, audit, deliver, notify, ack.

All broker processes bind to the one durable ingress consumer, so adding processes
adds throughput. A batch's JetStream writes are pipelined (`publish_async`) in three
rounds — seen-set claims, audit events, then deliveries and notices — and awaited
between rounds, because a delivery must carry its audit sequence. Only when every write
of a batch is acknowledged by JetStream are its envelopes acked.

The same envelope bytes are never accepted twice within the seen-set window. A later
copy (a sender's retry, a redelivery after a lost ack) finds the seen-set entry with
its hash and is processed under the first copy's ingress sequence and time, so it
yields the very same audit event and deliveries under the same `Nats-Msg-Id`s; the
streams' duplicate windows cover the whole seen-set window (`broker.config`), so
JetStream stores each once and answers with the first sequence, which the sender's
notice carries. That costs no write beyond the claim. A batch held while JetStream
refuses writes keeps in memory what JetStream acknowledged, and before each retry
looks up the audit events an earlier attempt may have stored unheard, so however long
the hold, nothing is written twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import time
import traceback
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

import nats.errors
import nats.js.errors
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import PubAck

from schemas import jsfetch
from schemas import nats_names as names
from schemas.audit import AUDIT_DOMAIN, AuditEvent, AuditEventType, ReasonCode, encode_event
from schemas.errors import StaleDirectory
from schemas.jspub import WRONG_LAST_SEQUENCE, Pipeline
from schemas.keys import SigningKey
from schemas.notice import Notice, NoticeBatch, RejectionCode, sign_notices

from . import pipeline, topology
from .config import BrokerConfig
from .directory_store import DirectoryWatch
from .metrics import Metrics
from .pipeline import Candidate, InternalFailure, Rejection
from .policy import Policy
from .ratelimit import FloodAudit, SharedRateLimiter

log = structlog.get_logger(__name__)

SEEN_PREFIX = names.kv_subject_prefix(topology.KV_SEEN)
VERIFY_CHUNK = 64
SMALL_BATCH = 8
"""A batch this small is checked inline, its rate decision overlapping the checks."""
PUBLISH_TIMEOUT = 10.0
"""Bound on one round of pipelined writes: past it the batch is held and retried."""
FETCH_RETRY = 0.25
"""Seconds before asking the ingress consumer again after NATS refused a fetch."""
AUDIT_END_TTL = 5.0
"""Seconds an audit sequence this process was told stays its lower bound of the audit
stream's end (see `Worker._audit_end`)."""


@dataclass
class Health:
    """What readiness depends on, shared by the worker and the ops API."""

    audit_ok: bool = True
    last_error: str = ""
    sequencer_error: str = ""
    store_error: str = ""
    """Why the JetStream store stops readiness (nearly full, or its usage unreadable);
    empty while it is fine. Kept by the ops API's `/readyz` (`broker.ops`)."""


Outcome = Rejection | InternalFailure | None
"""What became of one envelope; `None`: it passed every check and this batch accepts it."""


@dataclass(frozen=True)
class _SeenEntry:
    """A seen-set value: the envelope hash, and the ingress sequence and time of the
    first copy (which every later copy of the same bytes is processed under)."""

    envelope_hash: bytes
    ingress_seq: int
    ingress_ms: int | None = None

    def encode(self) -> bytes:
        out = self.envelope_hash + self.ingress_seq.to_bytes(8, "big")
        return out + (self.ingress_ms or 0).to_bytes(8, "big")

    @classmethod
    def decode(cls, value: bytes) -> _SeenEntry:
        def u64(at: int) -> int | None:
            return int.from_bytes(value[at : at + 8], "big") if len(value) >= at + 8 else None

        # 40-byte values (hash and sequence only) were written by earlier versions.
        return cls(value[:32], u64(32) or 0, u64(40) or None)


Write = tuple[str, str, bytes, dict[str, str]]
"""(key, subject, payload, headers). The key names the write within its batch — its
`Nats-Msg-Id` where it has one — so a retry knows what JetStream already acknowledged."""


@dataclass
class _Batch:
    """One fetched batch and how far its work has got. Kept across retries while the
    batch is held, so a write JetStream acknowledged is never made again — however long
    the hold, and whatever the streams' duplicate windows."""

    msgs: Sequence[Msg]
    allowed: list[bool] | None = None
    """Within its sender's rate, per envelope: decided once, so a retry charges nothing."""
    candidates: list[Candidate] = field(default_factory=list)
    outcomes: list[Outcome] | None = None
    """Set once every check, the seen-set claim included, is done: final from then on."""
    events: list[tuple[str, AuditEvent]] | None = None
    """The batch's audit events: made once, since making them counts flood rejections."""
    acks: dict[str, int] = field(default_factory=dict)
    """Stream sequence of every acknowledged write, by key."""
    audit_floor: int | None = None
    """An audit sequence no event of this batch can precede: the stream's end before the
    batch's first append (then before each retry). An append JetStream stored although
    its answer was lost lies above it."""
    delivered: bool = False


class Worker:
    """Processes ingress envelopes until `stop` is set; never acks what it did not finish."""

    def __init__(
        self,
        nc: Client,
        js: JetStreamContext,
        config: BrokerConfig,
        watch: DirectoryWatch,
        notice_key: SigningKey,
        metrics: Metrics,
        health: Health,
        executor: Executor | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._nc = nc
        self._js = js
        self._pipe = Pipeline(nc)
        self._config = config
        self._watch = watch
        self._notice_key = notice_key
        self._metrics = metrics
        self._health = health
        self._executor = executor
        self._clock = clock
        self._audit_last: int | None = None
        self._audit_last_at = 0.0
        self._policy = Policy(config.policy)
        self._limiter = SharedRateLimiter(
            js, config.policy.rate_per_second, config.policy.rate_burst
        )
        # A fresh suffix per run: a restarted process under the same instance name must
        # not have its first flood event de-duplicated against its predecessor's.
        self._floods = FloodAudit(f"{config.instance}.{secrets.token_hex(4)}")
        self._stop = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch and process batches until `stop` is set; the batch in hand is finished."""
        self._stop = stop
        await self._watch.loaded.wait()
        sub = await self._js.pull_subscribe_bind(
            durable=topology.INGRESS_CONSUMER, stream=topology.INGRESS
        )
        try:
            async with self._pipe:
                while not stop.is_set():
                    try:
                        msgs = await jsfetch.fetch(sub, self._config.nats.batch, wait=0.5)
                    except TimeoutError:  # nats-py raises its own or asyncio's, by path
                        continue
                    except (nats.errors.Error, nats.js.errors.Error, OSError) as exc:
                        # The consumer's leader is moving (a cluster node lost) or the
                        # connection is failing over: nothing was taken, ask again.
                        self._health.last_error = f"{type(exc).__name__}: {exc}"
                        log.warning("fetch_failed", error=self._health.last_error)
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), FETCH_RETRY)
                        continue
                    if msgs:
                        await self.process(msgs)
                    await self._flush_floods()
        finally:
            await self._flush_floods(everything=True)
            await sub.unsubscribe()

    async def process(self, msgs: Sequence[Msg]) -> None:
        """One batch: acked only after every write succeeded.

        While the directory is stale or JetStream refuses writes, the batch is held
        (its ack timers reset with `in_progress`) and retried from the stage it reached,
        so an outage spends none of an envelope's deliveries and repeats no write; on
        shutdown it is nak'ed for another process.
        """
        batch = _Batch(msgs)
        delay = min(0.25, self._config.nats.ack_wait / 3)
        while True:
            try:
                await self._advance(batch)
                break
            except StaleDirectory as exc:
                self._health.last_error = f"directory: {exc}"
            except (nats.errors.Error, nats.js.errors.Error, OSError, TimeoutError) as exc:
                self._health.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("batch_held", error=self._health.last_error, batch=len(msgs))
            if self._stop.is_set():
                await _nak_all(msgs, delay=0.0)
                return
            await asyncio.gather(*(m.in_progress() for m in msgs), return_exceptions=True)
            await asyncio.sleep(delay)
            # Back off, but renew the ack timers well within ack_wait: a held envelope
            # that JetStream redelivered would spend one of its max_deliver attempts.
            delay = min(delay * 2, 5.0, self._config.nats.ack_wait / 3)
        assert batch.outcomes is not None  # noqa: S101  (_advance finished every stage)
        now = self._clock()
        for m, c, outcome in zip(msgs, batch.candidates, batch.outcomes, strict=True):
            if isinstance(outcome, InternalFailure):
                self._metrics.internal_failures.inc()
                await m.nak(delay=self._config.nats.ack_wait)
                continue
            await m.ack()
            self._metrics.latency.observe(max(0.0, now - c.ingress_ms / 1000))
            if outcome is None:
                self._metrics.accepted.inc()
            else:
                self._metrics.rejected.labels(outcome.code).inc()

    async def _advance(self, batch: _Batch) -> None:
        """Run the stages `batch` has not finished; raises if JetStream refuses a write."""
        if batch.outcomes is None:
            self._watch.directory.check_fresh()
            batch.candidates = [_candidate(m) for m in batch.msgs]
            if batch.allowed is None and len(batch.msgs) <= SMALL_BATCH:
                outcomes = await self._check_small(batch)
            else:
                if batch.allowed is None:
                    batch.allowed = await self._decide(batch)
                outcomes = await self._check_signed(batch.candidates, batch.allowed)
            batch.outcomes = await self._check_claimed(batch.candidates, outcomes)
        audit_seq = await self._audit(batch)
        if not batch.delivered:
            await self._deliver(batch, audit_seq)
            batch.delivered = True

    async def _decide(self, batch: _Batch) -> list[bool]:
        return await self._limiter.decide(
            [(c.subject_sender, c.ingress_ms) for c in batch.candidates]
        )

    async def _check_small(self, batch: _Batch) -> list[Outcome]:
        """A small batch (light load, where latency counts): the rate decision's round
        trip overlaps the checks up to the signature, run inline (for a few envelopes a
        thread-pool hop costs more than the verification). An envelope over its rate
        then ends as if refused first, before anything else was read from it; the
        verification spent on it is bounded by the batch's size — a flood arrives in
        full batches, which decide first and verify nothing they refuse."""
        decision = asyncio.ensure_future(self._decide(batch))
        await asyncio.sleep(0)  # the decision's request goes out before the CPU work
        try:
            outcomes = await self._check_signed(
                batch.candidates, [True] * len(batch.candidates), inline=True
            )
        finally:
            # Decided (and charged) once even if the checks raised: a retry reuses it.
            batch.allowed = await decision
        for i, (c, ok) in enumerate(zip(batch.candidates, batch.allowed, strict=True)):
            if not ok:
                c.parsed, c.sender_public, c.verified = None, b"", False
                outcomes[i] = pipeline.rate_limited()
        return outcomes

    async def _check_signed(
        self, candidates: list[Candidate], allowed: list[bool], *, inline: bool = False
    ) -> list[Outcome]:
        """Steps 1-4a: rate, decode, sender and key, signature, time window."""
        outcomes: list[Outcome] = [None] * len(candidates)
        directory = self._watch.directory
        for i, c in enumerate(candidates):
            outcomes[i] = _attempt(c, lambda c, ok=allowed[i]: pipeline.precheck(c, directory, ok))  # type: ignore[misc]
        await self._verify(candidates, outcomes, inline=inline)
        for i, c in enumerate(candidates):
            if outcomes[i] is None:
                outcomes[i] = _attempt(c, lambda c: pipeline.check_time(c, self._config.time))
        return outcomes

    async def _check_claimed(
        self, candidates: list[Candidate], outcomes: list[Outcome]
    ) -> list[Outcome]:
        """Steps 4b-5: the seen-set claim, then recipients and policy."""
        directory = self._watch.directory
        await self._seen(candidates, outcomes)
        for i, c in enumerate(candidates):
            if outcomes[i] is None:
                outcomes[i] = _attempt(
                    c, lambda c: pipeline.check_recipients(c, directory, self._policy)
                )
        return outcomes

    async def _verify(
        self, candidates: list[Candidate], outcomes: list[Outcome], *, inline: bool = False
    ) -> None:
        """Signature checks off the event loop (libsodium releases the GIL), in chunks;
        `inline` on it (a few envelopes)."""
        todo = [i for i, o in enumerate(outcomes) if o is None]

        def run(indexes: list[int]) -> list[tuple[int, Outcome]]:
            failed: list[tuple[int, Outcome]] = []
            for i in indexes:
                outcome = _attempt(candidates[i], pipeline.verify)
                if outcome is not None:
                    failed.append((i, outcome))
            return failed

        if inline:
            for i, outcome in run(todo):
                outcomes[i] = outcome
            return
        loop = asyncio.get_running_loop()
        chunks = [todo[k : k + VERIFY_CHUNK] for k in range(0, len(todo), VERIFY_CHUNK)]
        results = await asyncio.gather(
            *(loop.run_in_executor(self._executor, run, chunk) for chunk in chunks)
        )
        for failed in results:
            for i, outcome in failed:
                outcomes[i] = outcome

    async def _seen(self, candidates: list[Candidate], outcomes: list[Outcome]) -> None:
        """Step 4b: claim (sender, message id) → envelope hash; judge repeats.

        Another hash: a replay, rejected. The same hash (a sender's retry, a redelivery
        after a crash, a copy in this very batch): carry on under the first copy's
        ingress sequence and time, so every copy writes the same event and deliveries
        under the same `Nats-Msg-Id`s, which JetStream stores once.
        """
        todo = [i for i, o in enumerate(outcomes) if o is None]
        futures = [
            await self._pipe.publish(
                SEEN_PREFIX + _seen_key(candidates[i]),
                _SeenEntry(
                    candidates[i].hash, candidates[i].ingress_seq, candidates[i].ingress_ms
                ).encode(),
                {"Nats-Expected-Last-Subject-Sequence": "0"},
            )
            for i in todo
        ]
        async with asyncio.timeout(PUBLISH_TIMEOUT):
            results = await asyncio.gather(*futures, return_exceptions=True)
        kv = None
        for i, result in zip(todo, results, strict=True):
            if not isinstance(result, BaseException):
                continue
            if not (
                isinstance(result, nats.js.errors.APIError)
                and result.err_code in WRONG_LAST_SEQUENCE
            ):
                raise result
            c = candidates[i]
            kv = kv or await self._js.key_value(topology.KV_SEEN)
            entry = _SeenEntry.decode((await kv.get(_seen_key(c))).value or b"")
            if entry.envelope_hash != c.hash:
                outcomes[i] = Rejection(
                    "replay",
                    f"message id {c.binding.message_id.hex()} was already used by another "
                    "envelope: seal a new message",
                )
            else:
                c.accepted_seq = entry.ingress_seq or c.ingress_seq
                c.accepted_ms = entry.ingress_ms or c.ingress_ms

    async def _audit(self, batch: _Batch) -> dict[str, int]:
        """Append the batch's audit events (those not yet acknowledged); every event's
        sequence by event id.

        Before a retry, the events an earlier attempt may have stored unheard (the
        answer lost with the connection) are looked up by their exact bytes: past the
        audit stream's duplicate window a second append would be a second event.
        """
        assert batch.outcomes is not None  # noqa: S101  (checked first)
        if batch.events is None:
            batch.events = self._audit_events(batch.candidates, batch.outcomes)
        events = [(mid, encode_event(e)) for mid, e in batch.events]
        pending = {mid: payload for mid, payload in events if mid not in batch.acks}
        if pending:
            if batch.audit_floor is None:
                batch.audit_floor = await self._audit_end()
            else:
                batch.acks.update(await self._find_appended(batch, pending))
            await self._write(
                batch,
                [
                    (mid, topology.AUDIT_SUBJECT, payload, {names.HEADER_MSG_ID: mid})
                    for mid, payload in pending.items()
                ],
            )
            self._health.audit_ok = True
        return {mid: batch.acks[mid] for mid, _ in events}

    async def _audit_end(self) -> int:
        """The audit stream's last sequence, or a recent lower bound: the highest this
        process was told in the last few seconds (free while it is busy). Asking again
        after a quiet spell keeps a later search short when other processes appended
        meanwhile."""
        if self._audit_last is None or self._clock() - self._audit_last_at > AUDIT_END_TTL:
            self._audit_last = (await self._js.stream_info(topology.AUDIT)).state.last_seq
            self._audit_last_at = self._clock()
        return self._audit_last

    async def _find_appended(self, batch: _Batch, pending: dict[str, bytes]) -> dict[str, int]:
        """Sequences of pending events already in the audit stream above the batch's
        floor (exact payload match: each event names its message, envelope hash or
        ingress sequence, so equal bytes are the same event); the floor moves up to
        the stream's end, so the next retry reads only what is new."""
        assert batch.audit_floor is not None  # noqa: S101
        last = (await self._js.stream_info(topology.AUDIT)).state.last_seq
        wanted = {payload: mid for mid, payload in pending.items()}
        found: dict[str, int] = {}
        for seq in range(batch.audit_floor + 1, last + 1):
            msg = await self._js.get_msg(topology.AUDIT, seq=seq, direct=True)
            mid = wanted.get(msg.data or b"")
            if mid is not None:
                found[mid] = seq
        batch.audit_floor = last
        if found:
            log.warning("audit_appends_recovered", events=len(found))
        return found

    async def _deliver(self, batch: _Batch, audit_seq: dict[str, int]) -> None:
        """Deliveries and notices; raises if JetStream refuses any write."""
        assert batch.outcomes is not None  # noqa: S101
        writes: list[Write] = []
        notices: dict[str, list[Notice]] = defaultdict(list)
        seqs: dict[str, list[int]] = defaultdict(list)
        for c, outcome in zip(batch.candidates, batch.outcomes, strict=True):
            if isinstance(outcome, InternalFailure):
                continue
            seqs[c.subject_sender].append(c.ingress_seq)
            if outcome is None:
                b = c.binding
                seq = audit_seq[_accepted_id(c)]
                for r in b.recipients:
                    mid = f"{b.message_id.hex()}:{r.authority}"
                    writes.append(
                        (
                            mid,
                            topology.delivery_subject(r.authority),
                            c.data,
                            {
                                names.HEADER_MSG_ID: mid,
                                names.HEADER_TYPE: names.TYPE_ENVELOPE,
                                names.HEADER_SENDER: b.sender,
                                names.HEADER_AUDIT_SEQ: str(seq),
                                names.HEADER_ACCEPTED_MS: str(c.accepted_ms),
                            },
                        )
                    )
                notices[c.subject_sender].append(_accepted_notice(c, seq, c.accepted_ms))
            else:
                message_id = c.binding.message_id if c.verified else None
                notices[c.subject_sender].append(
                    Notice(
                        "rejected",
                        c.hash,
                        message_id,
                        int(self._clock() * 1000),
                        None,
                        outcome.code,
                        outcome.detail[:300],
                        [],
                    )
                )
        for sender, items in notices.items():
            # Named by the ingress sequences it answers, not by content: a re-sent
            # envelope (a new ingress sequence, even with the same bytes) gets a new
            # notice, a retried batch the same one; two batches that share a first
            # sequence and a length but not their members are not mistaken for each other.
            mid = f"notices:{sender}:{_digest(seqs[sender])}"
            signed = sign_notices(self._notice_key, NoticeBatch(sender, items))
            writes.append(
                (
                    mid,
                    topology.delivery_subject(sender),
                    signed,
                    {names.HEADER_MSG_ID: mid, names.HEADER_TYPE: names.TYPE_NOTICES},
                )
            )
        await self._write(batch, writes)
        self._metrics.delivered.inc(
            sum(1 for w in writes if w[3][names.HEADER_TYPE] == names.TYPE_ENVELOPE)
        )

    def _audit_events(
        self, candidates: list[Candidate], outcomes: list[Outcome]
    ) -> list[tuple[str, AuditEvent]]:
        events: list[tuple[str, AuditEvent]] = []
        aggregated: dict[tuple[str, RejectionCode], list[tuple[Candidate, Rejection]]] = (
            defaultdict(list)
        )
        for c, outcome in zip(candidates, outcomes, strict=True):
            if outcome is None:
                events.append((_accepted_id(c), _acceptance_event(c)))
            elif isinstance(outcome, InternalFailure):
                continue
            elif c.verified:
                b = c.binding
                mid = f"rej:{b.sender}:{b.message_id.hex()}:{c.hash.hex()[:16]}:{c.ingress_seq}"
                events.append((mid, _message_event(c, "rejected", outcome.code, b.message_id)))
            else:
                aggregated[(c.subject_sender, outcome.code)].append((c, outcome))
        now = self._clock()
        for (sender, code), group in aggregated.items():
            event = self._floods.record(sender, code, [c for c, _ in group], now)
            if event is not None:
                events.append(event)
        return events

    async def _flush_floods(self, *, everything: bool = False) -> None:
        """Append the summaries of closed flood windows (all of them on shutdown).
        A failed append stays held for the next round; on shutdown it is logged (the
        count only) and lost with the process."""
        for key, mid, payload in self._floods.due(self._clock(), everything=everything):
            try:
                await self._js.publish(
                    topology.AUDIT_SUBJECT, payload, headers={names.HEADER_MSG_ID: mid}
                )
            except (nats.errors.Error, nats.js.errors.Error, OSError, TimeoutError) as exc:
                log.warning("flood_summary_held", error=type(exc).__name__, code=key[1])
                continue
            self._floods.written(key)
        if everything and self._floods.held:
            log.error("flood_summary_lost", rejections=self._floods.held)

    async def _write(self, batch: _Batch, writes: list[Write]) -> None:
        """Pipeline the writes JetStream has not yet acknowledged for `batch`; record
        each acknowledgement; raise the first failure once all have answered."""
        todo = [w for w in writes if w[0] not in batch.acks]
        futures: list[asyncio.Future[PubAck]] = []
        try:
            for _, subject, payload, headers in todo:
                futures.append(await self._pipe.publish(subject, payload, headers))
            if futures:
                await asyncio.wait(futures, timeout=PUBLISH_TIMEOUT)
        finally:
            for future in futures:
                if not future.done():
                    future.cancel()
        failure: BaseException | None = None
        audit_failed = False
        for (key, subject, _, _), future in zip(todo, futures, strict=False):
            error = (
                TimeoutError(f"JetStream did not answer within {PUBLISH_TIMEOUT:g} s")
                if future.cancelled()
                else future.exception()
            )
            if error is None:
                batch.acks[key] = future.result().seq
                if subject == topology.AUDIT_SUBJECT:
                    self._audit_last = max(self._audit_last or 0, future.result().seq)
                    self._audit_last_at = self._clock()
                continue
            failure = failure or error
            audit_failed = audit_failed or subject == topology.AUDIT_SUBJECT
        if audit_failed:
            self._health.audit_ok = False
            self._metrics.audit_failures.inc()
        if failure is not None:
            raise failure


def _acceptance_event(c: Candidate) -> AuditEvent:
    """The one event of an accepted message. For a receipt it says what the receipt
    attests, from its binding (the body is encrypted): `delivered`, `retrieved` or
    `non_retrieval` with the reason, about the message it answers (`in_reply_to`)."""
    b = c.binding
    if b.receipt is None:
        return _message_event(c, "accepted", None, b.message_id)
    return _message_event(c, b.receipt.receipt_type, b.receipt.reason, b.in_reply_to)


def _message_event(
    c: Candidate, event: AuditEventType, reason: ReasonCode | None, message_id: bytes | None
) -> AuditEvent:
    """The audit event of an envelope whose signature verified: its binding's metadata.
    An acceptance is recorded under the first copy's ingress sequence and time (every
    copy yields the same event); a rejection under this copy's own."""
    b = c.binding
    rejected = event == "rejected"
    return AuditEvent(
        AUDIT_DOMAIN, event, c.ingress_ms if rejected else c.accepted_ms, message_id, b.kind,
        b.sender, [r.authority for r in b.recipients], c.hash, len(c.data), b.victim_level,
        b.legal_basis, reason, ingress_seq=c.ingress_seq if rejected else c.accepted_seq,
    )  # fmt: skip


def _accepted_notice(c: Candidate, audit_seq: int, accepted_ms: int) -> Notice:
    b = c.binding
    return Notice(
        "accepted",
        c.hash,
        b.message_id,
        accepted_ms,
        audit_seq,
        None,
        None,
        [r.authority for r in b.recipients],
    )


def _candidate(m: Msg) -> Candidate:
    meta = m.metadata
    return Candidate(
        data=m.data,
        subject_sender=pipeline.sender_of(m.subject),
        ingress_ms=int(meta.timestamp.timestamp() * 1000),
        ingress_seq=meta.sequence.stream,
    )


def _attempt(c: Candidate, step: Callable[[Candidate], None]) -> Rejection | InternalFailure | None:
    """Run one check; a rejection is an outcome, anything unexpected an `InternalFailure`
    (the envelope is set aside, the worker and the rest of its batch go on)."""
    try:
        step(c)
    except Rejection as rejection:
        return rejection
    except StaleDirectory:
        raise
    except Exception as exc:  # a bug must not stop the other envelopes
        # Where it happened, not what it said: an exception's message may quote the
        # envelope, and logs never hold content.
        where = [
            f"{f.filename}:{f.lineno} {f.name}" for f in traceback.extract_tb(exc.__traceback__)
        ]
        log.error(
            "envelope_processing_error",
            ingress_seq=c.ingress_seq,
            error=type(exc).__name__,
            where=where[-5:],
        )
        return InternalFailure(type(exc).__name__)
    return None


def _digest(seqs: list[int]) -> str:
    """A short name for a set of ingress sequences."""
    data = b"".join(s.to_bytes(8, "big") for s in sorted(seqs))
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def _seen_key(c: Candidate) -> str:
    return f"{c.binding.sender}.{c.binding.message_id.hex()}"


def _accepted_id(c: Candidate) -> str:
    return f"acc:{c.binding.sender}:{c.binding.message_id.hex()}"


async def _nak_all(msgs: Sequence[Msg], *, delay: float) -> None:
    results: list[Awaitable[None]] = [m.nak(delay=delay) for m in msgs]
    await asyncio.gather(*results, return_exceptions=True)
