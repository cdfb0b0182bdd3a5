"""A coordinator's statistics: aggregate the members' reports, protect, publish.

The coordinator's endpoint receives `statistics_report` messages verified and opened
(`palermo endpoint inbox` writes them as JSON lines). `read_reports` takes those lines,
`aggregate` adds up reports of one period and one set of definitions into two-way tables
per measure (sex by age band, by form of exploitation and by nationality), each
protected by `schemas.suppression` (rounding, small-cell and complementary suppression),
and `publish` writes the result as JSON, CSV and SVG bar charts. Only protected numbers
leave this module; the exact sums stay in memory. docs/statistics.md explains the model.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, get_args

from schemas.errors import ProtocolError
from schemas.kinds import StatisticsReport, decode_message_json
from schemas.kinds.statistics import Measure, StatAgeBand, StatExploitation, StatSex
from schemas.suppression import (
    DEFAULT_BASE,
    DEFAULT_THRESHOLD,
    PublishedTable,
    Table,
    protect_table,
)

from .errors import ClientError

SEXES: Final[tuple[str, ...]] = get_args(StatSex)
AGE_BANDS: Final[tuple[str, ...]] = get_args(StatAgeBand)
FORMS: Final[tuple[str, ...]] = get_args(StatExploitation)
MEASURES: Final[tuple[str, ...]] = get_args(Measure)
TABLES: Final = ("age_band", "exploitation", "nationality")
"""Each measure is published as sex by each of these: tables that share only the sex
margin (docs/statistics.md says why no other pair is published)."""


class StatisticsRefused(ClientError):
    """Reports that cannot be aggregated together (another period or other definitions,
    two from one authority, a report whose sender is not its reporting authority), or an
    input that holds none."""


@dataclass(frozen=True)
class ReceivedReport:
    """A statistics report as the coordinator's endpoint verified it: the sender is the
    authority whose signature the endpoint checked."""

    sender: str
    report: StatisticsReport


def read_reports(text: str, source: str = "input") -> list[ReceivedReport]:
    """The statistics reports in `text`: the JSON lines `palermo endpoint inbox` writes
    (events other than received messages, and other kinds, are skipped), or one message
    as a gateway stores it (`palermo read MESSAGE_ID`: a received message of kind
    statistics_report). Raises `StatisticsRefused` for text that is neither, or a report
    whose body does not decode or whose reporting authority is not its verified sender."""
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict) and "direction" in whole:
        found = _report(whole, whole.get("direction") == "received", f"{source}")
        return [found] if found else []
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as exc:
            raise StatisticsRefused(f"{source} line {number} is not JSON") from exc
        received = isinstance(event, dict) and event.get("event") == "message"
        if found := _report(event, received, f"{source} line {number}"):
            out.append(found)
    return out


def _report(item: Any, received: bool, where: str) -> ReceivedReport | None:
    if not received or item.get("kind") != "statistics_report":
        return None
    try:
        body = decode_message_json(json.dumps(item.get("body")))
    except ProtocolError as exc:
        raise StatisticsRefused(f"{where}: {exc}") from exc
    sender = item.get("sender")
    if not isinstance(body, StatisticsReport) or body.reporting_authority != sender:
        raise StatisticsRefused(f"{where}: the reporting authority is not the sender")
    return ReceivedReport(sender, body)


@dataclass(frozen=True)
class MeasureTables:
    """One measure's published tables and who reported it."""

    reported_by: tuple[str, ...]
    tables: dict[str, PublishedTable]


@dataclass(frozen=True)
class Aggregate:
    """Protected aggregate of one period's reports."""

    period_start: dt.date
    period_end: dt.date
    definitions: str
    reporters: tuple[str, ...]
    threshold: int
    base: int
    measures: dict[str, MeasureTables]


