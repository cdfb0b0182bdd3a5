"""Witness cosignatures of the audit log (https://c2sp.org/tlog-cosignature) and the
witness protocol's bytes (https://c2sp.org/tlog-witness).

A witness keeps, for each log it watches, the latest checkpoint it cosigned; given a
newer one and a consistency proof from its own, it answers a *cosignature*: a signed
note signature line "— <witness name> base64(key hash ‖ timestamp ‖ signature)" where

- the key hash is SHA-256(name ‖ 0x0A ‖ 0x04 ‖ Ed25519 public key)[:4] (signature type
  0x04, "timestamped Ed25519 checkpoint cosignature", in c2sp.org/signed-note);
- the timestamp is 8 bytes, big-endian POSIX seconds, never zero and below 2^63;
- the signature is Ed25519 over "cosignature/v1\\ntime <T>\\n" followed by the whole
  checkpoint text (origin, size, root and any extension lines, final newline included).

We use the Ed25519 cosignature (type 0x04), not ML-DSA-44 (0x06) that the spec
recommends for new deployments: libsodium, our one cryptographic library, has no
ML-DSA, and Ed25519 cosignatures are what deployed witnesses (litewitness, the Go
`sumdb/note` verifiers) speak today.

A cosigned checkpoint is the log's signed checkpoint with the witnesses' lines
appended (`merge_signatures`); `verify_quorum` checks the log's signature and at least
k cosignatures by distinct trusted witnesses.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from . import _crypto
from .keys import SigningKey, verify_signature
from .note import (
    KEY_HASH_SIZE,
    MAX_NOTE_BYTES,
    MAX_SIGNATURES,
    Checkpoint,
    NoteError,
    NoteMalformed,
    NoteSignature,
    NoteSignatureInvalid,
    NoteVerifier,
    VerifierKeyInvalid,
    open_checkpoint,
    parse_note,
)
from .tlog import HASH_SIZE

ALG_COSIGNATURE_V1: Final = 0x04
"""Signature type of a timestamped Ed25519 checkpoint cosignature (c2sp.org/signed-note)."""
COSIGNATURE_HEADER: Final = "cosignature/v1"
"""First line of the signed message: domain separation from every other use of the key."""
TIMESTAMP_SIZE: Final = 8
COSIGNATURE_SIZE: Final = KEY_HASH_SIZE + TIMESTAMP_SIZE + _crypto.ED25519_SIGNATURE
MAX_TIMESTAMP: Final = 2**63 - 1
MAX_PROOF_LINES: Final = 63
"""tlog-witness: a client MUST NOT send more; a proof of a 2^63-leaf tree needs fewer."""
MAX_REQUEST_BYTES: Final = 16 + MAX_PROOF_LINES * 45 + MAX_NOTE_BYTES
"""An add-checkpoint body: old size line, proof lines (44 base64 + newline), the note."""
SIZE_CONTENT_TYPE: Final = "text/x.tlog.size"
"""Content type of a 409 answer: the witness's latest size in decimal and a newline."""
_SIG_PREFIX: Final = "— "
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class WitnessError(NoteError):
    """Base class of witness protocol failures."""

    code = "witness_invalid"


class CosignatureInvalid(NoteSignatureInvalid, WitnessError):
    """A cosignature line by a trusted witness that does not verify (or whose timestamp
    is zero or out of range): the note has been tampered with."""

    code = "bad_cosignature"


class AddCheckpointMalformed(WitnessError, NoteMalformed):
    """An add-checkpoint request body that is not what tlog-witness defines."""

    code = "add_checkpoint_malformed"


class WitnessResponseMalformed(WitnessError, NoteMalformed):
    """A witness answer that is not signature lines (200) or a size line (409)."""

    code = "witness_response_malformed"


