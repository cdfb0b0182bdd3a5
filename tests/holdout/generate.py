"""Write tests/holdout/holdout.json and tests/holdout/limits.json: the second, held-out
red-team corpus of the minimiser's free-text scanner.

Texts are assembled from the hand-written sentence templates of `lang_*.py` in this
folder (look-alike sentences for clean texts, identifier sentences for the others), with
invented people and valid numbers drawn from a seeded generator, plus the hand-written
hard cases of `hard_cases.py`. Identifiers the specification lists as out of the
scanner's reach (docs/minimisation.md, "Limits") go to `limits.json`, so that the
figures of `holdout.json` measure what the scanner promises. README.md lists the classes.

Run from the repository root: python -m tests.holdout.generate
Regenerating must not change the files (tests/test_minimiser_holdout.py checks it).
"""

# ruff: noqa: S311, RUF001

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import phonenumbers
import stdnum.iban

from tests.corpus import identifiers as ids

from . import hard_cases, lang_ar, lang_en, lang_es, lang_fr, lang_pt, lang_ru
from .draw import PERSIAN, birth, digits, event, imo
from .text import Piece, assemble, parse

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "holdout.json"
LIMITS = HERE / "limits.json"
SEED = 91_2026
LANGUAGES: tuple[ModuleType, ...] = (lang_en, lang_fr, lang_es, lang_pt, lang_ar, lang_ru)
PER_LANGUAGE = 62
CLEAN_PER_LANGUAGE = 27
LIMITS_PER_LANGUAGE = 6
_SLOT = re.compile(r"\{([A-Z_0-9]+)\}")


@dataclasses.dataclass
class Victim:
    """A protected person as a language module describes her, with the identifiers
    drawn for one text."""

    names: list[str]
    family_names: list[str]
    given: str
    family: str
    region: str
    lookalikes: list[str] = dataclasses.field(default_factory=list)
    forms: dict[str, str] = dataclasses.field(default_factory=dict)
    address: str = ""
    held: list[list[str]] = dataclasses.field(default_factory=list)
    dob: dt.date | None = None

    def hold(self, kind: str, value: str) -> None:
        if kind == "date_of_birth":  # one date of birth: the one the text gives
            self.held = [h for h in self.held if h[0] != kind]
        if [kind, value] not in self.held:
            self.held.append([kind, value])


@dataclasses.dataclass
class Ctx:
    rng: random.Random
    lang: ModuleType
    victim: Victim
    regions: list[str]
    classes: set[str]


# --- slots -------------------------------------------------------------------------------
# A slot returns a Piece: its text, and for an identifier its kind and owner. Look-alike
# slots add their class to the text's classes; identifier slots carry theirs.


def _date(ctx: Ctx, day: dt.date) -> tuple[str, str]:
    if ctx.rng.random() < 0.5:
        return ids.date_words(ctx.rng, ctx.lang.CODE, day), "words"
    return ids.date_numeric(ctx.rng, ctx.lang.CODE, day), "numeric"


def slot_dob(ctx: Ctx) -> Piece:
    day = ctx.victim.dob or birth(ctx.rng)
    ctx.victim.dob = day
    text, form = _date(ctx, day)
    ctx.victim.hold("date_of_birth", day.isoformat())
    return Piece(text, "date_of_birth", "victim", f"dob_{form}")


def slot_odob(ctx: Ctx) -> Piece:
    text, _ = _date(ctx, birth(ctx.rng))
    return Piece(text, "date_of_birth", "other", "dob_other_person")


def _phone_piece(ctx: Ctx, region: str, owner: str) -> Piece:
    number = ids.phone(ctx.rng, region)
    style = ctx.rng.choice(ids.PHONE_STYLES)
    text = ids.phone_text(ctx.rng, number, style)
    cls = (
        "phone_international"
        if style in ("international", "e164", "double_zero")
        else ("phone_national" if style in ("national", "national_compact") else "phone_separators")
    )
    if ctx.lang.CODE == "ar" and ctx.rng.random() < 0.45:
        if ctx.rng.random() < 0.7:
            text, cls = ids.arabic_digits(text), "phone_arabic_digits"
        else:
            text, cls = text.translate(PERSIAN), "phone_persian_digits"
    if owner == "victim":
        ctx.victim.hold("phone", ids.international(number))
    return Piece(text, "phone", owner, cls)


