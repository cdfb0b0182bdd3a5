"""C2SP signed notes and tlog checkpoints, including Go sumdb/note known answers."""

from __future__ import annotations

import base64

import pytest

from schemas import note as notes
from schemas.keys import SigningKey
from schemas.note import (
    Checkpoint,
    CheckpointMalformed,
    NoteMalformed,
    NoteSignatureInvalid,
    NoteUnverified,
    NoteVerifier,
    VerifierKeyInvalid,
)

# Known answers from golang.org/x/mod/sumdb/note (note_test.go TestSign/TestOpen and the
# package documentation): the key pair, the text, and the note Go's Sign produces.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfq"
    "dngotpRZb6KE6RyyBwJnAM=\n"
)
GO_ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWL"
    "ox33WWd1RvMc+QQ=\n"
)

ORIGIN = "palermo.example/audit"
KEY = SigningKey(bytes(range(32)))
VERIFIER = NoteVerifier.for_key(ORIGIN, KEY)
ROOT = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")


def _go_key() -> SigningKey:
    """The Ed25519 seed inside Go's encoded signer key (after the algorithm byte)."""
    return SigningKey(base64.b64decode(GO_SKEY.split("+", 4)[4])[1:])


def test_go_signer_key_gives_go_vkey_and_byte_identical_note() -> None:
    """Signing Go's known text with Go's known key reproduces Go's note and vkey exactly."""
    key = _go_key()
    assert notes.verifier_key("PeterNeumann", key) == GO_VKEY
    assert notes.sign_note(GO_TEXT, "PeterNeumann", key) == (GO_TEXT + "\n" + GO_PETER_SIG).encode()


def test_go_note_with_two_signatures_opens_with_either_key() -> None:
    """Go's doubly signed note verifies under each key; the other signature is ignored."""
    message = (GO_TEXT + "\n" + GO_PETER_SIG + GO_ENOCH_SIG).encode()
    for vkey, name in ((GO_VKEY, "PeterNeumann"), (GO_ENOCH_VKEY, "EnochRoot")):
        opened = notes.open_note(message, NoteVerifier.from_vkey(vkey))
        assert opened.text == GO_TEXT
        assert [s.name for s in opened.signatures] == ["PeterNeumann", "EnochRoot"]
        assert name in {s.name for s in opened.signatures}


def test_go_malformed_notes_are_rejected() -> None:
    """The malformed inputs of Go's TestOpen are each NoteMalformed."""
    verifier = NoteVerifier.from_vkey(GO_VKEY)
    bad = [
        GO_TEXT,
        GO_TEXT + "\n",
        GO_TEXT + "\n" + GO_PETER_SIG[:-1],
        "\x01" + GO_TEXT + "\n" + GO_PETER_SIG,
        GO_TEXT + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2p"
        "ZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        GO_TEXT + "\n" + GO_PETER_SIG + "Unexpected line.\n",
        GO_TEXT + "\n" + GO_PETER_SIG * 101,
    ]
    for message in bad:
        with pytest.raises(NoteMalformed):
            notes.open_note(message.encode(), verifier)
    with pytest.raises(NoteMalformed):
        notes.open_note(b"\xff" + (GO_TEXT + "\n" + GO_PETER_SIG).encode(), verifier)


def test_go_corrupted_signature_is_rejected() -> None:
    """Go's 'invalid signature' case: bytes spliced into the trusted signature."""
    sig = GO_PETER_SIG[:60] + "ABCD" + GO_PETER_SIG[60:]
    with pytest.raises(NoteSignatureInvalid):
        notes.open_note((GO_TEXT + "\n" + sig).encode(), NoteVerifier.from_vkey(GO_VKEY))


def test_vkey_round_trip_and_manglings_rejected() -> None:
    """A vkey parses back to the same key; every truncation and one-character change of
    Go's known vkey is rejected, as in Go's TestNewVerifier."""
    assert NoteVerifier.from_vkey(VERIFIER.vkey) == VERIFIER
    assert VERIFIER.vkey.startswith(f"{ORIGIN}+{notes.key_hash(ORIGIN, KEY.public).hex()}+")
    b = GO_VKEY
    for i in range(len(b)):
        for j in range(i + 1, len(b) + 1):
            if (i, j) != (0, len(b)):
                with pytest.raises(VerifierKeyInvalid):
                    NoteVerifier.from_vkey(b[i:j])
    for i in range(len(b)):
        mangled = b[:i] + chr(ord(b[i]) + 1) + b[i + 1 :]
        with pytest.raises(VerifierKeyInvalid):
            NoteVerifier.from_vkey(mangled)


