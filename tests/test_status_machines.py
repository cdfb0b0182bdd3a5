"""The MLA and extradition status state machines."""

from __future__ import annotations

from typing import get_args

import msgspec
import pytest

from schemas import errors
from schemas.kinds import (
    EXTRADITION_TERMINAL,
    EXTRADITION_TRANSITIONS,
    MLA_TERMINAL,
    MLA_TRANSITIONS,
    ExtraditionStatus,
    MlaStatus,
    check_extradition_transition,
    check_mla_transition,
)

Table = dict[str | None, frozenset[str]]

# The tables as docs/message-kinds.md states them, written out independently so that a
# change to the code's table must be made here too, on purpose.
_MLA_WORK = frozenset(
    {
        "additional_information_requested",
        "under_execution",
        "partially_executed",
        "executed",
        "postponed",
        "consultation",
        "refused",
    }
)
EXPECTED_MLA: Table = {
    None: frozenset(
        {"acknowledged", "additional_information_requested", "consultation", "refused"}
    ),
    "acknowledged": _MLA_WORK,
    "additional_information_requested": _MLA_WORK,
    "under_execution": _MLA_WORK,
    "partially_executed": _MLA_WORK,
    "postponed": _MLA_WORK,
    "consultation": _MLA_WORK,
    "executed": frozenset(),
    "refused": frozenset(),
}
_WITHDRAW_OR_DECIDE = frozenset({"granted", "refused", "withdrawn"})
EXPECTED_EXTRADITION: Table = {
    None: frozenset({"received", "withdrawn"}),
    "received": frozenset({"under_review", "provisional_arrest", "refused", "withdrawn"}),
    "under_review": _WITHDRAW_OR_DECIDE | {"provisional_arrest", "hearing_scheduled"},
    "provisional_arrest": _WITHDRAW_OR_DECIDE | {"under_review", "hearing_scheduled"},
    "hearing_scheduled": _WITHDRAW_OR_DECIDE | {"hearing_scheduled", "under_review"},
    "granted": frozenset({"surrendered", "withdrawn"}),
    "surrendered": frozenset(),
    "refused": frozenset(),
    "withdrawn": frozenset(),
}


def _pairs(table: Table) -> list[tuple[str | None, str]]:
    return sorted(((p, s) for p, after in table.items() for s in after), key=str)


def _statuses(cls: type[msgspec.Struct]) -> set[str]:
    hint = next(f.type for f in msgspec.structs.fields(cls) if f.name == "status")
    return set(get_args(hint))


def test_mla_table_is_as_documented() -> None:
    """MLA_TRANSITIONS is exactly the documented table."""
    assert MLA_TRANSITIONS == EXPECTED_MLA


def test_extradition_table_is_as_documented() -> None:
    """EXTRADITION_TRANSITIONS is exactly the documented table."""
    assert EXTRADITION_TRANSITIONS == EXPECTED_EXTRADITION


@pytest.mark.parametrize(("previous", "status"), _pairs(EXPECTED_MLA))
def test_mla_allowed(previous: str | None, status: str) -> None:
    """Every transition the MLA table lists is accepted."""
    check_mla_transition(previous, status)


@pytest.mark.parametrize(("previous", "status"), _pairs(EXPECTED_EXTRADITION))
def test_extradition_allowed(previous: str | None, status: str) -> None:
    """Every transition the extradition table lists is accepted."""
    check_extradition_transition(previous, status)


@pytest.mark.parametrize(
    ("previous", "status"),
    [
        (None, "executed"),
        (None, "under_execution"),
        (None, "partially_executed"),
        (None, "postponed"),
        ("acknowledged", "acknowledged"),
        ("under_execution", "acknowledged"),
        ("executed", "under_execution"),
        ("executed", "executed"),
        ("refused", "acknowledged"),
        ("refused", "consultation"),
        (None, "granted"),
        ("acknowledged", "bogus"),
        ("bogus", "executed"),
    ],
)
def test_mla_forbidden(previous: str | None, status: str) -> None:
    """Starting mid-way, repeating the acknowledgement, leaving a terminal status and
    unknown statuses raise InvalidTransition naming both ends."""
    with pytest.raises(errors.InvalidTransition) as info:
        check_mla_transition(previous, status)
    assert (info.value.previous, info.value.status) == (previous, status)
    assert info.value.code == "invalid_transition"


@pytest.mark.parametrize(
    ("previous", "status"),
    [
        (None, "granted"),
        (None, "surrendered"),
        ("received", "received"),
        ("received", "granted"),
        ("received", "surrendered"),
        ("under_review", "surrendered"),
        ("granted", "refused"),
        ("granted", "under_review"),
        ("surrendered", "withdrawn"),
        ("refused", "granted"),
        ("withdrawn", "received"),
        (None, "acknowledged"),
    ],
)
def test_extradition_forbidden(previous: str | None, status: str) -> None:
    """Surrender before a grant, a decision before review, reversal of a decision and
    leaving a terminal status raise InvalidTransition."""
    with pytest.raises(errors.InvalidTransition):
        check_extradition_transition(previous, status)


@pytest.mark.parametrize("terminal", sorted(MLA_TERMINAL))
def test_mla_terminal_allows_nothing(terminal: str) -> None:
    """After executed or refused, no MLA status at all is accepted."""
    for status in _statuses(MlaStatus):
        with pytest.raises(errors.InvalidTransition):
            check_mla_transition(terminal, status)


@pytest.mark.parametrize("terminal", sorted(EXTRADITION_TERMINAL))
def test_extradition_terminal_allows_nothing(terminal: str) -> None:
    """After surrendered, refused or withdrawn, no extradition status is accepted."""
    for status in _statuses(ExtraditionStatus):
        with pytest.raises(errors.InvalidTransition):
            check_extradition_transition(terminal, status)


def test_terminal_sets() -> None:
    """The terminal statuses are the ones the brief names."""
    assert frozenset({"executed", "refused"}) == MLA_TERMINAL
    assert frozenset({"surrendered", "refused", "withdrawn"}) == EXTRADITION_TERMINAL


@pytest.mark.parametrize(
    ("table", "cls"),
    [(MLA_TRANSITIONS, MlaStatus), (EXTRADITION_TRANSITIONS, ExtraditionStatus)],
    ids=["mla", "extradition"],
)
def test_table_covers_status_field(table: Table, cls: type[msgspec.Struct]) -> None:
    """The table has a row for every value the status field accepts, and no other."""
    statuses = _statuses(cls)
    assert set(table) == statuses | {None}
    assert set().union(*table.values()) <= statuses


@pytest.mark.parametrize(
    "table", [MLA_TRANSITIONS, EXTRADITION_TRANSITIONS], ids=["mla", "extradition"]
)
def test_every_status_reachable_and_every_path_can_end(table: Table) -> None:
    """Every status can be reached from the request, and a terminal status from each."""
    reached: set[str | None] = {None}
    todo: list[str | None] = [None]
    while todo:
        for nxt in table[todo.pop()] - reached:
            reached.add(nxt)
            todo.append(nxt)
    assert reached == set(table)
    terminal = {s for s, after in table.items() if not after}
    can_end = set(terminal)
    changed = True
    while changed:
        new = {s for s, after in table.items() if after & can_end} - can_end
        can_end |= new
        changed = bool(new)
    assert can_end == set(table)
