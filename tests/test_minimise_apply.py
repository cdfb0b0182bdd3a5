"""minimise(): pseudonymise, generalise and strip identities, then scan free text."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
import pytest

from schemas.errors import DisclosureInvalid, IdentifierInFreeText, MinimisationError
from schemas.minimise import (
    SELECTOR,
    LinkageKey,
    minimise,
    normalise_name,
    protected_identifiers,
    pseudonym,
)
from schemas.records import (
    Address,
    Body,
    Disclosure,
    Document,
    Officer,
    PersonIdentity,
    Ref,
    ShortText,
    Suspect,
    Victim,
    Witness,
)

KEY = LinkageKey(bytes(range(32)))
TODAY = dt.date(2026, 5, 1)


class _Referral(Body, frozen=True, tag="test_referral"):
    summary: str
    victims: list[Victim] = msgspec.field(default_factory=list)
    witnesses: list[Witness] = msgspec.field(default_factory=list)
    suspects: list[Suspect] = msgspec.field(default_factory=list)
    route: Literal["land", "sea", "air"] | None = None
    labels: list[Ref] = msgspec.field(default_factory=list)


class _Leg(msgspec.Struct, frozen=True, kw_only=True):
    place: ShortText
    victims: list[Victim] = msgspec.field(default_factory=list)


class _Journey(Body, frozen=True, tag="test_journey"):
    legs: list[_Leg] = msgspec.field(default_factory=list)


IDENTITY = PersonIdentity(
    names=["Blessing Okafor", "Bessy"],
    date_of_birth=dt.date(2009, 3, 14),
    documents=[Document(type="passport", number="A12345678", country="NG")],
    phones=["+234 803 555 0199"],
    emails=["blessing.o@example.com"],
    addresses=[Address(text="12 Allen Avenue, Ikeja", region="Lagos", country="NG")],
    bank_accounts=["GB82 WEST 1234 5698 7654 32"],
)
VICTIM = Victim(ref="V1", sex="female", needs=["shelter", "medical care"], identity=IDENTITY)
SUMMARY = "The victim was recruited in Benin City in 2025 and exploited in Palermo."


def _referral(summary: str = SUMMARY, **fields: object) -> _Referral:
    return _Referral(summary=summary, victims=[VICTIM], **fields)  # type: ignore[arg-type]


def test_identity_is_replaced_by_pseudonyms_and_generalised_attributes() -> None:
    """Without disclosure identity goes, pseudonyms and generalised attributes come."""
    body, level = minimise(_referral(), linkage_key=KEY, today=TODAY)
    victim = body.victims[0]
    assert level == "pseudonymised"
    assert victim.identity is None
    kinds = [p.kind for p in victim.pseudonyms]
    assert kinds == [
        "name",
        "name",
        "date_of_birth",
        "document",
        "phone",
        "email",
        "address",
        "bank_account",
    ]
    assert pseudonym(KEY, "name", normalise_name("okafor blessing")) in victim.pseudonyms
    assert (victim.age_band, victim.minor) == ("15-17", True)
    assert (victim.region, victim.country) == ("Lagos", "NG")
    assert victim.needs == ["shelter", "medical care"]


def test_nothing_identifying_survives_encoding() -> None:
    """The encoded body contains none of the identity's values."""
    body, _ = minimise(_referral(), linkage_key=KEY, today=TODAY)
    encoded = msgspec.json.encode(body)
    for secret in (
        b"Okafor",
        b"Bessy",
        b"A12345678",
        b"803 555",
        b"example.com",
        b"Allen",
        b"2009",
    ):
        assert secret not in encoded


def test_attributes_already_set_are_kept() -> None:
    """Age band, minority, region and country set by the officer are not overwritten."""
    victim = msgspec.structs.replace(VICTIM, age_band="10-14", minor=True, region="Edo")
    body, _ = minimise(_Referral(summary=SUMMARY, victims=[victim]), linkage_key=KEY, today=TODAY)
    assert (body.victims[0].age_band, body.victims[0].region) == ("10-14", "Edo")
    assert body.victims[0].country == "NG"


def test_minimising_twice_adds_no_duplicate_pseudonyms() -> None:
    """Pseudonyms already present are not added again (a draft may be minimised twice)."""
    once, _ = minimise(_referral(), linkage_key=KEY, today=TODAY)
    again = msgspec.structs.replace(once.victims[0], identity=IDENTITY)
    twice, _ = minimise(_Referral(summary=SUMMARY, victims=[again]), linkage_key=KEY, today=TODAY)
    assert twice.victims[0].pseudonyms == once.victims[0].pseudonyms


