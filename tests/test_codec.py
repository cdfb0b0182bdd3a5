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
