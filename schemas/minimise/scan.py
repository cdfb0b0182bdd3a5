"""Free-text scanning for protected persons' own names and identifiers, and patterns.

`scan` reports identifier *kinds* ("victim_name", "phone", …), never the values found,
so that what it returns can go into an error message, a log line or an audit record.
"""

# Word lists and patterns in Cyrillic and Arabic script are the point of this module:
# ruff: noqa: RUF001

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Final

from ..records import PseudonymKind
from .normalise import fold, tokens
from .patterns import find_dates, find_patterns, iban_valid, pattern_view
from .words import COMMON_WORD_NAMES, NAME_PARTICLES, TITLES

NAME_KIND: Final = "victim_name"
"""The kind reported for the name of any protected person, victim or witness."""

_MIN_TOKEN: Final = 2
_MIN_IDENTIFIER: Final = 5
_PHONE_SUFFIX: Final = 9
"""Phone numbers match on their last nine digits: the subscriber part survives every
national and international way of writing one number."""

# Arabic attaches conjunctions, prepositions and their combinations to the next word
# ("وفاطمه", "لفاطمه"); the name is still there.
_ARABIC_PROCLITICS: Final = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك")
# Russian declines names ("Наталья" → "Натальи", "Ёлкина" → "Ёлкиной"): a name token
# also matches its stem plus a case ending.
_RU_FINALS: Final = "аяыиеуюоьй"
_RU_ENDINGS: Final = (
    *_RU_FINALS,
    *("ой", "ей", "ою", "ею", "ом", "ем", "ым", "им", "ая", "ую", "ых", "их"),
    *("ого", "его", "ому", "ему", "ыми", "ими"),
)
_SENTENCE_STARTERS: Final = frozenset(".!?…:;\n•")
# Quotes, brackets and dashes may stand between a sentence end and its first word.
_OPENERS: Final = frozenset("\"'«»„“”‘’([{-–—*")
_GAP: Final = r"[\s.\-/()]{0,3}"


@dataclasses.dataclass(frozen=True)
class ProtectedPerson:
    """One victim's or witness's names and other identifiers, as the scanner needs them."""

    names: tuple[str, ...] = ()
    identifiers: tuple[tuple[PseudonymKind, str], ...] = ()
    family_names: tuple[str, ...] = ()
    """The family names among `names` (each a whole name part, e.g. "da Silva"), when the
    sender recorded the name's structure; empty when unknown."""


@dataclasses.dataclass(frozen=True)
class _Token:
    text: str
    start: int
    capitalised: bool


def _script(token: str) -> str:
    name = unicodedata.name(token[0], "")
    return name.split(" ", 1)[0]


def _surface_forms(token: str) -> set[str]:
    forms = {token}
    script = _script(token)
    if script == "ARABIC":
        forms.update(prefix + token for prefix in _ARABIC_PROCLITICS)
        if token.startswith("ال"):
            forms.add("لل" + token[2:])
    elif script == "CYRILLIC":
        stem = token[:-1] if token[-1] in _RU_FINALS else token
        if len(stem) >= 3:  # shorter stems would match unrelated words
            forms.update(stem + ending for ending in _RU_ENDINGS)
    return forms


def _in_word(char: str) -> bool:
    # Format characters (zero-width joiners, bidi marks) may sit inside a word.
    category = unicodedata.category(char)
    return category[0] in "LMN" or category == "Cf"


def _text_tokens(text: str) -> list[_Token]:
    """Tokens of `text` with where each began and whether it was written capitalised.

    Each run of word characters is folded on its own, so a token keeps the position
    and the case it had in the original text."""
    found: list[_Token] = []
    start: int | None = None
    for index, char in enumerate([*text, " "]):
        if _in_word(char):
            start = index if start is None else start
            continue
        if start is not None:
            raw = text[start:index]
            first = raw[0]
            capitalised = unicodedata.category(first) in ("Lu", "Lt") and _script(first) in (
                "LATIN",
                "CYRILLIC",
            )
            found.extend(
                _Token(piece, start, capitalised) for piece in tokens(fold(raw, strict=False))
            )
            start = None
    return found


def _starts_sentence(text: str, start: int) -> bool:
    for char in reversed(text[:start]):
        if char in _SENTENCE_STARTERS:
            return True
        if not (char.isspace() or char in _OPENERS):
            return False
    return True


def _digits(value: str) -> str:
    return "".join(c for c in pattern_view(value) if c.isdigit())


def _alnum(value: str) -> str:
    return "".join(c for c in pattern_view(value).upper() if c.isascii() and c.isalnum())


def _spread(chars: str) -> str:
    """A pattern for `chars` with up to three separators between any two of them."""
    return _GAP.join(map(re.escape, chars))


def _classify(value: str) -> PseudonymKind:
    """Best guess at the kind of an identifier given as a bare string."""
    stripped = value.strip()
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", stripped):
        return "date_of_birth"
    if "@" in value:
        return "email"
    if iban_valid(_alnum(value)):
        return "bank_account"
    phone_like = re.fullmatch(r"[+\d\s().-]+", stripped) is not None
    if stripped.startswith(("+", "00")) or (phone_like and stripped.startswith("0")):
        return "phone"
    return "document"


