"""The same envelope bytes are never accepted twice: not when re-sent inside the
seen-set window or after it, not when a batch is held longer than the streams' duplicate
window. Real nats-server, real broker; the windows are configured short so the tests
can outlast them."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from nats.aio.client import Client
from nats.js.api import DiscardPolicy, StreamConfig

from broker import topology
from broker.natsserver import NatsServer
from broker.service import Broker
from broker.worker import _SeenEntry
from schemas.audit import AUDIT_DOMAIN, AuditEvent, encode_event
from schemas.envelope import envelope_hash, now_ms, parse

from .brokerkit import Harness, running_broker

WINDOW = 1.5
"""Seconds JetStream remembers a `Nats-Msg-Id` in these tests: the seen-set window
(past_window + future_skew) and ack_wait x max_deliver, no more."""
SHORT: dict[str, Any] = {
    "time.past_window": 1.0,
    "time.future_skew": 0.5,
    "nats.ack_wait": 0.75,
    "nats.max_deliver": 2,
    "nats.duplicate_window": WINDOW,
}


async def _setup(h: Harness) -> None:
    await h.setup(**SHORT)
    await h.add("ng-naptip")
    await h.add("it-dna")


async def _deliveries(h: Harness, authority: str) -> int:
    """How many messages the authority's inbox consumer has been given, and none waiting."""
    info = await h.js.consumer_info(topology.DELIVERY, topology.inbox_consumer(authority))
    assert info.delivered is not None
    return int(info.delivered.consumer_seq or 0) + int(info.num_pending or 0)


async def _accepted(h: Harness, message_id: bytes) -> list[int]:
    """Audit sequences of the `accepted` events of `message_id`."""
    return [
        seq
        for seq, e in enumerate(await h.audit(), start=1)
        if e.event == "accepted" and e.message_id == message_id
    ]


async def _refuse_writes(h: Harness, stream: str, refuse: bool) -> None:
    """Make `stream` refuse every new message (as a full store would), or accept again."""
    info = await h.js.stream_info(stream)
    config: StreamConfig = info.config
    if refuse:
        config.discard = DiscardPolicy.NEW
        config.max_msgs = max(1, info.state.messages)
        if info.state.messages == 0:
            config.max_bytes = 1
    else:
        config.max_msgs = -1
        config.max_bytes = -1
        config.discard = DiscardPolicy.NEW if stream == topology.AUDIT else DiscardPolicy.OLD
    await h.js.update_stream(config)


async def test_resent_envelope_is_accepted_once(nats_server: NatsServer, nc: Client) -> None:
    """An identical envelope sent again inside the seen-set window gets the first
    acceptance again (same audit sequence and time, no second event or delivery); sent
    again once the duplicate window has passed, it is `stale` — never a second
    acceptance."""
    h = Harness(nc)
    await _setup(h)
    async with running_broker(nats_server.url, h, **SHORT):
        created = now_ms()
        data = h.seal("ng-naptip", "it-dna", created_ms=created)
        message_id = parse(data).binding.message_id
        await h.send("ng-naptip", data)
        (first,) = await h.notices("ng-naptip", 1)
        (delivery,) = await h.inbox("it-dna", 1)

        await h.send("ng-naptip", data)
        (again,) = await h.notices("ng-naptip", 1)
        assert (first.type, again.type) == ("accepted", "accepted")
        assert (again.audit_seq, again.time_ms) == (first.audit_seq, first.time_ms)
        assert again.message_id == first.message_id == message_id

        await asyncio.sleep(max(0.0, created / 1000 + WINDOW + 0.2 - time.time()))
        await h.send("ng-naptip", data)
        (late,) = await h.notices("ng-naptip", 1)
        assert (late.type, late.reason) == ("rejected", "stale")

        assert await _accepted(h, message_id) == [first.audit_seq]
        assert (delivery.headers or {})["Palermo-Audit-Seq"] == str(first.audit_seq)
        await asyncio.sleep(0.5)
        assert await _deliveries(h, "it-dna") == 1


async def test_copies_in_one_batch_are_one_acceptance(nats_server: NatsServer, nc: Client) -> None:
    """Two copies of the same bytes waiting together (a sender's retry that overtook the
    answer) are processed in one batch: one event, one delivery, and both copies are
    answered with the same acceptance."""
    h = Harness(nc)
    await _setup(h)
    data = h.seal("ng-naptip", "it-dna")
    message_id = parse(data).binding.message_id
    first_ack = await h.send("ng-naptip", data)
    await h.send("ng-naptip", data)
    async with running_broker(nats_server.url, h, **SHORT):
        notices = await h.notices("ng-naptip", 2)
        await h.inbox("it-dna", 1)
        (seq,) = await _accepted(h, message_id)
        assert [(n.type, n.audit_seq) for n in notices] == [("accepted", seq)] * 2
        (event,) = [e for e in await h.audit() if e.event == "accepted"]
        assert event.ingress_seq == first_ack.seq
        assert len({n.time_ms for n in notices}) == 1
        await asyncio.sleep(0.5)
        assert await _deliveries(h, "it-dna") == 1


