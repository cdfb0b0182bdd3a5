"""Normalisation of names, text and identifier values (Latin, Arabic, Cyrillic)."""

# Arabic and Cyrillic test data is the point of these tests:
# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.errors import MinimisationError
from schemas.minimise import (
    UNICODE_VERSION,
    normalise_address,
    normalise_bank_account,
    normalise_date_of_birth,
    normalise_document,
    normalise_email,
    normalise_identifier,
    normalise_name,
    normalise_phone,
    normalise_text,
)
from schemas.records import Address, Document

SAME_NAME = [
    # Latin: diacritics, case, ß, letters without a decomposition.
    ("José Ñúñez", "JOSE NUNEZ"),
    ("Hélène Lefèvre", "HELENE LEFEVRE"),
    ("Müller", "MULLER"),
    ("Straße", "STRASSE"),
    ("Łukasz Ødegård", "Lukasz Odegard"),
    ("Đorđević", "DORDEVIC"),
    ("Lætitia Cœur", "laetitia coeur"),
    ("İlkay Yıldız", "ILKAY YILDIZ"),
    ("O'Brien-Smith", "o brien smith"),
    # Arabic: harakat, shadda, sukun, tatweel, alef and teh marbuta variants.
    ("فاطِمة الزَّهْراء", "فاطمه الزهراء"),
    ("أحمد", "احمد"),
    ("إبراهيم", "ابراهيم"),
    ("آمنة", "امنه"),
    ("محـــمد", "محمد"),
    ("مصطفى", "مصطفي"),
    ("علی", "علي"),
    ("کریم", "كريم"),
    ("مؤمن", "مومن"),
    ("هانئ", "هاني"),
    ("عبدُ اللهِ", "عبد الله"),
    # Cyrillic: case and ё.
    ("Наталья Ёлкина", "НАТАЛЬЯ ЕЛКИНА"),
    ("Пётр Семёнов", "петр семенов"),
]


@pytest.mark.parametrize(("left", "right"), SAME_NAME)
def test_spelling_variants_normalise_alike(left: str, right: str) -> None:
    """Variants people write for one name give one normalised form, in every script."""
    assert normalise_name(left) == normalise_name(right)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("José Ñúñez", "jose nunez"),
        ("Hélène Lefèvre", "helene lefevre"),
        ("Müller", "muller"),
        ("فاطِمة الزَّهْراء", "فاطمه الزهراء"),
        ("Наталья Ёлкина", "наталья елкина"),
        ("  Blessing \t OKAFOR\n", "blessing okafor"),
        ("Jean-Pierre  d’Arc", "jean pierre d arc"),
        ("رقم ١٤٣", "رقم 143"),
    ],
)
def test_normalise_text_exact_forms(raw: str, expected: str) -> None:
    """normalise_text gives the documented form: folded, separated, spaces collapsed."""
    assert normalise_text(raw) == expected


def test_umlaut_is_dropped_not_expanded() -> None:
    """ü becomes u (Müller = Muller), not ue: German transliteration is not applied."""
    assert normalise_name("Müller") == "muller"
    assert normalise_name("Mueller") != normalise_name("Müller")


def test_cyrillic_short_i_is_kept() -> None:
    """й is a letter of its own, unlike Latin diacritics: Андрей is not Андреи."""
    assert normalise_name("Андрей") == "андрей"
    assert normalise_name("Андрей") != normalise_name("Андреи")


def test_token_order_does_not_matter_for_names() -> None:
    """normalise_name sorts tokens: "Okafor Blessing" is "blessing OKAFOR"."""
    assert normalise_name("Okafor Blessing") == normalise_name("blessing OKAFOR")
    assert normalise_name("الزهراء فاطمة") == normalise_name("فاطمة الزهراء")
    assert normalise_name("Ёлкина Наталья") == normalise_name("Наталья Ёлкина")


def test_token_order_is_kept_for_text() -> None:
    """normalise_text keeps word order: it is for scanning, not for pseudonyms."""
    assert normalise_text("Okafor Blessing") == "okafor blessing"


def test_unicode_version_is_pinned() -> None:
    """The vectors pin Unicode 14.0.0, the database of Python 3.11."""
    assert UNICODE_VERSION == unicodedata.unidata_version == "14.0.0"


@pytest.mark.parametrize("char", ["\u0378", "\U0001f6dc", "\U000e0080"])
def test_unassigned_code_points_are_rejected(char: str) -> None:
    """A code point unassigned in the pinned Unicode version has no stable normal form."""
    with pytest.raises(MinimisationError, match="unassigned"):
        normalise_name(f"Blessing{char}")
    with pytest.raises(MinimisationError, match="unassigned"):
        normalise_text(char)


def test_lone_surrogate_is_rejected() -> None:
    """A lone surrogate is not text and cannot be hashed as UTF-8."""
    with pytest.raises(MinimisationError, match="surrogate"):
        normalise_name("Bless\udc80ing")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2001, 3, 14), "2001-03-14"),
        (dt.datetime(2001, 3, 14, 12, 30), "2001-03-14"),
        ("٢٠٠١-٠٣-١٤", "2001-03-14"),
    ],
)
def test_date_of_birth_is_iso(value: dt.date | str, expected: str) -> None:
    """Dates of birth normalise to YYYY-MM-DD, whatever digits they were written in."""
    assert normalise_date_of_birth(value) == expected