def slot_phv(ctx: Ctx) -> Piece:
    return _phone_piece(ctx, ctx.victim.region, "victim")


def slot_pho(ctx: Ctx) -> Piece:
    return _phone_piece(ctx, ctx.rng.choice(ctx.regions), "other")


def slot_phx(ctx: Ctx) -> Piece:
    """Someone's phone in a third country, always with its calling code."""
    region = ctx.rng.choice(ctx.lang.THIRD_COUNTRIES)
    number = ids.phone(ctx.rng, region)
    text = ids.phone_text(ctx.rng, number, ctx.rng.choice(("international", "double_zero")))
    return Piece(text, "phone", "other", "phone_third_country")


def slot_pass(ctx: Ctx) -> Piece:
    value = ids.passport(ctx.rng, ctx.victim.region)
    ctx.victim.hold("document", value.replace(" ", ""))
    if ctx.rng.random() < 0.3 and any(c.isalpha() for c in value):
        return Piece(ids.split_document(value), "document", "victim", "document_split")
    return Piece(value, "document", "victim", "document_passport")


def slot_opass(ctx: Ctx) -> Piece:
    region = ctx.rng.choice(ctx.regions)
    return Piece(ids.passport(ctx.rng, region), "document", "other", "document_passport")


def slot_nid(ctx: Ctx) -> Piece:
    value = ctx.lang.national_id(ctx.rng)
    ctx.victim.hold("document", value)
    return Piece(value, "document", "victim", "document_national_id")


def slot_onid(ctx: Ctx) -> Piece:
    return Piece(ctx.lang.national_id(ctx.rng), "document", "other", "document_national_id")


def slot_iban(ctx: Ctx) -> Piece:
    value = ids.iban(ctx.rng, ctx.rng.choice(ctx.lang.IBAN_COUNTRIES))
    owner = "victim" if ctx.rng.random() < 0.4 else "other"
    if owner == "victim":
        ctx.victim.hold("bank_account", value)
    text = ids.iban_print(value) if ctx.rng.random() < 0.6 else value
    return Piece(text, "bank_account", owner, "bank_account_iban")


def slot_email(ctx: Ctx) -> Piece:
    rng = ctx.rng
    user = rng.choice(ctx.lang.EMAIL_USERS) + rng.choice(("", ".", "_")) + digits(rng, 2)
    value = f"{user}@{rng.choice(ctx.lang.EMAIL_DOMAINS)}"
    owner = "victim" if rng.random() < 0.5 else "other"
    if owner == "victim":
        ctx.victim.hold("email", value)
    return Piece(value, "email", owner, "email")


def slot_addr(ctx: Ctx) -> Piece:
    first = ctx.victim.address.split(",")[0]
    ctx.victim.hold("address", ctx.victim.address)
    return Piece(
        first if ctx.rng.random() < 0.5 else ctx.victim.address, "address", "victim", "address"
    )


def _name(ctx: Ctx, text: str, cls: str) -> Piece:
    return Piece(text, "victim_name", "victim", cls)


def slot_v(ctx: Ctx) -> Piece:
    return _name(ctx, ctx.rng.choice(ctx.victim.names), "name_full")


def slot_vupper(ctx: Ctx) -> Piece:
    name = ctx.victim.names[0]
    return _name(ctx, name.upper() if ctx.lang.CODE not in ("ar",) else name, "name_full")


def slot_vfam(ctx: Ctx) -> Piece:
    return _name(ctx, ctx.victim.family, "name_family")


def slot_vgiv(ctx: Ctx) -> Piece:
    return _name(ctx, ctx.victim.given, "name_with_title")


def slot_vform(form: str, cls: str) -> Callable[[Ctx], Piece]:
    def slot(ctx: Ctx) -> Piece:
        return _name(ctx, ctx.victim.forms[form], cls)

    return slot


# Look-alikes: the language module draws the text.
def lookalike(name: str, cls: str) -> Callable[[Ctx], Piece]:
    def slot(ctx: Ctx) -> Piece:
        ctx.classes.add(cls)
        return Piece(getattr(ctx.lang, name)(ctx.rng))

    return slot


def slot_idate(ctx: Ctx) -> Piece:
    ctx.classes.add("incident_date")
    return Piece(_date(ctx, event(ctx.rng))[0])


def slot_imo(ctx: Ctx) -> Piece:
    ctx.classes.add("vessel_number")
    return Piece(imo(ctx.rng))


