"""Generalisation of quasi-identifiers: age band for a date of birth, month for a day,
region and country for an address."""

from __future__ import annotations

import datetime as dt
from typing import Final

from ..errors import MinimisationError
from ..records import Address, AgeBand

ADULT_AGE: Final = 18

# Lower bound of each band, highest first; the bands are those of `records.AgeBand`
# (child bands of five years, 15-17 apart because minority matters legally).
_BANDS: Final[tuple[tuple[int, AgeBand], ...]] = (
    (65, "65+"),
    (55, "55-64"),
    (45, "45-54"),
    (35, "35-44"),
    (25, "25-34"),
    (18, "18-24"),
    (15, "15-17"),
    (10, "10-14"),
    (5, "5-9"),
    (0, "0-4"),
)


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    """Completed years of age on `on`; `MinimisationError` if born after `on`."""
    if date_of_birth > on:
        raise MinimisationError("date of birth is after the reference date")
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - before_birthday


def age_band(date_of_birth: dt.date, on: dt.date) -> AgeBand:
    """The age band of a person born on `date_of_birth`, on the date `on`."""
    age = age_on(date_of_birth, on)
    return next(band for lower, band in _BANDS if age >= lower)


def is_minor(date_of_birth: dt.date, on: dt.date) -> bool:
    """Whether the person is under 18 on `on` (a child under the Trafficking Protocol)."""
    return age_on(date_of_birth, on) < ADULT_AGE


def month_of(day: dt.date) -> str:
    """ "YYYY-MM" of a date: the precision `records.Month` fields carry."""
    return f"{day.year:04d}-{day.month:02d}"


def region_of(address: Address) -> tuple[str | None, str | None]:
    """(region, country) of an address: all of it that survives minimisation."""
    return address.region, address.country
