"""`palermo stats`: checking a report, refusing reports that do not add up (one line,
nothing written), and the files a coordinator publishes."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import msgspec
import pytest

from clients.cli import main
from clients.statistics import bar_chart
from schemas.errors import IdentifierInFreeText
from schemas.kinds import StatisticsDefinitions, StatisticsReport, encode_message_json
from schemas.minimise import minimise

from .test_kinds import EXAMPLES
from .test_statistics_e2e import REPORT_A, REPORT_B


def line(sender: str, body: StatisticsReport) -> str:
    return json.dumps({"event": "message", "sender": sender, "kind": "statistics_report",
                       "body": json.loads(encode_message_json(body))})  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_accepts_a_report_and_refuses_another_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`stats check` validates a report in one line, and names another kind in one."""
    good, other = tmp_path / "report.json", tmp_path / "notice.json"
    good.write_bytes(encode_message_json(REPORT_A))
    other.write_bytes(encode_message_json(EXAMPLES["network_notice"]))
    code, out, _ = run(capsys, "stats", "check", str(good))
    assert code == 0
    assert out.splitlines() == [
        f"{good}: statistics_report of ng-naptip for 2025-01-01..2025-12-31, 8 cell(s); "
        f"send it with palermo endpoint send {good} --to COORDINATOR"
    ]
    code, _, err = run(capsys, "stats", "check", str(other))
    assert (code, err) == (1, f"palermo: {other} is a network_notice, not a statistics_report\n")


REFUSALS = [
    (
        lambda: msgspec.structs.replace(REPORT_B, period_end=dt.date(2025, 6, 30)),
        "gh-ahtu reports 2025-01-01..2025-06-30, not 2025-01-01..2025-12-31: "
        "aggregate one period at a time",
    ),
    (
        lambda: msgspec.structs.replace(REPORT_B, definitions=StatisticsDefinitions(code="n-1")),
        "gh-ahtu uses definitions n-1, not glotip-2024: counts under other definitions do not "
        "add up",
    ),
    (
        lambda: msgspec.structs.replace(REPORT_A, cells=REPORT_A.cells[:1]),
        "two reports from ng-naptip for the same period",
    ),
]


@pytest.mark.parametrize(("second", "problem"), REFUSALS)
def test_aggregate_refuses_reports_that_do_not_add_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], second: object, problem: str
) -> None:
    """Another period, other definitions or a second report from one authority: one
    line naming the problem, exit 1, nothing written."""
    assert callable(second)
    body = second()
    inbox = tmp_path / "inbox.jsonl"
    inbox.write_text(line("ng-naptip", REPORT_A) + "\n" + line(body.reporting_authority, body))
    code, _, err = run(capsys, "stats", "aggregate", str(inbox), "--out", str(tmp_path / "o"))
    assert (code, err) == (1, f"palermo: {problem}\n")
    assert not (tmp_path / "o").exists()


