"""What the authority side refuses, and the evidence it keeps, through a real broker."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from nats.aio.client import Client

from broker.natsserver import NatsServer
from clients.endpoint import Endpoint, Received, Refused
from clients.evidence import SplitView
from clients.threads import HandlingViolation, NotThreadParty, StatusTracker
from schemas import _crypto, tlog
from schemas.errors import IdentifierInFreeText, InvalidTransition
from schemas.kinds import ExtraditionStatus, MlaStatus
from schemas.minimise import LinkageKey
from schemas.note import Checkpoint, NoteVerifier, open_checkpoint, sign_checkpoint
from schemas.wire import Binding, Recipient

from .brokerkit import Harness, referral, running_broker
from .test_endpoint import endpoint, first
from .test_kinds import EXAMPLES

TODAY = dt.date(2026, 11, 30)


async def first_status(ep: Endpoint) -> Received:
    """The next received MLA or extradition status update (skipping receipts)."""
    async with asyncio.timeout(10):
        async for event in ep.events():
            if isinstance(event, Received) and isinstance(
                event.body, MlaStatus | ExtraditionStatus
            ):
                return event
    raise AssertionError("no status update")


REQUESTER, REQUESTED, STRANGER = "it-dna", "gb-ukca", "fr-ocrteh"


def binding(
    thread: bytes,
    sequence: int,
    *,
    sender: str = REQUESTED,
    kind: str = "mla_status",
    to: tuple[str, ...] = (REQUESTER,),
    message_id: bytes | None = None,
) -> Binding:
    """A binding for tracker tests (thread, sequence, sender and recipients matter)."""
    return Binding(1, message_id or _crypto.random_bytes(16), kind, sender, bytes(16),
                   [Recipient(r, bytes(16)) for r in to], thread, sequence, None, 1, 2,
                   "routine", "H0", "none", None, [], None, None, bytes(32))  # fmt: skip


def status(request_id: bytes, code: str) -> MlaStatus:
    """A bare status update (statuses that need details are not used here)."""
    return MlaStatus(request_id=request_id, status=code)  # type: ignore[arg-type]


def xstatus(request_id: bytes, code: str, **fields: object) -> ExtraditionStatus:
    """An extradition status update."""
    return ExtraditionStatus(request_id=request_id, status=code, **fields)  # type: ignore[arg-type]


def tracked(kind: str = "mla") -> tuple[StatusTracker, bytes, bytes]:
    """A tracker holding one request from REQUESTER to REQUESTED: (tracker, thread, id)."""
    tracker = StatusTracker()
    thread, request = bytes(16), bytes(range(16))
    tracker.request(
        binding(thread, 0, sender=REQUESTER, kind=f"{kind}_request", to=(REQUESTED,),
                message_id=request),
    )  # fmt: skip
    return tracker, thread, request


def test_tracker_buffers_out_of_order_updates() -> None:
    """An update that arrives before its predecessor waits, then both apply in order."""
    tracker, thread, request = tracked()
    assert tracker.update(binding(thread, 2), status(request, "under_execution")) == []
    assert tracker.buffered(thread) == 1
    applied = tracker.update(binding(thread, 1), status(request, "acknowledged"))
    assert [u.status for u in applied] == ["acknowledged", "under_execution"]
    assert tracker.status(thread) == "under_execution"


def test_tracker_refuses_forbidden_transition() -> None:
    """A status the state machine does not allow after the current one is refused."""
    tracker, thread, request = tracked()
    tracker.update(binding(thread, 1), status(request, "acknowledged"))
    tracker.update(binding(thread, 2), status(request, "executed"))
    with pytest.raises(InvalidTransition, match="may not follow 'executed'"):
        tracker.update(binding(thread, 3), status(request, "under_execution"))
    assert tracker.status(thread) == "executed"


@pytest.mark.parametrize("sender", [REQUESTER, STRANGER])
def test_tracker_mla_update_only_from_requested_authority(sender: str) -> None:
    """An MLA status from the requester itself or from a third authority is refused as
    NotThreadParty and changes nothing; the requested authority's is applied."""
    tracker, thread, request = tracked()
    with pytest.raises(NotThreadParty, match=f"from {sender} refused") as info:
        tracker.update(binding(thread, 1, sender=sender), status(request, "acknowledged"))
    assert (info.value.code, info.value.sender) == ("not_thread_party", sender)
    assert (tracker.status(thread), tracker.buffered(thread)) == (None, 0)
    assert tracker.update(binding(thread, 1), status(request, "acknowledged"))
    assert tracker.status(thread) == "acknowledged"


