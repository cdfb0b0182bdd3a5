"""Identifier patterns in free text: e-mails, phones, IBANs, document numbers, dates.

Patterns favour precision: a false hit blocks an officer's message for no reason and
teaches people to disclose by reflex. So IBANs are checked with mod-97 and their
country's length, Spanish DNI/NIE numbers with their check letter, dates are taken out
before looking for phone and document numbers, and numbers next to a currency are
amounts. What a pattern cannot see is listed in `docs/minimisation.md`.
"""

# Word lists and patterns in Cyrillic and Arabic script are the point of this module:
# ruff: noqa: RUF003

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from typing import Final

from .normalise import normalise_text
from .words import BIRTH_KEYWORDS, CURRENCY_WORDS, DOCUMENT_KEYWORDS, PHONE_KEYWORDS

_MONTHS: Final = {
    1: "january|jan|janvier|janv|enero|ene|января|январь|يناير|كانون الثاني",
    2: "february|feb|fevrier|fevr|fev|febrero|feb|февраля|февраль|فبراير|شباط",
    3: "march|mar|mars|marzo|марта|март|مارس|آذار",
    4: "april|apr|avril|avr|abril|abr|апреля|апрель|أبريل|إبريل|نيسان",
    5: "may|mai|mayo|мая|май|مايو|أيار",
    6: "june|jun|juin|junio|июня|июнь|يونيو|يونيه|حزيران",
    7: "july|jul|juillet|juil|julio|июля|июль|يوليو|يوليه|تموز",
    8: "august|aug|aout|agosto|ago|августа|август|أغسطس|آب",
    9: "september|sept|sep|septembre|septiembre|setiembre|сентября|сентябрь|سبتمبر|أيلول",
    10: "october|oct|octobre|octubre|октября|октябрь|أكتوبر|تشرين الأول",
    11: "november|nov|novembre|noviembre|ноября|ноябрь|نوفمبر|تشرين الثاني",
    12: "december|dec|decembre|diciembre|dic|декабря|декабрь|ديسمبر|كانون الأول",
}
# Month words folded like the text they are matched in.
_MONTH_NUMBER: Final = {
    normalise_text(word): number for number, words in _MONTHS.items() for word in words.split("|")
}
_MONTH: Final = "|".join(sorted(map(re.escape, _MONTH_NUMBER), key=len, reverse=True))

_SEP: Final = r"\s?[./-]\s?"
# No digit, or digit and separator, on either side: "v1.14.03.2001" and "2026/0042"
# are not dates, but a sentence may end right after one ("… on 14.03.2001.").
_BEFORE: Final = r"(?<!\d)(?<!\d[/.-])"
_AFTER: Final = r"(?!\d|[/.-]\d)"
_DATE_RES: Final = (
    # 14/03/2001, 14.03.01, 3-14-2001: both day-month orders are tried.
    ("dmy", re.compile(rf"{_BEFORE}(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}}|\d{{2}}){_AFTER}")),
    ("ymd", re.compile(rf"{_BEFORE}(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}}){_AFTER}")),
    # 14 March 2001, 1er mars 2001, 14 de marzo de 2001, 14 марта 2001 г., 14 مارس 2001
    (
        "dMy",
        re.compile(
            rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|er)?\.?\s+(?:de\s+|of\s+)?({_MONTH})\.?,?"
            rf"\s+(?:de\s+|del\s+)?(\d{{4}})(?!\d)"
        ),
    ),
    # March 14, 2001
    ("Mdy", re.compile(rf"(?<!\w)({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)")),
)

_BIRTH: Final = re.compile(rf"(?<!\w)(?:{BIRTH_KEYWORDS})(?!\w)")
_SENTENCE_END: Final = re.compile(r"[.!?;]\s|[!?;\n]")
_CURRENCY_BEFORE: Final = re.compile(rf"(?<!\w)(?:{CURRENCY_WORDS})\.?\s*$")
_CURRENCY_AFTER: Final = re.compile(rf"^\s*(?:{CURRENCY_WORDS})(?!\w)")

