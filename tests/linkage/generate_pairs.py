"""Write labelled pairs of victim identities for measuring record linkage.

Each pair holds two authorities' records (`PersonIdentity` in JSON) of one person
(`match` true) or of two people (`match` false). Within a script: spelling variants,
typos, dropped middle names and patronymics, particles, swapped order, a date of birth
missing on one side; negatives are namesakes born another day, siblings and twins, and
people sharing a date of birth. Across scripts: Russian Cyrillic against Latin
spellings, Arabic against French and English spellings, taken from the hand-written
variant lists below (real spellings in use, not derived from Palermo's own tables).

Two sets from two seeds: `dev.json` (for choosing weights and threshold) and
`pairs.json` (evaluated, never tuned on). Run from the repository root:
python tests/linkage/generate_pairs.py
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SETS = {"dev.json": 20260101, "pairs.json": 20261130}
WITHIN_MATCHES = 300
WITHIN_NONMATCHES = 200
CROSS_MATCHES = 200
CROSS_NONMATCHES = 120

Variants = tuple[str, list[str]]

ARABIC_GIVEN: list[Variants] = [
    ("محمد", ["Mohammed", "Muhammad", "Mohamed", "Mohamad", "Mouhamed"]),
    ("يوسف", ["Youssef", "Yusuf", "Youcef", "Yousef", "Youssouf"]),
    ("فاطمة", ["Fatima", "Fatma", "Fatimah", "Fatema"]),
    ("عائشة", ["Aisha", "Aicha", "Aïcha", "Aysha"]),
    ("خديجة", ["Khadija", "Khadidja", "Khadijah", "Kadija"]),
    ("أحمد", ["Ahmed", "Ahmad"]),
    ("حسن", ["Hassan", "Hasan"]),
    ("حسين", ["Hussein", "Houssein", "Hussain", "Husayn", "Hocine"]),
    ("عمر", ["Omar", "Umar"]),
    ("إبراهيم", ["Ibrahim", "Ebrahim", "Brahim"]),
    ("مريم", ["Mariam", "Maryam", "Meryem", "Myriam"]),
    ("أمينة", ["Amina", "Aminah", "Ameena"]),
    ("زينب", ["Zainab", "Zineb", "Zaynab", "Zeinab"]),
    ("نادية", ["Nadia", "Nadiya", "Nadya"]),
    ("سعاد", ["Souad", "Suad", "Soad"]),
    ("خالد", ["Khaled", "Khalid"]),
    ("سلمى", ["Salma", "Selma"]),
    ("ليلى", ["Leila", "Layla", "Laila", "Leyla"]),
    ("رشيد", ["Rachid", "Rashid", "Rasheed"]),
    ("مصطفى", ["Mustafa", "Moustafa", "Mostafa", "Mustapha"]),
    ("كريم", ["Karim", "Kareem"]),
    ("جميلة", ["Djamila", "Jamila", "Jamilah"]),
    ("هدى", ["Houda", "Huda", "Hoda"]),
    ("سمير", ["Samir", "Sameer"]),
    ("نور", ["Nour", "Noor", "Nur"]),
    ("رانيا", ["Rania", "Ranya"]),
    ("ياسمينة", ["Yasmina", "Yasmine"]),
    ("عبد الله", ["Abdallah", "Abdullah", "Abdellah"]),
    ("صالح", ["Saleh", "Salah", "Salih"]),
    ("ريم", ["Rim", "Reem"]),
]
ARABIC_FAMILY: list[Variants] = [
    ("المنصوري", ["El Mansouri", "Al-Mansouri", "Almansoori", "Mansouri"]),
    ("الحسني", ["El Hassani", "Al-Hasani", "Hassani"]),
    ("بن علي", ["Ben Ali", "Benali", "Bin Ali"]),
    ("الخطيب", ["El Khatib", "Al-Khatib", "Alkhateeb", "Khatib"]),
    ("حداد", ["Haddad", "Hadad"]),
    ("الشامي", ["El Chami", "Al-Shami", "Chami"]),
    ("العلوي", ["El Alaoui", "Al-Alawi", "Alaoui"]),
    ("عثمان", ["Othman", "Osman", "Uthman"]),
    ("الفاسي", ["El Fassi", "Al-Fasi", "Fassi"]),
    ("يعقوب", ["Yacoub", "Yaqub", "Yakoub"]),
    ("بوعزيزي", ["Bouazizi"]),
    ("التازي", ["Tazi", "Ettazi", "At-Tazi"]),
    ("الأمين", ["El Amine", "Al-Amin", "Lamine"]),
    ("قاسم", ["Kacem", "Qasim", "Kassem", "Qassem"]),
    ("سليمان", ["Slimane", "Suleiman", "Sulayman", "Soliman"]),
    ("عيسى", ["Issa", "Aissa", "Isa"]),
    ("موسى", ["Moussa", "Musa", "Mousa"]),
    ("درويش", ["Darwich", "Darwish", "Derouiche"]),
    ("النجار", ["En-Najjar", "Al-Najjar", "Najjar", "Nadjar"]),
    ("الصغير", ["Seghir", "Al-Saghir", "Esseghir"]),
    ("الزهراني", ["Al-Zahrani", "Zahrani", "Ezzahrani"]),
    ("الإدريسي", ["El Idrissi", "Al-Idrisi", "Idrissi"]),
]
RUSSIAN_GIVEN: list[Variants] = [
    ("Наталья", ["Natalya", "Natalia", "Nataliya", "Natalja"]),
    ("Екатерина", ["Ekaterina", "Yekaterina", "Ekatherina"]),
    ("Юлия", ["Yulia", "Yuliya", "Julia", "Ioulia"]),
    ("Ольга", ["Olga"]),
    ("Татьяна", ["Tatyana", "Tatiana", "Tatjana"]),
    ("Анастасия", ["Anastasia", "Anastasiya", "Anastassia"]),
    ("Ксения", ["Ksenia", "Kseniya", "Xenia"]),
    ("Мария", ["Maria", "Mariya"]),
    ("Ирина", ["Irina"]),
    ("Елена", ["Elena", "Yelena"]),
    ("Светлана", ["Svetlana"]),
    ("Дарья", ["Darya", "Daria", "Dariya"]),
    ("Дильноза", ["Dilnoza", "Dilnosa"]),
    ("Гульнара", ["Gulnara", "Goulnara"]),
    ("Александр", ["Aleksandr", "Alexander", "Alexandr"]),
    ("Сергей", ["Sergey", "Sergei", "Serguei"]),
    ("Андрей", ["Andrey", "Andrei"]),
    ("Дмитрий", ["Dmitry", "Dmitriy", "Dmitri"]),
    ("Алексей", ["Aleksey", "Alexei", "Alexey"]),
    ("Евгения", ["Evgenia", "Yevgeniya", "Evgeniya", "Eugenia"]),
    ("Виктория", ["Viktoria", "Victoria", "Viktoriya"]),
    ("Жанна", ["Zhanna", "Janna"]),
]
RUSSIAN_FAMILY: list[Variants] = [
    ("Иванова", ["Ivanova"]),
    ("Петрова", ["Petrova"]),
    ("Смирнова", ["Smirnova"]),
    ("Кузнецова", ["Kuznetsova", "Kouznetsova"]),
    ("Соколова", ["Sokolova"]),
    ("Лебедева", ["Lebedeva"]),
    ("Козлова", ["Kozlova"]),
    ("Морозова", ["Morozova"]),
    ("Волкова", ["Volkova", "Wolkowa"]),
    ("Каримова", ["Karimova"]),
    ("Юсупова", ["Yusupova", "Iusupova", "Ioussoupova"]),
    ("Ахмедова", ["Akhmedova", "Ahmedova"]),
    ("Шевченко", ["Shevchenko", "Chevtchenko", "Schewtschenko"]),
    ("Журавлёва", ["Zhuravleva", "Zhuravlyova", "Jouravleva"]),
    ("Щербакова", ["Shcherbakova", "Chtcherbakova", "Scherbakova"]),
    ("Фёдорова", ["Fedorova", "Fyodorova", "Fiodorova"]),
    ("Ковальчук", ["Kovalchuk", "Kowalczuk"]),
    ("Белова", ["Belova"]),
    ("Тихонова", ["Tikhonova", "Tichonova"]),
    ("Рахимова", ["Rakhimova", "Rahimova"]),
]
RUSSIAN_PATRONYMIC: list[Variants] = [
    ("Рустамовна", ["Rustamovna"]),
    ("Ивановна", ["Ivanovna"]),
    ("Сергеевна", ["Sergeevna", "Sergeyevna"]),
    ("Александровна", ["Aleksandrovna", "Alexandrovna"]),
    ("Викторовна", ["Viktorovna", "Victorovna"]),
    ("Олеговна", ["Olegovna"]),
]
# Cyrillic spelling variants within the script (both in use in documents).
CYRILLIC_VARIANTS = {
    "Наталья": ["Наталия"],
    "Дарья": ["Дария"],
    "Фёдорова": ["Федорова"],
    "Журавлёва": ["Журавлева"],
    "Юлия": ["Юлья"],
}
# Arabic spelling variants within the script: hamza, alef maksura, ta marbuta.
ARABIC_VARIANTS = {
    "أحمد": ["احمد"],
    "إبراهيم": ["ابراهيم"],
    "فاطمة": ["فاطمه"],
    "أمينة": ["امينه"],
    "سلمى": ["سلمي"],
    "مصطفى": ["مصطفي"],
    "عبد الله": ["عبدالله"],
    "الأمين": ["الامين"],
    "الإدريسي": ["الادريسي"],
}
LATIN_GIVEN: list[Variants] = [
    (n, v)
    for n, v in [
        ("Blessing", []),
        ("Precious", []),
        ("Favour", ["Favor"]),
        ("Mercy", []),
        ("Esther", ["Ester"]),
        ("Chiamaka", []),
        ("Ngozi", []),
        ("Adaeze", []),
        ("Oluwaseun", []),
        ("Funmilayo", []),
        ("Aminat", ["Aminata"]),
        ("Maria", []),
        ("Ana", ["Anna"]),
        ("Juliana", []),
        ("Daniela", ["Danielle"]),
        ("Gabriela", ["Gabriella"]),
        ("Fernanda", []),
        ("Luz", []),
        ("Marina", []),
        ("Andreea", ["Andrea"]),
        ("Ioana", []),
        ("Elena", []),
        ("Mihaela", ["Michaela"]),
        ("Teresa", ["Tereza", "Theresa"]),
        ("Luisa", ["Luiza"]),
        ("Rafaela", ["Raphaela"]),
        ("Stephanie", ["Stefanie", "Stephany"]),
        ("Katherine", ["Catherine", "Kathryn"]),
        ("Jennifer", ["Jenifer"]),
        ("José", ["Jose"]),
        ("Thi Lan", []),
        ("Akosua", []),
    ]
]
LATIN_FAMILY: list[Variants] = [
    ("Okafor", []),
    ("Adeyemi", []),
    ("Eze", []),
    ("Okonkwo", []),
    ("Obi", []),
    ("Nwosu", []),
    ("Balogun", []),
    ("Okeke", []),
    ("da Silva", ["Silva"]),
    ("dos Santos", ["Santos"]),
    ("de Souza", ["de Sousa", "Souza"]),
    ("Oliveira", ["Oliviera"]),
    ("Pereira", ["Pereyra"]),
    ("Rodrigues", ["Rodriguez"]),
    ("García", ["Garcia"]),
    ("Hernández", ["Hernandez"]),
    ("de la Cruz", ["Cruz", "Delacruz"]),
    ("López", ["Lopez"]),
    ("Popescu", []),
    ("Ionescu", []),
    ("Dumitru", []),
    ("van der Berg", ["Van den Berg", "Berg"]),
    ("Nguyen", ["Nguyễn"]),
    ("Tran", ["Trần"]),
    ("Kowalski", ["Kowalska"]),
    ("Mensah", []),
    ("Boateng", []),
    ("Diallo", ["Dialo"]),
    ("Traoré", ["Traore"]),
    ("Fernández", ["Fernandes"]),
]

WITHIN_VARIATIONS = (
    "exact",
    "spelling",
    "typo",
    "dropped_middle",
    "particle",
    "swapped_order",
    "missing_dob",
)
CROSS_VARIATIONS = ("transliteration", "dropped_middle", "swapped_order", "missing_dob")
NONMATCHES = ("namesake_other_dob", "namesake_missing_dob", "sibling", "twin", "same_dob")


@dataclasses.dataclass
class Person:
    """One invented person: name parts in one script, with their variant lists."""

    script: str  # "latin", "cyrillic", "arabic"
    given: list[Variants]
    family: list[Variants]
    patronymic: Variants | None
    dob: dt.date
    document: str
    phone: str


def _pool(script: str) -> tuple[list[Variants], list[Variants]]:
    if script == "arabic":
        return ARABIC_GIVEN, ARABIC_FAMILY
    if script == "cyrillic":
        return RUSSIAN_GIVEN, RUSSIAN_FAMILY
    return LATIN_GIVEN, LATIN_FAMILY


def _dob(rng: random.Random) -> dt.date:
    return dt.date(1980, 1, 1) + dt.timedelta(days=rng.randrange(365 * 32))


def _person(rng: random.Random, script: str) -> Person:
    given_pool, family_pool = _pool(script)
    # Russian names have one given name and a patronymic.
    given = rng.sample(given_pool, 2 if script == "latin" and rng.random() < 0.45 else 1)
    family = rng.sample(family_pool, 2 if script == "latin" and rng.random() < 0.3 else 1)
    if script == "arabic" and rng.random() < 0.5:
        # A father's name between the given and the family name.
        given = [given[0], rng.choice(given_pool)]
    patronymic = rng.choice(RUSSIAN_PATRONYMIC) if script == "cyrillic" else None
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(rng.randint(1, 2)))
    document = letters + "".join(rng.choice("0123456789") for _ in range(7))
    phone = f"+{rng.choice(['234', '7', '212', '33', '55', '40'])} {rng.randrange(10**9, 10**10)}"
    return Person(script, given, family, patronymic, _dob(rng), document, phone)


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    match rng.choice(("substitute", "delete", "transpose", "insert")):
        case "substitute":
            alphabet = "aeioulnrst"
            if any("\u0400" <= c <= "\u04ff" for c in word):
                alphabet = "абвгдеиклмнорстуя"
            elif any("\u0600" <= c <= "\u06ff" for c in word):
                alphabet = "ابتدرسلمنهوي"
            return word[:i] + rng.choice(alphabet) + word[i + 1 :]
        case "delete":
            return word[:i] + word[i + 1 :]
        case "transpose":
            return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
        case _:
            return word[:i] + word[i] + word[i:]


def _record(
    rng: random.Random,
    given: list[str],
    family: list[str],
    patronymic: str | None,
    script: str,
    *,
    swapped: bool = False,
) -> dict[str, Any]:
    """A record with the name structured or as one string (order as written)."""
    iso = {"latin": "Latn", "cyrillic": "Cyrl", "arabic": "Arab"}[script]
    if rng.random() < 0.5 and not swapped:
        name: dict[str, Any] = {"given": given, "family": family, "script": iso}
        if patronymic:
            name["patronymic"] = patronymic
        return {"structured_names": [name]}
    parts = [*given, *([patronymic] if patronymic else []), *family]
    if swapped:
        parts = [*family, *given, *([patronymic] if patronymic else [])]
        if script == "latin" and rng.random() < 0.5:
            return {"names": [" ".join(family).upper() + ", " + " ".join(given)]}
    return {"names": [" ".join(parts)]}


def _spelled(rng: random.Random, part: Variants, script: str, vary: bool) -> str:
    """A part in the person's own script, a within-script variant when `vary`."""
    native, latin_variants = part
    if not vary:
        return native
    if script == "latin":
        return rng.choice(latin_variants) if latin_variants else native
    table = CYRILLIC_VARIANTS if script == "cyrillic" else ARABIC_VARIANTS
    return rng.choice(table.get(native, [native]))


