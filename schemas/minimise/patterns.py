"""Identifier patterns in free text: e-mails, phones, IBANs, document numbers, dates.

Every detector works on the scanner's folded text (`textview.scan_fold`: lower case,
digits of every script in ASCII) and reports `(kind, start, end)` in folded offsets.
Patterns favour precision: a false hit blocks an officer's message for no reason and
teaches people to disclose by reflex. So phone numbers must be valid per libphonenumber
or follow a phone cue, IBANs pass mod-97 and their country's length, national ids pass
their check digits, a bare run of digits is no document, numbers after a case or court
cue are references, and numbers next to a currency are amounts. What a pattern cannot
see is listed in `docs/minimisation.md`.
"""

# Word lists and patterns in Cyrillic and Arabic script are the point of this module:
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from typing import Final

from stdnum.br import cpf
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.it import codicefiscale
from stdnum.pt import cc as pt_cc
from stdnum.ru import inn

from .emails import AT_WORDS
from .phones import (
    DEFAULT_REGIONS,
    has_trunk_prefix,
    is_service,
    valid_international,
    valid_national,
)
from .textview import Folded, scan_fold
from .words import (
    ACCOUNT_CUE_WORDS,
    BIRTH_CUE_WORDS,
    BIRTH_CUES,
    CURRENCY_CUE_WORDS,
    CURRENCY_CUES,
    DOCUMENT_CUE_WORDS,
    HELPLINE_CUE_WORDS,
    ISSUANCE_WORDS,
    NUMBER_ABBREVIATION_WORDS,
    NUMBER_CUE_WORDS,
    PHONE_CUE_WORDS,
    REFERENCE_CUE_WORDS,
    STREET_WORDS_AFTER,
    STREET_WORDS_BEFORE,
    trie_pattern,
)
from .wordset import WordSet

Hit = tuple[str, int, int]
"""(kind, start, end) in folded offsets."""

_MONTHS: Final = {
    1: "january|jan|janvier|janv|enero|ene|janeiro|января|январь|يناير|كانون الثاني|جانفي",
    2: "february|feb|fevrier|fevr|fev|febrero|fevereiro|февраля|февраль|فبراير|شباط|فيفري",
    3: "march|mar|mars|marzo|março|марта|март|مارس|آذار",
    4: "april|apr|avril|avr|abril|abr|апреля|апрель|أبريل|إبريل|ابريل|نيسان|افريل",
    5: "may|mai|mayo|maio|мая|май|مايو|أيار|ماي",
    6: "june|jun|juin|junio|junho|июня|июнь|يونيو|يونيه|حزيران|جوان",
    7: "july|jul|juillet|juil|julio|julho|июля|июль|يوليو|يوليه|تموز|جويلية|يوليوز",
    8: "august|aug|aout|août|agosto|ago|августа|август|أغسطس|آب|اوت|أوت|غشت",
    9: "september|sept|sep|septembre|septiembre|setiembre|setembro|set|сентября|сентябрь"
    "|سبتمبر|أيلول|شتنبر",
    10: "october|oct|octobre|octubre|outubro|out|октября|октябрь|أكتوبر|اكتوبر|تشرين الأول",
    11: "november|nov|novembre|noviembre|novembro|ноября|ноябрь|نوفمبر|تشرين الثاني|نونبر",
    12: "december|dec|decembre|diciembre|dic|dezembro|dez|декабря|декабрь|ديسمبر|كانون الأول|دجنبر",
}
# Month words folded like the text they are matched in.
_MONTH_NUMBER: Final = {
    scan_fold(word): number for number, words in _MONTHS.items() for word in words.split("|")
}
_MONTH: Final = trie_pattern(_MONTH_NUMBER)

