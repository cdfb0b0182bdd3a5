"""Record linkage: structured names, keyed Bloom-filter encodings and the link decision."""

# Arabic and Cyrillic names are the point of these tests:

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from schemas.errors import IdentifierInFreeText
from schemas.minimise import LinkageKey, minimise, protected_identifiers
from schemas.minimise import linkage as lk
from schemas.minimise.translit import skeleton, to_latin
from schemas.records import Body, Disclosure, Document, PersonIdentity, PersonName, Victim, Witness

KEY = LinkageKey(bytes(range(32)))
OTHER_KEY = LinkageKey(bytes(range(32, 64)))
TODAY = dt.date(2026, 11, 30)
DOB = dt.date(2001, 3, 4)


def _victim(*keys: LinkageKey, **identity: object) -> Victim:
    key = keys[0] if keys else KEY
    record = Victim(ref="V1", identity=msgspec.convert(identity, PersonIdentity))
    made, _ = minimise(record, linkage_key=key, today=TODAY)
    return made


def _link(a: dict[str, object], b: dict[str, object]) -> lk.Link:
    return lk.link(_victim(**a), _victim(**b), key=KEY)


def test_person_name_is_structured_and_checked() -> None:
    """A structured name decodes with its parts and script; a script code must be ISO
    15924 shaped and unknown fields are refused."""
    raw = b'{"given":["Maria","Fernanda"],"family":["da Silva"],"script":"Latn"}'
    name = msgspec.json.decode(raw, type=PersonName)
    assert name == PersonName(given=["Maria", "Fernanda"], family=["da Silva"], script="Latn")
    for bad in (b'{"script":"latn"}', b'{"script":"Latn\\n"}', b'{"nickname":"x"}'):
        with pytest.raises(msgspec.ValidationError):
            msgspec.json.decode(bad, type=PersonName)


def test_scanner_gets_structured_names_and_family_names() -> None:
    """The protected person holds each structured name as one string (given, patronymic,
    family) and its family parts as family names; plain names are kept too."""
    body = Victim(
        ref="V1",
        identity=PersonIdentity(
            names=["Dilya"],
            structured_names=[
                PersonName(given=["Дильноза"], patronymic="Рустамовна", family=["Каримова"])
            ],
        ),
    )
    (person,) = protected_identifiers(body)
    assert person.names == ("Dilya", "Дильноза Рустамовна Каримова")
    assert person.family_names == ("Каримова",)


def test_structured_names_are_scanned_for() -> None:
    """Free text naming a person by a structured name's family name is refused."""
    structured = PersonName(given=["Blessing"], family=["Okafor"], script="Latn")
    victim = Victim(
        ref="V1",
        identity=PersonIdentity(structured_names=[structured]),
        needs=["Okafor needs shelter"],
    )
    with pytest.raises(IdentifierInFreeText) as caught:
        minimise(victim, linkage_key=KEY, today=TODAY)
    assert caught.value.field == "needs[0]"
    assert "Okafor" not in str(caught.value)


def test_minimise_emits_balanced_encodings_and_no_name() -> None:
    """Each name gets one encoding under the key: 256-byte balanced filters (exactly
    half the bits set), a full form except for Arabic script; the identity and every
    spelling of the name are gone from the encoded record."""
    made = _victim(
        names=["Blessing Okafor", "فاطمة الزهراء"],
        structured_names=[{"given": ["Maria"], "family": ["da Silva"], "script": "Latn"}],
    )
    assert made.identity is None
    assert len(made.name_encodings) == 3
    for encoding in made.name_encodings:
        assert encoding.key_id == KEY.key_id
        assert encoding.scheme == "clk1"
        for value in (encoding.skeleton, encoding.full):
            if value is not None:
                assert len(value) == 256
                assert int.from_bytes(value, "little").bit_count() == 1024
    assert [e.full is None for e in made.name_encodings] == [False, True, False]
    wire = msgspec.json.encode(made).lower()
    for part in (b"blessing", b"okafor", b"silva", "فاطمة".encode()):
        assert part not in wire


class _Case(Body, frozen=True, tag="test_linkage_case"):
    victims: list[Victim] = msgspec.field(default_factory=list)


