"""End to end: investigator to investigator through gateways, the broker and NATS."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import msgspec
from nats.aio.client import Client

from broker import topology
from broker.natsserver import NatsServer
from clients.gateway_client import GatewayClient
from clients.gateway_evidence import directory_export, load_directory_export, verify_record
from clients.gateway_schema import StoredMessage, WebhookPayload
from schemas.directory_bucket import list_signed_records
from schemas.kinds import MlaRequest, MlaResponse, MlaStatus, Receipt

from .brokerkit import running_broker, verified_audit_export
from .test_gateway import (
    KEYS,
    SECRET,
    A,
    B,
    Webhook,
    config,
    eventually,
    gateway,
    verify,
    webhook_server,
    world,
)
from .test_kinds import EXAMPLES

MB = 1024 * 1024


def evidence_file(path: Path, size: int) -> str:
    """Write `size` bytes of incompressible data in 1 MiB pieces; return its SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(size // MB):
            piece = os.urandom(MB)
            digest.update(piece)
            out.write(piece)
    return digest.hexdigest()


async def test_mla_request_with_50_mb_evidence_end_to_end(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """Investigator A sends an MLA request with a 50 MB attachment to B; B's gateway
    pushes it to the case system's webhook (signed); B downloads the evidence intact and
    replies through its REST API; A sees the statuses, the response, B's signed receipts
    and the broker's acceptance with its audit position; the audit log verifies."""
    h = await world(nc)
    source = tmp_path / "bank-records.bin"
    digest = evidence_file(source, 50 * MB)
    hook = Webhook()
    cfg_a = config(h, nats_server.url, tmp_path / "a")
    cfg_b = config(
        h, nats_server.url, tmp_path / "b", **{"webhook.url": "", "webhook.secret": SECRET}
    )
    async with running_broker(nats_server.url, h), webhook_server(hook):
        cfg_b = msgspec.structs.replace(
            cfg_b, webhook=msgspec.structs.replace(cfg_b.webhook, url=hook.url)
        )
        async with (
            gateway(cfg_a, h.keys[A]) as gw_a,
            gateway(cfg_b, h.keys[B]) as gw_b,
            GatewayClient(gw_a.url, KEYS["officer"]) as officer_a,
            GatewayClient(gw_b.url, KEYS["system"]) as system_b,
        ):
            upload = await officer_a.upload(
                source, file_name="bank-records.bin", media_type="application/octet-stream",
                victim_level="none",
            )  # fmt: skip
            request = EXAMPLES["mla_request"]
            assert isinstance(request, MlaRequest)
            sent = await officer_a.send(
                request, to=[B], handling="H2", attachments=[upload.upload_id]
            )

            async def pushed() -> bytes | None:
                return hook.taken[0][1] if hook.taken else None

            raw = await eventually(pushed, wait=60)
            verify(hook.taken[0][0], raw)
            payload = msgspec.json.decode(raw, type=WebhookPayload)
            assert payload.message.message_id == sent.message_id
            body = payload.message.body
            assert isinstance(body, MlaRequest)
            assert len(body.attachments) == 1
            assert body.attachments[0].size == 50 * MB

            record = await system_b.evidence(sent.message_id)
            fetched = tmp_path / "fetched.bin"
            assert await system_b.download(sent.message_id, 0, fetched) == 50 * MB
            assert hashlib.sha256(fetched.read_bytes()).hexdigest() == digest

            request_id = bytes.fromhex(sent.message_id)
            for status in ("acknowledged", "under_execution", "executed"):
                await system_b.send(
                    MlaStatus(request_id=request_id, status=status),
                    in_reply_to=sent.message_id,
                )
            response = MlaResponse(request_id=request_id, summary="Records for 2025-2026.")
            answered = await system_b.send(response, in_reply_to=sent.message_id)

            async def thread_complete() -> list[StoredMessage] | None:
                view = await officer_a.thread(sent.thread_id)
                kinds = [m.kind for m in view.messages if m.direction == "received"]
                receipts = [m for m in view.messages if m.kind == "receipt"]
                done = "mla_response" in kinds and kinds.count("mla_status") == 3 and receipts
                return view.messages if done else None

            messages = await eventually(thread_complete, wait=30)
            (mine,) = [m for m in messages if m.message_id == sent.message_id]
            assert mine.broker_notice == "accepted"
            assert mine.audit_seq is not None
            statuses = [
                m.body.status for m in messages if isinstance(m.body, MlaStatus)
            ]  # fmt: skip
            assert statuses == ["acknowledged", "under_execution", "executed"]
            assert any(m.message_id == answered.message_id for m in messages)
            receipt_bodies = [m.body for m in messages if isinstance(m.body, Receipt)]
            assert any(
                r.message_id == request_id and r.receipt_type == "retrieved" for r in receipt_bodies
            )

        # The audit log verifies offline against the broker's signed checkpoint.
        await verified_audit_export(h, tmp_path / "audit.jsonl")

        # B's evidence record proves offline what A asked, and names the envelope the
        # audit log accepted at the position A was told.
        kv = await h.js.key_value(topology.KV_DIRECTORY)
        head = (await kv.get(topology.DIRECTORY_HEAD_KEY)).value or b""
        exported = directory_export(await list_signed_records(h.js), head)
        proof = verify_record(record, load_directory_export(exported, h.root.public))
        assert (proof.sender, proof.kind, proof.recipient) == (A, "mla_request", B)
        (accepted,) = [
            e for e in await h.audit() if e.event == "accepted" and e.message_id == request_id
        ]
        assert accepted.envelope_hash is not None
        assert accepted.envelope_hash.hex() == record.envelope_hash
        assert record.audit_seq == mine.audit_seq
