"""Write tests/vectors/pseudonyms.json: known-answer vectors for pseudonym derivation.

Each vector gives an identifier as typed, its normalised form and its pseudonym under
a fixed key, for Latin, Arabic and Cyrillic script and for every identifier kind, so
that another implementation can check its normalisation and its BLAKE2b call apart.
Run from the repository root: python tests/vectors/generate_pseudonyms.py
"""

# Arabic and Cyrillic inputs are the point of these vectors:
# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from schemas.errors import MinimisationError
from schemas.minimise import UNICODE_VERSION, LinkageKey, normalise_identifier, pseudonym
from schemas.records import Address, Document, PseudonymKind

PINNED_UNICODE = "14.0.0"
OUTPUT = Path(__file__).with_name("pseudonyms.json")
KEYS = (bytes(range(32)), bytes(range(0xFF, 0xDF, -1)))

# (script, kind, input as JSON: a string, or an object for a document)
INPUTS: list[tuple[str, PseudonymKind, Any]] = [
    ("latin", "name", "Blessing Okafor"),
    ("latin", "name", "okafor, BLESSING"),
    ("latin", "name", "José Ñúñez"),
    ("latin", "name", "JOSE NUNEZ"),
    ("latin", "name", "Hélène Lefèvre"),
    ("latin", "name", "Müller"),
    ("latin", "name", "Straße"),
    ("latin", "name", "Łukasz Ødegård"),
    ("latin", "name", "İlkay Yıldız"),
    ("latin", "name", "O'Brien-Smith"),
    ("arabic", "name", "فاطِمة الزَّهْراء"),
    ("arabic", "name", "فاطمه الزهراء"),
    ("arabic", "name", "أحمد"),
    ("arabic", "name", "احمد"),
    ("arabic", "name", "محـــمد إبراهيم"),
    ("arabic", "name", "علی کریمی"),
    ("arabic", "name", "مصطفى هانئ"),
    ("cyrillic", "name", "Наталья Ёлкина"),
    ("cyrillic", "name", "НАТАЛЬЯ ЕЛКИНА"),
    ("cyrillic", "name", "Андрей Йовович"),
    ("latin", "date_of_birth", "2008-03-14"),
    ("arabic", "date_of_birth", "٢٠٠٨-٠٣-١٤"),
    ("latin", "document", {"type": "passport", "country": "NG", "number": "A1234 5678"}),
    ("latin", "document", {"type": "national_id", "country": None, "number": "12.345.678-z"}),
    ("cyrillic", "document", {"type": "passport", "country": "RU", "number": "45 10 123456"}),
    ("latin", "phone", "+234 803 555 0199"),
    ("latin", "phone", "0044 20 7946 0958"),
    ("cyrillic", "phone", "8 (916) 123-45-67"),
    ("arabic", "phone", "٠٨٠٣ ٥٥٥ ٠١٩٩"),
    ("latin", "email", " Blessing.O@Example.COM "),
    ("latin", "bank_account", "gb82 west 1234 5698 7654 32"),
    ("latin", "document", {"type": "other", "country": None, "number": "straße 12"}),
    ("latin", "bank_account", "gb82\u00a0west\u3000 1234"),
    ("latin", "bank_account", "\u01f0ab 12"),
    ("latin", "email", "\u2003Ana@Example.ORG\u0085"),
    ("latin", "phone", "\u00a0+234 803 555 0199\u2028"),
    ("latin", "address", "12, Rue de la Paix – 75002 Paris"),
    ("arabic", "address", "شارع الحُرِّيَّة، الدار البيضاء"),
    ("cyrillic", "address", "ул. Ленина, д. 5, кв. 12, Москва"),
]


# Inputs every implementation must refuse (`MinimisationError`, code "minimisation"):
# no trimming around a date of birth, no control characters, nothing empty.
REFUSED: list[tuple[PseudonymKind, Any]] = [
    ("date_of_birth", " 2008-03-14"),
    ("date_of_birth", "20080314"),
    ("date_of_birth", ""),
    ("document", {"type": "passport", "country": "NG", "number": "A1234\u001f5678"}),
    ("document", {"type": "passport", "country": "NG", "number": " - . "}),
    ("bank_account", "\u3000"),
    ("bank_account", "GB82\u001cWEST"),
    ("email", "\u00a0 "),
    ("phone", "n/a"),
]


def value_of(kind: PseudonymKind, raw: Any) -> str | dt.date | Document | Address:
    """The Python value `normalise_identifier` takes for a vector's JSON input."""
    if kind == "document":
        return msgspec.convert(raw, Document)
    assert isinstance(raw, str)  # the table above holds strings for other kinds
    return raw


def main() -> None:
    """Compute every vector and write the JSON file."""
    if UNICODE_VERSION != PINNED_UNICODE:
        sys.exit(f"vectors pin Unicode {PINNED_UNICODE}; this Python has {UNICODE_VERSION}")
    vectors = []
    for key_bytes in KEYS:
        key = LinkageKey(key_bytes)
        for script, kind, raw in INPUTS:
            normalised = normalise_identifier(kind, value_of(kind, raw))
            made = pseudonym(key, kind, normalised)
            vectors.append(
                {
                    "script": script,
                    "kind": kind,
                    "input": raw,
                    "normalised": normalised,
                    "key_hex": key_bytes.hex(),
                    "key_id_hex": made.key_id.hex(),
                    "pseudonym_hex": made.value.hex(),
                }
            )
    refused = []
    for kind, raw in REFUSED:
        try:
            normalise_identifier(kind, value_of(kind, raw))
        except MinimisationError as exc:
            refused.append({"kind": kind, "input": raw, "code": exc.code})
        else:
            sys.exit(f"{kind} {raw!r} was accepted")
    document = {
        "description": "Palermo pseudonym vectors: see docs/minimisation.md",
        "unicode_version": PINNED_UNICODE,
        "vectors": vectors,
        "refused": refused,
    }
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
