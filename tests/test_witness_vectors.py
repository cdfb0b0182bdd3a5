"""Witness cosignatures and add-checkpoint bodies: the committed vectors
(tests/vectors/witness.json), checked against our code and, for the bytes, against
hashlib and PyNaCl directly; and the example of the tlog-cosignature spec."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import VerifyKey

from schemas.keys import SigningKey
from schemas.note import (
    Checkpoint,
    NoteError,
    NoteMalformed,
    NoteUnverified,
    NoteVerifier,
    VerifierKeyInvalid,
    parse_note,
)
from schemas.witness import (
    AddCheckpoint,
    AddCheckpointMalformed,
    CosignatureInvalid,
    QuorumNotMet,
    WitnessKey,
    cosign,
    parse_cosignature_response,
    parse_size,
    verify_quorum,
)

HERE = Path(__file__).parent / "vectors"
FILE: dict[str, Any] = json.loads((HERE / "witness.json").read_text(encoding="utf-8"))
LOG = NoteVerifier.from_vkey(FILE["log"]["vkey"])
WITNESSES = [WitnessKey.from_vkey(v) for v in FILE["witnesses"]]
ERRORS: dict[str, type[Exception]] = {
    "quorum-not-met": QuorumNotMet,
    "bad-signature": CosignatureInvalid,
    "log-unverified": NoteUnverified,
    "malformed": NoteMalformed,
}


@pytest.mark.parametrize("vector", FILE["cosignatures"], ids=lambda v: v["witness"])
def test_cosignature_bytes(vector: dict[str, Any]) -> None:
    """Key ID, vkey, signed message and line follow tlog-cosignature byte for byte:
    ID = SHA-256(name ‖ LF ‖ 0x04 ‖ key)[:4], line = ID ‖ u64be time ‖ Ed25519 sig."""
    public = bytes.fromhex(vector["public_hex"])
    name = vector["witness"]
    key_id = hashlib.sha256(name.encode() + b"\n\x04" + public).digest()[:4]
    assert key_id.hex() == vector["key_id_hex"]
    b64key = base64.b64encode(b"\x04" + public).decode()
    assert vector["vkey"] == f"{name}+{key_id.hex()}+{b64key}"
    assert vector["signed_message"] == (
        f"cosignature/v1\ntime {vector['timestamp']}\n{vector['checkpoint']}"
    )
    prefix, encoded = vector["line"].removesuffix("\n").rsplit(" ", 1)
    assert prefix == f"— {name}"
    raw = base64.b64decode(encoded)
    assert len(raw) == 4 + 8 + 64
    assert raw[:4] == key_id
    assert int.from_bytes(raw[4:12], "big") == vector["timestamp"]
    VerifyKey(public).verify(vector["signed_message"].encode(), raw[12:])  # raises if bad
    # And our code makes exactly these bytes from the seed.

    key = SigningKey(bytes.fromhex(vector["seed_hex"]))
    checkpoint = Checkpoint.parse(vector["checkpoint"])
    assert cosign(checkpoint, name, key, vector["timestamp"]) == vector["line"]
    assert WitnessKey.from_vkey(vector["vkey"]).public == public


@pytest.mark.parametrize("vector", FILE["quorum"], ids=lambda v: v["name"])
def test_quorum_vector(vector: dict[str, Any]) -> None:
    """Each cosigned note gives the outcome it names for a client trusting the three
    witnesses with quorum k."""
    note = vector["note"].encode()
    if vector["expected"] == "success":
        checkpoint = verify_quorum(note, LOG, WITNESSES, vector["k"])
        assert checkpoint.origin == FILE["log"]["origin"]
        return
    with pytest.raises(ERRORS[vector["expected"]]) as caught:
        verify_quorum(note, LOG, WITNESSES, vector["k"])
    if isinstance(caught.value, QuorumNotMet):
        assert (caught.value.have, caught.value.need) == (1, vector["k"])


@pytest.mark.parametrize("vector", FILE["add_checkpoint"], ids=lambda v: v["name"])
def test_add_checkpoint_vector(vector: dict[str, Any]) -> None:
    """Request bodies parse to their old size and proof, or are refused as malformed;
    a parsed body encodes back to the same bytes."""
    body = vector["body"].encode()
    if vector["expected"] == "malformed":
        with pytest.raises(AddCheckpointMalformed):
            AddCheckpoint.parse(body)
        return
    request = AddCheckpoint.parse(body)
    assert request.old_size == vector["old_size"]
    assert [base64.b64encode(h).decode() for h in request.proof] == vector["proof"]
    assert request.encode() == body
    assert parse_note(request.note).text.startswith(FILE["log"]["origin"] + "\n")


def test_spec_example_cosignature_line() -> None:
    """The cosignature in tlog-cosignature's example parses as a type-0x04 line whose
    timestamp is the spec's `time 1679315147`."""
    example = (
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
        "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u"
        "5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
        "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dl"
        "rDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n".encode()
    )
    cosig = parse_note(example).signatures[1]
    assert cosig.name == "witness.example.com/w1"
    assert len(cosig.signature) == 8 + 64
    assert int.from_bytes(cosig.signature[:8], "big") == 1679315147
    lines = parse_cosignature_response(example.split(b"\n\n")[1])
    assert len(lines) == 2


def test_response_and_size_parsing() -> None:
    """A 409 body is a decimal and a newline; a 200 body is signature lines only."""
    assert parse_size(b"20852014\n") == 20852014
    for bad in (b"012\n", b"12", b"-1\n", b"12\n\n"):
        with pytest.raises(NoteMalformed):
            parse_size(bad)
    for bad in (b"", b"not a line\n", "— name\n".encode(), "— n QUJD\n— m".encode()):
        with pytest.raises(NoteMalformed):
            parse_cosignature_response(bad)


def test_witness_vkey_refuses_other_types() -> None:
    """A log vkey (type 0x01) is not a witness vkey, nor a vkey with a wrong hash."""

    with pytest.raises(VerifierKeyInvalid):
        WitnessKey.from_vkey(FILE["log"]["vkey"])
    name, key_id, data = FILE["witnesses"][0].split("+")
    with pytest.raises(VerifierKeyInvalid):
        WitnessKey.from_vkey(f"{name}+00000000+{data}")
    assert key_id


def test_generator_reproduces_file() -> None:
    """Re-running the committed generator gives the committed file byte for byte."""
    spec = importlib.util.spec_from_file_location("witness_vectors", HERE / "generate_witness.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render() == (HERE / "witness.json").read_bytes()


@settings(max_examples=150, deadline=None)
@given(
    old=st.integers(0, 2**64 - 1),
    proof=st.lists(st.binary(min_size=32, max_size=32), max_size=63),
    note=st.binary(max_size=200),
)
def test_add_checkpoint_round_trips(old: int, proof: list[bytes], note: bytes) -> None:
    """Any old size and proof of up to 63 hashes encodes to a body that parses back."""
    request = AddCheckpoint(old, tuple(proof), note)
    assert AddCheckpoint.parse(request.encode()) == request


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=400))
def test_random_bytes_fail_with_our_errors_only(body: bytes) -> None:
    """Random request bodies, answers and notes are refused with our own errors only."""
    for parse in (AddCheckpoint.parse, parse_cosignature_response, parse_size):
        with contextlib.suppress(NoteMalformed):
            parse(body)
    with contextlib.suppress(NoteError):
        verify_quorum(body, LOG, WITNESSES, 1)
