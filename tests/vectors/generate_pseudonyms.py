"""Write tests/vectors/pseudonyms.json and tests/vectors/linkage.json: known-answer
vectors for pseudonyms and for name encodings.

Each pseudonym vector gives an identifier as typed, its normalised form and its
pseudonym under a fixed key, for Latin, Arabic and Cyrillic script and for every
identifier kind, so that another implementation can check its normalisation and its
BLAKE2b call apart. The linkage vectors give, for names in the three scripts, every
intermediate of the name encoding (tokens, Latin forms, skeletons, bigrams, bit
positions, filters, the keyed permutation and the encoded bytes) and the similarities
of pairs of names. Run from the repository root:
python tests/vectors/generate_pseudonyms.py
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

from schemas import _crypto
from schemas.errors import MinimisationError
from schemas.minimise import UNICODE_VERSION, LinkageKey, normalise_identifier, pseudonym
from schemas.minimise import linkage as lk
from schemas.minimise.normalise import fold, tokens
from schemas.minimise.translit import skeleton, to_latin
from schemas.records import Address, Document, PseudonymKind

PINNED_UNICODE = "14.0.0"
OUTPUT = Path(__file__).with_name("pseudonyms.json")
LINKAGE_OUTPUT = Path(__file__).with_name("linkage.json")
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


# Names for the linkage vectors: Latin with particles and diacritics, Russian Cyrillic
# (BGN/PCGN, patronymics), Arabic (article, ta marbuta, hamza forms) and their Latin
# spellings.
LINKAGE_NAMES: list[tuple[str, str]] = [
    ("latin", "Maria Fernanda da Silva"),
    ("latin", "Maria Silva"),
    ("latin", "OKAFOR, Blessing"),
    ("latin", "José Ñúñez-Pereira"),
    ("latin", "Youcef El Mansouri"),
    ("latin", "Fatima Al-Zahra"),
    ("latin", "Fatma Zahra"),
    ("latin", "Karimova Dilnoza"),
    ("latin", "Khadidja Ben Ali"),
    ("cyrillic", "Каримова Дильноза Рустамовна"),
    ("cyrillic", "Елена Щербакова"),
    ("cyrillic", "Иван Петрович Сидоров"),
    ("cyrillic", "Наталья Журавлёва"),
    ("arabic", "فاطمة الزهراء"),
    ("arabic", "يوسف المنصوري"),
    ("arabic", "خديجة بن علي"),
    ("arabic", "عائشة عبد الله"),
]
# Pairs of LINKAGE_NAMES whose similarities are recorded.
LINKAGE_PAIRS: list[tuple[str, str]] = [
    ("Maria Fernanda da Silva", "Maria Silva"),
    ("Каримова Дильноза Рустамовна", "Karimova Dilnoza"),
    ("فاطمة الزهراء", "Fatima Al-Zahra"),
    ("فاطمة الزهراء", "Fatma Zahra"),
    ("يوسف المنصوري", "Youcef El Mansouri"),
    ("خديجة بن علي", "Khadidja Ben Ali"),
    ("Fatima Al-Zahra", "Fatma Zahra"),
    ("OKAFOR, Blessing", "Maria Silva"),
]
# Tokens (already folded) for the transliteration and skeleton table.
TRANSLITERATIONS = [
    "елена",
    "щербакова",
    "дильноза",
    "наталья",
    "журавлева",
    "объект",
    "фаина",
    "فاطمه",
    "الزهراء",
    "يوسف",
    "عايشه",
    "خديجه",
    "محمد",
    "youcef",
    "chtcherbakova",
    "khadidja",
    "mohammed",
    "fatimah",
]


def _filter_hex(bits: int) -> str:
    """A filter as FILTER_BITS / 8 bytes, bit p in byte p // 8 at bit p % 8 (LSB first)."""
    return bits.to_bytes(lk.FILTER_BITS // 8, "little").hex()


def _permutation_digest(perm: tuple[int, ...]) -> str:
    return _crypto.blake2b(b"".join(i.to_bytes(2, "little") for i in perm), size=32).hex()


def linkage_vectors() -> dict[str, Any]:
    """Every intermediate of the name encodings, for both keys."""
    keys = []
    names = []
    pairs = []
    for key_bytes in KEYS:
        key = LinkageKey(key_bytes)
        permutations = {
            part: {
                "head": list(lk.permutation(key, part)[:16]),
                "blake2b_hex": _permutation_digest(lk.permutation(key, part)),
            }
            for part in lk.PARTS
        }
        keys.append(
            {
                "key_hex": key_bytes.hex(),
                "key_id_hex": key.key_id.hex(),
                "permutations": permutations,
            }
        )
        for script, name in LINKAGE_NAMES:
            encoded_tokens = lk.name_tokens(name)
            encoding = lk.encode_name(key, name)
            assert encoding is not None  # every vector name has consonants
            entry: dict[str, Any] = {
                "script": script,
                "key_hex": key_bytes.hex(),
                "input": name,
                "folded_tokens": tokens(fold(name)),
                "encoded_tokens": encoded_tokens,
                "latin": [to_latin(t) for t in encoded_tokens],
                "skeletons": [skeleton(t) for t in encoded_tokens],
                "has_full": encoding.full is not None,
            }
            for part in lk.PARTS:
                grams = lk.qgrams(name, part)
                entry[f"{part}_bigrams"] = grams
                entry[f"{part}_positions"] = [list(lk.positions(key, part, g)) for g in grams]
                entry[f"{part}_filter_hex"] = _filter_hex(lk.filter_bits(key, part, name))
            entry["skeleton_encoded_hex"] = encoding.skeleton.hex()
            entry["full_encoded_hex"] = None if encoding.full is None else encoding.full.hex()
            names.append(entry)
        for left, right in LINKAGE_PAIRS:
            a, b = lk.encode_name(key, left), lk.encode_name(key, right)
            assert a is not None
            assert b is not None
            fa = (
                lk.decode_filter(key, "skeleton", a.skeleton),
                None if a.full is None else lk.decode_filter(key, "full", a.full),
            )
            fb = (
                lk.decode_filter(key, "skeleton", b.skeleton),
                None if b.full is None else lk.decode_filter(key, "full", b.full),
            )
            pairs.append(
                {
                    "key_hex": key_bytes.hex(),
                    "a": left,
                    "b": right,
                    "skeleton_dice": lk.dice(fa[0], fb[0]),
                    "skeleton_overlap": lk.overlap(fa[0], fb[0]),
                    "full_dice": None if fa[1] is None or fb[1] is None else lk.dice(fa[1], fb[1]),
                    "full_overlap": (
                        None if fa[1] is None or fb[1] is None else lk.overlap(fa[1], fb[1])
                    ),
                    "similarity": lk.pair_similarity(fa, fb),
                }
            )
    return {
        "description": "Palermo name-encoding vectors: see docs/minimisation.md",
        "unicode_version": PINNED_UNICODE,
        "scheme": lk.SCHEME,
        "filter_bits": lk.FILTER_BITS,
        "hashes": lk.HASHES,
        "qgram_label": lk.QGRAM_LABEL.decode(),
        "permutation_label": lk.PERMUTATION_LABEL.decode(),
        "transliterations": [
            {"token": t, "latin": to_latin(t), "skeleton": skeleton(t)} for t in TRANSLITERATIONS
        ],
        "keys": keys,
        "names": names,
        "pairs": pairs,
    }


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
    text = json.dumps(linkage_vectors(), ensure_ascii=False, indent=1) + "\n"
    LINKAGE_OUTPUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
