"""`bench/accounts.py` runs end to end on real nats-servers in operator mode with a
handful of accounts: the figures are there and plausible, and an authority's account
JWT has the same imports and size at every n (constant imports). Keeps it from rotting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_accounts_bench_quick_run(tmp_path: Path) -> None:
    out = tmp_path / "accounts.json"
    done = subprocess.run(  # noqa: S603  (our own script)
        [
            sys.executable, str(ROOT / "bench" / "accounts.py"),
            "--sizes", "2,6", "--settle", "0", "--json", str(out),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    palermo, bare = result["palermo"], result["bare"]
    assert [r["accounts"] for r in palermo] == [2, 6]
    assert [r["accounts"] for r in bare] == [2, 6]
    for row in palermo + bare:
        assert 0 < row["push_p50_ms"] <= row["push_p99_ms"]
        assert row["rss_mib"] > 1
        assert 0 < row["first_connect_p50_ms"] <= row["first_connect_p99_ms"]
        assert row["rss_used_mib"] > 1
        assert row["resolver_mib"] > 0
    imports = {r["imports"] for r in palermo}
    assert len(imports) == 1
    assert imports.pop() > 0
    assert len({r["jwt_bytes"] for r in palermo}) == 1
    assert {r["imports"] for r in bare} == {0}
    assert "push p50" in done.stdout
