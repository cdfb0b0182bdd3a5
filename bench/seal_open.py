"""Seal and open speed and envelope size: 1 KiB bodies, 1 and 50 recipients.

Run: `make bench` (or `.venv/bin/python bench/seal_open.py`). The baseline, measured
in the same run, is the least any signed and encrypted message costs: one Ed25519
signature and one XChaCha20-Poly1305 encryption of the same bytes (and, to open, one
verification and one decryption). The ratio says what the envelope's extras (key
commitment, inner signature, key wrap per recipient, canonical checks, minimisation
and schema validation) cost on top.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nacl.secret import Aead

from schemas.envelope import open_envelope, seal
from schemas.keys import AuthorityKeys, SigningKey, verify_signature
from schemas.kinds import CaseReferral
from schemas.minimise import scan
from schemas.records import Victim

NOW = 1_790_000_000_000


def timed(fn: Callable[[], object], *, seconds: float) -> tuple[float, int]:
    """Median µs per call over batches that fill `seconds`."""
    fn()
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    calls = 0
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        for _ in range(10):
            fn()
        samples.append((time.perf_counter() - start) / 10 * 1e6)
        calls += 10
    return statistics.median(samples), calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--quick", action="store_true", help="0.2 s per measurement")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 0.2

    sender = AuthorityKeys.generate("ng-naptip")
    summary = (
        "Recruited in Benin City with a false offer of salon work; moved through "
        "Agadez and Tripoli; exploited in Castel Volturno. "
    ) * 8
    body = CaseReferral(summary=summary[:1024], victims=[Victim(ref="V1", sex="female")])
    keys = {sender.signing.key_id: sender.signing.public}

    def resolve(_a: str, key_id: bytes, _t: int) -> bytes:
        return keys[key_id]

    signer = SigningKey.generate()
    payload = summary[:1024].encode()
    # The baseline measures libsodium's XChaCha20-Poly1305 itself, through PyNaCl's
    # public API (the protocol's own wrapper is private to schemas), with a fixed nonce
    # as the envelope uses under its single-use content key.
    aead, nonce = Aead(bytes(range(32))), bytes(24)
    sig = signer.sign(payload)
    ct = aead.encrypt(payload, b"", nonce)
    base_seal, _ = timed(
        lambda: (signer.sign(payload), aead.encrypt(payload, b"", nonce)),
        seconds=args.seconds,
    )
    base_open, _ = timed(
        lambda: (verify_signature(signer.public, payload, sig), aead.decrypt(ct, b"")),
        seconds=args.seconds,
    )

    print(f"baseline (sign+encrypt 1 KiB): seal {base_seal:8.1f} µs   open {base_open:8.1f} µs")
    print(
        f"{'recipients':>10} {'envelope B':>11} {'seal µs':>9} {'x base':>7} "
        f"{'open µs':>9} {'x base':>7} {'seals/s':>8} {'opens/s':>8}"
    )
    rows: list[list[object]] = [
        [
            "baseline: sign + encrypt / verify + decrypt",
            len(ct),
            round(base_seal, 1),
            1.0,
            round(base_open, 1),
            1.0,
            round(1000000.0 / base_seal),
            round(1000000.0 / base_open),
        ]
    ]
    for n in (1, 50):
        recipients = [AuthorityKeys.generate(f"xx-r{i}") for i in range(n)]
        pubs = [r.recipient for r in recipients]
        data = seal(body, sender=sender, recipients=pubs, created_ms=NOW).data
        last = recipients[-1]
        seal_us, _ = timed(
            partial(seal, body, sender=sender, recipients=pubs, created_ms=NOW),
            seconds=args.seconds,
        )
        open_us, _ = timed(
            partial(open_envelope, data, recipient=last, resolve=resolve, accepted_ms=NOW),
            seconds=args.seconds,
        )
        print(
            f"{n:>10} {len(data):>11} {seal_us:>9.1f} {seal_us / base_seal:>7.1f} "
            f"{open_us:>9.1f} {open_us / base_open:>7.1f} {1e6 / seal_us:>8.0f} "
            f"{1e6 / open_us:>8.0f}"
        )
        rows.append(
            [
                f"envelope, {n} recipient(s)",
                len(data),
                round(seal_us, 1),
                round(seal_us / base_seal, 1),
                round(open_us, 1),
                round(open_us / base_open, 1),
                round(1000000.0 / seal_us),
                round(1000000.0 / open_us),
            ]
        )
    scan_scaling()
    if args.json:
        columns = ["what", "bytes", "seal µs", "x base", "open µs", "x base", "seals/s"]
        table = {
            "title": "seal and open, 1 KiB case referral",
            "columns": [*columns, "opens/s"],
            "rows": rows,
        }
        args.json.write_text(json.dumps({"bench": "seal_open", "tables": [table], "curves": []}))


def scan_scaling() -> None:
    """Free-text scanning must stay linear: time 2,000 and 20,000 characters of shapes
    that make naive patterns backtrack, and print the ratio (10 means linear)."""
    shapes = {
        "prose": "Moved through Agadez and Tripoli to Castel Volturno. ",
        "arabic run": "\u0628",
        "cyrillic run": "\u0436",
        "ascii run": "x",
        "digits": "1 2 3 ",
        "dots then @": "a.",
    }
    print(f"\n{'scan input':>14} {'2k chars ms':>12} {'20k chars ms':>13} {'ratio':>6}")
    for label, unit in shapes.items():
        times = []
        for size in (2_000, 20_000):
            text = (unit * (size // len(unit) + 1))[:size]
            start = time.perf_counter()
            scan(text, names=["Blessing Okafor"], identifiers=["+2348035550199"])
            times.append((time.perf_counter() - start) * 1000)
        print(f"{label:>14} {times[0]:>12.2f} {times[1]:>13.2f} {times[1] / times[0]:>6.1f}")


if __name__ == "__main__":
    main()
