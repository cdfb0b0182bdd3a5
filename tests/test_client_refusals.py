"""What the authority side refuses, and the evidence it keeps, through a real broker."""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.client import Client

from broker.natsserver import NatsServer
from clients.endpoint import Received, Refused
from clients.evidence import SplitView
from clients.threads import HandlingViolation, MlaTracker
from schemas import _crypto, tlog
from schemas.errors import IdentifierInFreeText, InvalidTransition
from schemas.kinds import MlaStatus
from schemas.minimise import LinkageKey
from schemas.note import Checkpoint, NoteVerifier, open_checkpoint, sign_checkpoint
from schemas.wire import Binding

from .brokerkit import Harness, referral, running_broker
from .test_endpoint import endpoint, first
from .test_kinds import EXAMPLES


def binding(thread: bytes, sequence: int) -> Binding:
    """A binding for tracker tests (only thread id and sequence matter)."""
    return Binding(1, _crypto.random_bytes(16), "mla_status", "it-dna", bytes(16),
                   [], thread, sequence, None, 1, 2, "routine", "H0", "none", None, [],
                   None, None, bytes(32))  # fmt: skip


def status(request_id: bytes, code: str) -> MlaStatus:
    """A bare status update (statuses that need details are not used here)."""
    return MlaStatus(request_id=request_id, status=code)  # type: ignore[arg-type]


def test_tracker_buffers_out_of_order_updates() -> None:
    """An update that arrives before its predecessor waits, then both apply in order."""
    tracker = MlaTracker()
    thread, request = bytes(16), bytes(range(16))
    assert tracker.update(binding(thread, 2), status(request, "under_execution")) == []
    assert tracker.buffered(thread) == 1
    applied = tracker.update(binding(thread, 1), status(request, "acknowledged"))
    assert [u.status for u in applied] == ["acknowledged", "under_execution"]
    assert tracker.status(thread) == "under_execution"


def test_tracker_refuses_forbidden_transition() -> None:
    """A status the state machine does not allow after the current one is refused."""
    tracker = MlaTracker()
    thread, request = bytes(16), bytes(range(16))
    tracker.update(binding(thread, 1), status(request, "acknowledged"))
    tracker.update(binding(thread, 2), status(request, "executed"))
    with pytest.raises(InvalidTransition, match="may not follow 'executed'"):
        tracker.update(binding(thread, 3), status(request, "under_execution"))
    assert tracker.status(thread) == "executed"


async def setup(nc: Client) -> Harness:
    h = Harness(nc)
    await h.setup()
    await h.add("it-dna", roles=["prosecutor"])
    await h.add("gb-ukca", roles=["central_authority"])
    await h.add("fr-ocrteh", roles=["police"])
    return h


async def test_invalid_mla_transition_refused_both_ways(
    nats_server: NatsServer, nc: Client
) -> None:
    """The requested authority cannot send a status the state machine forbids, and the
    requesting side refuses one that arrives anyway."""
    h = await setup(nc)
    async with running_broker(nats_server.url, h), \
            endpoint(nats_server.url, h, "it-dna") as a, \
            endpoint(nats_server.url, h, "gb-ukca") as b:  # fmt: skip
        request = await a.send(EXAMPLES["mla_request"], to=["gb-ukca"],
                               linkage_key=LinkageKey.generate())  # fmt: skip
        thread, request_id = request.binding.thread_id, request.binding.message_id
        received = await first(b, Received)
        assert isinstance(received, Received)
        with pytest.raises(InvalidTransition):
            await b.send(status(request_id, "under_execution"), to=["it-dna"], thread_id=thread)
        # A broken or hostile gateway sends one anyway, without this library.
        rogue = h.seal("gb-ukca", "it-dna", body=status(request_id, "executed"),
                       thread_id=thread, sequence=1)  # fmt: skip
        await h.send("gb-ukca", rogue)
        refused = await first(a, Refused)
        assert isinstance(refused, Refused)
        assert refused.error.status == "executed"
        assert a.mla.status(thread) is None


async def test_h2_forward_needs_consent(nats_server: NatsServer, nc: Client) -> None:
    """An H2 message cannot be forwarded without a consent reference; with one, it goes
    and carries the reference."""
    h = await setup(nc)
    async with running_broker(nats_server.url, h), \
            endpoint(nats_server.url, h, "it-dna") as a, \
            endpoint(nats_server.url, h, "fr-ocrteh") as c, \
            endpoint(nats_server.url, h, "gb-ukca") as b:  # fmt: skip
        await a.send(referral(), to=["gb-ukca"], handling="H2")
        received = await first(b, Received)
        assert isinstance(received, Received)
        with pytest.raises(HandlingViolation, match="H2"):
            await b.forward(received, to=["fr-ocrteh"])
        await b.forward(received, to=["fr-ocrteh"], consent_reference="IT-DNA consent 7/26")
        passed = await first(c, Received)
        assert isinstance(passed, Received)
        assert passed.body.consent_reference == "IT-DNA consent 7/26"
        assert passed.opened.binding.handling == "H2"


async def test_identifier_in_free_text_is_refused_before_sending(
    nats_server: NatsServer, nc: Client
) -> None:
    """A phone number in a summary stops the send with the field and identifier kind."""
    h = await setup(nc)
    async with running_broker(nats_server.url, h), endpoint(nats_server.url, h, "it-dna") as a:
        with pytest.raises(IdentifierInFreeText) as info:
            await a.send(referral("Call her on +234 803 555 0199 after 6pm."), to=["gb-ukca"])
        assert (info.value.field, info.value.identifier) == ("summary", "phone")
        assert "803" not in str(info.value)


async def test_evidence_chain_and_checkpoints(nats_server: NatsServer, nc: Client) -> None:
    """The sender holds the signed acceptance with its audit position and the recipient's
    signed receipt; its checkpoint covers that position, later ones must extend it, and
    an inconsistent signed checkpoint is refused as a split view."""
    h = await setup(nc)
    async with running_broker(nats_server.url, h), \
            endpoint(nats_server.url, h, "it-dna") as a, \
            endpoint(nats_server.url, h, "gb-ukca") as b:  # fmt: skip
        sealed = await a.send(referral(), to=["gb-ukca"])
        await first(b, Received)
        async for _ in b.events(idle_timeout=1.0):
            pass
        async with asyncio.timeout(10):
            async for _ in a.events():
                chain = a.evidence.chain(sealed.binding.message_id)
                if chain is not None and chain.complete:
                    break
        assert chain is not None
        assert chain.accepted is not None
        assert chain.accepted.audit_seq is not None
        assert chain.receipts["gb-ukca"].receipt_type == "retrieved"
        async with asyncio.timeout(10):
            while (await a.refresh_checkpoint()).size < chain.accepted.audit_seq:
                await asyncio.sleep(0.2)
        seen = (await a.checkpoints()).latest
        assert seen is not None
        # The next send echoes the checkpoint it saw, so a split view shows at the broker too.
        echoed = await a.send(referral(), to=["gb-ukca"])
        assert echoed.binding.checkpoint is not None
        assert echoed.binding.checkpoint.tree_size == seen.size
        # A checkpoint signed with the log key but for another history is refused.
        forged = Checkpoint(seen.origin, seen.size, tlog.node_hash(bytes(32), bytes(32)), ())
        note = sign_checkpoint(forged, h.broker_keys.log)
        verified = open_checkpoint(note, NoteVerifier.for_key(seen.origin, h.broker_keys.log))
        with pytest.raises(SplitView, match="two different roots"):
            await (await a.checkpoints()).adopt(verified)
