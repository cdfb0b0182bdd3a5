"""Free-text scanning for protected persons' own names and identifiers, and patterns.

`scan` and `Scanner.scan` report identifier *kinds* ("victim_name", "phone", …), and
`Scanner.findings` every finding with its kind and character span, never the values
found, so that what they return can go into an error message, a log line or an audit
record, or let a user interface highlight the spans in the text the user typed.
"""

# Word lists and patterns in Cyrillic and Arabic script are the point of this module:
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Final

import ahocorasick

from ..records import PseudonymKind
from .addresses import address_hits
from .emails import obfuscated_emails
from .normalise import tokens
from .patterns import CUE_WORDS, Hit, iban_valid, scan_digits
from .phones import national_digits
from .textview import Folded, scan_fold
from .words import COMMON_WORD_NAMES, NAME_PARTICLES, PLACE_WORDS, REPORTING_WORDS, TITLES

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
# Endings are folded like the text ("й" reads as "и").
_RU_FINALS: Final = scan_fold("аяыиеуюоьй")
_RU_ENDINGS: Final = tuple(
    scan_fold(ending)
    for ending in (
        *"аяыиеуюоьй",
        *("ой", "ей", "ою", "ею", "ом", "ем", "ым", "им", "ая", "ую", "ых", "их"),
        *("ого", "его", "ому", "ему", "ыми", "ими"),
    )
)
# Adjectival family names ("Ковальская", "Ковальский") decline from a shorter stem.
_RU_ADJECTIVE_FINALS: Final = tuple(scan_fold(e) for e in ("ая", "ий", "ой", "ый", "яя"))
# Patronymics give a Russian name's order; family-name endings mark the family token.
_RU_PATRONYMIC: Final = tuple(scan_fold(e) for e in ("вич", "вна", "ична", "оглы", "кызы"))
_RU_FAMILY: Final = tuple(
    scan_fold(e)
    for e in (
        *("ов", "ова", "ев", "ева", "ёв", "ёва", "ин", "ина", "ын", "ына", "ский", "ская"),
        *("цкий", "цкая", "ской", "енко", "ук", "юк", "ян", "дзе", "швили", "их", "ых"),
    )
)
_QUOTES: Final = frozenset("\"'«»„“”‘’‹›")
_CLAUSE_BREAK: Final = re.compile(r"[.;:!?\n]")
_ABBREVIATION: Final = 4
_NEIGHBOURS: Final = 3
"""How many words (particles not counted) a name token looks for another of the same
person's tokens on each side."""
_SENTENCE_STARTERS: Final = frozenset(".!?…:;\n•")
# Quotes, brackets and dashes may stand between a sentence end and its first word.
_OPENERS: Final = frozenset("\"'«»„“”‘’([{-–—*")
_GAP: Final = r"[\s.\-/()]{0,3}"
_WORD: Final = re.compile(r"[^\W_]+")
# "and" between two names joins two people, not the parts of one name.
_CONJUNCTIONS: Final = frozenset(("e", "y", "и", "و"))
_AND: Final = frozenset(("and", "et", "or", "ou", "o", "или", "او", "أو"))
_CASED: Final = re.compile(r"[a-zа-я]")
# A verb in the perfect, third person feminine: three to five letters ending in ت,
# not a noun with the article or a plural in ات.
_FEMININE_PERFECT: Final = re.compile(r"(?!ال)[\u0621-\u064a]{2,4}(?<!ا)ت")
# Prepositions that fold to a name (على "on" and علي "Ali"): a name only next to
# another of the person's name tokens, never because of a title before them.
_FUNCTION_WORDS: Final = frozenset(scan_fold(w) for w in ("على", "إلى", "الى", "في", "من", "عن"))
_DIGIT: Final = re.compile(r"[0-9]")


@dataclasses.dataclass(frozen=True)
class ProtectedPerson:
    """One victim's or witness's names and other identifiers, as the scanner needs them."""

    names: tuple[str, ...] = ()
    identifiers: tuple[tuple[PseudonymKind, str], ...] = ()
    family_names: tuple[str, ...] = ()
    """The family names among `names` (each a whole name part, e.g. "da Silva"), when the
    sender recorded the name's structure; empty when unknown."""


