"""Canonical encoding: round trips, and every non-canonical form refused."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import codec
from schemas.errors import Malformed
from schemas.wire import AttachmentRef, Binding, CheckpointRef, Header, ReceiptRef, Recipient

_binding_decoder = msgspec.msgpack.Decoder(Binding)
_header_decoder = msgspec.msgpack.Decoder(Header)

ids = st.binary(min_size=16, max_size=16)
hashes = st.binary(min_size=32, max_size=32)
uints = st.integers(min_value=0, max_value=2**63 - 1)
authority = st.from_regex(r"\A[a-z]{2}-[a-z0-9]{1,30}\Z")
bindings = st.builds(
    Binding,
    version=st.just(1),
    message_id=ids,
    kind=st.from_regex(r"\A[a-z][a-z_]{0,39}\Z"),
    sender=authority,
    sender_key_id=ids,
    recipients=st.lists(st.builds(Recipient, authority, ids), min_size=1, max_size=8),
    thread_id=ids,
    sequence=uints,
    in_reply_to=st.none() | ids,
    created_ms=uints,
    expires_ms=uints,
    priority=st.sampled_from(["routine", "urgent", "immediate"]),
    handling=st.sampled_from(["H0", "H1", "H2", "H3"]),
    victim_level=st.sampled_from(["none", "pseudonymised", "disclosed"]),
    legal_basis=st.none() | st.sampled_from(["victim_consent", "court_order"]),
    attachments=st.lists(st.builds(AttachmentRef, ids, uints, hashes), max_size=4),
    checkpoint=st.none() | st.builds(CheckpointRef, uints, hashes),
    receipt=st.none()
    | st.builds(ReceiptRef, st.sampled_from(["delivered", "retrieved"]), st.none())
    | st.builds(ReceiptRef, st.just("non_retrieval"), st.sampled_from(["malformed", "other"])),
    key_commitment=hashes,
)


@settings(max_examples=300, deadline=None)
@given(bindings)
def test_binding_round_trips(binding: Binding) -> None:
    """Any valid binding encodes to bytes that decode canonically to the same value."""
    data = codec.encode(binding)
    assert codec.decode_canonical(data, _binding_decoder, "binding") == binding


@settings(max_examples=100, deadline=None)
@given(
    st.binary(min_size=1, max_size=200),
    st.lists(st.binary(min_size=80, max_size=80), min_size=1, max_size=4),
    hashes,
    uints,
)
def test_header_round_trips(binding: bytes, wrapped: list[bytes], digest: bytes, n: int) -> None:
    """Any valid header encodes to bytes that decode canonically to the same value."""
    header = Header(binding, wrapped, digest, n)
    assert codec.decode_canonical(codec.encode(header), _header_decoder, "header") == header


def _sample() -> Binding:
    return Binding(
        1,
        bytes(16),
        "case_referral",
        "ng-naptip",
        bytes(16),
        [Recipient("it-dna", bytes(16))],
        bytes(16),
        0,
        None,
        5,
        10,
        "routine",
        "H0",
        "none",
        None,
        [],
        None,
        None,
        bytes(32),
    )


def test_long_integer_form_refused() -> None:
    """The version written as uint8 (0xcc 0x01) instead of fixint decodes but is refused."""
    data = codec.encode(_sample())
    assert data[3] == 0x01
    longer = data[:3] + b"\xcc\x01" + data[4:]
    assert msgspec.msgpack.decode(longer, type=Binding) == _sample()
    with pytest.raises(Malformed, match="not in canonical encoding"):
        codec.decode_canonical(longer, _binding_decoder, "binding")


def test_array32_header_refused() -> None:
    """The binding's 19-field array written in the 32-bit length form is refused."""
    data = codec.encode(_sample())
    assert data[:3] == b"\xdc\x00\x13"  # array16, the shortest form for 19 elements
    longer = b"\xdd\x00\x00\x00\x13" + data[3:]
    assert msgspec.msgpack.decode(longer, type=Binding) == _sample()
    with pytest.raises(Malformed, match="not in canonical encoding"):
        codec.decode_canonical(longer, _binding_decoder, "binding")


def test_trailing_bytes_refused() -> None:
    """Bytes after the binding are refused."""
    with pytest.raises(Malformed):
        codec.decode_canonical(codec.encode(_sample()) + b"\x00", _binding_decoder, "binding")


