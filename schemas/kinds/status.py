"""The status state machines of MLA and extradition requests.

A table maps the previous status (``None`` is the request itself) to the statuses that
may follow it. Terminal statuses map to the empty set. The receiving client checks
each update against the table; an update that arrives before its predecessor is
buffered by per-thread sequence number, not checked early.

MLA (UNTOC art. 18), requested State → requesting State:

==================================  =========================================================
previous                            may be followed by
==================================  =========================================================
(request)                           acknowledged, additional_information_requested,
                                    consultation, refused
any other non-terminal status       additional_information_requested, under_execution,
(acknowledged, additional_          partially_executed, executed, postponed, consultation,
information_requested, under_       refused
execution, partially_executed,
postponed, consultation)
executed                            (terminal)
refused                             (terminal)
==================================  =========================================================

Extradition (UNTOC art. 16):

==================  =========================================================================
previous            may be followed by
==================  =========================================================================
(request)           received, withdrawn
received            under_review, provisional_arrest, refused, withdrawn
under_review        provisional_arrest, hearing_scheduled, granted, refused, withdrawn
provisional_arrest  under_review, hearing_scheduled, granted, refused, withdrawn
hearing_scheduled   hearing_scheduled, under_review, granted, refused, withdrawn
granted             surrendered, withdrawn
surrendered         (terminal)
refused             (terminal)
withdrawn           (terminal)
==================  =========================================================================

Art. 18(26) asks the requested State to consult before refusing or postponing; the
table does not force a ``consultation`` update first, because that consultation may
happen by other channels. A status may repeat where the update can (a second question,
a progress note, a further tranche of evidence, an extended postponement, a rescheduled
hearing); ``acknowledged`` and ``received`` come once, as the first update.
"""

from __future__ import annotations

from typing import Literal, get_args

from ..errors import InvalidTransition

MlaStatusCode = Literal[
    "acknowledged",
    "additional_information_requested",
    "under_execution",
    "partially_executed",
    "executed",
    "postponed",
    "consultation",
    "refused",
]
"""Art. 18(16) additional information; 18(21), 18(23) refusal with reasons; 18(25)
postponement; 18(26) consultation."""

ExtraditionStatusCode = Literal[
    "received",
    "under_review",
    "provisional_arrest",
    "hearing_scheduled",
    "granted",
    "refused",
    "surrendered",
    "withdrawn",
]

MLA_STATUSES: tuple[str, ...] = get_args(MlaStatusCode)
EXTRADITION_STATUSES: tuple[str, ...] = get_args(ExtraditionStatusCode)

_MLA_WORKING = frozenset(
    {
        "additional_information_requested",
        "under_execution",
        "partially_executed",
        "executed",
        "consultation",
        "postponed",
        "refused",
    }
)

MLA_TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset(
        {"acknowledged", "additional_information_requested", "consultation", "refused"}
    ),
    "acknowledged": _MLA_WORKING,
    "additional_information_requested": _MLA_WORKING,
    "under_execution": _MLA_WORKING,
    "partially_executed": _MLA_WORKING,
    "postponed": _MLA_WORKING,
    "consultation": _MLA_WORKING,
    "executed": frozenset(),
    "refused": frozenset(),
}
"""Previous MLA status (None = the request) → statuses that may follow."""

EXTRADITION_TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({"received", "withdrawn"}),
    "received": frozenset({"under_review", "provisional_arrest", "refused", "withdrawn"}),
    "under_review": frozenset(
        {"provisional_arrest", "hearing_scheduled", "granted", "refused", "withdrawn"}
    ),
    "provisional_arrest": frozenset(
        {"under_review", "hearing_scheduled", "granted", "refused", "withdrawn"}
    ),
    "hearing_scheduled": frozenset(
        {"hearing_scheduled", "under_review", "granted", "refused", "withdrawn"}
    ),
    "granted": frozenset({"surrendered", "withdrawn"}),
    "surrendered": frozenset(),
    "refused": frozenset(),
    "withdrawn": frozenset(),
}
"""Previous extradition status (None = the request) → statuses that may follow."""

MLA_TERMINAL = frozenset(s for s, after in MLA_TRANSITIONS.items() if s and not after)
EXTRADITION_TERMINAL = frozenset(
    s for s, after in EXTRADITION_TRANSITIONS.items() if s and not after
)


def _check(table: dict[str | None, frozenset[str]], previous: str | None, status: str) -> None:
    if status not in table.get(previous, frozenset()):
        raise InvalidTransition(previous, status)


def check_mla_transition(previous: str | None, status: str) -> None:
    """Allow `status` after `previous` (None: the request itself) or raise
    `errors.InvalidTransition`; unknown statuses are never allowed."""
    _check(MLA_TRANSITIONS, previous, status)


def check_extradition_transition(previous: str | None, status: str) -> None:
    """Allow `status` after `previous` (None: the request itself) or raise
    `errors.InvalidTransition`; unknown statuses are never allowed."""
    _check(EXTRADITION_TRANSITIONS, previous, status)