_SEP: Final = r"\s?[./-]\s?"
# Every pattern below that involves a digit is one alternative of `_DIGITS`, which starts
# with a digit so that the regular-expression engine skips to digits at C speed and
# reads the text once. The first digit is consumed before the alternatives: their
# lookbehinds look at it and the character(s) before it.
_NO_DIGIT_BEFORE: Final = r"(?<![0-9][0-9])(?<![0-9][/.\-][0-9])"
_NO_WORD_BEFORE: Final = r"(?<![^\W_][0-9])(?<![^\W_][/.\-][0-9])"
_DATE_END: Final = r"(?![0-9]|[/.\-][0-9])"
_END: Final = r"(?![\w/\-])"
_RUN_GOES_ON: Final = r"./\-()–"
"""What may follow a run of digits that goes on as a date or a longer number."""
_NUMBER_REST: Final = (
    # At most 24 groups: a longer run is no identifier, and a bounded repetition keeps
    # the engine linear on pathological input (one match per 24 groups).
    r"(?P<number>[0-9]*(?:(?:[ .\-/]|\s?\(|\)\s?|\s[-–]\s|\)?[.\-]\(?)[0-9]+){0,24}\)?)"
)
_DIGITS: Final = re.compile(
    # Every alternative starts a run of digits: a digit inside a run fails at once.
    r"[0-9](?<![0-9][0-9])"
    # A run of three or four digits (a year, a small reference) can start only `ymd`
    # (a separator after four digits), `number` (a separator, then more digits) or
    # `glued` (a letter before it); a run followed by anything else, or by white space
    # and anything else, fails here, before each alternative is tried in turn.
    rf"(?:(?<=[a-z][0-9])|(?![0-9]{{2,3}}(?:[^0-9\s{_RUN_GOES_ON}]|\s[^0-9\s{_RUN_GOES_ON}])))"
    r"(?:"
    # 14/03/2001, 14.03.01, 3-14-2001 (both orders of day and month are tried)
    rf"{_NO_DIGIT_BEFORE}(?P<dmy>[0-9]?{_SEP}[0-9]{{1,2}}{_SEP}(?:[0-9]{{4}}|[0-9]{{2}})){_DATE_END}"
    # 2001-03-14
    rf"|{_NO_DIGIT_BEFORE}(?P<ymd>[0-9]{{3}}{_SEP}[0-9]{{1,2}}{_SEP}[0-9]{{1,2}}){_DATE_END}"
    # 14 March 2001, 1er mars 2001, 14 de marzo de 2001, 14 марта 2001 г., 14 مارس 2001
    rf"|(?<![0-9][0-9])(?P<word>[0-9]?(?:st|nd|rd|th|er|º|o)?\.?\s+(?:de\s+|of\s+)?"
    # Brazilian notarial style: "aos 3 dias do mês de maio de 2006"
    r"(?:dias?\s+do\s+mes\s+de\s+)?"
    rf"(?:{_MONTH})\.?,?\s+(?:de\s+|del\s+|of\s+)?[0-9]{{4}})(?![0-9])"
    # Spanish DNI with dots: 67.127.684-E (checked in Python)
    rf"|(?P<dnidot>[0-9]?\.[0-9]{{3}}\.[0-9]{{3}}[\s-]?[a-z]){_END}"
    # French passport 12AB34567
    rf"|{_NO_WORD_BEFORE}(?P<frpass>[0-9][a-z]{{2}}[0-9]{{5}}){_END}"
    # Portuguese citizen card 12345678 9 ZZ4
    rf"|{_NO_WORD_BEFORE}(?P<ptcc>[0-9]{{7}}\s?[0-9]\s?[a-z]{{2}}[0-9]){_END}"
    # Spanish DNI 12345678Z, NIE X1234567L (the letter before is looked at in Python)
    rf"|(?P<dni>[0-9]{{6,7}}-?[a-z]){_END}"
    # Digits glued to letters: A12345678, BA057 958, GB82 WEST…, RSSMRA85T10A562S
    r"|(?<=[a-z][0-9])(?P<glued>[0-9a-z]*)"
    # A day and a year, the month before them looked at in Python: March 14, 2008
    rf"|{_NO_DIGIT_BEFORE}(?P<mdy>[0-9]?(?:st|nd|rd|th)?,?\s+[0-9]{{4}})(?![0-9])"
    # Any other number of five digits or more: digits and single separators (space . -
    # / brackets) between; shorter ones are skipped here, without a match object.
    rf"|{_NO_WORD_BEFORE}(?=(?:[ .\-/()–]{{0,2}}[0-9]){{4}}){_NUMBER_REST}"
    r")"
)
_NUMBER_AT: Final = re.compile(f"[0-9]{_NUMBER_REST}")
_DATE_PARTS: Final = re.compile(r"[0-9]+")
_WORD_DATE: Final = re.compile(rf"([0-9]{{1,2}})\D+?({_MONTH})\W.*?([0-9]{{4}})$")
_YEAR: Final = re.compile(r"[0-9]{4}$")
_MONTH_AFTER: Final = re.compile(rf"\s+(?:de\s+|of\s+)?(?:{_MONTH})(?!\w)")
_MONTH_BEFORE: Final = re.compile(rf"(?<!\w)({_MONTH})\.?\s+$")
_SPACE_DASH: Final = re.compile(r"[\s\-]")
_ASCII_ALNUM: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_SPLIT_TAIL: Final = re.compile(rf"[ \-][0-9]{{2,7}}{_END}")
_LETTER_DOCUMENT: Final = re.compile(r"[a-z]{1,3}[0-9]{1,9}(?:[ \-][0-9]{2,7})?")
_CODICE_FISCALE: Final = re.compile(r"[a-z]{6}[0-9]{2}[a-z][0-9]{2}[a-z][0-9]{3}[a-z]")

