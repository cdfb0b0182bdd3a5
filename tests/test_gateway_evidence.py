"""Evidence at the gateway: the exact signed bytes are stored, exported and verified
offline against the directory alone; tampering with any of them is refused."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from base64 import b64decode, b64encode
from pathlib import Path

import msgspec
import pytest
from nats.aio.client import Client

from broker.natsserver import NatsServer
from clients.cli import main
from clients.gateway_client import GatewayClient, GatewayError, NotFound
from clients.gateway_config import ConfigError
from clients.gateway_evidence import EvidenceInvalid, load_directory_export
from clients.gateway_schema import StoredMessage
from clients.gateway_store import _SCHEMA, SCHEMA_VERSION, MessageStore
from schemas import _crypto
from schemas.envelope import envelope_hash, now_ms
from schemas.kinds import CaseReferral, decode_message, encode_message, encode_message_json
from schemas.wire import VERSION, Binding, Recipient

from . import forge
from .brokerkit import Harness, running_broker
from .test_gateway import KEYS, A, B, config, eventually, gateway, world

SUMMARY = "Three recruits moved through Agadez in March; the driver is known to us."


def forged_envelope(h: Harness) -> tuple[bytes, bytes, bytes]:
    """A referral from A to B assembled by the independent encoder: (envelope, binding
    bytes, body bytes)."""
    body = encode_message(CaseReferral(summary=SUMMARY))
    content_key = _crypto.random_bytes(32)
    created = now_ms()
    keys_a, keys_b = h.keys[A], h.keys[B]
    binding = Binding(
        VERSION, _crypto.random_bytes(16), "case_referral", A, keys_a.signing.key_id,
        [Recipient(B, keys_b.encryption.key_id)], _crypto.random_bytes(16), 0, None,
        created, created + 3_600_000, "routine", "H1", "none", None, [], None, None,
        forge.commitment(content_key),
    )  # fmt: skip
    data = forge.assemble(
        binding, body, content_key=content_key,
        recipients_public=[keys_b.encryption.public],
        inner_signer=keys_a.signing, outer_signer=keys_a.signing,
    )  # fmt: skip
    return data, forge.enc.encode(binding), body


async def cli(*argv: str) -> int:
    """`palermo ARGV` in a thread (the commands run their own event loop)."""
    return await asyncio.to_thread(main, list(argv))


def tampered(record: Path, field: str, out: Path) -> Path:
    """A copy of `record` with one byte of the base64 field `field` flipped."""
    doc = json.loads(record.read_text())
    raw = bytearray(b64decode(doc[field]))
    raw[len(raw) // 2] ^= 0x01
    doc[field] = b64encode(bytes(raw)).decode()
    out.write_text(json.dumps(doc))
    return out


async def test_forged_message_exported_and_verified_offline(
    nats_server: NatsServer, nc: Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A message assembled by the independent encoder, received by B's gateway, keeps
    its exact signed bytes; its exported record verifies offline against a directory
    export and the live bucket, and one flipped byte of body, binding or signature — or
    a record checked against a directory export with a forged record — is refused with
    one line and exit status 1."""
    h = await world(nc)
    data, binding_bytes, body_bytes = forged_envelope(h)
    root = h.root.public.hex()
    async with running_broker(nats_server.url, h), \
            gateway(config(h, nats_server.url, tmp_path / "b"), h.keys[B]) as gw_b, \
            GatewayClient(gw_b.url, KEYS["system"]) as system_b:  # fmt: skip
        await h.send(A, data)
        message_id = msgspec.msgpack.decode(binding_bytes, type=Binding).message_id.hex()

        async def stored() -> StoredMessage | None:
            try:
                return await system_b.get(message_id)
            except NotFound:
                return None

        message = await eventually(stored)
        assert message.body == CaseReferral(summary=SUMMARY)
        assert message.envelope_hash == envelope_hash(data).hex()

        record = await system_b.evidence(message_id)
        assert (record.binding, record.body) == (binding_bytes, body_bytes)
        assert (record.recipient, record.message_id) == (B, message_id)
        assert record.sender_key_id == h.keys[A].signing.key_id.hex()
        assert record.audit_seq == message.audit_seq is not None

        # The CLI way: export through the API, the directory from the bucket.
        (tmp_path / "key").write_text(KEYS["system"])
        exported, directory = tmp_path / "record.json", tmp_path / "directory.json"
        gw_args = ("--gateway", gw_b.url, "--api-key-file", str(tmp_path / "key"))
        assert await cli("evidence-export", *gw_args, message_id, "--out", str(exported)) == 0
        assert await cli("evidence-directory", "--nats-url", nats_server.url,
                         "--root-public", root, "--out", str(directory)) == 0  # fmt: skip
        capsys.readouterr()
        live = await cli("evidence-verify", str(exported), "--nats-url", nats_server.url,
                         "--root-public", root)  # fmt: skip
        assert live == 0
        # (the broker and gateways log to the same stdout meanwhile)
        lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("evidence ")]
        assert len(lines) == 1
        assert lines[0].startswith(f"evidence verifies: case_referral {message_id}")

        with pytest.raises(NotFound):
            await system_b.evidence("00" * 16)

    # Offline: NATS and the gateway are gone; the files and the root key suffice.
    assert await cli("evidence-verify", str(exported), "--directory", str(directory),
                     "--root-public", root) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert f"signed by {A} with key {h.keys[A].signing.key_id.hex()}" in out
    assert f"to {B}" in out

    expected = {
        "body": "inner signature does not verify",
        "inner_signature": "inner signature does not verify",
        "binding": "",  # a flip lands in a field, or in the signed bytes: refused either way
    }
    for field, reason in expected.items():
        bad = tampered(exported, field, tmp_path / f"bad-{field}.json")
        code = await cli("evidence-verify", str(bad), "--directory", str(directory),
                         "--root-public", root)  # fmt: skip
        err = capsys.readouterr().err
        assert code == 1, field
        assert err.startswith("palermo: evidence does not verify: " + reason), err
        assert err.count("\n") == 1

    # A directory export whose sender record was altered does not verify.
    doc = json.loads(directory.read_text())
    index = next(i for i, r in enumerate(doc["records"]) if A.encode() in b64decode(r))
    raw = bytearray(b64decode(doc["records"][index]))
    raw[-1] ^= 0x01
    doc["records"][index] = b64encode(bytes(raw)).decode()
    (tmp_path / "bad-directory.json").write_text(json.dumps(doc))
    code = await cli("evidence-verify", str(exported), "--directory",
                     str(tmp_path / "bad-directory.json"), "--root-public", root)  # fmt: skip
    assert code == 1
    assert "directory export" in capsys.readouterr().err
    with pytest.raises(EvidenceInvalid, match="not signed by the directory root"):
        load_directory_export(directory.read_bytes(), bytes(32))

    assert await cli("evidence-verify", str(directory), "--directory", str(directory),
                     "--root-public", root) == 2  # fmt: skip
    assert "not a palermo-evidence/v1 record" in capsys.readouterr().err


