"""Every message kind, their union, and the codec for message bodies.

A body is a msgspec Struct tagged by `kind`. It is encoded with msgpack inside the
encrypted payload; gateways' REST APIs take the same structure as JSON. One typed
decoder per format is built once; decoding errors become `errors.Malformed` with a
message that names the problem and where it is, never the content.

Handlers dispatch with `match`::

    match decode_message(plaintext):
        case MlaRequest() as request: ...
        case MlaStatus(status="refused") as update: ...
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final, Literal, TypeAlias, get_args

import msgspec

from ..codec import has_invalid_utf8
from ..errors import Malformed
from ..records import Body
from .assets import AssetDescription, AssetRequest, VictimCompensationRequest
from .common import (
    AttachmentDescriptor,
    ConductingAuthority,
    CustodyEntry,
    Money,
    Offence,
    PersonConcerned,
)
from .cooperation import IctMisuseAlert, JointInvestigation, NetworkNotice
from .erasure import ErasureConfirmation, ErasureLegalBasis, ErasureNotice
from .evidence import PreservationRequest, VideoconferenceHearing
from .extradition import ExtraditionRequest, ExtraditionStatus
from .legal import (
    AssetLegalBasis,
    CompensationLegalBasis,
    ExtraditionLegalBasis,
    MlaLegalBasis,
)
from .mla import MlaRequest, MlaResponse, MlaStatus, RequestingAuthority
from .receipts import Receipt
from .referral import CaseReferral, SpontaneousInformation
from .statistics import Cell as StatisticsCell
from .statistics import Definitions as StatisticsDefinitions
from .statistics import StatisticsReport
from .status import (
    EXTRADITION_TERMINAL,
    EXTRADITION_TRANSITIONS,
    MLA_TERMINAL,
    MLA_TRANSITIONS,
    ExtraditionStatusCode,
    MlaStatusCode,
    check_extradition_transition,
    check_mla_transition,
)

__all__ = [
    "EXTRADITION_TERMINAL",
    "EXTRADITION_TRANSITIONS",
    "KINDS",
    "MLA_TERMINAL",
    "MLA_TRANSITIONS",
    "AssetDescription",
    "AssetLegalBasis",
    "AssetRequest",
    "AttachmentDescriptor",
    "CaseReferral",
    "CompensationLegalBasis",
    "ConductingAuthority",
    "CustodyEntry",
    "ErasureConfirmation",
    "ErasureLegalBasis",
    "ErasureNotice",
    "ExtraditionLegalBasis",
    "ExtraditionRequest",
    "ExtraditionStatus",
    "ExtraditionStatusCode",
    "IctMisuseAlert",
    "JointInvestigation",
    "Message",
    "MlaLegalBasis",
    "MlaRequest",
    "MlaResponse",
    "MlaStatus",
    "MlaStatusCode",
    "Money",
    "NetworkNotice",
    "Offence",
    "PersonConcerned",
    "PreservationRequest",
    "Receipt",
    "RequestingAuthority",
    "SpontaneousInformation",
    "StatisticsCell",
    "StatisticsDefinitions",
    "StatisticsReport",
    "VictimCompensationRequest",
    "VideoconferenceHearing",
    "canonical_message",
    "check_extradition_transition",
    "check_mla_transition",
    "decode_canonical_message",
    "decode_message",
    "decode_message_json",
    "encode_message",
    "encode_message_json",
    "kind_of",
]

Message: TypeAlias = (
    CaseReferral
    | SpontaneousInformation
    | MlaRequest
    | MlaStatus
    | MlaResponse
    | ExtraditionRequest
    | ExtraditionStatus
    | PreservationRequest
    | VideoconferenceHearing
    | AssetRequest
    | VictimCompensationRequest
    | JointInvestigation
    | IctMisuseAlert
    | NetworkNotice
    | ErasureNotice
    | ErasureConfirmation
    | StatisticsReport
    | Receipt
)
"""Any message body; the `kind` field says which."""


def _tag(cls: type[Body]) -> str:
    tag = cls.__struct_config__.tag
    if not isinstance(tag, str):  # pragma: no cover - a kind defined without its tag
        raise TypeError(f"{cls.__name__} has no string tag")
    return tag


KINDS: Final[dict[str, type[Body]]] = {_tag(cls): cls for cls in get_args(Message)}
"""Tag (the body's `kind`, and the binding's) → Struct class. Read-only by convention."""

_KIND_OF: Final[dict[type[Body], str]] = {cls: tag for tag, cls in KINDS.items()}


def kind_of(msg: Message) -> str:
    """The tag of a message body, as the envelope binding's `kind` must state it."""
    return _KIND_OF[type(msg)]


# --- codec ----------------------------------------------------------------------------

_MSGPACK_DECODER: Final[msgspec.msgpack.Decoder[Message]] = msgspec.msgpack.Decoder(Message)
_MSGPACK_ENCODER: Final = msgspec.msgpack.Encoder()
_JSON_DECODER: Final[msgspec.json.Decoder[Message]] = msgspec.json.Decoder(Message)
_JSON_ENCODER: Final = msgspec.json.Encoder()