def test_witness_is_minimised_too() -> None:
    """A witness with an identity is pseudonymised and stripped like a victim."""
    witness = Witness(ref="W1", identity=PersonIdentity(names=["Adaeze Nwosu"]))
    body, level = minimise(
        _Referral(summary="A witness saw the recruitment.", witnesses=[witness]),
        linkage_key=KEY,
        today=TODAY,
    )
    assert level == "pseudonymised"
    assert body.witnesses[0].identity is None
    assert [p.kind for p in body.witnesses[0].pseudonyms] == ["name"]


def test_nested_victims_are_found() -> None:
    """Victims inside nested Structs and lists are minimised and their text scanned."""
    journey = _Journey(legs=[_Leg(place="Agadez"), _Leg(place="Tripoli", victims=[VICTIM])])
    body, level = minimise(journey, linkage_key=KEY, today=TODAY)
    assert body.legs[1].victims[0].identity is None
    assert level == "pseudonymised"
    bad = _Journey(legs=[_Leg(place="Okafor's flat", victims=[VICTIM])])
    with pytest.raises(IdentifierInFreeText) as caught:
        minimise(bad, linkage_key=KEY, today=TODAY)
    assert caught.value.field == "legs[0].place"


@pytest.mark.parametrize(
    ("summary", "kind"),
    [
        ("Blessing Okafor was recruited in Benin City.", "victim_name"),
        ("Bessy was recruited in Benin City.", "victim_name"),
        ("Her phone 0803 555 0199 was taken.", "phone"),
        ("Passport A12345678 was kept by the madam.", "document"),
        ("Wages went to GB82 WEST 1234 5698 7654 32.", "bank_account"),
        ("She wrote from blessing.o@example.com.", "email"),
        ("She was born on 14 March 2009.", "date_of_birth"),
        ("She lived at 12 Allen Avenue with her aunt.", "address"),
    ],
)
def test_free_text_with_identifiers_is_refused(summary: str, kind: str) -> None:
    """A summary naming or identifying the victim is refused with field and kind only."""
    with pytest.raises(IdentifierInFreeText) as caught:
        minimise(_referral(summary), linkage_key=KEY, today=TODAY)
    assert (caught.value.field, caught.value.identifier) == ("summary", kind)
    message = str(caught.value)
    for value in ("Okafor", "Bessy", "0803", "A12345678", "WEST", "example.com", "2009", "Allen"):
        assert value not in message


def test_field_path_points_into_lists() -> None:
    """The refused field is named by its dotted path with list indices."""
    victim = msgspec.structs.replace(VICTIM, needs=["shelter", "call Blessing Okafor's aunt"])
    with pytest.raises(IdentifierInFreeText) as caught:
        minimise(_Referral(summary=SUMMARY, victims=[victim]), linkage_key=KEY, today=TODAY)
    assert caught.value.field == "victims[0].needs[1]"
    assert caught.value.identifier == "victim_name"


def test_pattern_hits_block_without_any_person() -> None:
    """Identifier patterns block even in a body without victim records."""
    with pytest.raises(IdentifierInFreeText) as caught:
        minimise(_Referral(summary="Call +234 803 555 0100."), linkage_key=None, today=TODAY)
    assert (caught.value.field, caught.value.identifier) == ("summary", "phone")


def test_suspects_author_codes_and_ids_are_not_scanned() -> None:
    """Suspect records, the author, literal codes and pattern-constrained ids are skipped."""
    body = _referral(
        author=Officer(name="Blessing Okafor", contact="+39 091 123 4567"),
        suspects=[Suspect(ref="S1", names=["John Eze"], phones=["+234 803 555 0100"])],
        route="land",
        labels=["A12345678"],
        case_reference="MLA/2026/0042",
    )
    minimised, level = minimise(body, linkage_key=KEY, today=TODAY)
    assert level == "pseudonymised"
    assert minimised.suspects[0].phones == ["+234 803 555 0100"]


def test_case_reference_is_scanned() -> None:
    """The sender's own case reference is free text inside the body, so it is scanned."""
    with pytest.raises(IdentifierInFreeText) as caught:
        minimise(_referral(case_reference="OKAFOR-2026"), linkage_key=KEY, today=TODAY)
    assert caught.value.field == "case_reference"


def test_disclosure_keeps_identity_and_skips_scanning() -> None:
    """With a disclosure identities stay, pseudonyms are added and nothing blocks."""
    disclosure = Disclosure(legal_basis="court_order", reference="TRIB-PA-2026-117")
    body, level = minimise(
        _referral("Blessing Okafor, passport A12345678."),
        linkage_key=KEY,
        today=TODAY,
        disclosure=disclosure,
    )
    assert level == "disclosed"
    assert body.victims[0].identity == IDENTITY
    assert len(body.victims[0].pseudonyms) == 8


