"""The scanner's rules for look-alikes and the classes it used to miss, in six languages.

Each test names a rule of docs/minimisation.md ("Free-text scanning") and checks it on
invented texts: what must block, and the look-alike that must pass.
"""

# Arabic and Cyrillic text is the point of these tests:
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from schemas.minimise import scan


def _kinds(text: str, regions: tuple[str, ...] = ()) -> list[str]:
    return scan(text, regions=regions)


@pytest.mark.parametrize(
    "text",
    [
        "The vessel IMO 9554428 was boarded in the Solent.",
        "Le navire (IMO 9613958) a été contrôlé à Marseille.",
        "Procédure n° 06409/2024 ouverte au parquet.",
        "Processo 2024-85434 distribuído à 3.ª vara.",
        "Nos termos da Lei n.º 13.344/2016, o inquérito prossegue.",
        "القضية رقم ٢٠٢٦/٢٦١٠/١٧١ أمام المحكمة.",
        "Дело в Казахстане — ЕРДР № 261500031000123.",
        "Expediente NIG 2807942120250012345, juzgado de instrucción.",
        "He had 912345 points in the game.",
    ],
)
def test_references_and_bare_runs_are_not_phones(text: str) -> None:
    """A bare run (no +, 00, trunk prefix or phone cue) needs nine digits and validity
    for the message's regions; after a reference cue or number abbreviation, or joined
    to a year by / or -, a number is a reference."""
    assert "phone" not in _kinds(text, ("GB", "FR", "PT", "BR", "MA", "RU", "KZ", "ES"))


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("She was reached on 07700 900123 last week.", ("GB",)),
        ("Il l'appelait au 06 12 34 56 78.", ("FR",)),
        ("Llámela al 612 345 678 si hace falta.", ("ES",)),
        ("O número 912 345 678 era dela.", ("PT",)),
        ("وذكرت رقماً آخر هو (٧١) ٩٢١ ٠٠٧ لا يجوز نشره.", ("LB",)),
        ("Звонила с номера 8 916 123-45-67.", ("RU",)),
        ("Phone no. 0803 123 4567 was hers.", ("NG",)),
        ("Case 2024/17: her number +234 803 123 2019 was seized.", ("NG",)),
    ],
)
def test_phones_still_block(text: str, regions: tuple[str, ...]) -> None:
    """Phones written as phones are (cue, trunk prefix, +, area code in brackets)."""
    assert "phone" in _kinds(text, regions)
