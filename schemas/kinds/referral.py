"""Case referrals and spontaneous information: case data sent without a prior request."""

from __future__ import annotations

from ..records import Body, Month, ShortText, Text
from .common import (
    Attachments,
    Countries,
    Offences,
    Suspects,
    Urgency,
    Victims,
    Witnesses,
    check_attachments,
    check_period,
    check_unique_refs,
    check_urgency,
)


class CaseReferral(Body, tag="case_referral", frozen=True, kw_only=True, omit_defaults=True):
    """A trafficking case referred to another State's competent authority for action
    (investigation, victim assistance, prosecution), with the persons it concerns."""

    summary: Text
    offences: Offences = []
    victims: Victims = []
    witnesses: Witnesses = []
    suspects: Suspects = []
    countries: Countries = []
    """Countries of origin, transit and destination the case touches."""
    period_start: Month | None = None
    period_end: Month | None = None
    requested_action: Text | None = None
    """What the sender asks the recipient to do with the referral."""
    urgency: Urgency = "routine"
    urgency_reason: ShortText | None = None
    attachments: Attachments = []

    def __post_init__(self) -> None:
        check_unique_refs(self.victims, self.witnesses, self.suspects)
        check_period(self.period_start, self.period_end)
        check_urgency(self.urgency, self.urgency_reason)
        check_attachments(self.attachments)


class SpontaneousInformation(
    Body, tag="spontaneous_information", frozen=True, kw_only=True, omit_defaults=True
):
    """Information passed without a prior request because it could help the recipient's
    inquiries or lead to a request (UNTOC art. 18(4)); the recipient honours a request
    to keep it confidential or to restrict its use (art. 18(5))."""

    summary: Text
    offences: Offences = []
    victims: Victims = []
    witnesses: Witnesses = []
    suspects: Suspects = []
    countries: Countries = []
    suggested_follow_up: Text | None = None
    """The inquiry or the request the information might lead to."""
    confidentiality_requested: bool = False
    """Art. 18(5): keep the information confidential, even temporarily."""
    use_restrictions: Text | None = None
    """Art. 18(5): restrictions on use the recipient must comply with."""
    attachments: Attachments = []

    def __post_init__(self) -> None:
        check_unique_refs(self.victims, self.witnesses, self.suspects)
        check_attachments(self.attachments)
