"""Transliteration of name tokens to Latin, and their consonant skeletons.

The tables here are the specification's tables (docs/minimisation.md, "Name encodings"):
a gateway in another language copies them and derives the same Latin forms, so no
transliteration library (ICU) is needed and no library version can change a result.
Input tokens are already folded (`normalise.fold`, then `normalise.tokens`): lower case,
Latin diacritics removed, Arabic marks removed and Arabic letter variants unified
(أ إ آ ٱ → ا, ة → ه, ى ی → ي, ؤ → و, ئ → ي, ک → ك), Cyrillic ё → е.
"""

# Cyrillic and Arabic letters are the point of this module:
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

from typing import Final

# BGN/PCGN 1947 romanisation of Russian, without its optional separators ("·") and with
# the hard and soft signs dropped (Latin spellings of names leave them out), plus four
# Ukrainian and Belarusian letters. ё is already е after folding.
CYRILLIC: Final[dict[str, str]] = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",  # "ye" at the start of a token and after a vowel, й, ъ or ь (below)
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "і": "i",
    "ї": "yi",
    "є": "ye",
    "ґ": "g",
    "ў": "w",
}
CYRILLIC_YE_AFTER: Final = frozenset("аеиоуыэюяйъьіїє")
"""е is written "ye" at the start of a token and after these letters (BGN/PCGN)."""

# Arabic letters after folding. Short vowels are not written in Arabic, so the full
# transliteration of an Arabic name lacks them; the skeleton (below) is where Arabic
# and Latin spellings meet. ع and the hamza are dropped: Latin spellings mostly do.
ARABIC: Final[dict[str, str]] = {
    "ا": "a",
    "ب": "b",
    "ت": "t",
    "ث": "th",
    "ج": "j",
    "ح": "h",
    "خ": "kh",
    "د": "d",
    "ذ": "dh",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ش": "sh",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "z",
    "ع": "",
    "غ": "gh",
    "ف": "f",
    "ق": "q",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ه": "h",  # "a" at the end of a token of three or more letters (ta marbuta)
    "و": "u",  # "w" at the start of a token and after ا
    "ي": "i",  # "y" at the start of a token and after ا
    "ء": "",
    "پ": "p",
    "چ": "ch",
    "ژ": "zh",
    "گ": "g",
    "ڤ": "v",
}
ARABIC_ARTICLE: Final = "ال"
"""Removed from the start of an Arabic token of four or more letters ("الزهراء")."""

PARTICLES: Final = frozenset(
    [
        # Arabic script, before transliteration
        "بن",
        "ابن",
        "بنت",
        "ابو",
        "ال",
        # Latin, after transliteration (Arabic, Romance, Germanic, Turkic)
        "al",
        "el",
        "ul",
        "bin",
        "ben",
        "ibn",
        "bint",
        "abu",
        "abou",
        "ould",
        "da",
        "das",
        "de",
        "del",
        "della",
        "der",
        "des",
        "di",
        "do",
        "dos",
        "du",
        "e",
        "la",
        "le",
        "van",
        "von",
        "y",
        "zu",
        "ogly",
        "kyzy",
    ]
)
"""Name particles: dropped before encoding, so that "Maria da Silva" and "Maria Silva",
or "فاطمة الزهراء" and "Fatima Zahra", meet."""

PATRONYMIC_ENDINGS: Final = ("ovna", "evna", "ichna")
"""Latin endings of East Slavic feminine patronymics, which no family name has."""
INNER_PATRONYMIC_ENDINGS: Final = ("ovich", "evich")
"""Endings of masculine patronymics, also of family names (Abramovich): a patronymic
only between two other tokens of a name."""


def is_patronymic(latin: str, *, inner: bool) -> bool:
    """Whether a Latin token of at least six letters is a patronymic: it ends in one of
    PATRONYMIC_ENDINGS, or it is `inner` (neither the first nor the last token of the
    name) and ends in one of INNER_PATRONYMIC_ENDINGS. Patronymics are not encoded: Latin
    documents of Russian citizens leave them out, and siblings share them."""
    if len(latin) < 6:
        return False
    return latin.endswith(PATRONYMIC_ENDINGS) or (
        inner and latin.endswith(INNER_PATRONYMIC_ENDINGS)
    )


