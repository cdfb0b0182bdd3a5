"""Replay judgement: the same (sender, message id) with the same or another envelope.

A message id is 128 random bits chosen by the sender. Seeing it again with the same
envelope hash is a redelivery (a crash between processing and ack): carry on and
finish the work. Seeing it with a different hash is a replay or a forgery attempt:
reject. The broker keeps this judgement in a key-value bucket with a fixed age; a
client keeps it for good in its own store. This module is the rule both apply.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Literal

from .errors import ReplayDetected

Verdict = Literal["new", "redelivery"]


def judge(
    seen_hash: bytes | None, envelope_hash: bytes, *, sender: str, message_id: bytes
) -> Verdict:
    """`new` if never seen, `redelivery` if seen with this very hash; else `ReplayDetected`."""
    if seen_hash is None:
        return "new"
    if seen_hash == envelope_hash:
        return "redelivery"
    raise ReplayDetected(
        f"message {message_id.hex()} from {sender} was already seen with another envelope"
    )


class SeenSet:
    """(sender, message id) → envelope hash, over any mutable mapping (a dict, a shelf)."""

    def __init__(self, store: MutableMapping[bytes, bytes] | None = None) -> None:
        self._store: MutableMapping[bytes, bytes] = {} if store is None else store

    @staticmethod
    def key(sender: str, message_id: bytes) -> bytes:
        """The store key: the sender id, a NUL, the 16-byte message id."""
        return sender.encode() + b"\x00" + message_id

    def check(self, sender: str, message_id: bytes, envelope_hash: bytes) -> Verdict:
        """Judge without recording (see `judge`)."""
        return judge(
            self._store.get(self.key(sender, message_id)),
            envelope_hash,
            sender=sender,
            message_id=message_id,
        )

    def record(self, sender: str, message_id: bytes, envelope_hash: bytes) -> Verdict:
        """Judge and, when new, remember the hash."""
        verdict = self.check(sender, message_id, envelope_hash)
        if verdict == "new":
            self._store[self.key(sender, message_id)] = envelope_hash
        return verdict
