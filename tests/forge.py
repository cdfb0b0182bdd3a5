"""An envelope assembler written from docs/wire-format.md, apart from `schemas.envelope`.

Tests use it two ways: to check that `seal` produces exactly what the spec describes
(same inputs, same bytes), and to craft the envelopes an attacker or a malicious
sender would make (re-signed headers, wrong wrapped keys, forged inner signatures),
which `seal` by design cannot produce.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import msgspec

from schemas import _crypto
from schemas.keys import SigningKey
from schemas.wire import Binding

enc = msgspec.msgpack.Encoder()


def padded_size(length: int) -> int:
    """PADMÉ as the spec states it, computed with floor(log2) by loop."""
    if length <= 256:
        return 256
    e = 0
    while (1 << (e + 1)) <= length:
        e += 1
    s = 0
    while (1 << (s + 1)) <= e:
        s += 1
    s += 1
    mask = (1 << (e - s)) - 1
    return (length + mask) & ~mask


def assemble(
    binding: Binding | bytes,
    body: bytes,
    *,
    content_key: bytes,
    recipients_public: Sequence[bytes],
    inner_signer: SigningKey,
    outer_signer: SigningKey,
    ephemeral_seeds: Sequence[bytes | None] | None = None,
    wrapped_content_keys: Sequence[bytes] | None = None,
) -> bytes:
    """Envelope bytes built step by step from the spec.

    `binding` may be given as raw bytes (to make a non-canonical one); each recipient
    gets `content_key` sealed unless `wrapped_content_keys` says otherwise.
    """
    binding_bytes = binding if isinstance(binding, bytes) else enc.encode(binding)
    inner_sig = inner_signer.sign(b"palermo/inner/v1" + binding_bytes + _crypto.blake2b(body))
    inner = enc.encode([inner_sig, body])
    framed = struct.pack(">I", len(inner)) + inner
    padded = framed + bytes(padded_size(len(framed)) - len(framed))
    ciphertext = _crypto.aead_encrypt(content_key, padded, binding_bytes, bytes(24))
    seeds = ephemeral_seeds or [None] * len(recipients_public)
    keys = wrapped_content_keys or [content_key] * len(recipients_public)
    wrapped = [
        _crypto.seal_to(pk, key, ephemeral_seed=seed)
        for pk, key, seed in zip(recipients_public, keys, seeds, strict=True)
    ]
    header = enc.encode([binding_bytes, wrapped, _crypto.blake2b(ciphertext), len(padded)])
    signature = outer_signer.sign(b"palermo/outer/v1" + header)
    return enc.encode([header, signature, ciphertext])


def commitment(content_key: bytes) -> bytes:
    """Key commitment as the spec states it."""
    return _crypto.blake2b(b"palermo/commit/v1", key=content_key)
