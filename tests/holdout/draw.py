"""Invented numbers for the held-out corpus: national ids with their check digits,
vessel numbers, dates of birth and of events."""

from __future__ import annotations

import datetime as dt
import random
import string

from stdnum import verhoeff
from stdnum.fr import nir
from stdnum.in_ import aadhaar

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def letters(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(n))


def imo(rng: random.Random) -> str:
    body = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(5)]
    check = sum(d * w for d, w in zip(body, range(7, 1, -1), strict=True)) % 10
    return "IMO " + "".join(map(str, body)) + str(check)


def french_nir(rng: random.Random, born: dt.date) -> str:
    body = (
        "2" + born.strftime("%y%m") + f"{rng.randint(1, 95):02d}" + digits(rng, 3) + digits(rng, 3)
    )
    number = body + nir.calc_check_digits(body)
    return nir.format(number)


def aadhaar_number(rng: random.Random) -> str:
    while True:
        body = str(rng.randint(2, 9)) + digits(rng, 10)
        number = body + verhoeff.calc_check_digit(body)
        if aadhaar.is_valid(number):
            return aadhaar.format(number)


def ukrainian_id(rng: random.Random) -> str:
    """The ID card's record number, 9 digits."""
    return digits(rng, 9)


def birth(rng: random.Random) -> dt.date:
    return dt.date(1983, 1, 1) + dt.timedelta(days=rng.randrange(27 * 365))


def event(rng: random.Random) -> dt.date:
    return dt.date(2023, 2, 1) + dt.timedelta(days=rng.randrange(3 * 365 + 200))