def test_disclosure_with_unknown_legal_basis_is_refused() -> None:
    """A disclosure whose legal basis is not enumerated is refused."""
    disclosure = Disclosure(legal_basis="because", reference="x")  # type: ignore[arg-type]
    with pytest.raises(DisclosureInvalid):
        minimise(_referral(), linkage_key=KEY, today=TODAY, disclosure=disclosure)


def test_disclosure_with_empty_reference_is_refused() -> None:
    """A disclosure needs a reference to the decision it rests on."""
    disclosure = Disclosure(legal_basis="victim_consent", reference="")
    with pytest.raises(DisclosureInvalid):
        minimise(_referral(), linkage_key=KEY, today=TODAY, disclosure=disclosure)


def test_identity_without_linkage_key_is_refused() -> None:
    """An identity cannot be pseudonymised without a linkage key."""
    with pytest.raises(MinimisationError, match="linkage key is needed") as caught:
        minimise(_referral(), linkage_key=None, today=TODAY)
    assert "victims[0]" in str(caught.value)


def test_unusable_identifier_is_refused_with_its_field() -> None:
    """An identifier that cannot be normalised names its field, not its value."""
    identity = PersonIdentity(names=["Blessing\u0378Okafor"])
    victim = Victim(ref="V1", identity=identity)
    with pytest.raises(MinimisationError, match=r"victims\[0\]\.identity\.names\[0\]") as caught:
        minimise(_Referral(summary=SUMMARY, victims=[victim]), linkage_key=KEY, today=TODAY)
    assert "Okafor" not in str(caught.value)


def test_birth_after_today_is_refused() -> None:
    """A date of birth after the reference day is refused, naming the field."""
    victim = Victim(ref="V1", identity=PersonIdentity(date_of_birth=dt.date(2027, 1, 1)))
    with pytest.raises(MinimisationError, match="date_of_birth"):
        minimise(_Referral(summary=SUMMARY, victims=[victim]), linkage_key=KEY, today=TODAY)


def test_levels() -> None:
    """Level is "none" without victims, witnesses or pseudonyms, "pseudonymised" with one."""
    _, level = minimise(_Referral(summary=SUMMARY), linkage_key=None, today=TODAY)
    assert level == "none"
    _, level = minimise(
        _Referral(summary=SUMMARY, victims=[Victim(ref="V1")]), linkage_key=None, today=TODAY
    )
    assert level == "pseudonymised"


def test_input_body_is_left_unchanged() -> None:
    """minimise is pure: the body passed in still holds its identity afterwards."""
    body = _referral()
    minimise(body, linkage_key=KEY, today=TODAY)
    assert body.victims[0].identity == IDENTITY


def test_protected_identifiers_lists_each_person() -> None:
    """protected_identifiers gives each person's names and typed identifiers."""
    (person,) = protected_identifiers(_referral())
    assert person.names == ("Blessing Okafor", "Bessy")
    assert ("date_of_birth", "2009-03-14") in person.identifiers
    assert ("document", "A12345678") in person.identifiers
    assert ("address", "12 Allen Avenue, Ikeja") in person.identifiers


class _Preservation(Body, frozen=True, tag="test_preservation"):
    selectors: Annotated[list[ShortText], SELECTOR]
    note: Annotated[ShortText, SELECTOR] | None = None
    victims: list[Victim] = msgspec.field(default_factory=list)


def test_selector_fields_skip_patterns_but_not_persons() -> None:
    """SELECTOR text may hold suspects' numbers, but not a protected person's own."""
    body = _Preservation(
        selectors=["recruiter@example.org", "+234 803 555 0100"],
        note="GB82 WEST 1234 5698 7654 32",
    )
    assert minimise(body, linkage_key=None, today=TODAY)[1] == "none"
    selectors = ["recruiter@example.org", "+234 803 555 0199"]
    mixed = _Preservation(selectors=selectors, victims=[VICTIM])
    with pytest.raises(IdentifierInFreeText) as caught:
        minimise(mixed, linkage_key=KEY, today=TODAY)
    assert (caught.value.field, caught.value.identifier) == ("selectors[1]", "phone")


class _Bundle(Body, frozen=True, tag="test_bundle"):
    by_ref: dict[str, Victim] = msgspec.field(default_factory=dict)
    pair: tuple[Victim, ...] = ()


def test_victims_in_dicts_and_tuples_are_minimised() -> None:
    """No container hides a victim from minimisation."""
    body, _ = minimise(_Bundle(by_ref={"V1": VICTIM}, pair=(VICTIM,)), linkage_key=KEY, today=TODAY)
    assert body.by_ref["V1"].identity is None
    assert body.pair[0].identity is None
