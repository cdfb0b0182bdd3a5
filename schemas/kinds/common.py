"""Field types and small records that several message kinds share.

Everything here travels inside the encrypted body, so file names, custody notes and
free text are plain fields. Every list and string is bounded: a body must decode in
bounded memory whatever a sender puts in it, well inside the inline payload cap.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from typing import Annotated, Literal, Protocol, TypeVar

import msgspec
from msgspec import Meta

from ..records import (
    AuthorityId,
    CountryCode,
    ExploitationForm,
    Ref,
    ShortText,
    Suspect,
    Victim,
    VictimLevel,
    Witness,
)

# --- bounds -------------------------------------------------------------------------
# Sized for the largest real case files we expect (a trafficking network with dozens
# of victims) while keeping a body far below the inline payload cap.

MAX_PERSONS = 200
"""Victims, witnesses or suspects in one message."""
MAX_ITEMS = 50
"""Offences, countries, short free-text lists."""
MAX_ATTACHMENTS = 64
"""Same bound as the envelope binding's attachment references."""
MAX_CUSTODY_ENTRIES = 100
MAX_INDICATORS = 200

# --- scalar types -------------------------------------------------------------------

MessageId = Annotated[
    bytes,
    Meta(
        min_length=16,
        max_length=16,
        description="message id (binding.message_id) of another message",
    ),
]
Id16 = Annotated[bytes, Meta(min_length=16, max_length=16)]
Hash32 = Annotated[bytes, Meta(min_length=32, max_length=32)]
UInt = Annotated[int, Meta(ge=0, le=2**63 - 1)]
Timestamp = Annotated[dt.datetime, Meta(tz=True, description="RFC 3339 with a UTC offset")]
CurrencyCode = Annotated[str, Meta(pattern=r"^[A-Z]{3}$(?!\n)", description="ISO 4217")]
MediaType = Annotated[
    str,
    Meta(
        pattern=r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$(?!\n)",
        description="IANA media type, lower case, without parameters",
    ),
]
Urgency = Literal["routine", "urgent", "immediate"]
"""The urgency the sender states, with its reason, for the receiving authority; the
envelope's priority is the routing priority and is set from it by the client."""

# --- bounded lists ------------------------------------------------------------------

Victims = Annotated[list[Victim], Meta(max_length=MAX_PERSONS)]
Witnesses = Annotated[list[Witness], Meta(max_length=MAX_PERSONS)]
Suspects = Annotated[list[Suspect], Meta(max_length=MAX_PERSONS)]
Refs = Annotated[list[Ref], Meta(max_length=MAX_PERSONS)]
Countries = Annotated[list[CountryCode], Meta(max_length=MAX_ITEMS)]
ShortTexts = Annotated[list[ShortText], Meta(max_length=MAX_ITEMS)]
ExploitationForms = Annotated[list[ExploitationForm], Meta(max_length=MAX_ITEMS)]
MessageIds = Annotated[list[MessageId], Meta(max_length=MAX_ITEMS)]
Members = Annotated[list[AuthorityId], Meta(min_length=1, max_length=256)]

_D = TypeVar("_D", dt.date, str)

# --- invariants ---------------------------------------------------------------------
# Raised from `__post_init__`: msgspec turns the ValueError into a ValidationError while
# decoding (the codec then into `errors.Malformed`). Messages name fields, never values.


def require(condition: bool, problem: str) -> None:
    """Raise ValueError(problem) unless `condition` holds."""
    if not condition:
        raise ValueError(problem)


def check_urgency(urgency: Urgency, reason: str | None) -> None:
    """An urgent or immediate request states why (the receiver triages on it)."""
    require(urgency == "routine" or bool(reason), "urgency other than routine needs a reason")


def check_period(start: _D | None, end: _D | None) -> None:
    """A period's end is not before its start (dates, or YYYY-MM months)."""
    if start is not None and end is not None:
        require(start <= end, "period ends before it starts")


def check_attachments(attachments: Iterable[AttachmentDescriptor]) -> None:
    """Each attachment descriptor names a different encrypted object."""
    ids = [a.object_id for a in attachments]
    require(len(ids) == len(set(ids)), "two attachments name the same object_id")


class _HasRef(Protocol):
    @property
    def ref(self) -> str: ...