class QuorumNotMet(WitnessError):
    """A checkpoint with fewer valid cosignatures by distinct trusted witnesses than
    the quorum asks."""

    code = "quorum_not_met"

    def __init__(self, have: int, need: int) -> None:
        self.have = have
        self.need = need
        super().__init__(
            f"checkpoint has {have} valid cosignature(s) by trusted witnesses, {need} needed"
        )


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def _b64(text: str, error: type[NoteMalformed]) -> bytes:
    """Standard base64 in its one canonical form."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise error("invalid base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise error("non-canonical base64")
    return raw


def cosigner_key_hash(name: str, public: bytes) -> bytes:
    """SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public)[:4]: the key ID of an Ed25519 cosigner."""
    return _crypto.sha256(name.encode() + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public)[
        :KEY_HASH_SIZE
    ]


@dataclass(frozen=True)
class WitnessKey:
    """A witness's public identity: its name (the key name of its lines) and its
    Ed25519 public key."""

    name: str
    public: bytes

    def __post_init__(self) -> None:
        if not _valid_name(self.name):
            raise VerifierKeyInvalid("witness name is empty or holds a space or '+'")
        if len(self.public) != _crypto.ED25519_PUBLIC:
            raise VerifierKeyInvalid("an Ed25519 public key is 32 bytes")

    @property
    def key_hash(self) -> bytes:
        """The 4-byte key ID that starts this witness's cosignatures."""
        return cosigner_key_hash(self.name, self.public)

    @property
    def vkey(self) -> str:
        """The verifier key "<name>+<hex key ID>+<base64(0x04 ‖ public key)>"."""
        encoded = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + self.public).decode("ascii")
        return f"{self.name}+{self.key_hash.hex()}+{encoded}"

    @classmethod
    def from_vkey(cls, vkey: str) -> WitnessKey:
        """Parse a witness vkey; `VerifierKeyInvalid` unless it is exact and of type 0x04."""
        name, _, rest = vkey.partition("+")
        hash_hex, _, key_b64 = rest.partition("+")
        if not _valid_name(name) or not re.fullmatch(r"[0-9a-f]{8}", hash_hex):
            raise VerifierKeyInvalid("witness vkey is not <name>+<8 hex digits>+<key>")
        try:
            key = _b64(key_b64, NoteMalformed)
        except NoteMalformed as exc:
            raise VerifierKeyInvalid("witness vkey data is not base64") from exc
        if len(key) != 1 + _crypto.ED25519_PUBLIC or key[0] != ALG_COSIGNATURE_V1:
            raise VerifierKeyInvalid("witness vkey is not an Ed25519 cosignature key (0x04)")
        if cosigner_key_hash(name, key[1:]) != bytes.fromhex(hash_hex):
            raise VerifierKeyInvalid("witness vkey hash does not match its name and key")
        return cls(name, key[1:])

    @classmethod
    def for_key(cls, name: str, key: SigningKey) -> WitnessKey:
        """The public identity of `key` cosigning as `name`."""
        return cls(name, key.public)

    def matches(self, sig: NoteSignature) -> bool:
        """Whether a signature line claims to be by this witness (name and key ID)."""
        return sig.name == self.name and sig.key_hash == self.key_hash


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The bytes a v1 cosignature signs: header line, time line, checkpoint text."""
    if not 0 < timestamp <= MAX_TIMESTAMP:
        raise CosignatureInvalid("cosignature timestamp must be in 1..2^63-1")
    return f"{COSIGNATURE_HEADER}\ntime {timestamp}\n{checkpoint_text}".encode()


def cosign(checkpoint: Checkpoint, name: str, key: SigningKey, timestamp: int) -> str:
    """The cosignature line (ending in a newline) of `key` as witness `name` on
    `checkpoint` at POSIX time `timestamp`."""
    witness = WitnessKey.for_key(name, key)
    signature = key.sign(cosigned_message(checkpoint.text(), timestamp))
    raw = witness.key_hash + timestamp.to_bytes(TIMESTAMP_SIZE, "big") + signature
    return f"{_SIG_PREFIX}{name} {base64.b64encode(raw).decode('ascii')}\n"


def verify_cosignature(text: str, sig: NoteSignature, witness: WitnessKey) -> int:
    """Check a cosignature line (parsed) by `witness` over checkpoint `text`; return its
    timestamp. `CosignatureInvalid` if it does not verify."""
    if not witness.matches(sig):
        raise CosignatureInvalid(f"signature line is not by witness {witness.name!r}")
    if len(sig.signature) != TIMESTAMP_SIZE + _crypto.ED25519_SIGNATURE:
        raise CosignatureInvalid(f"cosignature by {witness.name!r} has the wrong length")
    timestamp = int.from_bytes(sig.signature[:TIMESTAMP_SIZE], "big")
    message = cosigned_message(text, timestamp)
    if not verify_signature(witness.public, message, sig.signature[TIMESTAMP_SIZE:]):
        raise CosignatureInvalid(f"cosignature by {witness.name!r} does not verify")
    return timestamp


# --- quorum --------------------------------------------------------------------------


def count_cosignatures(note_bytes: bytes, witnesses: Sequence[WitnessKey]) -> set[str]:
    """The names of the trusted `witnesses` with a valid cosignature on the note.

    Lines by unknown keys (another name, or a known name with another key ID) are
    ignored, as signed-note says. A line that claims a trusted witness's name and key ID
    but does not verify rejects the whole note (`CosignatureInvalid`): signed-note says
    clients SHOULD, Go's `note.Open` does, and such a line is evidence that someone
    between the witness and us altered the note.
    """
    note = parse_note(note_bytes)
    valid: set[str] = set()
    for sig in note.signatures:
        for witness in witnesses:
            if witness.matches(sig):
                verify_cosignature(note.text, sig, witness)
                valid.add(witness.name)
    return valid


def verify_quorum(
    note_bytes: bytes,
    log_verifier: NoteVerifier,
    witnesses: Sequence[WitnessKey],
    k: int,
) -> Checkpoint:
    """Open a cosigned checkpoint: the log's signature must verify, and at least `k`
    distinct witnesses among `witnesses` must have cosigned it.

    A witness listed twice, or a witness with two lines, counts once. Raises the
    `open_checkpoint` errors for the log's signature, `CosignatureInvalid` for a line
    claiming a trusted witness that does not verify, and `QuorumNotMet(have, need)`.
    With k = 0 this is `open_checkpoint`.
    """
    if k < 0:
        raise ValueError("quorum must be at least 0")
    checkpoint = open_checkpoint(note_bytes, log_verifier)
    distinct = {(w.name, w.public): w for w in witnesses}
    if k > len({name for name, _ in distinct}):
        raise QuorumNotMet(0, k)
    have = len(count_cosignatures(note_bytes, list(distinct.values())))
    if have < k:
        raise QuorumNotMet(have, k)
    return checkpoint


def merge_signatures(note_bytes: bytes, lines: Iterable[str]) -> bytes:
    """The note with signature `lines` (each "— name base64\\n") appended, skipping
    lines it already carries; `NoteMalformed` if the result would not parse."""
    note = note_bytes.decode("utf-8")
    present = set(note.splitlines(keepends=True))
    extra = [line for line in dict.fromkeys(lines) if line not in present]
    merged = (note + "".join(extra)).encode()
    parse_note(merged)  # refuses a line that is not one, or too many of them
    return merged


# --- add-checkpoint ------------------------------------------------------------------


@dataclass(frozen=True)
class AddCheckpoint:
    """An add-checkpoint request: the size the client believes the witness holds, a
    consistency proof from it, and the signed checkpoint note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: bytes

    def encode(self) -> bytes:
        """The request body: "old N\\n", one base64 hash a line, an empty line, the note."""
        lines = [f"old {self.old_size}\n"]
        lines += [base64.b64encode(h).decode("ascii") + "\n" for h in self.proof]
        return "".join(lines).encode() + b"\n" + self.note

    @classmethod
    def parse(cls, body: bytes) -> AddCheckpoint:
        """Parse a request body; `AddCheckpointMalformed` unless it is exact."""
        if len(body) > MAX_REQUEST_BYTES:
            raise AddCheckpointMalformed(f"request is over {MAX_REQUEST_BYTES} bytes")
        head, sep, note = body.partition(b"\n\n")
        if not sep:
            raise AddCheckpointMalformed("request has no empty line before the checkpoint")
        try:
            lines = head.decode("ascii").split("\n")
        except UnicodeDecodeError as exc:
            raise AddCheckpointMalformed("old size and proof lines are not ASCII") from exc
        first, proof_lines = lines[0], lines[1:]
        if not first.startswith("old ") or not _DECIMAL.fullmatch(first[4:]):
            raise AddCheckpointMalformed("first line is not 'old <size>' in plain decimal")
        old_size = int(first[4:])
        if old_size >= 2**64:
            raise AddCheckpointMalformed("old size is out of range")
        if len(proof_lines) > MAX_PROOF_LINES:
            raise AddCheckpointMalformed(f"more than {MAX_PROOF_LINES} proof lines")
        proof = tuple(_b64(line, AddCheckpointMalformed) for line in proof_lines)
        if any(len(h) != HASH_SIZE for h in proof):
            raise AddCheckpointMalformed(f"a proof line is not a {HASH_SIZE}-byte hash")
        return cls(old_size, proof, note)


