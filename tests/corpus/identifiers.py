"""Realistic, valid identifiers for the red-team corpus: phone numbers valid for their
country's numbering plan, IBANs with correct check digits, national ids with correct
check characters, passport numbers in each country's shape, and dates in words.

Every value is drawn from a seeded `random.Random`, so the corpus is reproducible.
Nothing here belongs to a real person: numbers are random within valid ranges.
"""

# Arabic and Cyrillic month names and digits are the point of this module:
# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
import random
import re
import string

import phonenumbers
import stdnum.iban
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from stdnum.br import cpf
from stdnum.es import ccc, dni, nie
from stdnum.pt import cc

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def arabic_digits(text: str) -> str:
    """`text` with its ASCII digits written as Arabic-Indic digits."""
    return text.translate(ARABIC_INDIC)


# --- phone numbers ---------------------------------------------------------------------


def phone(rng: random.Random, region: str, *, mobile: bool = True) -> phonenumbers.PhoneNumber:
    """A number valid for `region`'s numbering plan (mobile by default)."""
    kind = PhoneNumberType.MOBILE if mobile else PhoneNumberType.FIXED_LINE
    example = phonenumbers.example_number_for_type(region, kind)
    assert example is not None, region
    national = phonenumbers.national_significant_number(example)
    for tail in (7, 6, 5, 4):
        keep = max(2, len(national) - tail)
        for _ in range(200):
            digits = national[:keep] + "".join(rng.choice(string.digits) for _ in national[keep:])
            number = phonenumbers.parse("+" + str(example.country_code) + digits)
            if phonenumbers.is_valid_number(number) and (
                phonenumbers.number_type(number) in (kind, PhoneNumberType.FIXED_LINE_OR_MOBILE)
            ):
                return number
    raise AssertionError(region)  # pragma: no cover


def international(number: phonenumbers.PhoneNumber) -> str:
    """ "+234 802 123 4567": how a sender records a number in an identity."""
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


PHONE_STYLES = (
    "international",
    "e164",
    "double_zero",
    "national",
    "national_compact",
    "dashes",
    "dots",
    "parentheses",
)


def phone_text(rng: random.Random, number: phonenumbers.PhoneNumber, style: str) -> str:
    """The number as someone would write it in free text, in `style`."""
    intl = international(number)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    if style == "international":
        return intl
    if style == "e164":
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if style == "double_zero":
        return "00" + intl[1:]
    if style == "national":
        return national
    if style == "national_compact":
        return re.sub(r"[^0-9]", "", national)
    base = rng.choice((intl, national))
    groups = re.split(r"[\s()-]+", base.strip())
    groups = [g for g in groups if g]
    if style == "dashes":
        return (
            "-".join(groups) if not base.startswith("+") else groups[0] + " " + "-".join(groups[1:])
        )
    if style == "dots":
        return (
            ".".join(groups) if not base.startswith("+") else groups[0] + " " + ".".join(groups[1:])
        )
    if style == "parentheses":
        if base.startswith("+"):
            return f"{groups[0]} ({groups[1]}) {' '.join(groups[2:])}"
        return f"({groups[0]}) {' '.join(groups[1:])}"
    raise ValueError(style)


# --- bank accounts ---------------------------------------------------------------------


def iban(rng: random.Random, country: str) -> str:
    """A valid IBAN (structure, national check digits where the country has them, and
    mod-97) in electronic form."""
    # python-stdnum's copy of the IBAN registry; it has no public accessor.
    structure = stdnum.iban._ibandb.info(country)[0][1]["bban"]
    bban = ""
    for size, kind in re.findall(r"(\d+)!([nac])", structure):
        alphabet = string.ascii_uppercase if kind == "a" else string.digits
        bban += "".join(rng.choice(alphabet) for _ in range(int(size)))
    bban = _national_check(country, bban)
    check = 98 - int("".join(str(int(c, 36)) for c in bban + country + "00")) % 97
    number = f"{country}{check:02d}{bban}"
    assert stdnum.iban.is_valid(number), country
    return number


def _national_check(country: str, bban: str) -> str:
    """`bban` with the country's own check digits put in (Spain's CCC digits, France's RIB
    key, Portugal's NIB digits)."""
    match country:
        case "ES":
            return bban[:8] + ccc.calc_check_digits(bban) + bban[10:]
        case "FR":
            bank, branch, account = int(bban[:5]), int(bban[5:10]), int(bban[10:21])
            return bban[:21] + f"{97 - (89 * bank + 15 * branch + 3 * account) % 97:02d}"
        case "PT":
            return bban[:19] + f"{98 - int(bban[:19] + '00') % 97:02d}"
    return bban


def iban_print(number: str) -> str:
    """The paper form: groups of four separated by spaces."""
    return stdnum.iban.format(number)


# --- documents -------------------------------------------------------------------------


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _letters(rng: random.Random, count: int, alphabet: str = string.ascii_uppercase) -> str:
    return "".join(rng.choice(alphabet) for _ in range(count))


def spanish_dni(rng: random.Random) -> str:
    """ "12345678Z" with its check letter."""
    body = _digits(rng, 8)
    return body + dni.calc_check_digit(body)


def spanish_nie(rng: random.Random) -> str:
    """ "X1234567L" with its check letter."""
    body = rng.choice("XYZ") + _digits(rng, 7)
    return body + nie.calc_check_digit(body)


def portuguese_cc(rng: random.Random) -> str:
    """Cartão de Cidadão "12345678 9 ZX4", valid check digits."""
    while True:
        number = _digits(rng, 9) + _letters(rng, 2) + _digits(rng, 1)
        for last in string.digits:
            candidate = number[:-1] + last
            if cc.is_valid(candidate):
                return f"{candidate[:8]} {candidate[8]} {candidate[9:]}"


