"""Law-enforcement cooperation beyond single requests: joint and parallel
investigations, alerts on misuse of technology, and route-network notices."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from msgspec import Meta

from ..records import SELECTOR, AuthorityId, Body, CountryCode, Month, NetworkId, ShortText, Text
from .common import (
    MAX_INDICATORS,
    MAX_ITEMS,
    Countries,
    ExploitationForms,
    Id16,
    Members,
    Offences,
    Suspects,
    Urgency,
    Victims,
    Witnesses,
    check_period,
    check_unique_refs,
    check_urgency,
    require,
)

InvestigationForm = Literal["joint_investigation_team", "parallel_investigation"]
TeamAction = Literal["proposal", "agreement", "update", "closure"]


class JointInvestigation(
    Body, tag="joint_investigation", frozen=True, kw_only=True, omit_defaults=True
):
    """A message about a joint investigative body or a parallel investigation
    (UNTOC art. 19): proposing it, recording the agreement, updating, closing it."""

    team_id: Id16
    """Random, opaque id the proposer chooses; the same in every message about the team."""
    form: InvestigationForm
    action: TeamAction
    members: Members
    """The participating authorities, as they stand after this message."""
    subject_matter: Text
    leader: AuthorityId | None = None
    operational_plan: Text | None = None
    """Summary of the operational plan (objectives, division of tasks)."""
    agreement_reference: ShortText | None = None
    """Art. 19: the agreement or arrangement establishing the team."""
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    offences: Offences = []
    suspects: Suspects = []
    victims: Victims = []
    witnesses: Witnesses = []

    def __post_init__(self) -> None:
        require(len(set(self.members)) == len(self.members), "members lists an authority twice")
        require(self.leader is None or self.leader in self.members, "leader is not among members")
        check_period(self.period_start, self.period_end)
        check_unique_refs(self.victims, self.witnesses, self.suspects)


IndicatorType = Literal[
    "account",
    "url",
    "domain",
    "phone_number",
    "advertisement",
    "payment",
    "keyword",
    "application",
    "other",
]


class IctMisuseAlert(Body, tag="ict_misuse_alert", frozen=True, kw_only=True, omit_defaults=True):
    """An alert that an online platform or service is being misused to recruit,
    advertise, control or exploit victims of trafficking (UNTOC art. 27(3), cooperation
    against crime committed through modern technology; Trafficking Protocol art. 10)."""

    platform: ShortText
    indicator_type: IndicatorType
    indicators: Annotated[list[ShortText], Meta(min_length=1, max_length=MAX_INDICATORS), SELECTOR]
    """Accounts, links, numbers, ad texts or keywords, as free text."""
    summary: Text | None = None
    exploitation: ExploitationForms = []
    countries: Countries = []
    observed_in: Month | None = None
    platform_notified: bool | None = None
    """Whether the platform operator has been asked to act."""
    urgency: Urgency = "routine"
    urgency_reason: ShortText | None = None

    def __post_init__(self) -> None:
        check_urgency(self.urgency, self.urgency_reason)


NoticeTopic = Literal["practice", "trend", "challenge"]


class NetworkNotice(Body, tag="network_notice", frozen=True, kw_only=True, omit_defaults=True):
    """Practice, trends and challenges shared along a trafficking route with a route
    network, without case data: no persons, no case reference (UNTOC art. 28; Trafficking
    Protocol art. 10(1)(c)). It has no person fields by design."""

    network_id: NetworkId
    route_countries: Annotated[list[CountryCode], Meta(min_length=1, max_length=MAX_ITEMS)]
    """Countries along the route, origin first."""
    topic: NoticeTopic
    title: ShortText
    summary: Text
    exploitation: ExploitationForms = []
    observed_from: Month | None = None
    observed_to: Month | None = None
    recommendations: Text | None = None

    def __post_init__(self) -> None:
        require(self.case_reference is None, "a network notice carries no case_reference")
        check_period(self.observed_from, self.observed_to)
