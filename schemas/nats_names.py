"""The NATS names of the protocol: subjects, streams, consumers, buckets and headers.

They are protocol, not broker internals: an authority's endpoint publishes on its
ingress subject, binds to its inbox consumer, reads the directory and checkpoint
buckets and its evidence bucket, and reads the broker's headers on each delivery;
`docs/wire-format.md` documents them for implementations in other languages. Both the
broker (which creates the streams, in `broker.topology`) and the authority side build
every name here, so the two can never disagree. No network I/O here.
"""

from __future__ import annotations

from typing import Final

from .keys import check_authority_id

__all__ = [
    "API_SUBJECTS",
    "AUDIT",
    "AUDIT_SUBJECT",
    "CHECKPOINT_KEY",
    "COSIGNED_KEY",
    "DEADLETTER",
    "DEADLETTER_SUBJECTS",
    "DEFAULT_DOMAIN",
    "DELIVERY",
    "DELIVERY_SUBJECTS",
    "DIRECTORY_HEAD_KEY",
    "DIRECTORY_RECORD_PREFIX",
    "EVIDENCE_DOMAIN",
    "HEADER_ACCEPTED_MS",
    "HEADER_AUDIT_SEQ",
    "HEADER_EXPECTED_LAST_SUBJECT_SEQ",
    "HEADER_MSG_ID",
    "HEADER_ORIGINAL_SUBJECT",
    "HEADER_REASON",
    "HEADER_ROLLUP",
    "HEADER_SENDER",
    "HEADER_TYPE",
    "INBOX_CONSUMER_PREFIX",
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
    "SUBJECT_CHECKPOINT",
    "SUBJECT_CONSISTENCY",
    "SUBJECT_INCLUSION",
    "TYPE_ENVELOPE",
    "TYPE_NOTICES",
    "deadletter_subject",
    "delivery_subject",
    "directory_record_key",
    "evidence_bucket",
    "inbox_consumer",
    "ingress_subject",
    "kv_stream",
    "kv_subject_prefix",
    "object_stream",
    "reply_prefix",
]

# --- streams, consumers, buckets ------------------------------------------------------

INGRESS: Final = "PALERMO_INGRESS"
DELIVERY: Final = "PALERMO_DELIVERY"
DEADLETTER: Final = "PALERMO_DEADLETTER"
AUDIT: Final = "PALERMO_AUDIT"
KV_DIRECTORY: Final = "PALERMO_DIRECTORY"
KV_SEEN: Final = "PALERMO_SEEN"
KV_LOCK: Final = "PALERMO_LOCK"
KV_RATE: Final = "PALERMO_RATE"
"""The broker's per-sender rate state (token buckets on ingress time), one key per
sender id; only broker processes use it."""
KV_CHECKPOINTS: Final = "PALERMO_CHECKPOINTS"
KV_TREE: Final = "PALERMO_TREE"
KV_SEEN_STREAM: Final = f"KV_{KV_SEEN}"
INBOX_CONSUMER_PREFIX: Final = "inbox-"
"""Every authority's inbox consumer on `DELIVERY` is this prefix and the authority id."""
INGRESS_CONSUMER: Final = "broker"
"""The one durable consumer every broker instance shares."""
AUDIT_SUBJECT: Final = "palermo.audit"
INGRESS_SUBJECTS: Final = "palermo.in.*"
"""Every sender's ingress subject (`ingress_subject`)."""
DELIVERY_SUBJECTS: Final = "palermo.out.*"
"""Every recipient's delivery subject (`delivery_subject`)."""
DEADLETTER_SUBJECTS: Final = "palermo.dead.*"
API_SUBJECTS: Final = "palermo.api.>"
"""The broker's request-reply API (checkpoints and proofs); every authority may ask."""
SUBJECT_CHECKPOINT: Final = "palermo.api.checkpoint"
"""Request: `{}`; answer: the latest signed checkpoint note, and the latest cosigned one."""
SUBJECT_INCLUSION: Final = "palermo.api.proof.inclusion"
"""Request: `{"index", "tree_size"}`; answer: an inclusion proof."""
SUBJECT_CONSISTENCY: Final = "palermo.api.proof.consistency"
"""Request: `{"old_size", "new_size"}`; answer: a consistency proof."""
CHECKPOINT_KEY: Final = "latest"
"""The checkpoints bucket key of the latest signed checkpoint note."""
COSIGNED_KEY: Final = "cosigned"
"""The checkpoints bucket key of the latest checkpoint with witness cosignatures: the
log's signed note and the witnesses' cosignature lines (c2sp.org/tlog-cosignature). It
only moves forward, and may lag `latest` while witnesses answer."""
DIRECTORY_HEAD_KEY: Final = "head"
"""The directory bucket key of the signed head."""
DIRECTORY_RECORD_PREFIX: Final = "rec."
"""Directory bucket keys of signed records are this prefix and the authority id."""

