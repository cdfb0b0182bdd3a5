"""Every failure of one inbox message is a typed event, and the next message still
arrives: a malicious or buggy broker (a privileged connection publishing straight into
the recipient's delivery subject) and a malicious sender try to jam an inbox."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncGenerator, Callable
from typing import cast

import pytest
from nats.aio.client import Client

from broker import topology
from broker.natsserver import NatsServer
from clients.endpoint import DEFER_DELAY, Endpoint
from clients.events import (
    BadDelivery,
    BrokerNotice,
    Deferred,
    Event,
    Received,
    Replayed,
    Unopenable,
)
from schemas import _crypto
from schemas.envelope import now_ms
from schemas.errors import Malformed, ReplayDetected, StaleDirectory
from schemas.kinds import CaseReferral, Receipt, encode_message
from schemas.levels import VictimLevelExceeded
from schemas.records import PersonIdentity, Victim, VictimLevel
from schemas.wire import Binding, ReceiptRef, Recipient

from . import forge
from .brokerkit import Harness, referral, running_broker
from .support import Clock
from .test_endpoint import endpoint, world

ENVELOPE = {"Palermo-Type": "envelope"}


async def deliver(h: Harness, data: bytes, headers: dict[str, str] | None = None) -> None:
    """Write `data` straight into it-dna's inbox, as a (compromised) broker can."""
    await h.js.publish(topology.delivery_subject("it-dna"), data, headers=headers or ENVELOPE)


async def until_good(ep: Endpoint, good: bytes, wait: float = 15.0) -> list[Event]:
    """Events up to and including the Received of message id `good`; broker notices are
    left out. Fails if the good message never comes (the inbox is jammed)."""
    got: list[Event] = []
    async with asyncio.timeout(wait):
        async for event in ep.events():
            if isinstance(event, Received | Unopenable | Replayed | BadDelivery):
                got.append(event)
            if isinstance(event, Received) and event.opened.binding.message_id == good:
                return got
    raise AssertionError("the good message never arrived")


async def receipt_for(ep: Endpoint, message_id: bytes, wait: float = 15.0) -> Received:
    """The next non-retrieval receipt `ep` receives about `message_id`."""
    async with asyncio.timeout(wait):
        async for event in ep.events():
            if (
                isinstance(event, Received)
                and isinstance(event.body, Receipt)
                and event.body.message_id == message_id
                and event.body.receipt_type == "non_retrieval"
            ):
                return event
    raise AssertionError("no receipt")


def fixed_id(message_id: bytes) -> Callable[[int], bytes]:
    """A `seal` randomness source that makes the message id `message_id`."""
    return lambda n: message_id if n == 16 else _crypto.random_bytes(n)


def good(h: Harness) -> tuple[bytes, bytes]:
    """(envelope, message id) of a clean referral from ng-naptip to it-dna."""
    message_id = _crypto.random_bytes(16)
    data = h.seal("ng-naptip", "it-dna", random=fixed_id(message_id), thread_id=bytes(16))
    return data, message_id