_Format = Literal["MessagePack", "JSON"]

# msgspec's validation messages end in " - at `$.path`". Some of them quote what the
# sender wrote (an unknown field's name, a value outside an enumeration, an unknown
# tag), so those are replaced by a fixed phrase; the others describe only the schema.
_AT = re.compile(r" - at `(?P<path>[^`]*)`$")
_SAFE_PATH = re.compile(r"\$(?:\.[a-z_][a-z0-9_]*|\[[0-9]{1,6}\])*")
_MISSING = re.compile(r"Object missing required field `(?P<field>[a-z_][a-z0-9_]{0,40})`")
_MAX_PROBLEM = 200


def _problem(exc: msgspec.ValidationError) -> str:
    text = str(exc)
    match = _AT.search(text)
    head = text[: match.start()] if match else text
    path = match["path"] if match and _SAFE_PATH.fullmatch(match["path"]) else "$"
    if head.startswith("Object contains unknown field"):
        problem = "unknown field"
    elif missing := _MISSING.fullmatch(head):
        problem = f"missing required field {missing['field']}"
    elif head.startswith("Object missing required field"):
        problem = "missing required field"
    elif head.startswith(("Invalid enum value", "Invalid value")):
        problem = "unknown kind" if path == "$.kind" else "value not allowed"
    else:
        problem = head[:_MAX_PROBLEM]
    return f"{problem} at {path}"


def _malformed(
    exc: msgspec.MsgspecError | UnicodeDecodeError, fmt: _Format, data: bytes | str
) -> Malformed:
    if isinstance(exc, msgspec.ValidationError):
        return Malformed(f"message body does not match its kind: {_problem(exc)}")
    if _has_invalid_utf8(data, fmt):
        return Malformed(f"message body has a {fmt} string that is not valid UTF-8")
    return Malformed(f"message body is not well-formed {fmt}")


def _has_invalid_utf8(data: bytes | str, fmt: _Format) -> bool:
    # Decided from the bytes, not from msgspec's error: releases report invalid UTF-8
    # differently (Python's UnicodeDecodeError before 0.23, a DecodeError since). JSON
    # text is UTF-8 as a whole; in msgpack only str items are text.
    if isinstance(data, str):
        return False
    if fmt == "MessagePack":
        return has_invalid_utf8(data)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def decode_message(data: bytes) -> Message:
    """Decode a msgpack message body.

    Raises `errors.Malformed` for bytes that are not msgpack, an unknown kind, an
    unknown or missing field, a value out of its bounds or a broken invariant.
    """
    try:
        return _MSGPACK_DECODER.decode(data)
    # Some msgspec releases report a string that is not UTF-8 with Python's own error.
    except (msgspec.MsgspecError, UnicodeDecodeError) as exc:
        raise _malformed(exc, "MessagePack", data) from exc


# Structs become maps through `to_builtins` rather than directly: msgspec writes an
# omit-defaults Struct with the map header sized for all its declared fields (map16 from
# 16 fields on, whatever is written), a quirk no other encoder shares. A dict gets the
# shortest header, so the canonical form is plain shortest-form msgpack
# (docs/wire-format.md §7.1). Timestamps stay datetimes: msgpack's timestamp extension.
_KEEP: Final = (bytes, dt.datetime)


def encode_message(msg: Message) -> bytes:
    """Encode a message body as msgpack: a map per Struct, `kind` first, fields in
    declared order, fields equal to their default omitted, every length and integer in
    its shortest form. For a decoded body this is its canonical encoding."""
    return _MSGPACK_ENCODER.encode(msgspec.to_builtins(msg, builtin_types=_KEEP))


def canonical_message(msg: Message) -> bytes:
    """The canonical encoding of a body built in code, validated as a receiver would.

    msgspec omits a default by identity, so a default value built at run time (a
    `"routine"` assembled from parts) would be written out, and every receiver would
    refuse the body as not canonical; a decode and re-encode settles that. Raises
    `errors.Malformed` for a body that does not decode as its kind.
    """
    return encode_message(decode_message(encode_message(msg)))


def decode_canonical_message(data: bytes) -> Message:
    """`decode_message`, and `errors.Malformed` unless `data` is the canonical encoding
    of what it decodes to (`encode_message(decode_message(data)) == data`): duplicate
    keys, long length or integer forms, fields out of order or a default written out
    would otherwise let two implementations read one signed body differently."""
    msg = decode_message(data)
    if encode_message(msg) != data:
        raise Malformed("message body is not in canonical encoding")
    return msg


def decode_message_json(data: bytes | str) -> Message:
    """Decode a JSON message body (bytes as base64, dates as RFC 3339, amounts as
    decimal strings); errors as `decode_message`."""
    try:
        return _JSON_DECODER.decode(data)
    except (msgspec.MsgspecError, UnicodeDecodeError) as exc:
        raise _malformed(exc, "JSON", data) from exc


def encode_message_json(msg: Message) -> bytes:
    """Encode a message body as JSON, in the form `decode_message_json` reads."""
    return _JSON_ENCODER.encode(msg)
