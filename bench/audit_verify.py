"""Time `palermo audit verify` over a large audit export.

The export is generated directly with the project's own code (no NATS, so it is fast):
real audit events (accepted, delivered, retrieved and pre-signature rejections, as the
broker writes them), encoded canonically; the export format `export_audit` writes
(event lines, then the level-0 tiles of leaf hashes); and a real checkpoint signed with
an Ed25519 log key over the tree the events build.

Baselines, measured in the same run over the same file: reading and base64-decoding
every payload (the least any verifier must do), and that plus hashlib SHA-256 of every
leaf.

    python bench/audit_verify.py                      # 1,000,000 events
    python bench/audit_verify.py --events 20000 --json out.json   # quick
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schemas import tlog
from schemas.audit import AUDIT_DOMAIN, AuditEvent, encode_event
from schemas.keys import SigningKey
from schemas.note import Checkpoint, NoteVerifier, sign_checkpoint

ORIGIN = "palermo.bench/audit"
LOG_KEY = SigningKey(bytes(range(32)))
T0 = 1_790_000_000_000
AUTHORITIES = ["it-ddapalermo", "de-bka", "fr-ocrteh", "es-policia", "nl-knm", "ro-diicot"]
TILE_WIDTH = 256


def _event(i: int) -> AuditEvent:
    """The i-th event of a plausible mix: per message one accepted and one receipt
    event; every 50th a rate-limited rejection."""
    sender = AUTHORITIES[i % len(AUTHORITIES)]
    recipient = AUTHORITIES[(i + 1) % len(AUTHORITIES)]
    digest = hashlib.sha256(i.to_bytes(8, "big")).digest()
    if i % 50 == 49:
        return AuditEvent(
            AUDIT_DOMAIN,
            "rejected",
            T0 + i,
            sender=sender,
            envelope_hash=digest,
            size=1400,
            reason="rate_limited",
            count=3,
            ingress_seq=i + 1,
        )
    if i % 2 == 0:
        return AuditEvent(
            AUDIT_DOMAIN,
            "accepted",
            T0 + i,
            message_id=digest[:16],
            kind="case_referral",
            sender=sender,
            recipients=[recipient],
            envelope_hash=digest,
            size=1024 + i % 700,
            victim_level="pseudonymised",
            ingress_seq=i + 1,
        )
    return AuditEvent(
        AUDIT_DOMAIN,
        "delivered",
        T0 + i,
        message_id=digest[:16],
        kind="receipt",
        sender=recipient,
        recipients=[sender],
        envelope_hash=digest,
        size=420,
        ingress_seq=i + 1,
        refers_to=i,
    )


def generate(path: Path, events: int) -> tuple[bytes, str]:
    """Write an export of `events` events to `path`; return the signed checkpoint over
    all of them and the log's verifier key."""
    compact = tlog.CompactRange()
    leaves: list[bytes] = []
    with path.open("w", encoding="ascii") as out:
        for i in range(events):
            payload = encode_event(_event(i))
            b64 = base64.b64encode(payload).decode("ascii")
            out.write(f'{{"seq":{i + 1},"payload":"{b64}"}}\n')
            leaf = tlog.leaf_hash(payload)
            leaves.append(leaf)
            compact.append(leaf)
        for t in range(0, events, TILE_WIDTH):
            hashes = base64.b64encode(b"".join(leaves[t : t + TILE_WIDTH])).decode("ascii")
            out.write(f'{{"tile":{t // TILE_WIDTH},"hashes":"{hashes}"}}\n')
    note = sign_checkpoint(Checkpoint(ORIGIN, events, compact.root()), LOG_KEY)
    return note, NoteVerifier.for_key(ORIGIN, LOG_KEY).vkey


def baseline_decode(path: Path) -> float:
    """Seconds to read the file and base64-decode every event's payload."""
    start = time.perf_counter()
    with path.open("rb") as f:
        for line in f:
            if line.startswith(b'{"seq"'):
                base64.b64decode(line[line.index(b'"payload":"') + 11 : -3])
    return time.perf_counter() - start


def baseline_hash(path: Path) -> float:
    """Seconds to read, base64-decode and SHA-256 every leaf (hashlib)."""
    start = time.perf_counter()
    sha = hashlib.sha256
    with path.open("rb") as f:
        for line in f:
            if line.startswith(b'{"seq"'):
                sha(b"\x00" + base64.b64decode(line[line.index(b'"payload":"') + 11 : -3]))
    return time.perf_counter() - start


def time_verify(path: Path, note: Path, vkey: str, code: Path | None = None) -> float:
    """Seconds for `palermo audit verify` (the CLI, in its own process), of this tree's
    code or of the tree at `code`."""
    cmd = [sys.executable, "-m", "clients.cli", "audit", "verify", str(path)]
    cmd += ["--checkpoint", str(note), "--vkey", vkey]
    # `-m` puts the working directory first on the path: run from the code's own tree.
    tree = code or Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        cmd, capture_output=True, text=True, check=False, env=env, cwd=tree
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or "audit log verifies" not in done.stdout:
        raise SystemExit(f"verify failed: {done.stdout}{done.stderr}".strip())
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (alternated)")
    parser.add_argument("--quick", action="store_true", help="20,000 events, 1 run")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument(
        "--before",
        type=Path,
        help="also time the verify of the code at DIR (e.g. `git archive` of an earlier commit)",
    )
    args = parser.parse_args()
    if args.quick:
        args.events, args.runs = 20_000, 1
    with tempfile.TemporaryDirectory() as tmp:
        path, note_path = Path(tmp) / "audit.jsonl", Path(tmp) / "checkpoint"
        start = time.perf_counter()
        note, vkey = generate(path, args.events)
        note_path.write_bytes(note)
        size = path.stat().st_size
        print(
            f"generated {args.events:,} events ({size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - start:.1f} s"
        )
        times: dict[str, list[float]] = {"decode": [], "hash": [], "verify": [], "before": []}
        for _ in range(args.runs):
            times["decode"].append(baseline_decode(path))
            times["hash"].append(baseline_hash(path))
            times["verify"].append(time_verify(path, note_path, vkey))
            if args.before:
                times["before"].append(time_verify(path, note_path, vkey, args.before))
    rows = []
    labels = {
        "decode": "baseline: read + base64-decode",
        "hash": "baseline: read + base64 + hashlib SHA-256",
        "verify": "palermo audit verify",
        "before": "palermo audit verify, the --before code",
    }
    for key, label in labels.items():
        if not times[key]:
            continue
        runs = times[key]
        med = statistics.median(runs)
        rows.append(
            [
                label,
                round(med, 2),
                f"{min(runs):.2f}-{max(runs):.2f}",
                round(args.events / med),
                round(med / statistics.median(times["hash"]), 2),
            ]
        )
        print(
            f"{label:45} {med:7.2f} s (spread {min(runs):.2f}-{max(runs):.2f}, "
            f"{args.runs} runs), {args.events / med:,.0f} events/s"
        )
    if args.json:
        table = {
            "title": f"audit verify of {args.events:,} events (goal: 1,000,000 in <= 10 s)",
            "columns": ["what", "seconds (median)", "spread", "events/s", "x hash baseline"],
            "rows": rows,
        }
        args.json.write_text(
            json.dumps({"bench": "audit_verify", "tables": [table], "curves": []}, indent=1)
        )


if __name__ == "__main__":
    main()