def test_checkpoint_signs_and_opens() -> None:
    """A checkpoint signed here opens under its vkey to the same tree head."""
    checkpoint = Checkpoint(ORIGIN, 8, ROOT)
    signed = notes.sign_checkpoint(checkpoint, KEY)
    text = signed.decode()
    assert text.startswith(f"{ORIGIN}\n8\n{base64.b64encode(ROOT).decode()}\n\n— {ORIGIN} ")
    assert notes.open_checkpoint(signed, NoteVerifier.from_vkey(VERIFIER.vkey)) == checkpoint


def test_tampered_checkpoints_fail() -> None:
    """Changing the size, the root, the signature or the key name fails verification."""
    signed = notes.sign_checkpoint(Checkpoint(ORIGIN, 8, ROOT), KEY).decode()
    body, sig_line = signed.split("\n\n")
    with pytest.raises(NoteSignatureInvalid):
        notes.open_checkpoint(body.replace("\n8\n", "\n9\n").encode() + b"\n\n" +
                              sig_line.encode(), VERIFIER)  # fmt: skip
    other_root = base64.b64encode(bytes(32)).decode()
    forged_body = body.replace(base64.b64encode(ROOT).decode(), other_root)
    with pytest.raises(NoteSignatureInvalid):
        notes.open_checkpoint(f"{forged_body}\n\n{sig_line}".encode(), VERIFIER)
    prefix, encoded = sig_line.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 1
    flipped = f"{prefix} {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteSignatureInvalid):
        notes.open_checkpoint(f"{body}\n\n{flipped}".encode(), VERIFIER)
    renamed = sig_line.replace(ORIGIN, "other.example/audit")
    with pytest.raises(NoteUnverified):
        notes.open_checkpoint(f"{body}\n\n{renamed}".encode(), VERIFIER)


def test_forged_checkpoint_by_another_key_is_unverified() -> None:
    """A checkpoint signed under the log's name by a different key is not accepted."""
    forged = notes.sign_checkpoint(Checkpoint(ORIGIN, 8, ROOT), SigningKey(bytes(32)))
    with pytest.raises(NoteUnverified):
        notes.open_checkpoint(forged, VERIFIER)


def test_checkpoint_origin_must_match_key_name() -> None:
    """A checkpoint whose origin is not the verifier's key name is rejected."""
    text = Checkpoint("other.example/log", 1, ROOT).text()
    signed = notes.sign_note(text, ORIGIN, KEY)
    with pytest.raises(CheckpointMalformed):
        notes.open_checkpoint(signed, VERIFIER)


@pytest.mark.parametrize(
    "text",
    [
        f"{ORIGIN}\n08\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n-1\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n8\n{base64.b64encode(ROOT[:31]).decode()}\n",
        f"{ORIGIN}\n8\n{base64.b64encode(ROOT).decode().rstrip('=')}\n",
        f"{ORIGIN}\n8\n",
        f"{ORIGIN}\n8\n{base64.b64encode(ROOT).decode()}\n\n",
        f"\n8\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n٨\n{base64.b64encode(ROOT).decode()}\n",
    ],
    ids=["leading-zero", "negative", "short-root", "unpadded", "no-root", "empty-extension",
         "empty-origin", "arabic-digit"],
)  # fmt: skip
def test_malformed_checkpoint_texts(text: str) -> None:
    """Checkpoint texts that bend the format are CheckpointMalformed."""
    with pytest.raises(CheckpointMalformed):
        Checkpoint.parse(text)


def test_checkpoint_extensions_round_trip() -> None:
    """Extension lines are kept in order and signed with the rest."""
    checkpoint = Checkpoint(ORIGIN, 0, ROOT, ("ext one", "ext two"))
    assert Checkpoint.parse(checkpoint.text()) == checkpoint
