"""NATS names and the idempotent bootstrap of streams, consumers and buckets.

Every subject, stream, consumer and bucket name is built here and nowhere else.
`bootstrap` may run on every start of every broker process: it creates what is
missing and converges what it owns, except the audit stream, whose configuration is
set once and never changed (it denies deletes and purges; loosening that would be
the first step of rewriting history).
"""

from __future__ import annotations

from dataclasses import dataclass

import nats.js.errors
import structlog
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DiscardPolicy,
    KeyValueConfig,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

from schemas.envelope import MAX_ENVELOPE_BYTES
from schemas.keys import check_authority_id

from .errors import TopologyError

log = structlog.get_logger(__name__)

INGRESS = "PALERMO_INGRESS"
DELIVERY = "PALERMO_DELIVERY"
DEADLETTER = "PALERMO_DEADLETTER"
AUDIT = "PALERMO_AUDIT"
KV_DIRECTORY = "PALERMO_DIRECTORY"
KV_SEEN = "PALERMO_SEEN"
KV_LOCK = "PALERMO_LOCK"
KV_CHECKPOINTS = "PALERMO_CHECKPOINTS"
KV_TREE = "PALERMO_TREE"
KV_SEEN_STREAM = f"KV_{KV_SEEN}"
INGRESS_CONSUMER = "broker"
AUDIT_SUBJECT = "palermo.audit"
DIRECTORY_HEAD_KEY = "head"


def ingress_subject(authority: str) -> str:
    """Where `authority` publishes its envelopes."""
    return f"palermo.in.{check_authority_id(authority)}"


def delivery_subject(authority: str) -> str:
    """Where the broker puts what `authority` is to receive."""
    return f"palermo.out.{check_authority_id(authority)}"


def deadletter_subject(reason: str) -> str:
    """Dead letters are filed by reason code."""
    return f"palermo.dead.{reason}"


def inbox_consumer(authority: str) -> str:
    """The durable pull consumer from which `authority`'s endpoint reads."""
    return f"inbox-{check_authority_id(authority)}"


def evidence_bucket(authority: str) -> str:
    """The object store holding `authority`'s encrypted attachments."""
    return f"PALERMO_EVIDENCE_{check_authority_id(authority)}"


def reply_prefix(authority: str) -> str:
    """The private reply-inbox prefix `authority`'s NATS user must use."""
    return f"_INBOX_{check_authority_id(authority)}"


def directory_record_key(authority: str) -> str:
    """The directory bucket key of `authority`'s signed record."""
    return f"rec.{check_authority_id(authority)}"


@dataclass(frozen=True)
class TopologySettings:
    """Limits of the streams and buckets (seconds unless named otherwise)."""

    ingress_per_sender: int = 10_000
    """Envelopes one sender may have waiting; beyond it, its publishes are refused."""
    ack_wait: float = 30.0
    max_deliver: int = 5
    """Attempts before an ingress envelope that keeps failing is dead-lettered."""
    delivery_max_age: float = 30 * 24 * 3600.0
    """Hard bound on an undelivered message; the sweeper's deadline is shorter."""
    deadletter_max_age: float = 365 * 24 * 3600.0
    duplicate_window: float = 15 * 60.0
    """At least ack_wait * max_deliver with backoff, so a redelivered ingress message
    duplicates no delivery or audit event."""
    seen_window: float = 17 * 60.0
    """The replay window: the past window (15 min) plus the future skew (2 min)."""
    lock_ttl: float = 10.0
    replicas: int = 1

    def __post_init__(self) -> None:
        if self.duplicate_window < self.ack_wait * self.max_deliver:
            raise TopologyError("duplicate_window must be at least ack_wait * max_deliver")


def _streams(s: TopologySettings) -> list[StreamConfig]:
    return [
        StreamConfig(
            name=INGRESS,
            subjects=["palermo.in.*"],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            max_msgs_per_subject=s.ingress_per_sender,
            discard=DiscardPolicy.NEW,
            discard_new_per_subject=True,
            max_msg_size=MAX_ENVELOPE_BYTES + 4096,
            duplicate_window=s.duplicate_window,
            num_replicas=s.replicas,
        ),
        StreamConfig(
            name=DELIVERY,
            subjects=["palermo.out.*"],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            max_age=s.delivery_max_age,
            duplicate_window=s.duplicate_window,
            allow_direct=True,
            num_replicas=s.replicas,
        ),
        StreamConfig(
            name=DEADLETTER,
            subjects=["palermo.dead.*"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=s.deadletter_max_age,
            duplicate_window=s.duplicate_window,
            num_replicas=s.replicas,
        ),
    ]


def _audit_stream(s: TopologySettings) -> StreamConfig:
    return StreamConfig(
        name=AUDIT,
        subjects=[AUDIT_SUBJECT],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.NEW,
        deny_delete=True,
        deny_purge=True,
        duplicate_window=s.duplicate_window,
        allow_direct=True,
        num_replicas=s.replicas,
    )


async def bootstrap(js: JetStreamContext, settings: TopologySettings | None = None) -> None:
    """Create or converge every stream, the ingress consumer and the shared buckets."""
    s = settings or TopologySettings()
    for config in _streams(s):
        try:
            await js.stream_info(config.name or "")
        except nats.js.errors.NotFoundError:
            await js.add_stream(config)
            log.info("stream_created", stream=config.name)
        else:
            await js.update_stream(config)
    await _ensure_audit_stream(js, s)
    await js.add_consumer(
        INGRESS,
        ConsumerConfig(
            durable_name=INGRESS_CONSUMER,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=s.ack_wait,
            max_deliver=s.max_deliver,
            max_ack_pending=20_000,
        ),
    )
    for bucket, history, ttl in (
        (KV_DIRECTORY, 16, None),
        (KV_SEEN, 1, s.seen_window),
        (KV_LOCK, 1, s.lock_ttl),
        (KV_CHECKPOINTS, 64, None),
        (KV_TREE, 1, None),
    ):
        await js.create_key_value(
            KeyValueConfig(
                bucket=bucket,
                history=history,
                ttl=ttl,
                storage=StorageType.FILE,
                replicas=s.replicas,
            )
        )


async def _ensure_audit_stream(js: JetStreamContext, s: TopologySettings) -> None:
    try:
        info = await js.stream_info(AUDIT)
    except nats.js.errors.NotFoundError:
        await js.add_stream(_audit_stream(s))
        log.info("stream_created", stream=AUDIT)
        return
    config = info.config
    if not (config.deny_delete and config.deny_purge) or config.max_msgs not in (None, -1):
        raise TopologyError(
            f"{AUDIT} exists with deletes, purges or a message limit allowed; "
            "refusing to run on an audit stream that can be rewritten"
        )


async def register_authority(
    js: JetStreamContext, authority: str, settings: TopologySettings | None = None
) -> None:
    """Create `authority`'s inbox consumer and evidence bucket (idempotent)."""
    s = settings or TopologySettings()
    await js.add_consumer(
        DELIVERY,
        ConsumerConfig(
            durable_name=inbox_consumer(authority),
            filter_subject=delivery_subject(authority),
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=s.ack_wait,
            max_ack_pending=1_000,
        ),
    )
    await js.create_object_store(
        evidence_bucket(authority),
        config=ObjectStoreConfig(storage=StorageType.FILE, replicas=s.replicas),
    )
