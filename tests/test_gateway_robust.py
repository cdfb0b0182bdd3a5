"""What the gateway survives and what it notices: over-deep JSON, a malformed delivery
header, and an audit log that shows it two histories."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import msgspec
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg

from broker import topology
from broker.natsserver import NatsServer
from clients.gateway import _cancel
from clients.gateway_client import EvidenceQuotaFull, GatewayClient, NotFound
from clients.gateway_evidence import EvidenceRecord
from clients.gateway_schema import Status, StoredMessage
from schemas import tlog
from schemas.envelope import parse
from schemas.kinds import CaseReferral
from schemas.note import Checkpoint, sign_checkpoint
from schemas.wire import Binding

from .brokerkit import referral, running_broker
from .test_gateway import KEYS, A, B, config, eventually, gateway, world

ORIGIN = "palermo.example/audit"


async def test_json_nested_too_deep_is_400(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """10,000 nested arrays in a send request, as the body or inside one of its fields,
    is a 400 problem, never a 500; the gateway answers normally afterwards."""
    h = await world(nc)
    deep = b"[" * 10_000 + b"]" * 10_000
    documents = [
        b'{"message": ' + deep + b', "to": ["ng-naptip"]}',
        b'{"message": {"kind": "case_referral", "summary": "x", "victims": ' + deep
        + b'}, "to": ["ng-naptip"]}',
        b'{"to": ["ng-naptip"], "attachments": ' + deep + b', "message": {}}',
        deep,
    ]  # fmt: skip
    auth = {"Authorization": f"Bearer {KEYS['system']}"}
    async with gateway(config(h, nats_server.url, tmp_path / "a"), h.keys[A]) as gw, \
            aiohttp.ClientSession() as http:  # fmt: skip
        for document in documents:
            async with http.post(f"{gw.url}/v1/messages", data=document, headers=auth) as r:
                assert r.status == 400, document[:60]
                assert r.content_type == "application/problem+json"
                problem = json.loads(await r.read())
            assert problem["type"].endswith("/invalid-request")
            assert problem["status"] == 400
        async with http.get(f"{gw.url}/healthz") as r:
            assert r.status == 200


async def test_whole_number_floats_are_integers_and_fractions_are_400(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """JSON Schema counts 3.0 as an integer, so a client generated from the document may
    write "sequence": 3.0: it is sent as 3. A fraction in an integer field is a 400."""
    h = await world(nc)
    auth = {"Authorization": f"Bearer {KEYS['system']}"}
    send = {"to": [B], "message": {"kind": "case_referral", "summary": "Moved via Agadez."}}
    async with gateway(config(h, nats_server.url, tmp_path / "a"), h.keys[A]) as gw, \
            aiohttp.ClientSession() as http:  # fmt: skip
        for sequence, status in ((3.0, (201, 202)), (3.5, (400,)), (1e300, (400,))):
            document = json.dumps({**send, "sequence": sequence}).encode()
            async with http.post(f"{gw.url}/v1/messages", data=document, headers=auth) as r:
                assert r.status in status, (sequence, r.status, await r.read())
                answer = json.loads(await r.read())
            if status == (400,):
                assert answer["detail"] == "invalid request at $.sequence"
            else:
                stored = msgspec.json.decode(
                    await (await http.get(f"{gw.url}/v1/messages/{answer['message_id']}",
                                          headers=auth)).read(),
                    type=StoredMessage,
                )  # fmt: skip
                assert stored.sequence == 3


async def test_upload_past_the_evidence_quota_is_507(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """An upload the server refuses because the authority's evidence bucket is at its
    byte quota is a 507 `quota-exceeded` problem naming the quota, not a retry-later
    503; an upload that fits is still stored afterwards."""
    h = await world(nc)
    js = nc.jetstream()
    stream = f"OBJ_{topology.evidence_bucket(A)}"
    info = await js.stream_info(stream)
    info.config.max_bytes = 256 * 1024
    await js.update_stream(info.config)
    async with gateway(config(h, nats_server.url, tmp_path / "a"), h.keys[A]) as gw, \
            GatewayClient(gw.url, KEYS["officer"]) as officer:  # fmt: skip

        async def chunks(n: int) -> AsyncIterator[bytes]:
            yield bytes(n)

        with pytest.raises(EvidenceQuotaFull) as caught:
            await officer.upload(chunks(600_000), file_name="statement.mp4",
                                 media_type="video/mp4", victim_level="none")  # fmt: skip
        problem = caught.value.problem
        assert (problem.status, problem.type.rsplit("/", 1)[-1]) == (507, "quota-exceeded")
        assert f"its quota is {256 * 1024} bytes" in (problem.detail or "")
        small = await officer.upload(chunks(10_000), file_name="note.txt",
                                     media_type="text/plain", victim_level="none")  # fmt: skip
        assert small.upload_id


async def test_malformed_delivery_header_does_not_stop_the_gateway(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """A delivery with a garbage `Palermo-Audit-Seq` header, published straight into the
    gateway authority's delivery subject, does not stop the gateway: the next good
    message is still received and stored."""
    h = await world(nc)
    async with running_broker(nats_server.url, h), \
            gateway(config(h, nats_server.url, tmp_path / "b"), h.keys[B]) as gw_b, \
            GatewayClient(gw_b.url, KEYS["system"]) as system_b, \
            aiohttp.ClientSession() as http:  # fmt: skip
        await h.js.publish(
            topology.delivery_subject(B), h.seal(A, B), headers={"Palermo-Audit-Seq": "garbage"}
        )

        async def fetched() -> bool | None:
            info = await h.js.consumer_info(topology.DELIVERY, topology.inbox_consumer(B))
            return True if info.delivered.consumer_seq >= 1 and info.num_pending == 0 else None

        await eventually(fetched)
        good = h.seal(A, B, body=referral("Second group moved through Niamey."))
        await h.send(A, good)
        good_id = parse(good).binding.message_id.hex()

        async def stored() -> StoredMessage | None:
            try:
                return await system_b.get(good_id)
            except NotFound:
                return None

        message = await eventually(stored)
        assert message.body == referral("Second group moved through Niamey.")
        async with http.get(f"{gw_b.url}/healthz") as r:
            assert r.status == 200


async def test_checkpoint_echoed_and_split_view_reported(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """The gateway verifies the audit log's checkpoints and echoes the latest in what it
    sends; a checkpoint signed with the log key for another history of the same size
    is a split view: `/v1/status` says why and `/healthz` turns 503."""
    h = await world(nc)
    cfg_a = config(h, nats_server.url, tmp_path / "a", **{"audit.checkpoint_interval": 0.2})
    async with gateway(cfg_a, h.keys[A]) as gw_a, \
            gateway(config(h, nats_server.url, tmp_path / "b"), h.keys[B]) as gw_b, \
            GatewayClient(gw_a.url, KEYS["system"]) as system_a, \
            GatewayClient(gw_b.url, KEYS["system"]) as system_b, \
            aiohttp.ClientSession() as http:  # fmt: skip
        async with running_broker(nats_server.url, h):
            await system_a.send(CaseReferral(summary="First route via Agadez."), to=[B])

            async def checkpointed() -> Status | None:
                status = await system_a.status()
                return status if status.checkpoint_size else None

            before = await eventually(checkpointed, wait=30)
            assert before.split_view is None
            second = await system_a.send(CaseReferral(summary="Second route."), to=[B])
            after = await system_a.status()

            async def evidence() -> EvidenceRecord | None:
                try:
                    return await system_b.evidence(second.message_id)
                except NotFound:
                    return None

            record = await eventually(evidence)
            echoed = msgspec.msgpack.decode(record.binding, type=Binding).checkpoint
            assert echoed is not None
            assert before.checkpoint_size is not None
            assert after.checkpoint_size is not None
            assert before.checkpoint_size <= echoed.tree_size <= after.checkpoint_size
            if echoed.tree_size == after.checkpoint_size:
                assert echoed.root_hash.hex() == after.checkpoint_root

        # The broker is gone; whoever answers now shows another history of the same size.
        seen = await system_a.status()
        assert seen.checkpoint_size is not None
        assert seen.checkpoint_root is not None
        other_root = tlog.node_hash(bytes.fromhex(seen.checkpoint_root), bytes(32))
        note = sign_checkpoint(
            Checkpoint(ORIGIN, seen.checkpoint_size, other_root, ()), h.broker_keys.log
        )

        async def answer(msg: Msg) -> None:
            await msg.respond(json.dumps({"checkpoint": note.decode()}).encode())

        sub = await nc.subscribe("palermo.api.checkpoint", cb=answer)
        try:

            async def split() -> Status | None:
                status = await system_a.status()
                return status if status.split_view else None

            status = await eventually(split)
            assert status.split_view == f"two different roots for tree size {seen.checkpoint_size}"
            assert status.checkpoint_root == seen.checkpoint_root  # the forged one not adopted
            async with http.get(f"{gw_a.url}/healthz") as r:
                assert r.status == 503
                assert json.loads(await r.read()) == {"ok": False, "split_view": True}
        finally:
            await sub.unsubscribe()


async def test_stop_survives_a_lost_cancellation() -> None:
    """A gateway task that loses one cancellation (as `asyncio.wait_for` can on Python
    3.11 when a reply races it) is cancelled again until it ends: stopping never hangs."""
    lost = 0

    async def stubborn() -> None:
        nonlocal lost
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                if lost:
                    raise
                lost += 1  # what the library does: carry on as if nothing happened

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    async with asyncio.timeout(5):
        await _cancel([task])
    assert task.cancelled()
    assert lost == 1