def check_unique_refs(*groups: Iterable[_HasRef]) -> None:
    """Person refs are labels local to one message: no two persons share one."""
    refs = [p.ref for group in groups for p in group]
    require(len(refs) == len(set(refs)), "two persons share a ref")


StatusFields = dict[str, tuple[frozenset[str], frozenset[str]]]
"""Status-specific field → (statuses that may set it, statuses that must set it)."""


def check_status_fields(status: str, values: dict[str, object], table: StatusFields) -> None:
    """Each status-specific field is set where its status needs it and nowhere else, so
    one update means one thing."""
    for field, (allowed, required) in table.items():
        present = values[field] not in (None, [])
        require(present or status not in required, f"status {status} needs {field}")
        require(not present or status in allowed, f"{field} does not apply to status {status}")


# --- shared records -----------------------------------------------------------------

OffenceCategory = Literal[
    "trafficking_in_persons",
    "smuggling_of_migrants",
    "participation_in_organized_criminal_group",
    "money_laundering",
    "corruption",
    "obstruction_of_justice",
    "document_fraud",
    "other_serious_crime",
]
"""Trafficking Protocol art. 5; Migrants Protocol art. 6; UNTOC arts. 5, 6, 8, 23;
serious crime as UNTOC art. 2(b) defines it."""


class Offence(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """An offence under investigation or charged, as the sending State's law names it."""

    category: OffenceCategory
    description: ShortText
    provision: ShortText | None = None
    """The statute and article, e.g. 'Criminal Code s. 601'."""


Offences = Annotated[list[Offence], Meta(max_length=MAX_ITEMS)]


class Money(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """An amount in a currency; a decimal string on the wire, never a float."""

    amount: decimal.Decimal
    currency: CurrencyCode

    def __post_init__(self) -> None:
        require(
            self.amount.is_finite() and 0 <= self.amount < 10**15,
            "amount must be a finite, non-negative decimal below 10^15",
        )


class ConductingAuthority(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """An authority conducting proceedings (UNTOC art. 18(15)(b)), or presiding over a
    hearing (art. 18(18)); it need not be a Palermo participant."""

    name: ShortText
    functions: ShortText
    """e.g. 'investigating judge', 'public prosecutor', 'specialised police unit'."""
    authority: AuthorityId | None = None


class PersonConcerned(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """A person concerned by a request who is not a victim, witness or suspect of it
    (an account holder, a company officer, an expert): UNTOC art. 18(15)(e)."""

    ref: Ref
    capacity: ShortText
    """Why the person matters to the request, e.g. 'holder of account A1'."""
    names: ShortTexts = []
    nationality: CountryCode | None = None
    location: ShortText | None = None
    location_country: CountryCode | None = None


PersonsConcerned = Annotated[list[PersonConcerned], Meta(max_length=MAX_PERSONS)]

CustodyAction = Literal[
    "seized",
    "collected",
    "received",
    "sealed",
    "copied",
    "analysed",
    "stored",
    "transferred",
    "returned",
    "other",
]


class CustodyEntry(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """One link in an exhibit's chain of custody."""

    at: Timestamp
    action: CustodyAction
    custodian: ShortText
    """Name or function of the person who held the exhibit."""
    authority: AuthorityId | None = None
    note: ShortText | None = None


DigestAlgorithm = Literal["sha256", "blake2b-256"]


class AttachmentDescriptor(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """What an encrypted attachment is. The binding carries only the object id, padded
    size and ciphertext hash; name, type, plaintext digest and custody live here."""

    object_id: Id16
    """The attachment reference in the binding that this describes."""
    key: Annotated[bytes, Meta(min_length=32, max_length=32)]
    """The attachment's own secretstream key: it travels only inside the encrypted body,
    so whoever can open the message can open its attachments, and nobody else."""
    file_name: ShortText
    media_type: MediaType
    size: UInt
    """Plaintext size in bytes."""
    digest_algorithm: DigestAlgorithm
    digest: Hash32
    """Digest of the plaintext, as the seizing authority recorded it."""
    victim_level: VictimLevel
    """Identifier level of the content: a recorded victim statement is identifying."""
    description: ShortText | None = None
    custody: Annotated[list[CustodyEntry], Meta(max_length=MAX_CUSTODY_ENTRIES)] = []


Attachments = Annotated[list[AttachmentDescriptor], Meta(max_length=MAX_ATTACHMENTS)]
