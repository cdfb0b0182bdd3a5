"""Mutual legal assistance (UNTOC art. 18): the request, its status updates, the response."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from ..records import AuthorityId, Body, ShortText, Text
from .common import (
    MAX_ITEMS,
    Attachments,
    ConductingAuthority,
    MessageId,
    MessageIds,
    Offences,
    PersonsConcerned,
    StatusFields,
    Suspects,
    Urgency,
    Victims,
    Witnesses,
    check_attachments,
    check_status_fields,
    check_unique_refs,
    check_urgency,
    require,
)
from .legal import MlaLegalBasis, MlaRefusalGround
from .status import MlaStatusCode


class RequestingAuthority(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """The authority making a request (UNTOC art. 18(15)(a)). It may differ from the
    envelope's sender, e.g. a prosecutor on whose behalf a central authority sends."""

    authority: AuthorityId
    name: ShortText


ProceedingsType = Literal["investigation", "prosecution", "judicial_proceedings"]

AssistanceType = Literal[
    "taking_evidence_or_statements",
    "service_of_judicial_documents",
    "search_seizure_freezing",
    "examining_objects_and_sites",
    "information_evidence_expert_evaluations",
    "documents_and_records",
    "identifying_tracing_proceeds",
    "voluntary_appearance",
    "other",
]
"""The forms of assistance of UNTOC art. 18(3)(a)-(i), in order."""


class MlaRequest(Body, tag="mla_request", frozen=True, kw_only=True, omit_defaults=True):
    """A request for mutual legal assistance carrying every element UNTOC art. 18(15)
    requires, plus legal basis, urgency, deadline, confidentiality and use limitation."""

    requesting_authority: RequestingAuthority
    """18(15)(a)."""
    proceedings_type: ProceedingsType
    """18(15)(b): the nature of the proceedings."""
    subject_matter: Text
    """18(15)(b): the subject matter of the investigation, prosecution or proceedings."""
    conducting_authority: ConductingAuthority
    """18(15)(b): name and functions of the authority conducting them."""
    assistance_sought: Annotated[list[AssistanceType], Meta(min_length=1, max_length=9)]
    """18(15)(d), as the art. 18(3) forms."""
    assistance_description: Text
    """18(15)(d): description of the assistance sought."""
    purpose: Text
    """18(15)(f): the purpose for which the evidence, information or action is sought."""
    legal_basis: MlaLegalBasis
    facts_summary: Text | None = None
    """18(15)(c): required except for a request only for service of judicial documents."""
    procedure: Text | None = None
    """18(15)(d), 18(17): any particular procedure the requesting State wishes followed."""
    offences: Offences = []
    victims: Victims = []
    """18(15)(e) persons concerned (minimised unless disclosed)."""
    witnesses: Witnesses = []
    suspects: Suspects = []
    other_persons: PersonsConcerned = []
    urgency: Urgency = "routine"
    urgency_reason: ShortText | None = None
    deadline: dt.date | None = None
    confidentiality_requested: bool = False
    """18(20): keep the fact and substance of the request confidential, except as
    needed to execute it."""
    confidentiality_terms: Text | None = None
    use_limitation_waiver_sought: bool = False
    """18(19) limits use to the proceedings stated here unless the requested State
    consents first; set this to ask that consent in advance."""
    use_limitation_terms: Text | None = None
    """The further use for which consent is sought; required with the flag."""
    attachments: Attachments = []

    def __post_init__(self) -> None:
        require(
            self.facts_summary is not None
            or set(self.assistance_sought) == {"service_of_judicial_documents"},
            "facts_summary is required unless only service of documents is sought",
        )
        require(
            len(set(self.assistance_sought)) == len(self.assistance_sought),
            "assistance_sought lists a form twice",
        )
        require(
            self.use_limitation_waiver_sought == (self.use_limitation_terms is not None),
            "use_limitation_terms go with use_limitation_waiver_sought, and only with it",
        )
        check_unique_refs(self.victims, self.witnesses, self.suspects, self.other_persons)
        check_urgency(self.urgency, self.urgency_reason)
        check_attachments(self.attachments)


# Fields of an MLA status update that only some statuses may carry, and which of
# them must carry it. Anything else keeps them empty, so an update means one thing.
_MLA_STATUS_FIELDS: StatusFields = {
    # field: (statuses allowed to set it, statuses that must set it)
    "information_requested": (
        frozenset({"additional_information_requested"}),
        frozenset({"additional_information_requested"}),
    ),
    "refusal_grounds": (frozenset({"refused"}), frozenset({"refused"})),
    "reasons": (frozenset({"refused", "postponed"}), frozenset({"refused", "postponed"})),
    "postponed_until": (frozenset({"postponed"}), frozenset()),
    "consultation": (frozenset({"consultation"}), frozenset({"consultation"})),
    "response_ids": (frozenset({"partially_executed", "executed"}), frozenset()),
}


class MlaStatus(Body, tag="mla_status", frozen=True, kw_only=True, omit_defaults=True):
    """A status update on an MLA request, from the requested State. Updates follow
    `MLA_TRANSITIONS`; status-specific fields are required, and only allowed, with
    their status."""

    request_id: MessageId
    """Message id of the `mla_request`."""
    status: MlaStatusCode
    information_requested: Text | None = None
    """18(16): the additional information needed to execute the request."""
    refusal_grounds: Annotated[list[MlaRefusalGround], Meta(max_length=5)] = []
    """18(21)(a)-(d) and 18(9)."""
    reasons: Text | None = None
    """18(23) reasons for a refusal; 18(25) reasons for a postponement."""
    postponed_until: dt.date | None = None
    """18(25): when execution should resume, if known."""
    consultation: Text | None = None
    """18(26): whether assistance could be granted subject to terms or conditions."""
    response_ids: MessageIds = []
    """Message ids of the `mla_response` messages that delivered the result."""
    note: Text | None = None

    def __post_init__(self) -> None:
        check_status_fields(
            self.status,
            {f: getattr(self, f) for f in _MLA_STATUS_FIELDS},
            _MLA_STATUS_FIELDS,
        )


class MlaResponse(Body, tag="mla_response", frozen=True, kw_only=True, omit_defaults=True):
    """Evidence, information or the record of action taken, delivered in answer to an
    MLA request; the evidence itself travels as encrypted attachments."""

    request_id: MessageId
    """Message id of the `mla_request`."""
    summary: Text
    attachments: Attachments = []
    final: bool = True
    """False when more evidence will follow in later responses."""
    conditions: Text | None = None
    """Conditions the requested State attaches to use (18(19), 18(26))."""
    witnesses: Witnesses = []
    """Witnesses heard, as minimised records."""
    documents_served: Annotated[list[ShortText], Meta(max_length=MAX_ITEMS)] = []
    """For service of judicial documents: what was served, on whom (by ref), when."""

    def __post_init__(self) -> None:
        check_attachments(self.attachments)
        check_unique_refs(self.witnesses)
