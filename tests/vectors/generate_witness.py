"""Write tests/vectors/witness.json: witness cosignature, quorum and add-checkpoint
vectors (c2sp.org/tlog-cosignature, c2sp.org/tlog-witness) from fixed keys.

Run `make vectors` (or `python tests/vectors/generate_witness.py`). Ed25519 is
deterministic and every key is a fixed seed, so the file is the same on every run;
`tests/test_witness_vectors.py` replays it and checks this script reproduces it. The
fields are described in docs/wire-format.md ("Witness cosignatures").

Cases name their outcome: `success`, `quorum-not-met`, `bad-signature` (a line that
claims a trusted witness and does not verify), `log-unverified` (no valid log
signature), `malformed`.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from schemas import tlog  # noqa: E402
from schemas.keys import SigningKey  # noqa: E402
from schemas.note import Checkpoint, NoteVerifier, sign_checkpoint  # noqa: E402
from schemas.witness import (  # noqa: E402
    AddCheckpoint,
    WitnessKey,
    cosign,
    cosigned_message,
    merge_signatures,
)

OUT = Path(__file__).with_name("witness.json")
ORIGIN = "palermo.example/audit"
LOG_KEY = SigningKey(bytes([0x41]) * 32)
OTHER_LOG_KEY = SigningKey(bytes([0x42]) * 32)
WITNESSES = {
    "witness.un.example/w1": SigningKey(bytes([0x51]) * 32),
    "witness.it.example/w2": SigningKey(bytes([0x52]) * 32),
    "witness.ng.example/w3": SigningKey(bytes([0x53]) * 32),
}
UNTRUSTED = ("witness.rogue.example/w9", SigningKey(bytes([0x59]) * 32))
TIME = 1_790_000_000
LEAVES = [f"audit event {i}".encode() for i in range(8)]


def _tree(size: int) -> Checkpoint:
    hashes = [tlog.leaf_hash(leaf) for leaf in LEAVES[:size]]
    return Checkpoint(ORIGIN, size, tlog.root(hashes))


def _names() -> list[str]:
    return list(WITNESSES)


def _line(checkpoint: Checkpoint, name: str, offset: int = 0) -> str:
    return cosign(checkpoint, name, WITNESSES[name], TIME + offset)


def _flip(line: str) -> str:
    """The same line with the last signature byte changed (name and key ID intact)."""
    prefix, _, encoded = line.rstrip("\n").rpartition(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 0x01
    return f"{prefix} {base64.b64encode(bytes(raw)).decode('ascii')}\n"


def cosignatures() -> list[dict[str, Any]]:
    """One cosignature per witness on the size-8 checkpoint, with its signed message."""
    checkpoint = _tree(8)
    out = []
    for i, (name, key) in enumerate(WITNESSES.items()):
        witness = WitnessKey.for_key(name, key)
        out.append(
            {
                "witness": name,
                "seed_hex": key.seed.hex(),
                "public_hex": key.public.hex(),
                "key_id_hex": witness.key_hash.hex(),
                "vkey": witness.vkey,
                "timestamp": TIME + i,
                "checkpoint": checkpoint.text(),
                "signed_message": cosigned_message(checkpoint.text(), TIME + i).decode(),
                "line": _line(checkpoint, name, i),
            }
        )
    return out


def quorum() -> list[dict[str, Any]]:
    """Cosigned notes and what a client with the three witnesses and quorum k says."""
    checkpoint = _tree(8)
    note = sign_checkpoint(checkpoint, LOG_KEY)
    w1, w2, w3 = _names()
    rogue_name, rogue_key = UNTRUSTED
    rogue = cosign(checkpoint, rogue_name, rogue_key, TIME)
    other_tree = _tree(7)
    cases: list[tuple[str, bytes, int, str]] = [
        (
            "two of three, k=2",
            merge_signatures(note, [_line(checkpoint, w1), _line(checkpoint, w2)]),
            2,
            "success",
        ),
        (
            "three of three, k=3",
            merge_signatures(note, [_line(checkpoint, n) for n in (w1, w2, w3)]),
            3,
            "success",
        ),
        ("no cosignature, k=0", note, 0, "success"),
        ("one of three, k=2", merge_signatures(note, [_line(checkpoint, w1)]), 2, "quorum-not-met"),
        (
            "one witness twice (two timestamps) counts once",
            merge_signatures(note, [_line(checkpoint, w1), _line(checkpoint, w1, 5)]),
            2,
            "quorum-not-met",
        ),
        (
            "an untrusted witness does not count",
            merge_signatures(note, [_line(checkpoint, w1), rogue]),
            2,
            "quorum-not-met",
        ),
        (
            "a cosignature of another checkpoint does not verify",
            merge_signatures(note, [_line(checkpoint, w1), _line(other_tree, w2)]),
            2,
            "bad-signature",
        ),
        (
            "a trusted witness's line altered",
            merge_signatures(note, [_line(checkpoint, w1), _flip(_line(checkpoint, w2))]),
            1,
            "bad-signature",
        ),
        (
            "cosigned but not by the log",
            merge_signatures(
                sign_checkpoint(checkpoint, OTHER_LOG_KEY),
                [_line(checkpoint, w1), _line(checkpoint, w2)],
            ),
            2,
            "log-unverified",
        ),
        (
            "cosignature line without its newline",
            note + _line(checkpoint, w1).rstrip("\n").encode(),
            1,
            "malformed",
        ),
    ]
    return [
        {"name": name, "note": data.decode(), "k": k, "expected": expected}
        for name, data, k, expected in cases
    ]


def add_checkpoint() -> list[dict[str, Any]]:
    """add-checkpoint request bodies, and what parsing them gives."""
    old, new = _tree(5), _tree(8)
    hashes = [tlog.leaf_hash(leaf) for leaf in LEAVES]

    def read(level: int, index: int) -> bytes:
        width = 1 << level
        return tlog.root(hashes[index * width : (index + 1) * width])

    proof = tlog.consistency_proof(5, 8, read)
    tlog.verify_consistency(5, 8, old.root_hash, new.root_hash, proof)
    note = sign_checkpoint(new, LOG_KEY)
    good = AddCheckpoint(5, tuple(proof), note).encode()
    first = AddCheckpoint(0, (), note).encode()
    b64 = [base64.b64encode(h).decode("ascii") for h in proof]
    cases: list[tuple[str, bytes, str, dict[str, Any]]] = [
        ("from size 5 to 8", good, "success", {"old_size": 5, "proof": b64}),
        ("first request, old size 0", first, "success", {"old_size": 0, "proof": []}),
        ("leading zero in the old size", b"old 05\n" + good[len(b"old 5\n") :], "malformed", {}),
        ("no empty line", good.replace(b"\n\n", b"\n", 1), "malformed", {}),
        ("a proof line that is not a hash", b"old 5\nAAAA\n\n" + note, "malformed", {}),
        (
            "64 proof lines",
            b"old 5\n" + (b64[0] + "\n").encode() * 64 + b"\n" + note,
            "malformed",
            {},
        ),
    ]
    return [
        {"name": name, "body": body.decode(), "expected": expected, **parsed}
        for name, body, expected, parsed in cases
    ]


def render() -> bytes:
    """The vectors file's bytes."""
    log = NoteVerifier.for_key(ORIGIN, LOG_KEY)
    document = {
        "description": "Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 type 0x04) "
        "and add-checkpoint bodies (c2sp.org/tlog-witness); see docs/wire-format.md.",
        "log": {"origin": ORIGIN, "seed_hex": LOG_KEY.seed.hex(), "vkey": log.vkey},
        "witnesses": [WitnessKey.for_key(n, k).vkey for n, k in WITNESSES.items()],
        "cosignatures": cosignatures(),
        "quorum": quorum(),
        "add_checkpoint": add_checkpoint(),
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()


def main() -> None:
    OUT.write_bytes(render())


if __name__ == "__main__":
    main()
