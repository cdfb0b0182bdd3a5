"""The gateway REST API's request and response documents.

One definition serves the server (decoding requests, encoding answers), the client
(`gateway_client`) and the OpenAPI document (`gateway_openapi`), so the three cannot
drift apart. Ids (message, thread, upload, object) are lowercase hex in these documents
and in URLs; inside a message body bytes are base64, as the message schema says.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from schemas.http_problem import Problem as HttpProblem
from schemas.kinds import Message
from schemas.notice import NoticeReason, NoticeType
from schemas.records import (
    AuthorityId,
    Disclosure,
    HandlingCode,
    NetworkId,
    Priority,
    ShortText,
    VictimLevel,
)

__all__ = [
    "AckResult",
    "HexId",
    "MessageList",
    "MessageSummary",
    "Problem",
    "SendRequest",
    "SendResult",
    "Status",
    "StoredMessage",
    "ThreadView",
    "UInt",
    "UploadResult",
    "WebhookPayload",
]

HexId = Annotated[
    str, Meta(pattern=r"^[0-9a-f]{32}$(?!\n)", description="16 bytes as lowercase hex")
]
HexHash = Annotated[
    str, Meta(pattern=r"^[0-9a-f]{64}$(?!\n)", description="32 bytes as lowercase hex")
]
UInt = Annotated[int, Meta(ge=0, le=2**63 - 1)]
Direction = Literal["received", "sent"]


class _SendOptions(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    to: Annotated[list[AuthorityId], Meta(max_length=256)] = []
    """Recipient authority ids. With neither `to` nor `network`, a reply (`in_reply_to`)
    goes back to the sender of the message it answers."""
    network: NetworkId | None = None
    """Also send to every active member of this network or joint team."""
    handling: HandlingCode = "H0"
    priority: Priority = "routine"
    thread_id: HexId | None = None
    """Omitted: the thread of `in_reply_to` if given, else a new random thread."""
    in_reply_to: HexId | None = None
    sequence: UInt | None = None
    """Omitted: one more than the last this gateway sent in the thread (0 for the first)."""
    disclosure: Disclosure | None = None
    """Send real victim identifiers under this legal basis (audited); omitted: minimised."""
    attachments: Annotated[list[HexId], Meta(max_length=64)] = []
    """Upload ids from `POST /v1/attachments`; their descriptors are appended to the
    body's `attachments` and their references to the envelope."""


class SendRequest(_SendOptions, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`POST /v1/messages`: a message body of any kind and how to send it."""

    message: Message
    """The body, tagged by `kind`; `author` is set by the gateway for officer keys."""


class SendRequestRaw(_SendOptions, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`SendRequest` with the body left undecoded, so its errors come from the message
    codec, which never quotes content."""

    message: msgspec.Raw


class SendResult(msgspec.Struct, frozen=True, kw_only=True):
    """What was sent: ids the national system keeps to follow the message."""

    status: Literal["sent", "queued"]
    """`sent` (HTTP 201): JetStream stored the envelope. `queued` (HTTP 202): it is
    sealed and stored in the gateway's outbox, which publishes it as soon as NATS
    answers; do not send it again (that would make a second message)."""
    message_id: HexId
    envelope_hash: HexHash
    thread_id: HexId
    sequence: UInt
    recipients: list[AuthorityId]
    kind: str
    victim_level: VictimLevel
    created_ms: UInt


class MessageSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A stored message's metadata (a received one, or one this gateway sent)."""

    message_id: HexId
    direction: Direction
    cursor: UInt
    """Local, increasing position in this gateway's store: `GET /v1/messages?after=`."""
    kind: str
    sender: AuthorityId
    recipients: list[AuthorityId]
    thread_id: HexId
    sequence: UInt
    in_reply_to: HexId | None
    handling: HandlingCode
    priority: Priority
    victim_level: VictimLevel
    envelope_hash: HexHash
    created_ms: UInt
    accepted_ms: UInt | None
    """Broker acceptance time (received: from the delivery; sent: from its notice)."""
    audit_seq: UInt | None
    stored_ms: UInt
    acknowledged: bool
    acknowledged_ms: UInt | None
    acknowledged_by: str | None
    """`webhook`, or `api:<key name>` when the national system acknowledged."""
    sent_by: str | None
    """API key name that sent it (sent messages only)."""
    broker_notice: NoticeType | None
    """Sent messages: the broker's latest notice type (`accepted`, `rejected`, ...)."""
    broker_reason: NoticeReason | None
    """Sent messages: the reason code of that notice (e.g. `policy_denied`), if any."""
    refused: str | None
    """Received MLA status updates the state machine refuses (kept as evidence): why."""
    queued: bool
    """Sent messages still in the outbox, waiting for JetStream to acknowledge them."""


class StoredMessage(MessageSummary, frozen=True, kw_only=True):
    """A stored message with its full, decrypted and verified body."""

    body: Message


class MessageList(msgspec.Struct, frozen=True, kw_only=True):
    """`GET /v1/messages`: received messages, oldest first."""

    messages: list[MessageSummary]
    next_after: UInt | None
    """Pass as `after` for the next page; null when this page was the last."""


class ThreadView(msgspec.Struct, frozen=True, kw_only=True):
    """`GET /v1/threads/{thread_id}`: sent and received messages, in creation order."""

    thread_id: HexId
    messages: list[StoredMessage]


class Status(msgspec.Struct, frozen=True, kw_only=True):
    """`GET /v1/status`: what the gateway knows about its link to the exchange."""

    authority: AuthorityId
    connected: bool
    """Whether the NATS connection is up."""
    outbox: UInt
    """Sent messages waiting for JetStream's acknowledgement."""
    checkpoint_size: UInt | None
    """Size of the latest audit checkpoint verified (and echoed in what is sent)."""
    checkpoint_root: HexHash | None
    split_view: str | None
    """Set when the audit log showed this gateway a checkpoint that does not extend the
    one it saw before: the broker is showing two histories. Stays until restart."""


class AckResult(msgspec.Struct, frozen=True, kw_only=True):
    """`POST /v1/messages/{id}/ack`."""

    message_id: HexId
    acknowledged_ms: UInt
    acknowledged_by: str


class UploadResult(msgspec.Struct, frozen=True, kw_only=True):
    """`POST /v1/attachments`: the encrypted attachment, ready to reference."""

    upload_id: HexId
    object_id: HexId
    file_name: ShortText
    media_type: str
    size: UInt
    victim_level: VictimLevel


class WebhookPayload(msgspec.Struct, frozen=True, kw_only=True):
    """What the gateway POSTs to the national system for each received message."""

    event: Literal["message.received"]
    delivery_attempt: Annotated[int, Meta(ge=1)]
    message: StoredMessage


class ProblemFinding(msgspec.Struct, frozen=True, kw_only=True):
    """One identifier found in a free-text field of the refused body, never its value."""

    field: str
    """The field's dotted path inside the message body."""
    kind: str
    """The kind of identifier found."""
    start: Annotated[int, Meta(ge=0)]
    """Where it starts in the field's text: a character (Unicode code point) offset."""
    end: Annotated[int, Meta(ge=0)]
    """Where it ends (exclusive), in the same unit."""


class Problem(HttpProblem, frozen=True, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem document (`application/problem+json`)."""

    code: str | None = None
    """Protocol error code, when a protocol check refused the request."""
    field: str | None = None
    """The offending field's path inside the message body (identifier problems)."""
    identifier: str | None = None
    """The kind of identifier found (never its value)."""
    findings: list[ProblemFinding] | None = None
    """Every identifier found in the body's free text (identifier problems), so that a
    user interface can highlight each one."""