def test_tracker_refuses_update_for_unknown_request() -> None:
    """A status update in a thread whose request we never saw is refused, as is one
    naming another request id or belonging to the other state machine."""
    tracker, thread, request = tracked()
    with pytest.raises(NotThreadParty, match="no request is known"):
        tracker.update(binding(bytes(range(1, 17)), 1), status(request, "acknowledged"))
    with pytest.raises(InvalidTransition):
        tracker.update(binding(thread, 1), status(bytes(16), "acknowledged"))
    with pytest.raises(InvalidTransition):
        tracker.update(binding(thread, 1, kind="extradition_status"), xstatus(request, "received"))
    assert tracker.status(thread) is None


def test_tracker_extradition_machine_and_parties() -> None:
    """Extradition updates follow their own table in sequence; only the requested
    authority sends them, only the requester withdraws, and after a withdrawal
    (applied on arrival, outside the requested side's numbering) nothing follows."""
    tracker, thread, request = tracked("extradition")
    assert tracker.update(binding(thread, 2), xstatus(request, "under_review")) == []
    applied = tracker.update(binding(thread, 1), xstatus(request, "received"))
    assert [u.status for u in applied] == ["received", "under_review"]
    with pytest.raises(InvalidTransition, match="'surrendered' may not follow 'under_review'"):
        tracker.update(binding(thread, 3), xstatus(request, "surrendered", surrender_date=TODAY))
    with pytest.raises(NotThreadParty, match="only the requesting authority"):
        tracker.update(binding(thread, 3), xstatus(request, "withdrawn"))
    with pytest.raises(NotThreadParty, match="only the authority the request was sent to"):
        tracker.update(binding(thread, 1, sender=REQUESTER), xstatus(request, "under_review"))
    withdrawal = binding(thread, 0, sender=REQUESTER, to=(REQUESTED,))
    assert [u.status for u in tracker.update(withdrawal, xstatus(request, "withdrawn"))] == [
        "withdrawn"
    ]
    with pytest.raises(InvalidTransition, match="may not follow 'withdrawn'"):
        tracker.update(binding(thread, 3), xstatus(request, "granted"))
    assert tracker.history(thread) == ["received", "under_review", "withdrawn"]


def test_tracker_check_next_is_the_send_side() -> None:
    """Sending: only the requested authority may send an update, only the requester a
    withdrawal, and only what the state machine allows next."""
    tracker, thread, request = tracked("extradition")
    tracker.check_next(thread, REQUESTED, xstatus(request, "received"))
    tracker.check_next(thread, REQUESTER, xstatus(request, "withdrawn"))
    with pytest.raises(NotThreadParty):
        tracker.check_next(thread, REQUESTER, xstatus(request, "received"))
    with pytest.raises(NotThreadParty):
        tracker.check_next(thread, STRANGER, xstatus(request, "withdrawn"))
    with pytest.raises(InvalidTransition):
        tracker.check_next(thread, REQUESTED, xstatus(request, "granted"))


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