class Scanner:
    """Finds protected persons' names and identifiers, and identifier patterns, in text.

    Built once per message from its protected persons, then applied to each free-text
    field. Construction never fails: identifiers it cannot use are skipped (they were
    already validated when their pseudonyms were made).
    """

    def __init__(self, persons: Iterable[ProtectedPerson]) -> None:
        self._forms: dict[str, list[tuple[int, str]]] = {}
        self._common: set[tuple[int, str]] = set()
        self._patterns: list[tuple[PseudonymKind, re.Pattern[str], bool]] = []
        self._dates: set[dt.date] = set()
        self._addresses: list[tuple[str, ...]] = []
        for group, person in enumerate(persons):
            for name in person.names:
                self._add_name(group, name)
            for kind, value in person.identifiers:
                self._add_identifier(kind, value)

    def _add_name(self, group: int, name: str) -> None:
        for token in tokens(fold(name, strict=False)):
            if len(token) < _MIN_TOKEN or token in NAME_PARTICLES or token.isdigit():
                continue
            if token in COMMON_WORD_NAMES:
                self._common.add((group, token))
            for form in _surface_forms(token):
                self._forms.setdefault(form, []).append((group, token))

    def _add_identifier(self, kind: PseudonymKind, value: str) -> None:
        pattern: str | None = None
        on_folded = False
        if kind == "date_of_birth":
            try:
                self._dates.add(dt.date.fromisoformat(value.strip()))
            except ValueError:
                return
        elif kind == "address":
            first_line = tuple(tokens(fold(value.split(",", maxsplit=1)[0], strict=False)))
            if len(first_line) >= _MIN_TOKEN:
                self._addresses.append(first_line)
        elif kind == "email":
            email = fold(value.strip(), strict=False)
            if "@" in email:
                pattern, on_folded = rf"(?<![\w.+-]){re.escape(email)}(?![\w-])", True
        elif kind == "phone":
            digits = _digits(value)
            if len(digits) >= 7:
                pattern = _spread(digits[-_PHONE_SUFFIX:]) + r"(?!\d)"
        elif kind in ("document", "bank_account"):
            compact = _alnum(value)
            variants = [compact]
            if kind == "bank_account" and iban_valid(compact):
                variants.append(compact[4:])  # the domestic part, written without "GB82"
            pattern = "|".join(
                rf"(?<![A-Z0-9]){_spread(v)}(?![A-Z0-9])"
                for v in variants
                if len(v) >= _MIN_IDENTIFIER
            )
        if pattern:
            flags = 0 if on_folded else re.IGNORECASE
            self._patterns.append((kind, re.compile(pattern, flags), on_folded))

    def scan(self, text: str, *, patterns: bool = True) -> list[str]:
        """Identifier kinds found in `text`, first found first, each once; [] if clean.

        With `patterns` False only the protected persons' own names and identifiers are
        looked for (text that names suspects' selectors on purpose, see `SELECTOR`).
        """
        folded = fold(text, strict=False)
        dates = find_dates(folded)
        kinds: list[str] = []
        if self._forms and self._has_name(text):
            kinds.append(NAME_KIND)
        view = pattern_view(text) if self._patterns else ""
        for kind, pattern, on_folded in self._patterns:
            if pattern.search(folded if on_folded else view):
                kinds.append(kind)
        if self._dates and any(found & self._dates for _, _, found in dates):
            kinds.append("date_of_birth")
        if self._addresses and self._has_address(folded):
            kinds.append("address")
        if patterns:
            kinds.extend(find_patterns(text, folded, dates))
        return list(dict.fromkeys(kinds))

    def _has_name(self, text: str) -> bool:
        found = _text_tokens(text)
        words = [t for t in found if t.text not in NAME_PARTICLES]
        for index, token in enumerate(words):
            for group, name_token in self._forms.get(token.text, ()):
                if (group, name_token) not in self._common:
                    return True
                if self._common_word_is_name(text, words, index, group, name_token):
                    return True
        return False

    def _common_word_is_name(
        self, text: str, words: list[_Token], index: int, group: int, name_token: str
    ) -> bool:
        """Whether a name token that is also a word stands as a name here: next to
        another of the person's name tokens, after a title, or capitalised where a
        sentence does not start."""
        for neighbour in (index - 1, index + 1):
            if 0 <= neighbour < len(words):
                others = self._forms.get(words[neighbour].text, ())
                if any(g == group and t != name_token for g, t in others):
                    return True
        token = words[index]
        if index > 0 and words[index - 1].text in TITLES:
            return True
        return token.capitalised and not _starts_sentence(text, token.start)

    def _has_address(self, folded: str) -> bool:
        words = tokens(folded)
        for line in self._addresses:
            size = len(line)
            if any(tuple(words[i : i + size]) == line for i in range(len(words) - size + 1)):
                return True
        return False


def scan(
    text: str,
    *,
    names: Sequence[str],
    identifiers: Sequence[str | tuple[PseudonymKind, str]],
) -> list[str]:
    """Identifier kinds found in `text`; never the values themselves.

    `names` are protected persons' names, each string one person's name (tokens of one
    string strengthen each other, see the common-word rule); `identifiers` their other
    identifiers, each a bare string (its kind is guessed) or a (kind, value) pair.
    Returns e.g. ["victim_name", "phone"]; kinds are "victim_name", "date_of_birth",
    "document", "phone", "email", "address" and "bank_account". Never raises on any
    `str`.
    """
    typed = [item if isinstance(item, tuple) else (_classify(item), item) for item in identifiers]
    persons = [ProtectedPerson(names=(name,)) for name in names]
    persons += [ProtectedPerson(names=(value,)) for kind, value in typed if kind == "name"]
    persons.append(ProtectedPerson(identifiers=tuple(i for i in typed if i[0] != "name")))
    return Scanner(persons).scan(text)