SKELETON_DIGRAPHS: Final = (
    ("chtch", "shch"),
    ("sch", "sh"),
    ("tch", "ch"),
    ("ch", "sh"),
    ("dj", "j"),
    ("zh", "j"),
    ("kh", "h"),
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("ck", "k"),
    ("x", "ks"),
    ("q", "k"),
)
"""Replacements applied in this order, each to the whole token, left to right, before
`c`, vowels and doubled letters are handled."""
SKELETON_VOWELS: Final = frozenset("aeiouyw")

# The skeleton of an Arabic token is read from the Arabic letters, not from their
# transliteration, where two letters could make a false digraph (ز ه "zh"). Long
# vowels (ا و ي), ع and the hamza are dropped, as Latin vowels are; the consonants take
# the classes their Latin skeletons fall into (خ "kh" → h, ق "q" → k, ش "sh").
ARABIC_SKELETON: Final[dict[str, str]] = {
    **ARABIC,
    "ا": "",
    "و": "",
    "ي": "",
    "ث": "t",
    "خ": "h",
    "ذ": "d",
    "غ": "g",
    "ق": "k",
    "چ": "sh",
    "ژ": "j",
}


def _cyrillic(token: str) -> str:
    out = []
    previous = ""
    for char in token:
        if char == "е" and (not previous or previous in CYRILLIC_YE_AFTER):
            out.append("ye")
        else:
            out.append(CYRILLIC.get(char, char))
        previous = char
    return "".join(out)


def _arabic(token: str) -> str:
    if token.startswith(ARABIC_ARTICLE) and len(token) >= 4:
        token = token[len(ARABIC_ARTICLE) :]
    out = []
    for index, char in enumerate(token):
        previous = token[index - 1] if index else ""
        if char in "وي" and (index == 0 or previous == "ا"):
            out.append("w" if char == "و" else "y")
        elif char == "ه" and index == len(token) - 1 and len(token) >= 3:
            out.append("a")
        else:
            out.append(ARABIC.get(char, char))
    return "".join(out)


def to_latin(token: str) -> str:
    """The Latin form of one folded token: Cyrillic by BGN/PCGN, Arabic by the table
    above, anything else unchanged. A token mixing scripts is read letter by letter
    with each letter's table (the Cyrillic "ye" rule and the Arabic position rules
    look only at letters of their own script)."""
    if token.isascii():
        return token
    if any(c in CYRILLIC for c in token):
        token = _cyrillic(token)
    if any(c in ARABIC for c in token):
        token = _arabic(token)
    return token


def _collapse(consonants: str) -> str:
    if consonants.endswith("h") and not consonants.endswith("sh"):
        consonants = consonants[:-1]
    collapsed: list[str] = []
    for char in consonants:
        if not collapsed or collapsed[-1] != char:
            collapsed.append(char)
    return "".join(collapsed)


def skeleton(token: str) -> str:
    """The consonant skeleton of one folded token (any script).

    An Arabic token (one holding a letter of the Arabic table): the article removed as
    in `to_latin`, each letter mapped by ARABIC_SKELETON. Any other token: its Latin
    form (`to_latin`), then the digraph replacements, `c` as `s` before e, i or y and as
    `k` elsewhere, and vowels (a e i o u y w) dropped. Then, for both, a final `h` not
    after `s` is dropped and runs of one letter collapse to one. Arabic and its French and English
    spellings meet here: فاطمة, Fatima and Fatma are all "ftm"; يوسف, Youssef, Yusuf and
    Youcef are "sf".
    """
    if any(c in ARABIC for c in token):
        if token.startswith(ARABIC_ARTICLE) and len(token) >= 4:
            token = token[len(ARABIC_ARTICLE) :]
        return _collapse("".join(ARABIC_SKELETON.get(c, c) for c in token))
    latin = to_latin(token)
    for old, new in SKELETON_DIGRAPHS:
        latin = latin.replace(old, new)
    chars = []
    for index, char in enumerate(latin):
        if char == "c":
            following = latin[index + 1 : index + 2]
            chars.append("s" if following and following in "eiy" else "k")
        else:
            chars.append(char)
    return _collapse("".join(c for c in chars if c not in SKELETON_VOWELS))