def test_minimising_twice_adds_no_encoding() -> None:
    """With a disclosure the identity stays; minimising again duplicates nothing."""
    disclosure = Disclosure(legal_basis="court_order", reference="order 12")
    identity = PersonIdentity(names=["Blessing Okafor"])
    body = _Case(victims=[Victim(ref="V1", identity=identity)])
    once, _ = minimise(body, linkage_key=KEY, today=TODAY, disclosure=disclosure)
    again = msgspec.structs.replace(once, disclosure=None)
    twice, _ = minimise(again, linkage_key=KEY, today=TODAY, disclosure=disclosure)
    assert len(once.victims[0].name_encodings) == 1
    assert twice.victims[0].name_encodings == once.victims[0].name_encodings


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Каримова Дильноза", "Karimova Dilnoza"),
        ("Дильноза Рустамовна Каримова", "KARIMOVA, Dilnoza"),
        ("فاطمة الزهراء", "Fatima Al-Zahra"),
        ("فاطمة الزهراء", "Fatma Zahra"),
        ("Mohammed Youssef Haddad", "Muhammad Yusuf Hadad"),
        ("Youcef El Mansouri", "يوسف المنصوري"),
        ("Maria Fernanda da Silva", "Maria Silva"),
        ("José Ñúñez Pereira", "PEREIRA Jose Nunez"),
    ],
)
def test_variants_link_with_the_date_of_birth(left: str, right: str) -> None:
    """Transliterations, particles, a missing middle name or patronymic and swapped
    order link when the date of birth agrees."""
    result = _link(
        {"names": [left], "date_of_birth": DOB}, {"names": [right], "date_of_birth": DOB}
    )
    assert result.comparable
    assert result.decision, result
    assert result.agreements == ("date_of_birth",)


def test_structured_and_plain_names_link() -> None:
    """A structured name in Cyrillic links with the same name recorded as one Latin
    string by another authority."""
    structured = {"given": ["Дильноза"], "family": ["Каримова"], "patronymic": "Рустамовна"}
    result = _link(
        {"structured_names": [structured], "date_of_birth": DOB},
        {"names": ["Dilnoza Karimova"], "date_of_birth": DOB},
    )
    assert result.decision
    assert result.name_similarity is not None
    assert result.name_similarity > 0.95


def test_a_name_alone_never_links() -> None:
    """The same name without a date of birth on one side, or with another date of
    birth (a namesake), does not link."""
    same = _link({"names": ["Blessing Okafor"]}, {"names": ["Blessing Okafor"]})
    assert same.comparable
    assert not same.decision
    assert same.score <= lk.NAME_MAX < lk.THRESHOLD
    namesake = _link(
        {"names": ["Blessing Okafor"], "date_of_birth": DOB},
        {"names": ["Blessing Okafor"], "date_of_birth": dt.date(2003, 3, 4)},
    )
    assert not namesake.decision
    assert namesake.disagreements == ("date_of_birth",)


def test_other_names_do_not_link_on_the_date_of_birth() -> None:
    """Two different people born the same day do not link."""
    result = _link(
        {"names": ["Blessing Okafor"], "date_of_birth": DOB},
        {"names": ["Ioana Popescu"], "date_of_birth": DOB},
    )
    assert not result.decision
    assert result.name_similarity is not None
    assert result.name_similarity < 0.3


def test_a_document_links_with_or_without_its_country() -> None:
    """One authority recorded the issuing country and the type "passport", the other
    neither country nor the same type: the document pseudonyms agree and link."""
    result = _link(
        {
            "names": ["Blessing Okafor"],
            "documents": [{"type": "passport", "number": "A1234 5678", "country": "NG"}],
        },
        {
            "names": ["Okafor Blessing"],
            "documents": [{"type": "travel_document", "number": "a12345678"}],
        },
    )
    assert result.decision
    assert result.agreements == ("document",)


def test_a_shared_phone_does_not_link_people_with_other_names_and_births() -> None:
    """A phone in common (a trafficker's, say) does not link two people whose names and
    dates of birth disagree."""
    result = _link(
        {"names": ["Blessing Okafor"], "date_of_birth": DOB, "phones": ["+234 803 555 0199"]},
        {
            "names": ["Ioana Popescu"],
            "date_of_birth": dt.date(1999, 1, 1),
            "phones": ["+234 803 555 0199"],
        },
    )
    assert not result.decision
    assert result.agreements == ("phone",)


def test_witness_and_victim_records_link() -> None:
    """Witness records carry encodings too and compare like victims."""
    identity = PersonIdentity(names=["Natalia Volkova"], date_of_birth=DOB)
    witness, _ = minimise(Witness(ref="W1", identity=identity), linkage_key=KEY, today=TODAY)
    victim = _victim(names=["Наталья Волкова"], date_of_birth=DOB)
    assert witness.name_encodings
    assert lk.link(witness, victim, key=KEY).decision


