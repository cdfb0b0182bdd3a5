"""A send can be retried without duplicates: `SendFailed` carries the sealed envelope,
and `Endpoint.resend` publishes the same bytes under the same `Nats-Msg-Id`."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import nats
import pytest

from broker.natsserver import NatsServer
from clients.endpoint import Endpoint
from clients.errors import SendFailed
from clients.events import Received
from schemas.envelope import seal
from schemas.kinds import CaseReferral

from .brokerkit import referral, running_broker
from .test_endpoint import world

COUNT = 40


async def test_resend_across_a_nats_restart_delivers_each_message_once(tmp_path: Path) -> None:
    """While a sender sends COUNT messages, nats-server is stopped and started again on
    the same port and store. Publishes in flight time out (`SendFailed`) although the
    client may have buffered and delivered them; resending `exc.sealed` until it is
    confirmed gives exactly one accepted audit event per message id and exactly one
    message per body at the recipient."""
    server = NatsServer(tmp_path / "nats")
    await server.start()
    port = server.url.rsplit(":", 1)[1]
    restarted: NatsServer | None = None
    nc = await nats.connect(server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    try:
        h = await world(nc)
        async with (
            running_broker(server.url, h),
            await Endpoint.connect(
                server.url, h.keys["ng-naptip"], h.root.public, publish_timeout=1.0
            ) as a,
            await Endpoint.connect(server.url, h.keys["it-dna"], h.root.public) as b,
        ):
            await a.directory()
            failures = 0
            ids: list[bytes] = []
            named: list[tuple[bytes, bytes]] = []

            async def sender() -> None:
                nonlocal failures
                for i in range(COUNT):
                    try:
                        sealed = await a.send(referral(f"Summary number {i}."), to=["it-dna"])
                    except SendFailed as exc:
                        failures += 1
                        named.append((exc.message_id, exc.sealed.binding.message_id))
                        sealed = exc.sealed
                        while True:
                            try:
                                await a.resend(sealed)
                                break
                            except SendFailed:
                                failures += 1
                                await asyncio.sleep(0.2)
                    ids.append(sealed.binding.message_id)
                    await asyncio.sleep(0.05)

            task = asyncio.create_task(sender())
            await asyncio.sleep(0.4)
            await server.aclose()
            await asyncio.sleep(2.5)  # longer than the publish timeout
            restarted = NatsServer(tmp_path / "nats", extra_args=["-p", port])
            await restarted.start()
            async with asyncio.timeout(120):
                await task
            assert failures >= 1, "no publish failed: the restart did not hit a send"
            assert all(said == sealed_id and said in ids for said, sealed_id in named)

            bodies: Counter[str] = Counter()
            received: Counter[bytes] = Counter()
            async with asyncio.timeout(120):
                async for event in b.events(idle_timeout=5.0):
                    if isinstance(event, Received) and isinstance(event.body, CaseReferral):
                        bodies[event.body.summary] += 1
                        received[event.opened.binding.message_id] += 1
                    if len(received) == COUNT:
                        break
            assert bodies == Counter({f"Summary number {i}.": 1 for i in range(COUNT)})
            assert received == Counter(dict.fromkeys(ids, 1))
            accepted = Counter(e.message_id for e in await h.audit() if e.event == "accepted")
            assert {m: accepted[m] for m in ids} == dict.fromkeys(ids, 1)
    finally:
        if not nc.is_closed:
            await nc.close()
        if restarted is not None:
            await restarted.aclose()
        await server.aclose()


async def test_resend_refuses_another_authoritys_envelope(tmp_path: Path) -> None:
    """Only an envelope this endpoint sealed can be resent on its ingress subject."""
    async with NatsServer(tmp_path / "nats") as server:
        nc = await nats.connect(server.url)
        try:
            h = await world(nc)
            other = seal(referral(), sender=h.keys["gb-nca"],
                         recipients=[h.keys["it-dna"].recipient])  # fmt: skip
            async with await Endpoint.connect(server.url, h.keys["ng-naptip"],
                                              h.root.public) as a:  # fmt: skip
                with pytest.raises(ValueError, match="sealed by gb-nca, not ng-naptip"):
                    await a.resend(other)
        finally:
            await nc.drain()
