"""An envelope assembler written from docs/wire-format.md, apart from `schemas.envelope`.

Tests use it two ways: to check that `seal` produces exactly what the spec describes
(same inputs, same bytes), and to craft the envelopes an attacker or a malicious
sender would make (re-signed headers, wrong wrapped keys, forged inner signatures),
which `seal` by design cannot produce.
"""

from __future__ import annotations

import datetime as dt
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
    pad_to: int | None = None,
    pad_byte: int = 0,
) -> bytes:
    """Envelope bytes built step by step from the spec.

    `binding` may be given as raw bytes (to make a non-canonical one); each recipient
    gets `content_key` sealed unless `wrapped_content_keys` says otherwise. The
    plaintext is padded with zero bytes to its PADMÉ length unless `pad_to` (a length)
    or `pad_byte` say otherwise.
    """
    binding_bytes = binding if isinstance(binding, bytes) else enc.encode(binding)
    inner_sig = inner_signer.sign(b"palermo/inner/v1" + binding_bytes + _crypto.blake2b(body))
    inner = enc.encode([inner_sig, body])
    framed = struct.pack(">I", len(inner)) + inner
    size = padded_size(len(framed)) if pad_to is None else pad_to
    padded = framed + bytes([pad_byte]) * (size - len(framed))
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


# --- raw msgpack, for encodings `msgspec` would never write -----------------------------


def array(items: Sequence[bytes]) -> bytes:
    """A msgpack array of already-encoded items, with the shortest header."""
    n = len(items)
    head = bytes([0x90 | n]) if n < 16 else b"\xdc" + struct.pack(">H", n)
    return head + b"".join(items)


def map_of(entries: Sequence[tuple[str, bytes]], *, header: bytes | None = None) -> bytes:
    """A msgpack map of str keys and already-encoded values; the shortest header unless
    `header` is given (to write a longer one)."""
    n = len(entries)
    if header is None:
        header = bytes([0x80 | n]) if n < 16 else b"\xde" + struct.pack(">H", n)
    return header + b"".join(enc.encode(k) + v for k, v in entries)


def fields(binding: Binding) -> list[bytes]:
    """Each field of a binding encoded on its own, in wire order."""
    return [enc.encode(getattr(binding, name)) for name in binding.__struct_fields__]


def entries(body: bytes) -> list[tuple[str, bytes]]:
    """The top-level entries of an encoded body map, values re-encoded one by one."""
    decoded = msgspec.msgpack.decode(body)
    assert isinstance(decoded, dict)
    return [(k, enc.encode(v)) for k, v in decoded.items()]


def pack(value: object) -> bytes:
    """MessagePack written by hand from the rules of docs/wire-format.md §7.1 (shortest
    forms; timestamps as extension -1), to check `encode_message` against."""
    if value is None:
        return b"\xc0"
    if value is True or value is False:
        return b"\xc3" if value else b"\xc2"
    if isinstance(value, int):
        return _pack_int(value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _sized(len(raw), 0xA0, 32, (b"\xd9", b"\xda", b"\xdb")) + raw
    if isinstance(value, bytes):
        return _sized(len(value), None, 0, (b"\xc4", b"\xc5", b"\xc6")) + value
    if isinstance(value, dt.datetime):
        return _pack_timestamp(value)
    if isinstance(value, list):
        return _sized(len(value), 0x90, 16, (None, b"\xdc", b"\xdd")) + b"".join(
            pack(v) for v in value
        )
    if isinstance(value, dict):
        return _sized(len(value), 0x80, 16, (None, b"\xde", b"\xdf")) + b"".join(
            pack(k) + pack(v) for k, v in value.items()
        )
    raise TypeError(f"no msgpack form for {type(value).__name__}")


def _sized(n: int, fix: int | None, fix_limit: int, heads: tuple[bytes | None, ...]) -> bytes:
    if fix is not None and n < fix_limit:
        return bytes([fix | n])
    for head, size in zip(heads, (1, 2, 4), strict=True):
        if head is not None and n < 1 << (8 * size):
            return head + n.to_bytes(size, "big")
    raise ValueError("too long for msgpack")


def _pack_int(n: int) -> bytes:
    if 0 <= n < 128:
        return bytes([n])
    if -32 <= n < 0:
        return (n & 0xFF).to_bytes(1, "big")
    if n >= 0:
        for head, size in ((0xCC, 1), (0xCD, 2), (0xCE, 4), (0xCF, 8)):
            if n < 1 << (8 * size):
                return bytes([head]) + n.to_bytes(size, "big")
    for head, size in ((0xD0, 1), (0xD1, 2), (0xD2, 4), (0xD3, 8)):
        if n >= -(1 << (8 * size - 1)):
            return bytes([head]) + n.to_bytes(size, "big", signed=True)
    raise ValueError("integer out of msgpack range")


def _pack_timestamp(at: dt.datetime) -> bytes:
    delta = at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    seconds = delta.days * 86400 + delta.seconds
    nanos = delta.microseconds * 1000
    if seconds >> 34 == 0:
        if nanos == 0 and seconds < 1 << 32:
            return b"\xd6\xff" + seconds.to_bytes(4, "big")
        return b"\xd7\xff" + ((nanos << 34) | seconds).to_bytes(8, "big")
    return b"\xc7\x0c\xff" + nanos.to_bytes(4, "big") + seconds.to_bytes(8, "big", signed=True)
