"""The public face of the streaming encryption that attachments use.

Attachments (docs/attachments.md) are encrypted chunk by chunk with libsodium's
secretstream (XChaCha20-Poly1305), each under its own random key. The authority side
streams files through these names; only `schemas._crypto` calls libsodium, and nothing
outside `schemas` imports it, so the primitives it exposes stay in one place.
"""

from __future__ import annotations

from typing import Final

from . import _crypto
from ._crypto import CryptoFailure, StreamDecryptor, StreamEncryptor, random_bytes

__all__ = [
    "ABYTES",
    "HEADER_BYTES",
    "KEY_BYTES",
    "CryptoFailure",
    "StreamDecryptor",
    "StreamEncryptor",
    "random_bytes",
]

KEY_BYTES: Final[int] = _crypto.SECRETSTREAM_KEY
"""Length of a stream key (32)."""
HEADER_BYTES: Final[int] = _crypto.SECRETSTREAM_HEADER
"""Length of the header that starts every stream (24)."""
ABYTES: Final[int] = _crypto.SECRETSTREAM_ABYTES
"""What sealing adds to each chunk: a tag byte and a 16-byte MAC (17)."""
