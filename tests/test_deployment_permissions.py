"""An attacker holding authority A's real creds, with the official nats-py client, on a
real nats-server in operator mode: what A may do works, everything else is refused
with the server's exact answer; an authority account's imports do not grow with the
directory."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import nats.errors
import nats.js.errors
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from broker import natsjwt, topology
from broker.natsconfig import authority_imports
from broker.natshub import Hub, init_hub
from schemas.directory import AuthorityRecord, KeyRecord
from schemas.nats_names import API_SUBJECTS, AUDIT, INGRESS, kv_stream, object_stream

from .operatorkit import DOMAIN, EVIDENCE, OperatorHub, operator_hub

A, B = "it-dna", "ng-naptip"
TIMEOUT = 0.5


@dataclass
class Attacker:
    """A's connection with its real creds, and every error the server sent it."""

    nc: Client
    errors: asyncio.Queue[str] = field(default_factory=asyncio.Queue)

    @property
    def js(self) -> JetStreamContext:
        return self.nc.jetstream(domain=DOMAIN, timeout=TIMEOUT)

    @property
    def evidence(self) -> JetStreamContext:
        return self.nc.jetstream(domain=EVIDENCE, timeout=TIMEOUT)

    async def violation(self, kind: str, subject: str) -> None:
        """The server refused a `kind` ("publish", "subscription") on `subject`."""
        head = f"nats: permissions violation for {kind} to "
        async with asyncio.timeout(2):
            while True:
                error = (await self.errors.get()).lower()
                if error.startswith(head) and f'"{subject.lower()}"' in error:
                    return


@pytest.fixture
async def ex(tmp_path: Path) -> AsyncIterator[tuple[OperatorHub, Attacker]]:
    async with operator_hub(tmp_path) as op:
        await op.register(A, ["police"])
        await op.register(B, ["police"])
        errors: asyncio.Queue[str] = asyncio.Queue()

        async def on_error(exc: Exception) -> None:
            errors.put_nowait(str(exc))

        nc = await op.connect(A, error_cb=on_error)
        try:
            yield op, Attacker(nc, errors)
        finally:
            await nc.close()


async def _pending(op: OperatorHub, authority: str) -> int:
    info = await op.h.js.consumer_info(topology.DELIVERY, topology.inbox_consumer(authority))
    return int(info.num_pending or 0) + int(info.num_ack_pending or 0)


async def test_what_an_authority_may_do(ex: tuple[OperatorHub, Attacker]) -> None:
    """Baseline with A's creds: send on its ingress, pull and ack its inbox, read the
    directory, write and purge its own evidence, read B's evidence through the
    wildcard import, ask the broker's API."""
    op, a = ex
    ack = await a.js.publish(topology.ingress_subject(A), b"envelope")
    assert (ack.stream, ack.seq) == (INGRESS, 1)
    await op.h.js.publish(topology.delivery_subject(A), b"delivery")
    sub = await a.js.pull_subscribe_bind(topology.inbox_consumer(A), stream=topology.DELIVERY)
    [msg] = await sub.fetch(1, timeout=2)
    assert msg.data == b"delivery"
    await msg.ack_sync()
    assert await _pending(op, A) == 0
    kv = await a.js.key_value(topology.KV_DIRECTORY)
    assert (await kv.get(topology.directory_record_key(B))).value
    await a.evidence.publish(f"$O.{topology.evidence_bucket(A)}.C.mine", b"own chunk")
    await a.evidence.purge_stream(object_stream(topology.evidence_bucket(A)))
    b_nc = await op.connect(B)
    try:
        b_evidence = b_nc.jetstream(domain=EVIDENCE, timeout=2)
        await b_evidence.publish(f"$O.{topology.evidence_bucket(B)}.C.x", b"ciphertext")
    finally:
        await b_nc.close()
    stream = object_stream(topology.evidence_bucket(B))
    chunk = await a.evidence.get_msg(
        stream, seq=1, subject=f"$O.{topology.evidence_bucket(B)}.C.x", direct=True, next=True
    )
    assert chunk.data == b"ciphertext"
    assert (await a.evidence.stream_info(stream)).state.messages == 1

    async def answer(msg: Msg) -> None:
        await msg.respond(b"proof")

    await op.h.nc.subscribe(API_SUBJECTS, cb=answer)
    await op.h.nc.flush()
    # The import's interest on A's side can trail the new subscriber by a moment on a
    # loaded machine ("no responders"); the import must work within a few seconds.
    async with asyncio.timeout(5):
        while True:
            try:
                reply = await a.nc.request("palermo.api.proof", b"", timeout=2)
                break
            except nats.errors.NoRespondersError:
                await asyncio.sleep(0.05)
    assert reply.data == b"proof"


