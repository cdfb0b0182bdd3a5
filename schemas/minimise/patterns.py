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
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from typing import Final

from stdnum.br import cpf
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.it import codicefiscale
from stdnum.pt import cc as pt_cc
from stdnum.ru import inn

from .phones import DEFAULT_REGIONS, has_trunk_prefix, valid_international, valid_national
from .textview import Folded, scan_fold
from .words import BIRTH_CUES, CURRENCY_CUES, DOCUMENT_CUES, NUMBER_CUES, PHONE_CUES, REFERENCE_CUES

Hit = tuple[str, int, int]
"""(kind, start, end) in folded offsets."""

_MONTHS: Final = {
    1: "january|jan|janvier|janv|enero|ene|janeiro|января|январь|يناير|كانون الثاني|جانفي",
    2: "february|feb|fevrier|fevr|fev|febrero|fevereiro|февраля|февраль|فبراير|شباط|فيفري",
    3: "march|mar|mars|marzo|março|марта|март|مارس|آذار",
    4: "april|apr|avril|avr|abril|abr|апреля|апрель|أبريل|إبريل|ابريل|نيسان|افريل",
    5: "may|mai|mayo|maio|мая|май|مايو|أيار|ماي",
    6: "june|jun|juin|junio|junho|июня|июнь|يونيو|يونيه|حزيران|جوان",
    7: "july|jul|juillet|juil|julio|julho|июля|июль|يوليو|يوليه|تموز|جويلية",
    8: "august|aug|aout|août|agosto|ago|августа|август|أغسطس|آب|اوت",
    9: "september|sept|sep|septembre|septiembre|setiembre|setembro|set|сентября|сентябрь"
    "|سبتمبر|أيلول",
    10: "october|oct|octobre|octubre|outubro|out|октября|октябрь|أكتوبر|اكتوبر|تشرين الأول",
    11: "november|nov|novembre|noviembre|novembro|ноября|ноябрь|نوفمبر|تشرين الثاني",
    12: "december|dec|decembre|diciembre|dic|dezembro|dez|декабря|декабрь|ديسمبر|كانون الأول",
}
# Month words folded like the text they are matched in.
_MONTH_NUMBER: Final = {
    scan_fold(word): number for number, words in _MONTHS.items() for word in words.split("|")
}
_MONTH: Final = "|".join(sorted(map(re.escape, _MONTH_NUMBER), key=len, reverse=True))

_SEP: Final = r"\s?[./-]\s?"
# No digit, or digit and separator, on either side: "v1.14.03.2001" and "2026/0042"
# are not dates, but a sentence may end right after one ("… on 14.03.2001.").
_BEFORE: Final = r"(?<![0-9])(?<![0-9][/.-])"
_AFTER: Final = r"(?![0-9]|[/.-][0-9])"
_NUMERIC_DATE: Final = re.compile(
    rf"{_BEFORE}(?:([0-9]{{1,2}}){_SEP}([0-9]{{1,2}}){_SEP}([0-9]{{4}}|[0-9]{{2}})"
    rf"|([0-9]{{4}}){_SEP}([0-9]{{1,2}}){_SEP}([0-9]{{1,2}})){_AFTER}"
)
# 14 March 2001, 1er mars 2001, 14 de marzo de 2001, 14 марта 2001 г., 14 مارس 2001
_DAY_MONTH_YEAR: Final = re.compile(
    rf"(?<![0-9])([0-9]{{1,2}})(?:st|nd|rd|th|er|º|o)?\.?\s+(?:de\s+|of\s+)?({_MONTH})\.?,?"
    rf"\s+(?:de\s+|del\s+|of\s+)?([0-9]{{4}})(?![0-9])"
)
# March 14, 2001
_MONTH_DAY_YEAR: Final = re.compile(
    rf"(?<!\w)({_MONTH})\.?\s+([0-9]{{1,2}})(?:st|nd|rd|th)?,?\s+([0-9]{{4}})(?![0-9])"
)
_MONTH_BEFORE_DAY: Final = re.compile(r"[^\W\d_]\.?\s+[0-9]{1,2}(?:st|nd|rd|th)?,?\s+[0-9]{4}")

_BIRTH: Final = re.compile(rf"(?<!\w)(?:{BIRTH_CUES})(?!\w)")
_SENTENCE_END: Final = re.compile(r"[.!?;]\s|[!?;\n]")
_CURRENCY_BEFORE: Final = re.compile(rf"(?:(?<!\w)(?:{CURRENCY_CUES}))\.?\s*$")
_CURRENCY_AFTER: Final = re.compile(rf"\s*(?:{CURRENCY_CUES})(?!\w)")
_CUE: Final = re.compile(
    rf"(?<!\w)(?:(?P<phone>{PHONE_CUES})|(?P<document>{DOCUMENT_CUES})"
    rf"|(?P<reference>{REFERENCE_CUES})|(?P<number>{NUMBER_CUES}))(?!\w)"
)
_CUE_WINDOW: Final = 32