async def test_different_hash_replay_is_refused_and_the_inbox_goes_on(
    nats_server: NatsServer, nc: Client
) -> None:
    """A second envelope reusing a handed-over message id (as after the broker's window)
    is a `Replayed` event, acked and answered with a non-retrieval receipt; it comes
    back no more, and the next message arrives."""
    h = await world(nc)
    async with running_broker(nats_server.url, h), \
            endpoint(nats_server.url, h, "ng-naptip") as a, \
            endpoint(nats_server.url, h, "it-dna") as b:  # fmt: skip
        reused = _crypto.random_bytes(16)
        first = h.seal("ng-naptip", "it-dna", random=fixed_id(reused), thread_id=bytes(16))
        second = h.seal("ng-naptip", "it-dna", body=referral("Another summary."),
                        random=fixed_id(reused), thread_id=bytes(16))  # fmt: skip
        after, after_id = good(h)
        for data in (first, second, second, after):
            await deliver(h, data)
        events = await until_good(b, after_id)
        assert [type(e) for e in events] == [Received, Replayed, Replayed, Received]
        replayed = events[1]
        assert isinstance(replayed, Replayed)
        assert isinstance(replayed.error, ReplayDetected)
        assert (replayed.code, replayed.sender, replayed.message_id) == (
            "replay", "ng-naptip", reused,
        )  # fmt: skip
        assert replayed.envelope_hash == _crypto.blake2b(second)
        assert replayed.receipt_sent
        receipt = await receipt_for(a, reused)  # the first copy's `retrieved` one is skipped
        assert isinstance(receipt.body, Receipt)
        assert (receipt.body.reason, receipt.body.envelope_hash) == (
            "replay",
            replayed.envelope_hash,
        )
        # Nothing comes back: only B's own broker notices remain once idle.
        rest = [e async for e in b.events(idle_timeout=2.0)]
        assert all(isinstance(e, BrokerNotice) for e in rest)


@pytest.mark.parametrize(
    ("headers", "reason", "header"),
    [
        ({"Palermo-Audit-Seq": "12abc"}, "bad_header", "Palermo-Audit-Seq"),
        ({"Palermo-Audit-Seq": "1_000"}, "bad_header", "Palermo-Audit-Seq"),
        ({"Palermo-Accepted-Ms": "-5"}, "bad_header", "Palermo-Accepted-Ms"),
        ({"Palermo-Accepted-Ms": "0x11"}, "bad_header", "Palermo-Accepted-Ms"),
        ({"Palermo-Accepted-Ms": "9" * 20}, "bad_header", "Palermo-Accepted-Ms"),
        ({"Palermo-Type": "bogus"}, "unknown_type", "Palermo-Type"),
    ],
    ids=["letters", "underscore", "negative", "hex", "too-long", "unknown-type"],
)
async def test_garbage_delivery_header_is_an_event(
    nats_server: NatsServer, nc: Client, headers: dict[str, str], reason: str, header: str
) -> None:
    """A delivery whose broker headers are not decimal integers (or of an unknown type)
    is a `BadDelivery` naming the header, acked, with a non-retrieval receipt to the
    sender the envelope names; the next message arrives."""
    h = await world(nc)
    async with running_broker(nats_server.url, h), \
            endpoint(nats_server.url, h, "ng-naptip") as a, \
            endpoint(nats_server.url, h, "it-dna") as b:  # fmt: skip
        bad, bad_id = good(h)
        after, after_id = good(h)
        await deliver(h, bad, {**ENVELOPE, **headers})
        await deliver(h, after)
        events = await until_good(b, after_id)
        assert [type(e) for e in events] == [BadDelivery, Received]
        event = events[0]
        assert isinstance(event, BadDelivery)
        assert (event.code, event.header, event.sender) == (reason, header, "ng-naptip")
        assert event.envelope_hash == _crypto.blake2b(bad)
        assert event.receipt_sent
        receipt = await receipt_for(a, bad_id)
        assert isinstance(receipt.body, Receipt)
        assert (receipt.body.receipt_type, receipt.body.reason) == ("non_retrieval", "bad_delivery")


def forged(
    h: Harness,
    body: bytes,
    *,
    level: VictimLevel = "none",
    sender: str = "ng-naptip",
    kind: str = "case_referral",
) -> tuple[bytes, bytes]:
    """(envelope, message id) assembled by the independent encoder: `body` as given
    (not minimised, not checked) under a binding that declares `level`."""
    keys, to = h.keys[sender], h.keys["it-dna"]
    content_key = _crypto.random_bytes(32)
    now = now_ms()
    message_id = _crypto.random_bytes(16)
    binding = Binding(
        1, message_id, kind, sender, keys.signing.key_id,
        [Recipient("it-dna", to.encryption.key_id)], _crypto.random_bytes(16), 0, None,
        now, now + 3600_000, "routine", "H0", level,
        "court_order" if level == "disclosed" else None, [], None, None,
        forge.commitment(content_key),
    )  # fmt: skip
    data = forge.assemble(
        binding, body, content_key=content_key, recipients_public=[to.encryption.public],
        inner_signer=keys.signing, outer_signer=keys.signing,
    )  # fmt: skip
    return data, message_id


