"""Street addresses of anyone: a house number with a street word and a street name.

Three shapes, on the scanner's folded text (offsets are folded offsets):

* number first, then the street word and its name: "60 rue de la Guillotière",
  "114 boulevard de la Villette", "11 شارع الحسن الثاني";
* number, the name, then the street word (English): "20 Adeola Odeku Street";
* street word, its name, then the number: "calle Mayor 12", "Rua Voluntários da Pátria
  388", "Avenida Paulista 737", "Carrera 9 # 82-51", "ул. Навои, д. 53" (Russian with
  "д."/"дом" before the number), "شارع الحمراء، بناية 3", "زنقة 13، رقم 32" (Arabic
  with a building or number word before it).

In Latin and Cyrillic script the street name's first word must be written with a
capital ("on the street for 3 hours" is no address), and the English name's every word;
a street word without a number ("a flat on Via Roma") does not block. What these shapes
cannot see is listed under Limits in `docs/minimisation.md`.
"""

# Word lists and patterns in Cyrillic and Arabic script are the point of this module:
# ruff: noqa: RUF001

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

from .textview import Folded, scan_fold
from .words import (
    NAME_PARTICLES,
    STREET_WORDS_AFTER,
    STREET_WORDS_BEFORE,
    STREET_WORDS_NUMBER_FIRST,
    trie_pattern,
)

Hit = tuple[str, int, int]

_BEFORE: Final = trie_pattern(STREET_WORDS_BEFORE)
_BEFORE_NAMED: Final = trie_pattern(
    w for w in STREET_WORDS_BEFORE if w not in set(STREET_WORDS_NUMBER_FIRST)
)
_AFTER: Final = trie_pattern(STREET_WORDS_AFTER)
_LINK: Final = r"(?:(?:de la|de los|de las|del|des|dos|das|du|de|da|do|of the|of|the)\s+|d'|l')?"
_HOUSE: Final = r"(?<![\w/.,\-])[0-9]{1,4}(?:\s?(?:bis|ter|[a-z]))?(?![\w/])"
_NAME_WORD: Final = r"[^\W\d_][^\W_]*(?:-[^\W_]+)*"
_NUMBER_FIRST: Final = re.compile(
    rf"{_HOUSE},?\s+(?:{_BEFORE})\.?\s+{_LINK}(?P<name>{_NAME_WORD})(?!\w)"
)
_ENGLISH: Final = re.compile(
    rf"{_HOUSE},?\s+(?P<name>(?:{_NAME_WORD}\s+){{1,4}})(?:{_AFTER})\.?(?!\w)"
)
_NUMBER_AFTER: Final = re.compile(
    rf"(?<!\w)(?P<street>{_BEFORE_NAMED})\.?\s+(?P<name>{_LINK}(?:[^\W_]+[\s,،]+){{1,5}}?)"
    rf"(?P<mark>(?:n\.?\s?o\.?|no|n°|numero|#|д|дом|{scan_fold('بناية|رقم|عمارة|منزل')})\.?\s*)?"
    r"[0-9]{1,5}(?![0-9]|[.,][0-9])"
)
# An address is looked for around each street word only: from a house number before it
# to a house number after its name.
_REACH_BEFORE: Final = 60
_REACH_AFTER: Final = 90
_CASELESS_MARKS: Final = frozenset(
    scan_fold(w) for w in ("д", "дом", "بناية", "رقم", "عمارة", "منزل")
)
_ARABIC: Final = re.compile(r"[\u0600-\u06ff]")
_CYRILLIC: Final = re.compile(r"[а-я]")
_YEAR: Final = re.compile(r"(?:19|20)[0-9]{2}")


def _capital(source: Folded, start: int) -> bool:
    first, _ = source.span(start, start + 1)
    char = source.text[first] if first < len(source.text) else ""
    return unicodedata.category(char) in ("Lu", "Lt")


def _named(source: Folded, base: int, name: str, street: str) -> bool:
    """Whether every word of a street name but particles is written with a capital or
    is a number, and one is ("calle Mayor 12", "Carrera 9 # 82-51"; not "calle
    durante 3 horas"); a name of numbers only needs a street word of more than three
    letters."""
    words = [w for w in re.finditer(r"[^\W_]+", name) if w.group() not in NAME_PARTICLES]
    named = all(w.group().isdigit() or _capital(source, base + w.start()) for w in words)
    # Streets named by a number ("Carrera 9 # 82-51") after a full street word only: an
    # abbreviation and numbers alone ("vuelo AV 010 el 19/02") are no address.
    lettered = any(not w.group().isdigit() for w in words) or len(street) > 3
    return bool(words) and named and lettered


def address_hits(source: Folded, streets: Iterable[int]) -> list[Hit]:
    """Street addresses with a house number in `source` (folded offsets), around the
    street words starting at `streets` (`patterns.CUE_WORDS` finds them)."""
    folded = source.folded
    # The windows around street words, overlapping ones merged: each part of the text
    # is read once, and an address is never cut between two windows.
    ranges: list[list[int]] = []
    for street in sorted(streets):
        low, high = max(0, street - _REACH_BEFORE), min(len(folded), street + _REACH_AFTER)
        if ranges and low <= ranges[-1][1]:
            ranges[-1][1] = high
        else:
            ranges.append([low, high])
    hits: list[Hit] = []
    for low, high in ranges:
        hits += _addresses(source, low, high)
    return hits


def _addresses(source: Folded, low: int, high: int) -> list[Hit]:
    folded = source.folded
    hits: list[Hit] = []
    for match in _NUMBER_FIRST.finditer(folded, low, high):
        start = match.start("name")
        if _ARABIC.match(folded, start) or _capital(source, start):
            hits.append(("address", match.start(), match.end()))
    for match in _ENGLISH.finditer(folded, low, high):
        house = folded[match.start() : match.start("name")].strip(" ,")
        words = list(re.finditer(r"[^\W_]+", match.group("name")))
        base = match.start("name")
        if _YEAR.fullmatch(house) is None and all(
            _capital(source, base + w.start()) for w in words
        ):
            hits.append(("address", match.start(), match.end()))
    for match in _NUMBER_AFTER.finditer(folded, low, high):
        name = match.group("name")
        start = match.start("name") + len(name) - len(name.lstrip())
        mark = (match.group("mark") or "").strip(" .")
        if _ARABIC.match(folded, start) or _CYRILLIC.match(folded, start):
            # Arabic and Russian write a building or house word before the number.
            if mark not in _CASELESS_MARKS:
                continue
            if _CYRILLIC.match(folded, start) and not _capital(source, start):
                continue
        elif not _named(source, match.start("name"), name, match.group("street")):
            continue
        number = folded[match.end() - 4 : match.end()]
        if _YEAR.fullmatch(number) and not mark:
            continue  # "Rua Augusta em 2019"
        hits.append(("address", match.start(), match.end()))
    return hits
