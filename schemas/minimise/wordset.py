"""Where a text holds some words as whole words: one Aho-Corasick automaton for a set of
tagged words, used by the scanner to decide where to look closer."""

# Quotes and dashes of several scripts are word starts:
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import ahocorasick

__all__ = ["WordSet"]

_WORD_STARTS: Final = " \n\t\r([{<«»\"'“”„‘’,.;:/-–—*•"
_SPACED: Final = str.maketrans(dict.fromkeys(_WORD_STARTS, " "))
"""Every word-start character as a space."""


class WordSet:
    """Where a text contains some words as whole words, each word with a tag, with one
    Aho-Corasick automaton. A word written with a final `*` may go on ("родил*":
    "родилась").

    The automaton holds each word after each character of `_WORD_STARTS` (white space,
    brackets, quotes, punctuation), so that it reports words only where a word starts,
    not every time one is part of a longer word ("born" in "stubborn", "ولد" inside
    Arabic words); a word at the very start of the text is looked for on its own. A
    word right after another character (a letter, a digit, a rarer symbol) is missed:
    the set only decides where to look closer. Words of `anywhere` are reported
    wherever they occur.

    ASCII text is read by a second automaton of the ASCII words, over the text with
    every word-start character written as a space (a copy made at C speed), so that
    each word is held once, after a space: fewer branches to try at each character.
    Where a word or the text holds a word-start character other than a space, the
    text itself is compared, so both automata report the same words."""

    def __init__(
        self, tagged: dict[str, Iterable[str]], anywhere: dict[str, Iterable[str]]
    ) -> None:
        self._automaton = ahocorasick.Automaton()
        # The words a text may start with, by their first character: tag and words.
        self._first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        # Each ASCII word as the first automaton holds it, by its spaced form: the
        # word, tag, length, whether it may go on, and whether to compare the text.
        spaced: dict[str, dict[str, tuple[str, int, bool, bool]]] = {}
        for tag, words in anywhere.items():
            for word in words:
                self._automaton.add_word(word, (tag, len(word), True))
                if word.isascii():
                    entry = (tag, len(word), True, True)
                    spaced.setdefault(word.translate(_SPACED), {})[word] = entry
        for tag, words in tagged.items():
            needles = []
            for word in words:
                needle, open_end = (word[:-1], True) if word.endswith("*") else (word, False)
                needles.append(needle)
                for before in _WORD_STARTS:
                    if before + needle in spaced.get(" " + needle.translate(_SPACED), {}):
                        raise ValueError("a word after a word start is also a word anywhere")
                    self._automaton.add_word(before + needle, (tag, len(needle), open_end))
                if needle.isascii():
                    compare = any(char in _WORD_STARTS for char in needle)
                    entry = (tag, len(needle), open_end, compare)
                    spaced.setdefault(" " + needle.translate(_SPACED), {})[needle] = entry
            for first in sorted({n[0] for n in needles}):
                starting = tuple(n for n in needles if n[0] == first)
                self._first.setdefault(first, []).append((tag, starting))
        self._automaton.make_automaton()
        self._spaced = ahocorasick.Automaton()
        for key, entries in spaced.items():
            self._spaced.add_word(key, tuple((w, *e) for w, e in entries.items()))
        self._spaced.make_automaton()

    def starts(self, text: str) -> dict[str, list[int]]:
        """tag → where its words start in `text` (in the order their ends come)."""
        found: dict[str, list[int]] = {}
        for tag, needles in self._first.get(text[:1], ()):
            if text.startswith(needles):
                found.setdefault(tag, []).append(0)
        size = len(text)
        if text.isascii():
            for last, entries in self._spaced.iter(text.translate(_SPACED)):
                end = last + 1
                for word, tag, length, open_end, compare in entries:
                    if compare and not text.startswith(word, end - length):
                        continue
                    if (
                        not open_end
                        and end < size
                        and text[end - 1].isalnum()
                        and text[end].isalnum()
                    ):
                        continue
                    found.setdefault(tag, []).append(end - length)
            return found
        for last, (tag, length, open_end) in self._automaton.iter(text):
            end = last + 1
            if not open_end and end < size and text[end - 1].isalnum() and text[end].isalnum():
                continue
            found.setdefault(tag, []).append(end - length)
        return found
