"""C2SP signed notes and tlog checkpoints (https://c2sp.org/signed-note,
https://c2sp.org/tlog-checkpoint), as Go's `golang.org/x/mod/sumdb/note` writes them.

A signed note is text ending in a newline, a blank line, then signature lines
"— <key name> <base64(4-byte key hash ‖ 64-byte Ed25519 signature)>". The signature
covers the text including its final newline. The key hash is the first four bytes of
SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key), and a verifier key is published as
"<name>+<hex key hash>+<base64(0x01 ‖ public key)>".

A checkpoint is a note whose text is "<origin>\\n<tree size>\\n<base64 root>\\n", signed
with the log's own key whose key name is the origin. Parsing is strict (canonical
base64, decimal without leading zeros, no control characters) so that one checkpoint
has exactly one text, and a verifier never reads a field a signer did not mean.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Final

from . import _crypto
from .errors import ProtocolError, SignatureInvalid
from .keys import SigningKey, verify_signature
from .tlog import HASH_SIZE

ALG_ED25519: Final = 0x01
KEY_HASH_SIZE: Final = 4
# Go's note.Open stops at 100 signatures; the spec asks verifiers to accept at least
# 16. A cap keeps a hostile note from costing unbounded verification time.
MAX_SIGNATURES: Final = 100
MAX_NOTE_BYTES: Final = 64 * 1024
_SIG_PREFIX: Final = "— "  # em dash U+2014, space
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class NoteError(ProtocolError):
    """Base class of signed-note and checkpoint failures."""

    code = "note_invalid"


class NoteMalformed(NoteError):
    """Bytes that are not a well-formed signed note."""

    code = "note_malformed"


class CheckpointMalformed(NoteMalformed):
    """A note text that is not a well-formed tlog checkpoint."""

    code = "checkpoint_malformed"


class VerifierKeyInvalid(NoteError):
    """A verifier key string that does not parse or whose key hash does not match."""

    code = "vkey_invalid"


class NoteSignatureInvalid(NoteError, SignatureInvalid):
    """A signature line from the trusted key that does not verify."""

    code = "bad_signature"


class NoteUnverified(NoteError):
    """A well-formed note with no signature from the trusted key."""

    code = "note_unverified"


def _valid_name(name: str) -> bool:
    """Key names are non-empty and hold neither Unicode spaces nor '+'."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def _b64decode(text: str) -> bytes:
    """Standard base64, accepted only in its one canonical form."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise NoteMalformed("invalid base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise NoteMalformed("non-canonical base64")
    return raw


def key_hash(name: str, public: bytes) -> bytes:
    """The 4-byte key hash of an Ed25519 key: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public)[:4]."""
    return _crypto.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public)[:KEY_HASH_SIZE]


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted Ed25519 note key: name, key hash and public key."""

    name: str
    public: bytes

    def __post_init__(self) -> None:
        if not _valid_name(self.name):
            raise VerifierKeyInvalid("key name is empty or holds a space or '+'")
        if len(self.public) != _crypto.ED25519_PUBLIC:
            raise VerifierKeyInvalid("an Ed25519 public key is 32 bytes")

    @property
    def key_hash(self) -> bytes:
        """The 4-byte key hash that prefixes this key's signatures."""
        return key_hash(self.name, self.public)

    @property
    def vkey(self) -> str:
        """The published verifier key string "<name>+<hex hash>+<base64(0x01 ‖ key)>"."""
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self.public).decode("ascii")
        return f"{self.name}+{self.key_hash.hex()}+{encoded}"

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse a verifier key string; `VerifierKeyInvalid` unless it is exact."""
        name, _, rest = vkey.partition("+")
        hash_hex, _, key_b64 = rest.partition("+")
        if not _valid_name(name) or not re.fullmatch(r"[0-9a-f]{8}", hash_hex):
            raise VerifierKeyInvalid("verifier key is not <name>+<8 hex digits>+<key>")
        try:
            key = _b64decode(key_b64)
        except NoteMalformed as exc:
            raise VerifierKeyInvalid("verifier key data is not base64") from exc
        if len(key) != 1 + _crypto.ED25519_PUBLIC or key[0] != ALG_ED25519:
            raise VerifierKeyInvalid("verifier key is not an Ed25519 key")
        if key_hash(name, key[1:]) != bytes.fromhex(hash_hex):
            raise VerifierKeyInvalid("verifier key hash does not match its name and key")
        return cls(name, key[1:])

    @classmethod
    def for_key(cls, name: str, key: SigningKey) -> NoteVerifier:
        """The verifier of `key` under `name`."""
        return cls(name, key.public)


def verifier_key(name: str, key: SigningKey) -> str:
    """The vkey string to publish for `key` signing under `name`."""
    return NoteVerifier.for_key(name, key).vkey


@dataclass(frozen=True)
class NoteSignature:
    """One parsed signature line."""

    name: str
    key_hash: bytes
    signature: bytes


@dataclass(frozen=True)
class Note:
    """An opened note: its text and every signature line it carried."""

    text: str
    signatures: tuple[NoteSignature, ...]


def sign_note(text: str, name: str, key: SigningKey) -> bytes:
    """Sign `text` (ending in a newline) as a note with one signature by `key` as `name`."""
    if not text.endswith("\n"):
        raise NoteMalformed("note text must end with a newline")
    _check_characters(text)
    verifier = NoteVerifier.for_key(name, key)
    signature = key.sign(text.encode())
    encoded = base64.b64encode(verifier.key_hash + signature).decode("ascii")
    return f"{text}\n{_SIG_PREFIX}{name} {encoded}\n".encode()


def _check_characters(text: str) -> None:
    if any(c < " " and c != "\n" for c in text):
        raise NoteMalformed("note holds a control character")


def parse_note(message: bytes) -> Note:
    """Split a signed note into text and signature lines without verifying anything."""
    if len(message) > MAX_NOTE_BYTES:
        raise NoteMalformed(f"note is over {MAX_NOTE_BYTES} bytes")
    try:
        whole = message.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteMalformed("note is not UTF-8") from exc
    _check_characters(whole)
    split = whole.rfind("\n\n")
    if split < 0:
        raise NoteMalformed("note has no blank line before its signatures")
    text, block = whole[: split + 1], whole[split + 2 :]
    if not block.endswith("\n"):
        raise NoteMalformed("note does not end with a signature line")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteMalformed(f"note has more than {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise NoteMalformed("signature line does not start with an em dash and a space")
        name, sep, encoded = line[len(_SIG_PREFIX) :].partition(" ")
        if not sep or not _valid_name(name):
            raise NoteMalformed("signature line has no valid key name")
        raw = _b64decode(encoded)
        if len(raw) <= KEY_HASH_SIZE:
            raise NoteMalformed("signature is too short")
        signatures.append(NoteSignature(name, raw[:KEY_HASH_SIZE], raw[KEY_HASH_SIZE:]))
    return Note(text, tuple(signatures))


def open_note(message: bytes, verifier: NoteVerifier) -> Note:
    """Parse `message` and verify its signature by `verifier`; return the note.

    As the spec says, signatures by other keys are ignored, a signature by the trusted
    key that fails rejects the whole note (`NoteSignatureInvalid`), and a note with no
    signature by the trusted key is rejected (`NoteUnverified`).
    """
    note = parse_note(message)
    verified = False
    for sig in note.signatures:
        if sig.name != verifier.name or sig.key_hash != verifier.key_hash:
            continue
        if not verify_signature(verifier.public, note.text.encode(), sig.signature):
            raise NoteSignatureInvalid(f"signature by {verifier.name!r} does not verify")
        verified = True
    if not verified:
        raise NoteUnverified(f"note carries no signature by {verifier.name!r}")
    return note


# --- checkpoints ---------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, tree size and RFC 6962 root hash."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointMalformed("origin must be one non-empty line")
        if not 0 <= self.size < 2**64:
            raise CheckpointMalformed("tree size is out of range")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointMalformed(f"root hash must be {HASH_SIZE} bytes")
        if any(not ext or "\n" in ext for ext in self.extensions):
            raise CheckpointMalformed("extension lines must be non-empty single lines")

    def text(self) -> str:
        """The checkpoint's note text."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode("ascii")]
        return "".join(f"{line}\n" for line in (*lines, *self.extensions))

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text; `CheckpointMalformed` unless it is exact."""
        if not text.endswith("\n"):
            raise CheckpointMalformed("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or any(not line for line in lines):
            raise CheckpointMalformed("checkpoint needs origin, size and root on their own lines")
        origin, size, root_b64, *extensions = lines
        if not _DECIMAL.fullmatch(size):
            raise CheckpointMalformed("tree size is not a decimal without leading zeros")
        try:
            root_hash = _b64decode(root_b64)
        except NoteMalformed as exc:
            raise CheckpointMalformed("root hash is not canonical base64") from exc
        return cls(origin, int(size), root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, key: SigningKey) -> bytes:
    """The signed checkpoint note, signed by `key` with the origin as key name."""
    if not _valid_name(checkpoint.origin):
        raise CheckpointMalformed("origin must be a valid key name (no spaces or '+')")
    return sign_note(checkpoint.text(), checkpoint.origin, key)


def open_checkpoint(message: bytes, verifier: NoteVerifier) -> Checkpoint:
    """Verify a signed checkpoint against the log's key and parse it.

    The log's key name must be the checkpoint's origin, so one log's key cannot vouch
    for a tree head that claims to be another log's.
    """
    note = open_note(message, verifier)
    checkpoint = Checkpoint.parse(note.text)
    if checkpoint.origin != verifier.name:
        raise CheckpointMalformed("checkpoint origin is not the log key's name")
    return checkpoint
