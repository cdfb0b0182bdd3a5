"""What `Endpoint.events()` yields: one typed outcome per inbox message.

Nothing a peer or the broker puts in an inbox stops the receive loop: every message
ends as exactly one of these (a notice batch as one `BrokerNotice` per notice), is
acked or put back with a delay as its type says, and the loop goes on.

- `Received`: verified, opened, handed over; acked on settle, `retrieved` receipt.
- `Refused`: verified, but a thread rule forbids it (kept as evidence); acked on
  settle, `retrieved` receipt.
- `Unopenable`: fails verification, or its body is above the binding's victim level;
  acked, `non_retrieval` receipt with the error's code.
- `Replayed`: verified, but its (sender, id) was handed over before with another
  envelope; acked, `non_retrieval` receipt (`replay`).
- `BadDelivery`: the broker's delivery headers are malformed, or a notice batch is not
  signed by the broker the directory lists; acked, and for an envelope a
  `non_retrieval` receipt (`bad_delivery`).
- `Deferred`: our directory cannot judge it now; nak with a delay, it comes back.
- `BrokerNotice`: a signed broker notice about one of our envelopes; acked.

A redelivery of a message already handed over (or refused for good) is acked and
dropped without an event: that is de-duplication, not a failure.

Acking a message that will never open is right on a work queue: redelivery would bring
the same bytes and the same failure. Never `term`: on a work queue that deletes it
without a trace. A receipt goes only to a sender the directory knows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from schemas.envelope import Opened
from schemas.errors import InvalidTransition, ProtocolError, ReplayDetected
from schemas.kinds import ExtraditionStatus, Message, MlaStatus
from schemas.notice import Notice

from .errors import ClientError


class Settler:
    """Settles one inbox message exactly once."""

    def __init__(self, action: Callable[[], Awaitable[None]]) -> None:
        self._action = action
        self._done = False

    async def settle(self) -> None:
        """Run the settling action the first time only."""
        if not self._done:
            self._done = True
            await self._action()


@dataclass(frozen=True)
class Received:
    """A verified, opened message handed over to the authority."""

    opened: Opened
    audit_seq: int | None
    accepted_ms: int
    status_applied: tuple[MlaStatus | ExtraditionStatus, ...] = ()
    """For an MLA or extradition status update: the updates this one let the thread's
    state machine apply (empty while it waits for a predecessor)."""
    settler: Settler | None = field(default=None, repr=False, compare=False)

    async def settle(self) -> None:
        """Record the message as handed over for good, ack it and send the retrieval
        receipt (idempotent). `events(auto_ack=False)` leaves this to the caller, who
        calls it once the message is safely stored; unsettled messages come back."""
        if self.settler is not None:
            await self.settler.settle()

    @property
    def sender(self) -> str:
        """The authority that signed it."""
        return self.opened.binding.sender

    @property
    def body(self) -> Message:
        """The decrypted, schema-checked body."""
        return self.opened.body


@dataclass(frozen=True)
class Unopenable:
    """An inbox message that failed verification, or whose opened body holds identifiers
    above the victim level its binding declares (`schemas.levels.VictimLevelExceeded`):
    not handed over, acked, and a non-retrieval receipt naming `error.code` sent back."""

    error: ProtocolError
    envelope_hash: bytes
    sender: str | None
    """The sender the binding names (unverified unless the signatures were checked)."""
    message_id: bytes | None = None
    receipt_sent: bool = False

    @property
    def code(self) -> str:
        """The enumerated reason (`ProtocolError.code`)."""
        return self.error.code


@dataclass(frozen=True)
class Replayed:
    """A verified message whose (sender, message id) was handed over before with a
    different envelope: refused for good, acked, a non-retrieval receipt sent."""

    error: ReplayDetected
    envelope_hash: bytes
    sender: str
    message_id: bytes
    receipt_sent: bool = False

    @property
    def code(self) -> str:
        """Always `replay`."""
        return self.error.code


BadDeliveryReason = Literal["bad_header", "unknown_type", "bad_notices"]
"""`bad_header`: `Palermo-Accepted-Ms` or `Palermo-Audit-Seq` is not a decimal integer
of at most 19 digits; `unknown_type`: `Palermo-Type` is neither `envelope` nor
`notices`; `bad_notices`: a notice batch that does not verify under the broker's
notice key in the directory."""


@dataclass(frozen=True)
class BadDelivery:
    """An inbox message whose broker headers break the wire spec: it cannot be judged
    (the acceptance time decides key validity), so it is acked without being opened,
    and a non-retrieval receipt goes to the sender the envelope names, if any."""

    reason: BadDeliveryReason
    header: str | None
    """The header at fault (its name; the value is not repeated), if one is."""
    envelope_hash: bytes
    sender: str | None
    receipt_sent: bool = False

    @property
    def code(self) -> BadDeliveryReason:
        """The enumerated reason."""
        return self.reason


@dataclass(frozen=True)
class Deferred:
    """A message put back in the inbox for a later try (nak with `delay` seconds): the
    verified directory could not be brought up to date to judge it — unreachable,
    expired, or a refresh refused as a rollback (`DirectoryRollback`)."""

    error: ProtocolError | ClientError
    delay: float

    @property
    def code(self) -> str:
        """The directory error's code (`directory_unavailable` when NATS is down)."""
        return getattr(self.error, "code", "directory_unavailable")


@dataclass(frozen=True)
class BrokerNotice:
    """A broker notice about one of our own envelopes, its batch signature verified."""

    notice: Notice


@dataclass(frozen=True)
class Refused:
    """A verified message that a thread rule does not allow: a status update the state
    machine forbids (`InvalidTransition`) or from an authority that may not send it
    (`threads.NotThreadParty`). It was still retrieved — its sender signed it — and is
    kept as evidence; the thread's state is unchanged."""

    received: Received
    error: InvalidTransition


Event = Received | Refused | Unopenable | Replayed | BadDelivery | Deferred | BrokerNotice
