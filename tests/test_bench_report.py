"""`bench/report.py` renders benchmark JSON (the output contract every benchmark script
writes with `--json`) into a Markdown report and a latency-versus-offered-load chart.
Fed small synthetic files here, so no benchmark runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _curve(name: str, scale: float) -> dict[str, object]:
    return {
        "name": name,
        "points": [
            {"offered": 0.0, "achieved": 4000.0 / scale, "p50_ms": 90.0, "p99_ms": 300.0},
            *(
                {
                    "offered": float(rate),
                    "achieved": float(rate),
                    "p50_ms": scale * rate / 500,
                    "p99_ms": scale * rate / 100,
                }
                for rate in (100, 500, 1000)
            ),
        ],
    }


def test_report_writes_tables_with_baselines_and_the_chart(tmp_path: Path) -> None:
    """Every table row reaches README.md with its baseline column, every curve reaches
    the chart (a PNG) and a table of its points, and a benchmark whose JSON breaks the
    contract is named as not measured."""
    source = tmp_path / "json"
    source.mkdir()
    relay = {
        "bench": "broker_relay",
        "tables": [
            {
                "title": "throughput",
                "columns": ["system", "msg/s", "baseline msg/s", "ratio"],
                "rows": [["broker", 5600, 7900, 0.71]],
            }
        ],
        "curves": [_curve("bare relay", 1.0), _curve("broker", 2.0), _curve("end to end", 4.0)],
    }
    audit = {
        "bench": "audit_verify",
        "tables": [
            {
                "title": "audit verify of 1,000 events",
                "columns": ["what", "seconds", "x hash baseline"],
                "rows": [["palermo audit verify", 0.12, 9.5]],
            }
        ],
        "curves": [],
    }
    broken = {"bench": "scan_speed", "tables": [{"title": "t", "columns": ["a"], "rows": [[1, 2]]}]}
    for name, data in (("broker_relay", relay), ("audit_verify", audit), ("scan_speed", broken)):
        (source / f"{name}.json").write_text(json.dumps(data))
    out = tmp_path / "report"
    done = subprocess.run(  # noqa: S603  (our own script)
        [
            sys.executable,
            str(ROOT / "bench" / "report.py"),
            "--from",
            str(source),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == (
        f"report written to {out / 'README.md'}; not measured: scan_speed"
    )
    png = (out / "latency.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000  # axes, three curves, legend: not an empty canvas
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "![latency](latency.png)" in readme
    assert "| system | msg/s | baseline msg/s | ratio |" in readme
    assert "| broker | 5,600 | 7,900 | 0.71 |" in readme
    assert "| palermo audit verify | 0.12 | 9.50 |" in readme
    for name in ("bare relay", "broker", "end to end"):
        assert f"**{name}**: latency versus offered load" in readme
    assert "| as fast as possible | 1,000 | 90.00 | 300.00 |" in readme
    assert "| 500 | 500 | 2.00 | 10.00 |" in readme  # broker at 500 msg/s offered
    assert "## scan_speed\n\nNot measured: JSON does not follow the contract" in readme