Attack = Callable[["Attacker"], Awaitable[object]]
PUBLISH_REFUSED: list[tuple[str, Attack, str]] = [
    (
        "send as B",
        lambda a: a.js.publish(topology.ingress_subject(B), b"forged"),
        topology.ingress_subject(B),
    ),
    (
        "inspect B's inbox",
        lambda a: a.js.consumer_info(topology.DELIVERY, topology.inbox_consumer(B)),
        f"$JS.{DOMAIN}.API.CONSUMER.INFO.{topology.DELIVERY}.{topology.inbox_consumer(B)}",
    ),
    (
        "fetch from B's inbox",
        lambda a: a.nc.request(
            f"$JS.{DOMAIN}.API.CONSUMER.MSG.NEXT.{topology.DELIVERY}.{topology.inbox_consumer(B)}",
            b'{"batch": 1}',
            timeout=TIMEOUT,
        ),
        f"$JS.{DOMAIN}.API.CONSUMER.MSG.NEXT.{topology.DELIVERY}.{topology.inbox_consumer(B)}",
    ),
    (
        "ack B's delivery",
        lambda a: a.nc.publish(f"$JS.ACK.{topology.DELIVERY}.{topology.inbox_consumer(B)}.1"),
        f"$JS.ACK.{topology.DELIVERY}.{topology.inbox_consumer(B)}.1",
    ),
    *(
        (
            f"{how} {stream}",
            (lambda a, s=stream, d=how == "direct get": a.js.get_msg(s, seq=1, direct=d)),
            f"$JS.{DOMAIN}.API.{'DIRECT.GET' if how == 'direct get' else 'STREAM.MSG.GET'}."
            f"{stream}",
        )
        for stream in (AUDIT, topology.DELIVERY, INGRESS)
        for how in ("direct get", "msg get")
    ),
    (
        "write B's evidence",
        lambda a: a.evidence.publish(f"$O.{topology.evidence_bucket(B)}.C.x", b"junk"),
        f"$O.{topology.evidence_bucket(B)}.C.x",
    ),
    (
        "purge B's evidence",
        lambda a: a.evidence.purge_stream(object_stream(topology.evidence_bucket(B))),
        f"$JS.{EVIDENCE}.API.STREAM.PURGE.{object_stream(topology.evidence_bucket(B))}",
    ),
    (
        "write the directory",
        lambda a: a.js.publish(f"$KV.{topology.KV_DIRECTORY}.rec.{B}", b"fake"),
        f"$KV.{topology.KV_DIRECTORY}.rec.{B}",
    ),
    (
        "create a push consumer",
        lambda a: a.js.add_consumer(topology.DELIVERY, deliver_subject=topology.ingress_subject(B)),
        f"$JS.{DOMAIN}.API.CONSUMER.CREATE.{topology.DELIVERY}",
    ),
    (
        "create a consumer on an evidence bucket",
        lambda a: a.evidence.add_consumer(
            object_stream(topology.evidence_bucket(B)), deliver_subject="x"
        ),
        f"$JS.{EVIDENCE}.API.CONSUMER.CREATE.{object_stream(topology.evidence_bucket(B))}",
    ),
    (
        "create a stream",
        lambda a: a.evidence.add_stream(name="MINE", subjects=["mine.>"]),
        f"$JS.{EVIDENCE}.API.STREAM.CREATE.MINE",
    ),
]


async def test_publish_refused(ex: tuple[OperatorHub, Attacker]) -> None:
    """Attacks with A's creds, one after another on one connection: for each the server
    refuses the publish (permissions violation naming the subject) and the request gets
    no answer (timeout); B's inbox and the ingress stream are untouched."""
    op, a = ex
    await op.h.js.publish(topology.delivery_subject(B), b"for B only")

    async def refused(attack: Attack) -> bool:
        try:
            await attack(a)
            await a.nc.flush()
        except nats.errors.TimeoutError:
            return True
        return False

    # All at once (each waits out its own timeout); a plain publish returns at once.
    answered = await asyncio.gather(*(refused(attack) for _, attack, _ in PUBLISH_REFUSED))
    plain = {"ack B's delivery"}
    for (name, _, _), timed_out in zip(PUBLISH_REFUSED, answered, strict=True):
        assert timed_out or name in plain, f"{name}: answered"
    seen: list[str] = []
    while not a.errors.empty():
        seen.append(a.errors.get_nowait().lower())
    for name, _, subject in PUBLISH_REFUSED:
        expected = f'nats: permissions violation for publish to "{subject.lower()}"'
        assert expected in seen, f"{name}: no permissions violation for {subject}"
    assert await _pending(op, B) == 1
    assert (await op.h.js.stream_info(INGRESS)).state.messages == 0


