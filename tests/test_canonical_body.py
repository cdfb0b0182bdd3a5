"""One canonical body encoding: what `encode_message` writes, and nothing else opens."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from schemas.errors import Malformed
from schemas.kinds import (
    AssetDescription,
    AssetLegalBasis,
    AssetRequest,
    CaseReferral,
    ExtraditionStatus,
    Money,
    Receipt,
    canonical_message,
    decode_canonical_message,
    decode_message,
    decode_message_json,
    encode_message,
)
from tests import body_layout, forge
from tests.test_kinds import EXAMPLES

enc = msgspec.msgpack.Encoder()
REQUEST_ID = bytes(range(16))
REFERRAL = CaseReferral(case_reference="NG/1", summary="Recruited in Benin City.")
RECEIPT = Receipt(
    receipt_type="delivered",
    message_id=REQUEST_ID,
    envelope_hash=bytes(32),
    at_ms=1_790_000_000_000,
    audit_sequence=7,
)


def hearing(at: dt.datetime) -> ExtraditionStatus:
    return ExtraditionStatus(request_id=REQUEST_ID, status="hearing_scheduled", hearing_at=at)


def test_layout_table_matches_the_code() -> None:
    """docs/message-kinds.md lists every body Struct's fields in wire order with their
    defaults, exactly as the code declares them."""
    assert body_layout.current() == body_layout.render()


def test_maps_have_the_shortest_header() -> None:
    """A kind declaring 17 fields with 3 written is a fixmap of 3 (0x83), not a map 16."""
    data = encode_message(REFERRAL)
    assert data[0] == 0x83
    assert list(msgspec.msgpack.decode(data)) == ["kind", "case_reference", "summary"]


def test_canonical_message_leaves_out_a_default_built_at_run_time() -> None:
    """A default equal in value but not identical ("rou" + "tine") is still left out."""
    routine = "".join(["rou", "tine"])
    body = CaseReferral(summary="s", urgency=routine)  # type: ignore[arg-type]
    assert canonical_message(body) == encode_message(CaseReferral(summary="s"))
    assert decode_canonical_message(canonical_message(body)) == CaseReferral(summary="s")


def _entries() -> list[tuple[str, bytes]]:
    return forge.entries(encode_message(REFERRAL))


NONCANONICAL: dict[str, Callable[[], bytes]] = {
    "duplicate key": lambda: forge.map_of([*_entries(), ("summary", enc.encode("Other."))]),
    "default written": lambda: forge.map_of([*_entries(), ("urgency", enc.encode("routine"))]),
    "nil written for an absent field": lambda: forge.map_of(
        [*_entries()[:2], ("author", b"\xc0"), *_entries()[2:]]
    ),
    "fields out of order": lambda: forge.map_of([_entries()[0], _entries()[2], _entries()[1]]),
    "kind not first": lambda: forge.map_of([*_entries()[1:], _entries()[0]]),
    "map 16 header": lambda: forge.map_of(_entries(), header=b"\xde\x00\x03"),
    "str 8 for a short string": lambda: forge.map_of(
        [*_entries()[:2], ("summary", b"\xd9\x18" + b"Recruited in Benin City.")]
    ),
    "uint 8 for a fixint": lambda: forge.map_of(
        [
            (k, b"\xcc\x07" if k == "audit_sequence" else v)
            for k, v in forge.entries(encode_message(RECEIPT))
        ]
    ),
    "uint 64 for a uint 32": lambda: forge.map_of(
        [
            (k, b"\xcf" + (7).to_bytes(8, "big") if k == "audit_sequence" else v)
            for k, v in forge.entries(encode_message(RECEIPT))
        ]
    ),
    "timestamp as an RFC 3339 string": lambda: forge.map_of(
        [
            (k, enc.encode("2026-03-04T09:30:00Z") if k == "hearing_at" else v)
            for k, v in forge.entries(
                encode_message(hearing(dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC)))
            )
        ]
    ),
    "trailing byte": lambda: encode_message(REFERRAL) + b"\xc0",
}


@pytest.mark.parametrize("case", list(NONCANONICAL))
def test_noncanonical_bodies_are_refused(case: str) -> None:
    """Each alternative encoding decodes to a valid body, and is refused as not canonical."""
    data = NONCANONICAL[case]()
    if case == "trailing byte":
        expected = "message body is not well-formed MessagePack"
    else:
        decode_message(data)  # a lenient decoder reads a body from it
        expected = "message body is not in canonical encoding"
    with pytest.raises(Malformed) as info:
        decode_canonical_message(data)
    assert str(info.value) == expected


def test_duplicate_key_would_have_shown_the_second_value() -> None:
    """The attack the check stops: a lenient decoder reads the later summary."""
    data = NONCANONICAL["duplicate key"]()
    body = decode_message(data)
    assert isinstance(body, CaseReferral)
    assert body.summary == "Other."


@pytest.mark.parametrize(
    ("at", "prefix"),
    [
        (dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC), "d6ff"),  # timestamp 32
        (dt.datetime(2026, 3, 4, 9, 30, 0, 250_000, tzinfo=dt.UTC), "d7ff"),  # timestamp 64
        (dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=dt.UTC), "c70cff"),  # timestamp 96
    ],
)
def test_timestamps_are_the_msgpack_extension_in_shortest_form(
    at: dt.datetime, prefix: str
) -> None:
    """Timestamps are msgpack's extension type -1, in the smallest of its three forms."""
    data = encode_message(hearing(at))
    value = msgspec.msgpack.decode(data)["hearing_at"]
    assert value == at
    assert enc.encode(at).hex().startswith(prefix)
    assert forge.pack(at) == enc.encode(at)
    assert enc.encode(at) in data
    assert decode_canonical_message(data) == hearing(at)