@dataclasses.dataclass(frozen=True)
class Finding:
    """One identifier found in a text: its kind and where it is, never its value.

    `start` and `end` are character offsets (Python `str` indices) into the text as
    given: `text[start:end]` is what was found."""

    kind: str
    start: int
    end: int


_PROPER_GAP: Final = re.compile(r"[\w\s']*")
"""What may stand between two words of one proper noun: spaces and particles."""


@dataclasses.dataclass(frozen=True)
class _NameToken:
    group: int
    token: str
    family: bool
    """A family-name token (recorded by the sender, or inferred: `family_tokens`)."""
    common: bool
    """An ordinary word or place as well as a name: never blocks alone."""
    place: bool
    """On `PLACE_WORDS`: a capital does not make it a name either."""
    inferred: bool = False
    """The family/given split was inferred (`family_tokens`), not recorded: an inferred
    family token blocks alone only where a given name would (written with a capital)."""


def family_tokens(name: str) -> set[str]:
    """The scan-folded tokens of the family names in `name`, inferred from how the name
    is written when the sender did not record its structure:

    1. "Family, Given": the tokens before the first comma;
    2. tokens written in capitals ("OKAFOR Blessing"), when not every token is;
    3. Cyrillic: a patronymic (-вич, -вна, -ична, оглы, кызы) gives the order (family
       first when the patronymic is last, family last when it is second); otherwise
       tokens with a family-name ending (-ов(а), -ев(а), -ин(а), -ский/-ская, -енко,
       -ук, -ян, …);
    4. otherwise every token but the first (Spanish and Portuguese double family names,
       Arabic "بن سالم" and "ال…" parts); a name of one token is a family name.
    """
    head, comma, _ = name.partition(",")
    if comma and tokens(scan_fold(head)):
        return set(tokens(scan_fold(head)))
    raw = [t for t in _WORD.findall(name) if not t.isdigit()]
    folded = [scan_fold(t) for t in raw]
    parts = [(r, f) for r, f in zip(raw, folded, strict=True) if f not in NAME_PARTICLES]
    if not parts:
        return set()
    capitals = [f for r, f in parts if len(r) > 1 and r.isupper()]
    if capitals and len(capitals) < len(parts):
        return set(capitals)
    words = [f for _, f in parts]
    if _script(words[0]) == "CYRILLIC":
        patronymic = [i for i, w in enumerate(words) if w.endswith(_RU_PATRONYMIC)]
        if patronymic and len(words) >= 3:
            return {words[0]} if patronymic[0] == len(words) - 1 else set(words[2:])
        marked = {w for w in words if w.endswith(_RU_FAMILY)}
        if marked and len(marked) < len(words):
            return marked
    return set(words[1:]) if len(words) > 1 else set(words)


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
        stems = [token[:-1] if token[-1] in _RU_FINALS else token]
        if token.endswith(_RU_ADJECTIVE_FINALS):
            stems.append(token[:-2])
        for stem in stems:
            if len(stem) >= 3:  # shorter stems would match unrelated words
                forms.update(stem + ending for ending in _RU_ENDINGS)
    return forms


def _is_word_char(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char)[0] == "M"


def _starts_sentence(text: str, start: int) -> bool:
    for char in reversed(text[max(0, start - 200) : start]):
        if char in _SENTENCE_STARTERS:
            return True
        if not (char.isspace() or char in _OPENERS):
            return False
    return True


def _digits(value: str) -> str:
    return "".join(c for c in scan_fold(value) if c.isascii() and c.isdigit())


def _alnum(value: str) -> str:
    return "".join(c for c in scan_fold(value) if c.isascii() and c.isalnum())


def _spread(chars: str) -> str:
    """A pattern for `chars` with up to three separators between any two of them."""
    return _GAP.join(map(re.escape, chars))


def _starting(chars: str, before: str) -> str:
    """`_spread(chars)`, not preceded by a character of the class `before`. The first
    character comes first and the lookbehind after it, so that the engine can skip to
    that character at C speed."""
    return (
        re.escape(chars[0])
        + rf"(?<![{before}]{re.escape(chars[0])})"
        + _spread(chars)[len(re.escape(chars[0])) :]
    )


