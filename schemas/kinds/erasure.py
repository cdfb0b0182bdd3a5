"""Erasure notices and their confirmations: erasing a case's data where copies went.

When an authority erases a case's data (an order, a data subject's request, the end of
its retention period), the copies it sent are at the recipients' gateways. It sends an
`erasure_notice` in the case's thread to every other participant; each recipient's
gateway erases its own copy of the thread's data and answers with an
`erasure_confirmation` in reply to the notice. The retrieval receipt cannot serve as
that answer: it is signed when the notice is retrieved, before anything is erased, and
says nothing about what was done. Neither body carries content or persons.
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from ..records import Body
from .common import MessageIds, UInt, require

ErasureLegalBasis = Literal[
    "court_order",
    "prosecutor_order",
    "data_subject_request",
    "retention_expiry",
    "domestic_law",
    "sender_request",
]
"""Why a case was erased: an order of a court or a prosecutor; the data subject's
request, honoured under the applicable data-protection law; the retention period run
out; another rule of domestic law; or (for the recipient of a notice) the erasure
notice of the authority that sent the data."""

ErasureReference = Annotated[
    str,
    Meta(
        pattern=r"^[\x20-\x7e]{1,100}$(?!\n)",
        description="opaque reference to the order or decision (printable ASCII)",
    ),
]
"""The order's or decision's number, as the sender files it: an opaque code, never a
person's name (it is constrained, hence not scanned as free text)."""

ThreadId = Annotated[
    bytes,
    Meta(min_length=16, max_length=16, description="thread id (binding.thread_id)"),
]


class ErasureNotice(Body, tag="erasure_notice", frozen=True, kw_only=True, omit_defaults=True):
    """The sender erased its data of a case and asks each recipient to erase its copies
    of the same thread and confirm with an `erasure_confirmation`."""

    thread_id: ThreadId
    """The case: the thread whose data was erased (the notice travels in it too)."""
    message_ids: MessageIds = []
    """The messages of the thread the sender had exchanged with this recipient, when
    the sender lists them; the recipient erases the whole thread either way."""
    legal_basis: ErasureLegalBasis
    reference: ErasureReference
    erased_ms: UInt
    """When the sender erased its own copy, UTC milliseconds since the epoch."""

    def __post_init__(self) -> None:
        require(
            len(set(self.message_ids)) == len(self.message_ids),
            "a message id is listed twice in message_ids",
        )


class ErasureConfirmation(
    Body, tag="erasure_confirmation", frozen=True, kw_only=True, omit_defaults=True
):
    """The recipient of an erasure notice erased its copies of the thread; sent in reply
    to the notice (binding `in_reply_to`)."""

    notice_id: Annotated[
        bytes, Meta(min_length=16, max_length=16, description="message id of the notice")
    ]
    thread_id: ThreadId
    erased_ms: UInt
    """When the recipient erased its copy."""
    messages: UInt = 0
    """How many stored messages' content it erased (0 when it held none any more)."""
    status: Literal["erased"] = "erased"
    """What was done: erased (the one outcome a gateway confirms; a refusal is not
    confirmed, and shows as a notice still awaiting confirmation)."""
