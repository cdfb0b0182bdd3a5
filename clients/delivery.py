"""What the broker attaches to an inbox message, read strictly.

The headers are the broker's word (docs/wire-format.md §11): `Palermo-Type` says what
the message is, `Palermo-Accepted-Ms` the ingress time at which the sender's key and
the time window are judged, `Palermo-Audit-Seq` the position of the envelope's one
audit event (`accepted`, or for a receipt `delivered`, `retrieved` or `non_retrieval`).
A value that is not what the spec says is refused here, as a typed error, rather than
guessed at (Python's `int()` would take " 12", "+12" and "1_2").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import msgspec

from schemas import nats_names as names
from schemas.envelope import parse
from schemas.errors import ProtocolError

from .errors import ClientError

_UINT = re.compile(r"[0-9]{1,19}")
_UINT_MAX = 2**63 - 1


class BadHeader(ClientError):
    """A broker delivery header whose value breaks the wire spec."""

    def __init__(self, header: str) -> None:
        super().__init__(f"delivery header {header} is not a decimal integer in range")
        self.header = header


@dataclass(frozen=True)
class Delivery:
    """The broker's headers on one inbox message."""

    type: str
    """`envelope` (also when absent) or `notices`; anything else is the caller's to refuse."""
    accepted_ms: int | None
    audit_seq: int | None


def _uint(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    if not _UINT.fullmatch(raw) or int(raw) > _UINT_MAX:
        raise BadHeader(name)
    return int(raw) or None


def read_delivery(headers: Mapping[str, str] | None) -> Delivery:
    """The delivery's headers; `BadHeader` naming the first malformed one. A zero or
    absent time or sequence is None (a delivery written without them)."""
    headers = headers or {}
    return Delivery(
        type=headers.get(names.HEADER_TYPE, names.TYPE_ENVELOPE),
        accepted_ms=_uint(headers, names.HEADER_ACCEPTED_MS),
        audit_seq=_uint(headers, names.HEADER_AUDIT_SEQ),
    )


def named(data: bytes) -> tuple[str | None, bytes | None]:
    """The sender and message id an envelope's binding names (unverified), if it parses."""
    try:
        binding = parse(data).binding
    except ProtocolError:
        return None, None
    return binding.sender, binding.message_id


def notice_key_id(data: bytes) -> bytes:
    """The key id a signed notice batch names (empty if it does not decode)."""
    try:
        _, key_id, _ = msgspec.msgpack.decode(data, type=tuple[bytes, bytes, bytes])
    except (msgspec.DecodeError, ValueError):
        return b""
    return key_id