_BIRTH: Final = re.compile(rf"(?<!\w)(?:{BIRTH_CUES})(?!\w)")
_SENTENCE_END: Final = re.compile(r"[.!?;]\s|[!?;\n]")
# What stands between a birth cue and a date it governs: no clause punctuation, no
# conjunction starting another complement, no issuance verb.
_CLAUSE_BREAK: Final = re.compile(r"[.!?;,]\s|[!?;\n]")
_AND_WORDS: Final = frozenset(("and", "et", "y", "e", "и", "а", "но", "but", "mais", "pero", "mas"))
_CURRENCY_FIRST: Final = "".join(sorted({re.escape(w[0]) for w in CURRENCY_CUE_WORDS}))
# The class of first characters first: most positions fail there (see `_CUE`).
_CURRENCY_BEFORE: Final = re.compile(
    rf"(?=[{_CURRENCY_FIRST}])(?:(?<!\w)(?:{CURRENCY_CUES}))\.?\s*$"
)
_CURRENCY_AFTER: Final = re.compile(rf"\s*(?:{CURRENCY_CUES})(?!\w)")
# Cue words of every kind in one trie; the kind of a match is looked up afterwards,
# phone before document before reference before number when a word is in two lists.
_CUE_LISTS: Final = (
    ("number", NUMBER_CUE_WORDS),
    ("abbreviation", NUMBER_ABBREVIATION_WORDS),
    ("reference", REFERENCE_CUE_WORDS),
    ("account", ACCOUNT_CUE_WORDS),
    ("document", DOCUMENT_CUE_WORDS),
    ("phone", PHONE_CUE_WORDS),
    ("helpline", HELPLINE_CUE_WORDS),
)
_POSTAL_CODE: Final = re.compile(r"[0-9]{5}-[0-9]{3}")
_POSTAL_CODE_SIZE: Final = 9
_CUE_KIND: Final = {w: kind for kind, words in _CUE_LISTS for w in words if "*" not in w}
_CUE_STARRED: Final = [
    (re.compile(trie_pattern([w])), kind)
    for kind, words in reversed(_CUE_LISTS)
    for w in words
    if "*" in w
]
_CUE_ALL: Final = [w for _, words in _CUE_LISTS for w in words]
# The class of first characters comes first: a position that cannot start a cue (white
# space, most punctuation) fails there, before the lookbehind and the trie are tried.
_CUE: Final = re.compile(
    rf"(?=[{''.join(sorted({re.escape(w[0]) for w in _CUE_ALL}))}])(?<!\w)"
    rf"(?:{trie_pattern(_CUE_ALL)})(?!\w)"
)
_CUE_WINDOW: Final = 32
_HELPLINE_WINDOW: Final = 60
_HELPLINE: Final = re.compile(
    rf"(?=[{''.join(sorted({re.escape(w[0]) for w in HELPLINE_CUE_WORDS}))}])(?<!\w)"
    rf"(?:{trie_pattern(HELPLINE_CUE_WORDS)})(?!\w)"
)
_RARE_WORD: Final = 3
_BARE_PHONE_DIGITS: Final = 9
_AREA_CODE: Final = re.compile(r"[0-9]{1,5}\)")
_YEAR_GROUP: Final = re.compile(r"^(?:19|20)[0-9]{2}[/\-]|[/\-](?:19|20)[0-9]{2}$")

