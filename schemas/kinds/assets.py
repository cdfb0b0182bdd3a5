"""Proceeds of crime (UNTOC arts. 12-14) and compensation of victims (art. 14(2),
Trafficking Protocol art. 6(6))."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from ..records import SELECTOR, Body, CountryCode, Ref, ShortText, Text
from .common import (
    MAX_PERSONS,
    Attachments,
    MessageIds,
    Money,
    Offences,
    ShortTexts,
    Suspects,
    Urgency,
    Victims,
    check_attachments,
    check_unique_refs,
    check_urgency,
    require,
)
from .legal import AssetLegalBasis, CompensationLegalBasis

AssetMeasure = Literal["identification", "freezing", "seizure", "confiscation", "disposal"]
"""Art. 13(2) identify, trace, freeze or seize; art. 13(1) confiscate; art. 14 dispose
of confiscated proceeds (return to the requesting State)."""

AssetType = Literal[
    "bank_account",
    "real_estate",
    "vehicle",
    "vessel",
    "aircraft",
    "cash",
    "virtual_asset",
    "securities",
    "company",
    "valuables",
    "other",
]


class AssetDescription(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """One asset, described well enough for the requested State to find it."""

    ref: Ref
    type: AssetType
    description: ShortText
    identifiers: Annotated[ShortTexts, SELECTOR] = []
    """Account numbers, registrations, wallet addresses, as free text."""
    location_country: CountryCode | None = None
    holder_ref: Ref | None = None
    """The ref of the suspect (or other person) holding the asset."""
    estimated_value: Money | None = None


class AssetRequest(Body, tag="asset_request", frozen=True, kw_only=True, omit_defaults=True):
    """A request to identify, freeze, seize, confiscate or dispose of proceeds and
    instrumentalities of crime (UNTOC arts. 12-14); art. 13(3) adds to the art. 18(15)
    content a description of the property and a statement of the facts."""

    measure: AssetMeasure
    assets: Annotated[list[AssetDescription], Meta(min_length=1, max_length=MAX_PERSONS)]
    facts_summary: Text
    legal_basis: AssetLegalBasis
    estimated_total: Money | None = None
    offences: Offences = []
    suspects: Suspects = []
    linked_proceedings: ShortTexts = []
    """References of the domestic proceedings the assets belong to."""
    order_reference: ShortText | None = None
    """Art. 13(3)(b): the confiscation order (or freezing order) to give effect to; a
    legally admissible copy goes as an attachment."""
    victim_compensation_intended: bool = False
    """Art. 14(2): the requesting State intends to compensate victims from the
    proceeds, so asks for priority in their return."""
    linked_requests: MessageIds = []
    """Message ids of related requests (an MLA request, an earlier freezing request)."""
    deadline: dt.date | None = None
    urgency: Urgency = "routine"
    urgency_reason: ShortText | None = None
    attachments: Attachments = []

    def __post_init__(self) -> None:
        check_unique_refs(self.assets, self.suspects)
        check_urgency(self.urgency, self.urgency_reason)
        check_attachments(self.attachments)


class VictimCompensationRequest(
    Body, tag="victim_compensation_request", frozen=True, kw_only=True, omit_defaults=True
):
    """A request that confiscated proceeds, or other means the requested State's law
    offers, compensate victims (UNTOC art. 14(2), art. 25(2); Trafficking Protocol
    art. 6(6))."""

    victim_refs: Annotated[list[Ref], Meta(min_length=1, max_length=MAX_PERSONS)]
    """The victims to compensate, by ref; each is in `victims` when that is given."""
    amount: Money
    legal_basis: CompensationLegalBasis
    damage_summary: Text
    victims: Victims = []
    order_reference: ShortText | None = None
    """The judgment or order awarding compensation, if any."""
    linked_requests: MessageIds = []
    """Message ids of the asset requests whose proceeds should serve."""
    attachments: Attachments = []

    def __post_init__(self) -> None:
        check_unique_refs(self.victims)
        require(
            len(set(self.victim_refs)) == len(self.victim_refs), "victim_refs lists a ref twice"
        )
        known = {v.ref for v in self.victims}
        require(
            not known or set(self.victim_refs) <= known,
            "a victim_ref names no victim in victims",
        )
        check_attachments(self.attachments)