async def _held(broker: Broker) -> None:
    """Until the worker reports a held batch."""
    async with asyncio.timeout(10):
        while not broker.health.last_error:
            await asyncio.sleep(0.05)


async def test_batch_held_past_duplicate_window_after_audit_writes_nothing_twice(
    nats_server: NatsServer, nc: Client
) -> None:
    """Deliveries refused after the audit event was written: the batch is held longer than
    the duplicate window, then finishes with one `accepted` event, one delivery and one
    notice — the audit append is not repeated."""
    h = Harness(nc)
    await _setup(h)
    async with running_broker(nats_server.url, h, **SHORT) as broker:
        await _refuse_writes(h, topology.DELIVERY, refuse=True)
        data = h.seal("ng-naptip", "it-dna")
        message_id = parse(data).binding.message_id
        await h.send("ng-naptip", data)
        await _held(broker)
        async with asyncio.timeout(5):
            while not await _accepted(h, message_id):
                await asyncio.sleep(0.05)
        await asyncio.sleep(WINDOW * 2)
        await _refuse_writes(h, topology.DELIVERY, refuse=False)

        (notice,) = await h.notices("ng-naptip", 1, wait=10)
        (delivery,) = await h.inbox("it-dna", 1)
        assert notice.type == "accepted"
        assert await _accepted(h, message_id) == [notice.audit_seq]
        assert (delivery.headers or {})["Palermo-Audit-Seq"] == str(notice.audit_seq)
        await asyncio.sleep(1.0)
        assert await _accepted(h, message_id) == [notice.audit_seq]
        assert await _deliveries(h, "it-dna") == 1
        info = await h.js.consumer_info(topology.INGRESS, topology.INGRESS_CONSUMER)
        assert (info.num_pending, info.num_ack_pending) == (0, 0)


async def test_batch_held_while_audit_refused_audits_once(
    nats_server: NatsServer, nc: Client
) -> None:
    """The audit stream refusing appends (a full store) for longer than the duplicate
    window: readiness fails meanwhile, nothing is acked or delivered, and once appends
    succeed again the envelope is audited, delivered and answered exactly once."""
    h = Harness(nc)
    await _setup(h)
    async with running_broker(nats_server.url, h, **SHORT) as broker:
        await _refuse_writes(h, topology.AUDIT, refuse=True)
        data = h.seal("ng-naptip", "it-dna")
        message_id = parse(data).binding.message_id
        await h.send("ng-naptip", data)
        await _held(broker)
        assert not broker.health.audit_ok
        assert not broker.is_ready
        await asyncio.sleep(WINDOW * 2)
        assert await _deliveries(h, "it-dna") == 0
        await _refuse_writes(h, topology.AUDIT, refuse=False)

        (notice,) = await h.notices("ng-naptip", 1, wait=10)
        await h.inbox("it-dna", 1)
        assert notice.type == "accepted"
        await asyncio.sleep(1.0)
        assert await _accepted(h, message_id) == [notice.audit_seq]
        assert await _deliveries(h, "it-dna") == 1
        assert broker.health.audit_ok


def _header_size(msg_id: str) -> int:
    """Bytes of a `Nats-Msg-Id` header block as the client encodes it (a stream's
    max_msg_size counts headers and payload)."""
    return len(f"NATS/1.0\r\nNats-Msg-Id: {msg_id}\r\n\r\n")


async def _limit_size(h: Harness, stream: str, size: int) -> None:
    """Refuse messages over `size` bytes (headers included) on `stream`; -1 lifts it."""
    config: StreamConfig = (await h.js.stream_info(stream)).config
    config.max_msg_size = size
    await h.js.update_stream(config)


def _accepted_event(data: bytes, ingress_ms: int, ingress_seq: int) -> bytes:
    """The `accepted` event of an envelope, field by field as docs/audit-log.md gives it."""
    b = parse(data).binding
    return encode_event(
        AuditEvent(
            AUDIT_DOMAIN,
            "accepted",
            ingress_ms,
            b.message_id,
            b.kind,
            b.sender,
            [r.authority for r in b.recipients],
            envelope_hash(data),
            len(data),
            b.victim_level,
            b.legal_basis,
            None,
            ingress_seq=ingress_seq,
        )
    )