# The lookbehind lets a match start only where a run of local-part characters starts,
# so a long run without "@" is scanned once, not once per position (quadratic).
_EMAIL: Final = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
_NOT_DIGIT: Final = re.compile(r"[^0-9]")
_WORDS: Final = re.compile(r"[^\W_]+")
_GLUED_BEFORE: Final = re.compile(r"[\w./\-]")
_RU_ACCOUNT_PREFIXES: Final = ("40817", "40820", "42301", "42307")
_EG_GOVERNORATES: Final = frozenset(
    (*(f"{n:02d}" for n in (1, 2, 3, 4)), *(f"{n:02d}" for n in range(11, 36)), "88")
)
_GLUED_AFTER: Final = re.compile(r"[^\W_]|[/.\-][^\W_]")
_RU_PASSPORT: Final = re.compile(r"[0-9]{4}\s[0-9]{6}|[0-9]{2}\s[0-9]{2}\s[0-9]{6}")

# IBAN lengths by country (SWIFT IBAN registry, plus national formats in use in West
# and North Africa); knowing the length stops a number from running into the next word.
IBAN_LENGTHS: Final = {
    **dict.fromkeys(["NO"], 15),
    **dict.fromkeys(["BE"], 16),
    **dict.fromkeys(["DK", "FI", "FK", "FO", "GL", "NL", "SD"], 18),
    **dict.fromkeys(["MK", "SI"], 19),
    **dict.fromkeys(["AT", "BA", "EE", "KZ", "LT", "LU", "MN", "XK"], 20),
    **dict.fromkeys(["CH", "HR", "LI", "LV"], 21),
    **dict.fromkeys(["BG", "BH", "CR", "DE", "GB", "GE", "IE", "ME", "RS", "VA"], 22),
    **dict.fromkeys(["AE", "GI", "IL", "IQ", "OM", "SO", "TL"], 23),
    **dict.fromkeys(["AD", "CZ", "ES", "MD", "PK", "RO", "SA", "SE", "SK", "TN", "VG"], 24),
    **dict.fromkeys(["AO", "CV", "LY", "MZ", "PT", "ST"], 25),
    **dict.fromkeys(["DZ", "IR", "IS", "TR"], 26),
    **dict.fromkeys(["BI", "CM", "DJ", "FR", "GR", "IT", "MC", "MG", "MR", "SM"], 27),
    **dict.fromkeys(
        ["AL", "AZ", "BF", "BJ", "BY", "CI", "CY", "DO", "GT", "HN", "HU", "LB", "MA"], 28
    ),
    **dict.fromkeys(["ML", "NI", "PL", "SN", "SV"], 28),
    **dict.fromkeys(["BR", "EG", "PS", "QA", "UA"], 29),
    **dict.fromkeys(["JO", "KW", "MU", "YE"], 30),
    **dict.fromkeys(["MT", "SC"], 31),
    **dict.fromkeys(["LC"], 32),
    **dict.fromkeys(["RU"], 33),
}


def iban_valid(candidate: str) -> bool:
    """Whether `candidate` (upper case, no spaces) passes the IBAN mod-97 check."""
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", candidate):
        return False
    length = IBAN_LENGTHS.get(candidate[:2])
    if length is not None and len(candidate) != length:
        return False
    digits = "".join(str(int(c, 36)) for c in candidate[4:] + candidate[:4])
    return int(digits) % 97 == 1


