"""The national gateway: REST API, store, webhook push, through a real broker on NATS."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import msgspec
import pytest
from aiohttp import web
from nats.aio.client import Client

from broker.natsserver import NatsServer
from clients.gateway import Gateway
from clients.gateway_client import (
    Forbidden,
    GatewayClient,
    IdentifierRejected,
    NotFound,
    Unauthorized,
)
from clients.gateway_config import GatewayConfig, hash_api_key, load_gateway_config
from clients.gateway_schema import MessageSummary, StoredMessage, WebhookPayload
from schemas import _crypto
from schemas.keys import AuthorityKeys
from schemas.keystore import save_keystore
from schemas.kinds import (
    CaseReferral,
    ExtraditionRequest,
    ExtraditionStatus,
    MlaRequest,
    MlaStatus,
)
from schemas.records import Officer, Victim

from .brokerkit import Harness, running_broker
from .test_kinds import EXAMPLES

A, B = "it-dna", "ng-naptip"
OFFICER = Officer(name="Insp. A. Rossi", unit="Squadra Mobile")
KEYS = {"officer": "officer-key-of-rossi-0001", "system": "system-key-of-case-system-01"}
SECRET = "webhook-shared-secret-for-tests"  # noqa: S105 - a test value, not a secret
PASSPHRASE = "correct horse battery"  # noqa: S105 - a test value, not a secret
T = TypeVar("T")


def api_keys() -> list[dict[str, Any]]:
    """One officer key and one system key (the same at both gateways, for brevity)."""
    return [
        {"name": "rossi", "key_hash": hash_api_key(KEYS["officer"]), "role": "officer",
         "officer": msgspec.to_builtins(OFFICER)},
        {"name": "case-system", "key_hash": hash_api_key(KEYS["system"]), "role": "system"},
    ]  # fmt: skip


def config(h: Harness, url: str, data: Path, **overrides: Any) -> GatewayConfig:
    """A gateway configuration on a free loopback port, fast webhook retries."""
    return load_gateway_config(
        env={},
        overrides={
            "directory_root": h.root.public.hex(),
            "data_dir": str(data),
            "nats.url": url,
            "http.port": 0,
            "api_keys": api_keys(),
            "webhook.retry_base": 0.05,
            "webhook.retry_max": 0.2,
            **overrides,
        },
    )


@asynccontextmanager
async def gateway(cfg: GatewayConfig, keys: AuthorityKeys | None = None) -> AsyncIterator[Gateway]:
    """A running gateway, stopped after the block."""
    gw = Gateway(cfg, keys=keys)
    stop = asyncio.Event()
    task = asyncio.create_task(gw.run(stop))
    try:
        async with asyncio.timeout(15):
            ready = asyncio.create_task(gw.ready.wait())
            await asyncio.wait([ready, task], return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                ready.cancel()
                await task  # raises what stopped it
        yield gw
    finally:
        stop.set()
        await task


@dataclass
class Webhook:
    """A real HTTP receiver on loopback that fails its first `failures` requests."""

    failures: int = 0
    attempts: int = 0
    taken: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.attempts += 1
        if self.attempts <= self.failures:
            return web.Response(status=503)
        self.taken.append((dict(request.headers), body))
        return web.Response(status=204)


@asynccontextmanager
async def webhook_server(hook: Webhook) -> AsyncIterator[Webhook]:
    """Serve `hook` on a free loopback port."""
    app = web.Application()
    app.router.add_post("/palermo", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        hook.url = f"http://{host}:{port}/palermo"
        yield hook
    finally:
        await runner.cleanup()


async def eventually(probe: Callable[[], Awaitable[T | None]], wait: float = 15.0) -> T:
    """The first non-None result of `probe`, polled."""
    async with asyncio.timeout(wait):
        while (result := await probe()) is None:
            await asyncio.sleep(0.1)
        return result


def guide_verifier() -> Callable[[bytes, dict[str, str], bytes], bool]:
    """The webhook `verify` function exactly as docs/gateway-guide.md prints it."""
    guide = (Path(__file__).parent.parent / "docs" / "gateway-guide.md").read_text()
    code = next(
        block.split("```", 1)[0]
        for block in guide.split("```python\n")[1:]
        if "def verify(secret: bytes" in block
    )
    namespace: dict[str, Any] = {}
    exec(compile(code, "gateway-guide.md", "exec"), namespace)  # noqa: S102 - our own docs
    return namespace["verify"]  # type: ignore[no-any-return]


def verify(headers: dict[str, str], body: bytes, secret: str = SECRET) -> None:
    """What a receiver does: the guide's check of signature, message id and freshness."""
    assert guide_verifier()(secret.encode(), headers, body)


