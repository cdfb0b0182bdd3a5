"""Shared field types and the records that message kinds are made of.

Victims, witnesses and suspects are separate records. A victim or witness record
carries pseudonyms and generalised attributes; its `identity` (the raw names and
numbers) exists only on the sending side, is removed by minimisation before sealing,
and reaches a recipient only through an explicit, audited disclosure.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

# Every pattern in `schemas` ends in `$(?!\n)`: msgspec checks `Meta(pattern=...)` with
# `re.search`, where a bare `$` also matches before a final newline (so "gb-nca" plus a
# newline would pass). The lookahead pins the match to the very end in Python and is a
# no-op in ECMA-262, the dialect of the exported JSON Schemas, where `$` already means
# the end of the string.
AUTHORITY_ID_PATTERN = r"^[a-z]{2}-[a-z0-9]{1,30}$(?!\n)"

AuthorityId = Annotated[str, Meta(pattern=AUTHORITY_ID_PATTERN)]
CountryCode = Annotated[str, Meta(pattern=r"^[A-Z]{2}$(?!\n)", description="ISO 3166-1 alpha-2")]
Month = Annotated[str, Meta(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$(?!\n)", description="YYYY-MM")]
NetworkId = Annotated[
    str,
    Meta(
        pattern=r"^[a-z0-9][a-z0-9-]{0,62}$(?!\n)",
        description="directory id of a trafficking-route network or joint team",
    ),
]
Ref = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z0-9_-]{1,32}$(?!\n)", description="label local to the case, e.g. V1, S2"
    ),
]
ShortText = Annotated[str, Meta(max_length=200)]
Text = Annotated[str, Meta(max_length=20_000)]

SCAN_EXTRA_KEY = "palermo_scan"
SCAN_PERSONS_ONLY = "persons_only"
SELECTOR = Meta(extra={SCAN_EXTRA_KEY: SCAN_PERSONS_ONLY})
"""Marks a free-text field that carries identifiers on purpose, such as the accounts,
numbers and addresses a preservation or asset request is about: `Annotated[ShortText,
SELECTOR]`, or on the list holding them. Minimisation still checks such text against
the protected persons' own names and identifiers, but not against identifier patterns."""

HandlingCode = Literal["H0", "H1", "H2", "H3"]
"""H0 use only against crime; H1 not in judicial proceedings without the provider's
consent; H2 no onward transmission without consent; H3 other restrictions (in body)."""

Priority = Literal["routine", "urgent", "immediate"]
ReceiptType = Literal["delivered", "retrieved", "non_retrieval"]
"""delivered: the recipient's endpoint took the envelope from its inbox; retrieved: it
verified and opened it and handed it over to the authority; non_retrieval: it could not
open it (see the reason)."""

NonRetrievalReason = Literal[
    "malformed",
    "too_large",
    "bad_signature",
    "tampered",
    "not_a_recipient",
    "wrong_key",
    "unknown_key",
    "key_invalid",
    "unknown_authority",
    "authority_inactive",
    "directory_stale",
    "expired",
    "not_yet_valid",
    "victim_level_exceeded",
    "replay",
    "bad_delivery",
    "other",
]
"""The `code` of the protocol error that stopped the opening; `victim_level_exceeded` when
the opened body carries identities above the victim level its binding declares; `replay`
when the message id was already handed over with a different envelope; `bad_delivery`
when the broker's delivery headers were malformed; or `other`."""


VictimLevel = Literal["none", "pseudonymised", "disclosed"]
SourceGrade = Literal["A", "B", "C", "X"]
"""4x4 source evaluation: A always reliable, B mostly reliable, C not reliable, X untested."""
InformationGrade = Literal["1", "2", "3", "4"]
"""4x4 information assessment: 1 known true, 2 known to source not officer,
3 not known to source but corroborated, 4 cannot be judged."""

Sex = Literal["female", "male", "other", "unknown"]
AgeBand = Literal[
    "0-4", "5-9", "10-14", "15-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"
]
ExploitationForm = Literal[
    "sexual",
    "forced_labour",
    "domestic_servitude",
    "forced_criminality",
    "forced_begging",
    "forced_marriage",
    "organ_removal",
    "child_soldiering",
    "other",
]
PseudonymKind = Literal[
    "name", "date_of_birth", "document", "phone", "email", "address", "bank_account"
]
DocumentType = Literal[
    "passport", "national_id", "residence_permit", "driving_licence", "travel_document", "other"
]
LegalBasis = Literal[
    "victim_consent",
    "court_order",
    "mla_treaty",
    "untoc_art18",
    "extradition_treaty",
    "vital_interest",
    "domestic_law",
]
"""Enumerated legal bases for disclosing real identifiers; audited by code only."""


