"""Extradition (UNTOC art. 16): the request and its status updates."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from msgspec import Meta

from ..records import Body, ShortText, Suspect, Text
from .common import (
    MAX_ITEMS,
    Attachments,
    MessageId,
    Offence,
    StatusFields,
    Timestamp,
    Urgency,
    check_attachments,
    check_status_fields,
    check_urgency,
    require,
)
from .legal import ExtraditionLegalBasis, ExtraditionRefusalGround
from .status import ExtraditionStatusCode

ExtraditionPurpose = Literal["prosecution", "enforcement_of_sentence"]
"""Art. 16(12): a sentence may be enforced instead where extradition of a national is
refused."""


class ExtraditionRequest(
    Body, tag="extradition_request", frozen=True, kw_only=True, omit_defaults=True
):
    """A request to surrender a person sought for prosecution or for enforcement of a
    sentence (UNTOC art. 16), optionally with provisional arrest (art. 16(9))."""

    person_sought: Suspect
    offences: Annotated[list[Offence], Meta(min_length=1, max_length=MAX_ITEMS)]
    purpose: ExtraditionPurpose
    warrant_reference: ShortText
    """The arrest warrant, or for enforcement the judgment, and who issued it."""
    facts_summary: Text
    legal_basis: ExtraditionLegalBasis
    warrant_issued_on: dt.date | None = None
    sentence: ShortText | None = None
    """For enforcement: the sentence imposed and the part left to serve."""
    provisional_arrest_requested: bool = False
    """Art. 16(9): arrest the person pending the extradition proceedings."""
    nationality_note: Text | None = None
    """Art. 16(10): if the person is the requested State's national and extradition is
    refused on that ground, the requesting State's position on submitting the case to
    the requested State's prosecutors (and the evidence it will provide)."""
    urgency: Urgency = "routine"
    urgency_reason: ShortText | None = None
    attachments: Attachments = []
    """Copies of the warrant or judgment, the text of the offence provisions."""

    def __post_init__(self) -> None:
        require(
            self.sentence is None or self.purpose == "enforcement_of_sentence",
            "sentence applies only to enforcement_of_sentence",
        )
        check_urgency(self.urgency, self.urgency_reason)
        check_attachments(self.attachments)


_EXTRADITION_STATUS_FIELDS: StatusFields = {
    # field: (statuses allowed to set it, statuses that must set it)
    "arrested_on": (frozenset({"provisional_arrest"}), frozenset()),
    "hearing_at": (frozenset({"hearing_scheduled"}), frozenset({"hearing_scheduled"})),
    "conditions": (frozenset({"granted"}), frozenset()),
    "surrender_date": (frozenset({"granted", "surrendered"}), frozenset({"surrendered"})),
    "refusal_grounds": (frozenset({"refused"}), frozenset({"refused"})),
    "reasons": (frozenset({"refused", "withdrawn"}), frozenset({"refused"})),
    "submitted_for_prosecution": (frozenset({"refused"}), frozenset()),
}


class ExtraditionStatus(
    Body, tag="extradition_status", frozen=True, kw_only=True, omit_defaults=True
):
    """A status update on an extradition request. The requested State sends every
    status but `withdrawn`, which the requesting State sends. Updates follow
    `EXTRADITION_TRANSITIONS`; status-specific fields are required, and only allowed,
    with their status."""

    request_id: MessageId
    """Message id of the `extradition_request`."""
    status: ExtraditionStatusCode
    arrested_on: dt.date | None = None
    hearing_at: Timestamp | None = None
    conditions: Text | None = None
    """Conditions of surrender, e.g. speciality or assurances given."""
    surrender_date: dt.date | None = None
    """Planned date when granted; actual date when surrendered."""
    refusal_grounds: Annotated[list[ExtraditionRefusalGround], Meta(max_length=5)] = []
    reasons: Text | None = None
    """Reasons for a refusal (required) or a withdrawal."""
    submitted_for_prosecution: bool | None = None
    """Art. 16(10): after a refusal on nationality, whether the case has been submitted
    to the requested State's competent authorities for prosecution."""
    note: Text | None = None

    def __post_init__(self) -> None:
        check_status_fields(
            self.status,
            {f: getattr(self, f) for f in _EXTRADITION_STATUS_FIELDS},
            _EXTRADITION_STATUS_FIELDS,
        )
        require(
            self.submitted_for_prosecution is None or "nationality" in self.refusal_grounds,
            "submitted_for_prosecution applies to a refusal on nationality",
        )
