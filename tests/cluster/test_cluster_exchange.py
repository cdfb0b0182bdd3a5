"""The full exchange across the 3-node cluster, streams and buckets at R3: A's gateway
on node 1, the broker on node 2, B's gateway on node 3. An MLA request goes from A to B
(pushed to B's case system, signed), B's signed retrieval receipt and reply come back
to A, the audit log verifies; then node 1 is killed and A's gateway, failing over to a
node the cluster told it about, goes on sending."""

from __future__ import annotations

from pathlib import Path

import msgspec

from broker import topology
from broker.natscluster import NatsCluster
from clients.gateway_client import GatewayClient
from clients.gateway_schema import StoredMessage, WebhookPayload
from schemas.kinds import CaseReferral, MlaRequest, MlaStatus, Receipt

from ..test_gateway import KEYS, SECRET, A, B, Webhook, config, eventually, gateway, verify
from ..test_gateway import webhook_server as serve_webhook
from ..test_kinds import EXAMPLES
from .conftest import REPLICAS, broker_on, check_audit, harness, node_of


async def test_exchange_across_three_nodes(cluster: NatsCluster, tmp_path: Path) -> None:
    h = await harness(cluster, 1)
    await h.add(A, roles=["prosecutor"])
    await h.add(B, roles=["central_authority"])
    for stream in (topology.INGRESS, topology.DELIVERY, topology.AUDIT):
        info = await h.js.stream_info(stream)
        assert info.config.num_replicas == REPLICAS
        assert info.cluster is not None
        assert len(info.cluster.replicas or []) == REPLICAS - 1
    directory = await h.js.key_value(topology.KV_DIRECTORY)
    assert (await directory.status()).stream_info.config.num_replicas == REPLICAS

    hook = Webhook()
    async with broker_on(cluster, 1, h) as broker, serve_webhook(hook):
        assert node_of(cluster, broker.nc) == 1
        cfg_a = config(h, cluster.url(0), tmp_path / "a")
        cfg_b = config(h, cluster.url(2), tmp_path / "b",
                       **{"webhook.url": hook.url, "webhook.secret": SECRET})  # fmt: skip
        async with (
            gateway(cfg_a, h.keys[A]) as gw_a,
            gateway(cfg_b, h.keys[B]) as gw_b,
            GatewayClient(gw_a.url, KEYS["officer"]) as officer_a,
            GatewayClient(gw_b.url, KEYS["system"]) as system_b,
        ):
            request = EXAMPLES["mla_request"]
            assert isinstance(request, MlaRequest)
            sent = await officer_a.send(request, to=[B], handling="H2")

            async def pushed() -> bytes | None:
                return hook.taken[0][1] if hook.taken else None

            raw = await eventually(pushed, wait=30)
            verify(hook.taken[0][0], raw)
            assert msgspec.json.decode(raw, type=WebhookPayload).message.message_id == (
                sent.message_id
            )
            request_id = bytes.fromhex(sent.message_id)
            await system_b.send(
                MlaStatus(request_id=request_id, status="acknowledged"),
                in_reply_to=sent.message_id,
            )

            async def answered() -> list[StoredMessage] | None:
                view = await officer_a.thread(sent.thread_id)
                kinds = {m.kind for m in view.messages if m.direction == "received"}
                return view.messages if {"mla_status", "receipt"} <= kinds else None

            messages = await eventually(answered, wait=30)
            (mine,) = [m for m in messages if m.message_id == sent.message_id]
            assert mine.broker_notice == "accepted"
            assert mine.audit_seq is not None
            receipts = [m.body for m in messages if isinstance(m.body, Receipt)]
            assert any(
                r.message_id == request_id and r.receipt_type == "retrieved" for r in receipts
            )

            # A's node dies: A's gateway fails over and its next message arrives.
            await cluster.kill(0)
            after = await officer_a.send(CaseReferral(summary="Route via Agadez."), to=[B])

            async def arrived() -> bool | None:
                ids = {
                    msgspec.json.decode(raw, type=WebhookPayload).message.message_id
                    for _, raw in hook.taken
                }
                return True if after.message_id in ids else None

            await eventually(arrived, wait=60)
        before = cluster.url(0)
        await cluster.start(0)
        assert cluster.url(0) == before  # the same node rejoins on its own port
        await check_audit(h, tmp_path / "audit.jsonl")
    await h.nc.close()
