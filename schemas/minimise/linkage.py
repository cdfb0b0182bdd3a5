"""Record linkage of minimised victims and witnesses: keyed Bloom-filter name encodings
and a link decision.

Names are encoded as cryptographic long-term keys (Schnell, Bachteler and Reiher 2009):
the padded bigrams of a name's tokens, transliterated to Latin and with particles
dropped, are each hashed with the linkage key to `HASHES` positions of a `FILTER_BITS`
filter. Two encodings of spelling or transliteration variants share most bits, and
Dice similarity measures how many. A name's encoding holds two filters: one of its
consonant skeleton's bigrams, where Arabic and its Latin spellings meet, and one of
its full Latin form's (left out for Arabic script, whose short vowels are unwritten).

Hardening: the positions come from BLAKE2b keyed with the linkage key (without it
nobody can encode a guessed name), the filter is balanced (followed by its complement,
so every encoding has the same weight and a frequent name shows no density) and the
2 * `FILTER_BITS` bits are shuffled by a permutation derived from the key.
`docs/minimisation.md` specifies every byte.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Callable, Iterable
from typing import Any, Final, Literal

from .. import _crypto
from ..records import NameEncoding, NameEncodingScheme, Victim, Witness
from .normalise import fold, tokens
from .pseudonym import LinkageKey
from .translit import ARABIC, PARTICLES, is_patronymic, skeleton, to_latin

FILTER_BITS: Final = 1024
HASHES: Final = 10
ENCODED_BYTES: Final = 2 * FILTER_BITS // 8
SCHEME: Final[NameEncodingScheme] = "clk1"
QGRAM_LABEL: Final = b"palermo/clk/v1"
PERMUTATION_LABEL: Final = b"palermo/clk-permutation/v1"
Part = Literal["full", "skeleton"]
PARTS: Final[tuple[Part, ...]] = ("full", "skeleton")
PAD: Final = "_"

# The decision: weights of a Fellegi-Sunter style score (log-odds, rounded), and the
# threshold it must reach. Chosen on a development set of labelled pairs generated with
# another seed than the evaluated one (bench/linkage_eval.py).
NAME_FLOOR: Final = 0.70
"""Name similarity at which the name weight is zero: below it names count against."""
OVERLAP_DISCOUNT: Final = 0.1
NAME_SLOPE: Final = 40.0
NAME_MIN: Final = -8.0
NAME_MAX: Final = 8.0
"""The name weight is NAME_SLOPE * (similarity - NAME_FLOOR), clipped to this range: a
name alone never reaches THRESHOLD."""
DOB_AGREE: Final = 7.0
DOB_DISAGREE: Final = -12.0
IDENTIFIER_AGREE: Final = 14.0
"""A document, phone, e-mail or bank account pseudonym in common (counted once)."""
THRESHOLD: Final = 10.0
EXACT_KINDS: Final = ("document", "phone", "email", "bank_account")


def name_tokens(name: str) -> list[str]:
    """The folded tokens of a name that are encoded, in the order written: particles
    (in their own script or once transliterated), patronymics (`is_patronymic`) and
    tokens of digits are left out."""
    folded = tokens(fold(name))
    out = []
    for index, token in enumerate(folded):
        latin = to_latin(token)
        if token in PARTICLES or latin in PARTICLES or not latin or latin.isdigit():
            continue
        if is_patronymic(latin, inner=0 < index < len(folded) - 1):
            continue
        out.append(token)
    return out


def is_arabic(name: str) -> bool:
    """Whether a name holds a letter of the Arabic table: such a name gets no full-form
    encoding, since its short vowels are not written."""
    return any(c in ARABIC for c in fold(name))


def bigrams(words: Iterable[str]) -> list[str]:
    """The distinct padded bigrams of `words` ("_a", "ab", "b_" for "ab"), sorted by
    code point; a one-letter word gives "_a" and "a_"."""
    grams: set[str] = set()
    for word in words:
        padded = PAD + word + PAD
        grams.update(padded[i : i + 2] for i in range(len(padded) - 1))
    return sorted(grams)


def qgrams(name: str, part: Part) -> list[str]:
    """The bigrams a name contributes to its `part` filter."""
    folded = name_tokens(name)
    if part == "skeleton":
        return bigrams(s for s in (skeleton(w) for w in folded) if s)
    return bigrams(to_latin(w) for w in folded)


@functools.lru_cache(maxsize=1 << 14)
def positions(key: LinkageKey, part: Part, gram: str) -> tuple[int, ...]:
    """The HASHES filter positions of one bigram: BLAKE2b-256 keyed with the linkage key
    over QGRAM_LABEL ‖ 0x00 ‖ part ‖ 0x00 ‖ UTF-8(gram), read as sixteen little-endian
    16-bit words of which the first HASHES are taken modulo FILTER_BITS."""
    data = QGRAM_LABEL + b"\x00" + part.encode() + b"\x00" + gram.encode("utf-8")
    digest = _crypto.blake2b(data, size=32, key=key.key)
    # Cached: a bigram (two letters, never a name) recurs in most names of a script.
    return tuple(
        int.from_bytes(digest[2 * i : 2 * i + 2], "little") % FILTER_BITS for i in range(HASHES)
    )


@functools.lru_cache(maxsize=32)
def permutation(key: LinkageKey, part: Part) -> tuple[int, ...]:
    """The keyed permutation of the 2 * FILTER_BITS balanced bits: Fisher-Yates from
    the identity, for i from 2 * FILTER_BITS - 1 down to 1 swapping i with j =
    uint32_le(BLAKE2b-256(key, PERMUTATION_LABEL ‖ 0x00 ‖ part ‖ 0x00 ‖
    uint16_le(i))[0:4]) mod (i + 1). Encoded bit i is balanced bit perm[i]."""
    size = 2 * FILTER_BITS
    perm = list(range(size))
    prefix = PERMUTATION_LABEL + b"\x00" + part.encode() + b"\x00"
    for i in range(size - 1, 0, -1):
        digest = _crypto.blake2b(prefix + i.to_bytes(2, "little"), size=32, key=key.key)
        j = int.from_bytes(digest[:4], "little") % (i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    return tuple(perm)


def filter_bits(key: LinkageKey, part: Part, name: str) -> int:
    """The unbalanced Bloom filter of a name as an integer (bit p set = position p)."""
    bits = 0
    for gram in qgrams(name, part):
        for position in positions(key, part, gram):
            bits |= 1 << position
    return bits


@functools.lru_cache(maxsize=32)
def _inverse(key: LinkageKey, part: Part) -> tuple[int, ...]:
    """For each filter bit j, the encoded bit that carries it."""
    inverse = [0] * FILTER_BITS
    for index, source in enumerate(permutation(key, part)):
        if source < FILTER_BITS:
            inverse[source] = index
    return tuple(inverse)


@functools.lru_cache(maxsize=32)
def _pickers(key: LinkageKey, part: Part) -> tuple[Any, Any]:
    """Item getters applying the permutation and its inverse to strings of bits."""
    return operator.itemgetter(*permutation(key, part)), operator.itemgetter(*_inverse(key, part))


def _bit_string(value: int, size: int) -> str:
    """Bit p of `value` at index p."""
    return format(value, f"0{size}b")[::-1]


_FLIP: Final = str.maketrans("01", "10")


def encode_filter(key: LinkageKey, part: Part, bits: int) -> bytes:
    """Balance (filter, then its complement) and permute; bit p of the result is bit
    p % 8 (least significant first) of byte p // 8."""
    filter_string = _bit_string(bits, FILTER_BITS)
    balanced = filter_string + filter_string.translate(_FLIP)
    out = "".join(_pickers(key, part)[0](balanced))
    return int(out[::-1], 2).to_bytes(ENCODED_BYTES, "little")


