"""Legal bases for cooperation requests and the enumerated grounds for refusing them.

These are the grounds on which States cooperate (a treaty, the Convention itself,
reciprocity) — not `records.LegalBasis`, which is the basis for disclosing a protected
person's real identifiers. Each family has its own enumeration so that, for example, an
extradition request cannot cite UNTOC art. 18 as its basis.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from ..records import ShortText
from .common import require

_NEEDS_CITATION = frozenset({"bilateral_treaty", "multilateral_treaty", "domestic_law"})
"""Bases that mean nothing without naming the instrument (which treaty, which law)."""


def _check_citation(basis: str, citation: str | None) -> None:
    require(
        basis not in _NEEDS_CITATION or bool(citation),
        "a treaty or domestic-law basis needs a citation",
    )


MlaBasis = Literal[
    "untoc_art18", "bilateral_treaty", "multilateral_treaty", "reciprocity", "domestic_law"
]
"""UNTOC art. 18(7) lets the Convention serve as the basis where no treaty binds both."""


class MlaLegalBasis(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """The basis of a mutual legal assistance request, with the instrument cited."""

    basis: MlaBasis
    citation: ShortText | None = None
    """e.g. 'Treaty between X and Y on MLA in criminal matters (2004), art. 5'."""

    def __post_init__(self) -> None:
        _check_citation(self.basis, self.citation)


ExtraditionBasis = Literal[
    "untoc_art16", "bilateral_treaty", "multilateral_treaty", "reciprocity", "domestic_law"
]
"""UNTOC art. 16(4): a State that makes extradition conditional on a treaty may treat
the Convention as the legal basis."""


class ExtraditionLegalBasis(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """The basis of an extradition request, with the instrument cited."""

    basis: ExtraditionBasis
    citation: ShortText | None = None

    def __post_init__(self) -> None:
        _check_citation(self.basis, self.citation)


AssetBasis = Literal[
    "untoc_art13", "bilateral_treaty", "multilateral_treaty", "reciprocity", "domestic_law"
]
"""UNTOC art. 13: international cooperation for purposes of confiscation."""


class AssetLegalBasis(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """The basis of a freezing, seizure or confiscation request."""

    basis: AssetBasis
    citation: ShortText | None = None

    def __post_init__(self) -> None:
        _check_citation(self.basis, self.citation)


CompensationBasis = Literal[
    "untoc_art14_2",
    "untoc_art25_2",
    "protocol_art6_6",
    "bilateral_treaty",
    "multilateral_treaty",
    "reciprocity",
    "domestic_law",
]
"""UNTOC art. 14(2) (return of confiscated proceeds to compensate victims), art. 25(2)
(access to compensation and restitution), Trafficking Protocol art. 6(6)."""


class CompensationLegalBasis(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """The basis of a victim compensation request."""

    basis: CompensationBasis
    citation: ShortText | None = None

    def __post_init__(self) -> None:
        _check_citation(self.basis, self.citation)


MlaRefusalGround = Literal[
    "request_not_compliant",
    "essential_interests",
    "prohibited_for_similar_offence",
    "contrary_to_legal_system",
    "no_dual_criminality",
]
"""UNTOC art. 18(21)(a) request not made in conformity with art. 18; (b) execution
likely to prejudice sovereignty, security, ordre public or other essential interests;
(c) domestic law would prohibit the action for a similar offence; (d) contrary to the
requested State's legal system as to MLA; art. 18(9) absence of dual criminality.
Fiscal matters (18(22)) and bank secrecy (18(8)) are not grounds, so not listed."""

ExtraditionRefusalGround = Literal[
    "nationality",
    "discrimination",
    "no_dual_criminality",
    "domestic_law_conditions",
    "other",
]
"""UNTOC art. 16(10) the person is a national (the case then goes to the requested
State's prosecutors); 16(14) substantial grounds to believe the request aims at
prosecution or punishment on account of sex, race, religion, nationality, ethnic
origin or political opinions; 16(1) offence not punishable in both States; 16(7)
conditions of the requested State's law or treaty (e.g. minimum penalty). Fiscal
matters (16(15)) are not a ground."""
