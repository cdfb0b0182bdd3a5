"""Statistics reports end to end: two authorities report to a coordinator through a real
broker; the coordinator aggregates and publishes with suppression; an attacker who reads
what was published, release after release, learns no small count."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from nats.aio.client import Client

from broker.natsserver import NatsServer
from clients.cli import main
from clients.endpoint import BrokerNotice, Endpoint, Received
from schemas.kinds import (
    StatisticsCell,
    StatisticsDefinitions,
    StatisticsReport,
    encode_message_json,
)
from schemas.suppression import PublishedTable

from .brokerkit import Harness, running_broker
from .test_suppression import attack

A, B, COORDINATOR = "ng-naptip", "gh-ahtu", "ng-ecowas"
START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)


def report(sender: str, cells: list[StatisticsCell]) -> StatisticsReport:
    return StatisticsReport(
        reporting_authority=sender,
        period_start=START,
        period_end=END,
        definitions=StatisticsDefinitions(code="glotip-2024"),
        measures=["victims_identified", "convicted"],
        cells=cells,
    )


def cell(sex: str, age: str, form: str, nat: str, n: int) -> StatisticsCell:
    return StatisticsCell("victims_identified", sex, age, form, nat, n)  # type: ignore[arg-type]


REPORT_A = report(A, [
    cell("female", "12-17", "sexual", "NG", 23), cell("female", "18-24", "sexual", "NG", 41),
    cell("female", "25-59", "forced_labour", "NG", 12),
    cell("male", "25-59", "forced_labour", "NG", 30),
    cell("male", "12-17", "begging", "NG", 9), cell("female", "0-11", "begging", "NG", 6),
    cell("other_or_unknown", "unknown", "sexual", "NG", 2),
    StatisticsCell("convicted", "male", "25-59", "sexual", "NG", 7),
])  # fmt: skip
REPORT_B = report(B, [
    cell("female", "18-24", "sexual", "GH", 17), cell("male", "25-59", "forced_labour", "GH", 11),
    cell("female", "12-17", "sexual", "NG", 1), cell("male", "12-17", "begging", "GH", 3),
    cell("male", "0-11", "organ_removal", "GH", 1),
])  # fmt: skip


def inbox_line(event: Received) -> str:
    """The line `palermo endpoint inbox` prints for a received message."""
    return json.dumps({
        "event": "message", "sender": event.sender,
        "message_id": event.opened.binding.message_id.hex(), "kind": event.opened.binding.kind,
        "audit_seq": event.audit_seq, "body": json.loads(encode_message_json(event.body)),
    })  # fmt: skip


def published(doc: dict[str, Any], measure: str, table: str) -> PublishedTable:
    t = doc["measures"][measure]["tables"][table]
    return PublishedTable(
        rows=tuple(t["rows"]), cols=tuple(t["columns"]),
        cells=tuple(tuple(r) for r in t["cells"]), row_totals=tuple(t["row_totals"]),
        col_totals=tuple(t["column_totals"]), total=t["total"],
        threshold=doc["threshold"], base=doc["rounding_base"],
    )  # fmt: skip


def truth(*reports: StatisticsReport, measure: str, k: int) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for r in reports:
        for c in r.cells:
            if c.measure == measure:
                key = (c.sex, (c.age_band, c.exploitation, c.nationality)[k - 1])
                out[key] = out.get(key, 0) + c.count
    return out


async def test_reports_to_a_coordinator_are_aggregated_and_resist_differencing(
    nats_server: NatsServer, nc: Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A and B send statistics reports to the coordinator, which receives them verified;
    a report to an authority that is not a coordinator is rejected with policy_denied.
    The coordinator publishes release 1 (A) and release 2 (A and B): no count from 1 to
    4 is shown, every published number is a multiple of 5, and an attacker who solves
    each release for every cell and subtracts the two learns none of B's counts."""
    h = Harness(nc)
    await h.setup()
    await h.add(A)
    await h.add(B)
    await h.add(COORDINATOR, roles=["coordinator"])
    async with (
        running_broker(nats_server.url, h),
        await Endpoint.connect(nats_server.url, h.keys[A], h.root.public) as a,
        await Endpoint.connect(nats_server.url, h.keys[B], h.root.public) as b,
        await Endpoint.connect(nats_server.url, h.keys[COORDINATOR], h.root.public) as coord,
    ):
        await a.send(REPORT_A, to=[COORDINATOR])
        await b.send(REPORT_B, to=[COORDINATOR])
        astray = await a.send(REPORT_A, to=[B])
        lines: dict[str, str] = {}
        async with asyncio.timeout(20):
            async for event in coord.events():
                if isinstance(event, Received):
                    assert isinstance(event.body, StatisticsReport)
                    lines[event.sender] = inbox_line(event)
                    if len(lines) == 2:
                        break
        async with asyncio.timeout(20):
            async for event in a.events():
                if (
                    isinstance(event, BrokerNotice)
                    and event.notice.message_id == astray.binding.message_id
                ):
                    assert event.notice.type == "rejected"
                    assert event.notice.reason == "policy_denied"
                    assert event.notice.detail == (
                        "statistics_report goes only to a coordinator; gh-ahtu (police) is not one"
                    )
                    break

    (tmp_path / "release1.jsonl").write_text(lines[A] + "\n")
    (tmp_path / "release2.jsonl").write_text(lines[A] + "\n" + lines[B] + "\n")
    for release in ("release1", "release2"):
        argv = ["stats", "aggregate", str(tmp_path / f"{release}.jsonl"),
                "--out", str(tmp_path / release)]  # fmt: skip
        assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("aggregated 2 report(s) for 2025-01-01..2025-12-31 (glotip-2024)")
    docs = [
        json.loads((tmp_path / r / "statistics.json").read_text()) for r in ("release1", "release2")
    ]
    assert docs[1]["reporting_authorities"] == [B, A]
    for path in ("statistics.csv", "by_sex.svg", "by_exploitation.svg"):
        assert (tmp_path / "release2" / path).stat().st_size > 0
    assert (
        "<title>Persons by sex, 2025-01-01 to 2025-12-31</title>"
        in (tmp_path / "release2" / "by_sex.svg").read_text()
    )

    for k, table in enumerate(("sex_by_age_band", "sex_by_exploitation", "sex_by_nationality"), 1):
        one = published(docs[0], "victims_identified", table)
        two = published(docs[1], "victims_identified", table)
        true_b = truth(REPORT_B, measure="victims_identified", k=k)
        true_2 = truth(REPORT_A, REPORT_B, measure="victims_identified", k=k)
        for i, row in enumerate(two.cells):
            for j, v in enumerate(row):
                n = true_2.get((two.rows[i], two.cols[j]), 0)
                assert v is None or v % 5 == 0
                assert not (0 < n < 5 and v is not None)
        seen_one, seen_two = attack(one, cap=400), attack(two, cap=400)
        for (i, j), (lo2, hi2) in seen_two.items():
            key = (two.rows[i], two.cols[j])
            # A nationality release 1 does not list had no count in it: exactly 0.
            lo1, hi1 = (
                seen_one[(one.rows.index(key[0]), one.cols.index(key[1]))]
                if key[1] in one.cols
                else (0, 0)
            )
            lo, hi = max(0, lo2 - hi1), hi2 - lo1
            assert lo <= true_b.get(key, 0) <= hi
            assert hi - lo >= 2, (table, key, lo, hi)