def _identifiers(
    rng: random.Random, record: dict[str, Any], person: Person, *, dob: bool, share: bool
) -> None:
    if dob:
        record["date_of_birth"] = person.dob.isoformat()
    if share and rng.random() < 0.35:
        document: dict[str, Any] = {"type": "passport", "number": person.document}
        if rng.random() < 0.5:
            document["country"] = "NG"
        if rng.random() < 0.25:
            document["type"] = "travel_document"
        record["documents"] = [document]
    if share and rng.random() < 0.4:
        record["phones"] = [person.phone]


def _within_match(rng: random.Random, person: Person, variation: str) -> dict[str, Any]:
    script = person.script
    given = [g[0] for g in person.given]
    family = [f[0] for f in person.family]
    patronymic = person.patronymic[0] if person.patronymic else None
    a = _record(rng, given, family, patronymic, script)
    b_given, b_family, b_patronymic = list(given), list(family), patronymic
    swapped = False
    match variation:
        case "spelling":
            b_given = [_spelled(rng, g, script, True) for g in person.given]
            b_family = [_spelled(rng, f, script, True) for f in person.family]
        case "typo":
            index = rng.randrange(len(b_given) + len(b_family))
            if index < len(b_given):
                b_given[index] = _typo(rng, b_given[index])
            else:
                b_family[index - len(b_given)] = _typo(rng, b_family[index - len(b_given)])
        case "dropped_middle":
            if len(b_given) > 1:
                b_given = b_given[:1]
            elif b_patronymic:
                b_patronymic = None
            else:
                b_family = b_family[:1] if len(b_family) > 1 else b_family
        case "particle":
            b_family = [_drop_particle(f) for f in b_family]
            if b_family == family:
                b_given = [_spelled(rng, g, script, True) for g in person.given]
        case "swapped_order":
            swapped = True
    b = _record(rng, b_given, b_family, b_patronymic, script, swapped=swapped)
    _identifiers(rng, a, person, dob=True, share=True)
    _identifiers(rng, b, person, dob=variation != "missing_dob", share=True)
    return _pair(a, b, rng)


