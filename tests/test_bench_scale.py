"""`bench/scale.py` runs end to end on one nats-server with a handful of authorities:
every measurement it reports is there and plausible, the chart is written, and the
JSON keeps the contract `bench/report.py` reads. Keeps the script from rotting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_scale_bench_quick_run_on_one_server(tmp_path: Path) -> None:
    out = tmp_path / "scale.json"
    done = subprocess.run(  # noqa: S603  (our own script)
        [
            sys.executable, str(ROOT / "bench" / "scale.py"), "--quick", "--servers", "1",
            "--sizes", "2", "5", "--idle-seconds", "0.5", "--settle", "0",
            "--json", str(out), "--plot", str(tmp_path),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["bench"] == "scale"
    assert len(result["palermo"]["register_ms"]) == 5
    assert len(result["baseline"]["register_ms"]) == 5
    steps = result["palermo"]["steps"]
    assert [s["n"] for s in steps] == [2, 5]
    for step in steps:
        assert 0 < step["register_p50_ms"] <= step["register_p99_ms"]
        assert len(step["rss_mib"]) == 1
        assert step["rss_mib"][0] > 1
        assert {"broker", "nats 1"} <= set(step["cpu_percent"])
        first = step["first_message"]
        # The receipt comes back after the recipient had the message.
        assert 0 < first["received_ms"] < first["receipt_ms"]
        assert first["accepted_ms"] > 0
        assert first["directory_ms"] > 0
    for table in result["tables"]:
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
    assert "first message to the newest authority" in done.stdout
    assert (tmp_path / "scale.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