async def test_sent_message_has_no_evidence_record(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """Evidence records are for received messages: a sent one is a 409 problem."""
    h = await world(nc)
    async with running_broker(nats_server.url, h), \
            gateway(config(h, nats_server.url, tmp_path / "a"), h.keys[A]) as gw_a, \
            GatewayClient(gw_a.url, KEYS["system"]) as system_a:  # fmt: skip
        sent = await system_a.send(CaseReferral(summary="Route via Agadez."), to=[B])
        assert sent.status == "sent"
        with pytest.raises(GatewayError) as caught:
            await system_a.evidence(sent.message_id)
        assert caught.value.status == 409


def test_store_migration_keeps_old_rows(tmp_path: Path) -> None:
    """A store written before the signed bytes were kept is migrated on open: its rows
    still read (body from the old JSON), have no evidence record, and new rows keep
    and show the signed bytes."""
    path = tmp_path / "messages.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(_SCHEMA)
    body = CaseReferral(summary="Old row.")
    old.execute(
        "INSERT INTO messages (message_id, direction, kind, sender, recipients, thread_id,"
        " sequence, handling, priority, victim_level, envelope_hash, created_ms,"
        " stored_ms, body, refs, binding, inner_signature)"
        " VALUES (?, 'received', 'case_referral', ?, ?, ?, 0, 'H0', 'routine', 'none',"
        " ?, 1, 2, ?, '[]', x'00', ?)",
        ("11" * 16, A, json.dumps([B]), "22" * 16, "33" * 32, encode_message_json(body),
         bytes(64)),
    )  # fmt: skip
    old.commit()
    old.close()
    with MessageStore(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        message = store.get("11" * 16)
        assert message is not None
        assert message.body == body
        assert not message.queued
        assert store.signed("11" * 16) is None
    with MessageStore(path) as store:  # opening again migrates nothing twice
        assert store.get("11" * 16) is not None


def test_body_is_shown_from_the_signed_bytes(tmp_path: Path) -> None:
    """The body the API shows is decoded from the stored signed bytes, not a copy; they
    are kept encrypted under the thread's data key, their hash in the clear."""
    body = CaseReferral(summary="Signed bytes only.")
    body_bytes = encode_message(body)
    binding = Binding(
        VERSION, bytes(range(16)), "case_referral", A, bytes(16), [Recipient(B, bytes(16))],
        bytes(16), 0, None, 1, 2, "routine", "H0", "none", None, [], None, None, bytes(32),
    )  # fmt: skip
    with MessageStore(tmp_path / "s.sqlite3") as store:
        store.add("received", binding, forge.enc.encode(binding), body_bytes, bytes(32),
                  stored_ms=3, accepted_ms=1, inner_signature=bytes(64))  # fmt: skip
        row = store.db.execute("SELECT body, body_bytes, body_hash FROM messages").fetchone()
        assert row["body"] == b""
        assert body_bytes not in row["body_bytes"]
        assert row["body_hash"] == _crypto.blake2b(body_bytes)
        stored = store.get(bytes(range(16)).hex())
        assert stored is not None
        assert stored.body == decode_message(body_bytes) == body
        signed = store.signed(bytes(range(16)).hex())
        assert signed is not None
        assert (signed.body, signed.inner_signature) == (body_bytes, bytes(64))


def test_store_newer_than_the_gateway_is_refused(tmp_path: Path) -> None:
    """A store from a newer gateway (higher schema version) is refused, not damaged."""
    path = tmp_path / "messages.sqlite3"
    MessageStore(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(ConfigError, match=f"schema {SCHEMA_VERSION + 1} is newer"):
        MessageStore(path)
