"""Whether a run of digits is a valid phone number, per libphonenumber's metadata.

The scanner finds candidate digit runs with one regular expression; this module asks
`phonenumbers` (Google's libphonenumber metadata) whether the digits form a valid number:

* written internationally ("+" or "00" first): valid for the country its calling code
  names;
* written nationally: valid for one of the regions, the national (trunk) prefix of the
  region ("0", Russia's "8") taken off first when the digits start with it. Digits that
  start with a trunk prefix are tried against the message's regions and
  `DEFAULT_REGIONS`; digits without one (a bare run such as "612345678") only against
  the message's own regions, since a bare run of nine to eleven digits is valid in some
  country far too often.

Numbers are built directly from the digits (`PhoneNumber(country_code, national_number)`)
rather than with `phonenumbers.parse`, which costs four times as much; validity is
`phonenumbers.is_valid_number_for_region` / `is_valid_number`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Final

from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    PhoneMetadata,
    PhoneNumber,
    PhoneNumberType,
    is_valid_number,
    is_valid_number_for_region,
    number_type,
)

DEFAULT_REGIONS: Final = ("GB", "FR", "ES", "PT", "IT", "DE", "RU", "NG", "MA", "CO", "BR")
"""Regions always tried for numbers written with a trunk prefix, besides the message's:
the countries of the project's six languages and its main origin and destination
countries."""


@functools.lru_cache(maxsize=512)
def _region(region: str) -> tuple[int, str] | None:
    """(calling code, national prefix) of a region, or None if libphonenumber has none."""
    metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
    if metadata is None or metadata.country_code is None:
        return None
    return metadata.country_code, metadata.national_prefix or ""


def _number(country_code: int, national: str) -> PhoneNumber | None:
    if not national or len(national) > 17:
        return None
    zeros = len(national) - len(national.lstrip("0"))
    number = PhoneNumber(country_code=country_code, national_number=int(national))
    if zeros:
        number.italian_leading_zero = True
        if zeros > 1:
            number.number_of_leading_zeros = zeros
    return number


def valid_international(digits: str) -> bool:
    """Whether `digits` (after "+" or "00") are a calling code and a valid number."""
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            number = _number(code, digits[size:])
            return number is not None and is_valid_number(number)
    return False


SERVICE_TYPES: Final = frozenset(
    (
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.SHARED_COST,
        PhoneNumberType.UAN,
        PhoneNumberType.VOICEMAIL,
    )
)
"""Number types that are services, not a person's line: freephone helplines ("0800 …",
"8 800 …"), premium-rate, shared-cost and universal access numbers, voicemail."""


def is_service(digits: str, international: bool, regions: Iterable[str]) -> bool:
    """Whether `digits` (after "+" or "00" when `international`) are a valid service
    number (`SERVICE_TYPES`) of their country; or, written nationally with a trunk
    prefix ("0800 …", "8 800 …"), a service number of the first of `regions` where it is
    valid."""
    if international:
        for size in (1, 2, 3):
            code = int(digits[:size] or "0")
            if code in COUNTRY_CODE_TO_REGION_CODE:
                number = _number(code, digits[size:])
                return number is not None and number_type(number) in SERVICE_TYPES
        return False
    if not has_trunk_prefix(digits):
        return False
    for region in regions:
        known = _region(region)
        if known is None:
            continue
        code, prefix = known
        national = digits[len(prefix) :] if prefix and digits.startswith(prefix) else digits
        number = _number(code, national)
        if number is not None and is_valid_number_for_region(number, region.upper()):
            return number_type(number) in SERVICE_TYPES
    return False


def national_digits(digits: str) -> str:
    """The national significant number of `digits` written internationally (after "+"
    or "00"), or `digits` as they are when no calling code is recognised."""
    for size in (1, 2, 3):
        if int(digits[:size] or "0") in COUNTRY_CODE_TO_REGION_CODE:
            return digits[size:]
    return digits


def valid_national(digits: str, regions: Iterable[str]) -> bool:
    """Whether `digits` are a valid national number of one of `regions`."""
    for region in regions:
        known = _region(region)
        if known is None:
            continue
        code, prefix = known
        nationals = [digits]
        if prefix and digits.startswith(prefix):
            nationals.insert(0, digits[len(prefix) :])
        for national in nationals:
            number = _number(code, national)
            if number is not None and is_valid_number_for_region(number, region.upper()):
                return True
    return False


def has_trunk_prefix(digits: str) -> bool:
    """Whether `digits` start the way national numbers are dialled: a "0", or Russia's
    "8" before ten digits."""
    return digits.startswith("0") or (digits.startswith("8") and len(digits) == 11)
