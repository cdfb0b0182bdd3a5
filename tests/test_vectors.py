"""Replay the committed envelope vectors: spec, vectors and code agree."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from schemas.directory import (
    AuthorityRecord,
    Directory,
    KeyRecord,
    sign_head,
    sign_record,
)
from schemas.envelope import open_envelope, parse
from schemas.errors import (
    InnerSignatureInvalid,
    KindMismatch,
    OuterSignatureInvalid,
    ProtocolError,
)
from schemas.keys import AuthorityKeys, EncryptionKey, SigningKey
from schemas.kinds import encode_message_json
from schemas.replay import SeenSet

HERE = Path(__file__).parent / "vectors"
FILE = json.loads((HERE / "envelopes.json").read_text())
VECTORS = {v["name"]: v for v in FILE["vectors"]}
CODES = {
    "malformed",
    "too_large",
    "unknown_authority",
    "authority_inactive",
    "unknown_key",
    "key_invalid",
    "bad_signature",
    "tampered",
    "not_yet_valid",
    "expired",
    "not_a_recipient",
    "wrong_key",
    "replay",
}
"""Every error code docs/wire-format.md §8 names for a recipient."""
SUBCLASS = {
    "outer-signature-flipped": OuterSignatureInvalid,
    "outer-signature-by-impostor": OuterSignatureInvalid,
    "recipients-edited": OuterSignatureInvalid,
    "inner-signature-by-impostor": InnerSignatureInvalid,
    "kind-mismatch": KindMismatch,
    "receipt-binding-differs-from-body": KindMismatch,
}
"""Where this implementation says more than the code, the class it raises."""
VECTOR_FIELDS = {
    "name",
    "description",
    "outcome",
    "recipient",
    "accepted_ms",
    "envelope",
    "append_zeros",
    "replay_of",
    "body",
}
"""Every field a vector may have; docs/wire-format.md §14 describes each."""


def party(name: str) -> AuthorityKeys:
    p = FILE["parties"][name]
    return AuthorityKeys(
        p["authority"],
        SigningKey(bytes.fromhex(p["signing_seed"])),
        EncryptionKey(bytes.fromhex(p["encryption_secret"])),
    )


def directory() -> Directory:
    """The file's directory as a verified `Directory`, signed here by a throwaway root;
    its clock is the vectors' creation time (key validity is judged at acceptance)."""
    root = SigningKey(bytes(32))
    signed = [
        sign_record(
            root,
            AuthorityRecord(
                id=entry["authority"],
                name=entry["authority"],
                country=entry["authority"][:2].upper(),
                roles=["police"],
                networks=[],
                keys=[
                    KeyRecord(
                        k["use"],
                        bytes.fromhex(k["key_id"]),
                        bytes.fromhex(k["public"]),
                        k["not_before_ms"],
                        k["not_after_ms"],
                    )
                    for k in entry["keys"]
                ],
                status=entry["status"],
                serial=1,
                issued_ms=FILE["created_ms"],
            ),
        )
        for entry in FILE["directory"]
    ]
    view = Directory(root.public, lambda: FILE["created_ms"])
    for record in signed:
        view.apply_record(record)
    view.apply_head(sign_head(root, signed, serial=1, now_ms=FILE["created_ms"] - 3_600_000))
    return view


DIRECTORY = directory()


def envelope(vector: dict[str, Any]) -> bytes:
    return bytes.fromhex(vector["envelope"]) + bytes(vector.get("append_zeros", 0))


def receive(vector: dict[str, Any], seen: SeenSet) -> Any:
    opened = open_envelope(
        envelope(vector),
        recipient=party(vector["recipient"]),
        resolve=DIRECTORY.signing_key,
        accepted_ms=vector["accepted_ms"],
    )
    seen.record(opened.binding.sender, opened.binding.message_id, opened.hash)
    return opened


def test_vector_set_covers_every_code() -> None:
    """The file holds a success and at least one vector of each error code."""
    assert {v["outcome"] for v in FILE["vectors"]} == CODES | {"success"}


def test_vectors_have_only_documented_fields() -> None:
    """Every vector uses only the fields the spec documents, and has a description."""
    for vector in FILE["vectors"]:
        assert set(vector) <= VECTOR_FIELDS, vector["name"]
        assert vector["description"]
        assert ("body" in vector) == (vector["outcome"] == "success")


@pytest.mark.parametrize("name", list(VECTORS))
def test_vector(name: str) -> None:
    """Each vector opens to its body, or fails with exactly the error code it names."""
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
    assert info.value.code == vector["outcome"]
    if name in SUBCLASS:
        assert type(info.value) is SUBCLASS[name]


def test_success_bodies_hold_no_victim_identity() -> None:
    """The vectors' victims carry pseudonyms only: no names, no phone numbers."""
    for vector in FILE["vectors"]:
        if vector["outcome"] == "success":
            text = json.dumps(vector["body"])
            assert "Okafor" not in text
            assert "803" not in text
            if vector["body"]["kind"] == "case_referral":
                assert vector["body"]["victims"][0]["pseudonyms"]


def test_body_vectors_fail_only_on_the_body() -> None:
    """The non-canonical body vectors pass every check up to the body: the envelope,
    signatures and padding are sound, so the body encoding alone is refused."""
    for name in ("body-duplicate-key", "body-default-written", "body-fields-out-of-order"):
        with pytest.raises(ProtocolError, match="message body is not in canonical encoding"):
            receive(VECTORS[name], SeenSet())


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
