"""Canonical msgpack encoding.

A signed structure is accepted only if re-encoding its decoded value gives back the
very bytes that were signed (`encode(decode(b)) == b`). msgspec always writes the
shortest integer form, `bin` for bytes and `str` for text, so this single comparison
rules out duplicate map keys, long integer forms, `str`-for-`bin` and trailing bytes:
two implementations can never read different fields from one signature.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from .errors import Malformed

T = TypeVar("T")

_encoder = msgspec.msgpack.Encoder()


def encode(value: Any) -> bytes:
    """The msgpack encoding of `value` (a Struct, list, bytes, int, ...)."""
    return _encoder.encode(value)


def decode_canonical(data: bytes, decoder: msgspec.msgpack.Decoder[T], what: str) -> T:
    """Decode `data` with `decoder`; `Malformed` unless it decodes and is canonical.

    `what` names the structure in the error ("envelope", "header", "binding"). The
    error never quotes the input: before a signature is checked it is attacker-chosen.
    """
    try:
        value = decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise Malformed(f"{what} does not match its schema: {_where(exc)}") from exc
    # msgspec releases report a str that is not UTF-8 in different ways (Python's own
    # UnicodeDecodeError before 0.23, a DecodeError with its own wording since), so the
    # error text is decided here from the bytes, never from msgspec's message.
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        if has_invalid_utf8(data):
            raise Malformed(f"{what} has a string that is not valid UTF-8") from exc
        raise Malformed(f"{what} is not valid msgpack") from exc
    if _encoder.encode(value) != data:
        raise Malformed(f"{what} is not in canonical encoding")
    return value


_QUOTED = re.compile(r"'[^']*'")


def _where(exc: msgspec.ValidationError) -> str:
    """msgspec's message: the expected type and the path (`$[3]`), quoted values removed
    (an invalid enum value would otherwise be echoed)."""
    return _QUOTED.sub("'…'", str(exc))[:200]


# msgpack type bytes followed by a fixed number of bytes that hold no string: nil, false,
# true, floats, integers, fixext (type byte + data), and the count of an array16/32 or
# map16/32 (their items follow as items of their own).
_FIXED: dict[int, int] = {
    0xC0: 0, 0xC2: 0, 0xC3: 0, 0xCA: 4, 0xCB: 8,
    0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8, 0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8,
    0xD4: 2, 0xD5: 3, 0xD6: 5, 0xD7: 9, 0xD8: 17,
    0xDC: 2, 0xDD: 4, 0xDE: 2, 0xDF: 4,
}  # fmt: skip
# Type bytes followed by a big-endian length: (width of the length, bytes between the
# length and the data, whether the data is a str). bin8-32, ext8-32, str8-32.
_SIZED: dict[int, tuple[int, int, bool]] = {
    0xC4: (1, 0, False), 0xC5: (2, 0, False), 0xC6: (4, 0, False),
    0xC7: (1, 1, False), 0xC8: (2, 1, False), 0xC9: (4, 1, False),
    0xD9: (1, 0, True), 0xDA: (2, 0, True), 0xDB: (4, 0, True),
}  # fmt: skip


def has_invalid_utf8(data: bytes) -> bool:
    """Whether a msgpack str in `data` is not valid UTF-8.

    For telling that error apart from others after a decoder has refused `data`. The
    bytes are read as a flat run of msgpack items (an array or map header is an item;
    its elements are the items after it), in one pass whatever the nesting. Reading
    stops with False at a truncated item or the unused type byte 0xc1: those bytes are
    malformed, but for another reason. bin and ext data are skipped, not read as text.
    """
    view = memoryview(data)
    pos, end = 0, len(view)
    while pos < end:
        kind = view[pos]
        pos += 1
        if kind < 0xA0 or kind >= 0xE0:  # fixint, fixmap, fixarray, negative fixint
            continue
        if kind < 0xC0:  # fixstr
            length, is_str = kind & 0x1F, True
        elif (size := _FIXED.get(kind)) is not None:
            pos += size
            continue
        elif (sized := _SIZED.get(kind)) is not None:
            width, gap, is_str = sized
            if pos + width > end:
                return False
            length = int.from_bytes(view[pos : pos + width], "big") + gap
            pos += width
        else:  # 0xc1, never used
            return False
        if pos + length > end:
            return False
        if is_str:
            try:
                str(view[pos : pos + length], "utf-8")
            except UnicodeDecodeError:
                return True
        pos += length
    return False
