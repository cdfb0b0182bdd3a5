"""The endpoint library through a real broker on a real nats-server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
import pytest
from nats.aio.client import Client

from broker import topology
from broker.natsserver import NatsServer
from clients.endpoint import BrokerNotice, Endpoint, Event, Received, Unopenable
from clients.errors import UnknownRecipient
from schemas.errors import OuterSignatureInvalid, Tampered
from schemas.kinds import Receipt
from schemas.wire import Binding

from .brokerkit import Harness, referral, running_broker
from .test_envelope import header_of


@asynccontextmanager
async def endpoint(url: str, h: Harness, authority: str) -> AsyncIterator[Endpoint]:
    async with await Endpoint.connect(url, h.keys[authority], h.root.public) as ep:
        yield ep


async def take(ep: Endpoint, count: int, wait: float = 10.0) -> list[Event]:
    """The next `count` events (each acked as the loop moves on)."""
    got: list[Event] = []
    async with asyncio.timeout(wait):
        async for event in ep.events():
            got.append(event)
            if len(got) == count:
                break
    return got


async def first(ep: Endpoint, kind: type[Event], wait: float = 10.0) -> Event:
    """The next event of type `kind`, skipping others (e.g. notices about our receipts)."""
    async with asyncio.timeout(wait):
        async for event in ep.events():
            if isinstance(event, kind):
                return event
    raise AssertionError("no such event")


async def world(nc: Client) -> Harness:
    h = Harness(nc)
    await h.setup()
    await h.add("ng-naptip", networks=["west-africa-route"])
    await h.add("it-dna", networks=["west-africa-route"])
    await h.add("gb-nca")
    return h


async def test_send_receive_notice_and_receipt(nats_server: NatsServer, nc: Client) -> None:
    """A message goes from A to B; B gets it verified and opened; A gets the broker's
    signed acceptance and then B's signed retrieval receipt for that very envelope."""
    h = await world(nc)
    async with running_broker(nats_server.url, h), \
            endpoint(nats_server.url, h, "ng-naptip") as a, \
            endpoint(nats_server.url, h, "it-dna") as b:  # fmt: skip
        sealed = await a.send(referral(), to=["it-dna"], handling="H2")
        (event,) = await take(b, 1)
        assert isinstance(event, Received)
        assert event.sender == "ng-naptip"
        assert event.body == referral()
        assert event.audit_seq is not None
        # B asks for more (acking the first and sending its receipt) until idle.
        async for _ in b.events(idle_timeout=1.0):
            pass
        notice, receipt = await take(a, 2)
        assert isinstance(notice, BrokerNotice)
        assert (notice.notice.type, notice.notice.message_id) == (
            "accepted", sealed.binding.message_id,
        )  # fmt: skip
        assert isinstance(receipt, Received)
        assert isinstance(receipt.body, Receipt)
        assert receipt.body.receipt_type == "retrieved"
        assert receipt.body.envelope_hash == sealed.hash
        assert receipt.body.audit_sequence == notice.notice.audit_seq
        assert receipt.opened.binding.in_reply_to == sealed.binding.message_id


async def test_tampering_broker_is_caught(nats_server: NatsServer, nc: Client) -> None:
    """A broker that alters a delivery (ciphertext or recipient list) cannot get it past
    the recipient, which refuses it with the exact error and sends a non-retrieval
    receipt naming the reason."""
    h = await world(nc)
    async with running_broker(nats_server.url, h), \
            endpoint(nats_server.url, h, "ng-naptip") as a, \
            endpoint(nats_server.url, h, "it-dna") as b:  # fmt: skip
        data = h.seal("ng-naptip", "it-dna", "gb-nca")
        flipped = data[:-1] + bytes([data[-1] ^ 1])
        # The "broker" writes straight into B's inbox, as a compromised one could.
        await h.js.publish(topology.delivery_subject("it-dna"), flipped,
                           headers={"Palermo-Type": "envelope"})  # fmt: skip
        event = await first(b, Unopenable)
        assert isinstance(event, Unopenable)
        assert isinstance(event.error, Tampered)
        receipt = await first(a, Received)
        assert isinstance(receipt, Received)
        assert isinstance(receipt.body, Receipt)
        assert (receipt.body.receipt_type, receipt.body.reason) == ("non_retrieval", "tampered")

        _, signature, ciphertext = msgspec.msgpack.decode(data, type=tuple[bytes, bytes, bytes])
        h_list = header_of(data)
        binding = msgspec.msgpack.decode(h_list[0], type=Binding)
        enc = msgspec.msgpack.Encoder()
        h_list[0] = enc.encode(msgspec.structs.replace(binding, recipients=binding.recipients[:1]))
        h_list[1] = h_list[1][:1]
        edited = enc.encode([enc.encode(h_list), signature, ciphertext])
        await h.js.publish(topology.delivery_subject("it-dna"), edited,
                           headers={"Palermo-Type": "envelope"})  # fmt: skip
        event = await first(b, Unopenable)
        assert isinstance(event, Unopenable)
        assert isinstance(event.error, OuterSignatureInvalid)


async def test_duplicate_delivery_is_handed_over_once(nats_server: NatsServer, nc: Client) -> None:
    """The same envelope delivered twice (a broker bug or replay) reaches the caller once."""
    h = await world(nc)
    async with running_broker(nats_server.url, h), \
            endpoint(nats_server.url, h, "it-dna") as b:  # fmt: skip
        data = h.seal("ng-naptip", "it-dna")
        for _ in range(2):
            await h.js.publish(topology.delivery_subject("it-dna"), data,
                               headers={"Palermo-Type": "envelope"})  # fmt: skip
        events = [e async for e in b.events(idle_timeout=2.0)]
        assert len([e for e in events if isinstance(e, Received)]) == 1


async def test_network_send_and_unknown_recipient(nats_server: NatsServer, nc: Client) -> None:
    """Sending to a network seals to each active member; an unknown recipient is refused
    before anything is sealed or sent."""
    h = await world(nc)
    async with running_broker(nats_server.url, h), \
            endpoint(nats_server.url, h, "ng-naptip") as a:  # fmt: skip
        sealed = await a.send(referral(), network="west-africa-route")
        assert [r.authority for r in sealed.binding.recipients] == ["it-dna"]
        with pytest.raises(UnknownRecipient, match="zz-ghost"):
            await a.send(referral(), to=["zz-ghost"])
