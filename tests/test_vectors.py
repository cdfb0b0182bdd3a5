"""Replay the committed envelope vectors: spec, vectors and code agree."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from schemas.envelope import open_envelope, parse
from schemas.errors import ProtocolError, UnknownKey
from schemas.keys import AuthorityKeys, EncryptionKey, SigningKey
from schemas.kinds import encode_message_json
from schemas.replay import SeenSet

HERE = Path(__file__).parent / "vectors"
FILE = json.loads((HERE / "envelopes.json").read_text())
VECTORS = {v["name"]: v for v in FILE["vectors"]}
OUTCOMES = {
    "success",
    "bad-signature",
    "tampered",
    "wrong-recipient",
    "wrong-key",
    "expired",
    "not-yet-valid",
    "malformed",
    "replay",
}


def party(name: str) -> AuthorityKeys:
    p = FILE["parties"][name]
    return AuthorityKeys(
        p["authority"],
        SigningKey(bytes.fromhex(p["signing_seed"])),
        EncryptionKey(bytes.fromhex(p["encryption_secret"])),
    )


def resolve(authority: str, key_id: bytes, _at_ms: int) -> bytes:
    for name in FILE["parties"]:
        keys = party(name)
        if keys.authority == authority and keys.signing.key_id == key_id:
            return keys.signing.public
    raise UnknownKey(f"{authority} has no key {key_id.hex()}")


def receive(vector: dict[str, Any], seen: SeenSet) -> Any:
    data = bytes.fromhex(vector["envelope"])
    opened = open_envelope(
        data,
        recipient=party(vector["recipient"]),
        resolve=resolve,
        accepted_ms=vector["accepted_ms"],
    )
    seen.record(opened.binding.sender, opened.binding.message_id, opened.hash)
    return opened


def test_vector_set_covers_every_outcome() -> None:
    """The file holds at least one vector of each named outcome."""
    assert {v["outcome"] for v in FILE["vectors"]} == OUTCOMES


@pytest.mark.parametrize("name", list(VECTORS))
def test_vector(name: str) -> None:
    """Each vector opens to its body, or fails with exactly the error class it names."""
    vector = VECTORS[name]
    seen = SeenSet()
    if "replay_of" in vector:
        receive(VECTORS[vector["replay_of"]], seen)
    if vector["outcome"] == "success":
        opened = receive(vector, seen)
        assert json.loads(encode_message_json(opened.body)) == vector["body"]
        return
    with pytest.raises(ProtocolError) as info:
        receive(vector, seen)
    assert type(info.value).__name__ == vector["error"]


def test_success_bodies_hold_no_victim_identity() -> None:
    """The vectors' victims carry pseudonyms only: no names, no phone numbers."""
    for vector in FILE["vectors"]:
        if vector["outcome"] == "success":
            text = json.dumps(vector["body"])
            assert "Okafor" not in text
            assert "803" not in text
            assert vector["body"]["victims"][0]["pseudonyms"]


def test_success_binding_fields() -> None:
    """A success vector's binding decodes with the fields the generator set."""
    binding = parse(bytes.fromhex(VECTORS["success-single"]["envelope"])).binding
    assert (binding.sender, binding.handling, binding.priority) == ("ng-naptip", "H2", "urgent")
    assert binding.created_ms == FILE["created_ms"]
    assert [(r.authority, r.key_id) for r in binding.recipients] == [
        ("it-dna", party("it").encryption.key_id)
    ]


def test_generator_reproduces_file() -> None:
    """Re-running the committed generator gives the committed file byte for byte."""
    spec = importlib.util.spec_from_file_location("vector_generator", HERE / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render() == (HERE / "envelopes.json").read_bytes()
