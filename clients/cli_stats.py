"""`palermo stats ...`: a coordinator's statistics (resolution para. 14).

`stats aggregate` reads the JSON lines `palermo endpoint inbox` wrote, or messages
`palermo read` shows from a gateway (the statistics reports the coordinator received,
verified and opened), adds up one period's reports
and writes them protected (rounded, small cells and their complements suppressed) as
JSON, CSV and SVG charts. `stats check` validates a report file before it is sent with
`palermo endpoint send` (or a gateway's send API), which carry any kind.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from schemas.kinds import StatisticsReport, decode_message_json, kind_of

from .cli_common import ERRORS, UsageError, load_body
from .statistics import StatisticsRefused, aggregate, publish, read_reports


def _aggregate(args: argparse.Namespace) -> int:
    reports = []
    for name in args.inbox:
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise StatisticsRefused(f"{path} is not UTF-8 text") from exc
        reports.extend(read_reports(text, source=str(path)))
    if args.threshold < 1 or args.base < 1:
        raise UsageError("--threshold and --base are at least 1")
    if args.period is not None:
        start, end = _period(args.period)
        reports = [
            r for r in reports if (r.report.period_start, r.report.period_end) == (start, end)
        ]
    agg = aggregate(reports, threshold=args.threshold, base=args.base)
    written = publish(agg, Path(args.out))
    print(
        f"aggregated {len(agg.reporters)} report(s) for {agg.period_start}..{agg.period_end} "
        f"({agg.definitions}) into {args.out}: {', '.join(p.name for p in written)}"
    )
    return 0


def _period(text: str) -> tuple[dt.date, dt.date]:
    try:
        start, end = (dt.date.fromisoformat(part) for part in text.split("..", 1))
    except ValueError as exc:
        raise UsageError(
            f"--period {text!r} is not START..END (e.g. 2025-01-01..2025-12-31)"
        ) from exc
    return start, end


def _check(args: argparse.Namespace) -> int:
    body = decode_message_json(load_body(Path(args.file)))
    if not isinstance(body, StatisticsReport):
        raise UsageError(f"{args.file} is a {kind_of(body)}, not a statistics_report")
    cells = len(body.cells)
    print(
        f"{args.file}: statistics_report of {body.reporting_authority} for "
        f"{body.period_start}..{body.period_end}, {cells} cell(s); send it with "
        f"palermo endpoint send {args.file} --to COORDINATOR"
    )
    return 0


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add `palermo stats`; returns the errors its commands report as one line."""
    stats = commands.add_parser("stats", help="statistics reports: check, aggregate, publish")
    sub = stats.add_subparsers(dest="stats_command", required=True)
    agg = sub.add_parser(
        "aggregate",
        help="aggregate received statistics reports and publish them protected",
    )
    agg.add_argument(
        "inbox",
        nargs="+",
        help="JSON lines from palermo endpoint inbox (other lines skipped), or a message "
        "from palermo read",
    )
    agg.add_argument("--out", required=True, help="directory for JSON, CSV and SVG charts")
    agg.add_argument(
        "--period", help="only the reports of this period, START..END (default: all, one period)"
    )
    agg.add_argument("--threshold", type=int, default=5, help="smallest count shown")
    agg.add_argument("--base", type=int, default=5, help="published counts are multiples of it")
    agg.set_defaults(run=_aggregate)
    check = sub.add_parser("check", help="validate a statistics report file before sending it")
    check.add_argument("file", help="the report body, JSON or TOML")
    check.set_defaults(run=_check)
    return (*ERRORS, StatisticsRefused)