def slot_pct(ctx: Ctx) -> Piece:
    ctx.classes.add("percentage")
    return Piece(f"{ctx.rng.randint(3, 97)}{ctx.lang.PCT}")


def slot_age(ctx: Ctx) -> Piece:
    ctx.classes.add("age")
    return Piece(str(ctx.rng.randint(14, 34)))


def slot_year(ctx: Ctx) -> Piece:
    ctx.classes.add("year")
    start = ctx.rng.randint(2015, 2022)
    return Piece(f"{start}–{start + ctx.rng.randint(1, 4)}")


def slot_count(ctx: Ctx) -> Piece:
    ctx.classes.add("statistic")
    n = ctx.rng.randint(1200, 98000)
    return Piece(f"{n:,}".replace(",", ctx.lang.THOUSANDS))


def slot_time(ctx: Ctx) -> Piece:
    ctx.classes.add("time")
    h, m = ctx.rng.randint(0, 23), ctx.rng.choice((0, 5, 15, 20, 30, 40, 45, 50))
    return Piece(ctx.lang.TIME.format(h=h, m=m))


def slot_institution(ctx: Ctx) -> Piece:
    ctx.classes.add("institution_phone")
    return Piece(ctx.rng.choice(ctx.lang.INSTITUTION_PHONES))


SLOTS: dict[str, Callable[[Ctx], Piece]] = {
    "DOB": slot_dob,
    "ODOB": slot_odob,
    "PHV": slot_phv,
    "PHO": slot_pho,
    "PHX": slot_phx,
    "PASS": slot_pass,
    "OPASS": slot_opass,
    "NID": slot_nid,
    "ONID": slot_onid,
    "IBAN": slot_iban,
    "EMAIL": slot_email,
    "ADDR": slot_addr,
    "V": slot_v,
    "VUP": slot_vupper,
    "VFAM": slot_vfam,
    "VGIV": slot_vgiv,
    "VGEN": slot_vform("gen", "name_inflected"),
    "VDAT": slot_vform("dat", "name_inflected"),
    "VINS": slot_vform("ins", "name_inflected"),
    "VPRO": slot_vform("pro", "name_proclitic"),
    "VPAR": slot_vform("par", "name_in_brackets"),
    "CASE": lookalike("case_number", "case_number"),
    "REF": lookalike("reference", "reference"),
    "AMT": lookalike("amount", "amount"),
    "ART": lookalike("article", "article_number"),
    "FLIGHT": lookalike("flight", "flight_number"),
    "PLATE": lookalike("plate", "vehicle_plate"),
    "POST": lookalike("postcode", "postal_code"),
    "SUSPECT": lookalike("suspect", "suspect_name"),
    "HOTLINE": lookalike("hotline", "hotline_short"),
    "INST": slot_institution,
    "IDATE": slot_idate,
    "IMO": slot_imo,
    "PCT": slot_pct,
    "AGE": slot_age,
    "YEAR": slot_year,
    "COUNT": slot_count,
    "TIME": slot_time,
}


# --- assembly ----------------------------------------------------------------------------


def render(template: str, ctx: Ctx, out: list[Piece]) -> None:
    pos = 0
    for match in _SLOT.finditer(template):
        if match.start() > pos:
            out.append(Piece(template[pos : match.start()]))
        out.append(SLOTS[match.group(1)](ctx))
        pos = match.end()
    if pos < len(template):
        out.append(Piece(template[pos:]))


def make_victim(rng: random.Random, lang: ModuleType, spec: dict[str, Any]) -> Victim:
    victim = Victim(
        names=list(spec["names"]),
        family_names=list(spec.get("family_names", [])),
        given=spec["given"],
        family=spec["family"],
        region=spec["region"],
        lookalikes=list(spec.get("lookalikes", [])),
        forms=dict(spec.get("forms", {})),
        address=spec.get("address", ""),
    )
    if not victim.address:
        victim.address = rng.choice(lang.ADDRESSES)
    # Most senders record a date of birth even when the text does not repeat it.
    if rng.random() < 0.6:
        victim.hold("date_of_birth", birth(rng).isoformat())
    return victim