def _iban_at(folded: str, start: int) -> int | None:
    """The end of a valid IBAN starting at `start` (single spaces allowed inside)."""
    want = IBAN_LENGTHS.get(folded[start : start + 2].upper())
    if want is None:
        return None
    chars: list[str] = []
    pos = start
    size = len(folded)
    while pos < size and len(chars) < want:
        char = folded[pos]
        if char.isascii() and char.isalnum():
            chars.append(char.upper())
        elif not (char == " " and chars and pos + 1 < size and folded[pos + 1] != " "):
            break
        pos += 1
    ends_cleanly = pos >= size or not folded[pos].isalnum()
    return pos if ends_cleanly and iban_valid("".join(chars)) else None


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _numeric_dates(text: str, year_first: bool) -> set[dt.date]:
    first, second, third = _DATE_PARTS.findall(text)
    if year_first:
        found = _date(int(first), int(second), int(third))
        return {found} if found else set()
    # A two-digit year may be either century; both orders of day and month are tried.
    year = int(third)
    years = [year] if len(third) == 4 else [1900 + year, 2000 + year]
    day, month = int(first), int(second)
    candidates = (_date(y, m, d) for y in years for d, m in ((day, month), (month, day)))
    return {found for found in candidates if found}


DateSpan = tuple[int, int, set[dt.date]]


class DigitScan:
    """What one pass over the digits of a folded text found: full dates (for a
    protected date of birth) and identifier patterns (anyone's)."""

    __slots__ = ("dates", "hits")

    def __init__(self) -> None:
        self.dates: list[DateSpan] = []
        self.hits: list[Hit] = []


def scan_digits(
    source: Folded,
    regions: Sequence[str],
    *,
    patterns: bool,
    dates: bool = True,
    birth_word: bool | None = None,
) -> DigitScan:
    """Dates and, with `patterns`, identifier patterns in `source` (folded offsets).

    `regions` are the ISO 3166-1 alpha-2 codes whose national phone numbers are read
    (besides `DEFAULT_REGIONS` for numbers written with a trunk prefix). Without
    `dates`, full dates are listed only when a birth cue may make one a date of birth
    (`birth_word`: whether `CUE_WORDS` found a birth cue's word, if the caller knows).
    """
    found = DigitScan()
    folded = source.folded
    # A full date matters for a protected date of birth, or near a birth cue; a text
    # without any birth cue's word in it needs its dates neither read nor checked.
    read_dates = dates or (patterns and _has_birth_word(folded, birth_word))
    if patterns and "@" in folded:
        found.hits += [("email", m.start(), m.end()) for m in _EMAIL.finditer(folded)]
    skip_until = 0
    for match in _DIGITS.finditer(folded):
        start, end = match.span()
        if start < skip_until:
            continue
        group = match.lastgroup
        if group == "mdy":
            if _month_day_year(folded, start, end, found, patterns=patterns):
                continue
            # No month before: the digits are read as a number after all.
            number = _NUMBER_AT.match(folded, start)
            if number is None:
                continue
            group, end = "number", number.end()
            skip_until = end
        if group == "number":
            if patterns:
                found.hits += _number(folded, start, end, regions)
        elif group in ("dmy", "ymd", "word"):
            if read_dates:
                _full_date(folded, match, group, found, patterns=patterns)
        elif patterns:
            hit = _document(source, match, group or "")
            if hit is not None:
                found.hits.append(hit)
                skip_until = hit[2]
    return found


def _birth_word(cue: str) -> str:
    """The word of a birth cue to look for: its longest, or the whole cue (with single
    spaces) when that word is too short to be rare ("г." of "г. р" is in every date)."""
    longest = max(cue.split(" "), key=len)
    return longest if len(longest.strip(".")) >= _RARE_WORD else cue


def _has_birth_word(folded: str, known: bool | None) -> bool:
    return known if known is not None else "birth" in CUE_WORDS.starts(folded)


# One word of each birth cue (its longest), and the street words of addresses, found in
# one pass; a text holding a birth cue holds that word as a whole word (the converse need
# not hold; it only decides whether to look).
CUE_WORDS: Final = WordSet(
    {
        "birth": [_birth_word(w) for w in BIRTH_CUE_WORDS],
        "street": [w for words in (STREET_WORDS_BEFORE, STREET_WORDS_AFTER) for w in words],
        "at": [f"{w} " for w in AT_WORDS],
    },
    {
        "at": [
            f"{o}{w}{c}"
            for w in ("at", "@", "arroba", "arobase", "собака")
            for o, c in ("()", "[]")
        ]
    },
)


def _month(word: str) -> int:
    """The number of a month word as matched (any white space inside it)."""
    return _MONTH_NUMBER[" ".join(word.split())]