def test_aggregate_refuses_a_forged_reporter_and_an_empty_inbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A report whose reporting authority is not its verified sender is refused, and an
    inbox without a report says so."""
    inbox = tmp_path / "inbox.jsonl"
    inbox.write_text('{"event": "notice"}\n' + line("gh-ahtu", REPORT_A) + "\n")
    code, _, err = run(capsys, "stats", "aggregate", str(inbox), "--out", str(tmp_path / "o"))
    assert (code, err) == (
        1,
        f"palermo: {inbox} line 2: the reporting authority is not the sender\n",
    )
    inbox.write_text('{"event": "notice"}\n')
    code, _, err = run(capsys, "stats", "aggregate", str(inbox), "--out", str(tmp_path / "o"))
    assert (code, err) == (1, "palermo: no statistics report to aggregate\n")


def test_published_files_hold_only_protected_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CSV, JSON and charts show multiples of 5 and "x", never a count of 1 to 4,
    and the aggregate is the sum of the reports (rounded)."""
    inbox = tmp_path / "inbox.jsonl"
    inbox.write_text(line("ng-naptip", REPORT_A) + "\n" + line("gh-ahtu", REPORT_B) + "\n")
    code, out, _ = run(capsys, "stats", "aggregate", str(inbox), "--out", str(tmp_path / "o"))
    assert code == 0
    assert len(out.splitlines()) == 1
    with (tmp_path / "o" / "statistics.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {r["value"] for r in rows} <= {"x"} | {str(5 * k) for k in range(100)}
    female_sexual_18_24 = [
        r for r in rows
        if (r["measure"], r["table"], r["sex"], r["column"])
        == ("victims_identified", "sex_by_age_band", "female", "18-24")
    ]  # fmt: skip
    assert [r["value"] for r in female_sexual_18_24] == ["60"]  # 41 + 17 = 58
    doc = json.loads((tmp_path / "o" / "statistics.json").read_text())
    organ = doc["measures"]["victims_identified"]["tables"]["sex_by_exploitation"]
    assert organ["cells"][1][organ["columns"].index("organ_removal")] is None  # a count of 1
    svg = (tmp_path / "o" / "by_exploitation.svg").read_text()
    assert svg.startswith("<svg ")
    assert "forced_labour" in svg
    assert "victims_identified" in svg


def test_chart_text_is_escaped() -> None:
    """Titles, groups and series names are escaped in the SVG text."""
    svg = bar_chart("<script>&", ["a<b"], {'s"1': [5]}, "y", note="n>1")
    assert "<script>" not in svg
    assert "&lt;script&gt;&amp;" in svg
    assert "a&lt;b" in svg
    assert "s&quot;1" in svg


def test_definitions_text_is_scanned_and_the_level_is_none() -> None:
    """Minimisation leaves a clean report at level none and refuses one whose
    definitions text carries an identifier (here a phone number), naming the field."""
    clean = msgspec.structs.replace(
        REPORT_A,
        definitions=StatisticsDefinitions(code="glotip-2024", text="Counts from case files."),
    )
    assert minimise(clean, linkage_key=None, today=dt.date(2026, 1, 1)) == (clean, "none")
    leaky = msgspec.structs.replace(
        REPORT_A,
        definitions=StatisticsDefinitions(
            code="glotip-2024", text="Ask the victim on +234 803 123 4567 for details."
        ),
    )
    with pytest.raises(IdentifierInFreeText, match=r"definitions\.text"):
        minimise(leaky, linkage_key=None, today=dt.date(2026, 1, 1))


def test_aggregate_reads_messages_a_gateway_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A coordinator with a gateway passes the messages `palermo read` shows (indented
    JSON, one per file); a sent message is not a received report and is skipped."""
    files = []
    for name, sender, body, direction in (
        ("a", "ng-naptip", REPORT_A, "received"), ("b", "gh-ahtu", REPORT_B, "received"),
        ("mine", "ng-naptip", REPORT_A, "sent"),
    ):  # fmt: skip
        stored = {"message_id": "00" * 16, "direction": direction, "kind": "statistics_report",
                  "sender": sender, "body": json.loads(encode_message_json(body))}  # fmt: skip
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(stored, indent=2))
        files.append(str(path))
    code, out, _ = run(capsys, "stats", "aggregate", *files, "--out", str(tmp_path / "o"))
    assert code == 0
    assert out.startswith("aggregated 2 report(s) for 2025-01-01..2025-12-31")


def test_aggregate_selects_one_period(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --period, reports of other periods in the same inbox are left aside; a
    period that is not START..END is one line."""
    half = msgspec.structs.replace(REPORT_B, period_end=dt.date(2025, 6, 30))
    inbox = tmp_path / "inbox.jsonl"
    inbox.write_text(line("ng-naptip", REPORT_A) + "\n" + line("gh-ahtu", half) + "\n")
    out_dir = str(tmp_path / "o")
    code, out, _ = run(capsys, "stats", "aggregate", str(inbox), "--out", out_dir,
                       "--period", "2025-01-01..2025-06-30")  # fmt: skip
    assert code == 0
    assert out.startswith("aggregated 1 report(s) for 2025-01-01..2025-06-30")
    code, _, err = run(capsys, "stats", "aggregate", str(inbox), "--out", out_dir,
                       "--period", "2025")  # fmt: skip
    assert (code, err) == (
        1, "palermo: --period '2025' is not START..END (e.g. 2025-01-01..2025-12-31)\n"
    )  # fmt: skip
