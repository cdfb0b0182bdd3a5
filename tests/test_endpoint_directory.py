"""Directory views only move forward: across refreshes, and across restarts through the
head mark kept beside the de-duplication store. The rollback attack is performed for
real: the directory bucket is rewritten with an older head and records, as a malicious
broker would."""

from __future__ import annotations

import asyncio
import dbm
from pathlib import Path

import msgspec
import pytest
from nats.aio.client import Client

from broker import topology
from broker.natsserver import NatsServer
from clients.directory import MARK_KEY, DirectoryKeeper, read_snapshot
from clients.endpoint import Endpoint
from clients.errors import StoreDamaged
from clients.events import Deferred, Unopenable
from schemas.directory import Directory, HeadMark, decode_mark, sign_head
from schemas.envelope import seal
from schemas.errors import AuthorityInactive, DirectoryRollback, StaleDirectory
from schemas.keys import AuthorityKeys

from .brokerkit import Harness, referral
from .support import World
from .test_endpoint import world

# --- the view (no NATS) -------------------------------------------------------------


@pytest.fixture
def w() -> World:
    w = World()
    w.add("ng-naptip")
    w.add("it-dna")
    return w


def test_advance_moves_forward_and_keeps_the_old_view(w: World) -> None:
    """A newer snapshot gives a new view; an older head, an older record, or another
    state at the same serial raise `DirectoryRollback` and leave the view as it was."""
    view = w.directory()
    old_records, old_head = list(w.signed.values()), w.head()
    record = msgspec.structs.replace(
        view.record("ng-naptip"), status="revoked", serial=w.serial + 1
    )
    w.publish(record)
    newer = view.advance(w.signed.values(), w.head())
    assert newer.record("ng-naptip").status == "revoked"
    assert newer.mark == HeadMark(w.serial, newer.check_fresh().digest)
    with pytest.raises(DirectoryRollback, match=r"head serial 2 is older than 3"):
        newer.advance(old_records, old_head)
    # New head, old record: the record alone is refused.
    with pytest.raises(DirectoryRollback, match="record for ng-naptip at serial 1"):
        newer.advance(old_records, w.head())
    # Same serial, different records (a second history signed at one serial).
    fork = sign_head(w.root, old_records, serial=w.serial, now_ms=w.clock())
    with pytest.raises(DirectoryRollback, match="two different directory states at serial 3"):
        newer.advance(old_records, fork)
    assert newer.record("ng-naptip").status == "revoked"
    # Re-signing the same state at the same serial (a renewed expiry) is fine.
    w.clock.now += 1000
    assert newer.advance(w.signed.values(), w.head()).mark == newer.mark


def test_floor_refuses_an_older_head_after_a_restart(w: World) -> None:
    """A view that starts from a persisted mark refuses any older head."""
    old_head = w.head()
    mark = w.directory().mark
    assert mark is not None
    w.publish(msgspec.structs.replace(w.directory().record("it-dna"), serial=w.serial + 1))
    newest = w.directory()
    fresh = Directory(w.root.public, w.clock, newest.mark)
    with pytest.raises(DirectoryRollback, match="older than 3"):
        fresh.advance(w.signed.values(), old_head)
    assert fresh.advance(w.signed.values(), w.head()).mark == newest.mark


def test_advance_without_head_is_stale(w: World) -> None:
    """A snapshot without a head is `StaleDirectory`, not a view."""
    with pytest.raises(StaleDirectory, match="no directory head"):
        w.directory().advance(w.signed.values(), None)


def test_damaged_mark_is_an_error_not_a_reset() -> None:
    """A stored mark that does not decode is refused loudly rather than forgotten."""
    with pytest.raises(StoreDamaged, match="head mark is damaged"):
        DirectoryKeeper(None, bytes(32), store={MARK_KEY: b"\x01junk"})  # type: ignore[arg-type]


# --- the attack, against a real nats-server ------------------------------------------