def _full_date(
    folded: str, match: re.Match[str], group: str, found: DigitScan, *, patterns: bool
) -> None:
    dates = _dates_of(match.group(), group)
    if dates:
        start, end = match.span()
        found.dates.append((start, end, dates))
        if patterns and _near_birth_cue(folded, start, end):
            found.hits.append(("date_of_birth", start, end))


def _dates_of(text: str, group: str) -> set[dt.date]:
    if group != "word":
        return _numeric_dates(text, group == "ymd")
    parts = _WORD_DATE.match(text)
    if parts is None:
        return set()
    day = _date(int(parts[3]), _month(parts[2]), int(parts[1]))
    return {day} if day else set()


def _month_day_year(folded: str, start: int, end: int, found: DigitScan, *, patterns: bool) -> bool:
    """A day after a month word and before a year: "March 14, 2008"."""
    month = _MONTH_BEFORE.search(folded, max(0, start - 14), start)
    day_text = _DATE_PARTS.match(folded, start)
    year = _YEAR.search(folded, start, end)
    if month is None or day_text is None or year is None:
        return False
    day = _date(int(year.group()), _month(month[1]), int(day_text.group()))
    if day is None:
        return False
    found.dates.append((month.start(), end, {day}))
    if patterns and _near_birth_cue(folded, month.start(), end):
        found.hits.append(("date_of_birth", month.start(), end))
    return True


def _document(source: Folded, match: re.Match[str], group: str) -> Hit | None:
    folded = source.folded
    start, end = match.span()
    compact = _SPACE_DASH.sub("", match.group()).upper()
    if group == "dnidot":
        return _dni_with_dots(folded, start, end, compact)
    if group == "dni":
        return _dni_or_nie(folded, start, end, compact)
    if group == "ptcc":
        return ("document", start, end) if pt_cc.is_valid(compact) else None
    if group == "frpass":
        return _shaped_document(source, start, end)
    # Digits glued to letters: take the whole word.
    first, low = start, max(0, start - 40)
    while first > low and folded[first - 1] in _ASCII_ALNUM:
        first -= 1
    if first > 0 and (folded[first - 1].isalnum() or folded[first - 1] in "/-_"):
        return None
    word = folded[first:end]
    iban_end = _iban_at(folded, first) if word[:2].isalpha() and word[2:4].isdigit() else None
    if iban_end is not None:
        return "bank_account", first, iban_end
    if _CODICE_FISCALE.fullmatch(word) and codicefiscale.is_valid(word.upper()):
        return "document", first, end
    if _GLUED_AFTER.match(folded, end):
        return None
    tail = _SPLIT_TAIL.match(folded, end)
    if tail is not None and _MONTH_AFTER.match(folded, tail.end()) is None:
        end = tail.end()  # "BA057 958", but not the day of "TK1193 25 августа"
    shape = _LETTER_DOCUMENT.fullmatch(folded, first, end)
    if shape is None or not 6 <= len(_NOT_DIGIT.sub("", shape.group())) <= 9:
        return None
    return _shaped_document(source, first, end)


def _dni_or_nie(folded: str, start: int, end: int, compact: str) -> Hit | None:
    """A Spanish DNI (12345678Z) or NIE (X1234567L) with a correct check letter."""
    before = folded[max(0, start - 2) : start]
    if before[-1:] in ("x", "y", "z") or before in ("x-", "y-", "z-"):
        start -= 1 if before[-1:] != "-" else 2
        compact = folded[start].upper() + compact
    elif before[-1:].isalnum():
        return None
    valid = dni.is_valid(compact) or nie.is_valid(compact)
    return ("document", start, end) if valid else None


def _dni_with_dots(folded: str, start: int, end: int, compact: str) -> Hit | None:
    """A Spanish DNI written "67.127.684-E", with a correct check letter."""
    if _GLUED_BEFORE.match(folded[max(0, start - 1) : start]):
        return None
    return ("document", start, end) if dni.is_valid(compact.replace(".", "")) else None


def _shaped_document(source: Folded, start: int, end: int) -> Hit | None:
    """A letters-and-digits document shape: a document after a document cue, not after a
    case or court cue, and otherwise only with its letters written as capitals ("ab123456"
    in running text is more often a code than a passport)."""
    cue, _ = _cue_before(source.folded, start)
    if cue == "reference":
        return None
    if cue != "document":
        first, last = source.span(start, end)
        letters = [c for c in source.text[first:last] if c.isalpha()]
        if not letters or not all(c.isupper() for c in letters):
            return None
    return "document", start, end


