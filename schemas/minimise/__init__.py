"""Victim-identifier minimisation (UN Trafficking Protocol art. 6(1)).

Before a body is encrypted, victims' and witnesses' direct identifiers become keyed
pseudonyms, quasi-identifiers are generalised, identities are removed and free text is
checked for what would still identify them. `docs/minimisation.md` is the specification.
"""

from __future__ import annotations

from ..records import SELECTOR
from .apply import minimise, protected_identifiers
from .generalise import age_band, age_on, is_minor, month_of, region_of
from .normalise import (
    UNICODE_VERSION,
    normalise_address,
    normalise_bank_account,
    normalise_date_of_birth,
    normalise_document,
    normalise_email,
    normalise_identifier,
    normalise_name,
    normalise_phone,
    normalise_text,
)
from .phones import DEFAULT_REGIONS
from .pseudonym import KEY_ID_LABEL, PSEUDONYM_LABEL, LinkageKey, pseudonym
from .scan import NAME_KIND, Finding, ProtectedPerson, Scanner, scan

__all__ = [
    "DEFAULT_REGIONS",
    "KEY_ID_LABEL",
    "NAME_KIND",
    "PSEUDONYM_LABEL",
    "SELECTOR",
    "UNICODE_VERSION",
    "Finding",
    "LinkageKey",
    "ProtectedPerson",
    "Scanner",
    "age_band",
    "age_on",
    "is_minor",
    "minimise",
    "month_of",
    "normalise_address",
    "normalise_bank_account",
    "normalise_date_of_birth",
    "normalise_document",
    "normalise_email",
    "normalise_identifier",
    "normalise_name",
    "normalise_phone",
    "normalise_text",
    "protected_identifiers",
    "pseudonym",
    "region_of",
    "scan",
]