def decode_filter(key: LinkageKey, part: Part, value: bytes) -> int:
    """The unbalanced filter back from an encoding made with `key`."""
    encoded = _bit_string(int.from_bytes(value, "little"), 2 * FILTER_BITS)
    filter_string = "".join(_pickers(key, part)[1](encoded))
    return int(filter_string[::-1], 2)


def encode_name(key: LinkageKey, name: str) -> NameEncoding | None:
    """The encoding of one name; None when its skeleton has no bigram (a name of
    particles, vowels or punctuation only)."""
    skeleton_bits = filter_bits(key, "skeleton", name)
    if not skeleton_bits:
        return None
    full = None
    if not is_arabic(name):
        full = encode_filter(key, "full", filter_bits(key, "full", name))
    return NameEncoding(
        scheme=SCHEME,
        key_id=key.key_id,
        skeleton=encode_filter(key, "skeleton", skeleton_bits),
        full=full,
    )


def dice(a: int, b: int) -> float:
    """Dice similarity of two filters: 2|a ∩ b| / (|a| + |b|); 0 for two empty ones."""
    total = a.bit_count() + b.bit_count()
    return 2 * (a & b).bit_count() / total if total else 0.0


@dataclasses.dataclass(frozen=True)
class Link:
    """The outcome of comparing two records.

    `comparable` is False when either record holds nothing made with the key (other
    keys' encodings and pseudonyms are never compared); then `decision` is False and
    `score` is 0. `name_similarity` is the best over pairs of names (None without a
    name on both sides); `agreements` and `disagreements` name the exact kinds.
    """

    score: float
    decision: bool
    comparable: bool
    name_similarity: float | None = None
    agreements: tuple[str, ...] = ()
    disagreements: tuple[str, ...] = ()