def _number(folded: str, start: int, end: int, regions: Sequence[str]) -> list[Hit]:
    hits = _number_hits(folded, start, end, regions)
    if hits and hits[0][0] == "phone":
        digits = _NOT_DIGIT.sub("", folded[start:end])
        international = folded[hits[0][1]] == "+" or digits.startswith("00")
        if is_service(digits.removeprefix("00"), international, (*regions, *DEFAULT_REGIONS)):
            return []  # a helpline or another service number, not a person's line
    return hits


def _number_hits(folded: str, start: int, end: int, regions: Sequence[str]) -> list[Hit]:
    raw = folded[start:end]
    digits = _NOT_DIGIT.sub("", raw)
    if len(digits) < 5 or _GLUED_AFTER.match(folded, end) or _is_amount(folded, start, end):
        return []
    before = folded[max(0, start - 2) : start]
    if before.endswith("+") or before == "+ ":
        start -= len(before) - before.index("+")
        raw = "+" + raw
    international = raw.startswith("+") or digits.startswith("00")
    if not international and ("/" in raw or "-" in raw) and _YEAR_GROUP.search(raw):
        return []  # "2024-85434", "06409/2024": a year joined to a number is a reference
    cue, numbered = _cue_before(folded, start)
    if cue == "helpline" or (cue is None and _helpline_before(folded, start)):
        return []  # "the association's freephone, 900 10 50 90": an institution's line
    if len(raw) == _POSTAL_CODE_SIZE and _POSTAL_CODE.fullmatch(raw):
        return []  # "01310-100 São Paulo": a Brazilian postal code (CEP)
    if len(digits) == 20 and (cue == "account" or digits.startswith(_RU_ACCOUNT_PREFIXES)):
        return [("bank_account", start, end)]  # a Russian account of a person
    if cue in ("reference", "abbreviation"):
        # A case number is no phone, unless it is written as phones are: "+" or "00"
        # first, or a trunk prefix and valid for a region.
        strong = international or has_trunk_prefix(digits)
        valid = strong and _is_phone(raw, digits, numbered or cue == "abbreviation", regions)
        return [("phone", start, end)] if valid else []
    if cue == "phone" and 7 <= len(digits) <= 15:
        return [("phone", start, end)]
    if cue == "document":
        return [("document", start, end)]
    if not raw.startswith("+") and _is_national_id(raw, digits):
        return [("document", start, end)]
    # "(71) 921 007": a first group in brackets is written as an area code.
    area_code = folded[start - 1 : start] == "(" and _AREA_CODE.match(folded, start) is not None
    if area_code:
        start -= 1
    if _is_phone(raw, digits, numbered, regions, area_code=area_code):
        return [("phone", start, end)]
    return []


def _near_birth_cue(folded: str, start: int, end: int) -> bool:
    """Whether a birth cue governs the date at [start, end): at most 40 characters
    before it or 25 after it, with nothing between that starts another clause."""
    before = folded[max(0, start - 40) : start]
    cues = list(_BIRTH.finditer(before))
    if cues:
        # A dot right after the cue is an abbreviation ("DOB.:"), not a sentence end.
        between = before[cues[-1].end() :].removeprefix(".")
        cue_start = max(0, start - 40) + cues[-1].start()
        # "صدرت شهادة الميلاد المقدمة في …": a certificate issued, not a birth.
        lead = folded[max(0, cue_start - 30) : cue_start]
        lead = _CLAUSE_BREAK.split(lead)[-1]
        issued = any(w in ISSUANCE_WORDS for w in _WORDS.findall(lead))
        if not issued and _governs(between):
            return True
    after = folded[end : end + 25]
    cue_after = _BIRTH.search(after)
    return cue_after is not None and _governs(after[: cue_after.start()])