# The lookbehind lets a match start only where a run of local-part characters starts,
# so a long run without "@" is scanned once, not once per position (quadratic).
_EMAIL: Final = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
_PHONE_INTERNATIONAL: Final = re.compile(
    r"(?<![\w+])(?:\+|00)\s?\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,6}(?!\w)"
)
_PHONE_NATIONAL: Final = re.compile(r"(?<![\w+/.-])\(?0\d{1,4}\)?(?:[\s.-]?\d{2,4}){1,5}(?![\w/])")
_PHONE_RU: Final = re.compile(r"(?<![\w+])8[\s-]?\(?9\d{2}\)?[\s-]?\d{3}(?:[\s-]?\d{2}){2}(?!\w)")
_PHONE_KEYWORD: Final = re.compile(
    rf"(?<!\w)(?:{PHONE_KEYWORDS})(?!\w)[^\d\n!?;]{{0,25}}?(\+?\d[\d\s().-]{{5,22}}\d)(?![\w])"
)
# Letter shapes need upper case (the pattern view); digit shapes run on masked text.
_DOCUMENT_LETTER_SHAPES: Final = (
    re.compile(r"(?<![\w/-])[A-Z]{1,3}\d{6,9}(?![\w/-])"),  # A12345678, AB1234567
    re.compile(r"(?<![\w/-])\d{2}[A-Z]{2}\d{5}(?![\w/-])"),  # French passport 12AB34567
)
_DOCUMENT_DIGIT_SHAPES: Final = (
    re.compile(r"(?<![\w/-])\d{2}\s?\d{2}\s?(?:№\s?)?\d{6}(?![\w/-])"),  # Russian 4510 123456
    re.compile(r"(?<![\w.,/-])\d{9,15}(?![\w.,/-])"),  # long national id numbers
)
_DNI: Final = re.compile(r"(?<![\w/-])([XYZ]?)-?(\d{7,8})-?([A-Z])(?![\w/-])")
_DNI_LETTERS: Final = "TRWAGMYFPDXBNJZSQVHLCKE"
_DOCUMENT_KEYWORD: Final = re.compile(
    rf"(?<!\w)(?:{DOCUMENT_KEYWORDS})(?!\w)[^\n!?;]{{0,30}}?"
    r"(?<![\w])([a-z]{0,3}\d[\d\s./№-]{3,20}\d[a-z]?)(?!\w)"
)
_IBAN_START: Final = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}")

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


def pattern_view(text: str) -> str:
    """Text as identifier patterns see it: NFKC, digits of every script in ASCII,
    format characters dropped, unreadable code points as spaces; case is kept."""
    if text.isascii():
        return text  # NFKC and the digit map are the identity on ASCII; no Cf, Cn, Cs
    out = []
    for char in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(char)
        if category == "Nd":
            out.append(str(unicodedata.decimal(char)))
        elif category in ("Cn", "Cs"):
            out.append(" ")
        elif category != "Cf":
            out.append(char)
    return "".join(out)


def iban_valid(candidate: str) -> bool:
    """Whether `candidate` (upper case, no spaces) passes the IBAN mod-97 check."""
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", candidate):
        return False
    length = IBAN_LENGTHS.get(candidate[:2])
    if length is not None and len(candidate) != length:
        return False
    digits = "".join(str(int(c, 36)) for c in candidate[4:] + candidate[:4])
    return int(digits) % 97 == 1


def _ibans(view: str) -> Iterator[str]:
    for start in _IBAN_START.finditer(view):
        want = IBAN_LENGTHS.get(start.group().upper()[:2])
        if want is None:
            continue
        chars: list[str] = []
        pos = start.start()
        while pos < len(view) and len(chars) < want:
            char = view[pos]
            if char.isascii() and char.isalnum():
                chars.append(char.upper())
            elif not (char == " " and chars and pos + 1 < len(view) and view[pos + 1] != " "):
                break
            pos += 1
        ends_cleanly = pos >= len(view) or not view[pos].isalnum()
        if ends_cleanly and iban_valid("".join(chars)):
            yield "".join(chars)


def _dates_from(kind: str, groups: tuple[str, ...]) -> set[dt.date]:
    orders: list[tuple[int, int, int]]
    if kind in ("dMy", "Mdy"):
        day, word, year = groups if kind == "dMy" else (groups[1], groups[0], groups[2])
        orders = [(int(year), _MONTH_NUMBER[word], int(day))]
    elif kind == "ymd":
        orders = [(int(groups[0]), int(groups[1]), int(groups[2]))]
    else:
        first, second, year_text = int(groups[0]), int(groups[1]), groups[2]
        # A two-digit year may be either century; both are kept as possible dates.
        years = (
            [int(year_text)]
            if len(year_text) == 4
            else [1900 + int(year_text), 2000 + int(year_text)]
        )
        orders = [(y, m, d) for y in years for d, m in ((first, second), (second, first))]
    found = set()
    for y, m, d in orders:
        try:
            found.add(dt.date(y, m, d))
        except ValueError:
            continue
    return found


