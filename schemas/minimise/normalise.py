"""Normalisation of names, free text and identifier values before pseudonymisation.

Every step is spelled out in `docs/minimisation.md` so that a gateway written in another
language derives byte-identical normalised forms, and therefore the same pseudonyms.
The steps depend on the Unicode character database; the test vectors pin the version
that Python 3.11 ships (`UNICODE_VERSION`), and code points unassigned in it are
rejected so that a later Unicode version cannot silently change a pseudonym.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from typing import Final

from ..errors import MinimisationError
from ..records import Address, Document, PseudonymKind

UNICODE_VERSION: Final = unicodedata.unidata_version
"""Unicode version of the running character database; the vectors pin "14.0.0"."""

# Latin letters whose diacritics are dropped. Only Latin: in Cyrillic the breve of й
# distinguishes a letter, and Arabic marks have their own explicit list below.
_LATIN_RANGES: Final = (
    (0x0041, 0x005A),
    (0x0061, 0x007A),
    (0x00C0, 0x024F),
    (0x1E00, 0x1EFF),
    (0x2C60, 0x2C7F),
    (0xA720, 0xA7FF),
    (0xAB30, 0xAB6F),
)

# Harakat and Quranic annotation marks are optional in writing, and tatweel is only a
# typographic stretch: the same name is written with and without them.
_ARABIC_REMOVED: Final = frozenset([*range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE), 0x0640])

# Letters without a Unicode decomposition that people nonetheless write plainly, and
# Arabic letter variants that are used interchangeably in names. Keys are lowercase
# because the map runs after case folding.
_LETTER_MAP: Final = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ł": "l",
        "æ": "ae",
        "œ": "oe",
        "\u0131": "i",  # dotless i (Turkish)
        "ħ": "h",
        "ŧ": "t",
        "ð": "d",
        "þ": "th",
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0622": "\u0627",  # alef with madda -> alef
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u0649": "\u064a",  # alef maksura -> yeh
        "\u06cc": "\u064a",  # Farsi yeh -> yeh
        "\u06a9": "\u0643",  # keheh -> kaf
        "\u0624": "\u0648",  # waw with hamza -> waw
        "\u0626": "\u064a",  # yeh with hamza -> yeh
        "\u0451": "\u0435",  # Cyrillic io -> ie
    }
)


@functools.lru_cache(maxsize=4096)
def _is_latin(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _LATIN_RANGES)


_ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+")

WHITE_SPACE: Final = frozenset(
    chr(c)
    for c in (
        *range(0x0009, 0x000E),
        0x0020,
        0x0085,
        0x00A0,
        0x1680,
        *range(0x2000, 0x200B),
        0x2028,
        0x2029,
        0x202F,
        0x205F,
        0x3000,
    )
)
"""Unicode's White_Space property (PropList.txt 14.0.0), spelled out: "white space" and
"trimmed" in docs/minimisation.md mean exactly these. Not `str.isspace`, which also
counts the separators U+001C-U+001F, nor Java's `isWhitespace`, which leaves out the
no-break spaces: every implementation must remove the same code points."""
_TRIM: Final = "".join(sorted(WHITE_SPACE))


def _check_value(text: str) -> None:
    """`_check_assigned`, and no control characters other than white space: a number,
    account or address with a control code in it is a corrupted value, not a spelling."""
    _check_assigned(text)
    for char in text:
        if unicodedata.category(char) == "Cc" and char not in WHITE_SPACE:
            raise MinimisationError(f"control character U+{ord(char):04X} in an identifier")


def _check_assigned(text: str) -> None:
    for char in text:
        category = unicodedata.category(char)
        if category == "Cn":
            raise MinimisationError(
                f"code point U+{ord(char):04X} is unassigned in Unicode {UNICODE_VERSION}; "
                "it has no stable normalisation"
            )
        if category == "Cs":
            raise MinimisationError(f"lone surrogate U+{ord(char):04X} is not text")


def fold(text: str, *, strict: bool = True) -> str:
    """Fold `text` character by character, keeping punctuation and spacing.

    NFKC, full case folding, removal of format characters, Arabic marks and tatweel,
    removal of nonspacing marks on Latin letters, NFC, the letter map, and decimal
    digits of every script to ASCII. `normalise_text` is this plus tokenisation; the
    scanner uses it to match keywords and dates written with punctuation.

    With `strict` (the default) unassigned code points and lone surrogates raise
    `MinimisationError`; without it they become spaces, which is what scanning wants:
    a scan must not fail on text it cannot fully read.
    """
    if text.isascii():
        # Every step below is the identity on ASCII except case folding, which is
        # `lower` there; most referral text takes this path.
        return text.lower()
    if strict:
        _check_assigned(text)
    else:
        text = "".join(" " if unicodedata.category(c) in ("Cn", "Cs") else c for c in text)
    text = unicodedata.normalize("NFKC", text).casefold()
    # Format characters (bidi marks, zero-width joiners, soft hyphens) and the Arabic
    # marks go first, so that the Latin-mark rule below sees the letter they sat beside.
    chars = [
        c
        for c in unicodedata.normalize("NFD", text)
        if ord(c) not in _ARABIC_REMOVED and unicodedata.category(c) != "Cf"
    ]
    kept: list[str] = []
    after_latin = False
    for char in chars:
        if unicodedata.category(char) == "Mn":
            if after_latin:
                continue
        else:
            after_latin = _is_latin(char)
        kept.append(char)
    text = unicodedata.normalize("NFC", "".join(kept)).translate(_LETTER_MAP)
    return "".join(
        str(unicodedata.decimal(c)) if unicodedata.category(c) == "Nd" else c for c in text
    )


def tokens(folded: str) -> list[str]:
    """Split folded text into tokens: every code point that is not a letter, a mark or
    a number (punctuation, hyphens, apostrophes, symbols, spaces) separates tokens."""
    if folded.isascii():
        return _ASCII_TOKEN.findall(folded)
    return "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in folded).split()


def normalise_text(text: str) -> str:
    """Normalised form of free text or an address: `fold`, then tokens joined by one space.

    Raises `MinimisationError` for code points unassigned in `UNICODE_VERSION`.
    """
    return " ".join(tokens(fold(text)))


def normalise_name(text: str) -> str:
    """Normalised form of a person's name: `normalise_text` with its tokens sorted.

    Sorting (by code point) makes token order irrelevant, so "Okafor Blessing" and
    "blessing OKAFOR" give the same form. Raises `MinimisationError` for code points
    unassigned in `UNICODE_VERSION`.
    """
    return " ".join(sorted(tokens(fold(text))))


def normalise_date_of_birth(value: dt.date | str) -> str:
    """ISO 8601 "YYYY-MM-DD" of a date, or of a string holding one in that form."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        text = fold(value)
        # Only the extended form, with nothing around it: Python also reads "20010314",
        # other languages may not, and trimming would be one more rule to agree on.
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise MinimisationError("date of birth is not an ISO date (YYYY-MM-DD)")
        try:
            value = dt.date.fromisoformat(text)
        except ValueError as exc:
            raise MinimisationError("date of birth is not an ISO date (YYYY-MM-DD)") from exc
    return value.isoformat()


