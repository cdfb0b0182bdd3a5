"""Statistics reports: aggregated counts on trafficking for a period (resolution para. 14).

A reporting authority sends its counts for a period to a network or regional
coordinator (an authority with the `coordinator` role; broker policy routes the kind
nowhere else). A report holds only counts in cells; no cell, and no field of the report,
can name or describe anyone counted: every dimension of a cell is a closed code, the
count a bounded integer. The one free-text field, the optional text of the definitions
used, is scanned by minimisation like any other free text; `author`, as on every kind,
names the official who sends the report.

The categories, their sources and the suppression applied to what a coordinator
publishes are described in docs/statistics.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final, Literal

import msgspec
from msgspec import Meta

from ..records import AuthorityId, Body
from .common import require

Measure = Literal[
    "victims_identified",
    "victims_referred",
    "victims_assisted",
    "suspects",
    "prosecuted",
    "convicted",
]
"""What a cell counts: victims identified, referred to assistance, assisted; persons
suspected (investigated), prosecuted, convicted of trafficking in the period."""

StatSex = Literal["female", "male", "other_or_unknown"]
"""Sex as UNODC's Global Report (GLOTIP) and SDG indicator 16.2.2 disaggregate it;
other and not recorded are one category, since a separate "other" would mostly hold
counts of one or two, each close to naming someone."""

StatAgeBand = Literal["0-11", "12-17", "child", "18-24", "25-59", "60+", "adult", "unknown"]
"""Age at identification (victims) or at the offence (offenders). `child` is under 18 with
the finer band unknown, `adult` 18 or over likewise; children are 0-11, 12-17 and child."""

CHILD_BANDS: Final = frozenset({"0-11", "12-17", "child"})
ADULT_BANDS: Final = frozenset({"18-24", "25-59", "60+", "adult"})

StatExploitation = Literal[
    "sexual",
    "forced_labour",
    "mixed",
    "forced_criminality",
    "begging",
    "forced_marriage",
    "organ_removal",
    "other",
    "unknown",
]
"""Forms of exploitation as UNODC's GLOTIP data collection groups them: sexual
exploitation; forced labour; mixed sexual exploitation and forced labour; forced
criminal activity; begging; forced marriage; removal of organs; other purposes (illegal
adoption, child soldiers, baby selling and the like); not known."""

Origin = Annotated[
    str,
    Meta(
        pattern=r"^([A-Z]{2}|[0-9]{3})$(?!\n)",
        description=(
            "nationality: ISO 3166-1 alpha-2, or a UN M49 region code of three digits "
            "(e.g. 002 Africa) where only the region is recorded; XX when not known"
        ),
    ),
]

MAX_COUNT: Final = 10_000_000
"""No authority counts ten million persons of one kind in one period."""
MAX_CELLS: Final = 4_000
"""Fits the inline payload cap with room to spare (a cell is about 40 bytes)."""

Count = Annotated[int, Meta(ge=1, le=MAX_COUNT)]

DefinitionsCode = Annotated[
    str,
    Meta(
        pattern=r"^[a-z0-9][a-z0-9._-]{0,39}$(?!\n)",
        description="short code of the definitions used, e.g. glotip-2024",
    ),
]


class Definitions(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """The definitions the counts follow: a code the network agrees on, and optionally
    a few words on national departures from it (free text, scanned by minimisation)."""

    code: DefinitionsCode
    text: Annotated[str, Meta(max_length=2_000)] | None = None


class Cell(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """One count: how many persons of `measure` had this sex, age band, form of
    exploitation and nationality. A tuple on the wire, so a report of thousands of
    cells stays small; a cell that is not listed is zero."""

    measure: Measure
    sex: StatSex
    age_band: StatAgeBand
    exploitation: StatExploitation
    nationality: Origin
    count: Count


Cells = Annotated[list[Cell], Meta(max_length=MAX_CELLS)]


class StatisticsReport(
    Body, tag="statistics_report", frozen=True, kw_only=True, omit_defaults=True
):
    """Aggregated counts of one reporting authority for one period; never individual
    records. Sent only to a coordinator."""

    reporting_authority: AuthorityId
    """The authority whose counts these are: the sender."""
    period_start: dt.date
    period_end: dt.date
    """The period, both days included (UTC calendar days)."""
    definitions: Definitions
    measures: Annotated[list[Measure], Meta(min_length=1, max_length=6)]
    """The measures the report covers: one not listed was not collected (not zero)."""
    cells: Cells = []

    def __post_init__(self) -> None:
        require(self.case_reference is None, "a statistics report carries no case_reference")
        require(self.grading is None, "a statistics report carries no grading")
        require(self.period_start <= self.period_end, "period ends before it starts")
        require(len(set(self.measures)) == len(self.measures), "a measure is listed twice")
        keys = {(c.measure, c.sex, c.age_band, c.exploitation, c.nationality) for c in self.cells}
        require(len(keys) == len(self.cells), "two cells have the same categories")
        covered = set(self.measures)
        require(all(c.measure in covered for c in self.cells), "a cell's measure is not listed")
