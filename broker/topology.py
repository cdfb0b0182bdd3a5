"""The idempotent bootstrap of streams, consumers and buckets.

The names are protocol and live in `schemas.nats_names`; they are re-exported here so
the broker's modules read the topology as one namespace (`topology.INGRESS`,
`topology.register_authority`). `bootstrap` may run on every start of every broker
process: it creates what is missing and converges what it owns, except the audit
stream, whose configuration is set once and never changed (it denies deletes and
purges; loosening that would be the first step of rewriting history).
"""

from __future__ import annotations

import dataclasses
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
from schemas.nats_names import (
    AUDIT,
    AUDIT_SUBJECT,
    DEADLETTER,
    DEADLETTER_SUBJECTS,
    DELIVERY,
    DELIVERY_SUBJECTS,
    DIRECTORY_HEAD_KEY,
    DIRECTORY_RECORD_PREFIX,
    INGRESS,
    INGRESS_CONSUMER,
    INGRESS_SUBJECTS,
    KV_CHECKPOINTS,
    KV_DIRECTORY,
    KV_LOCK,
    KV_RATE,
    KV_SEEN,
    KV_SEEN_STREAM,
    KV_TREE,
    deadletter_subject,
    delivery_subject,
    directory_record_key,
    evidence_bucket,
    inbox_consumer,
    ingress_subject,
    object_stream,
    reply_prefix,
)

from .errors import TopologyError
from .quotas import check_evidence_budget

__all__ = [
    "AUDIT",
    "AUDIT_SUBJECT",
    "DEADLETTER",
    "DEADLETTER_SUBJECTS",
    "DELIVERY",
    "DELIVERY_SUBJECTS",
    "DIRECTORY_HEAD_KEY",
    "DIRECTORY_RECORD_PREFIX",
    "INGRESS",
    "INGRESS_CONSUMER",
    "INGRESS_SUBJECTS",
    "KV_CHECKPOINTS",
    "KV_DIRECTORY",
    "KV_LOCK",
    "KV_RATE",
    "KV_SEEN",
    "KV_SEEN_STREAM",
    "KV_TREE",
    "TopologySettings",
    "bootstrap",
    "deadletter_subject",
    "delivery_subject",
    "directory_record_key",
    "evidence_bucket",
    "inbox_consumer",
    "ingress_subject",
    "register_authority",
    "reply_prefix",
]

log = structlog.get_logger(__name__)


MAX_INBOXES = 100_000
"""The delivery stream's consumer limit: the authorities one hub can register."""


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
    evidence_bytes: int = 2 * 1024 * 1024 * 1024
    """Each evidence bucket's byte quota (`quotas.evidence_bytes`)."""
    store_bytes: int | None = None
    """The file store's size if configured (`quotas.store_bytes`); see `broker.quotas`."""
    store_reserve: float = 0.2
    """Share of the store no evidence quota may claim (`quotas.store_reserve`)."""
    evidence_domain: str | None = None
    """The JetStream domain under which the evidence buckets' account is reached
    (`schemas.nats_names.EVIDENCE_DOMAIN` in operator mode); `None`: the same account."""

    def __post_init__(self) -> None:
        if self.duplicate_window < self.ack_wait * self.max_deliver:
            raise TopologyError("duplicate_window must be at least ack_wait * max_deliver")


def _streams(s: TopologySettings) -> list[StreamConfig]:
    return [
        StreamConfig(
            name=INGRESS,
            subjects=[INGRESS_SUBJECTS],
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
            subjects=[DELIVERY_SUBJECTS],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            # One inbox consumer per authority: nats-server 2.15 caps a stream that
            # names no limit at 1,000 consumers (and reads -1 as that default).
            max_consumers=MAX_INBOXES,
            max_age=s.delivery_max_age,
            duplicate_window=s.duplicate_window,
            allow_direct=True,
            num_replicas=s.replicas,
        ),
        StreamConfig(
            name=DEADLETTER,
            subjects=[DEADLETTER_SUBJECTS],
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
        # One key per sender (its token bucket), rewritten by compare-and-set; no TTL: a
        # key idle for long only says the bucket is full, which `charge` derives anyway.
        (KV_RATE, 1, None),
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
    js: JetStreamContext,
    authority: str,
    settings: TopologySettings | None = None,
) -> None:
    """Create `authority`'s inbox consumer and evidence bucket with its byte quota
    (idempotent). Raises `QuotaError` if the quota would cut into the store's reserve.

    With `settings.evidence_domain` the bucket is made in the account that holds the
    evidence buckets (operator mode: `EVIDENCE`, imported under that domain); there
    the account's own JetStream store cap is the evidence share, so the budget is
    checked against it with no further reserve.
    """
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
    if s.evidence_domain is None:
        await _ensure_evidence_bucket(js, authority, s)
    else:
        evidence_js = js._nc.jetstream(domain=s.evidence_domain, timeout=js._timeout)
        own = dataclasses.replace(s, store_bytes=None, store_reserve=0.0)
        await _ensure_evidence_bucket(evidence_js, authority, own)


async def _ensure_evidence_bucket(
    js: JetStreamContext, authority: str, s: TopologySettings
) -> None:
    """Create `authority`'s evidence bucket with its byte quota, or bring an existing
    bucket's quota to the configured one.

    The server enforces the quota (`max_bytes`, discard new: a write past it is refused,
    nothing stored is dropped). A new or changed quota must leave the store's reserve
    free (`quotas.check_evidence_budget`, else `QuotaError`). An existing bucket that
    already holds more than the configured quota keeps its quota: lowering `max_bytes`
    below what a stream holds makes the server delete its oldest messages, and evidence
    is never deleted by a configuration change.
    """
    bucket = evidence_bucket(authority)
    stream = object_stream(bucket)
    try:
        info = await js.stream_info(stream)
    except nats.js.errors.NotFoundError:
        await check_evidence_budget(
            js, stream, s.evidence_bytes, store_bytes=s.store_bytes, reserve=s.store_reserve
        )
        await js.create_object_store(
            bucket,
            config=ObjectStoreConfig(
                storage=StorageType.FILE, replicas=s.replicas, max_bytes=s.evidence_bytes
            ),
        )
        log.info("evidence_bucket_created", authority=authority, max_bytes=s.evidence_bytes)
        return
    config = info.config
    if config.max_bytes == s.evidence_bytes:
        return
    if info.state.bytes > s.evidence_bytes:
        log.warning(
            "evidence_over_quota",
            authority=authority,
            stored=info.state.bytes,
            max_bytes=config.max_bytes,
            configured=s.evidence_bytes,
        )
        return
    await check_evidence_budget(
        js, stream, s.evidence_bytes, store_bytes=s.store_bytes, reserve=s.store_reserve
    )
    await js.update_stream(dataclasses.replace(config, max_bytes=s.evidence_bytes))
    log.info("evidence_quota_changed", authority=authority, max_bytes=s.evidence_bytes)