def parse_cosignature_response(body: bytes) -> list[str]:
    """The signature lines of a 200 answer to add-checkpoint (one or more lines, each
    "— name base64" and a newline); `WitnessResponseMalformed` otherwise."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WitnessResponseMalformed("answer is not UTF-8") from exc
    if not text.endswith("\n") or len(body) > MAX_NOTE_BYTES:
        raise WitnessResponseMalformed("answer is not newline-terminated signature lines")
    lines = text.splitlines(keepends=True)
    if not 0 < len(lines) <= MAX_SIGNATURES:
        raise WitnessResponseMalformed("answer holds no signature line, or too many")
    for line in lines:
        name, sep, encoded = line[len(_SIG_PREFIX) : -1].partition(" ")
        if not line.startswith(_SIG_PREFIX) or not sep or not _valid_name(name):
            raise WitnessResponseMalformed("answer line is not '— <name> <base64>'")
        if len(_b64(encoded, WitnessResponseMalformed)) <= KEY_HASH_SIZE:
            raise WitnessResponseMalformed("signature in the answer is too short")
    return lines


def format_size(size: int) -> bytes:
    """The body of a 409 answer: the witness's latest size in decimal and a newline."""
    return f"{size}\n".encode()


def parse_size(body: bytes) -> int:
    """The size in a 409 answer; `WitnessResponseMalformed` unless "<decimal>\\n"."""
    text = body.decode("ascii", errors="replace")
    if not text.endswith("\n") or not _DECIMAL.fullmatch(text[:-1]):
        raise WitnessResponseMalformed("conflict answer is not a tree size line")
    return int(text[:-1])


__all__ = [
    "ALG_COSIGNATURE_V1",
    "COSIGNATURE_HEADER",
    "MAX_PROOF_LINES",
    "MAX_REQUEST_BYTES",
    "SIZE_CONTENT_TYPE",
    "AddCheckpoint",
    "AddCheckpointMalformed",
    "CosignatureInvalid",
    "QuorumNotMet",
    "WitnessError",
    "WitnessKey",
    "WitnessResponseMalformed",
    "cosign",
    "cosigned_message",
    "cosigner_key_hash",
    "count_cosignatures",
    "format_size",
    "merge_signatures",
    "parse_cosignature_response",
    "parse_size",
    "verify_cosignature",
    "verify_quorum",
]
