"""MLA and extradition threads and handling codes, enforced on the authority's side.

`StatusTracker` follows each request's status through its state machine
(`schemas.kinds.status`), for MLA and extradition alike, on sending and on receiving:

- A status update is accepted only from the party that may send it: the authority the
  request was sent to (one of its recipients) — except an extradition `withdrawn`,
  which only the requesting authority (the request's sender) sends. An update from
  anyone else, or in a thread whose request we do not know, is refused with
  `NotThreadParty`, and so is our own attempt to send one we may not.
- The requested authority's updates are ordered by its per-thread sequence number: one
  that arrives before its predecessor is buffered, not rejected; a repeated or old
  number is ignored. A withdrawal comes from the other party, outside that numbering,
  and applies when it arrives.
- A transition the state machine does not allow is refused with `InvalidTransition`
  and changes nothing.

`check_forward` refuses to pass on H1/H2 material without the provider's consent
reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from schemas.errors import InvalidTransition
from schemas.kinds import (
    ExtraditionStatus,
    MlaStatus,
    check_extradition_transition,
    check_mla_transition,
)
from schemas.wire import Binding

from .errors import ClientError

StatusUpdate = MlaStatus | ExtraditionStatus
Machine = Literal["mla", "extradition"]

_CHECKS: dict[Machine, Callable[[str | None, str], None]] = {
    "mla": check_mla_transition,
    "extradition": check_extradition_transition,
}
_FROM_REQUESTER = frozenset({"withdrawn"})
"""Extradition statuses the requesting authority sends (art. 16): the rest come from
the requested one."""


class HandlingViolation(ClientError):
    """An act the message's handling code forbids (e.g. forwarding H2 without consent)."""


class NotThreadParty(InvalidTransition):
    """A status update from (or, when sending, by) an authority that may not send it in
    its thread: not the one the request was sent to, or for a request we do not know."""

    code = "not_thread_party"

    def __init__(self, sender: str, status: str, why: str) -> None:
        super().__init__(None, status)
        self.sender = sender
        self.args = (f"status {status!r} from {sender} refused: {why}",)


def check_forward(original: Binding, consent_reference: str | None) -> None:
    """Refuse to forward a message whose handling code requires the provider's consent
    (H1 for judicial use, H2 for any onward transmission) when no consent reference is
    given; H3 restrictions live in the body and are for the officer to apply."""
    if original.handling in ("H1", "H2") and not consent_reference:
        raise HandlingViolation(
            f"message {original.message_id.hex()} is {original.handling}: passing it on "
            "needs the provider's consent reference"
        )


def machine_of(update: StatusUpdate) -> Machine:
    """Which state machine a status update belongs to."""
    return "mla" if isinstance(update, MlaStatus) else "extradition"


@dataclass
class _Thread:
    machine: Machine
    request_id: bytes
    requester: str
    requested: frozenset[str]
    status: str | None = None
    next_sequence: int = 1
    pending: dict[int, StatusUpdate] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)


class StatusTracker:
    """The status of each MLA or extradition request we sent or received, by thread id."""

    def __init__(self) -> None:
        self._threads: dict[bytes, _Thread] = {}

    def request(self, binding: Binding) -> None:
        """Start tracking the MLA or extradition request `binding` carried (its kind
        says which state machine, its thread id names the thread). A second request in
        a thread already tracked changes nothing."""
        machine: Machine = "extradition" if binding.kind == "extradition_request" else "mla"
        self._threads.setdefault(
            binding.thread_id,
            _Thread(
                machine=machine,
                request_id=binding.message_id,
                requester=binding.sender,
                requested=frozenset(r.authority for r in binding.recipients),
            ),
        )

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

    def buffered(self, thread_id: bytes) -> int:
        """How many updates wait for a predecessor in `thread_id`."""
        thread = self._threads.get(thread_id)
        return len(thread.pending) if thread else 0

    def _thread(self, thread_id: bytes, sender: str, update: StatusUpdate) -> _Thread:
        """The thread `update` belongs to, if `sender` may send it there."""
        thread = self._threads.get(thread_id)
        if thread is None:
            raise NotThreadParty(sender, update.status, "no request is known in this thread")
        if thread.machine != machine_of(update) or update.request_id != thread.request_id:
            raise InvalidTransition(thread.status, update.status)
        if thread.machine == "extradition" and update.status in _FROM_REQUESTER:
            if sender != thread.requester:
                raise NotThreadParty(sender, update.status, "only the requesting authority may")
        elif sender not in thread.requested:
            raise NotThreadParty(
                sender, update.status, "only the authority the request was sent to may"
            )
        return thread

    def check_next(self, thread_id: bytes, sender: str, update: StatusUpdate) -> None:
        """Refuse (`NotThreadParty`, `InvalidTransition`) to send `update` as `sender`
        after the thread's current status."""
        thread = self._thread(thread_id, sender, update)
        _CHECKS[thread.machine](thread.status, update.status)

    def update(self, binding: Binding, update: StatusUpdate) -> list[StatusUpdate]:
        """Apply a status update sent or received; return the updates now applied, in
        order (empty while it waits for a predecessor, or for a repeated number).

        Raises `NotThreadParty` for an update its sender may not send, and
        `InvalidTransition` for one the state machine forbids; neither changes anything.
        """
        thread = self._thread(binding.thread_id, binding.sender, update)
        check = _CHECKS[thread.machine]
        if thread.machine == "extradition" and update.status in _FROM_REQUESTER:
            # The requesting side's withdrawal: outside the requested side's numbering.
            check(thread.status, update.status)
            self._apply(thread, update)
            return [update]
        if binding.sequence < thread.next_sequence or binding.sequence in thread.pending:
            return []
        thread.pending[binding.sequence] = update
        applied: list[StatusUpdate] = []
        while thread.next_sequence in thread.pending:
            candidate = thread.pending.pop(thread.next_sequence)
            check(thread.status, candidate.status)
            self._apply(thread, candidate)
            thread.next_sequence += 1
            applied.append(candidate)
        return applied

    @staticmethod
    def _apply(thread: _Thread, update: StatusUpdate) -> None:
        thread.status = update.status
        thread.history.append(update.status)


MlaTracker = StatusTracker
"""The earlier name, from when only MLA threads were tracked."""
