"""Write tests/corpus/minimiser.json: the labelled red-team corpus for the minimiser.

Each item is a realistic free text of a referral or MLA request in one of six
languages, labelled `identifier` (it carries at least one identifier of a protected
person or of someone else, each occurrence annotated with its span, kind and owner) or
`clean` (a narrative full of look-alikes: case numbers, amounts, incident dates,
ordinary words equal to the protected person's given name). Texts are built from the
hand-written sentence templates of `lang_*.py` and pools of invented people and valid
identifiers (`identifiers.py`), with a fixed seed, plus the hand-written hard cases of
`hard_cases.py`. `README.md` in this folder lists the classes.

Run from the repository root: python -m tests.corpus.generate
Regenerating must not change the file (tests/test_minimiser_corpus.py checks it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import random
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import stdnum.iban

from . import hard_cases, identifiers, lang_ar, lang_en, lang_es, lang_fr, lang_pt, lang_ru
from .identifiers import arabic_digits

OUTPUT = Path(__file__).with_name("minimiser.json")
SEED = 20260409
LANGUAGES: tuple[ModuleType, ...] = (lang_en, lang_fr, lang_es, lang_pt, lang_ar, lang_ru)
PER_LANGUAGE = 92
CLEAN_SHARE = 0.46
_SLOT = re.compile(r"\{([A-Za-z_]+)\}")


@dataclasses.dataclass
class Person:
    """An invented person with every identifier the templates may write."""

    given: str
    family: str
    region: str
    names: list[str]
    family_names: list[str]
    dob: dt.date
    phone: Any
    passport: str
    national_id: str
    email: str
    iban: str
    address: str

    def identifiers(self) -> list[list[str]]:
        """(kind, value) pairs in the forms `scan(identifiers=...)` takes."""
        return [
            ["date_of_birth", self.dob.isoformat()],
            ["phone", identifiers.international(self.phone)],
            ["document", self.passport],
            ["document", self.national_id],
            ["email", self.email],
            ["bank_account", self.iban],
            ["address", self.address],
        ]


@dataclasses.dataclass
class Span:
    start: int
    end: int
    kind: str
    owner: str


@dataclasses.dataclass
class Built:
    text: str = ""
    spans: list[Span] = dataclasses.field(default_factory=list)
    classes: list[str] = dataclasses.field(default_factory=list)

    def add(self, text: str, kind: str | None = None, owner: str = "victim") -> None:
        if kind is not None:
            self.spans.append(Span(len(self.text), len(self.text) + len(text), kind, owner))
        self.text += text

    def mark(self, *classes: str) -> None:
        self.classes.extend(c for c in classes if c not in self.classes)


def make_person(rng: random.Random, lang: ModuleType, entry: Sequence[str]) -> Person:
    """A person from a pool entry (given, family, region[, other spellings...])."""
    given, family, region, *spellings = entry
    dob = identifiers.birth_date(rng)
    full = f"{given} {family}"
    names = [full, *spellings]
    return Person(
        given=given,
        family=family,
        region=region,
        names=names,
        family_names=[family] if rng.random() < 0.7 else [],
        dob=dob,
        phone=identifiers.phone(rng, region),
        passport=identifiers.passport(rng, region),
        national_id=lang.national_id(rng, region, dob),
        email=lang.email(rng, given, family, spellings),
        iban=lang.bank_account(rng, region),
        address=lang.address(rng),
    )


class Filler:
    """Fills one template's slots for one item, recording spans and classes."""

    def __init__(
        self,
        rng: random.Random,
        lang: ModuleType,
        victim: Person,
        other: Person,
        regions: list[str],
    ) -> None:
        self.rng, self.lang, self.victim, self.other, self.regions = (
            rng,
            lang,
            victim,
            other,
            regions,
        )

    def fill(self, built: Built, template: str) -> None:
        position = 0
        for match in _SLOT.finditer(template):
            built.add(self._literal(built, template[position : match.start()]))
            self.slot(built, match.group(1))
            position = match.end()
        built.add(self._literal(built, template[position:]))

    @staticmethod
    def _literal(built: Built, text: str) -> str:
        # A value ending in an abbreviation's dot already closes the sentence.
        if text.startswith(".") and built.text.endswith("."):
            return text[1:]
        return text

    def slot(self, built: Built, name: str) -> None:  # noqa: PLR0912
        rng, lang = self.rng, self.lang
        if name in lang.LOOKALIKES:
            value, cls = lang.LOOKALIKES[name](rng)
            built.add(value)
            built.mark(cls)
            return
        person, owner, key = self.victim, "victim", name
        if name == "V":
            key = ""
        elif name.startswith("O"):
            person, owner, key = self.other, "other", name[1:]
        match key:
            case "":
                built.add(lang.full_name(rng, person.given, person.family), "victim_name", owner)
                built.mark("name_full")
            case "g":
                built.add(person.given, "victim_name", owner)
                built.mark("name_given_cued")
            case "f":
                built.add(person.family, "victim_name", owner)
                built.mark("name_family")
            case "gen" | "dat" | "ins" | "pre" | "fgen" | "gg":
                built.add(lang.inflect(person.given, person.family, key), "victim_name", owner)
                built.mark("name_inflected")
            case "wa" | "li" | "bi" | "waf":
                built.add(
                    lang.proclitic(rng, person.given, person.family, key), "victim_name", owner
                )
                built.mark("name_proclitic")
            case "dob":
                built.add(
                    identifiers.date_numeric(rng, lang.CODE, person.dob), "date_of_birth", owner
                )
                built.mark("dob_numeric")
            case "dobw":
                built.add(
                    identifiers.date_words(rng, lang.CODE, person.dob), "date_of_birth", owner
                )
                built.mark("dob_words")
            case "tel":
                self.phone(built, person, owner)
            case "telintl":
                self.phone(built, person, owner, styles=("international", "double_zero", "e164"))
            case "telnat":
                self.phone(built, person, owner, styles=("national", "national_compact"))
            case "pass":
                built.add(person.passport, "document", owner)
                built.mark("document_passport")
            case "passsplit":
                built.add(identifiers.split_document(person.passport), "document", owner)
                built.mark("document_split")
            case "nid":
                built.add(person.national_id, "document", owner)
                built.mark("document_national_id")
            case "iban":
                if not stdnum.iban.is_valid(person.iban):
                    built.add(person.iban, "bank_account", owner)
                    built.mark("bank_account_domestic")
                    return
                printed = rng.random() < 0.6
                value = identifiers.iban_print(person.iban) if printed else person.iban
                built.add(value, "bank_account", owner)
                built.mark("bank_account_iban")
            case "mail":
                built.add(person.email, "email", owner)
                built.mark("email")
            case "addr":
                built.add(person.address, "address", owner)
                built.mark("address")
            case _:
                raise KeyError(name)

    def phone(
        self,
        built: Built,
        person: Person,
        owner: str,
        styles: Sequence[str] = identifiers.PHONE_STYLES,
    ) -> None:
        rng = self.rng
        style = rng.choice(styles)
        # Someone outside the item's regions is written internationally: a national form
        # cannot be read without knowing the country.
        if person.region not in self.regions:
            style = rng.choice(("international", "double_zero", "e164"))
        text = identifiers.phone_text(rng, person.phone, style)
        cls = {
            "international": "phone_international",
            "e164": "phone_international",
            "double_zero": "phone_international",
            "national": "phone_national",
            "national_compact": "phone_national",
        }.get(style, "phone_separators")
        if self.lang.CODE == "ar" and rng.random() < 0.35:
            text, cls = arabic_digits(text), "phone_arabic_digits"
        built.add(text, "phone", owner)
        built.mark(cls)


