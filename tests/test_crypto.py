"""The primitives of `schemas._crypto` against libsodium itself."""

from __future__ import annotations

import nacl.bindings
import pytest

from schemas import _crypto


@pytest.mark.parametrize("size", [16, 24, 32, 64])
@pytest.mark.parametrize("key_len", [0, 16, 32, 64])
@pytest.mark.parametrize("data_len", [0, 1, 127, 128, 129, 1555, 70_000])
def test_blake2b_is_libsodiums_generichash(size: int, key_len: int, data_len: int) -> None:
    """`_crypto.blake2b` (the standard library's) gives libsodium's `crypto_generichash`
    bytes for every digest size, key length and message length the protocol uses, and
    across BLAKE2b's 128-byte block boundary."""
    data = _crypto.random_bytes(data_len)
    key = _crypto.random_bytes(key_len)
    expected = nacl.bindings.crypto_generichash_blake2b_salt_personal(
        data, digest_size=size, key=key
    )
    assert _crypto.blake2b(data, size=size, key=key) == expected


def test_blake2b_rfc7693_vector() -> None:
    """RFC 7693 appendix A: BLAKE2b-512 of "abc"."""
    assert _crypto.blake2b(b"abc", size=64).hex() == (
        "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
        "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
    )


@pytest.mark.parametrize(("size", "key_len"), [(0, 0), (65, 0), (32, 65)])
def test_blake2b_refuses_what_libsodium_refuses(size: int, key_len: int) -> None:
    """A digest size outside 1-64 or a key over 64 bytes is an error, never a hash."""
    with pytest.raises((ValueError, RuntimeError)):  # PyNaCl raises either, by parameter
        nacl.bindings.crypto_generichash_blake2b_salt_personal(
            b"x", digest_size=size, key=bytes(key_len)
        )
    with pytest.raises(ValueError, match=r"digest_size|key"):
        _crypto.blake2b(b"x", size=size, key=bytes(key_len))
