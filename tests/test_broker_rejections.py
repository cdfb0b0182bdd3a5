"""Every rejection code, triggered by an envelope crafted for it, with its audit record
and the signed notice its sender receives."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, get_args

import pytest
from nats.aio.client import Client

from broker import topology
from broker.natsserver import NatsServer
from schemas import _crypto
from schemas.envelope import envelope_hash, now_ms, parse, seal
from schemas.keys import AuthorityKeys, EncryptionKey, RecipientKey, SigningKey
from schemas.minimise import LinkageKey
from schemas.notice import RejectionCode, open_notices
from schemas.records import Disclosure

from .brokerkit import Harness, referral, running_broker
from .test_kinds import EXAMPLES


@dataclass
class Crafted:
    """What a case sends: on whose subject, which bytes, and whether the broker gets as
    far as verifying the signature (which decides what it may audit)."""

    subject_sender: str
    data: bytes
    verified: bool
    before: bytes | None = None  # an envelope sent first (the original of a replay)


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


async def malformed(h: Harness) -> Crafted:
    return Crafted("ng-naptip", b"\x93not an envelope", verified=False)


async def too_large(h: Harness) -> Crafted:
    return Crafted("ng-naptip", bytes(395_000), verified=False)


async def sender_mismatch(h: Harness) -> Crafted:
    return Crafted("ng-naptip", h.seal("gb-nca", "it-dna"), verified=False)


async def unknown_sender(h: Harness) -> Crafted:
    ghost = AuthorityKeys.generate("zz-ghost")
    data = seal(referral(), sender=ghost, recipients=[h.keys["it-dna"].recipient]).data
    return Crafted("zz-ghost", data, verified=False)


async def sender_inactive(h: Harness) -> Crafted:
    await h.add("fr-ocrteh", status="suspended")
    return Crafted("fr-ocrteh", h.seal("fr-ocrteh", "it-dna"), verified=False)


async def key_invalid(h: Harness) -> Crafted:
    impostor = AuthorityKeys("ng-naptip", SigningKey.generate(), EncryptionKey.generate())
    data = seal(referral(), sender=impostor, recipients=[h.keys["it-dna"].recipient]).data
    return Crafted("ng-naptip", data, verified=False)


async def bad_signature(h: Harness) -> Crafted:
    data = h.seal("ng-naptip", "it-dna")
    ciphertext_len = len(parse(data).envelope.ciphertext)
    return Crafted("ng-naptip", flip(data, len(data) - ciphertext_len - 10), verified=False)


async def tampered(h: Harness) -> Crafted:
    data = h.seal("ng-naptip", "it-dna")
    return Crafted("ng-naptip", flip(data, len(data) - 1), verified=True)


async def stale(h: Harness) -> Crafted:
    data = h.seal("ng-naptip", "it-dna", created_ms=now_ms() - 20 * 60 * 1000)
    return Crafted("ng-naptip", data, verified=True)


async def replay(h: Harness) -> Crafted:
    message_id = _crypto.random_bytes(16)

    def same_id(n: int) -> bytes:
        return message_id if n == 16 else _crypto.random_bytes(n)

    first = h.seal("ng-naptip", "it-dna", random=same_id)
    second = h.seal("ng-naptip", "it-dna", body=referral("A different text."), random=same_id)
    return Crafted("ng-naptip", second, verified=True, before=first)


async def unknown_recipient(h: Harness) -> Crafted:
    ghost = RecipientKey("zz-ghost", EncryptionKey.generate().public)
    data = seal(referral(), sender=h.keys["ng-naptip"], recipients=[ghost]).data
    return Crafted("ng-naptip", data, verified=True)


async def recipient_inactive(h: Harness) -> Crafted:
    await h.add("fr-ocrteh", status="revoked")
    return Crafted("ng-naptip", h.seal("ng-naptip", "fr-ocrteh"), verified=True)


async def policy_denied(h: Harness) -> Crafted:
    # ng-naptip is police: MLA requests go between judicial and central authorities.
    data = h.seal(
        "ng-naptip", "it-dna", body=EXAMPLES["mla_request"], linkage_key=LinkageKey.generate()
    )
    return Crafted("ng-naptip", data, verified=True)


async def disclosure_denied(h: Harness) -> Crafted:
    disclosure = Disclosure(legal_basis="court_order", reference="order 12/2026")
    data = h.seal("ng-naptip", "it-dna", body=EXAMPLES["network_notice"], disclosure=disclosure)
    return Crafted("ng-naptip", data, verified=True)


async def rate_limited(h: Harness) -> Crafted:
    return Crafted(
        "ng-naptip",
        h.seal("ng-naptip", "it-dna"),
        verified=False,
        before=h.seal("ng-naptip", "it-dna"),
    )


CASES: dict[str, tuple[Callable[[Harness], Awaitable[Crafted]], dict[str, Any]]] = {
    "malformed": (malformed, {}),
    "too_large": (too_large, {}),
    "sender_mismatch": (sender_mismatch, {}),
    "unknown_sender": (unknown_sender, {}),
    "sender_inactive": (sender_inactive, {}),
    "key_invalid": (key_invalid, {}),
    "bad_signature": (bad_signature, {}),
    "tampered": (tampered, {}),
    "stale": (stale, {}),
    "replay": (replay, {}),
    "unknown_recipient": (unknown_recipient, {}),
    "recipient_inactive": (recipient_inactive, {}),
    "policy_denied": (policy_denied, {}),
    "disclosure_denied": (disclosure_denied, {}),
    "rate_limited": (rate_limited, {"policy.rate_per_second": 0.001, "policy.rate_burst": 1}),
}


def test_every_rejection_code_has_a_case() -> None:
    """The cases below trigger every code the protocol defines, and nothing else."""
    assert sorted(CASES) == sorted(get_args(RejectionCode))


@pytest.mark.parametrize("code", list(CASES))
async def test_rejection(nats_server: NatsServer, nc: Client, code: str) -> None:
    """The crafted envelope is rejected with exactly this code: audited (metadata only,
    message id only once the signature verified) and its sender told in a signed notice."""
    craft, overrides = CASES[code]
    h = Harness(nc)
    await h.setup()
    await h.add("ng-naptip", roles=["police"])
    await h.add("it-dna", roles=["prosecutor"])
    await h.add("gb-nca", roles=["police"])
    crafted = await craft(h)
    async with running_broker(nats_server.url, h, **overrides):
        if crafted.before is not None:
            await h.send(crafted.subject_sender, crafted.before)
        await h.send(crafted.subject_sender, crafted.data)
        event = await _wait_for_rejection(h, code)

    digest = envelope_hash(crafted.data)
    assert event.reason == code
    assert event.envelope_hash == digest
    assert event.sender == crafted.subject_sender
    if crafted.verified:
        binding = parse(crafted.data).binding
        assert event.message_id == binding.message_id
        assert event.kind == binding.kind
    else:
        assert event.message_id is None
        assert event.kind is None
        assert event.recipients == []

    raw = await h.js.get_msg(
        topology.DELIVERY, subject=topology.delivery_subject(crafted.subject_sender)
    )
    assert (raw.headers or {}).get("Palermo-Type") == "notices"
    (notice,) = [
        n
        for n in open_notices(raw.data or b"", h.broker_keys.notice.public).notices
        if n.envelope_hash == digest
    ]
    assert (notice.type, notice.reason) == ("rejected", code)
    assert notice.detail
    assert (notice.message_id is not None) == crafted.verified


async def _wait_for_rejection(h: Harness, code: str) -> Any:
    async with asyncio.timeout(10):
        while True:
            for event in await h.audit():
                if event.event == "rejected" and event.reason == code:
                    return event
            await asyncio.sleep(0.05)


async def test_revocation_takes_effect_within_a_second(nats_server: NatsServer, nc: Client) -> None:
    """After the governors revoke a sender, its next envelope is refused within 1 s."""
    h = Harness(nc)
    await h.setup()
    await h.add("ng-naptip")
    await h.add("it-dna")
    async with running_broker(nats_server.url, h):
        await h.admin.set_status("ng-naptip", "revoked")
        revoked_at = dt.datetime.now(dt.UTC)
        await h.send("ng-naptip", h.seal("ng-naptip", "it-dna"))
        event = await _wait_for_rejection(h, "sender_inactive")
        assert event.time_ms / 1000 - revoked_at.timestamp() < 1.0


@pytest.mark.parametrize("code", ["malformed", "policy_denied"])
async def test_resent_rejected_envelope_is_told_again(
    nats_server: NatsServer, nc: Client, code: str
) -> None:
    """The same rejected bytes sent again (a new ingress message, well within every
    duplicate window) get a second signed notice, before and after the signature."""
    h = Harness(nc)
    await h.setup()
    await h.add("ng-naptip", roles=["police"])
    await h.add("it-dna", roles=["prosecutor"])
    await h.add("gb-nca", roles=["police"])
    crafted = await CASES[code][0](h)
    digest = envelope_hash(crafted.data)
    async with running_broker(nats_server.url, h):
        told = []
        for _ in range(2):
            await h.send(crafted.subject_sender, crafted.data)
            (notice,) = await h.notices(crafted.subject_sender, 1)
            told.append((notice.type, notice.reason, notice.envelope_hash))
    assert told == [("rejected", code, digest)] * 2


GARBAGE = 20_000


async def test_flood_of_garbage_keeps_the_audit_log_small(
    nats_server: NatsServer, nc: Client
) -> None:
    """20,000 garbage envelopes from one sender in under a minute add at most two audit
    events per code and minute (malformed until the rate runs out, then rate_limited),
    whose counts sum to 20,000; the sender is told about every one."""
    h = Harness(nc)
    room = {"nats.ingress_per_sender": GARBAGE}
    await h.setup(**room)
    await h.add("ng-naptip")
    subject = topology.ingress_subject("ng-naptip")
    started = asyncio.get_running_loop().time()
    async with running_broker(nats_server.url, h, **room) as broker:
        for chunk in range(0, GARBAGE, 1000):
            async with asyncio.timeout(30):  # keep the backlog within the ingress limit
                while (await h.js.stream_info(topology.INGRESS)).state.messages > 5000:
                    await asyncio.sleep(0.05)
            futures = [
                await h.js.publish_async(subject, b"\x93garbage %d" % i)
                for i in range(chunk, chunk + 1000)
            ]
            await asyncio.gather(*futures)
        async with asyncio.timeout(50):
            while (await h.js.stream_info(topology.INGRESS)).state.messages:
                await asyncio.sleep(0.2)
        metric = broker.metrics.rejected
        told = {c: metric.labels(c)._value.get() for c in ("malformed", "rate_limited")}
    assert asyncio.get_running_loop().time() - started < 60
    events = [e for e in await h.audit() if e.sender == "ng-naptip"]
    assert {e.reason for e in events} == {"malformed", "rate_limited"}
    # Two per code and minute window; the test may straddle one window boundary.
    for code in ("malformed", "rate_limited"):
        assert sum(1 for e in events if e.reason == code) <= 4, [
            (e.reason, e.count) for e in events
        ]
    assert sum(e.count for e in events) == GARBAGE
    assert sum(told.values()) == GARBAGE
    for code, count in told.items():
        assert sum(e.count for e in events if e.reason == code) == count