IDENTIFIED = CaseReferral(
    summary="Victim V1 was moved from Lagos to Turin.",
    victims=[
        Victim(
            ref="V1",
            sex="female",
            identity=PersonIdentity(
                names=["Blessing Okafor"],
                date_of_birth=dt.date(2004, 3, 1),
                phones=["+234 803 555 0199"],
            ),
        )
    ],
)


async def test_body_above_declared_level_is_refused_with_its_reason(
    nats_server: NatsServer, nc: Client
) -> None:
    """A sender declares `none` over names, a date of birth and a phone: the broker
    passes it (it cannot read it), the recipient refuses it as `Unopenable` with
    `VictimLevelExceeded`, hands nothing over, and sends a non-retrieval receipt whose
    binding says `victim_level_exceeded` in the clear; a redelivery is dropped, and the
    next message arrives."""
    h = await world(nc)
    async with running_broker(nats_server.url, h), \
            endpoint(nats_server.url, h, "ng-naptip") as a, \
            endpoint(nats_server.url, h, "it-dna") as b:  # fmt: skip
        data, message_id = forged(h, encode_message(IDENTIFIED), level="none")
        await h.send("ng-naptip", data)  # through the real broker, which audits `none`
        await deliver(h, data)  # and again, as a redelivery
        after, after_id = good(h)
        await deliver(h, after)
        events = await until_good(b, after_id)
        assert [type(e) for e in events] == [Unopenable, Received]
        refused = events[0]
        assert isinstance(refused, Unopenable)
        assert isinstance(refused.error, VictimLevelExceeded)
        assert refused.code == "victim_level_exceeded"
        assert (refused.error.declared, refused.error.needed) == ("none", "disclosed")
        assert refused.error.where == "victims[0].identity"
        assert "Blessing" not in str(refused.error)
        assert (refused.sender, refused.message_id, refused.receipt_sent) == (
            "ng-naptip", message_id, True,
        )  # fmt: skip
        receipt = await receipt_for(a, message_id)
        assert isinstance(receipt.body, Receipt)
        assert (receipt.body.receipt_type, receipt.body.reason) == (
            "non_retrieval", "victim_level_exceeded",
        )  # fmt: skip
        assert receipt.opened.binding.receipt == ReceiptRef(
            "non_retrieval", "victim_level_exceeded"
        )
        assert receipt.body.envelope_hash == _crypto.blake2b(data)


async def test_pseudonymised_over_identity_is_refused(nats_server: NatsServer, nc: Client) -> None:
    """Declaring `pseudonymised` over a victim who still carries an identity is refused
    the same way (it would need `disclosed`, with its legal basis)."""
    h = await world(nc)
    async with running_broker(nats_server.url, h), endpoint(nats_server.url, h, "it-dna") as b:
        data, _ = forged(h, encode_message(IDENTIFIED), level="pseudonymised")
        after, after_id = good(h)
        await deliver(h, data)
        await deliver(h, after)
        events = await until_good(b, after_id)
        assert [type(e) for e in events] == [Unopenable, Received]
        assert isinstance(events[0], Unopenable)
        assert isinstance(events[0].error, VictimLevelExceeded)
        assert (events[0].error.declared, events[0].error.needed) == ("pseudonymised", "disclosed")