def test_records_under_another_key_are_never_compared() -> None:
    """Records made under two keys are not comparable and never link, whatever they hold."""
    same = {"names": ["Blessing Okafor"], "date_of_birth": DOB, "phones": ["+2348035550199"]}
    a, b = _victim(**same), _victim(OTHER_KEY, **same)
    for key in (KEY, OTHER_KEY):
        result = lk.link(a, b, key=key)
        assert not result.comparable
        assert not result.decision
        assert result.score == 0


def test_encodings_under_two_keys_are_at_chance() -> None:
    """The same names encoded under two keys share bits only by chance: their Dice is
    what two independent random filters of those weights give, far from a link, while
    under one key the names are identical."""
    names = ["Blessing Okafor", "Maria Fernanda da Silva", "Каримова Дильноза", "فاطمة الزهراء"]
    for name in names:
        for part in lk.PARTS:
            if part == "full" and lk.is_arabic(name):
                continue
            one = lk.filter_bits(KEY, part, name)
            other = lk.filter_bits(OTHER_KEY, part, name)
            n1, n2 = one.bit_count(), other.bit_count()
            chance = 2 * n1 * n2 / (lk.FILTER_BITS * (n1 + n2))
            assert abs(lk.dice(one, other) - chance) < 0.12, (name, part)
            assert lk.dice(one, other) < lk.NAME_FLOOR - 0.3
            assert lk.dice(one, lk.filter_bits(KEY, part, name)) == 1.0


def test_encoded_bytes_differ_between_keys() -> None:
    """The permutation depends on the key: the same name's encoded bytes under two keys
    agree on about half the bits, as two random balanced strings do."""
    a = lk.encode_name(KEY, "Blessing Okafor")
    b = lk.encode_name(OTHER_KEY, "Blessing Okafor")
    assert a is not None
    assert b is not None
    same_bits = (
        2048
        - (int.from_bytes(a.skeleton, "little") ^ int.from_bytes(b.skeleton, "little")).bit_count()
    )
    assert 900 < same_bits < 1150


@pytest.mark.parametrize(
    ("token", "latin"),
    [
        ("елена", "yelena"),
        ("щербакова", "shcherbakova"),
        ("дильноза", "dilnoza"),
        ("наталья", "natalya"),
        ("юсупова", "yusupova"),
        ("фаина", "faina"),
        ("андреевна", "andreyevna"),
        ("فاطمه", "fatma"),
        ("الزهراء", "zhra"),
        ("يوسف", "yusf"),
        ("olga", "olga"),
    ],
)
def test_transliteration_table(token: str, latin: str) -> None:
    """BGN/PCGN for Cyrillic ("ye" at the start and after vowels, signs dropped); the
    Arabic table with the article removed and ta marbuta as "a"."""
    assert to_latin(token) == latin


@pytest.mark.parametrize(
    ("spellings", "expected"),
    [
        (["فاطمه", "fatima", "fatma", "fatimah"], "ftm"),
        (["يوسف", "youssef", "yusuf", "youcef"], "sf"),
        (["محمد", "mohammed", "muhammad", "mohamed"], "mhmd"),
        (["عايشه", "aisha", "aicha"], "sh"),
        (["خديجه", "khadija", "khadidja"], "hdj"),
        (["щербакова", "shcherbakova", "chtcherbakova"], "shshrbkv"),
    ],
)
def test_skeletons_meet(spellings: list[str], expected: str) -> None:
    """Arabic and its French and English spellings, and Russian and its French
    spelling, share a consonant skeleton."""
    assert {skeleton(s) for s in spellings} == {expected}


def test_particles_and_patronymics_are_not_encoded() -> None:
    """Particles in either script and feminine patronymics are left out; a masculine
    patronymic only between two other tokens (Abramovich stays as a family name)."""
    assert lk.name_tokens("Maria da Silva") == ["maria", "silva"]
    assert lk.name_tokens("محمد بن علي") == ["محمد", "علي"]
    assert lk.name_tokens("Дильноза Рустамовна Каримова") == ["дильноза", "каримова"]
    assert lk.name_tokens("Иван Петрович Сидоров") == ["иван", "сидоров"]
    assert lk.name_tokens("Roman Abramovich") == ["roman", "abramovich"]


def test_document_pseudonym_is_the_number_alone() -> None:
    """Minimising two records of one document, with and without the country, gives one
    document pseudonym."""
    a = _victim(documents=[{"type": "passport", "number": "A12345678", "country": "NG"}])
    b = _victim(documents=[msgspec.to_builtins(Document(type="passport", number="A12345678"))])
    assert a.pseudonyms == b.pseudonyms