Record = Victim | Witness
Filters = tuple[int, int | None]
"""A decoded name: its skeleton filter and its full-form filter (None for Arabic)."""


def _names(record: Record, key: LinkageKey) -> list[Filters]:
    out = []
    for encoding in record.name_encodings:
        if encoding.key_id == key.key_id and encoding.scheme == SCHEME:
            full = encoding.full
            out.append(
                (
                    decode_filter(key, "skeleton", encoding.skeleton),
                    None if full is None else decode_filter(key, "full", full),
                )
            )
    return out


def _pseudonyms(record: Record, key: LinkageKey) -> dict[str, set[bytes]]:
    out: dict[str, set[bytes]] = {}
    for item in record.pseudonyms:
        if item.key_id == key.key_id:
            out.setdefault(item.kind, set()).add(item.value)
    return out


def overlap(a: int, b: int) -> float:
    """Overlap coefficient of two filters: |a ∩ b| / min(|a|, |b|); 0 if one is empty."""
    smaller = min(a.bit_count(), b.bit_count())
    return (a & b).bit_count() / smaller if smaller else 0.0


def _mean(measure: Callable[[int, int], float], a: Filters, b: Filters) -> float:
    first = measure(a[0], b[0])
    if a[1] is None or b[1] is None:
        return first
    return (first + measure(a[1], b[1])) / 2


def pair_similarity(a: Filters, b: Filters) -> float:
    """Similarity of two names: the larger of their Dice and their overlap coefficient
    less OVERLAP_DISCOUNT, each the mean over the skeleton and the full-form filters (the
    skeleton's alone when either name has no full form, as in Arabic script). Dice
    measures spelling; the overlap finds one name inside the other (a middle name or a
    second family name left out), which Dice counts against."""
    return max(_mean(dice, a, b), _mean(overlap, a, b) - OVERLAP_DISCOUNT)


def name_similarity(a: list[Filters], b: list[Filters]) -> float | None:
    """The best `pair_similarity` over all pairs of the two records' names; None when
    a side has none."""
    return max((pair_similarity(x, y) for x in a for y in b), default=None)


def _name_weight(similarity: float | None) -> float:
    if similarity is None:
        return 0.0
    return min(NAME_MAX, max(NAME_MIN, NAME_SLOPE * (similarity - NAME_FLOOR)))


def link(a: Record, b: Record, *, key: LinkageKey) -> Link:
    """Whether two minimised records made under `key` are the same person.

    Score = name weight (from the best name similarity) + DOB_AGREE or DOB_DISAGREE
    when both have a date-of-birth pseudonym + IDENTIFIER_AGREE when they share a
    document, phone, e-mail or bank-account pseudonym. The decision is score >=
    THRESHOLD: a similar name links only with an equal date of birth; a name alone
    never does, and a namesake born another day does not; a shared identifier links
    unless the names differ (more so when the dates of birth differ too). Only
    pseudonyms and encodings made with `key` are read.
    """
    names_a, names_b = _names(a, key), _names(b, key)
    pseud_a, pseud_b = _pseudonyms(a, key), _pseudonyms(b, key)
    if not (pseud_a or names_a) or not (pseud_b or names_b):
        return Link(score=0.0, decision=False, comparable=False)
    similarity = name_similarity(names_a, names_b)
    score = _name_weight(similarity)
    agreements: list[str] = []
    disagreements: list[str] = []
    if "date_of_birth" in pseud_a and "date_of_birth" in pseud_b:
        if pseud_a["date_of_birth"] & pseud_b["date_of_birth"]:
            agreements.append("date_of_birth")
            score += DOB_AGREE
        else:
            disagreements.append("date_of_birth")
            score += DOB_DISAGREE
    shared = [k for k in EXACT_KINDS if pseud_a.get(k, set()) & pseud_b.get(k, set())]
    if shared:
        agreements.extend(shared)
        score += IDENTIFIER_AGREE
    return Link(
        score=score,
        decision=score >= THRESHOLD,
        comparable=True,
        name_similarity=similarity,
        agreements=tuple(agreements),
        disagreements=tuple(disagreements),
    )