def item(
    rng: random.Random, lang: ModuleType, number: int, *, clean: bool, templates: Sequence[str]
) -> dict[str, Any]:
    spec = lang.VICTIMS[number % len(lang.VICTIMS)]
    victim = make_victim(rng, lang, spec)
    regions = sorted({lang.SENDER, victim.region})
    ctx = Ctx(rng, lang, victim, regions, set())
    sentences = rng.sample(lang.CLEAN, rng.randint(2, 3))
    if clean and victim.lookalikes and rng.random() < 0.6:
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(victim.lookalikes))
        ctx.classes.add(spec.get("lookalike_class", "common_word_name"))
    for template in templates:
        sentences.insert(rng.randrange(len(sentences) + 1), template)
    pieces: list[Piece] = []
    for i, sentence in enumerate(sentences):
        if i:
            pieces.append(Piece(lang.JOIN))
        render(sentence, ctx, pieces)
    text, spans, classes = assemble(pieces)
    classes |= ctx.classes
    if not spans and not classes:
        classes.add("plain_narrative")
    return {
        "id": f"{lang.CODE}-{number:04d}",
        "lang": lang.CODE,
        "label": "identifier" if spans else "clean",
        "text": text,
        "classes": sorted(classes),
        "regions": regions,
        "persons": [
            {"names": victim.names, "family_names": victim.family_names, "identifiers": victim.held}
        ],
        "spans": spans,
    }


def language_items(rng: random.Random, lang: ModuleType) -> list[dict[str, Any]]:
    out = []
    order = list(range(PER_LANGUAGE))
    rng.shuffle(order)
    clean = set(order[:CLEAN_PER_LANGUAGE])
    idents = list(lang.IDENTIFIER)
    for n in range(PER_LANGUAGE):
        if n in clean:
            out.append(item(rng, lang, n, clean=True, templates=[]))
        else:
            first = idents[n % len(idents)]
            chosen = [first]
            if rng.random() < 0.25:
                chosen.append(rng.choice(idents))
            out.append(item(rng, lang, n, clean=False, templates=chosen))
    return out


def limit_items(rng: random.Random, lang: ModuleType) -> list[dict[str, Any]]:
    """One look-alike sentence and one hand-marked sentence the specification lists as
    out of the scanner's reach."""
    out = []
    for n, (template, cls) in enumerate(lang.LIMITS):
        victim = make_victim(rng, lang, lang.VICTIMS[n % len(lang.VICTIMS)])
        regions = sorted({lang.SENDER, victim.region})
        ctx = Ctx(rng, lang, victim, regions, set())
        pieces: list[Piece] = []
        render(rng.choice(lang.CLEAN), ctx, pieces)
        pieces.append(Piece(lang.JOIN))
        pieces.extend(parse(template))
        text, spans, classes = assemble(pieces)
        out.append(
            {
                "id": f"{lang.CODE}-L{n:03d}",
                "lang": lang.CODE,
                "label": "identifier" if spans else "clean",
                "text": text,
                "classes": sorted(classes | ctx.classes | {cls}),
                "regions": regions,
                "persons": [
                    {
                        "names": victim.names,
                        "family_names": victim.family_names,
                        "identifiers": victim.held,
                    }
                ],
                "spans": spans,
            }
        )
    return out


def build() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(SEED)
    items: list[dict[str, Any]] = []
    limits: list[dict[str, Any]] = []
    for lang in LANGUAGES:
        assert len(lang.CLEAN) + len(lang.IDENTIFIER) >= 20, lang.CODE
        items += language_items(rng, lang)
    items += hard_cases.items()
    for lang in LANGUAGES:
        limits += limit_items(rng, lang)
    for record in items + limits:
        for span in record["spans"]:
            assert record["text"][span["start"] : span["end"]].strip(), record["id"]
    return items, limits


def dump(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, ensure_ascii=False, indent=1) + "\n"


def valid_phone(text: str, regions: Sequence[str]) -> bool:
    """Whether `text` is a valid phone number (digits of any script) for one of
    `regions` or, written with a calling code, for its own country."""
    plain = "".join(str(int(c)) if c.isdigit() else c for c in text)
    if plain.startswith("00"):
        plain = "+" + plain[2:]
    for region in [*regions, None]:
        try:
            number = phonenumbers.parse(plain, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


def valid_iban(text: str) -> bool:
    return bool(stdnum.iban.is_valid(text))


def main() -> None:
    items, limits = build()
    OUTPUT.write_text(dump(items), encoding="utf-8")
    LIMITS.write_text(dump(limits), encoding="utf-8")
    print(f"{len(items)} texts in {OUTPUT.name}, {len(limits)} in {LIMITS.name}")


if __name__ == "__main__":
    main()