async def test_mla_update_from_another_authority_is_refused(
    nats_server: NatsServer, nc: Client
) -> None:
    """A status update in an MLA thread signed by an authority the request was not sent
    to reaches the requester as a typed refusal that leaves the thread unchanged; the
    requested authority's own update then applies. Neither the requester nor a third
    authority can send one through the library."""
    h = await setup(nc)
    await h.add("es-fge", roles=["prosecutor"])
    async with running_broker(nats_server.url, h), \
            endpoint(nats_server.url, h, "it-dna") as a, \
            endpoint(nats_server.url, h, "es-fge") as s, \
            endpoint(nats_server.url, h, "gb-ukca") as b:  # fmt: skip
        request = await a.send(EXAMPLES["mla_request"], to=["gb-ukca"],
                               linkage_key=LinkageKey.generate())  # fmt: skip
        thread, request_id = request.binding.thread_id, request.binding.message_id
        await first(b, Received)
        with pytest.raises(NotThreadParty, match="only the authority the request was sent to"):
            await a.send(status(request_id, "acknowledged"), to=["gb-ukca"], thread_id=thread)
        with pytest.raises(NotThreadParty, match="no request is known"):
            await s.send(status(request_id, "acknowledged"), to=["it-dna"], thread_id=thread)
        # The third authority signs one anyway, without this library.
        rogue = h.seal("es-fge", "it-dna", body=status(request_id, "acknowledged"),
                       thread_id=thread, sequence=1)  # fmt: skip
        await h.send("es-fge", rogue)
        refused = await first(a, Refused)
        assert isinstance(refused, Refused)
        assert isinstance(refused.error, NotThreadParty)
        assert (refused.error.sender, refused.received.sender) == ("es-fge", "es-fge")
        assert a.mla.status(thread) is None
        await b.send(status(request_id, "acknowledged"), to=["it-dna"], thread_id=thread)
        received = await first_status(a)
        assert [u.status for u in received.status_applied] == ["acknowledged"]
        assert a.threads.history(thread) == ["acknowledged"]


async def test_extradition_state_machine_on_send_and_receive(
    nats_server: NatsServer, nc: Client
) -> None:
    """Extradition updates follow their state machine both ways: the requested side
    cannot send a status out of turn (and its updates are numbered by the thread), a
    rogue one is refused on arrival; the
    requester's withdrawal applies on both sides and nothing can follow it."""
    h = await setup(nc)
    async with running_broker(nats_server.url, h), \
            endpoint(nats_server.url, h, "it-dna") as a, \
            endpoint(nats_server.url, h, "gb-ukca") as b:  # fmt: skip
        request = await a.send(EXAMPLES["extradition_request"], to=["gb-ukca"],
                               linkage_key=LinkageKey.generate())  # fmt: skip
        thread, request_id = request.binding.thread_id, request.binding.message_id
        await first(b, Received)
        with pytest.raises(InvalidTransition, match="'granted' may not follow 'the request'"):
            await b.send(xstatus(request_id, "granted"), to=["it-dna"], thread_id=thread)
        # The thread numbers its updates, whatever number the caller had in mind.
        sent = await b.send(
            xstatus(request_id, "received"), to=["it-dna"], thread_id=thread, sequence=7
        )
        assert sent.binding.sequence == 1
        received = await first_status(a)
        assert [u.status for u in received.status_applied] == ["received"]
        rogue = h.seal("gb-ukca", "it-dna", thread_id=thread, sequence=2,
                       body=xstatus(request_id, "surrendered", surrender_date=TODAY))  # fmt: skip
        await h.send("gb-ukca", rogue)
        refused = await first(a, Refused)
        assert isinstance(refused, Refused)
        assert (refused.error.previous, refused.error.status) == ("received", "surrendered")
        assert a.threads.status(thread) == "received"
        with pytest.raises(NotThreadParty, match="only the requesting authority"):
            await b.send(xstatus(request_id, "withdrawn"), to=["it-dna"], thread_id=thread)
        await a.send(xstatus(request_id, "withdrawn"), to=["gb-ukca"], thread_id=thread)
        assert a.threads.status(thread) == "withdrawn"
        withdrawn = await first_status(b)
        assert [u.status for u in withdrawn.status_applied] == ["withdrawn"]
        assert b.threads.history(thread) == ["received", "withdrawn"]
        with pytest.raises(InvalidTransition, match="may not follow 'withdrawn'"):
            await b.send(xstatus(request_id, "under_review"), to=["it-dna"], thread_id=thread)