def test_a_timestamp_with_an_offset_is_the_same_instant_in_utc() -> None:
    """An offset is not kept: +02:00 encodes as the UTC instant, and decodes as UTC."""
    local = dt.datetime(2026, 3, 4, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    utc = dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC)
    assert encode_message(hearing(local)) == encode_message(hearing(utc))


def test_dates_and_amounts_are_strings() -> None:
    """Dates are "YYYY-MM-DD" strings; amounts their decimal string as written."""
    request = decode_message_json(
        json.dumps(
            {
                "kind": "asset_request",
                "measure": "freezing",
                "assets": [
                    {
                        "ref": "A1",
                        "type": "bank_account",
                        "description": "Account",
                        "estimated_value": {"amount": "125000.50", "currency": "EUR"},
                    }
                ],
                "facts_summary": "Proceeds.",
                "legal_basis": {"basis": "untoc_art13"},
                "deadline": "2026-04-01",
            }
        )
    )
    assert isinstance(request, AssetRequest)
    decoded = msgspec.msgpack.decode(encode_message(request))
    assert decoded["deadline"] == "2026-04-01"
    assert decoded["assets"][0]["estimated_value"] == {"amount": "125000.50", "currency": "EUR"}


@pytest.mark.parametrize(("written", "canonical"), [("1e3", "1E+3"), ("+5", "5"), ("05", "5")])
def test_amounts_have_one_spelling(written: str, canonical: str) -> None:
    """An amount is the to-scientific-string form of its value: other spellings are refused."""
    money = Money(amount=decimal.Decimal(written), currency="EUR")
    assert str(money.amount) == canonical
    asset = AssetDescription(ref="A1", type="bank_account", description="d", estimated_value=money)
    request = AssetRequest(
        measure="freezing",
        assets=[asset],
        facts_summary="f",
        legal_basis=AssetLegalBasis(basis="untoc_art13"),
    )
    good = encode_message(request)
    assert decode_canonical_message(good) == request
    bad = good.replace(enc.encode(canonical), enc.encode(written))
    assert bad != good
    with pytest.raises(Malformed, match="canonical"):
        decode_canonical_message(bad)


def test_vector_bodies_are_canonical() -> None:
    """The bodies of the committed success vectors re-encode to themselves."""
    vectors = json.loads((Path(__file__).parent / "vectors" / "envelopes.json").read_text())
    for vector in vectors["vectors"]:
        if vector["outcome"] == "success":
            body = decode_message_json(json.dumps(vector["body"]))
            data = encode_message(body)
            assert decode_canonical_message(data) == body


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_encoding_matches_an_independent_writer(kind: str) -> None:
    """Every example body encodes exactly as a hand-written shortest-form writer packs
    its fields, in the order and with the omissions the layout table states."""
    rows = {line.split(" | ")[0].strip("| `"): line for line in body_layout.rows()[2:]}
    data = encode_message(EXAMPLES[kind])
    fields = msgspec.msgpack.decode(data)
    assert forge.pack(_as_packed(fields)) == data
    order = [cell.split("`")[1] for cell in rows[kind].split(" | ")[1].split(", ")]
    assert list(fields) == [name for name in order if name in fields]


def _as_packed(value: Any) -> Any:
    """msgspec decodes timestamps as datetimes already; other values pass unchanged."""
    if isinstance(value, dict):
        return {k: _as_packed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_packed(v) for v in value]
    return value
