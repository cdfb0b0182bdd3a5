"""What the broker audits about receipts and disclosures, from the binding alone: one
event per message, saying what the receipt attests and on which legal basis identifiers
were disclosed — never a value."""

from __future__ import annotations

from nats.aio.client import Client

from broker.natsserver import NatsServer
from schemas.envelope import envelope_hash, now_ms, parse
from schemas.kinds import CaseReferral, Receipt
from schemas.minimise import LinkageKey
from schemas.records import Disclosure, PersonIdentity, Victim

from .brokerkit import Harness, running_broker


async def test_receipts_are_audited_as_what_they_attest(
    nats_server: NatsServer, nc: Client
) -> None:
    """A retrieval receipt is audited as `retrieved` and a non-retrieval receipt as
    `non_retrieval` with its reason (`victim_level_exceeded`), each about the message it
    answers (its `in_reply_to`), each the one event of the receipt message."""
    h = Harness(nc)
    await h.setup()
    await h.add("ng-naptip")
    await h.add("it-dna")
    async with running_broker(nats_server.url, h):
        originals = [h.seal("ng-naptip", "it-dna") for _ in range(2)]
        for data in originals:
            await h.send("ng-naptip", data)
        notices = await h.notices("ng-naptip", 2)
        await h.inbox("it-dna", 2)
        ids = [parse(d).binding.message_id for d in originals]
        seqs = {n.message_id: n.audit_seq for n in notices}
        receipts = [
            Receipt(
                receipt_type="retrieved",
                message_id=ids[0],
                envelope_hash=envelope_hash(originals[0]),
                at_ms=now_ms(),
                audit_sequence=seqs[ids[0]],
            ),
            Receipt(
                receipt_type="non_retrieval",
                message_id=ids[1],
                envelope_hash=envelope_hash(originals[1]),
                at_ms=now_ms(),
                reason="victim_level_exceeded",
            ),
        ]
        sent = [
            h.seal("it-dna", "ng-naptip", body=r, in_reply_to=mid)
            for r, mid in zip(receipts, ids, strict=True)
        ]
        for data in sent:
            await h.send("it-dna", data)
        answers = await h.notices("it-dna", 2)
        await h.inbox("ng-naptip", 2)

        events = await h.audit()
        tail = [(e.event, e.message_id, e.kind, e.sender, e.recipients, e.reason) for e in events]
        assert ("retrieved", ids[0], "receipt", "it-dna", ["ng-naptip"], None) in tail
        assert (
            "non_retrieval",
            ids[1],
            "receipt",
            "it-dna",
            ["ng-naptip"],
            "victim_level_exceeded",
        ) in tail
        assert [e.event for e in events if e.kind == "receipt"] == ["retrieved", "non_retrieval"]
        for answer, data in zip(answers, sent, strict=True):
            assert answer.type == "accepted"
            assert answer.message_id == parse(data).binding.message_id
            assert answer.audit_seq is not None
            event = events[answer.audit_seq - 1]
            assert event.envelope_hash == envelope_hash(data)


async def test_disclosure_is_audited_on_the_accepted_event(
    nats_server: NatsServer, nc: Client
) -> None:
    """A message with disclosed identifiers has one `accepted` event carrying the level
    `disclosed` and the legal-basis code; neither the opaque reference nor the
    identifiers reach the audit log."""
    h = Harness(nc)
    await h.setup()
    await h.add("ng-naptip")
    await h.add("it-dna")
    async with running_broker(nats_server.url, h):
        reference = "order 12/2026 of the Turin court"
        body = CaseReferral(
            summary="Victim V1 was moved from Lagos to Turin and exploited in a salon.",
            victims=[
                Victim(ref="V1", sex="female", identity=PersonIdentity(names=["Blessing Okafor"]))
            ],
        )
        data = h.seal(
            "ng-naptip",
            "it-dna",
            body=body,
            disclosure=Disclosure(legal_basis="court_order", reference=reference),
            linkage_key=LinkageKey.generate(),
        )
        await h.send("ng-naptip", data)
        (notice,) = await h.notices("ng-naptip", 1)
        assert notice.type == "accepted"
        events = [e for e in await h.audit() if e.message_id == parse(data).binding.message_id]
        assert [(e.event, e.victim_level, e.legal_basis) for e in events] == [
            ("accepted", "disclosed", "court_order")
        ]
        payloads = await h.js.get_msg("PALERMO_AUDIT", notice.audit_seq)
        assert reference.encode() not in (payloads.data or b"")
        assert b"Okafor" not in (payloads.data or b"")
