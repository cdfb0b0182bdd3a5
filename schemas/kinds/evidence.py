"""Requests about evidence: expedited preservation of electronic data and hearings of
witnesses or experts by videoconference."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from msgspec import Meta

from ..records import SELECTOR, Body, CountryCode, ShortText, Text, Witness
from .common import (
    MAX_INDICATORS,
    ConductingAuthority,
    MessageId,
    Offences,
    Timestamp,
    Urgency,
    check_period,
    check_urgency,
    require,
)
from .legal import MlaLegalBasis

DataType = Literal["subscriber", "traffic", "content", "location", "payment", "logs", "other"]


class PreservationRequest(
    Body, tag="preservation_request", frozen=True, kw_only=True, omit_defaults=True
):
    """A request to have a service provider preserve electronic evidence at once, before
    it is deleted, pending a formal MLA request (UNTOC art. 18(1), 18(3); the elements
    follow the Budapest Convention art. 29(2))."""

    service_provider: ShortText
    identifiers: Annotated[list[ShortText], Meta(min_length=1, max_length=MAX_INDICATORS), SELECTOR]
    """Accounts, numbers, addresses or other selectors of the data, as free text."""
    data_types: Annotated[list[DataType], Meta(min_length=1, max_length=7)]
    period_start: dt.date
    period_end: dt.date | None = None
    """None: up to the time the provider preserves."""
    provider_country: CountryCode | None = None
    offences: Offences = []
    facts_summary: Text | None = None
    necessity: Text | None = None
    """Why the data must be preserved now (the risk of loss)."""
    mla_to_follow: bool = True
    """A formal MLA request for the data will follow."""
    preservation_days: Annotated[int, Meta(ge=1, le=730)] | None = None
    """How long to preserve; the Budapest Convention's floor is 60 days."""
    legal_basis: MlaLegalBasis | None = None
    urgency: Urgency = "routine"
    urgency_reason: ShortText | None = None

    def __post_init__(self) -> None:
        require(len(set(self.data_types)) == len(self.data_types), "data_types lists a type twice")
        check_period(self.period_start, self.period_end)
        check_urgency(self.urgency, self.urgency_reason)


HearingCapacity = Literal["witness", "expert"]

HearingProtection = Literal[
    "identity_not_disclosed",
    "whereabouts_not_disclosed",
    "voice_distortion",
    "image_distortion",
    "closed_hearing",
    "support_person",
    "separate_room",
    "other",
]
"""Protection of witnesses and victims in testimony (UNTOC art. 24(2), Trafficking
Protocol art. 6(1)-(2))."""


class VideoconferenceHearing(
    Body, tag="videoconference_hearing", frozen=True, kw_only=True, omit_defaults=True
):
    """A request to hear a witness or expert who is in the requested State by
    videoconference, conducted by a judicial authority of the requesting State and
    attended by one of the requested State (UNTOC art. 18(18))."""

    witness: Witness
    capacity: HearingCapacity
    proposed_times: Annotated[list[Timestamp], Meta(min_length=1, max_length=10)]
    language: ShortText
    """Language of the hearing."""
    presiding_authority: ConductingAuthority
    """The judicial authority of the requesting State that conducts the hearing."""
    subject_matter: Text
    interpreter_required: bool = False
    interpreter_language: ShortText | None = None
    protection_measures: Annotated[list[HearingProtection], Meta(max_length=8)] = []
    protection_notes: Text | None = None
    request_id: MessageId | None = None
    """Message id of the `mla_request` this hearing executes, if any."""
    technical_contact: ShortText | None = None

    def __post_init__(self) -> None:
        require(
            self.interpreter_language is None or self.interpreter_required,
            "interpreter_language needs interpreter_required",
        )