def _drop_particle(family: str) -> str:
    words = family.split()
    for particle in ("da", "dos", "de", "la", "van", "der", "den", "el", "al"):
        if len(words) > 1 and words[0].lower() == particle:
            words = words[1:]
    if family.startswith("ال") and len(family) > 4:
        return family[2:]
    return " ".join(words)


def _cross_match(rng: random.Random, person: Person, variation: str) -> dict[str, Any]:
    given = [g[0] for g in person.given]
    family = [f[0] for f in person.family]
    patronymic = person.patronymic[0] if person.patronymic else None
    a = _record(rng, given, family, patronymic, person.script)
    latin_given = [rng.choice(g[1]) for g in person.given]
    latin_family = [rng.choice(f[1]) for f in person.family]
    latin_patronymic = rng.choice(person.patronymic[1]) if person.patronymic else None
    swapped = False
    match variation:
        case "dropped_middle":
            if len(latin_given) > 1:
                latin_given = latin_given[:1]
            else:
                latin_patronymic = None
        case "swapped_order":
            swapped = True
    if person.script == "cyrillic" and rng.random() < 0.6:
        # Latin documents of Russian citizens usually leave the patronymic out.
        latin_patronymic = None
    b = _record(rng, latin_given, latin_family, latin_patronymic, "latin", swapped=swapped)
    _identifiers(rng, a, person, dob=True, share=True)
    _identifiers(rng, b, person, dob=variation != "missing_dob", share=True)
    return _pair(a, b, rng)