def test_date_of_birth_rejects_other_forms() -> None:
    """A date string that is not ISO is refused rather than guessed (14/03 or 03/14?)."""
    with pytest.raises(MinimisationError, match="ISO"):
        normalise_date_of_birth("14/03/2001")
    with pytest.raises(MinimisationError, match="ISO"):
        normalise_date_of_birth(" 2001-03-14 ")
    with pytest.raises(MinimisationError, match="ISO"):
        normalise_date_of_birth("20010314")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (Document(type="passport", number="a 1234-5678", country="NG"), "A12345678"),
        (Document(type="national_id", number="4510 123456"), "4510123456"),
        (Document(type="residence_permit", number="x.123.456"), "X123456"),
        (Document(type="passport", number="ＡＢ１２３４５６７"), "AB1234567"),
    ],
)
def test_document_form(document: Document, expected: str) -> None:
    """Documents are the NUMBER alone (v2), upper case, without spaces, dashes or dots."""
    assert normalise_document(document) == expected


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("+234 803 555 0199", "+2348035550199"),
        ("0044 20 7946 0958", "+442079460958"),
        ("0803 555 0199", "08035550199"),
        ("8 (916) 123-45-67", "89161234567"),
        ("+7 (916) 123-45-67", "+79161234567"),
        ("٠٨٠٣ ٥٥٥ ٠١٩٩", "08035550199"),
    ],
)
def test_phone_form(phone: str, expected: str) -> None:
    """Phones keep digits and a leading +; a leading 00 becomes +."""
    assert normalise_phone(phone) == expected


def test_email_bank_account_and_address_forms() -> None:
    """E-mails are case-folded, accounts upper case without spaces, addresses as text."""
    assert normalise_email("  Blessing.O@Example.COM ") == "blessing.o@example.com"
    assert normalise_bank_account("gb82 west 1234 5698 7654 32") == "GB82WEST12345698765432"
    assert normalise_address(Address(text="12, Rue de la Paix", region="IDF")) == (
        "12 rue de la paix"
    )


def test_empty_values_are_rejected() -> None:
    """A phone without digits or an empty e-mail is a data error, not an identifier."""
    with pytest.raises(MinimisationError, match="no digits"):
        normalise_phone("unknown")
    with pytest.raises(MinimisationError, match="empty"):
        normalise_email("   ")


def test_normalise_identifier_dispatches_and_checks_types() -> None:
    """normalise_identifier picks the rule for the kind and refuses a mismatched value."""
    assert normalise_identifier("name", "Okafor Blessing") == "blessing okafor"
    assert normalise_identifier("date_of_birth", dt.date(2001, 3, 14)) == "2001-03-14"
    with pytest.raises(MinimisationError, match="not a document"):
        normalise_identifier("document", "A12345678")


@given(st.text())
def test_normalise_name_is_idempotent(text: str) -> None:
    """Normalising a normalised name changes nothing (property)."""
    try:
        once = normalise_name(text)
    except MinimisationError:
        return
    assert normalise_name(once) == once


@given(st.text())
def test_normalise_text_is_idempotent(text: str) -> None:
    """Normalising normalised text changes nothing (property)."""
    try:
        once = normalise_text(text)
    except MinimisationError:
        return
    assert normalise_text(once) == once


def test_upper_case_is_the_full_mapping() -> None:
    """Numbers and accounts use full case mapping: ß becomes SS, U+0149 becomes U+02BC N."""
    assert normalise_document(Document(type="other", number="straße 12")) == "STRASSE12"
    assert normalise_bank_account("\u0149a-1") == "\u02bcNA-1"


@pytest.mark.parametrize(
    "space",
    ["\t", "\u000b", "\u0085", "\u00a0", "\u1680", "\u2003", "\u2028", "\u202f", "\u3000"],
)
def test_white_space_is_the_unicode_property(space: str) -> None:
    """Every White_Space code point is removed from numbers and trimmed from e-mails."""
    assert normalise_document(Document(type="passport", number=f"A12{space}345")) == "A12345"
    assert normalise_bank_account(f"{space}GB82 WEST{space}") == "GB82WEST"
    assert normalise_email(f"{space}a@b.example{space}") == "a@b.example"
    assert normalise_phone(f"{space}+234 803{space}") == "+234803"


@pytest.mark.parametrize("control", ["\u0000", "\u001c", "\u001f", "\u007f", "\u0090"])
def test_control_characters_are_refused(control: str) -> None:
    """A control character that is not white space (U+001C-U+001F included) is refused
    in documents, accounts, phones and e-mails: it is a corrupted value."""
    with pytest.raises(MinimisationError, match="control character"):
        normalise_document(Document(type="passport", number=f"A12{control}345"))
    with pytest.raises(MinimisationError, match="control character"):
        normalise_bank_account(f"GB82{control}WEST")
    with pytest.raises(MinimisationError, match="control character"):
        normalise_phone(f"+234{control}803")
    with pytest.raises(MinimisationError, match="control character"):
        normalise_email(f"a{control}@b.example")


def test_empty_identifiers_of_every_kind() -> None:
    """What remains empty after normalisation: refused for documents, accounts, phones,
    e-mails and dates of birth; the empty form (no pseudonym) for names and addresses."""
    with pytest.raises(MinimisationError, match="empty"):
        normalise_document(Document(type="passport", number=" - . "))
    with pytest.raises(MinimisationError, match="empty"):
        normalise_bank_account("\u3000")
    with pytest.raises(MinimisationError, match="ISO"):
        normalise_date_of_birth("")
    assert normalise_name("'-.") == ""
    assert normalise_address("  ,  ") == ""
