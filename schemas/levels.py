"""Victim-identifier levels: what a body may hold at the level its binding declares.

The binding's `victim_level` is the sender's word, in the clear: the broker audits it
and applies policy to it without reading content. A recipient checks the opened body
against it, so a sender cannot declare `none` over names and dates of birth. The rule,
level by level (each allows everything the ones before it allow):

- `none`: no `Victim`, `Witness` or `Pseudonym` anywhere in the body, and every
  attachment descriptor declares `none`.
- `pseudonymised`: victims, witnesses and pseudonyms with generalised attributes, but
  no victim or witness carries an `identity` (raw names and numbers), and no
  attachment declares `disclosed`.
- `disclosed`: anything; the binding then carries the legal basis (`parse` checks that)
  and the body its `disclosure` (basis and reference to the decision), with the same
  legal basis: a body with a `disclosure` needs `disclosed`, and a `disclosed` binding
  over a body without one, or with another basis, is `Malformed`.

`seal` raises its level to what the body needs, so it never produces a body that fails
this check. A pure function of its arguments: nothing is logged.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from .errors import Malformed, ProtocolError
from .kinds.common import AttachmentDescriptor
from .records import Disclosure, Pseudonym, Victim, VictimLevel, Witness
from .wire import Binding

RANK: dict[VictimLevel, int] = {"none": 0, "pseudonymised": 1, "disclosed": 2}
"""Levels in the order each allows more than the one before."""


class DisclosureMismatch(Malformed):
    """A `disclosed` binding over a body whose `disclosure` is missing or names another
    legal basis: the broker policed one basis and the recipient would read another."""


class VictimLevelExceeded(ProtocolError):
    """An opened body holds identifiers above the victim level its binding declares."""

    code = "victim_level_exceeded"

    def __init__(self, declared: VictimLevel, needed: VictimLevel, where: str) -> None:
        self.declared = declared
        self.needed = needed
        self.where = where
        super().__init__(
            f"binding declares victim level {declared!r} but the body needs {needed!r} ({where})"
        )


def _walk(value: object, path: str) -> Iterator[tuple[msgspec.Struct, str]]:
    """(Struct, dotted path) of every Struct in `value`, depth first."""
    if isinstance(value, msgspec.Struct):
        yield value, path
        for name in value.__struct_fields__:
            yield from _walk(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for index, item in enumerate(value.values()):
            yield from _walk(item, f"{path}[{index}]")


def needed_level(body: msgspec.Struct) -> tuple[VictimLevel, str]:
    """The lowest level at which `body` may travel, and the field path that needs it
    (empty for `none`). Paths name fields and positions, never values."""
    level: VictimLevel = "none"
    where = ""
    for record, path in _walk(body, ""):
        found: VictimLevel = "none"
        at = path
        if isinstance(record, Victim | Witness):
            found = "disclosed" if record.identity is not None else "pseudonymised"
            if record.identity is not None:
                at = f"{path}.identity"
        elif isinstance(record, Disclosure):
            found = "disclosed"
        elif isinstance(record, Pseudonym):
            found = "pseudonymised"
        elif isinstance(record, AttachmentDescriptor):
            found = record.victim_level
            at = f"{path}.victim_level"
        if RANK[found] > RANK[level]:
            level, where = found, at
            if level == "disclosed":
                break
    return level, where


def check_level(binding: Binding, body: msgspec.Struct) -> None:
    """Refuse (`VictimLevelExceeded`) a body that needs a higher victim level than
    `binding.victim_level` declares, and (`DisclosureMismatch`) a `disclosed` binding
    whose body does not carry the same disclosure."""
    needed, where = needed_level(body)
    if RANK[needed] > RANK[binding.victim_level]:
        raise VictimLevelExceeded(binding.victim_level, needed, where)
    if binding.victim_level == "disclosed":
        disclosure = getattr(body, "disclosure", None)
        if disclosure is None:
            raise DisclosureMismatch("binding declares a disclosure the body does not carry")
        if disclosure.legal_basis != binding.legal_basis:
            raise DisclosureMismatch(
                f"body's disclosure basis {disclosure.legal_basis!r} differs from the "
                f"binding's {binding.legal_basis!r}"
            )
