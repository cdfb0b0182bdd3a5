"""The scanner's fast paths give the results of the slow ones they replace.

The code-page fold (`textview._CodePage`) against the fold pass by pass, for every
character of the pages and for mixed text; the digit pattern's early failure for runs
of three or four digits against the shapes that must still be found.
"""

# Text in Cyrillic and Arabic script, and typographic punctuation, is the point here:
# ruff: noqa: RUF001

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.minimise import Scanner
from schemas.minimise.patterns import CUE_WORDS
from schemas.minimise.textview import _fold, scan_fold

_PAGES = ("latin-1", "cp1252", "cp1251", "cp1256")


def _page_chars() -> list[str]:
    chars: set[str] = set()
    for codec in _PAGES:
        for byte in range(256):
            try:
                chars.add(bytes([byte]).decode(codec))
            except UnicodeDecodeError:
                continue
    return sorted(chars)


PAGE_CHARS = _page_chars()
# Marks the pages lack or drop, and characters that fold to several or to other ones.
EXTRA = [
    *(chr(c) for c in range(0x300, 0x370, 7)),
    *"\u064e\u0651\u0654\u0655\u05b0\u093c\u0e31\u200d\u00ad\u0345",
    *"ßµ¼№…™Σςİﬁ٣ǅᎠ\U0001d7d8",
]


def test_code_page_fold_of_every_character() -> None:
    """Each character of the pages, alone and between letters of each script, folds
    as the passes fold it."""
    for char in PAGE_CHARS:
        for text in (char, f"é{char}ё", f"Ж{char}", f"ب{char}’", f"«{char}»"):
            assert scan_fold(text) == _fold(text), hex(ord(char))


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(PAGE_CHARS + EXTRA), max_size=40))
def test_code_page_fold_of_mixed_text(text: str) -> None:
    """Any mix of page characters, marks and characters beyond the pages folds as the
    passes fold it."""
    assert scan_fold(text) == _fold(text)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Born 2008-03-14 in Lagos.", [("date_of_birth", 5, 15)]),
        ("Date of birth: 14.03.2008.", [("date_of_birth", 15, 25)]),
        ("Né le 3 mars 2008 à Douala.", [("date_of_birth", 6, 17)]),
        ("Passport 1234 567 890 seen in 2025.", [("document", 9, 21)]),
        ("Call her on 0612 345 678 after 2026.", [("phone", 12, 24)]),
        ("IBAN GB82 WEST 1234 5698 7654 32 then 2025.", [("bank_account", 5, 32)]),
        ("In 2025 she was 17; in 2026 she left.", []),
        ("Art. 177 bis, case 118/2026 and 2024-85434.", []),
        ("In 2024 (2025) and 2026: nothing; 1999, 2000.", []),
    ],
)
def test_runs_of_three_or_four_digits(text: str, found: list[tuple[str, int, int]]) -> None:
    """Years and short numbers that cannot go on are passed over; those that start a
    date, a longer number, a document or an account are still found."""
    assert [(f.kind, f.start, f.end) for f in Scanner([]).findings(text)] == found


_WORDS = ["born", "birth", "d.o.b", "d. o. b", "rue", "c/", "high street", "street", "at", "(at)"]
_WORDS += ["[@]", "arroba", "stubborn", "x", "1", *" \n\t([{<\"',.;:/-*)]}>!?&_"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=16).map("".join))
def test_cue_words_of_ascii_text_are_those_of_the_general_automaton(text: str) -> None:
    """ASCII text, read by the automaton of spaced words, gives the cue words the
    general automaton gives: the same text followed by an arrow (beyond ASCII, no
    letter, no word start) is read by the general one."""

    def positions(found: dict[str, list[int]]) -> dict[str, list[int]]:
        return {tag: sorted(starts) for tag, starts in found.items()}

    assert positions(CUE_WORDS.starts(text)) == positions(CUE_WORDS.starts(text + "→"))
