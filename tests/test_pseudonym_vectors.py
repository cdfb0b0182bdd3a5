"""Replay of the committed pseudonym vectors (tests/vectors/pseudonyms.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from schemas import _crypto
from schemas.errors import MinimisationError
from schemas.minimise import UNICODE_VERSION, LinkageKey, normalise_identifier, pseudonym
from schemas.records import Document

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "pseudonyms.json").read_text(encoding="utf-8")
)


def _value(vector: dict[str, Any]) -> Any:
    if vector["kind"] == "document":
        return msgspec.convert(vector["input"], Document)
    return vector["input"]


def test_vectors_pin_the_running_unicode_version() -> None:
    """The vectors were made with the Unicode database this Python ships (14.0.0)."""
    assert VECTORS["unicode_version"] == UNICODE_VERSION == "14.0.0"


def test_vectors_cover_every_script_and_kind() -> None:
    """Latin, Arabic and Cyrillic, and all seven identifier kinds, are covered."""
    vectors = VECTORS["vectors"]
    assert {v["script"] for v in vectors} == {"latin", "arabic", "cyrillic"}
    assert {v["kind"] for v in vectors} == {
        "name",
        "date_of_birth",
        "document",
        "phone",
        "email",
        "address",
        "bank_account",
    }
    assert len({v["key_hex"] for v in vectors}) == 2


@pytest.mark.parametrize(
    "vector",
    VECTORS["vectors"],
    ids=[f"{v['script']}-{v['kind']}-{i}" for i, v in enumerate(VECTORS["vectors"])],
)
def test_vector(vector: dict[str, Any]) -> None:
    """Each input normalises to the recorded form and hashes to the recorded pseudonym."""
    key_bytes = bytes.fromhex(vector["key_hex"])
    normalised = normalise_identifier(vector["kind"], _value(vector))
    assert normalised == vector["normalised"]
    made = pseudonym(LinkageKey(key_bytes), vector["kind"], normalised)
    assert made.value.hex() == vector["pseudonym_hex"]
    assert made.key_id.hex() == vector["key_id_hex"]
    # The same value straight from the documented formula, not through `pseudonym`.
    label = b"palermo/pseudonym/v2" if vector["kind"] == "document" else b"palermo/pseudonym/v1"
    data = label + b"\x00" + vector["kind"].encode() + b"\x00" + normalised.encode()
    assert _crypto.blake2b(data, size=32, key=key_bytes)[:16].hex() == vector["pseudonym_hex"]


def test_spelling_variants_share_a_vector_value() -> None:
    """Recorded variants of one name (case, order, diacritics, harakat) share a pseudonym."""
    by_input = {
        (v["input"], v["key_hex"]): v["pseudonym_hex"]
        for v in VECTORS["vectors"]
        if v["kind"] == "name"
    }
    key = bytes(range(32)).hex()
    for left, right in [
        ("Blessing Okafor", "okafor, BLESSING"),
        ("José Ñúñez", "JOSE NUNEZ"),
        ("فاطِمة الزَّهْراء", "فاطمه الزهراء"),
        ("أحمد", "احمد"),
        ("Наталья Ёлкина", "НАТАЛЬЯ ЕЛКИНА"),
    ]:
        assert by_input[left, key] == by_input[right, key]


@pytest.mark.parametrize(
    "vector", VECTORS["refused"], ids=[f"{v['kind']}-{i}" for i, v in enumerate(VECTORS["refused"])]
)
def test_refused_vector(vector: dict[str, Any]) -> None:
    """Each refused input raises the minimisation error the file names, never a value."""
    with pytest.raises(MinimisationError) as info:
        normalise_identifier(vector["kind"], _value(vector))
    assert info.value.code == vector["code"] == "minimisation"


def test_refused_vectors_cover_the_rules() -> None:
    """Refusals cover a padded date of birth, control characters and empty values."""
    inputs = [json.dumps(v["input"]) for v in VECTORS["refused"]]
    assert '" 2008-03-14"' in inputs
    assert any("\\u001f" in text or "\\u001c" in text for text in inputs)
    assert {v["kind"] for v in VECTORS["refused"]} >= {"date_of_birth", "document", "email"}