def _nonmatch(rng: random.Random, person: Person, category: str, cross: bool) -> dict[str, Any]:
    other = _person(rng, person.script)
    match category:
        case "namesake_other_dob" | "namesake_missing_dob":
            other.given, other.family, other.patronymic = (
                person.given,
                person.family,
                person.patronymic,
            )
            while other.dob == person.dob:
                other.dob = _dob(rng)
        case "sibling" | "twin":
            other.family = person.family
            given_pool, _ = _pool(person.script)
            firsts = {g[0] for g in person.given}
            other.given = [g for g in rng.sample(given_pool, 3) if g[0] not in firsts][:1]
            if category == "twin":
                other.dob = person.dob
        case "same_dob":
            other.dob = person.dob
    given = [g[0] for g in person.given]
    family = [f[0] for f in person.family]
    patronymic = person.patronymic[0] if person.patronymic else None
    a = _record(rng, given, family, patronymic, person.script)
    if cross:
        b = _record(
            rng,
            [rng.choice(g[1]) for g in other.given],
            [rng.choice(f[1]) for f in other.family],
            rng.choice(other.patronymic[1]) if other.patronymic and rng.random() < 0.4 else None,
            "latin",
        )
    else:
        b = _record(
            rng,
            [g[0] for g in other.given],
            [f[0] for f in other.family],
            other.patronymic[0] if other.patronymic else None,
            person.script,
        )
    _identifiers(rng, a, person, dob=True, share=True)
    _identifiers(rng, b, other, dob=category != "namesake_missing_dob", share=True)
    return _pair(a, b, rng)