def brazilian_cpf(rng: random.Random) -> str:
    """CPF "123.456.789-09" with both check digits."""
    body = [int(c) for c in _digits(rng, 9)]
    for size in (10, 11):  # each check digit: weights size..2 over the digits before it
        remainder = sum(w * d for w, d in zip(range(size, 1, -1), body, strict=False)) % 11
        body.append(0 if remainder < 2 else 11 - remainder)
    number = "".join(map(str, body))
    assert cpf.is_valid(number)
    return cpf.format(number)


def nigerian_nin(rng: random.Random) -> str:
    """NIN: eleven digits (no public check digit)."""
    return rng.choice("123456789") + _digits(rng, 10)


def russian_internal_passport(rng: random.Random) -> str:
    """Series and number, "4510 123456"."""
    return f"{rng.randint(1, 99):02d}{rng.randint(0, 25):02d} {_digits(rng, 6)}"


def passport(rng: random.Random, country: str) -> str:
    """A passport number in the shape `country` issues."""
    match country:
        case "NG" | "EG":
            return rng.choice("ABD") + _digits(rng, 8)
        case "GB" | "US":
            return rng.choice("123456789") + _digits(rng, 8)
        case "FR" | "CI" | "SN" | "CM":
            return _digits(rng, 2) + _letters(rng, 2) + _digits(rng, 5)
        case "ES":
            return _letters(rng, 3) + _digits(rng, 6)
        case "BR" | "PT" | "AO":
            return _letters(rng, 2) + _digits(rng, 6)
        case "RU":
            return f"{rng.randint(70, 77)} {_digits(rng, 7)}"
        case "UZ" | "KG" | "TJ" | "MA" | "SY":
            return _letters(rng, 2) + _digits(rng, 7)
        case "CO" | "VE" | "CD" | "GH" | "IQ":
            return _letters(rng, 2) + _digits(rng, 7)
        case _:
            return _letters(rng, 1) + _digits(rng, 7)


def split_document(value: str) -> str:
    """A document number split by a space in the middle of its digits ("BA057 958")."""
    compact = value.replace(" ", "")
    first_digit = next(i for i, c in enumerate(compact) if c.isdigit())
    cut = first_digit + (len(compact) - first_digit + 1) // 2
    return compact[:cut] + " " + compact[cut:]


def egyptian_national_id(rng: random.Random, born: dt.date) -> str:
    """Fourteen digits: century, YYMMDD, governorate, sequence, check (not verified)."""
    century = "3" if born.year >= 2000 else "2"
    return century + born.strftime("%y%m%d") + f"{rng.randint(1, 35):02d}" + _digits(rng, 5)


def moroccan_cin(rng: random.Random) -> str:
    """Carte nationale: one or two letters and five or six digits ("BK123456")."""
    return _letters(rng, 2) + _digits(rng, 6)


# --- dates -----------------------------------------------------------------------------

MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    "pt": [
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ],
    "ru": [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ],
    "ar": [
        "يناير",
        "فبراير",
        "مارس",
        "أبريل",
        "ماي",
        "يونيو",
        "يوليو",
        "غشت",
        "سبتمبر",
        "أكتوبر",
        "نوفمبر",
        "ديسمبر",
    ],
}
LEVANT_MONTHS = [
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
]
EGYPT_MONTHS = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
]


def date_words(rng: random.Random, lang: str, day: dt.date) -> str:
    """`day` written with the month in words, as people of `lang` write it."""
    month = MONTHS[lang][day.month - 1]
    match lang:
        case "en":
            return rng.choice(
                (
                    f"{day.day} {month} {day.year}",
                    f"{month} {day.day}, {day.year}",
                    f"{day.day}{_ordinal(day.day)} {month} {day.year}",
                )
            )
        case "fr":
            first = "1er" if day.day == 1 else str(day.day)
            return f"{first} {month} {day.year}"
        case "es":
            return f"{day.day} de {month} de {day.year}"
        case "pt":
            return rng.choice(
                (f"{day.day} de {month} de {day.year}", f"{day.day} {month} {day.year}")
            )
        case "ru":
            return rng.choice((f"{day.day} {month} {day.year} г.", f"{day.day} {month} {day.year}"))
        case "ar":
            names = rng.choice((MONTHS["ar"], LEVANT_MONTHS, EGYPT_MONTHS))
            text = f"{day.day} {names[day.month - 1]} {day.year}"
            return arabic_digits(text) if rng.random() < 0.3 else text
    raise ValueError(lang)


def _ordinal(day: int) -> str:
    if day in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def date_numeric(rng: random.Random, lang: str, day: dt.date) -> str:
    """`day` in one of the numeric forms `lang`'s writers use."""
    forms = [
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
        day.isoformat(),
    ]
    if lang == "ru":
        forms += [f"{day.day:02d}.{day.month:02d}.{day.year}"] * 3
    if lang in ("en", "es", "pt"):
        forms.append(f"{day.day}/{day.month}/{day.year}")
    if lang in ("fr", "es", "pt"):
        forms.append(f"{day.day:02d}-{day.month:02d}-{day.year}")
    text = rng.choice(forms)
    if lang == "ar" and rng.random() < 0.4:
        return arabic_digits(text)
    return text


def birth_date(rng: random.Random) -> dt.date:
    """A date of birth between 1984 and 2010 (victims are often minors)."""
    return dt.date(1984, 1, 1) + dt.timedelta(days=rng.randrange(27 * 365))


def incident_date(rng: random.Random) -> dt.date:
    """A date of an event in the case, 2023-2026: never a plausible birth date here."""
    return dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365 + 300))
