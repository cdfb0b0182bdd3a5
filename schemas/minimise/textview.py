"""The scanner's view of a text: folded with whole-string C passes, with a way back.

`normalise.fold` is right for pseudonyms but does not say where in the original text a
folded character came from. The scanner needs that to report character spans, and it
needs speed, so it folds with a few passes that each act on every code point on its
own (`scan_fold`):

1. ASCII text: lower case, and nothing else.
2. Otherwise NFKD (compatibility decomposition: "ﬁ" → "fi", "№" → "No", Arabic
   presentation forms → letters, accented letters → letter and marks);
3. remove the combining marks of the combining diacritical blocks (U+0300-036F,
   U+1AB0-1AFF, U+1DC0-1DFF, U+20D0-20FF, U+FE20-FE2F), the Arabic marks U+0610-061A,
   U+064B-065F, U+0670, U+06D6-06ED, tatweel U+0640 and every format character (`Cf`);
4. full case folding;
5. the letter map of `normalise.fold` (`ø→o  đ→d  ł→l  æ→ae  œ→oe  ı→i  ħ→h  ŧ→t  ð→d
   þ→th`, Arabic `ة→ه  ى→ي  ی→ي  ک→ك`) and decimal digits of every script to ASCII.

Marks are removed whatever letter carries them, so "й" reads as "и" and "ё" as "е";
names, cue words and month names are folded the same way, so they still match. Since
each pass maps each code point on its own (NFKD's reordering of marks keeps lengths),
`Folded.span` maps a folded span back to the original text exactly.
Text that fits in one 8-bit code page (Latin-1, Windows Western, Cyrillic or Arabic,
the last two with Latin) is folded in one table lookup per byte (`_CodePage`), built
from the passes above character by character, which gives the same text.
"""

# The letter map is written in the scripts it maps:
# ruff: noqa: RUF002, RUF003

from __future__ import annotations

import bisect
import itertools
import re
import sys
import unicodedata
from typing import Final

_DROPPED_RANGES: Final = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
    (0x0610, 0x061A),
    (0x064B, 0x065F),
    (0x0670, 0x0670),
    (0x06D6, 0x06ED),
    (0x0640, 0x0640),
)
_LETTERS: Final = (
    ("ø", "o"),
    ("đ", "d"),
    ("ł", "l"),
    ("æ", "ae"),
    ("œ", "oe"),
    ("\u0131", "i"),
    ("ħ", "h"),
    ("ŧ", "t"),
    ("ð", "d"),
    ("þ", "th"),
    ("\u0629", "\u0647"),  # teh marbuta -> heh
    ("\u0649", "\u064a"),  # alef maksura -> yeh
    ("\u06cc", "\u064a"),  # Farsi yeh -> yeh
    ("\u06a9", "\u0643"),  # keheh -> kaf
)


def _class(codes: list[int]) -> str:
    ranges: list[list[int]] = []
    for code in sorted(codes):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(
        re.escape(chr(low)) if low == high else f"{re.escape(chr(low))}-{re.escape(chr(high))}"
        for low, high in ranges
    )


FORMAT_RANGES: Final = (
    *((0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD)),
    *((0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E)),
    *((0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F)),
    *((0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD)),
    *((0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001)),
    (0xE0020, 0xE007F),
)
"""The format characters (`Cf`) of Unicode 14.0.0, the version the normalisation pins;
a test checks this list against the running character database."""


def _drop(low: int, high: int) -> re.Pattern[str]:
    codes = [
        code
        for first, last in (*_DROPPED_RANGES, *FORMAT_RANGES)
        for code in range(max(first, low), min(last, high) + 1)
    ]
    return re.compile(f"[{_class(codes)}]+")


# Marks and format characters to remove: one class for the Basic Multilingual Plane and
# one for the rest, which few texts reach (a class with both is four times slower).
_DROP: Final = _drop(0, 0xFFFF)
_DROP_ASTRAL: Final = _drop(0x10000, 0x10FFFF)
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")
# The marks that accented Latin, Cyrillic й and ё, and vowelled Arabic decompose to:
# removed with `str.replace`, which is cheaper than a regular expression per mark.
_COMMON_MARKS: Final = (
    *"\u0301\u0300\u0302\u0327\u0308\u0303\u0306\u030c\u030a\u0328\u0304",
    *"\u064e\u064f\u0650\u0651\u0652\u064b\u064c\u064d\u0640\u0654\u0655\u0653",
)
# Decimal digits other than ASCII ones (Arabic-Indic, Devanagari, fullwidth, …): an
# explicit class of the Basic Multilingual Plane's, which is faster than `\d`; digits
# beyond it are looked for only in text that reaches beyond it.
_DIGIT: Final = re.compile(
    f"[{_class([c for c in range(0x80, 0x10000) if unicodedata.category(chr(c)) == 'Nd'])}]"
)
_DIGIT_ASTRAL: Final = re.compile(r"[^\D\x00-\uffff]")
_ODD: Final = re.compile(f"{_DROP.pattern[:-2]}{_DIGIT.pattern[1:-1]}]")
_HEADER: Final = sys.getsizeof("\U00010000") - 4


def _astral(text: str) -> bool:
    """Whether `text` holds a code point beyond U+FFFF. CPython stores such a string
    with four bytes per code point, which its size shows without reading it."""
    if len(text) < 8:
        return _ASTRAL.search(text) is not None
    return sys.getsizeof(text) >= _HEADER + 4 * len(text)


def _digit(match: re.Match[str]) -> str:
    return str(unicodedata.decimal(match.group()))