def aggregate(
    reports: Sequence[ReceivedReport],
    threshold: int = DEFAULT_THRESHOLD,
    base: int = DEFAULT_BASE,
) -> Aggregate:
    """Add up `reports` (one period, one definitions code, one report per authority)
    and protect every table. Raises `StatisticsRefused` otherwise."""
    if not reports:
        raise StatisticsRefused("no statistics report to aggregate")
    first = reports[0].report
    period = (first.period_start, first.period_end)
    seen: set[str] = set()
    for r in reports:
        got = (r.report.period_start, r.report.period_end)
        if got != period:
            raise StatisticsRefused(
                f"{r.sender} reports {got[0]}..{got[1]}, not {period[0]}..{period[1]}: "
                "aggregate one period at a time"
            )
        if r.report.definitions.code != first.definitions.code:
            raise StatisticsRefused(
                f"{r.sender} uses definitions {r.report.definitions.code}, not "
                f"{first.definitions.code}: counts under other definitions do not add up"
            )
        if r.sender in seen:
            raise StatisticsRefused(f"two reports from {r.sender} for the same period")
        seen.add(r.sender)
    measures = {}
    for measure in MEASURES:
        covering = [r for r in reports if measure in r.report.measures]
        if not covering:
            continue
        sums: Counter[tuple[str, str, str, str]] = Counter()
        for r in covering:
            for c in r.report.cells:
                if c.measure == measure:
                    sums[(c.sex, c.age_band, c.exploitation, c.nationality)] += c.count
        tables = {
            name: protect_table(_table(sums, k, cols), threshold, base)
            for name, k, cols in (
                ("age_band", 1, AGE_BANDS),
                ("exploitation", 2, FORMS),
                ("nationality", 3, tuple(sorted({key[3] for key in sums}))),
            )
        }
        measures[measure] = MeasureTables(tuple(sorted(r.sender for r in covering)), tables)
    return Aggregate(
        period_start=period[0],
        period_end=period[1],
        definitions=first.definitions.code,
        reporters=tuple(sorted(seen)),
        threshold=threshold,
        base=base,
        measures=measures,
    )


def _table(sums: Counter[tuple[str, str, str, str]], k: int, cols: tuple[str, ...]) -> Table:
    counts: Counter[tuple[str, str]] = Counter()
    for key, n in sums.items():
        counts[(key[0], key[k])] += n
    return Table(SEXES, cols, dict(counts))


# --- output ---------------------------------------------------------------------------


def _table_json(t: PublishedTable) -> dict[str, Any]:
    return {
        "rows": list(t.rows),
        "columns": list(t.cols),
        "cells": [list(row) for row in t.cells],
        "row_totals": list(t.row_totals),
        "column_totals": list(t.col_totals),
        "total": t.total,
    }


def to_json(agg: Aggregate) -> dict[str, Any]:
    """The aggregate as JSON: `null` is a suppressed number."""
    return {
        "period_start": agg.period_start.isoformat(),
        "period_end": agg.period_end.isoformat(),
        "definitions": agg.definitions,
        "reporting_authorities": list(agg.reporters),
        "threshold": agg.threshold,
        "rounding_base": agg.base,
        "measures": {
            m: {
                "reported_by": list(t.reported_by),
                "tables": {f"sex_by_{name}": _table_json(p) for name, p in t.tables.items()},
            }
            for m, t in agg.measures.items()
        },
    }


SUPPRESSED: Final = "x"
"""How CSV and charts show a suppressed number (the usual mark in official tables)."""


def csv_rows(agg: Aggregate) -> list[list[str]]:
    """Header and rows: measure, table, sex (or `total`), column (or `total`), value."""
    out = [["period_start", "period_end", "measure", "table", "sex", "column", "value"]]
    head = [agg.period_start.isoformat(), agg.period_end.isoformat()]

    def show(v: int | None) -> str:
        return SUPPRESSED if v is None else str(v)

    for m, mt in agg.measures.items():
        for name, t in mt.tables.items():
            table = f"sex_by_{name}"
            for i, sex in enumerate(t.rows):
                for j, col in enumerate(t.cols):
                    out.append([*head, m, table, sex, col, show(t.cells[i][j])])
                out.append([*head, m, table, sex, "total", show(t.row_totals[i])])
            for j, col in enumerate(t.cols):
                out.append([*head, m, table, "total", col, show(t.col_totals[j])])
            out.append([*head, m, table, "total", "total", show(t.total)])
    return out