def _pair(a: dict[str, Any], b: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    return {"a": a, "b": b} if rng.random() < 0.5 else {"a": b, "b": a}


def generate(seed: int) -> list[dict[str, Any]]:
    """The labelled pairs of one seed."""
    rng = random.Random(seed)  # noqa: S311 - seeded, so that the pairs are reproducible
    pairs: list[dict[str, Any]] = []

    def add(kind: str, scripts: str, category: str, match: bool, pair: dict[str, Any]) -> None:
        entry = {"id": len(pairs), "set": kind, "scripts": scripts, "category": category}
        pairs.append({**entry, "match": match, **pair})

    within_scripts = ["latin"] * 3 + ["cyrillic", "arabic"]
    for i in range(WITHIN_MATCHES):
        person = _person(rng, rng.choice(within_scripts))
        variation = WITHIN_VARIATIONS[i % len(WITHIN_VARIATIONS)]
        pair = _within_match(rng, person, variation)
        add("within", f"{person.script}-{person.script}", variation, True, pair)
    for i in range(WITHIN_NONMATCHES):
        person = _person(rng, rng.choice(within_scripts))
        category = NONMATCHES[i % len(NONMATCHES)]
        pair = _nonmatch(rng, person, category, cross=False)
        add("within", f"{person.script}-{person.script}", category, False, pair)
    for i in range(CROSS_MATCHES):
        person = _person(rng, ("cyrillic", "arabic")[i % 2])
        variation = CROSS_VARIATIONS[(i // 2) % len(CROSS_VARIATIONS)]
        add(
            "cross", f"{person.script}-latin", variation, True, _cross_match(rng, person, variation)
        )
    for i in range(CROSS_NONMATCHES):
        person = _person(rng, ("cyrillic", "arabic")[i % 2])
        category = NONMATCHES[(i // 2) % len(NONMATCHES)]
        pair = _nonmatch(rng, person, category, cross=True)
        add("cross", f"{person.script}-latin", category, False, pair)
    return pairs


def main() -> None:
    """Write every set."""
    for name, seed in SETS.items():
        document = {
            "description": "Labelled pairs of victim identities for record linkage: "
            "see tests/linkage/generate_pairs.py and docs/minimisation.md",
            "seed": seed,
            "pairs": generate(seed),
        }
        text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
        (HERE / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