# The lookbehind lets a match start only where a run of local-part characters starts,
# so a long run without "@" is scanned once, not once per position (quadratic).
_EMAIL: Final = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
# A candidate number: digits with single separators (space . - / and brackets) between
# groups, an optional "+" first. Not inside a word or glued to one by "/", "." or "-"
# ("MLA/2026/0042", "art. 225-4-1" stay references); what follows is checked in Python.
_NUMBER: Final = re.compile(
    r"(?<![\w+])(?<![^\W_][/.\-])(?:\+\s?)?\(?[0-9]+"
    r"(?:(?:[ .\-/]|\s?\(|\)\s?|\s[-–]\s|\)?[.\-]\(?)[0-9]+)*\)?"
)
_NOT_DIGIT: Final = re.compile(r"[^0-9]")
_GLUED_AFTER: Final = re.compile(r"[^\W_]|[/.\-][^\W_]")
# Letters and digits: A12345678, BA057 958 (a space or hyphen inside), French passport
# 12AB34567, Spanish DNI/NIE with its check letter, Portuguese citizen card
# 12345678 9 ZZ4, Italian codice fiscale.
_ALNUM_DOCUMENT: Final = re.compile(
    r"(?<![\w/\-])(?:"
    r"(?P<letters>[a-z]{1,3}[0-9]{1,9}(?:[ \-][0-9]{2,7})?)"
    r"|(?P<fr>[0-9]{2}[a-z]{2}[0-9]{5})"
    r"|(?P<dni>[xyz]?-?[0-9]{7,8}-?[a-z])"
    r"|(?P<ptcc>[0-9]{8}\s?[0-9]\s?[a-z]{2}[0-9])"
    r"|(?P<cf>[a-z]{6}[0-9]{2}[a-z][0-9]{2}[a-z][0-9]{3}[a-z])"
    r")(?![\w/\-])"
)
_RU_PASSPORT: Final = re.compile(r"[0-9]{2}\s?[0-9]{2}\s?(?:№\s?)?[0-9]{6}")
_IBAN_START: Final = re.compile(r"(?<![a-z0-9])[a-z]{2}[0-9]{2}")
_DIGIT: Final = re.compile(r"[0-9]")
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


def _ibans(folded: str) -> Iterator[Hit]:
    for start in _IBAN_START.finditer(folded):
        want = IBAN_LENGTHS.get(start.group().upper()[:2])
        if want is None:
            continue
        chars: list[str] = []
        pos = start.start()
        while pos < len(folded) and len(chars) < want:
            char = folded[pos]
            if char.isascii() and char.isalnum():
                chars.append(char.upper())
            elif not (char == " " and chars and pos + 1 < len(folded) and folded[pos + 1] != " "):
                break
            pos += 1
        ends_cleanly = pos >= len(folded) or not folded[pos].isalnum()
        if ends_cleanly and iban_valid("".join(chars)):
            yield "bank_account", start.start(), pos


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _numeric_dates(groups: Sequence[str | None]) -> set[dt.date]:
    if groups[3] is not None:  # year first
        found = _date(int(groups[3]), int(groups[4] or 0), int(groups[5] or 0))
        return {found} if found else set()
    first, second, year_text = int(groups[0] or 0), int(groups[1] or 0), groups[2] or ""
    # A two-digit year may be either century; both orders of day and month are tried.
    years = (
        [int(year_text)] if len(year_text) == 4 else [1900 + int(year_text), 2000 + int(year_text)]
    )
    candidates = (_date(y, m, d) for y in years for d, m in ((first, second), (second, first)))
    return {found for found in candidates if found}


DateSpan = tuple[int, int, set[dt.date]]


def find_dates(folded: str) -> list[DateSpan]:
    """Full dates in folded text: (start, end, the dates the digits can stand for),
    ordered by start, none overlapping."""
    if not _DIGIT.search(folded):
        return []
    spans: list[DateSpan] = []
    for match in _NUMERIC_DATE.finditer(folded):
        dates = _numeric_dates(match.groups())
        if dates:
            spans.append((match.start(), match.end(), dates))
    for match in _DAY_MONTH_YEAR.finditer(folded):
        day, word, year = match.groups()
        found = _date(int(year), _MONTH_NUMBER[word], int(day))
        if found:
            spans.append((match.start(), match.end(), {found}))
    if _MONTH_BEFORE_DAY.search(folded):
        for match in _MONTH_DAY_YEAR.finditer(folded):
            word, day, year = match.groups()
            found = _date(int(year), _MONTH_NUMBER[word], int(day))
            if found:
                spans.append((match.start(), match.end(), {found}))
    spans.sort(key=lambda span: span[0])
    kept: list[DateSpan] = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def _near_birth_cue(folded: str, start: int, end: int) -> bool:
    before = folded[max(0, start - 40) : start]
    cues = list(_BIRTH.finditer(before))
    if cues:
        # A dot right after the cue is an abbreviation ("DOB.:"), not a sentence end.
        between = before[cues[-1].end() :].removeprefix(".")
        if not _SENTENCE_END.search(between):
            return True
    after = folded[end : end + 25]
    cue_after = _BIRTH.search(after)
    return cue_after is not None and not _SENTENCE_END.search(after[: cue_after.start()])


