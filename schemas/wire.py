"""The envelope's cleartext structures, exactly as they go on the wire.

All three are msgpack arrays (msgspec `array_like` Structs): fields are positional, so
their order here *is* the wire format. `docs/wire-format.md` describes every byte;
change nothing here without changing the version and that document.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from .records import (
    AuthorityId,
    HandlingCode,
    LegalBasis,
    NonRetrievalReason,
    Priority,
    ReceiptType,
    VictimLevel,
)

VERSION = 1
"""Wire-format version, the first field of every binding."""

MAX_RECIPIENTS = 256
"""Networks and joint teams are encrypted to each member; 256 covers the largest
route network with room to spare while bounding the header a broker must parse."""

MAX_ATTACHMENTS = 64

Id16 = Annotated[bytes, Meta(min_length=16, max_length=16)]
Hash32 = Annotated[bytes, Meta(min_length=32, max_length=32)]
UInt = Annotated[int, Meta(ge=0, le=2**63 - 1)]
Kind = Annotated[str, Meta(pattern=r"^[a-z][a-z_]{0,39}$(?!\n)")]


class Recipient(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A recipient authority and the id of the X25519 key its content key was sealed to."""

    authority: AuthorityId
    key_id: Id16


class AttachmentRef(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """An encrypted attachment: where it is and what its ciphertext must hash to."""

    object_id: Id16
    padded_size: UInt
    ciphertext_hash: Hash32


class CheckpointRef(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """The latest audit checkpoint the sender has seen, echoed so a split view shows."""

    tree_size: UInt
    root_hash: Hash32


class ReceiptRef(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """What a receipt says, in the clear: set exactly on `receipt` messages and equal to
    the receipt body's own type and reason, so the broker can audit a retrieval or a
    refusal (and why) without reading content, and the receiver checks the two agree."""

    receipt_type: ReceiptType
    reason: NonRetrievalReason | None


class Binding(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """Everything about a message that is bound to it: AEAD associated data and the
    input of the inner signature. The broker reads it; it never holds content."""

    version: UInt
    message_id: Id16
    kind: Kind
    sender: AuthorityId
    sender_key_id: Id16
    recipients: Annotated[list[Recipient], Meta(min_length=1, max_length=MAX_RECIPIENTS)]
    thread_id: Id16
    sequence: UInt
    in_reply_to: Id16 | None
    created_ms: UInt
    expires_ms: UInt
    priority: Priority
    handling: HandlingCode
    victim_level: VictimLevel
    legal_basis: LegalBasis | None
    """Set exactly when `victim_level` is `disclosed`: the enumerated basis, which the
    broker checks against policy and audits (the opaque reference stays inside)."""
    attachments: Annotated[list[AttachmentRef], Meta(max_length=MAX_ATTACHMENTS)]
    checkpoint: CheckpointRef | None
    receipt: ReceiptRef | None
    """Set exactly when `kind` is `receipt`: the receipt's type and non-retrieval reason."""
    key_commitment: Hash32


class Header(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """What the outer signature covers: the binding bytes, the wrapped content keys (one
    per recipient, in recipient order), the ciphertext hash and the padded length."""

    binding: bytes
    wrapped_keys: Annotated[
        list[Annotated[bytes, Meta(min_length=80, max_length=80)]],
        Meta(min_length=1, max_length=MAX_RECIPIENTS),
    ]
    ciphertext_hash: Hash32
    padded_length: UInt


class Envelope(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """The unit the broker routes: header bytes as signed, outer signature, ciphertext."""

    header: bytes
    signature: Annotated[bytes, Meta(min_length=64, max_length=64)]
    ciphertext: bytes