# --- JetStream domains (prefixes) of a deployment with accounts ----------------------

DEFAULT_DOMAIN: Final = "palermo"
"""The JetStream domain endpoints name for the `PALERMO` account's streams (inbox,
directory, checkpoints): requests go to `$JS.palermo.API.…`. An authority's account
has no JetStream, and for such an account the server answers `$JS.API.>` itself ("not
enabled"), racing any import of it; so the imports live under this prefix instead. The
hub's own `jetstream { domain }` must be another name (`hub`): a server maps its own
domain's prefix back to `$JS.API` in every account. Without accounts (one local
server, tests): no domain."""
EVIDENCE_DOMAIN: Final = "palermo-evidence"
"""The JetStream domain of the `EVIDENCE` account, which holds the evidence buckets and
nothing else: `$JS.palermo-evidence.API.…`. A second name, so no subject is imported
from two accounts. Without accounts the buckets live beside everything else: no
domain (`None`) for both."""

# --- headers ---------------------------------------------------------------------------

HEADER_MSG_ID: Final = "Nats-Msg-Id"
"""JetStream's publish de-duplication id (idempotency of a publish, not replay defence)."""
HEADER_EXPECTED_LAST_SUBJECT_SEQ: Final = "Nats-Expected-Last-Subject-Sequence"
"""JetStream's compare-and-set on a subject ("0": only if the subject is empty)."""
HEADER_ROLLUP: Final = "Nats-Rollup"
"""JetStream's roll-up ("sub": this message replaces the subject's earlier ones)."""
HEADER_TYPE: Final = "Palermo-Type"
"""What a delivery holds: `TYPE_ENVELOPE` or `TYPE_NOTICES`."""
HEADER_SENDER: Final = "Palermo-Sender"
"""The authenticated sender of a delivered envelope (the ingress subject's token)."""
HEADER_AUDIT_SEQ: Final = "Palermo-Audit-Seq"
"""The audit stream sequence of the delivered envelope's one event (decimal): `accepted`,
or for a receipt `delivered`, `retrieved` or `non_retrieval`."""
HEADER_ACCEPTED_MS: Final = "Palermo-Accepted-Ms"
"""The broker-attested acceptance time (JetStream ingress time, UTC ms, decimal)."""
HEADER_REASON: Final = "Palermo-Reason"
"""Why a message was dead-lettered."""
HEADER_ORIGINAL_SUBJECT: Final = "Palermo-Original-Subject"
"""The subject a dead-lettered message was taken from."""
TYPE_ENVELOPE: Final = "envelope"
TYPE_NOTICES: Final = "notices"


# --- subjects and per-authority names ---------------------------------------------------


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
    return INBOX_CONSUMER_PREFIX + check_authority_id(authority)


def evidence_bucket(authority: str) -> str:
    """The object store holding `authority`'s encrypted attachments."""
    return f"PALERMO_EVIDENCE_{check_authority_id(authority)}"


def reply_prefix(authority: str) -> str:
    """The private reply-inbox prefix `authority`'s NATS user must use."""
    return f"_INBOX_{check_authority_id(authority)}"


def directory_record_key(authority: str) -> str:
    """The directory bucket key of `authority`'s signed record."""
    return DIRECTORY_RECORD_PREFIX + check_authority_id(authority)


def kv_stream(bucket: str) -> str:
    """The stream behind key-value bucket `bucket` (NATS's naming)."""
    return f"KV_{bucket}"


def object_stream(bucket: str) -> str:
    """The stream behind object store `bucket` (NATS's naming)."""
    return f"OBJ_{bucket}"


def kv_subject_prefix(bucket: str) -> str:
    """The subject prefix of the keys of bucket `bucket` (NATS's naming)."""
    return f"$KV.{bucket}."
