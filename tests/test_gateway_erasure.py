"""Erasure at the gateway: content kept under per-case data keys, erased for good on an
order or at the end of the retention period, carried to the other authority by an
erasure notice it honours and confirms — while evidence and the audit log still verify."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest
from nats.aio.client import Client

from broker import topology
from broker.natsserver import NatsServer
from clients.gateway_casekeys import CaseErased, KekInvalid, StoreUnreadable, load_kek
from clients.gateway_client import GatewayClient, GatewayError
from clients.gateway_config import ErasureConfig
from clients.gateway_erasure import (
    NOT_A_PARTICIPANT,
    Eraser,
    ErasureRefused,
    ErasureView,
    erase_case,
    erasure_status,
)
from clients.gateway_evidence import (
    ErasedBody,
    EvidenceInvalid,
    EvidenceRecord,
    _body_hash,
    directory_export,
    evidence_record,
    load_directory_export,
    verify_record,
)
from clients.gateway_store import _SCHEMA, MessageStore, StoredUpload
from schemas.directory_bucket import list_signed_records
from schemas.envelope import Sealed
from schemas.kinds import (
    AttachmentDescriptor,
    CaseReferral,
    ErasureNotice,
    Message,
    encode_message,
    encode_message_json,
)
from schemas.records import PersonIdentity, Victim
from schemas.wire import VERSION, AttachmentRef, Binding, Recipient

from . import forge
from .brokerkit import running_broker, verified_audit_export
from .test_gateway import KEYS, A, B, config, eventually, gateway, world
from .test_gateway_evidence import cli

MARKER = "Quetzalwhistle"
"""A word of the body that must not be found in the store's files once it is erased."""
SUMMARY = f"Three recruits moved through Agadez in March under the codeword {MARKER}."
C = "fr-ocrteh"
DAY = 86_400_000
BIRTH = dt.date(2004, 5, 17)


def binding(
    *,
    message_id: int = 1,
    thread: int = 7,
    sender: str = A,
    to: str = B,
    kind: str = "case_referral",
    created: int = 1_000,
    attachments: list[AttachmentRef] | None = None,
) -> Binding:
    """A binding with small fixed ids (the store reads only its metadata)."""
    return Binding(
        VERSION, bytes([message_id]) * 16, kind, sender, bytes(16), [Recipient(to, bytes(16))],
        bytes([thread]) * 16, 0, None, created, created + 1, "routine", "H0", "none", None,
        attachments or [], None, None, bytes(32),
    )  # fmt: skip


def upload(store: MessageStore, n: int) -> AttachmentRef:
    """Record an upload of object `n` (its descriptor holds its key); its reference."""
    ref = AttachmentRef(bytes([n]) * 16, 256, bytes(32))
    descriptor = AttachmentDescriptor(
        object_id=ref.object_id, key=bytes([n]) * 32, file_name="statement.pdf",
        media_type="application/pdf", size=10, digest_algorithm="sha256", digest=bytes(32),
        victim_level="none",
    )  # fmt: skip
    store.add_upload(StoredUpload(f"u{n}", "case-system", ref, descriptor), 1_000)
    return ref


def put(
    store: MessageStore, b: Binding, body: Message, *, stored_ms: int = 1_000, **kw: Any
) -> bytes:
    """Store a received message; its body bytes."""
    data = encode_message(body)
    store.add("received", b, forge.enc.encode(b), data, bytes(32), stored_ms=stored_ms,
              accepted_ms=stored_ms, inner_signature=bytes(64), **kw)  # fmt: skip
    return data


