"""The scanner's view of a text: folded one code point at a time, with a way back.

`normalise.fold` works on whole strings (NFKC, case folding, NFD, NFC), which is right
for pseudonyms but does not say where in the original text a folded character came
from. The scanner needs that to report character spans, and it needs speed, so it folds
each code point on its own through one `str.translate` table:

* ASCII text: lower case, nothing else (as `fold` does);
* any other code point: `fold` of that code point alone, except that unassigned code
  points and lone surrogates become a space, and combining marks of the combining
  diacritical blocks (U+0300-036F, U+1AB0-1AFF, U+1DC0-1DFF, U+20D0-20FF, U+FE20-FE2F)
  are dropped, as `fold` drops them after a Latin letter.

On text in NFC, which keyboards produce, this equals `fold` except that a decomposed
Cyrillic й (и and a combining breve) reads as и. Each code point maps to zero, one or
more folded code points; `Folded.span` maps a folded span back to the original text.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from typing import Final

from .normalise import fold

_COMBINING: Final = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)
_CACHE_LIMIT: Final = 1 << 16


def _fold_code_point(code: int) -> str:
    char = chr(code)
    category = unicodedata.category(char)
    if category in ("Cn", "Cs"):
        return " "
    if category == "Mn" and any(low <= code <= high for low, high in _COMBINING):
        return ""
    return fold(char, strict=False)


class _Table(dict[int, str]):
    """code point → its folded form, computed on first use (bounded)."""

    def __missing__(self, code: int) -> str:
        folded = _fold_code_point(code)
        if len(self) < _CACHE_LIMIT:
            self[code] = folded
        return folded


_TABLE: Final = _Table()


def _plain_class() -> str:
    """A character class of the non-ASCII code points (in the scripts the scanner reads
    most) that fold to their own case folding; every other code point is folded through
    the table. Computed at import from `fold` itself, so it cannot drift from it."""
    plain = [
        code
        for code in (*range(0x80, 0x800), *range(0x1E00, 0x2070))
        if _fold_code_point(code) == chr(code).casefold()
    ]
    ranges: list[list[int]] = []
    for code in plain:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(
        f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in ranges
    )


_OTHER: Final = re.compile(f"[^\\x00-\\x7f{_plain_class()}]+")


def _other(match: re.Match[str]) -> str:
    return "".join([_TABLE[ord(char)] for char in match.group()])


def _piece(char: str) -> str:
    """What one code point of the text becomes in the folded text."""
    if char.isascii() or not _OTHER.match(char):
        return char.casefold()
    return _TABLE[ord(char)].casefold()


def scan_fold(text: str) -> str:
    """`text` folded one code point at a time (see the module docstring)."""
    if text.isascii():
        return text.lower()
    return _OTHER.sub(_other, text).casefold()


class Folded:
    """A text, its folded form, and the map from folded offsets back to the text."""

    __slots__ = ("_ends", "folded", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = scan_fold(text)
        self._ends: list[int] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that folded `[start, end)` came from."""
        if len(self.folded) == len(self.text) and self.text.isascii():
            return start, end
        if self._ends is None:
            # ends[i]: the folded offset where the folding of text[i] ends.
            self._ends = list(itertools.accumulate(len(_piece(char)) for char in self.text))
        ends = self._ends
        first = bisect.bisect_right(ends, start)
        last = bisect.bisect_left(ends, end) + 1 if end > start else first
        return min(first, len(self.text)), min(max(last, first), len(self.text))