def find_dates(folded: str) -> list[tuple[int, int, set[dt.date]]]:
    """Full dates in folded text: (start, end, the dates the digits can stand for)."""
    spans: list[tuple[int, int, set[dt.date]]] = []
    for kind, pattern in _DATE_RES:
        for match in pattern.finditer(folded):
            dates = _dates_from(kind, match.groups())
            overlaps = any(s < match.end() and match.start() < e for s, e, _ in spans)
            if dates and not overlaps:
                spans.append((match.start(), match.end(), dates))
    return spans


def _near_birth_keyword(folded: str, start: int, end: int) -> bool:
    before = folded[max(0, start - 40) : start]
    keywords = list(_BIRTH.finditer(before))
    if keywords:
        # A dot right after the keyword is an abbreviation ("DOB.:"), not a sentence end.
        between = before[keywords[-1].end() :].removeprefix(".")
        return not _SENTENCE_END.search(between)
    after = folded[end : end + 25]
    keyword_after = _BIRTH.search(after)
    return keyword_after is not None and not _SENTENCE_END.search(after[: keyword_after.start()])


def mask(text: str, spans: list[tuple[int, int, set[dt.date]]]) -> str:
    """`text` with each span replaced by as many "#" (dates are no phone numbers)."""
    chars = list(text)
    for start, end, _ in spans:
        chars[start:end] = "#" * (end - start)
    return "".join(chars)


def _is_amount(view: str, start: int, end: int) -> bool:
    return bool(
        _CURRENCY_BEFORE.search(view[max(0, start - 10) : start].lower())
        or _CURRENCY_AFTER.search(view[end : end + 12].lower())
    )


def _digit_count(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _dni_valid(match: re.Match[str]) -> bool:
    prefix, digits, letter = match.groups()
    if len(digits) != (7 if prefix else 8):
        return False
    number = int(str("XYZ".index(prefix)) + digits if prefix else digits)
    return _DNI_LETTERS[number % 23] == letter


def find_patterns(text: str, folded: str, dates: list[tuple[int, int, set[dt.date]]]) -> list[str]:
    """Kinds of identifier patterns in `text` ("email", "phone", …), in a fixed order.

    `folded` is `fold(text, strict=False)` and `dates` is `find_dates(folded)`.
    """
    view = pattern_view(text)
    masked = mask(folded, dates)
    kinds: list[str] = []
    if "@" in view and _EMAIL.search(view):
        kinds.append("email")
    if any(_near_birth_keyword(folded, start, end) for start, end, _ in dates):
        kinds.append("date_of_birth")
    if next(_ibans(view), None) is not None:
        kinds.append("bank_account")
    if _has_phone(masked):
        kinds.append("phone")
    if _has_document(view, masked):
        kinds.append("document")
    return kinds


def _has_phone(masked: str) -> bool:
    for pattern, least in ((_PHONE_INTERNATIONAL, 8), (_PHONE_NATIONAL, 9), (_PHONE_RU, 11)):
        for match in pattern.finditer(masked):
            if least <= _digit_count(match.group()) <= 15 and not _is_amount(
                masked, match.start(), match.end()
            ):
                return True
    for match in _PHONE_KEYWORD.finditer(masked):
        if 7 <= _digit_count(match.group(1)) <= 15 and not _is_amount(
            masked, match.start(1), match.end(1)
        ):
            return True
    return False


def _has_document(view: str, masked: str) -> bool:
    shapes = [(p, view) for p in _DOCUMENT_LETTER_SHAPES]
    shapes += [(p, masked) for p in _DOCUMENT_DIGIT_SHAPES]
    for pattern, seen in shapes:
        for match in pattern.finditer(seen):
            if not _is_amount(seen, match.start(), match.end()):
                return True
    if any(_dni_valid(match) for match in _DNI.finditer(view)):
        return True
    for match in _DOCUMENT_KEYWORD.finditer(masked):
        if _digit_count(match.group(1)) >= 5 and not _is_amount(
            masked, match.start(1), match.end(1)
        ):
            return True
    return False