async def test_evidence_wildcard_reaches_evidence_only(ex: tuple[OperatorHub, Attacker]) -> None:
    """Attack: A names a message stream through the evidence wildcard imports
    (`$JS.palermo-evidence.API.…`): the account behind them holds only the evidence
    buckets, so a direct get finds no responder and a message get or stream info
    "stream not found"."""
    _, a = ex
    for stream in (AUDIT, topology.DELIVERY, INGRESS, kv_stream(topology.KV_DIRECTORY)):
        with pytest.raises(nats.errors.NoRespondersError):
            await a.evidence.get_msg(stream, seq=1, direct=True)
        with pytest.raises(nats.js.errors.NotFoundError, match="stream not found"):
            await a.evidence.get_msg(stream, seq=1)
        with pytest.raises(nats.js.errors.NotFoundError, match="stream not found"):
            await a.evidence.stream_info(stream)


async def test_subscribe_outside_reply_prefix_refused(ex: tuple[OperatorHub, Attacker]) -> None:
    """Attack: A subscribes to deliveries, ingress, another's replies or everything:
    each subscription refused (permissions violation), nothing delivered to it."""
    op, a = ex
    subjects = [
        topology.delivery_subject(B),
        "palermo.in.>",
        f"{topology.reply_prefix(B)}.>",
        "_INBOX.>",
        "$O.>",
        ">",
    ]
    subs = []
    for subject in subjects:
        subs.append(await a.nc.subscribe(subject))
        await a.nc.flush()
        await a.violation("subscription", subject)
    await op.h.js.publish(topology.delivery_subject(B), b"for B only")
    for sub in subs:
        with pytest.raises(nats.errors.TimeoutError):
            await sub.next_msg(timeout=0.1)


async def test_reply_subject_cannot_file_into_another_inbox(
    ex: tuple[OperatorHub, Attacker],
) -> None:
    """Attack: A reads its own evidence with reply subject B's delivery subject, so the
    server itself would file A's bytes into B's inbox: the answer stays in A's account."""
    op, a = ex
    bucket = topology.evidence_bucket(A)
    await a.evidence.publish(f"$O.{bucket}.C.bait", b"crafted delivery")
    await a.nc.publish(
        f"$JS.{EVIDENCE}.API.DIRECT.GET.{object_stream(bucket)}",
        json.dumps({"seq": 1}).encode(),
        reply=topology.delivery_subject(B),
    )
    await a.nc.flush()
    await asyncio.sleep(0.2)
    assert (await op.h.js.stream_info(topology.DELIVERY)).state.messages == 0


def _record(authority: str) -> AuthorityRecord:
    key = KeyRecord("sign", bytes(16), bytes(32), 0, 2**40)
    return AuthorityRecord(authority, authority, "IT", ["police"], [], [key], "active", 1, 0)


def _imports(hub: Hub, n: int) -> list[int]:
    """Import counts of the first three authority accounts of a directory of `n`."""
    ids = [f"xa-a{i}" for i in range(n)]
    records = [_record(a) for a in ids]
    tokens = {r.id: hub.account(r)[1] for r in records}
    issuers = frozenset({hub.keys.signing.public})
    return [len(natsjwt.decode(tokens[a], issuers=issuers)["nats"]["imports"]) for a in ids[:3]]


def test_imports_do_not_grow_with_the_directory(tmp_path: Path) -> None:
    """An authority account imports the same number of subjects with 3 authorities and
    with 300: reading every evidence bucket is three wildcard imports."""
    hub = init_hub(tmp_path / "hub")
    assert _imports(hub, 3) == _imports(hub, 300) == [len(authority_imports(A))] * 3
    assert len(authority_imports(A)) == 18
    wildcards = {g.remote for g in authority_imports(A) if g.account == "EVIDENCE"}
    assert wildcards >= {
        "$JS.API.DIRECT.GET.>",
        "$JS.API.STREAM.INFO.*",
        "$JS.API.STREAM.MSG.GET.*",
    }
