"""Dead letters and non-delivery.

Two sweeps, each cheap because streams are in time order:
- Ingress: an envelope delivered `max_deliver` times without an ack (it kept failing,
  or kept crashing a worker) sits below the consumer's ack floor but is still in the
  work-queue stream. It is copied to the dead-letter stream with its reason, audited,
  its sender told, and removed — instead of looping or blocking its sender's quota.
- Delivery: a message not retrieved by its recipient within the delivery deadline is
  audited as `non_delivery`, its sender told, copied to the dead-letter stream and
  removed from the inbox.
Every write has a `Nats-Msg-Id`, so two brokers sweeping at once duplicate nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import nats.js.errors
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg

from schemas import envelope
from schemas import nats_names as names
from schemas.audit import AUDIT_DOMAIN, AuditEvent, encode_event
from schemas.errors import ProtocolError
from schemas.keys import SigningKey
from schemas.notice import Notice, NoticeBatch, sign_notices

from . import pipeline, topology
from .metrics import Metrics

log = structlog.get_logger(__name__)


@dataclass
class SweepResult:
    """What one sweep moved."""

    dead_lettered: int = 0
    non_delivered: int = 0


class Sweeper:
    """Periodic dead-letter and non-delivery sweeps (see the module docstring)."""

    def __init__(
        self,
        nc: Client,
        js: JetStreamContext,
        notice_key: SigningKey,
        metrics: Metrics,
        *,
        delivery_deadline: float,
        interval: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._nc = nc
        self._js = js
        self._notice_key = notice_key
        self._metrics = metrics
        self._deadline = delivery_deadline
        self._interval = interval
        self._clock = clock

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep every `interval` seconds, and act on advisories, until `stop` is set."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self.watch_advisories(stop))
            group.create_task(self._periodic(stop))

    async def _periodic(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.sweep_once()
            except (nats.errors.Error, nats.js.errors.Error, TimeoutError) as exc:
                log.warning("sweep_failed", error=f"{type(exc).__name__}: {exc}")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await stop.wait()

    async def sweep_once(self) -> SweepResult:
        """One pass over the ingress and delivery streams."""
        result = SweepResult()
        # Missed advisories (no broker was running): when nothing is awaiting an ack,
        # every envelope at or below the last delivered sequence that is still in the
        # work queue has used up its deliveries.
        info = await self._js.consumer_info(topology.INGRESS, topology.INGRESS_CONSUMER)
        if not info.num_ack_pending and info.delivered is not None:
            last = info.delivered.stream_seq
            async for msg in self._scan(topology.INGRESS, names.INGRESS_SUBJECTS):
                if msg.seq is None or msg.seq > last:
                    break
                await self._dead_letter_ingress(msg)
                result.dead_lettered += 1
        cutoff = self._clock() - self._deadline
        async for msg in self._scan(topology.DELIVERY, names.DELIVERY_SUBJECTS):
            if msg.time is None or msg.time.timestamp() > cutoff:
                break
            await self._non_delivery(msg)
            result.non_delivered += 1
        return result

    async def watch_advisories(self, stop: asyncio.Event) -> None:
        """Dead-letter an envelope as soon as JetStream reports its deliveries used up.
        A queue group: one broker process handles each advisory."""
        subject = (
            "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."
            f"{topology.INGRESS}.{topology.INGRESS_CONSUMER}"
        )
        queue: asyncio.Queue[int] = asyncio.Queue()

        async def on_advisory(msg: Msg) -> None:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                await queue.put(int(json.loads(msg.data)["stream_seq"]))

        sub = await self._nc.subscribe(subject, queue="palermo-sweeper", cb=on_advisory)
        try:
            while not stop.is_set():
                try:
                    async with asyncio.timeout(0.5):
                        seq = await queue.get()
                except TimeoutError:
                    continue
                try:
                    msg = await self._js.get_msg(topology.INGRESS, seq)
                except nats.js.errors.NotFoundError:
                    continue
                await self._dead_letter_ingress(msg)
        finally:
            await sub.unsubscribe()

    async def _scan(self, stream: str, subjects: str):  # type: ignore[no-untyped-def]
        info = await self._js.stream_info(stream)
        seq = info.state.first_seq
        while True:
            try:
                msg = await self._js.get_msg(stream, seq=seq, subject=subjects, next=True)
            except nats.js.errors.NotFoundError:
                return
            yield msg
            seq = (msg.seq or seq) + 1

    async def _dead_letter_ingress(self, msg: RawStreamMsg) -> None:
        data = msg.data or b""
        sender = pipeline.sender_of(msg.subject or "")
        digest = envelope.envelope_hash(data)
        seq = msg.seq or 0
        await self._js.publish(
            topology.deadletter_subject("max_deliveries"),
            data,
            headers={
                names.HEADER_MSG_ID: f"dead:ingress:{seq}",
                names.HEADER_REASON: "max_deliveries",
                names.HEADER_ORIGINAL_SUBJECT: msg.subject or "",
            },
        )
        event = AuditEvent(
            AUDIT_DOMAIN,
            "dead_letter",
            int(self._clock() * 1000),
            sender=sender,
            envelope_hash=digest,
            size=len(data),
            reason="max_deliveries",
            ingress_seq=seq,
        )
        await self._js.publish(
            topology.AUDIT_SUBJECT,
            encode_event(event),
            headers={names.HEADER_MSG_ID: f"dead:{seq}"},
        )
        notice = Notice(
            "rejected",
            digest,
            None,
            int(self._clock() * 1000),
            None,
            "dead_letter",
            "processing failed repeatedly; the envelope was set aside for the operators",
            [],
        )
        await self._notify(sender, notice)
        await self._js.delete_msg(topology.INGRESS, seq)
        self._metrics.dead_lettered.labels("max_deliveries").inc()
        log.warning("dead_lettered", sender=sender, ingress_seq=seq)

    async def _non_delivery(self, msg: RawStreamMsg) -> None:
        headers = msg.headers or {}
        data = msg.data or b""
        recipient = pipeline.sender_of(msg.subject or "")
        seq = msg.seq or 0
        await self._js.publish(
            topology.deadletter_subject("non_delivery"),
            data,
            headers={
                names.HEADER_MSG_ID: f"dead:delivery:{seq}",
                names.HEADER_REASON: "non_delivery",
                names.HEADER_ORIGINAL_SUBJECT: msg.subject or "",
            },
        )
        if headers.get(names.HEADER_TYPE) == names.TYPE_ENVELOPE:
            try:
                binding = envelope.parse(data).binding
            except ProtocolError:
                binding = None
            if binding is not None:
                now_ms = int(self._clock() * 1000)
                event = AuditEvent(
                    AUDIT_DOMAIN,
                    "non_delivery",
                    now_ms,
                    binding.message_id,
                    binding.kind,
                    binding.sender,
                    [recipient],
                    envelope.envelope_hash(data),
                    len(data),
                    reason="non_delivery",
                    refers_to=int(headers.get(names.HEADER_AUDIT_SEQ, "0")) or None,
                )
                await self._js.publish(
                    topology.AUDIT_SUBJECT,
                    encode_event(event),
                    headers={
                        names.HEADER_MSG_ID: f"nondelivery:{binding.message_id.hex()}:{recipient}"
                    },
                )
                notice = Notice(
                    "non_delivery",
                    envelope.envelope_hash(data),
                    binding.message_id,
                    now_ms,
                    None,
                    "non_delivery",
                    f"{recipient} did not retrieve the message by the deadline",
                    [recipient],
                )
                await self._notify(binding.sender, notice)
                self._metrics.dead_lettered.labels("non_delivery").inc()
                log.warning("non_delivery", sender=binding.sender, recipient=recipient)
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await self._js.delete_msg(topology.DELIVERY, seq)

    async def _notify(self, sender: str, notice: Notice) -> None:
        signed = sign_notices(self._notice_key, NoticeBatch(sender, [notice]))
        await self._js.publish(
            topology.delivery_subject(sender),
            signed,
            headers={
                names.HEADER_MSG_ID: f"notice:{notice.type}:{notice.envelope_hash.hex()}:{sender}",
                names.HEADER_TYPE: names.TYPE_NOTICES,
            },
        )
