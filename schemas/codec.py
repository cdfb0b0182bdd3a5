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
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        # msgspec lets invalid UTF-8 in a str through as Python's own error.
        raise Malformed(f"{what} is not valid msgpack") from exc
    if _encoder.encode(value) != data:
        raise Malformed(f"{what} is not in canonical encoding")
    return value


_QUOTED = re.compile(r"'[^']*'")


def _where(exc: msgspec.ValidationError) -> str:
    """msgspec's message: the expected type and the path (`$[3]`), quoted values removed
    (an invalid enum value would otherwise be echoed)."""
    return _QUOTED.sub("'…'", str(exc))[:200]
