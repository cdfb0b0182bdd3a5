"""The public face of the encryption a gateway uses for what it keeps at rest.

A gateway stores each case's content under a random data key of its own and keeps the
data keys wrapped under one key-encryption key (docs/gateway-guide.md, "Erasure").
Both layers are XChaCha20-Poly1305 with a random 24-byte nonce written before the
ciphertext: unlike the payload's content key (made fresh for every message, so a
constant nonce is safe), a data key encrypts many values, and 192-bit random nonces
never collide in practice. Only `schemas._crypto` calls libsodium; this module names
the few primitives the gateway's store needs, so nothing outside `schemas` imports it.

`body_hash` is the hash the inner signature covers (docs/wire-format.md, "inner
signature"): with the binding it re-verifies the signature after the body is erased.
"""

from __future__ import annotations

from typing import Final

from . import _crypto
from .errors import ProtocolError

__all__ = [
    "KEY_BYTES",
    "NONCE_BYTES",
    "OVERHEAD",
    "DataUnreadable",
    "body_hash",
    "new_key",
    "open_value",
    "seal_value",
]

KEY_BYTES: Final[int] = _crypto.AEAD_KEY
"""Length of a data key or key-encryption key (32)."""
NONCE_BYTES: Final = 24
"""XChaCha20's nonce: long enough to draw at random for every value."""
OVERHEAD: Final[int] = NONCE_BYTES + _crypto.AEAD_TAG
"""What sealing adds to a value: the nonce and the Poly1305 tag (40 bytes)."""


class DataUnreadable(ProtocolError):
    """A value kept at rest that does not open: wrong key, or altered bytes."""

    code = "data_unreadable"


def new_key() -> bytes:
    """A fresh random 32-byte key from libsodium's CSPRNG."""
    return _crypto.random_bytes(KEY_BYTES)


def seal_value(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """`plaintext` encrypted under `key`, bound to `associated` (say, the message id and
    the column it is kept in, so a value moved elsewhere no longer opens):
    nonce ‖ ciphertext ‖ tag."""
    if len(key) != KEY_BYTES:
        raise ValueError(f"a data key is {KEY_BYTES} bytes")
    nonce = _crypto.random_bytes(NONCE_BYTES)
    return nonce + _crypto.aead_encrypt(key, plaintext, associated, nonce)


def open_value(key: bytes, sealed: bytes, associated: bytes) -> bytes:
    """The plaintext of `seal_value(key, plaintext, associated)`; `DataUnreadable` for
    another key, other associated data, or bytes altered in any way."""
    if len(key) != KEY_BYTES:
        raise ValueError(f"a data key is {KEY_BYTES} bytes")
    if len(sealed) < OVERHEAD:
        raise DataUnreadable("a stored value is shorter than its nonce and tag")
    try:
        return _crypto.aead_decrypt(key, sealed[NONCE_BYTES:], associated, sealed[:NONCE_BYTES])
    except _crypto.CryptoFailure as exc:
        raise DataUnreadable(
            "a stored value does not open under its key (wrong key or altered bytes)"
        ) from exc


def body_hash(body_bytes: bytes) -> bytes:
    """BLAKE2b-256 of the signed body bytes: what the inner signature covers."""
    return _crypto.blake2b(body_bytes)