def test_str_for_bin_refused() -> None:
    """A byte field sent as a msgpack str is refused."""
    data = codec.encode(_sample())
    as_str = data.replace(b"\xc4\x10" + bytes(16), b"\xb0" + bytes(16), 1)
    with pytest.raises(Malformed):
        codec.decode_canonical(as_str, _binding_decoder, "binding")


def test_invalid_enum_value_not_echoed() -> None:
    """A bad enum value is refused without quoting the attacker's bytes."""
    data = codec.encode(_sample()).replace(b"\xa7routine", b"\xa7SECRETX")
    with pytest.raises(Malformed) as info:
        codec.decode_canonical(data, _binding_decoder, "binding")
    assert "SECRETX" not in str(info.value)


# --- invalid UTF-8 --------------------------------------------------------------------


def test_invalid_utf8_in_binding_named_as_such() -> None:
    """A binding whose str field is not UTF-8 is Malformed with the project's own text,
    whatever the msgspec release says about it."""
    data = codec.encode(_sample()).replace(b"\xa7routine", b"\xa7rout\xffne")
    with pytest.raises(Malformed) as info:
        codec.decode_canonical(data, _binding_decoder, "binding")
    assert str(info.value) == "binding has a string that is not valid UTF-8"
    assert isinstance(info.value.__cause__, msgspec.DecodeError | UnicodeDecodeError)


def test_truncated_header_is_not_valid_msgpack() -> None:
    """Bytes cut short are Malformed as not msgpack, not as a UTF-8 problem."""
    data = codec.encode(Header(codec.encode(_sample()), [bytes(80)], bytes(32), 1024))
    with pytest.raises(Malformed) as info:
        codec.decode_canonical(data[:-5], _header_decoder, "header")
    assert str(info.value) == "header is not valid msgpack"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xa3abc", False),
        (b"\xa2\xc3\x28", True),  # fixstr
        (b"\xd9\x02\xc3\x28", True),  # str8
        (b"\xda\x00\x02\xc3\x28", True),  # str16
        (b"\xdb\x00\x00\x00\x02\xc3\x28", True),  # str32
        (b"\x81\xa1\xff\x01", True),  # a map key
        (b"\x92\x01\x91\xa1\xff", True),  # nested in arrays
        (b"\xdc\x00\x01\xa1\xff", True),  # after an array16 header
        (b"\xc4\x02\xa1\xff", False),  # bin bytes that look like a str are data
        (b"\xc5\x00\x02\xa1\xff\xa1a", False),  # bin16, then a good str
        (b"\xc6\x00\x00\x00\x02\xa1\xff\xa1\xff", True),  # bin32, then a bad str
        (b"\xc7\x02\x05\xa1\xff", False),  # ext8: type byte, then data
        (b"\xd4\x05\xa1", False),  # fixext1
        (b"\xd8\x05" + b"\xa1\xff" * 8, False),  # fixext16
        (b"\xcb" + b"\xa1\xff\xa1\xff\xa1\xff\xa1\xff", False),  # float64 bytes
        (b"\xcd\xa1\xff\xa1a", False),  # uint16, then a good str
        (b"\xa5ab", False),  # truncated str: malformed, but not invalid UTF-8
        (b"\xd9", False),  # truncated length
        (b"\xc1\xa1\xff", False),  # never-used type byte stops the reading
        (b"", False),
    ],
)
def test_has_invalid_utf8(data: bytes, expected: bool) -> None:
    """Every str form is read as UTF-8; bin, ext and number bytes are skipped."""
    assert codec.has_invalid_utf8(data) is expected


_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats() | st.text()
    | st.binary(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_values)
def test_encoded_values_have_no_invalid_utf8(value: object) -> None:
    """Whatever msgspec encodes (bytes included, any content) reads as valid UTF-8."""
    assert not codec.has_invalid_utf8(codec.encode(value))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_has_invalid_utf8_agrees_with_a_decoder(data: bytes) -> None:
    """On any bytes it answers without raising, and never flags what msgspec decodes."""
    try:
        msgspec.msgpack.decode(data)
    except Exception:  # whatever a release raises (0.19: TypeError for a map as a key)
        assert isinstance(codec.has_invalid_utf8(data), bool)
    else:
        assert not codec.has_invalid_utf8(data)
