"""MLA threads and handling codes, enforced on the authority's side.

`MlaTracker` follows each request's status through the state machine of
`schemas.kinds.status`: an update that arrives before its predecessor (by the
per-thread sequence number of its sender) is buffered, not rejected; one the state
machine does not allow is refused with `InvalidTransition`. `check_forward` refuses to
pass on H2 material (no onward transmission without consent) without the provider's
consent reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.errors import InvalidTransition
from schemas.kinds import MlaStatus, check_mla_transition
from schemas.wire import Binding

from .errors import ClientError


class HandlingViolation(ClientError):
    """An act the message's handling code forbids (e.g. forwarding H2 without consent)."""


def check_forward(original: Binding, consent_reference: str | None) -> None:
    """Refuse to forward a message whose handling code requires the provider's consent
    (H1 for judicial use, H2 for any onward transmission) when no consent reference is
    given; H3 restrictions live in the body and are for the officer to apply."""
    if original.handling in ("H1", "H2") and not consent_reference:
        raise HandlingViolation(
            f"message {original.message_id.hex()} is {original.handling}: passing it on "
            "needs the provider's consent reference"
        )


@dataclass
class _Thread:
    request_id: bytes
    status: str | None = None
    next_sequence: int = 1
    pending: dict[int, MlaStatus] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)


class MlaTracker:
    """The status of each MLA request we sent or received, by thread id."""

    def __init__(self) -> None:
        self._threads: dict[bytes, _Thread] = {}

    def request(self, binding: Binding) -> None:
        """Start tracking the request `binding` carried (its thread id names the thread)."""
        self._threads.setdefault(binding.thread_id, _Thread(binding.message_id))

    def status(self, thread_id: bytes) -> str | None:
        """The current status of the request in `thread_id` (None: no update yet)."""
        thread = self._threads.get(thread_id)
        return thread.status if thread else None

    def history(self, thread_id: bytes) -> list[str]:
        """Every status applied so far, in order."""
        thread = self._threads.get(thread_id)
        return list(thread.history) if thread else []

    def next_sequence(self, thread_id: bytes) -> int:
        """The sequence number the thread's next status update carries."""
        thread = self._threads.get(thread_id)
        return thread.next_sequence if thread else 1

    def check_next(self, thread_id: bytes, status: str) -> None:
        """Refuse (`InvalidTransition`) to send `status` after the thread's current one."""
        thread = self._threads.get(thread_id)
        check_mla_transition(thread.status if thread else None, status)

    def update(self, binding: Binding, update: MlaStatus) -> list[MlaStatus]:
        """Apply a status update; return the updates now applied, in order.

        An update ahead of its predecessor is buffered (empty list); a repeated or old
        sequence number is ignored; a transition the state machine forbids raises
        `InvalidTransition` and changes nothing.
        """
        thread = self._threads.setdefault(binding.thread_id, _Thread(update.request_id))
        if update.request_id != thread.request_id:
            raise InvalidTransition(thread.status, update.status)
        if binding.sequence < thread.next_sequence or binding.sequence in thread.pending:
            return []
        thread.pending[binding.sequence] = update
        applied: list[MlaStatus] = []
        while thread.next_sequence in thread.pending:
            candidate = thread.pending[thread.next_sequence]
            try:
                check_mla_transition(thread.status, candidate.status)
            except InvalidTransition:
                del thread.pending[thread.next_sequence]
                raise
            del thread.pending[thread.next_sequence]
            thread.status = candidate.status
            thread.history.append(candidate.status)
            thread.next_sequence += 1
            applied.append(candidate)
        return applied

    def buffered(self, thread_id: bytes) -> int:
        """How many updates wait for a predecessor in `thread_id`."""
        thread = self._threads.get(thread_id)
        return len(thread.pending) if thread else 0