async def test_append_stored_unheard_is_found_not_repeated(
    nats_server: NatsServer, nc: Client
) -> None:
    """An audit append JetStream stored although the broker never heard its answer (here
    the exact event, appended by the test without a `Nats-Msg-Id` while the broker's own
    appends are refused) is found by its bytes when the held batch is retried: one
    `accepted` event, whose sequence the delivery and the notice carry."""
    h = Harness(nc)
    await h.setup(**SHORT)
    await h.add("ng-naptip")
    await h.add("it-dna")
    data = h.seal("ng-naptip", "it-dna")
    ack = await h.send("ng-naptip", data)
    # The ingress time exactly as the worker will read it; then the envelope goes back.
    sub = await h.js.pull_subscribe_bind(durable=topology.INGRESS_CONSUMER, stream=topology.INGRESS)
    (msg,) = await sub.fetch(1, timeout=2)
    payload = _accepted_event(data, int(msg.metadata.timestamp.timestamp() * 1000), ack.seq)
    await msg.nak()
    await sub.unsubscribe()
    await _limit_size(h, topology.AUDIT, len(payload) + 8)  # the bare event fits, no append

    async with running_broker(nats_server.url, h, **SHORT) as broker:
        await _held(broker)
        stored = await h.js.publish(topology.AUDIT_SUBJECT, payload)
        await asyncio.sleep(WINDOW + 0.5)
        await _limit_size(h, topology.AUDIT, -1)
        (notice,) = await h.notices("ng-naptip", 1, wait=10)
        (delivery,) = await h.inbox("it-dna", 1)
        await asyncio.sleep(1.0)
        message_id = parse(data).binding.message_id
        assert await _accepted(h, message_id) == [stored.seq]
        assert (notice.type, notice.audit_seq) == ("accepted", stored.seq)
        assert (delivery.headers or {})["Palermo-Audit-Seq"] == str(stored.seq)
        assert await _deliveries(h, "it-dna") == 1


async def test_partly_stored_audit_round_appends_only_the_rest(
    nats_server: NatsServer, nc: Client
) -> None:
    """Of two envelopes in one batch, the first one's event is stored and the second's
    refused: the batch is held past the duplicate window, then only the second event is
    appended — one `accepted` event each, one delivery each."""
    h = Harness(nc)
    await h.setup(**SHORT)
    for name in ("ng-naptip", "it-dna", "gb-nca", "fr-ocrteh"):
        await h.add(name)
    small = h.seal("ng-naptip", "it-dna")
    large = h.seal("ng-naptip", "it-dna", "gb-nca", "fr-ocrteh")
    ack = await h.send("ng-naptip", small)
    await h.send("ng-naptip", large)
    small_id = parse(small).binding.message_id
    # Room for the small event and its header, not for the large one (3 recipients).
    bound = (
        len(_accepted_event(small, 0, ack.seq))
        + 9
        + _header_size(f"acc:ng-naptip:{small_id.hex()}")
    )
    await _limit_size(h, topology.AUDIT, bound)

    async with running_broker(nats_server.url, h, **SHORT) as broker:
        await _held(broker)
        async with asyncio.timeout(5):
            while not await _accepted(h, small_id):
                await asyncio.sleep(0.05)
        await asyncio.sleep(WINDOW * 2)
        await _limit_size(h, topology.AUDIT, -1)
        notices = await h.notices("ng-naptip", 2, wait=10)
        await h.inbox("gb-nca", 1)
        await asyncio.sleep(1.0)
        for data, notice in zip((small, large), notices, strict=True):
            assert notice.type == "accepted"
            assert await _accepted(h, parse(data).binding.message_id) == [notice.audit_seq]
        assert await _deliveries(h, "it-dna") == 2
        assert await _deliveries(h, "gb-nca") == 1


async def test_copy_refused_later_is_audited_as_itself(nats_server: NatsServer, nc: Client) -> None:
    """A copy of an accepted envelope that fails a later check (its recipient was revoked
    meanwhile) is rejected and audited under its own ingress sequence; the first
    acceptance stands alone."""
    h = Harness(nc)
    await h.setup()
    await h.add("ng-naptip")
    await h.add("it-dna")
    async with running_broker(nats_server.url, h):
        data = h.seal("ng-naptip", "it-dna")
        message_id = parse(data).binding.message_id
        first_ack = await h.send("ng-naptip", data)
        (first,) = await h.notices("ng-naptip", 1)
        await h.admin.set_status("it-dna", "revoked")
        await asyncio.sleep(0.5)  # the broker's directory watch applies it
        second_ack = await h.send("ng-naptip", data)
        (second,) = await h.notices("ng-naptip", 1)
        assert (first.type, second.type, second.reason) == (
            "accepted",
            "rejected",
            "recipient_inactive",
        )
        events = [e for e in await h.audit() if e.message_id == message_id]
        assert [(e.event, e.ingress_seq) for e in events] == [
            ("accepted", first_ack.seq),
            ("rejected", second_ack.seq),
        ]


def test_seen_entry_round_trip_and_earlier_form() -> None:
    """A seen-set value holds the hash and the first copy's ingress sequence and time; a
    value in the earlier 40-byte form (hash and sequence) still reads, without a time."""
    entry = _SeenEntry(bytes(range(32)), 41, 1_790_000_000_123)
    assert _SeenEntry.decode(entry.encode()) == entry
    assert len(entry.encode()) == 48
    earlier = bytes(range(32)) + (41).to_bytes(8, "big")
    assert _SeenEntry.decode(earlier) == _SeenEntry(bytes(range(32)), 41, None)
