"""The ingress worker: fetch a batch, check, record, audit, deliver, notify, ack.

All broker processes bind to the one durable ingress consumer, so adding processes
adds throughput. A batch's JetStream writes are pipelined (`publish_async`) in three
rounds — seen-set, audit events, then deliveries and notices — and awaited between
rounds, because a delivery must carry its audit sequence. Only when every write of a
batch is acknowledged by JetStream are its envelopes acked; on any failure they are
nak'ed and come back, and the seen-set, the `Nats-Msg-Id` of every write and the
streams' duplicate windows make the second pass duplicate nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import nats.errors
import nats.js.errors
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import PubAck

from schemas.audit import AUDIT_DOMAIN, AuditEvent, AuditEventType, encode_event
from schemas.errors import StaleDirectory
from schemas.jspub import WRONG_LAST_SEQUENCE, Pipeline
from schemas.keys import SigningKey
from schemas.notice import Notice, NoticeBatch, sign_notices

from . import pipeline, topology
from .config import BrokerConfig
from .directory_store import DirectoryWatch
from .metrics import Metrics
from .pipeline import Candidate, Rejection
from .policy import Policy, RateLimiter

log = structlog.get_logger(__name__)

SEEN_PREFIX = f"$KV.{topology.KV_SEEN}."
VERIFY_CHUNK = 64
PUBLISH_TIMEOUT = 10.0
"""Bound on one round of pipelined writes: past it the batch is held and retried."""


@dataclass
class Health:
    """What readiness depends on, shared by the worker and the ops API."""

    audit_ok: bool = True
    last_error: str = ""
    sequencer_error: str = ""


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
        self._policy = Policy(config.policy)
        self._limiter = RateLimiter(config.policy.rate_per_second, config.policy.rate_burst)
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
                        msgs = await sub.fetch(self._config.nats.batch, timeout=0.5)
                    except TimeoutError:  # nats-py raises its own or asyncio's, by path
                        continue
                    if msgs:
                        await self.process(msgs)
        finally:
            await sub.unsubscribe()

    async def process(self, msgs: Sequence[Msg]) -> None:
        """One batch: acked only after every write succeeded.

        While the directory is stale or JetStream refuses writes, the batch is held
        (its ack timers reset with `in_progress`) and retried, so an outage spends none
        of an envelope's deliveries; on shutdown it is nak'ed for another process.
        """
        allowed = [self._limiter.allow(pipeline.sender_of(m.subject)) for m in msgs]
        delay = 0.25
        while True:
            candidates = [_candidate(m) for m in msgs]
            try:
                self._watch.directory.check_fresh()
                outcomes = await self._check(candidates, allowed)
                await self._record(candidates, outcomes)
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
            delay = min(delay * 2, 5.0)
        now = time.time()
        for m, c, outcome in zip(msgs, candidates, outcomes, strict=True):
            if outcome is not None and outcome.code == pipeline.INTERNAL:
                await m.nak(delay=self._config.nats.ack_wait)
                continue
            await m.ack()
            self._metrics.latency.observe(max(0.0, now - c.ingress_ms / 1000))
            if outcome is None:
                self._metrics.accepted.inc()
            else:
                self._metrics.rejected.labels(outcome.code).inc()

    async def _check(
        self, candidates: list[Candidate], allowed: list[bool]
    ) -> list[Rejection | None]:
        outcomes: list[Rejection | None] = [None] * len(candidates)
        directory = self._watch.directory

        def guarded(i: int, step: Callable[[Candidate], None]) -> None:
            if outcomes[i] is None:
                outcomes[i] = _attempt(candidates[i], step)

        for i in range(len(candidates)):
            guarded(i, lambda c, ok=allowed[i]: pipeline.precheck(c, directory, ok))  # type: ignore[misc]
        await self._verify(candidates, outcomes)
        for i in range(len(candidates)):
            guarded(i, lambda c: pipeline.check_time(c, self._config.time))
        await self._seen(candidates, outcomes)
        for i in range(len(candidates)):
            guarded(i, lambda c: pipeline.check_recipients(c, directory, self._policy))
        return outcomes

    async def _verify(self, candidates: list[Candidate], outcomes: list[Rejection | None]) -> None:
        """Signature checks off the event loop (libsodium releases the GIL), in chunks."""
        todo = [i for i, o in enumerate(outcomes) if o is None]

        def run(indexes: list[int]) -> list[tuple[int, Rejection]]:
            failed = []
            for i in indexes:
                outcome = _attempt(candidates[i], pipeline.verify)
                if outcome is not None:
                    failed.append((i, outcome))
            return failed

        loop = asyncio.get_running_loop()
        chunks = [todo[k : k + VERIFY_CHUNK] for k in range(0, len(todo), VERIFY_CHUNK)]
        results = await asyncio.gather(
            *(loop.run_in_executor(self._executor, run, chunk) for chunk in chunks)
        )
        for failed in results:
            for i, rejection in failed:
                outcomes[i] = rejection

    async def _seen(self, candidates: list[Candidate], outcomes: list[Rejection | None]) -> None:
        """Step 4b: record (sender, message id) → envelope hash; judge repeats."""
        todo = [i for i, o in enumerate(outcomes) if o is None]
        futures = [
            await self._pipe.publish(
                SEEN_PREFIX + _seen_key(candidates[i]),
                candidates[i].hash + candidates[i].ingress_seq.to_bytes(8, "big"),
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
            entry = await kv.get(_seen_key(c))
            if (entry.value or b"")[:32] != c.hash:
                outcomes[i] = Rejection(
                    "replay",
                    f"message id {c.binding.message_id.hex()} was already used by another "
                    "envelope: seal a new message",
                )
            # Same hash: a redelivery after a crash; finish the work with the same ids.

    async def _record(self, candidates: list[Candidate], outcomes: list[Rejection | None]) -> None:
        """Audit, then deliveries and notices; raises if JetStream refuses any write."""
        events = self._audit_events(candidates, outcomes)
        acks = await self._publish_all(
            [(topology.AUDIT_SUBJECT, encode_event(e), {"Nats-Msg-Id": mid}) for mid, e in events]
        )
        audit_seq = {mid: ack.seq for (mid, _), ack in zip(events, acks, strict=True)}
        self._health.audit_ok = True

        writes: list[tuple[str, bytes, dict[str, str]]] = []
        notices: dict[str, list[Notice]] = defaultdict(list)
        for c, outcome in zip(candidates, outcomes, strict=True):
            if outcome is None:
                b = c.binding
                seq = audit_seq[_accepted_id(c)]
                for r in b.recipients:
                    writes.append(
                        (
                            topology.delivery_subject(r.authority),
                            c.data,
                            {
                                "Nats-Msg-Id": f"{b.message_id.hex()}:{r.authority}",
                                "Palermo-Type": "envelope",
                                "Palermo-Sender": b.sender,
                                "Palermo-Audit-Seq": str(seq),
                                "Palermo-Accepted-Ms": str(c.ingress_ms),
                            },
                        )
                    )
                notices[c.subject_sender].append(
                    Notice(
                        "accepted",
                        c.hash,
                        b.message_id,
                        c.ingress_ms,
                        seq,
                        None,
                        None,
                        [r.authority for r in b.recipients],
                    )
                )
            elif outcome.code != pipeline.INTERNAL:
                message_id = c.binding.message_id if c.verified else None
                notices[c.subject_sender].append(
                    Notice(
                        "rejected",
                        c.hash,
                        message_id,
                        int(time.time() * 1000),
                        None,
                        outcome.code,
                        outcome.detail[:300],
                        [],
                    )
                )
        for sender, items in notices.items():
            signed = sign_notices(self._notice_key, NoticeBatch(sender, items))
            writes.append(
                (
                    topology.delivery_subject(sender),
                    signed,
                    {
                        "Nats-Msg-Id": f"notices:{sender}:{items[0].envelope_hash.hex()}"
                        f":{len(items)}",
                        "Palermo-Type": "notices",
                    },
                )
            )
        await self._publish_all(writes)
        self._metrics.delivered.inc(sum(1 for w in writes if w[2]["Palermo-Type"] == "envelope"))

    def _audit_events(
        self, candidates: list[Candidate], outcomes: list[Rejection | None]
    ) -> list[tuple[str, AuditEvent]]:
        events: list[tuple[str, AuditEvent]] = []
        aggregated: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
        for c, outcome in zip(candidates, outcomes, strict=True):
            if outcome is None:
                events.append((_accepted_id(c), _message_event(c, "accepted", None)))
            elif outcome.code == pipeline.INTERNAL:
                continue
            elif c.verified:
                b = c.binding
                mid = f"rej:{b.sender}:{b.message_id.hex()}:{c.hash.hex()[:16]}"
                events.append((mid, _message_event(c, "rejected", outcome.code)))
            else:
                aggregated[(c.subject_sender, outcome.code)].append(c)
        for (sender, code), group in aggregated.items():
            first = group[0]
            events.append(
                (
                    f"pre:{sender}:{code}:{first.ingress_seq}:{len(group)}",
                    AuditEvent(
                        AUDIT_DOMAIN,
                        "rejected",
                        first.ingress_ms,
                        sender=sender,
                        envelope_hash=first.hash,
                        size=sum(len(c.data) for c in group),
                        reason=code,
                        count=len(group),
                        ingress_seq=first.ingress_seq,
                    ),
                )
            )
        return events

    async def _publish_all(self, writes: list[tuple[str, bytes, dict[str, str]]]) -> list[PubAck]:
        futures = [
            await self._pipe.publish(subject, payload, headers)
            for subject, payload, headers in writes
        ]
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                return list(await asyncio.gather(*futures))
        except BaseException:
            if any(w[0] == topology.AUDIT_SUBJECT for w in writes):
                self._health.audit_ok = False
                self._metrics.audit_failures.inc()
            raise


def _message_event(c: Candidate, event: AuditEventType, reason: str | None) -> AuditEvent:
    """The audit event of an envelope whose signature verified: its binding's metadata."""
    b = c.binding
    return AuditEvent(
        AUDIT_DOMAIN, event, c.ingress_ms, b.message_id, b.kind, b.sender,
        [r.authority for r in b.recipients], c.hash, len(c.data), b.victim_level,
        b.legal_basis, reason, ingress_seq=c.ingress_seq,
    )  # fmt: skip