def mask(text: str, spans: Sequence[DateSpan]) -> str:
    """`text` with each span replaced by as many "#" (dates are no phone numbers)."""
    if not spans:
        return text
    pieces = []
    last = 0
    for start, end, _ in spans:
        pieces += [text[last:start], "#" * (end - start)]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _is_amount(folded: str, start: int, end: int) -> bool:
    return bool(
        _CURRENCY_BEFORE.search(folded, max(0, start - 10), start)
        or _CURRENCY_AFTER.match(folded, end, end + 14)
    )


def _cue_before(folded: str, start: int) -> tuple[str | None, bool]:
    """The nearest phone, document or reference cue before `start` in the same line
    and clause, and whether a number cue ("number", "n°", "номер", "رقم") is there."""
    low = max(0, start - _CUE_WINDOW)
    for stop in "\n!?;":
        cut = folded.rfind(stop, low, start)
        if cut >= 0:
            low = cut + 1
    nearest: str | None = None
    numbered = False
    for match in _CUE.finditer(folded, low, start):
        if match.lastgroup == "number":
            numbered = True
        else:
            nearest = match.lastgroup
    return nearest, numbered


def _is_phone(raw: str, digits: str, numbered: bool, regions: Sequence[str]) -> bool:
    if raw.startswith("+"):
        return 8 <= len(digits) <= 15
    if len(digits) < 7 or len(digits) > 17:
        return False
    if digits.startswith("00"):
        return valid_international(digits[2:])
    if has_trunk_prefix(digits):
        if valid_national(digits, (*regions, *DEFAULT_REGIONS)):
            return True
        return numbered and digits.startswith("0") and 9 <= len(digits) <= 15
    return valid_national(digits, regions)


def _is_national_id(raw: str, digits: str) -> bool:
    """A bare number that passes a national id's check digits (Brazilian CPF, French
    NIR, Russian INN of a person) or has the shape of a Russian passport."""
    size = len(digits)
    if size == 11:
        return bool(cpf.is_valid(digits))
    if size == 15:
        return bool(nir.is_valid(digits))
    if size == 12:
        return bool(inn.is_valid(digits))
    return size == 10 and _RU_PASSPORT.fullmatch(raw) is not None and " " in raw


def _numbers(masked: str, regions: Sequence[str]) -> Iterator[Hit]:
    for match in _NUMBER.finditer(masked):
        start, end = match.span()
        raw = match.group()
        digits = _NOT_DIGIT.sub("", raw)
        if len(digits) < 5 or _GLUED_AFTER.match(masked, end):
            continue
        if _is_amount(masked, start, end):
            continue
        cue, numbered = _cue_before(masked, start)
        if cue == "reference":
            continue
        if cue == "phone" and 7 <= len(digits) <= 15:
            yield "phone", start, end
        elif cue == "document":
            yield "document", start, end
        elif _is_phone(raw, digits, numbered, regions):
            yield "phone", start, end
        elif _is_national_id(raw, digits):
            yield "document", start, end


def _alnum_documents(source: Folded, masked: str) -> Iterator[Hit]:
    for match in _ALNUM_DOCUMENT.finditer(masked):
        start, end = match.span()
        group = match.lastgroup
        compact = re.sub(r"[\s\-]", "", match.group()).upper()
        if group == "dni":
            if dni.is_valid(compact) or nie.is_valid(compact):
                yield "document", start, end
            continue
        if group == "ptcc":
            if pt_cc.is_valid(compact):
                yield "document", start, end
            continue
        if group == "cf":
            if codicefiscale.is_valid(compact):
                yield "document", start, end
            continue
        if group == "letters" and not 6 <= sum(c.isdigit() for c in compact) <= 9:
            continue
        cue, _ = _cue_before(masked, start)
        if cue == "reference":
            continue
        if cue == "document":
            yield "document", start, end
            continue
        # Without a document cue, the letters must be capitals as written: "ab123456"
        # in running text is more often a code than a passport.
        first, last = source.span(start, end)
        letters = [c for c in source.text[first:last] if c.isalpha()]
        if letters and all(c.isupper() for c in letters):
            yield "document", start, end


def find_patterns(
    source: Folded, dates: Sequence[DateSpan], regions: Sequence[str] = ()
) -> list[Hit]:
    """Identifier patterns in `source` (anyone's): (kind, start, end) in folded offsets.

    `dates` is `find_dates(source.folded)`; `regions` the ISO 3166-1 alpha-2 codes
    whose national phone numbering plans are read (besides `DEFAULT_REGIONS` for
    numbers written with a trunk prefix).
    """
    folded = source.folded
    hits: list[Hit] = []
    if "@" in folded:
        hits += [("email", m.start(), m.end()) for m in _EMAIL.finditer(folded)]
    if not _DIGIT.search(folded):
        return hits
    hits += [("date_of_birth", s, e) for s, e, _ in dates if _near_birth_cue(folded, s, e)]
    hits += _ibans(folded)
    masked = mask(folded, dates)
    hits += _numbers(masked, regions)
    hits += _alnum_documents(source, masked)
    return hits