async def rewrite(h: Harness, records: list[bytes], head: bytes | None) -> None:
    """Put old signed records and an old head back into the directory bucket."""
    kv = await h.js.key_value(topology.KV_DIRECTORY)
    for signed in records:
        authority = Directory(h.root.public, lambda: 0).apply_record(signed).id
        await kv.put(topology.directory_record_key(authority), signed)
    assert head is not None
    await kv.put(topology.DIRECTORY_HEAD_KEY, head)


async def next_event(ep: Endpoint, kinds: tuple[type, ...], wait: float = 15.0) -> object:
    """The next event of one of `kinds`."""
    async with asyncio.timeout(wait):
        async for event in ep.events():
            if isinstance(event, kinds):
                return event
    raise AssertionError("no such event")


async def two_events(ep: Endpoint, wait: float = 15.0) -> list[object]:
    """The next two Deferred or Unopenable events, from one pass over the inbox."""
    got: list[object] = []
    async with asyncio.timeout(wait):
        async for event in ep.events():
            if isinstance(event, Deferred | Unopenable):
                got.append(event)
                if len(got) == 2:
                    return got
    raise AssertionError("fewer than two events")


async def test_rollback_of_a_revocation_is_refused_also_after_restart(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """Governors revoke ng-naptip (head N+1) and the endpoint sees it; the bucket is then
    rewritten with the old head N and record. A refresh is refused as a rollback and
    the revocation holds; a message from an unknown key that would force a refresh is
    deferred, not judged on the old directory; a restarted endpoint refuses the old
    head too, while one without the mark would have accepted it. A genuinely newer
    head brings everything back."""
    h = await world(nc)
    old_records, old_head = await read_snapshot(h.js)
    seen = tmp_path / "seen"
    async with await Endpoint.connect(nats_server.url, h.keys["it-dna"], h.root.public,
                                      seen_path=seen) as ep:  # fmt: skip
        before = await ep.directory()
        assert before.record("ng-naptip").status == "active"
        await h.admin.set_status("ng-naptip", "revoked")
        revoked = await ep.directory(refresh=True)
        assert revoked.record("ng-naptip").status == "revoked"
        serial = revoked.check_fresh().serial

        await rewrite(h, old_records, old_head)
        with pytest.raises(DirectoryRollback, match=f"older than {serial}"):
            await ep.directory(refresh=True)
        assert (await ep.directory()).record("ng-naptip").status == "revoked"

        # The broker delivers a message from a key nobody knows, to force a refresh,
        # then one from the revoked authority.
        unknown = seal(referral(), sender=AuthorityKeys.generate("gb-nca"),
                       recipients=[h.keys["it-dna"].recipient]).data  # fmt: skip
        for data in (unknown, h.seal("ng-naptip", "it-dna")):
            await h.js.publish(topology.delivery_subject("it-dna"), data,
                               headers={"Palermo-Type": "envelope"})  # fmt: skip
        deferred, refused = await two_events(ep)
        assert isinstance(deferred, Deferred)
        assert isinstance(deferred.error, DirectoryRollback)
        assert deferred.code == "directory_rollback"
        assert isinstance(refused, Unopenable)
        assert isinstance(refused.error, AuthorityInactive)

    # Without the mark the old state would pass: the attack is real.
    unpinned = await DirectoryKeeper(h.js, h.root.public).current()
    assert unpinned.record("ng-naptip").status == "active"

    async with await Endpoint.connect(nats_server.url, h.keys["it-dna"], h.root.public,
                                      seen_path=seen) as ep:  # fmt: skip
        with pytest.raises(DirectoryRollback, match=f"older than {serial}"):
            await ep.directory()
        deferred = await next_event(ep, (Deferred, Unopenable))
        assert isinstance(deferred, Deferred)
        assert isinstance(deferred.error, DirectoryRollback)

        # The governors publish again: a head above the mark is accepted.
        await h.admin.set_status("ng-naptip", "revoked")
        await h.admin.set_status("ng-naptip", "revoked")
        current = await ep.directory()
        assert current.record("ng-naptip").status == "revoked"
        assert current.check_fresh().serial > serial
    with dbm.open(str(seen), "r") as store:
        assert decode_mark(store[MARK_KEY]).serial == current.check_fresh().serial
