"""Helpers the language modules share: look-alike makers and identifier spellings."""

from __future__ import annotations

import random
import string
import unicodedata
from collections.abc import Callable, Sequence

from . import identifiers

Lookalike = Callable[[random.Random], tuple[str, str]]


def pick(cls: str, *choices: str) -> Lookalike:
    """A look-alike drawn from fixed strings."""
    return lambda rng: (rng.choice(choices), cls)


def incident(lang: str, *, arabic: bool = False) -> Lookalike:
    """An incident date (2023-2026), in words or in numbers."""

    def make(rng: random.Random) -> tuple[str, str]:
        day = identifiers.incident_date(rng)
        if rng.random() < 0.5:
            text = identifiers.date_words(rng, lang, day)
        else:
            text = identifiers.date_numeric(rng, lang, day)
        return (identifiers.arabic_digits(text) if arabic and rng.random() < 0.3 else text), (
            "incident_date"
        )

    return make


def year(rng: random.Random) -> tuple[str, str]:
    return str(rng.randint(2014, 2026)), "year"


def percentage(rng: random.Random) -> tuple[str, str]:
    return rng.choice(("{} %", "{}%", "{} per cent")).format(rng.randint(5, 95)), "percentage"


def clock(rng: random.Random) -> tuple[str, str]:
    return f"{rng.randint(0, 23):02d}:{rng.choice(('00', '15', '30', '45', '10', '50'))}", "time"


def flight(rng: random.Random) -> tuple[str, str]:
    airline = rng.choice(("AT", "TK", "EK", "ET", "MS", "AF", "IB", "TP", "SU", "QR", "KQ"))
    return f"{airline}{rng.choice(('', ' '))}{rng.randint(100, 2999)}", "flight_number"


def digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def letters(rng: random.Random, count: int, alphabet: str = string.ascii_uppercase) -> str:
    return "".join(rng.choice(alphabet) for _ in range(count))


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters of `text` ("Adéyẹmi" -> "adeyemi") for e-mail addresses."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.lower() if c.isascii() and c.isalnum())


def email_address(rng: random.Random, given: str, family: str, domains: Sequence[str]) -> str:
    """An invented address at a common provider, built from a Latin spelling."""
    g, f = ascii_fold(given), ascii_fold(family)
    local = rng.choice(
        (
            f"{g}.{f}",
            f"{g}{f}{rng.randint(1, 99)}",
            f"{g}_{f[:3]}{rng.randint(80, 99)}",
            f"{f}.{g}{rng.randint(1, 9)}",
            f"{g[0]}{f}",
        )
    )
    return f"{local}@{rng.choice(domains)}"
