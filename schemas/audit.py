"""Audit events: the exact payload of each `PALERMO_AUDIT` message, and a leaf of the log.

Metadata only — never content, names or free text: what happened, when, to which
message (id, kind, sender, recipients, envelope hash, size), at which victim-identifier
level and legal basis, and why (an enumerated reason code). The first field is the
domain and version string, so a leaf says what it is. Encoded canonically as a
msgpack array; an offline verifier re-encodes each leaf to check it.
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec

from . import codec
from .directory import Status
from .notice import RejectionCode
from .records import AuthorityId, LegalBasis, NonRetrievalReason, VictimLevel
from .wire import Hash32, Id16, Kind, UInt

AUDIT_DOMAIN: Final = "palermo/audit/v1"

AuditEventType = Literal[
    "accepted",
    "rejected",
    "delivered",
    "retrieved",
    "non_retrieval",
    "non_delivery",
    "dead_letter",
    "directory",
]
"""`delivered`, `retrieved` and `non_retrieval` record the acceptance of a receipt of that
type (the one event of the receipt message, see `docs/audit-log.md`). A disclosure is
the `accepted` event of a message whose victim level is `disclosed`, with its legal-basis
code: one event per message, not a second one."""

DirectoryChange = Literal["added", "updated", Status]
"""Why a directory record changed: a new authority, new keys or details, or a status."""

ReasonCode = Literal[
    RejectionCode, NonRetrievalReason, DirectoryChange, "max_deliveries", "non_delivery"
]
"""Every reason an audit event can carry: a rejection code (`rejected`), a non-retrieval
reason (`non_retrieval`), a directory change (`directory`), `max_deliveries`
(`dead_letter`) or `non_delivery`."""


class AuditEvent(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """One audit event. Fields that do not apply to an event are `None` or empty."""

    domain: Literal["palermo/audit/v1"]
    event: AuditEventType
    time_ms: UInt
    """For message events: the ingress time JetStream stored the envelope at."""
    message_id: Id16 | None = None
    kind: Kind | None = None
    sender: AuthorityId | None = None
    """For rejections before the signature is verified: the subject's (NATS-authenticated)
    sender, never a value read from the envelope."""
    recipients: list[AuthorityId] = []
    envelope_hash: Hash32 | None = None
    size: UInt | None = None
    victim_level: VictimLevel | None = None
    legal_basis: LegalBasis | None = None
    reason: ReasonCode | None = None
    count: UInt = 1
    """More than 1 for pre-signature rejections aggregated per sender, code and minute."""
    ingress_seq: UInt | None = None
    refers_to: UInt | None = None
    """Audit sequence of the event this one follows up (a `non_delivery` names the
`accepted` event of the message that was not delivered)."""
    authority: AuthorityId | None = None
    """For directory events: the authority whose record changed."""
    directory_serial: UInt | None = None


_decoder = msgspec.msgpack.Decoder(AuditEvent)


def encode_event(event: AuditEvent) -> bytes:
    """The event's payload bytes (what the audit stream stores and the tree hashes)."""
    return codec.encode(event)


def decode_event(data: bytes) -> AuditEvent:
    """Decode a payload canonically; `Malformed` for anything else."""
    return codec.decode_canonical(data, _decoder, "audit event")