async def world(nc: Client) -> Harness:
    h = Harness(nc)
    await h.setup()
    await h.add(A, roles=["prosecutor"])
    await h.add(B, roles=["central_authority"])
    return h


async def test_mla_request_webhook_and_reply(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """An officer at A sends an MLA request through A's gateway; B's gateway pushes it to
    a webhook that fails twice (signed, retried, then taken); B's system replies through
    the REST API and A's gateway stores the reply in the same thread."""
    h = await world(nc)
    hook = Webhook(failures=2)
    async with running_broker(nats_server.url, h), webhook_server(hook), \
            gateway(config(h, nats_server.url, tmp_path / "a"), h.keys[A]) as gw_a, \
            gateway(config(h, nats_server.url, tmp_path / "b", **{
                "webhook.url": hook.url, "webhook.secret": SECRET}), h.keys[B]) as gw_b, \
            GatewayClient(gw_a.url, KEYS["officer"]) as officer_a, \
            GatewayClient(gw_a.url, KEYS["system"]) as system_a, \
            GatewayClient(gw_b.url, KEYS["system"]) as system_b:  # fmt: skip
        request = EXAMPLES["mla_request"]
        assert isinstance(request, MlaRequest)
        sent = await officer_a.send(request, to=[B], handling="H2", priority="urgent")
        assert (sent.kind, sent.recipients, sent.sequence) == ("mla_request", [B], 0)

        async def pushed() -> tuple[dict[str, str], bytes] | None:
            return hook.taken[0] if hook.taken else None

        headers, raw = await eventually(pushed)
        verify(headers, raw)
        # The id receivers de-duplicate on is signed: a changed id header fails.
        assert headers["X-Palermo-Message-Id"] == sent.message_id
        replayed = {**headers, "X-Palermo-Message-Id": "0" * 32}
        assert not guide_verifier()(SECRET.encode(), replayed, raw)
        assert hook.attempts == 3
        payload = msgspec.json.decode(raw, type=WebhookPayload)
        assert payload.delivery_attempt == 3
        message = payload.message
        assert (message.message_id, message.sender, message.kind) == (sent.message_id, A,
                                                                     "mla_request")  # fmt: skip
        assert (message.handling, message.priority, message.thread_id) == (
            "H2", "urgent", sent.thread_id,
        )  # fmt: skip
        assert message.body == msgspec.structs.replace(request, author=OFFICER)
        assert message.audit_seq is not None

        async def taken_by_webhook() -> StoredMessage | None:
            stored = await system_b.get(sent.message_id)
            return stored if stored.acknowledged else None

        stored = await eventually(taken_by_webhook)
        assert stored.acknowledged_by == "webhook"
        assert sent.message_id not in [
            m.message_id for m in (await system_b.list(unacknowledged=True)).messages
        ]

        # B's case system answers through the REST API: the thread and the recipient
        # come from the message it replies to.
        status = MlaStatus(request_id=bytes.fromhex(sent.message_id), status="acknowledged")
        reply = await system_b.send(status, in_reply_to=sent.message_id)
        assert (reply.thread_id, reply.recipients, reply.sequence) == (sent.thread_id, [A], 1)

        async def reply_at_a() -> StoredMessage | None:
            page = await officer_a.list(kind="mla_status", thread=sent.thread_id)
            return await officer_a.get(page.messages[0].message_id) if page.messages else None

        got = await eventually(reply_at_a)
        assert (got.message_id, got.sender, got.in_reply_to) == (reply.message_id, B,
                                                                 sent.message_id)  # fmt: skip
        assert got.body == status
        assert not got.acknowledged  # A has no webhook: it waits for the system's ack

        thread = await officer_a.thread(sent.thread_id)
        kinds = [(m.direction, m.kind) for m in thread.messages]
        assert kinds[0] == ("sent", "mla_request")
        assert ("received", "mla_status") in kinds
        assert thread.messages[0].sent_by == "rossi"

        with pytest.raises(Forbidden):
            await officer_a.ack(reply.message_id)
        ack = await system_a.ack(reply.message_id)
        assert ack.acknowledged_by == "api:case-system"
        assert (await system_a.get(reply.message_id)).acknowledged
        with pytest.raises(NotFound):
            await system_a.get("00" * 16)


async def test_webhook_retries_survive_restart(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """A message received while the webhook is down stays unacknowledged through a
    gateway restart and is pushed once the webhook answers."""
    h = await world(nc)
    hook = Webhook(failures=10**6)
    async with running_broker(nats_server.url, h), webhook_server(hook):
        cfg_b = config(h, nats_server.url, tmp_path / "b",
                       **{"webhook.url": hook.url, "webhook.secret": SECRET})  # fmt: skip
        async with gateway(config(h, nats_server.url, tmp_path / "a"), h.keys[A]) as gw_a, \
                GatewayClient(gw_a.url, KEYS["officer"]) as officer_a:  # fmt: skip
            async with gateway(cfg_b, h.keys[B]) as gw_b, \
                    GatewayClient(gw_b.url, KEYS["system"]) as system_b:  # fmt: skip
                sent = await officer_a.send(CaseReferral(summary="Route via Agadez."), to=[B])

                async def failing() -> int | None:
                    return hook.attempts if hook.attempts >= 2 else None

                await eventually(failing)
                pending = await system_b.list(unacknowledged=True)
                assert [m.message_id for m in pending.messages] == [sent.message_id]
            hook.failures = 0
            async with gateway(cfg_b, h.keys[B]):

                async def pushed() -> bool | None:
                    return True if hook.taken else None

                await eventually(pushed)
        headers, raw = hook.taken[0]
        verify(headers, raw)
        assert msgspec.json.decode(raw, type=WebhookPayload).message.message_id == sent.message_id


async def test_auth_openapi_and_keystore(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """A gateway started from its keystore and passphrase answers 401 problems without
    a valid key and serves an OpenAPI 3.1 document with every message schema."""
    h = await world(nc)
    keystore = tmp_path / "a" / "authority.keystore"
    save_keystore(keystore, h.keys[A], PASSPHRASE,
                  opslimit=_crypto.ARGON2ID_OPS_INTERACTIVE,
                  memlimit=_crypto.ARGON2ID_MEM_INTERACTIVE)  # fmt: skip
    cfg = config(h, nats_server.url, tmp_path / "a", passphrase=PASSPHRASE)
    async with gateway(cfg) as gw, aiohttp.ClientSession() as http:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEYS["system"]}):
            async with http.get(f"{gw.url}/v1/messages", headers=headers) as response:
                assert response.status == 401
                assert response.content_type == "application/problem+json"
                problem = await response.json(content_type=None)
                assert (problem["status"], problem["title"]) == (401, "Unauthorized")
        async with GatewayClient(gw.url, "not-a-key") as stranger:
            with pytest.raises(Unauthorized):
                await stranger.list()

        async with http.get(f"{gw.url}/v1/openapi.json") as response:
            assert response.status == 200
            document = json.loads(await response.read())
        assert document["openapi"].startswith("3.1")
        schemas = document["components"]["schemas"]
        for name in ("MlaRequest", "MlaStatus", "CaseReferral", "SendRequest", "Problem",
                     "StoredMessage", "WebhookPayload", "EvidenceRecord", "Status"):  # fmt: skip
            assert name in schemas, name
        for path in ("/v1/messages", "/v1/messages/{message_id}", "/v1/messages/{message_id}/ack",
                     "/v1/threads/{thread_id}", "/v1/attachments", "/v1/status",
                     "/v1/messages/{message_id}/evidence"):  # fmt: skip
            assert path in document["paths"], path
        ref = document["paths"]["/v1/messages"]["post"]["requestBody"]["content"]
        assert ref["application/json"]["schema"] == {"$ref": "#/components/schemas/SendRequest"}


async def test_identifier_in_free_text_is_422(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """A phone number in free text is refused with a 422 problem naming the field and
    the kind of identifier, never the number; nothing is sent or stored."""
    h = await world(nc)
    number = "+39 333 123 4567"
    body = CaseReferral(summary=f"Call the victim on {number}.", victims=[Victim(ref="V1")])
    async with gateway(config(h, nats_server.url, tmp_path / "a"), h.keys[A]) as gw, \
            GatewayClient(gw.url, KEYS["officer"]) as officer, \
            aiohttp.ClientSession() as http:  # fmt: skip
        with pytest.raises(IdentifierRejected) as caught:
            await officer.send(body, to=[B])
        assert caught.value.status == 422
        assert (caught.value.field, caught.value.identifier) == ("summary", "phone")
        assert number not in str(caught.value.problem)

        wrapper = {"message": msgspec.to_builtins(body), "to": [B]}
        async with http.post(
            f"{gw.url}/v1/messages",
            json=wrapper,
            headers={"Authorization": f"Bearer {KEYS['system']}"},
        ) as response:
            assert response.status == 422
            assert response.content_type == "application/problem+json"
            text = await response.text()
        problem = json.loads(text)
        assert (problem["field"], problem["identifier"]) == ("summary", "phone")
        assert problem["code"] == "identifier_in_free_text"
        assert "333" not in text

        async with http.post(
            f"{gw.url}/v1/messages",
            data=b'{"message": {"kind": "nope"}}',
            headers={"Authorization": f"Bearer {KEYS['system']}"},
        ) as response:
            assert response.status == 400
            assert "nope" not in await response.text()


async def test_attachment_upload_send_download(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """An officer streams a file up to A's gateway, references it in a referral to B,
    and B's gateway streams it back decrypted, byte for byte."""
    h = await world(nc)
    content = _crypto.random_bytes(300_000)
    source = tmp_path / "statement.mp4"
    source.write_bytes(content)
    async with running_broker(nats_server.url, h), \
            gateway(config(h, nats_server.url, tmp_path / "a"), h.keys[A]) as gw_a, \
            gateway(config(h, nats_server.url, tmp_path / "b"), h.keys[B]) as gw_b, \
            GatewayClient(gw_a.url, KEYS["officer"]) as officer_a, \
            GatewayClient(gw_b.url, KEYS["system"]) as system_b:  # fmt: skip
        upload = await officer_a.upload(
            source,
            file_name="statement-W1.mp4",
            media_type="video/mp4",
            victim_level="pseudonymised",
        )
        assert upload.size == len(content)
        sent = await officer_a.send(
            CaseReferral(summary="Recorded statement attached."), to=[B],
            attachments=[upload.upload_id],
        )  # fmt: skip

        async def arrived() -> bool | None:
            return True if (await system_b.list()).messages else None

        await eventually(arrived)
        got = await system_b.get(sent.message_id)
        assert isinstance(got.body, CaseReferral)
        assert [a.file_name for a in got.body.attachments] == ["statement-W1.mp4"]
        dest = tmp_path / "downloaded.mp4"
        assert await system_b.download(sent.message_id, 0, dest) == len(content)
        assert dest.read_bytes() == content
        with pytest.raises(NotFound):
            await system_b.download(sent.message_id, 1, tmp_path / "none")


async def test_extradition_thread_survives_gateway_restart(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """The requested authority's gateway rebuilds extradition threads from its store on
    restart: its status updates after the restart are accepted and numbered on, and
    arrive at the requesting authority."""
    h = await world(nc)
    cfg_b = config(h, nats_server.url, tmp_path / "b")
    async with running_broker(nats_server.url, h), \
            gateway(config(h, nats_server.url, tmp_path / "a"), h.keys[A]) as gw_a, \
            GatewayClient(gw_a.url, KEYS["officer"]) as officer_a:  # fmt: skip
        request = EXAMPLES["extradition_request"]
        assert isinstance(request, ExtraditionRequest)
        sent = await officer_a.send(request, to=[B])
        request_id = bytes.fromhex(sent.message_id)
        async with gateway(cfg_b, h.keys[B]) as gw_b, \
                GatewayClient(gw_b.url, KEYS["system"]) as system_b:  # fmt: skip

            async def arrived() -> MessageSummary | None:
                page = await system_b.list(kind="extradition_request")
                return page.messages[0] if page.messages else None

            await eventually(arrived)
            first = ExtraditionStatus(request_id=request_id, status="received")
            one = await system_b.send(first, in_reply_to=sent.message_id)
        async with gateway(cfg_b, h.keys[B]) as gw_b, \
                GatewayClient(gw_b.url, KEYS["system"]) as system_b:  # fmt: skip
            second = ExtraditionStatus(request_id=request_id, status="under_review")
            two = await system_b.send(second, in_reply_to=sent.message_id)
        assert (one.sequence, two.sequence) == (1, 2)

        async def both_at_a() -> list[str] | None:
            page = await officer_a.list(kind="extradition_status", thread=sent.thread_id)
            return [m.message_id for m in page.messages] if len(page.messages) == 2 else None

        assert sorted(await eventually(both_at_a)) == sorted([one.message_id, two.message_id])
        bodies = [(await officer_a.get(i)).body for i in (one.message_id, two.message_id)]
        assert bodies == [first, second]