def _compact(text: str, *, drop_dashes: bool) -> str:
    _check_value(text)
    text = unicodedata.normalize("NFKC", text)
    out = []
    for char in text:
        category = unicodedata.category(char)
        if char in WHITE_SPACE or (drop_dashes and (category == "Pd" or char == ".")):
            continue
        out.append(str(unicodedata.decimal(char)) if category == "Nd" else char)
    # Full case mapping (SpecialCasing.txt's unconditional rules, no locale): "ß" becomes
    # "SS", as Java's toUpperCase(Locale.ROOT) and JavaScript's toUpperCase do.
    return "".join(out).upper()


def normalise_document(document: Document) -> str:
    """NUMBER: the number in NFKC upper case without spaces, dashes or dots.

    Neither the issuing country nor the document type is part of it (version 2 of the
    document pseudonym): one authority records the country and another does not, one
    calls a document a travel document and another a passport, and the same number
    must still link. Equal numbers of different people's documents are rare, and a
    link also weighs the names and dates of birth (`schemas.minimise.linkage`).
    """
    number = _compact(document.number, drop_dashes=True)
    if not number:
        raise MinimisationError("document number is empty")
    return number


def normalise_phone(value: str) -> str:
    """Digits only, keeping a leading "+"; a leading "00" becomes "+".

    National and international forms of one number stay different ("0803…" against
    "+234803…"): without the number's country the national form cannot be expanded.
    """
    _check_value(value)
    text = unicodedata.normalize("NFKC", value).strip(_TRIM)
    digits = "".join(str(unicodedata.decimal(c)) for c in text if unicodedata.category(c) == "Nd")
    if not digits:
        raise MinimisationError("phone number has no digits")
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return digits


def normalise_email(value: str) -> str:
    """NFKC, trimmed of white space, full case folding."""
    _check_value(value)
    email = unicodedata.normalize("NFKC", value).strip(_TRIM).casefold()
    if not email:
        raise MinimisationError("e-mail address is empty")
    return email


def normalise_bank_account(value: str) -> str:
    """NFKC upper case without spaces (the electronic form of an IBAN)."""
    account = _compact(value, drop_dashes=False)
    if not account:
        raise MinimisationError("bank account is empty")
    return account


def normalise_address(address: Address | str) -> str:
    """`normalise_text` of the address text; region and country are generalised
    attributes, not part of the pseudonymised value."""
    return normalise_text(address.text if isinstance(address, Address) else address)


def normalise_identifier(kind: PseudonymKind, value: str | dt.date | Document | Address) -> str:
    """The normalised form of one identifier of `kind`, as `pseudonym` expects it.

    `value` is a string, or a `datetime.date` for "date_of_birth", a `Document` for
    "document" and an `Address` (or its text) for "address". Raises `MinimisationError`
    when the value cannot be normalised (wrong type, empty, unassigned code points).
    """
    match kind, value:
        case "name", str():
            return normalise_name(value)
        case "date_of_birth", dt.date() | str():
            return normalise_date_of_birth(value)
        case "document", Document():
            return normalise_document(value)
        case "phone", str():
            return normalise_phone(value)
        case "email", str():
            return normalise_email(value)
        case "bank_account", str():
            return normalise_bank_account(value)
        case "address", Address() | str():
            return normalise_address(value)
    raise MinimisationError(f"a {type(value).__name__} is not a {kind} value")