def _candidate(m: Msg) -> Candidate:
    meta = m.metadata
    return Candidate(
        data=m.data,
        subject_sender=pipeline.sender_of(m.subject),
        ingress_ms=int(meta.timestamp.timestamp() * 1000),
        ingress_seq=meta.sequence.stream,
    )


def _attempt(c: Candidate, step: Callable[[Candidate], None]) -> Rejection | None:
    """Run one check; a rejection is an outcome, anything unexpected is INTERNAL (the
    envelope is set aside, the worker and the rest of its batch go on)."""
    try:
        step(c)
    except Rejection as rejection:
        return rejection
    except StaleDirectory:
        raise
    except Exception as exc:  # a bug must not stop the other envelopes
        log.exception("envelope_processing_error", ingress_seq=c.ingress_seq)
        return Rejection(pipeline.INTERNAL, type(exc).__name__)
    return None


def _seen_key(c: Candidate) -> str:
    return f"{c.binding.sender}.{c.binding.message_id.hex()}"


def _accepted_id(c: Candidate) -> str:
    return f"acc:{c.binding.sender}:{c.binding.message_id.hex()}"


async def _nak_all(msgs: Sequence[Msg], *, delay: float) -> None:
    results: list[Awaitable[None]] = [m.nak(delay=delay) for m in msgs]
    await asyncio.gather(*results, return_exceptions=True)