_COLOURS: Final = ("#1f5f99", "#d9822b", "#5a9e4b", "#a23b72", "#6c6c6c", "#c9b037")


def bar_chart(
    title: str,
    groups: Sequence[str],
    series: Mapping[str, Sequence[int | None]],
    y_label: str,
    note: str = "",
) -> str:
    """A grouped bar chart as SVG text: one group per category, one bar per series,
    a legend, axis labels and a title; a suppressed value is drawn as no bar marked
    "x". Every text is escaped."""
    width, height, left, bottom, top = 760, 420, 70, 90, 60
    plot_w, plot_h = width - left - 170, height - top - bottom
    values = [v for vs in series.values() for v in vs if v is not None]
    ceiling = max([*values, 1])
    step = _nice_step(ceiling)
    ceiling = -(-ceiling // step) * step
    e = html.escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{e(title)}</title>",
        f'<text x="{width / 2}" y="28" text-anchor="middle" font-size="16">{e(title)}</text>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#000"/>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#000"/>',
        f'<text transform="translate(18 {top + plot_h / 2}) rotate(-90)" '
        f'text-anchor="middle">{e(y_label)}</text>',
    ]
    for tick in range(0, ceiling + 1, step):
        y = top + plot_h - plot_h * tick / ceiling
        out.append(
            f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="#000"/>'
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    group_w = plot_w / max(len(groups), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    for g, group in enumerate(groups):
        x0 = left + g * group_w + group_w * 0.1
        for s, (_name, vs) in enumerate(series.items()):
            x = x0 + s * bar_w
            v = vs[g]
            if v is None:
                out.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - 4}" '
                    f'text-anchor="middle">{SUPPRESSED}</text>'
                )
                continue
            h = plot_h * v / ceiling
            out.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{_COLOURS[s % len(_COLOURS)]}"><title>'
                f"{e(group)}: {v}</title></rect>"
            )
        cx = x0 + group_w * 0.4
        out.append(
            f'<text transform="translate({cx:.1f} {top + plot_h + 14}) rotate(30)">'
            f"{e(group)}</text>"
        )
    for s, name in enumerate(series):
        y = top + 10 + s * 20
        out.append(
            f'<rect x="{width - 160}" y="{y - 10}" width="12" height="12" '
            f'fill="{_COLOURS[s % len(_COLOURS)]}"/>'
            f'<text x="{width - 142}" y="{y}">{e(name)}</text>'
        )
    out.append(f'<text x="{left}" y="{height - 8}" font-size="10">{e(note)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _nice_step(ceiling: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000):
        if ceiling / step <= 8:
            return step
    return int(10 ** len(str(ceiling // 8)))


def charts(agg: Aggregate) -> dict[str, str]:
    """File name → SVG: counts by sex and by form of exploitation, a bar per measure,
    from the published margins of the sex-by-exploitation tables."""
    period = f"{agg.period_start.isoformat()} to {agg.period_end.isoformat()}"
    by_sex = {m: t.tables["exploitation"].row_totals for m, t in agg.measures.items()}
    by_form = {m: t.tables["exploitation"].col_totals for m, t in agg.measures.items()}
    note = (
        f"{SUPPRESSED} = suppressed; counts rounded to multiples of {agg.base}; "
        f"{', '.join(agg.reporters)}; definitions {agg.definitions}"
    )
    return {
        "by_sex.svg": bar_chart(f"Persons by sex, {period}", SEXES, by_sex, "persons", note),
        "by_exploitation.svg": bar_chart(
            f"Persons by form of exploitation, {period}", FORMS, by_form, "persons", note
        ),
    }


def publish(agg: Aggregate, out: Path) -> list[Path]:
    """Write statistics.json, statistics.csv and the charts into `out` (created if
    needed); returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    path = out / "statistics.json"
    path.write_text(json.dumps(to_json(agg), indent=2) + "\n")
    written.append(path)
    path = out / "statistics.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(csv_rows(agg))
    written.append(path)
    for name, svg in charts(agg).items():
        path = out / name
        path.write_text(svg)
        written.append(path)
    return written