def build_item(
    rng: random.Random,
    lang: ModuleType,
    number: int,
    *,
    clean: bool,
    lookalikes: Iterator[tuple[Any, ...]],
) -> dict[str, Any]:
    """One generated item of `lang`; a clean one takes, half of the time, the next of the
    language's name look-alikes (taken in turn, so that none dominates)."""
    witness_entry = None
    if clean and rng.random() < 0.55:
        entry, sentences, cls, *witnessed = next(lookalikes)
        witness_entry = witnessed[0] if witnessed else None
    else:
        entry, sentences, cls = rng.choice(lang.VICTIMS), [], None
    victim = make_person(rng, lang, entry)
    other_entry = rng.choice([e for e in lang.OTHERS if e[0] != victim.given])
    other = make_person(rng, lang, other_entry)
    sender = rng.choice(lang.SENDERS)
    regions = list(dict.fromkeys([sender, victim.region]))
    filler = Filler(rng, lang, victim, other, regions)

    chosen = rng.sample(lang.NARRATIVE, rng.randint(2, 4))
    parts: list[tuple[str, tuple[str, ...]]] = [(t, ()) for t in chosen]
    if sentences:
        for sentence in rng.sample(sentences, min(len(sentences), rng.randint(1, 2))):
            parts.insert(rng.randint(0, len(parts)), (sentence, (cls,)))
    if not clean:
        for template, classes in rng.sample(lang.IDENTIFIER, rng.choice((1, 1, 2))):
            parts.insert(rng.randint(0, len(parts)), (template, tuple(classes)))
    built = Built()
    for index, (template, classes) in enumerate(parts):
        if index:
            built.add(rng.choice(lang.JOINERS))
        filler.fill(built, template)
        built.mark(*classes)
    if not built.classes:
        built.mark("plain_narrative")
    persons = [person_json(victim)]
    if witness_entry is None and getattr(lang, "WITNESSES", None) and rng.random() < 0.4:
        witness_entry = rng.choice(lang.WITNESSES)
    if witness_entry is not None:
        persons.append(person_json(make_person(rng, lang, witness_entry)))
    return item_json(
        f"{lang.CODE}-{number:04d}",
        lang.CODE,
        "clean" if clean else "identifier",
        built,
        regions,
        persons,
    )