def _classify(value: str) -> PseudonymKind:
    """Best guess at the kind of an identifier given as a bare string."""
    stripped = value.strip()
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", stripped):
        return "date_of_birth"
    if "@" in value:
        return "email"
    if iban_valid(_alnum(value).upper()):
        return "bank_account"
    phone_like = re.fullmatch(r"[+\d\s().-]+", stripped) is not None
    if stripped.startswith(("+", "00")) or (phone_like and stripped.startswith("0")):
        return "phone"
    return "document"


class Scanner:
    """Finds protected persons' names and identifiers, and identifier patterns, in text.

    Built once per message from its protected persons (and the regions whose national
    phone numbers to read, ISO 3166-1 alpha-2 codes), then applied to each free-text
    field. Construction never fails: identifiers it cannot use are skipped (they were
    already validated when their pseudonyms were made).
    """

    def __init__(self, persons: Iterable[ProtectedPerson], *, regions: Sequence[str] = ()) -> None:
        self._regions = tuple(dict.fromkeys(r.upper() for r in regions if len(r) == 2))
        self._forms: dict[str, list[_NameToken]] = {}
        self._own: list[tuple[str, str, bool]] = []
        self._dates: set[dt.date] = set()
        for group, person in enumerate(persons):
            family = {t for name in person.family_names for t in tokens(scan_fold(name))}
            for name in person.names:
                self._add_name(group, name, family or family_tokens(name), not family)
            for kind, value in person.identifiers:
                self._add_identifier(kind, value)
        self._automaton: ahocorasick.Automaton | None = None
        if self._forms:
            self._automaton = ahocorasick.Automaton()
            for form in self._forms:
                self._automaton.add_word(form, form)
            self._automaton.make_automaton()
        self._own_digits = self._compile([p for p, _, digits in self._own if digits])
        self._own_other = self._compile([p for p, _, digits in self._own if not digits])
        self._own_kinds = {f"i{index}": kind for index, (_, kind, _) in enumerate(self._own)}

    def _compile(self, patterns: list[str]) -> re.Pattern[str] | None:
        return re.compile("|".join(patterns)) if patterns else None

    def _add_name(self, group: int, name: str, family: set[str], inferred: bool) -> None:
        for token in tokens(scan_fold(name)):
            if len(token) < _MIN_TOKEN or token in NAME_PARTICLES or token.isdigit():
                continue
            place = token in PLACE_WORDS
            common = place or token in COMMON_WORD_NAMES
            entry = _NameToken(group, token, token in family, common, place, inferred)
            for form in _surface_forms(token):
                entries = self._forms.setdefault(form, [])
                if entry not in entries:
                    entries.append(entry)

    def _add_identifier(self, kind: PseudonymKind, value: str) -> None:
        pattern: str | None = None
        literal = ""  # what a match must contain, to know whether it needs a digit
        if kind == "date_of_birth":
            try:
                self._dates.add(dt.date.fromisoformat(value.strip()))
            except ValueError:
                return
        elif kind == "address":
            line = tokens(scan_fold(value.split(",", maxsplit=1)[0]))
            if len(line) >= _MIN_TOKEN:
                pattern = r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, line)) + r"(?![^\W_])"
                literal = "".join(line)
        elif kind == "email":
            email = scan_fold(value.strip())
            if "@" in email:
                pattern, literal = rf"(?<![\w.+-]){re.escape(email)}(?![\w-])", email
        elif kind == "phone":
            digits = _digits(value)
            if len(digits) >= 7:
                # The national significant number when written internationally: the
                # last nine digits of "+216 20 867 908" would hold the calling code.
                stripped = value.strip()
                if stripped.startswith(("+", "00")):
                    national = national_digits(digits.removeprefix("00"))
                    digits = national if len(national) >= 7 else digits
                pattern = _spread(digits[-_PHONE_SUFFIX:]) + r"(?![0-9])"
                literal = digits
        elif kind in ("document", "bank_account"):
            compact = _alnum(value)
            variants = [compact]
            if kind == "bank_account" and iban_valid(compact.upper()):
                variants.append(compact[4:])  # the domestic part, written without "GB82"
            used = [v for v in variants if len(v) >= _MIN_IDENTIFIER]
            pattern = "|".join(_starting(v, "a-z0-9") + "(?![a-z0-9])" for v in used)
            # Every variant must hold a digit for a match to need one.
            literal = "0" if used and all(_DIGIT.search(v) for v in used) else ""
        if pattern:
            name = f"i{len(self._own)}"
            needs_digit = _DIGIT.search(literal) is not None
            self._own.append((f"(?P<{name}>{pattern})", kind, needs_digit))

    def scan(self, text: str, *, patterns: bool = True) -> list[str]:
        """Identifier kinds found in `text`, in the order they first occur, each once;
        [] if clean.

        With `patterns` False only the protected persons' own names and identifiers are
        looked for (text that names suspects' selectors on purpose, see `SELECTOR`).
        """
        return list(dict.fromkeys(f.kind for f in self.findings(text, patterns=patterns)))

    def findings(self, text: str, *, patterns: bool = True) -> list[Finding]:
        """Every identifier found in `text`, ordered by position: kind and span.

        Overlapping findings of different kinds are all reported. Never raises on any
        `str`; `patterns` as in `scan`.
        """
        source = Folded(text)
        folded = source.folded
        hits: list[Hit] = []
        # Birth cue words, street words and e-mail "at"s, in one pass.
        cues = CUE_WORDS.starts(folded) if patterns else {}
        if self._automaton is not None:
            hits += self._name_hits(source)
        has_digit = _DIGIT.search(folded) is not None
        for pattern in (self._own_digits if has_digit else None, self._own_other):
            if pattern is not None:
                hits += [
                    (self._own_kinds[m.lastgroup or ""], m.start(), m.end())
                    for m in pattern.finditer(folded)
                ]
        if has_digit and (patterns or self._dates):
            digits = scan_digits(
                source,
                self._regions,
                patterns=patterns,
                dates=bool(self._dates),
                birth_word="birth" in cues,
            )
            hits += digits.hits
            if "street" in cues:
                hits += address_hits(source, cues["street"])
            if self._dates:
                hits += [
                    ("date_of_birth", s, e) for s, e, found in digits.dates if found & self._dates
                ]
        elif patterns and "@" in folded:
            hits += scan_digits(source, self._regions, patterns=True).hits
        if "at" in cues:
            hits += obfuscated_emails(folded, cues["at"])
        found = {Finding(kind, *source.span(start, end)) for kind, start, end in hits}
        return sorted(found, key=lambda f: (f.start, f.end, f.kind))

    def _name_hits(self, source: Folded) -> list[Hit]:
        """Hits on the protected persons' name tokens (rules in `_is_name`)."""
        assert self._automaton is not None  # noqa: S101 - only called with names
        folded = source.folded
        size = len(folded)
        hits: list[Hit] = []
        for last, form in self._automaton.iter(folded):
            start, end = last + 1 - len(form), last + 1
            if (start > 0 and _is_word_char(folded[start - 1])) or (
                end < size and _is_word_char(folded[end])
            ):
                continue
            if any(self._is_name(source, start, end, e) for e in self._forms[form]):
                hits.append((NAME_KIND, start, end))
        return hits

    def _is_name(self, source: Folded, start: int, end: int, entry: _NameToken) -> bool:
        """Whether the word at folded [start, end), matching `entry`, is that name.

        Never a word that is the whole content of quotation marks (a hotel, bar, ship
        or operation: «Виктория») or part of a hyphenated compound that is not the
        person's name ("rue Jean-Jaurès"). Otherwise it is when another of the same
        person's tokens stands within three words (particles not counted, not across a
        clause break or "and"), when a title or role word stands right before it or a
        reporting verb right before or after it, when an Arabic common word is joined by
        و to another protected name or has a proclitic and a feminine verb after it
        (`_arabic_name`); and, on its own, when it is a family
        name that is no common word, a given name that is no common word written with a
        capital (or in a script without capitals), or a common word not on
        `PLACE_WORDS` written with a capital where a sentence does not start."""
        folded = source.folded
        size = len(folded)
        if start > 0 and end < size and folded[start - 1] in _QUOTES and folded[end] in _QUOTES:
            return False
        low = max(0, start - 80)
        before = list(_WORD.finditer(folded, low, start))
        after = list(itertools.islice(_WORD.finditer(folded, end, end + 80), 8))
        if (
            start > 0
            and folded[start - 1] == "-"
            and before
            and before[-1].end() == start - 1
            and not self._joined_in_name(before[-1].group(), entry)
        ):
            return False
        if (
            end < size
            and folded[end] == "-"
            and after
            and after[0].start() == end + 1
            and not self._joined_in_name(after[0].group(), entry)
        ):
            return False
        if self._has_neighbour(source, start, end, entry, before, after):
            return True
        if entry.token in _FUNCTION_WORDS:
            return False
        if self._titled(folded, start, before):
            return True
        if self._reported(folded, start, end, before, after):
            return True
        if (
            entry.common
            and _script(entry.token) == "ARABIC"
            and self._arabic_name(folded[start:end], entry, before, after)
        ):
            return True
        if not entry.common:
            if entry.family and not entry.inferred:
                return True
            return _script(folded[start]) not in ("LATIN", "CYRILLIC") or self._capitalised(
                source, start
            )
        return not entry.place and self._common_word_alone(source, start, end, before)

    def _common_word_alone(
        self, source: Folded, start: int, end: int, before: list[re.Match[str]]
    ) -> bool:
        """Whether a common word that is also a name is that name with no cue or
        neighbour: written with a capital where no sentence starts, and not right after
        another capitalised word ("Los Ángeles", "Hope" in "Pray Hope Trust"), which makes
        it part of another proper noun, unless that word is one of the protected names."""
        folded = source.folded
        if not self._capitalised(source, start):
            return False
        if _starts_sentence(source.text, source.span(start, end)[0]):
            return False
        previous = next((w for w in reversed(before) if w.group() not in NAME_PARTICLES), None)
        if previous is None or not _PROPER_GAP.fullmatch(folded, previous.end(), start):
            return True
        if self._forms.get(previous.group()) or not self._capitalised(source, previous.start()):
            return True
        return _starts_sentence(source.text, source.span(previous.start(), previous.end())[0])

    def _arabic_name(
        self, word: str, entry: _NameToken, before: list[re.Match[str]], after: list[re.Match[str]]
    ) -> bool:
        """An Arabic common-word name joined by و to another protected person's name
        token ("لأسماء وليلى"), or written with a proclitic and followed by a feminine
        verb in the perfect ("فليلى بقيت")."""
        following = after[0].group() if after else ""
        if following.startswith("و") and self._forms.get(following[1:]):
            return True
        previous = before[-1].group() if before else ""
        if word.startswith("و") and word[1:] == entry.token and self._forms.get(previous):
            return True
        return word != entry.token and _FEMININE_PERFECT.fullmatch(following) is not None

    def _joined_in_name(self, word: str, entry: _NameToken) -> bool:
        """Whether `word`, joined to a name token by a hyphen, may be part of the same
        name: a particle ("Saint-Fleur"), another of the person's tokens, or a number
        ("OKAFOR-2026" is a reference made of the name)."""
        return (
            word in NAME_PARTICLES
            or word.isdigit()
            or any(
                e.group == entry.group and e.token != entry.token for e in self._forms.get(word, ())
            )
        )

    def _has_neighbour(
        self,
        source: Folded,
        start: int,
        end: int,
        entry: _NameToken,
        before: list[re.Match[str]],
        after: list[re.Match[str]],
    ) -> bool:
        folded = source.folded
        for words, first_edge, backwards in ((reversed(before), start, True), (after, end, False)):
            edge = first_edge
            counted = 0
            skipped = False
            for word in words:
                gap = folded[word.end() : edge] if backwards else folded[edge : word.start()]
                if _CLAUSE_BREAK.search(gap):
                    break
                edge = word.start() if backwards else word.end()
                text = word.group()
                if text in _CONJUNCTIONS or text in _AND:
                    break
                if text in NAME_PARTICLES:
                    skipped = True
                    continue
                counted += 1
                others = [
                    e
                    for e in self._forms.get(text, ())
                    if e.group == entry.group and e.token != entry.token
                ]
                # The nearest word, no particle between (or in a script without
                # capitals, across one: "مريم بن سالم"): any other token of the
                # person's. Otherwise two common words count only written as names are
                # ("vitória da luz", "pronto-socorro; a lima" are words).
                if others and (
                    (counted == 1 and (not skipped or not _CASED.match(folded[start])))
                    or any(not e.common for e in others)
                    or self._capitalised(source, start)
                    or self._capitalised(source, word.start())
                ):
                    return True
                if counted >= _NEIGHBOURS:
                    break
        return False

    @staticmethod
    def _reported(
        folded: str, start: int, end: int, before: list[re.Match[str]], after: list[re.Match[str]]
    ) -> bool:
        """Whether a reporting verb stands right before or after the word, with only
        white space between (a two-word verb as a whole)."""
        near_after: list[str] = []
        edge = end
        for word in after[:2]:
            if folded[edge : word.start()].strip():
                break
            near_after.append(word.group())
            edge = word.end()
        near_before: list[str] = []
        edge = start
        for word in reversed(before[-2:]):
            if folded[word.end() : edge].strip():
                break
            near_before.insert(0, word.group())
            edge = word.start()
        candidates = [
            *near_after[:1],
            " ".join(near_after),
            *near_before[-1:],
            " ".join(near_before),
        ]
        return any(c in REPORTING_WORDS for c in candidates if c)

    @staticmethod
    def _titled(folded: str, start: int, before: list[re.Match[str]]) -> bool:
        """Whether a title or role word stands right before the word (particles
        skipped; a comma or colon allowed: "the victim, Victoria,", "witness: Paz"; a
        dot only after a title of up to four letters: "Mr.", "Sra.", "Mlle."; "г-жа"),
        not across a sentence end ("… a witness. Grace …")."""
        edge = start
        for word in reversed(before):
            gap = folded[word.end() : edge].strip()
            text = word.group()
            if text in NAME_PARTICLES and gap in ("", "-", "'"):
                edge = word.start()
                continue
            abbreviation = len(text) <= _ABBREVIATION and gap == "."
            return text in TITLES and (gap in ("", "-", "'", ",", ":") or abbreviation)
        return False

    @staticmethod
    def _capitalised(source: Folded, start: int) -> bool:
        """Whether the word at folded `start` is written with a capital (Latin, Cyrillic)."""
        if _script(source.folded[start]) not in ("LATIN", "CYRILLIC"):
            return False  # no capitals to look for: the original is not consulted
        first, _ = source.span(start, start + 1)
        char = source.text[first] if first < len(source.text) else ""
        return unicodedata.category(char) in ("Lu", "Lt") and _script(char) in (
            "LATIN",
            "CYRILLIC",
        )


def scan(
    text: str,
    *,
    names: Sequence[str] = (),
    identifiers: Sequence[str | tuple[PseudonymKind, str]] = (),
    regions: Sequence[str] = (),
) -> list[str]:
    """Identifier kinds found in `text`; never the values themselves.

    `names` are protected persons' names, each string one person's name (tokens of one
    string strengthen each other, see the common-word rule); `identifiers` their other
    identifiers, each a bare string (its kind is guessed) or a (kind, value) pair;
    `regions` ISO 3166-1 alpha-2 codes whose national phone numbers are read. Returns
    e.g. ["victim_name", "phone"]; kinds are "victim_name", "date_of_birth", "document",
    "phone", "email", "address" and "bank_account". Never raises on any `str`.
    """
    typed = [item if isinstance(item, tuple) else (_classify(item), item) for item in identifiers]
    persons = [ProtectedPerson(names=(name,)) for name in names]
    persons += [ProtectedPerson(names=(value,)) for kind, value in typed if kind == "name"]
    persons.append(ProtectedPerson(identifiers=tuple(i for i in typed if i[0] != "name")))
    return Scanner(persons, regions=regions).scan(text)
