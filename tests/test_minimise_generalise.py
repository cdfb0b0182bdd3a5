"""Generalisation of quasi-identifiers: age band, minority, month, region."""

from __future__ import annotations

import datetime as dt

import pytest

from schemas.errors import MinimisationError
from schemas.minimise import age_band, is_minor, month_of, region_of
from schemas.records import Address

TODAY = dt.date(2026, 5, 1)


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (dt.date(2026, 1, 1), "0-4"),
        (dt.date(2021, 5, 1), "5-9"),
        (dt.date(2016, 5, 2), "5-9"),
        (dt.date(2011, 5, 1), "15-17"),
        (dt.date(2008, 5, 2), "15-17"),
        (dt.date(2008, 5, 1), "18-24"),
        (dt.date(2001, 3, 14), "25-34"),
        (dt.date(1961, 5, 1), "65+"),
    ],
)
def test_age_band_boundaries(born: dt.date, band: str) -> None:
    """Age bands use completed years: the band changes on the birthday, not before."""
    assert age_band(born, TODAY) == band


def test_minor_until_eighteenth_birthday() -> None:
    """A person is a minor until the day they turn 18."""
    assert is_minor(dt.date(2008, 5, 2), TODAY)
    assert not is_minor(dt.date(2008, 5, 1), TODAY)


def test_birth_after_reference_date_is_rejected() -> None:
    """A date of birth in the future is a data error."""
    with pytest.raises(MinimisationError, match="after the reference date"):
        age_band(dt.date(2027, 1, 1), TODAY)


def test_month_and_region() -> None:
    """Days generalise to YYYY-MM; an address to its region and country."""
    assert month_of(dt.date(2026, 3, 9)) == "2026-03"
    address = Address(text="12 Allen Avenue, Ikeja", region="Lagos", country="NG")
    assert region_of(address) == ("Lagos", "NG")