async def test_unopenable_bodies_are_events(nats_server: NatsServer, nc: Client) -> None:
    """Bytes that are no envelope, and a signed envelope whose body does not decode, are
    each `Unopenable` with `Malformed`; only the second names a sender and gets a
    non-retrieval receipt (`malformed`); the next message arrives."""
    h = await world(nc)
    async with running_broker(nats_server.url, h), \
            endpoint(nats_server.url, h, "ng-naptip") as a, \
            endpoint(nats_server.url, h, "it-dna") as b:  # fmt: skip
        garbage = b"\x93\xc4\x01x" + bytes(50)
        undecodable, message_id = forged(h, b"\xc1not msgpack")
        after, after_id = good(h)
        for data in (garbage, undecodable, after):
            await deliver(h, data)
        events = await until_good(b, after_id)
        assert [type(e) for e in events] == [Unopenable, Unopenable, Received]
        first, second = events[0], events[1]
        assert isinstance(first, Unopenable)
        assert isinstance(second, Unopenable)
        assert isinstance(first.error, Malformed)
        assert (first.sender, first.message_id, first.receipt_sent) == (None, None, False)
        assert isinstance(second.error, Malformed)
        assert (second.sender, second.message_id, second.receipt_sent) == (
            "ng-naptip", message_id, True,
        )  # fmt: skip
        receipt = await receipt_for(a, message_id)
        assert isinstance(receipt.body, Receipt)
        assert (receipt.body.receipt_type, receipt.body.reason) == ("non_retrieval", "malformed")
        # The broker audits the refusal, naming the message and the reason, never content.
        [refusal] = [e for e in await h.audit() if e.event == "non_retrieval"]
        assert (refusal.sender, refusal.message_id, refusal.reason) == (
            "it-dna", message_id, "malformed",
        )  # fmt: skip


async def test_stale_directory_defers_and_the_message_comes_back(
    nats_server: NatsServer, nc: Client
) -> None:
    """While the endpoint's directory cannot be made fresh (every head it can read has
    expired by its clock), a message is `Deferred` (nak with a delay), not judged and
    not lost; once the directory is fresh again the same message arrives."""
    h = await world(nc)
    clock = Clock(now_ms())
    async with await Endpoint.connect(nats_server.url, h.keys["it-dna"], h.root.public,
                                      clock=clock) as b:  # fmt: skip
        await b.directory()
        data, message_id = good(h)
        clock.now += 25 * 3600 * 1000  # past the head's expiry
        await deliver(h, data)
        got: list[Event] = []
        async with (
            asyncio.timeout(20),
            contextlib.aclosing(cast(AsyncGenerator[Event, None], b.events())) as events,
        ):
            async for event in events:
                got.append(event)
                if isinstance(event, Deferred):
                    clock.now -= 25 * 3600 * 1000
                if isinstance(event, Received):
                    break
        assert [type(e) for e in got] == [Deferred, Received]
        deferred, received = got
        assert isinstance(deferred, Deferred)
        assert isinstance(deferred.error, StaleDirectory)
        assert (deferred.code, deferred.delay) == ("directory_stale", DEFER_DELAY)
        assert isinstance(received, Received)
        assert received.opened.binding.message_id == message_id


async def test_forged_notice_batch_is_an_event(nats_server: NatsServer, nc: Client) -> None:
    """A `notices` message not signed by the broker's notice key is a `BadDelivery`
    (`bad_notices`, no receipt), acked; the next message arrives."""
    h = await world(nc)
    async with running_broker(nats_server.url, h), endpoint(nats_server.url, h, "it-dna") as b:
        forged_batch = b"\x93\xc4\x02xx\xc4\x10" + bytes(16) + b"\xc4\x40" + bytes(64)
        after, after_id = good(h)
        await deliver(h, forged_batch, {"Palermo-Type": "notices"})
        await deliver(h, after)
        events = await until_good(b, after_id)
        assert [type(e) for e in events] == [BadDelivery, Received]
        bad = events[0]
        assert isinstance(bad, BadDelivery)
        assert (bad.code, bad.header, bad.sender, bad.receipt_sent) == (
            "bad_notices", None, None, False,
        )  # fmt: skip
        assert bad.envelope_hash == _crypto.blake2b(forged_batch)