def file_bytes(path: Path) -> bytes:
    """The store's file and its write-ahead log, as a disk image would hold them."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_content_is_encrypted_and_a_wrong_key_or_altered_byte_is_refused(
    tmp_path: Path,
) -> None:
    """The body is stored encrypted (its words are not in the file); another
    key-encryption key, or one altered byte of the ciphertext, is a clear
    `StoreUnreadable`, never a wrong body."""
    path = tmp_path / "messages.sqlite3"
    with MessageStore(path) as store:
        put(store, binding(), CaseReferral(summary=SUMMARY))
        assert store.get("01" * 16).body == CaseReferral(summary=SUMMARY)  # type: ignore[union-attr]
    assert MARKER.encode() not in file_bytes(path)
    assert (tmp_path / "store.kek").stat().st_mode & 0o777 == 0o600

    with MessageStore(path, kek=bytes(32)) as store, pytest.raises(StoreUnreadable) as wrong:
        store.get("01" * 16)
    assert "key-encryption key" in str(wrong.value)

    db = sqlite3.connect(path)
    (value,) = db.execute("SELECT body_bytes FROM messages").fetchone()
    db.execute("UPDATE messages SET body_bytes = ?", (value[:-1] + bytes([value[-1] ^ 1]),))
    db.commit()
    db.close()
    with MessageStore(path) as store, pytest.raises(StoreUnreadable, match="altered"):
        store.get("01" * 16)

    (tmp_path / "bad.kek").write_text("not hex\n")
    with pytest.raises(KekInvalid, match="64 hex"):
        load_kek(tmp_path / "bad.kek")


def test_upgrade_encrypts_rows_stored_in_the_clear(tmp_path: Path) -> None:
    """A store of schema 1 (bodies in the clear) is encrypted on upgrade: the bodies
    still read, their words are gone from the file, the hash of the signed body is kept."""
    path = tmp_path / "messages.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(_SCHEMA)
    old.executescript(
        "ALTER TABLE messages ADD COLUMN body_bytes BLOB;"
        " ALTER TABLE messages ADD COLUMN sender_key_id TEXT;"
        " ALTER TABLE messages ADD COLUMN envelope BLOB;"
        " ALTER TABLE messages ADD COLUMN published_ms INTEGER;"
        " ALTER TABLE messages ADD COLUMN idempotency_key TEXT;"
        " ALTER TABLE messages ADD COLUMN request_hash TEXT;"
        " PRAGMA user_version = 1;"
    )
    signed, legacy = CaseReferral(summary=SUMMARY), CaseReferral(summary=f"Old {MARKER}.")
    insert = (
        "INSERT INTO messages (message_id, direction, kind, sender, recipients, thread_id,"
        " sequence, handling, priority, victim_level, envelope_hash, created_ms, stored_ms,"
        " body, refs, binding, inner_signature, body_bytes, sender_key_id)"
        " VALUES (?, 'received', 'case_referral', ?, ?, ?, 0, 'H0', 'routine', 'none',"
        " ?, 1, 2, ?, '[]', x'00', ?, ?, ?)"
    )
    old.execute(insert, ("11" * 16, A, json.dumps([B]), "22" * 16, "33" * 32, b"",
                         bytes(64), encode_message(signed), "44" * 16))  # fmt: skip
    old.execute(insert, ("55" * 16, A, json.dumps([B]), "22" * 16, "33" * 32,
                         encode_message_json(legacy), bytes(64), None, "44" * 16))  # fmt: skip
    old.commit()
    old.close()
    assert MARKER.encode() in file_bytes(path)
    with MessageStore(path) as store:
        assert store.get("11" * 16).body == signed  # type: ignore[union-attr]
        assert store.get("55" * 16).body == legacy  # type: ignore[union-attr]
        record = store.signed("11" * 16)
        assert record is not None
        assert record.body == encode_message(signed)
    assert MARKER.encode() not in file_bytes(path)


def test_erasure_destroys_the_key_keeps_the_evidence_and_is_harmless_twice(
    tmp_path: Path,
) -> None:
    """Erasing a thread deletes its data key and ciphertexts: reads raise `CaseErased`
    (when, which legal basis), the wrapped key is gone from the file, the signed record
    keeps binding, signature and body hash; a second erasure changes nothing and queues
    no second notice. The uploads its messages reference (their descriptors hold the
    attachments' keys) go too. Another thread is untouched; a bad reference is refused."""
    path = tmp_path / "messages.sqlite3"
    with MessageStore(path) as store:
        body_bytes = put(store, binding(attachments=[upload(store, 3)]),
                         CaseReferral(summary=SUMMARY))  # fmt: skip
        upload(store, 4)  # not in the thread
        put(store, binding(message_id=2, thread=8), CaseReferral(summary="Another case."))
        (wrapped,) = store.db.execute(
            "SELECT wrapped FROM case_keys WHERE thread_id = ?", ("07" * 16,)
        ).fetchone()
        with pytest.raises(ErasureRefused, match="printable ASCII"):
            erase_case(store, "07" * 16, now_ms=5_000, legal_basis="court_order",
                       reference="Ordinanza n\u00ba 7", erased_by="test")  # fmt: skip
        erasure, new = erase_case(
            store, "07" * 16, now_ms=5_000, legal_basis="court_order",
            reference="Ord. 2026/118", erased_by="cli:registrar",
        )  # fmt: skip
        assert new
        assert (erasure.messages, erasure.legal_basis) == (1, "court_order")
        with pytest.raises(CaseErased) as erased:
            store.get("01" * 16)
        assert "legal basis court_order" in str(erased.value)
        assert [m.message_id for m in store.received()] == ["01" * 16, "02" * 16]
        assert store.get("02" * 16) is not None
        assert (store.upload("u3"), store.upload("u4") is not None) == (None, True)
        record = store.signed("01" * 16)
        assert record is not None
        assert record.body is None
        assert record.erasure == erasure
        assert record.inner_signature == bytes(64)
        assert record.body_hash == hashlib.blake2b(body_bytes, digest_size=32).digest()
        again, new = erase_case(store, "07" * 16, now_ms=9_000, legal_basis="court_order",
                                reference="Ord. 2026/118", erased_by="cli:registrar")  # fmt: skip
        assert (again, new) == (erasure, False)
        status = erasure_status(store, "07" * 16)
        assert len(status.erasures) == 1
        assert status.awaiting == [A]  # B's store: B received everything, A is notified
    data = file_bytes(path)
    assert wrapped not in data
    assert MARKER.encode() not in data


def test_retention_expiry_with_an_injected_clock(tmp_path: Path) -> None:
    """With `retention_days`, a pass erases exactly the cases whose last message is
    older (legal basis `retention_expiry`) and queues their notices; without it, none."""
    now = [40 * DAY]

    async def never(*args: Any, **kwargs: Any) -> Sealed:
        raise AssertionError("nothing is sealed by a retention pass")

    async def nowhere(sealed: Sealed, body: Message) -> bool:
        raise AssertionError("nothing is published by a retention pass")

    with MessageStore(tmp_path / "messages.sqlite3") as store:
        put(store, binding(thread=1), CaseReferral(summary="Old case."), stored_ms=DAY)
        put(store, binding(message_id=2, thread=2), CaseReferral(summary="Recent."),
            stored_ms=20 * DAY)  # fmt: skip

        def eraser(days: int | None) -> Eraser:
            return Eraser(store, ErasureConfig(retention_days=days), authority=B,
                          seal=never, dispatch=nowhere, clock=lambda: now[0])  # fmt: skip

        assert eraser(None).expire() == []
        (done,) = eraser(30).expire()
        assert (done.thread_id, done.legal_basis) == ("01" * 16, "retention_expiry")
        assert erasure_status(store, "01" * 16).awaiting == [A]
        assert store.get("02" * 16) is not None
        assert eraser(30).expire() == []  # nothing left to erase there
        now[0] = 60 * DAY
        (later,) = eraser(30).expire()
        assert later.thread_id == "02" * 16


async def test_notice_from_a_non_participant_is_refused(tmp_path: Path) -> None:
    """An erasure notice from an authority that took no part in the thread is stored
    as refused and erases nothing; nothing is sent in answer."""
    sent: list[Message] = []

    async def seal(body: Message, **kwargs: Any) -> Sealed:
        sent.append(body)
        raise AssertionError("no confirmation for a refused notice")

    async def dispatch(sealed: Sealed, body: Message) -> bool:
        raise AssertionError("nothing to publish")

    with MessageStore(tmp_path / "messages.sqlite3") as store:
        put(store, binding(), CaseReferral(summary=SUMMARY))
        notice = ErasureNotice(thread_id=bytes([7]) * 16, legal_basis="court_order",
                               reference="Ord. 1", erased_ms=2_000)  # fmt: skip
        eraser = Eraser(store, ErasureConfig(), authority=B, seal=seal, dispatch=dispatch,
                        clock=lambda: 3_000)  # fmt: skip
        for n in (9, 10):  # a first refused notice does not make C a participant
            b = binding(message_id=n, sender=C, kind="erasure_notice")
            await eraser.received(b, put(store, b, notice))
            summary = store.summary(b.message_id.hex())
            assert summary is not None
            assert summary.refused == NOT_A_PARTICIPANT
        assert store.get("01" * 16).body == CaseReferral(summary=SUMMARY)  # type: ignore[union-attr]
        assert erasure_status(store, "07" * 16).erasures == []
        assert sent == []


def test_evidence_of_an_erased_body_is_checked_over_its_hash() -> None:
    """A record without its body needs `body_hash` and `erased`; one with its body may
    not claim erasure, nor carry another body's hash."""
    base = EvidenceRecord(
        format="palermo-evidence/v1", recipient=B, message_id="01" * 16,
        sender_key_id="00" * 16, envelope_hash="00" * 32, accepted_ms=1, audit_seq=None,
        stored_ms=1, binding=forge.enc.encode(binding()), body=b"\x80", inner_signature=bytes(64),
    )  # fmt: skip

    erased = ErasedBody(erased_ms=5, legal_basis="court_order")
    with pytest.raises(EvidenceInvalid, match="needs body_hash and erased"):
        _body_hash(msgspec.structs.replace(base, body=None))
    with pytest.raises(EvidenceInvalid, match="cannot say it was erased"):
        _body_hash(msgspec.structs.replace(base, erased=erased))
    hashed = msgspec.structs.replace(base, body=None, body_hash=b"\x01" * 32, erased=erased)
    assert _body_hash(hashed) == b"\x01" * 32


async def _audit_verifies(h: Any, tmp_path: Path) -> None:
    """Export the broker's audit log and verify it against its latest checkpoint."""
    checkpoint, vkey = await verified_audit_export(h, tmp_path / "audit.jsonl")
    # And as an operator runs it: `palermo audit verify`.
    (tmp_path / "checkpoint").write_bytes(checkpoint)
    assert await cli("audit", "verify", str(tmp_path / "audit.jsonl"), "--checkpoint",
                     str(tmp_path / "checkpoint"), "--vkey", vkey) == 0  # fmt: skip


async def test_erasure_end_to_end(
    nats_server: NatsServer, nc: Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A referral with victim data goes from A to B; A erases the case with a legal
    basis (`palermo gateway erase`); B receives the notice, erases its copy and
    confirms; A shows the confirmation. On both sides the body is gone (API 410, not in
    the store's files) while the audit log and B's evidence of the message verify."""
    h = await world(nc)
    fast = {"erasure.interval": 0.2}
    cfg_a, cfg_b = (config(h, nats_server.url, tmp_path / n, **fast) for n in ("a", "b"))
    toml_a = tmp_path / "a.toml"
    toml_a.write_text(f'directory_root = "{h.root.public.hex()}"\ndata_dir = "{tmp_path / "a"}"\n')
    referral = CaseReferral(
        summary=SUMMARY,
        victims=[
            Victim(
                ref="V1",
                sex="female",
                nationality="NG",
                identity=PersonIdentity(names=["Blessing Okafor"], date_of_birth=BIRTH),
            )
        ],
    )
    async with running_broker(nats_server.url, h), \
            gateway(cfg_a, h.keys[A]) as gw_a, gateway(cfg_b, h.keys[B]) as gw_b, \
            GatewayClient(gw_a.url, KEYS["system"]) as system_a, \
            GatewayClient(gw_b.url, KEYS["system"]) as system_b:  # fmt: skip
        sent = await system_a.send(referral, to=[B])

        async def at_b() -> Any:
            try:
                return await system_b.get(sent.message_id)
            except GatewayError:
                return None

        received = (await eventually(at_b)).body
        assert isinstance(received, CaseReferral)
        assert received.summary == SUMMARY
        assert received.victims[0].identity is None  # minimised: pseudonyms travel

        store_a = tmp_path / "a" / "messages.sqlite3"
        with MessageStore(store_a) as store:
            (wrapped,) = store.db.execute(
                "SELECT wrapped FROM case_keys WHERE thread_id = ?", (sent.thread_id,)
            ).fetchone()
        capsys.readouterr()
        assert await cli("gateway", "erase", "--config", str(toml_a), "--thread",
                         sent.thread_id, "--legal-basis", "court_order", "--reference",
                         "Ord. 2026/118", "--by", "registrar") == 0  # fmt: skip
        line = capsys.readouterr().out.strip().splitlines()[-1]
        # The referral and B's retrieval receipt, which travels in the same thread.
        assert line.startswith(f"thread {sent.thread_id} erased: 2 message(s), legal basis")
        assert f"erasure notice queued for {B}" in line
        # While A's gateway runs, its file and write-ahead log no longer hold the key.
        assert wrapped not in file_bytes(store_a)

        async def confirmed() -> str | None:
            with MessageStore(store_a) as store:
                status = erasure_status(store, sent.thread_id)
            return status.line() if status.notices and not status.awaiting else None

        assert f"confirmed by {B}" in await eventually(confirmed)
        assert await cli("gateway", "erasures", "--config", str(toml_a), "--thread",
                         sent.thread_id) == 0  # fmt: skip
        shown = capsys.readouterr().out.strip().splitlines()[-1]
        assert "legal basis court_order, by cli:registrar" in shown
        assert f"confirmed by {B}" in shown

        url = f"{gw_a.url}/v1/threads/{sent.thread_id}/erasure"
        async with aiohttp.ClientSession() as http:
            auth = {"Authorization": f"Bearer {KEYS['system']}"}
            async with http.get(url, headers=auth) as response:
                assert response.status == 200
                view = msgspec.json.decode(await response.read(), type=ErasureView)
            officer = {"Authorization": f"Bearer {KEYS['officer']}"}
            async with http.get(url, headers=officer) as response:
                assert response.status == 403
        assert [(e.legal_basis, e.reference) for e in view.erasures] == [
            ("court_order", "Ord. 2026/118")
        ]
        assert [(n.recipient, n.confirmed_ms is not None) for n in view.notices] == [(B, True)]
        assert view.awaiting == []

        for client in (system_a, system_b):
            with pytest.raises(GatewayError) as gone:
                await client.get(sent.message_id)
            assert gone.value.status == 410
            assert "erased on" in str(gone.value)
            assert MARKER not in str(gone.value)

        (tmp_path / "key").write_text(KEYS["system"])
        key_args = ("--gateway", gw_b.url, "--api-key-file", str(tmp_path / "key"))
        capsys.readouterr()
        assert await cli("read", *key_args, sent.message_id) == 1
        err = capsys.readouterr().err
        assert err.startswith("palermo: 410 Erased: the case data of thread"), err
        assert err.count("\n") == 1

        # B keeps the evidence: binding, signature and the body's hash.
        record = await system_b.evidence(sent.message_id)
        assert record.body is None
        assert record.erased is not None
        assert record.erased.legal_basis == "sender_request"
        kv = await h.js.key_value(topology.KV_DIRECTORY)
        head = (await kv.get(topology.DIRECTORY_HEAD_KEY)).value or b""
        directory = tmp_path / "directory.json"
        directory.write_bytes(directory_export(await list_signed_records(h.js), head))
        proof = verify_record(record, load_directory_export(directory.read_bytes(), h.root.public))
        assert (proof.sender, proof.kind, proof.recipient) == (A, "case_referral", B)
        exported = tmp_path / "record.json"
        assert await cli("evidence-export", *key_args, sent.message_id, "--out",
                         str(exported)) == 0  # fmt: skip
        capsys.readouterr()
        assert await cli("evidence-verify", str(exported), "--directory", str(directory),
                         "--root-public", h.root.public.hex()) == 0  # fmt: skip
        verified = [x for x in capsys.readouterr().out.splitlines() if x.startswith("evidence ")]
        assert len(verified) == 1
        assert verified[0].startswith(f"evidence verifies: case_referral {sent.message_id}")
        assert "body erased" in verified[0]

        await _audit_verifies(h, tmp_path)

    for side in ("a", "b"):
        assert MARKER.encode() not in file_bytes(tmp_path / side / "messages.sqlite3"), side
    with MessageStore(tmp_path / "b" / "messages.sqlite3") as store:
        (erasure,) = store.keys.erasures(sent.thread_id)
        assert (erasure.legal_basis, erasure.erased_by) == ("sender_request", f"notice:{A}")
        assert erasure.messages >= 2  # the referral and the notice itself
        kept = store.signed(sent.message_id)
        assert kept is not None
        assert evidence_record(kept, B).body is None