def _governs(between: str) -> bool:
    """Whether a birth cue and a date with `between` them belong to one clause: no
    sentence or clause punctuation, no conjunction ("born in Benin City and on …"), no
    issuance verb ("birth certificate issued on …")."""
    if _CLAUSE_BREAK.search(between):
        return False
    for word in _WORDS.findall(between):
        if word in _AND_WORDS or word in ISSUANCE_WORDS:
            return False
        if word.startswith("و") and len(word) > 2 and not _BIRTH.fullmatch(word):
            return False  # an Arabic "and" joined to the next word
    return True


def _is_amount(folded: str, start: int, end: int) -> bool:
    return bool(
        _CURRENCY_BEFORE.search(folded, max(0, start - 10), start)
        or _CURRENCY_AFTER.match(folded, end, end + 14)
    )


def _cue_before(folded: str, start: int) -> tuple[str | None, bool]:
    """The nearest phone, document or reference cue before `start` in the same line
    and clause, and whether a number cue ("number", "n°", "номер", "رقم") is there."""
    low = max(0, start - _CUE_WINDOW)
    low = 1 + max(
        low - 1,
        folded.rfind("\n", low, start),
        folded.rfind("!", low, start),
        folded.rfind("?", low, start),
        folded.rfind(";", low, start),
    )
    nearest: str | None = None
    numbered = False
    for word in _CUE.findall(folded, low, start):
        kind = _cue_kind(word)
        if kind == "number":
            numbered = True
        elif kind != "abbreviation" or nearest in (None, "reference", "abbreviation"):
            # "phone no.", "passport №": the abbreviation numbers what the cue names.
            nearest = kind
    return nearest, numbered


def _helpline_before(folded: str, start: int) -> bool:
    """Whether a helpline cue stands in the same sentence up to `_HELPLINE_WINDOW`
    characters before `start` ("le numéro vert de l'association, le 01 44 52 00 10")."""
    low = max(0, start - _HELPLINE_WINDOW)
    for stop in "\n!?;.":
        cut = folded.rfind(stop, low, start)
        if cut >= 0:
            low = cut + 1
    return _HELPLINE.search(folded, low, start) is not None


@functools.lru_cache(maxsize=4096)
def _cue_kind(word: str) -> str:
    word = " ".join(word.split())
    kind = _CUE_KIND.get(word)
    if kind is not None:
        return kind
    return next((kind for pattern, kind in _CUE_STARRED if pattern.fullmatch(word)), "number")


def _is_phone(
    raw: str, digits: str, numbered: bool, regions: Sequence[str], *, area_code: bool = False
) -> bool:
    if raw.startswith("+"):
        return 8 <= len(digits) <= 15
    if len(digits) < 7 or len(digits) > 17:
        return False
    if digits.startswith("00"):
        return valid_international(digits[2:])
    if has_trunk_prefix(digits) or numbered or area_code:
        if valid_national(digits, (*regions, *DEFAULT_REGIONS)):
            return True
        return numbered and digits.startswith("0") and 9 <= len(digits) <= 15
    # A bare run: no "+", "00", trunk prefix or cue. Seven- and eight-digit runs are
    # valid subscriber numbers in many plans and are far more often vessel, file or
    # record numbers.
    return len(digits) >= _BARE_PHONE_DIGITS and valid_national(digits, regions)


def _egyptian_id(digits: str) -> bool:
    """The shape of an Egyptian national number: century digit (2: 1900s, 3: 2000s), a
    valid birth date YYMMDD, a governorate code, four digits and a check digit (whose
    algorithm is not published, so it is not checked)."""
    if digits[0] not in "23":
        return False
    year = (1900 if digits[0] == "2" else 2000) + int(digits[1:3])
    born = _date(year, int(digits[3:5]), int(digits[5:7]))
    return born is not None and born <= dt.date.today() and digits[7:9] in _EG_GOVERNORATES


def _is_national_id(raw: str, digits: str) -> bool:
    """A bare number that passes a national id's check digits (Brazilian CPF, French
    NIR, Russian INN of a person), has the shape of an Egyptian national number, or has
    the shape of a Russian passport."""
    size = len(digits)
    if size == 14:
        return _egyptian_id(digits)
    if size == 11:
        return bool(cpf.is_valid(digits))
    if size == 15:
        return bool(nir.is_valid(digits))
    if size == 12:
        return bool(inn.is_valid(digits))
    return size == 10 and _RU_PASSPORT.fullmatch(raw) is not None and " " in raw