def person_json(person: Person) -> dict[str, Any]:
    return {
        "names": person.names,
        "family_names": person.family_names,
        "identifiers": person.identifiers(),
    }


def item_json(
    item_id: str,
    lang: str,
    label: str,
    built: Built,
    regions: list[str],
    persons: list[dict[str, Any]],
) -> dict[str, Any]:
    text = unicodedata.normalize("NFC", built.text)
    assert text == built.text, item_id  # spans are offsets into the text as written
    assert (label == "clean") == (not built.spans), item_id
    return {
        "id": item_id,
        "lang": lang,
        "label": label,
        "text": built.text,
        "classes": sorted(built.classes),
        "regions": regions,
        "persons": persons,
        "spans": [dataclasses.asdict(s) for s in built.spans],
    }


_MARK = re.compile(r"\[\[(\w+):(victim|other)\|(.+?)\]\]")


def hard_item(number: int, case: dict[str, Any]) -> dict[str, Any]:
    """A hand-written case; identifiers are marked inline as [[kind:owner|text]]."""
    built = Built()
    position = 0
    source: str = case["text"]
    for match in _MARK.finditer(source):
        built.add(source[position : match.start()])
        built.add(match.group(3), match.group(1), match.group(2))
        position = match.end()
    built.add(source[position:])
    built.mark(*case["classes"], "hard_case")
    return item_json(
        f"{case['lang']}-h{number:03d}",
        case["lang"],
        case["label"],
        built,
        case["regions"],
        case["persons"],
    )


def build() -> list[dict[str, Any]]:
    """Every item, generated ones per language, then the hand-written hard cases."""
    rng = random.Random(SEED)  # noqa: S311 - a reproducible corpus, not a secret
    items: list[dict[str, Any]] = []
    for lang in LANGUAGES:
        clean_count = round(PER_LANGUAGE * CLEAN_SHARE)
        labels = [True] * clean_count + [False] * (PER_LANGUAGE - clean_count)
        rng.shuffle(labels)
        order = list(lang.NAME_LOOKALIKES)
        rng.shuffle(order)
        lookalikes = itertools.cycle(order)
        for number, clean in enumerate(labels, start=1):
            items.append(build_item(rng, lang, number, clean=clean, lookalikes=lookalikes))
    items.extend(hard_item(n, case) for n, case in enumerate(hard_cases.CASES, start=1))
    return items


def render() -> bytes:
    """The file's bytes: one item per line inside a JSON list, UTF-8, sorted keys."""
    lines = [json.dumps(item, ensure_ascii=False, sort_keys=True) for item in build()]
    return ("[\n" + ",\n".join(lines) + "\n]\n").encode()


Writer = Callable[[], bytes]

if __name__ == "__main__":
    OUTPUT.write_bytes(render())
