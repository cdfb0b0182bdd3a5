"""The audit sequencer against a real nats-server: folding, election, resumption, halts."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from broker import topology
from broker.sequencer import (
    AuditGap,
    Sequencer,
    consistency_proof,
    inclusion_proof,
    latest_checkpoint,
)
from broker.tiles import TreeCorrupt, TreeState, TreeStore
from broker.tlog_proofs import ProofService
from schemas import tlog
from schemas.audit import AUDIT_DOMAIN, AuditEvent, encode_event
from schemas.keys import SigningKey
from schemas.nats_names import SUBJECT_CHECKPOINT, SUBJECT_CONSISTENCY, SUBJECT_INCLUSION
from schemas.note import Checkpoint, NoteVerifier, open_checkpoint

ORIGIN = "palermo.example/audit"
LOG_KEY = SigningKey(bytes(range(32)))
VERIFIER = NoteVerifier.for_key(ORIGIN, LOG_KEY)
T0 = 1_790_000_000_000


def event_payload(i: int) -> bytes:
    """A valid audit event, distinct for each i."""
    return encode_event(
        AuditEvent(
            domain=AUDIT_DOMAIN,
            event="directory",
            time_ms=T0 + i,
            authority="it-dna",
            directory_serial=i,
        )
    )


async def publish_events(js: JetStreamContext, start: int, count: int) -> list[bytes]:
    """Append `count` events to the audit stream; return their payloads."""
    payloads = [event_payload(i) for i in range(start, start + count)]
    for payload in payloads:
        await js.publish(topology.AUDIT_SUBJECT, payload)
    return payloads


def sequencer(js: JetStreamContext, instance: str, **kwargs: object) -> Sequencer:
    """A sequencer with test-speed timings."""
    options: dict[str, object] = {"interval": 0.05, "lock_retry": 0.05, "batch": 64}
    options.update(kwargs)
    return Sequencer(js, LOG_KEY, ORIGIN, instance, **options)  # type: ignore[arg-type]


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    """Poll `check` until it is true or `within` seconds pass."""
    async with asyncio.timeout(within):
        while not await check():
            await asyncio.sleep(0.02)


async def checkpoint_at(js: JetStreamContext, size: int) -> Checkpoint:
    """Wait for the published checkpoint to reach `size`; return it verified."""
    found: list[Checkpoint] = []

    async def reached() -> bool:
        note = await latest_checkpoint(js)
        if note is None:
            return False
        found[:] = [open_checkpoint(note, VERIFIER)]
        return found[0].size >= size

    await eventually(reached)
    return found[0]


async def test_folds_events_and_proves_inclusion(js: JetStreamContext, nc: Client) -> None:
    """Published events end up in a signed checkpoint; inclusion proofs from the store
    and over request-reply verify against it, and consistency proofs too."""
    await topology.bootstrap(js)
    payloads = await publish_events(js, 0, 300)  # more than one full tile
    seq = sequencer(js, "a")
    async with asyncio.TaskGroup() as tg, ProofService(nc, js):
        tg.create_task(seq.run())
        first = await checkpoint_at(js, 300)
        assert first.size == 300
        assert first.root_hash == tlog.root([tlog.leaf_hash(p) for p in payloads])
        for index in (0, 1, 255, 256, 299):
            proof = await inclusion_proof(js, index, 300)
            tlog.verify_inclusion(
                index, 300, tlog.leaf_hash(payloads[index]), proof, first.root_hash
            )
        payloads += await publish_events(js, 300, 5)
        second = await checkpoint_at(js, 305)
        proof = await consistency_proof(js, 300, 305)
        tlog.verify_consistency(300, 305, first.root_hash, second.root_hash, proof)

        reply = await nc.request(SUBJECT_CHECKPOINT, b"{}", timeout=5)
        served = open_checkpoint(json.loads(reply.data)["checkpoint"].encode(), VERIFIER)
        assert served == second
        request = {"index": 299, "tree_size": 305}
        reply = await nc.request(SUBJECT_INCLUSION, json.dumps(request).encode(), timeout=5)
        answer = json.loads(reply.data)
        assert base64.b64decode(answer["leaf_hash"]) == tlog.leaf_hash(payloads[299])
        tlog.verify_inclusion(
            299,
            305,
            tlog.leaf_hash(payloads[299]),
            [base64.b64decode(h) for h in answer["proof"]],
            second.root_hash,
        )
        request = {"old_size": 300, "new_size": 305}
        reply = await nc.request(SUBJECT_CONSISTENCY, json.dumps(request).encode(), timeout=5)
        tlog.verify_consistency(
            300,
            305,
            first.root_hash,
            second.root_hash,
            [base64.b64decode(h) for h in json.loads(reply.data)["proof"]],
        )
        reply = await nc.request(SUBJECT_INCLUSION, b'{"index": 5, "tree_size": 999}', timeout=5)
        assert json.loads(reply.data)["error"]["code"] == "unavailable"
        reply = await nc.request(SUBJECT_INCLUSION, b'{"index": -1}', timeout=5)
        assert json.loads(reply.data)["error"]["code"] == "malformed"
        seq.stop()


async def test_standby_waits_then_resumes_exactly(js: JetStreamContext) -> None:
    """A second sequencer waits while the first holds the lease, takes over when it
    stops, and continues the same tree: same roots, consistent checkpoints."""
    await topology.bootstrap(js)
    payloads = await publish_events(js, 0, 40)
    a, b = sequencer(js, "a"), sequencer(js, "b")
    async with asyncio.TaskGroup() as tg:
        run_a = tg.create_task(a.run())
        await asyncio.wait_for(a.leading.wait(), 5)
        run_b = tg.create_task(b.run())
        first = await checkpoint_at(js, 40)
        await asyncio.sleep(0.3)
        assert not b.leading.is_set()
        a.stop()
        await run_a
        await asyncio.wait_for(b.leading.wait(), 5)
        assert b.size == 40  # resumed from the stored state, not from scratch
        payloads += await publish_events(js, 40, 25)
        second = await checkpoint_at(js, 65)
        b.stop()
        await run_b
    assert first.root_hash == tlog.root([tlog.leaf_hash(p) for p in payloads[:40]])
    assert second.root_hash == tlog.root([tlog.leaf_hash(p) for p in payloads])
    proof = await consistency_proof(js, 40, 65)
    tlog.verify_consistency(40, 65, first.root_hash, second.root_hash, proof)


async def test_lost_lease_stops_writing(js: JetStreamContext) -> None:
    """When another holder takes the lock key, the sequencer steps down at its next
    renewal instead of writing on."""
    await topology.bootstrap(js)
    await publish_events(js, 0, 3)
    seq = sequencer(js, "a", lease_ttl=0.6)
    async with asyncio.TaskGroup() as tg:
        tg.create_task(seq.run())
        await checkpoint_at(js, 3)
        lock = await js.key_value(topology.KV_LOCK)
        await lock.put("sequencer", b"intruder")

        async def stepped_down() -> bool:
            return not seq.leading.is_set()

        await eventually(stepped_down, within=5)
        await publish_events(js, 3, 2)
        await asyncio.sleep(0.3)
        assert seq.size == 3
        note = await latest_checkpoint(js)
        assert note is not None
        assert open_checkpoint(note, VERIFIER).size == 3
        seq.stop()


async def test_gap_in_stream_halts(js: JetStreamContext) -> None:
    """A sequence number missing from the audit stream halts folding at that number."""
    await topology.bootstrap(js)
    # The real audit stream denies deletes, so the gap is made in a stream that allows
    # them; the sequencer reads any stream through the same code.
    await js.add_stream(StreamConfig(name="GAPPY", subjects=["gappy"], allow_direct=True))
    for i in range(5):
        await js.publish("gappy", event_payload(i))
    await js.delete_msg("GAPPY", 3)
    seq = sequencer(js, "a", stream="GAPPY")
    with pytest.raises(AuditGap) as caught:
        await asyncio.wait_for(seq.run(), 10)
    assert caught.value.seq == 3
    assert await latest_checkpoint(js) is None


async def test_tree_state_ahead_of_stream_halts(js: JetStreamContext) -> None:
    """A stored tree claiming more leaves than the stream holds is corrupt: halt."""
    await topology.bootstrap(js)
    await publish_events(js, 0, 3)
    store = await TreeStore.open(js)
    leaves = [tlog.leaf_hash(event_payload(i)) for i in range(10)]
    compact = tlog.CompactRange()
    for leaf in leaves:
        compact.append(leaf)
    await store.save(TreeState(1, 10, compact.hashes, [b"".join(leaves)]), {}, 0)
    with pytest.raises(TreeCorrupt):
        await asyncio.wait_for(sequencer(js, "a").run(), 10)