class Grading(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """4x4 grading of intelligence: source evaluation and information assessment."""

    source: SourceGrade
    information: InformationGrade


class Officer(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """The person at the sending authority who wrote the message (inside the signed body)."""

    name: ShortText
    unit: ShortText | None = None
    staff_id: ShortText | None = None
    contact: ShortText | None = None


class Pseudonym(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """Keyed pseudonym of one direct identifier (see `schemas.minimise`)."""

    kind: PseudonymKind
    key_id: Annotated[bytes, Meta(min_length=8, max_length=8)]
    value: Annotated[bytes, Meta(min_length=16, max_length=16)]


class Document(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """An identity or travel document."""

    type: DocumentType
    number: ShortText
    country: CountryCode | None = None


class Address(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """A postal address; only `region` and `country` survive minimisation."""

    text: ShortText
    region: ShortText | None = None
    country: CountryCode | None = None


Script = Annotated[
    str, Meta(pattern=r"^[A-Z][a-z]{3}$(?!\n)", description="ISO 15924 script code, e.g. Latn")
]

NameEncodingScheme = Literal["clk1"]
"""Version 1 of the keyed Bloom-filter name encodings (docs/minimisation.md)."""


class PersonName(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """A name with its structure, as written in one script.

    Each list item is one whole name part ("Maria", "da Silva"). The name as a string is
    the given names, the patronymic and the family names in that order, joined by spaces.
    """

    given: list[ShortText] = []
    family: list[ShortText] = []
    patronymic: ShortText | None = None
    script: Script | None = None


class NameEncoding(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """Keyed, balanced Bloom-filter encodings of one name (`schemas.minimise.linkage`),
    compared by Dice similarity to link spelling and transliteration variants: one of
    the consonant skeleton's bigrams, and one of the Latin form's bigrams unless the
    name is written in Arabic script, whose short vowels are not written."""

    scheme: NameEncodingScheme
    key_id: Annotated[bytes, Meta(min_length=8, max_length=8)]
    skeleton: Annotated[bytes, Meta(min_length=256, max_length=256)]
    full: Annotated[bytes, Meta(min_length=256, max_length=256)] | None = None


class PersonIdentity(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """Direct identifiers of a protected person, as the sending authority holds them."""

    names: list[ShortText] = []
    """Names as single strings, when their structure is unknown."""
    structured_names: list[PersonName] = []
    """Names with their given, family and patronymic parts and their script."""
    date_of_birth: dt.date | None = None
    documents: list[Document] = []
    phones: list[ShortText] = []
    emails: list[ShortText] = []
    addresses: list[Address] = []
    bank_accounts: list[ShortText] = []


class Disclosure(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """An explicit decision to send real identifiers, with its legal basis."""

    legal_basis: LegalBasis
    reference: Annotated[str, Meta(min_length=1, max_length=100)]
    """Opaque reference to the decision (e.g. a court order number). It travels inside the
encrypted body (`Body.disclosure`); only the legal-basis code is audited."""


class Victim(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """A victim of trafficking, minimised: pseudonyms and generalised attributes."""

    ref: Ref
    pseudonyms: list[Pseudonym] = []
    name_encodings: list[NameEncoding] = []
    """Keyed encodings of each name, for linkage that survives spelling and script."""
    sex: Sex | None = None
    age_band: AgeBand | None = None
    minor: bool | None = None
    nationality: CountryCode | None = None
    region: ShortText | None = None
    country: CountryCode | None = None
    exploitation: list[ExploitationForm] = []
    identified_in: Month | None = None
    needs: list[ShortText] = []
    identity: PersonIdentity | None = None
    """Raw identifiers: filled by the sender, removed by minimisation unless disclosed."""


class Witness(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """A witness; protected like a victim (UNTOC art. 24)."""

    ref: Ref
    pseudonyms: list[Pseudonym] = []
    name_encodings: list[NameEncoding] = []
    sex: Sex | None = None
    age_band: AgeBand | None = None
    minor: bool | None = None
    victim_ref: Ref | None = None
    """Set when the witness is also one of the message's victims."""
    region: ShortText | None = None
    location_country: CountryCode | None = None
    language: ShortText | None = None
    protection_measures: list[ShortText] = []
    identity: PersonIdentity | None = None


class Suspect(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """A suspected or accused person; identified, since that is the point of the request."""

    ref: Ref
    names: list[ShortText] = []
    aliases: list[ShortText] = []
    date_of_birth: dt.date | None = None
    nationality: CountryCode | None = None
    documents: list[Document] = []
    phones: list[ShortText] = []
    emails: list[ShortText] = []
    bank_accounts: list[ShortText] = []
    role: ShortText | None = None
    location_country: CountryCode | None = None


class Body(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
    omit_defaults=True,
    tag_field="kind",
):
    """Fields every message kind carries inside the encrypted payload."""

    case_reference: ShortText | None = None
    """The sender's own case reference: never in cleartext metadata."""
    author: Officer | None = None
    grading: Grading | None = None
    consent_reference: ShortText | None = None
    """The provider's consent when this message passes on H1/H2 material."""
    disclosure: Disclosure | None = None
    """Set by the sealer exactly when real identifiers are disclosed: the legal basis
    (also in the binding, where the broker polices and audits it) and the reference to
    the decision, which only the recipients read."""
