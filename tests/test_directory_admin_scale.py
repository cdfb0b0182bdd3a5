"""The governors' directory writes at thousands of authorities: a registration reads a
constant number of bucket entries (not every record), yet the head it signs still
covers every record, including those another governor wrote in between, and a forged
entry is still refused (bench/scale.py measured the cost this removes)."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig

from broker import topology
from broker.directory_store import DirectoryAdmin
from broker.quotas import QuotaError, check_evidence_budget
from schemas.directory import RecordHashes, directory_digest, sign_record
from schemas.directory_bucket import load_verified
from schemas.errors import DirectoryError
from schemas.keys import AuthorityKeys, SigningKey
from schemas.nats_names import evidence_bucket, object_stream

from .brokerkit import record

KIB = 1024


def sent(nc: Client) -> int:
    """Messages this connection has sent so far: every request, get and publish."""
    return int(nc.stats["out_msgs"])


async def test_a_registration_reads_a_constant_number_of_entries(
    nc: Client, js: JetStreamContext
) -> None:
    # A small quota per evidence bucket (the test's store is small), a declared store
    # size so that every registration also checks the evidence budget.
    settings = topology.TopologySettings(evidence_bytes=1024 * 1024, store_bytes=1 << 30)
    await topology.bootstrap(js, settings)
    admin = DirectoryAdmin(js, SigningKey.generate(), settings=settings)

    async def cost_of_one_put(name: str) -> int:
        before = sent(nc)
        await admin.put(record(AuthorityKeys.generate(name)), change="added")
        return sent(nc) - before

    for i in range(5):
        await admin.put(record(AuthorityKeys.generate(f"fr-a{i:03d}")), change="added")
    at_5 = await cost_of_one_put("fr-b005")
    for i in range(40):
        await admin.put(record(AuthorityKeys.generate(f"fr-c{i:03d}")), change="added")
    at_46 = await cost_of_one_put("fr-d046")
    # Reading every record twice (the serial, the head) made this grow by 2 per record.
    assert at_46 == at_5


async def test_the_head_covers_records_another_admin_wrote(js: JetStreamContext) -> None:
    await topology.bootstrap(js)
    root = SigningKey.generate()
    first, second = DirectoryAdmin(js, root), DirectoryAdmin(js, root)
    await first.put(record(AuthorityKeys.generate("fr-one")), change="added")
    await second.put(record(AuthorityKeys.generate("it-two")), change="added")
    revoked = await second.set_status("fr-one", "revoked")
    added = await first.put(record(AuthorityKeys.generate("gb-three")), change="added")
    # first signed the last head: it saw second's record and revocation.
    assert added.serial == revoked.serial + 1
    view = await load_verified(js, root.public)
    assert {r.id: r.status for r in view.records()} == {
        "fr-one": "revoked",
        "gb-three": "active",
        "it-two": "active",
    }
    assert view.check_fresh().serial == added.serial
    # A fresh admin reads the same state from the bucket.
    assert [r.id for r in await DirectoryAdmin(js, root).records()] == [
        "fr-one",
        "gb-three",
        "it-two",
    ]


async def test_a_forged_record_is_refused_every_time(js: JetStreamContext) -> None:
    await topology.bootstrap(js)
    root = SigningKey.generate()
    admin = DirectoryAdmin(js, root)
    await admin.put(record(AuthorityKeys.generate("fr-one")), change="added")
    forged = sign_record(SigningKey.generate(), record(AuthorityKeys.generate("it-fake")))
    kv = await js.key_value(topology.KV_DIRECTORY)
    await kv.put(topology.directory_record_key("it-fake"), forged)
    for _ in range(2):
        with pytest.raises(DirectoryError, match="not signed by the directory root"):
            await admin.sign_head()


def test_record_hashes_give_the_directory_digest() -> None:
    root = SigningKey.generate()
    signed = {
        name: sign_record(root, record(AuthorityKeys.generate(name)))
        for name in ("gb-b", "fr-a", "it-c")
    }
    hashes = RecordHashes()
    for name, value in signed.items():
        hashes.put(name, value)
    assert hashes.digest() == directory_digest(signed)
    changed = sign_record(
        root, msgspec.structs.replace(record(AuthorityKeys.generate("fr-a")), serial=9)
    )
    hashes.put("fr-a", changed)
    hashes.put("zz-new", signed["gb-b"])
    hashes.remove("zz-new")
    assert hashes.digest() == directory_digest({**signed, "fr-a": changed})
    assert len(hashes) == 3


async def test_the_evidence_budget_check_costs_the_same_at_300_buckets(
    nc: Client, js: JetStreamContext
) -> None:
    """Listing every stream (256 a page) to sum the quotas made it grow with n."""

    async def add(i: int) -> None:
        await js.add_stream(
            StreamConfig(
                name=object_stream(evidence_bucket(f"fr-q{i:03d}")),
                subjects=[f"quota.{i}"],
                storage=StorageType.FILE,
                max_bytes=KIB,
            )
        )

    async def cost() -> int:
        before = sent(nc)
        await check_evidence_budget(js, "OBJ_NEW", KIB, store_bytes=1 << 30, reserve=0.2)
        return sent(nc) - before

    for i in range(3):
        await add(i)
    at_3 = await cost()
    for i in range(3, 300):
        await add(i)
    assert await cost() == at_3
    # The sum is still every quota: one more bucket than the budget holds is refused.
    with pytest.raises(QuotaError, match="would claim 315392 bytes"):
        await check_evidence_budget(
            js, "OBJ_NEW", 8 * KIB, store_bytes=300 * KIB * 5 // 4 + 4 * KIB, reserve=0.2
        )


async def test_the_delivery_stream_takes_more_than_a_thousand_inboxes(js: JetStreamContext) -> None:
    """nats-server 2.15 caps a stream that names no consumer limit at 1,000: the 1,000th
    authority's registration was refused. A hub bootstrapped before gets the limit too."""
    current = next(
        c for c in topology._streams(topology.TopologySettings()) if c.name == topology.DELIVERY
    )
    await js.add_stream(dataclasses.replace(current, max_consumers=None))  # as before the fix
    assert (await js.stream_info(topology.DELIVERY)).config.max_consumers != topology.MAX_INBOXES
    await topology.bootstrap(js)
    info = await js.stream_info(topology.DELIVERY)
    assert info.config.max_consumers == topology.MAX_INBOXES
    for i in range(1001):
        await js.add_consumer(
            topology.DELIVERY,
            ConsumerConfig(
                durable_name=topology.inbox_consumer(f"fr-i{i:04d}"),
                filter_subject=topology.delivery_subject(f"fr-i{i:04d}"),
                ack_policy=AckPolicy.EXPLICIT,
            ),
        )
    assert (await js.stream_info(topology.DELIVERY)).state.consumer_count == 1001
    await js.delete_stream(topology.DELIVERY)  # else the server's stop takes seconds more