def scan_fold(text: str) -> str:
    """`text` folded for scanning (see the module docstring)."""
    if text.isascii():
        return text.lower()
    # The code page of the first character beyond ASCII, then of the first character
    # that page lacks: text in one script and Latin fits in two tries.
    if sys.getsizeof(text) == _LATIN1_HEADER + len(text):
        folded, _ = _LATIN1.fold(text)  # every code point below U+0100
        if folded is not None:
            return folded
    first = _NON_ASCII.search(text)
    outside = first.group() if first is not None else ""
    for _ in range(2):
        page = _PAGES.get(ord(outside) >> 8) if outside else None
        if page is None:
            break
        folded, outside = page.fold(text)
        if folded is not None:
            return folded
    return _fold(text)


def _fold(text: str) -> str:
    """`scan_fold`, pass by pass."""
    text = unicodedata.normalize("NFKD", text)
    for mark in _COMMON_MARKS:
        if mark in text:
            text = text.replace(mark, "")
    if text.isascii():
        return text.lower()
    # One scan finds both what is left to remove and digits of other scripts; most
    # text has neither once the common marks are gone.
    odd = _ODD.search(text) is not None
    if odd:
        text = _DROP.sub("", text)
    astral = _astral(text)
    if astral:
        text = _DROP_ASTRAL.sub("", text)
    text = text.casefold()
    for letter, plain in _LETTERS:
        if letter in text:
            text = text.replace(letter, plain)
    if odd:
        text = _DIGIT.sub(_digit, text)
    if astral:
        text = _DIGIT_ASTRAL.sub(_digit, text)
    return text


class _CodePage:
    """`scan_fold` as one byte-to-byte table over the text encoded in an 8-bit code
    page (Windows Western, Cyrillic, Arabic), for text that fits in one.

    Every pass of the fold maps each code point on its own, except NFKD's reordering
    of combining marks; every mark of these pages, and every mark their letters
    decompose to, is removed by the fold, so folding the code points one by one gives
    the same text. A character that folds to several ASCII letters ("ß" → "ss", "№" →
    "no") is replaced first; text with a character that folds to anything else ("µ"
    → "μ"), or outside the page, is folded pass by pass."""

    __slots__ = ("_codec", "_delete", "_spelled", "_table", "_unsafe")

    def __init__(self, codec: str) -> None:
        self._codec = codec
        table = bytearray(range(256))
        delete = bytearray()
        self._spelled: list[tuple[str, str]] = []
        unsafe = bytearray()
        for byte in range(256):
            try:
                char = bytes([byte]).decode(codec)
            except UnicodeDecodeError:
                continue  # a byte no character encodes to
            folded = _fold(char)
            try:
                encoded = folded.encode(codec)
            except UnicodeEncodeError:
                encoded = b""
            marks = [c for c in unicodedata.normalize("NFKD", char) if unicodedata.combining(c)]
            if marks and any(_fold(c) for c in marks):
                unsafe.append(byte)  # a mark the fold keeps: reordering would matter
            elif not folded:
                delete.append(byte)
            elif len(encoded) == 1:
                table[byte] = encoded[0]
            elif folded.isascii() and folded.lower() == folded:
                self._spelled.append((char, folded))
            else:
                unsafe.append(byte)
        self._table = bytes(table)
        self._delete = bytes(delete)
        self._unsafe = bytes(unsafe)

    def fold(self, text: str) -> tuple[str | None, str]:
        """(`scan_fold(text)`, ""), or (None, the first character of `text` the page
        lacks, or "") when the page cannot fold `text`."""
        for char, spelled in self._spelled:
            if char in text:
                text = text.replace(char, spelled)
        try:
            raw = text.encode(self._codec)
        except UnicodeEncodeError as error:
            return None, error.object[error.start]
        if any(byte in raw for byte in self._unsafe):
            return None, ""
        return raw.translate(self._table, self._delete).decode(self._codec), ""


_NON_ASCII: Final = re.compile(r"[^\x00-\x7f]")
# The code page for a text, by the block (code point >> 8) of its first non-ASCII
# character.
_LATIN1: Final = _CodePage("latin-1")
_LATIN1_HEADER: Final = sys.getsizeof("\u00e9") - 1
"""`sys.getsizeof` of a text of code points below U+0100, some beyond ASCII, minus its
length: CPython stores such text with one byte per code point, and its encoding in
Latin-1 is a copy."""
_WESTERN: Final = _CodePage("cp1252")
_PAGES: Final = {
    0x00: _WESTERN,  # Latin-1 Supplement
    0x20: _WESTERN,  # General Punctuation: ’ “ ” – — …
    0x04: _CodePage("cp1251"),  # Cyrillic
    0x06: _CodePage("cp1256"),  # Arabic
}


class _Lengths(dict[str, int]):
    """code point → the length of its scan fold, computed on first use (bounded)."""

    def __missing__(self, char: str) -> int:
        length = len(scan_fold(char))
        if len(self) < 1 << 16:
            self[char] = length
        return length


_LENGTHS: Final = _Lengths()


class Folded:
    """A text, its folded form, and the map from folded offsets back to the text."""

    __slots__ = ("_ends", "folded", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = scan_fold(text)
        self._ends: list[int] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that folded `[start, end)` came from."""
        if self.text.isascii():
            return start, end
        if self._ends is None:
            # ends[i]: the folded offset where the folding of text[i] ends.
            self._ends = list(itertools.accumulate(map(_LENGTHS.__getitem__, self.text)))
        ends = self._ends
        first = bisect.bisect_right(ends, start)
        last = bisect.bisect_left(ends, end) + 1 if end > start else first
        size = len(self.text)
        return min(first, size), min(max(last, first), size)
