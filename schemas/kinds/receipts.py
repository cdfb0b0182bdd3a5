"""Receipts signed by the recipient: the recipient's links in a message's evidence chain
(the broker's acceptance or rejection notice is the first link, and not a body)."""


# only recognises direct msgspec.Struct subclasses, not subclasses of records.Body.

from __future__ import annotations

from ..records import Body, NonRetrievalReason, ReceiptType
from .common import Hash32, MessageId, UInt, require


class Receipt(Body, tag="receipt", frozen=True, kw_only=True, omit_defaults=True):
    """A receipt for one message, signed by the recipient: proof of delivery, of
    retrieval (non-repudiation of receipt), or that the message could not be opened."""

    receipt_type: ReceiptType
    message_id: MessageId
    """The message the receipt is for."""
    envelope_hash: Hash32
    """BLAKE2b-256 of the envelope bytes received, as the broker audits them."""
    at_ms: UInt
    """When it happened, UTC milliseconds since the epoch."""
    audit_sequence: UInt | None = None
    """The audit-log position the broker attested with the delivery."""
    reason: NonRetrievalReason | None = None
    """Required for non_retrieval, absent otherwise."""

    def __post_init__(self) -> None:
        require(
            (self.reason is not None) == (self.receipt_type == "non_retrieval"),
            "reason is required for non_retrieval and only for it",
        )
