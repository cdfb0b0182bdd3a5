"""Linkage keys and keyed pseudonyms."""

from __future__ import annotations

import pickle

import pytest

from schemas import _crypto
from schemas.errors import MinimisationError
from schemas.minimise import LinkageKey, normalise_identifier, normalise_name, pseudonym
from schemas.records import Document

KEY_A = LinkageKey(bytes(range(32)))
KEY_B = LinkageKey(bytes(range(32, 64)))


def test_same_key_links_spelling_variants() -> None:
    """Two authorities with one key link a person across spelling noise and token order."""
    sent = pseudonym(KEY_A, "name", normalise_name("Okafor, BLESSING"))
    received = pseudonym(KEY_A, "name", normalise_name("Blessing Okafor"))
    assert sent == received


def test_different_keys_do_not_link() -> None:
    """Without the same key the pseudonyms of one person are unrelated."""
    value = normalise_name("Blessing Okafor")
    assert pseudonym(KEY_A, "name", value).value != pseudonym(KEY_B, "name", value).value
    assert pseudonym(KEY_A, "name", value).key_id != pseudonym(KEY_B, "name", value).key_id


def test_kinds_are_separated() -> None:
    """The same characters as a phone and as an account give different pseudonyms."""
    assert pseudonym(KEY_A, "phone", "08035550199") != pseudonym(
        KEY_A, "bank_account", "08035550199"
    )


def test_document_links_whatever_the_country_and_type_recorded() -> None:
    """Version 2: one document recorded with or without its country, or as another type,
    gives one pseudonym; another number gives another."""
    recorded = [
        Document(type="passport", number="A1234 567", country="NG"),
        Document(type="passport", number="a1234567"),
        Document(type="travel_document", number="A-1234-567", country="NG"),
    ]
    made = {pseudonym(KEY_A, "document", normalise_identifier("document", d)) for d in recorded}
    assert len(made) == 1
    other = normalise_identifier("document", Document(type="passport", number="A1234568"))
    assert pseudonym(KEY_A, "document", other) not in made


def test_document_pseudonym_has_its_own_version() -> None:
    """Documents hash under label v2 (their normalised value changed), other kinds v1."""
    made = pseudonym(KEY_A, "document", "A1234567")
    data = b"palermo/pseudonym/v2\x00document\x00A1234567"
    assert made.value == _crypto.blake2b(data, size=32, key=bytes(range(32)))[:16]


def test_derivation_matches_specification() -> None:
    """value = BLAKE2b-256(key, label ‖ 0 ‖ kind ‖ 0 ‖ value)[:16]; key id as documented."""
    made = pseudonym(KEY_A, "email", "blessing.o@example.com")
    data = b"palermo/pseudonym/v1\x00email\x00blessing.o@example.com"
    assert made.value == _crypto.blake2b(data, size=32, key=bytes(range(32)))[:16]
    assert made.key_id == _crypto.blake2b(b"palermo/linkage-keyid/v1" + bytes(range(32)))[:8]
    assert made.kind == "email"


def test_key_is_never_shown() -> None:
    """repr and str show the key id only, never the secret bytes."""
    secret = bytes(range(32))
    shown = repr(KEY_A) + str(KEY_A)
    assert secret.hex() not in shown
    assert KEY_A.key_id.hex() in shown


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_key_length_is_checked(size: int) -> None:
    """A linkage key must be exactly 32 bytes."""
    with pytest.raises(MinimisationError, match="32 bytes"):
        LinkageKey(bytes(size))


def test_generate_uses_the_randomness_seam() -> None:
    """generate() draws 32 bytes from the given source (libsodium's CSPRNG by default)."""
    assert LinkageKey.generate(lambda n: bytes([7]) * n).key == bytes([7]) * 32
    assert LinkageKey.generate() != LinkageKey.generate()


def test_key_is_immutable_and_not_picklable() -> None:
    """A key cannot be altered, and is not copied into pickles by accident."""
    with pytest.raises(AttributeError):
        KEY_A._key = bytes(32)
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(KEY_A)


def test_equal_keys_compare_equal() -> None:
    """Keys with the same bytes are equal and hash alike."""
    again = LinkageKey(bytes(range(32)))
    assert again == KEY_A
    assert hash(again) == hash(KEY_A)
    assert again != KEY_B
