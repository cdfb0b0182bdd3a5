"""Linkage keys and keyed pseudonyms of victims' and witnesses' direct identifiers.

A pseudonym is a keyed BLAKE2b of a normalised identifier. Two authorities holding the
same linkage key (one per case or per bilateral relationship) derive the same
pseudonym for the same person despite spelling noise, so they can link records; the
broker and anyone else without the key cannot, not even by trying likely names.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Final

from .. import _crypto
from ..errors import MinimisationError
from ..records import Pseudonym, PseudonymKind

LINKAGE_KEY_SIZE: Final = 32
KEY_ID_SIZE: Final = 8
PSEUDONYM_SIZE: Final = 16
"""128 bits: collisions between distinct people stay negligible in any case volume."""

KEY_ID_LABEL: Final = b"palermo/linkage-keyid/v1"
PSEUDONYM_LABEL: Final = b"palermo/pseudonym/v1"
DOCUMENT_LABEL: Final = b"palermo/pseudonym/v2"
"""Documents' label: version 2 of their normalised value leaves out type and country."""


class LinkageKey:
    """A 32-byte secret that keys pseudonyms; never shown in `repr` or `str`."""

    __slots__ = ("_key", "_key_id")

    _key: bytes
    _key_id: bytes

    def __init__(self, key: bytes) -> None:
        """Wrap `key`; `MinimisationError` unless it is exactly 32 bytes."""
        if not isinstance(key, bytes | bytearray | memoryview):
            raise MinimisationError("a linkage key is bytes")
        key = bytes(key)
        if len(key) != LINKAGE_KEY_SIZE:
            raise MinimisationError(f"a linkage key is {LINKAGE_KEY_SIZE} bytes, not {len(key)}")
        # The id is a hash of the key rather than a random label so that both parties
        # compute it independently; a distinct label keeps it unrelated to pseudonyms.
        key_id = _crypto.blake2b(KEY_ID_LABEL + key, size=32)[:KEY_ID_SIZE]
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_key_id", key_id)

    @classmethod
    def generate(cls, random: Callable[[int], bytes] = _crypto.random_bytes) -> LinkageKey:
        """A fresh key from libsodium's CSPRNG (`random` is a seam for tests)."""
        return cls(random(LINKAGE_KEY_SIZE))

    @property
    def key(self) -> bytes:
        """The secret bytes; store them only where case secrets are stored."""
        return self._key

    @property
    def key_id(self) -> bytes:
        """First 8 bytes of BLAKE2b-256("palermo/linkage-keyid/v1" ‖ key)."""
        return self._key_id

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("LinkageKey is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LinkageKey):
            return NotImplemented
        return secrets.compare_digest(self._key, other._key)

    def __hash__(self) -> int:
        return hash(self._key_id)

    def __repr__(self) -> str:
        return f"LinkageKey(key_id={self._key_id.hex()})"

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would copy the secret into caches and task queues unnoticed.
        raise TypeError("a LinkageKey is not picklable; store key.key deliberately")


def pseudonym(key: LinkageKey, kind: PseudonymKind, normalised_value: str) -> Pseudonym:
    """The pseudonym of one normalised identifier under `key`.

    value = BLAKE2b-256(key=key.key, label ‖ 0x00 ‖ kind ‖ 0x00 ‖
    UTF-8(normalised_value))[:16], where label is "palermo/pseudonym/v2" for a document
    (its normalised value changed in version 2) and "palermo/pseudonym/v1" for every
    other kind. The kind is inside the hash so that a phone number and a document
    number with the same digits do not link; the zero bytes keep the
    fields apart (neither a kind nor a normalised value contains U+0000).
    `normalised_value` must come from `normalise_identifier` for that kind.
    """
    label = DOCUMENT_LABEL if kind == "document" else PSEUDONYM_LABEL
    data = label + b"\x00" + kind.encode() + b"\x00" + normalised_value.encode("utf-8")
    value = _crypto.blake2b(data, size=32, key=key.key)[:PSEUDONYM_SIZE]
    return Pseudonym(kind=kind, key_id=key.key_id, value=value)
