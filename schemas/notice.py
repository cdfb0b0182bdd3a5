"""Broker notices: what the broker tells a sender about its envelopes, signed.

The broker cannot read messages, but it attests what it did with them: accepted (with
the audit position and acceptance time), rejected (with an enumerated code and a
sentence the sender can act on), or not delivered by the deadline. Notices for one
sender are batched and the batch is signed once with the broker's notice key (listed
in the directory under the broker's record); the log key that signs audit
checkpoints is a different key.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

import msgspec
from msgspec import Meta

from . import codec
from .errors import SignatureInvalid
from .keys import SigningKey, verify_signature
from .records import AuthorityId
from .wire import Hash32, Id16, UInt

NOTICE_DOMAIN: Final = b"palermo/notice/v1"
BROKER_AUTHORITY: Final = "zz-broker"
"""The broker's directory record id ("ZZ" is the ISO 3166 user-assigned code)."""

NoticeType = Literal["accepted", "rejected", "non_delivery"]

RejectionCode = Literal[
    # Decided before the signature is verified (the bytes are still attacker-controlled):
    "malformed",
    "too_large",
    "sender_mismatch",
    "unknown_sender",
    "sender_inactive",
    "key_invalid",
    "bad_signature",
    "rate_limited",
    # After:
    "tampered",
    "stale",
    "replay",
    "unknown_recipient",
    "recipient_inactive",
    "policy_denied",
    "disclosure_denied",
]
"""Why the broker refused an envelope; `docs/operator-guide.md` explains each code."""

NoticeReason = Literal[RejectionCode, "dead_letter", "non_delivery"]
"""A notice's reason: a rejection code; `dead_letter` when processing the envelope failed
`max_deliver` times and it was set aside; `non_delivery` when a recipient did not
retrieve it by the deadline."""


class Notice(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """What happened to one envelope. `message_id` is absent when the envelope could not
    even be decoded; `envelope_hash` always identifies the bytes the sender sent."""

    type: NoticeType
    envelope_hash: Hash32
    message_id: Id16 | None
    time_ms: UInt
    """Acceptance (ingress) time for `accepted`; the time of the decision otherwise."""
    audit_seq: UInt | None
    reason: NoticeReason | None
    detail: Annotated[str, Meta(max_length=300)] | None
    recipients: list[AuthorityId]


class NoticeBatch(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """Notices for one sender, signed together."""

    sender: AuthorityId
    notices: Annotated[list[Notice], Meta(min_length=1, max_length=10_000)]


class SignedNotices(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A batch's exact bytes, the broker's key id and its Ed25519 signature."""

    batch: bytes
    key_id: Id16
    signature: Annotated[bytes, Meta(min_length=64, max_length=64)]


_signed_decoder = msgspec.msgpack.Decoder(SignedNotices)
_batch_decoder = msgspec.msgpack.Decoder(NoticeBatch)


def sign_notices(key: SigningKey, batch: NoticeBatch) -> bytes:
    """The signed batch's bytes: Ed25519 over ("palermo/notice/v1" ‖ batch bytes)."""
    body = codec.encode(batch)
    return codec.encode(SignedNotices(body, key.key_id, key.sign(NOTICE_DOMAIN + body)))


def open_notices(data: bytes, broker_public: bytes) -> NoticeBatch:
    """Verify a signed batch under the broker's notice key; `SignatureInvalid` or
    `Malformed` otherwise."""
    signed = codec.decode_canonical(data, _signed_decoder, "notice batch")
    if not verify_signature(broker_public, NOTICE_DOMAIN + signed.batch, signed.signature):
        raise SignatureInvalid("notice batch is not signed by the broker's notice key")
    return codec.decode_canonical(signed.batch, _batch_decoder, "notice batch body")
