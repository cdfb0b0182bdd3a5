"""Broker settings that shape the audit log: its origin, and the duplicate window."""

from __future__ import annotations

import asyncio
import time

import nats
import pytest
from nats.aio.client import Client

from broker import topology
from broker.config import DEFAULT_ORIGIN, load_config
from broker.errors import ConfigError
from broker.natsserver import NatsServer
from broker.service import Broker, topology_settings
from broker.tlog_proofs import latest_checkpoint
from schemas.nats_names import evidence_bucket, object_stream
from schemas.note import NoteUnverified, NoteVerifier, open_checkpoint

from .brokerkit import Harness, running_broker

ROOT = "ab" * 32


def test_origin_defaults_and_is_a_setting() -> None:
    """Without a setting the origin is the documented default; a TOML or override value
    replaces it."""
    assert load_config(env={}, overrides={"directory_root": ROOT}).origin == DEFAULT_ORIGIN
    config = load_config(env={}, overrides={"directory_root": ROOT, "origin": "log.example/x"})
    assert config.origin == "log.example/x"


@pytest.mark.parametrize(
    "origin", ["", "two words", "a+b", "trailing-newline\n", "tab\there", "x" * 201]
)
def test_origin_that_cannot_name_a_note_key_is_refused(origin: str) -> None:
    """An origin that is not a valid signed-note key name (empty, a space, a "+", a
    control character, over 200 characters) is a configuration error naming the field."""
    with pytest.raises(ConfigError, match=r"origin"):
        load_config(env={}, overrides={"directory_root": ROOT, "origin": origin})


def test_duplicate_window_covers_the_seen_set_window() -> None:
    """By default the streams' duplicate window is the largest of 15 minutes, the
    seen-set window and twice ack_wait x max_deliver; a configured window is used as
    given, and one shorter than the seen-set window is a configuration error."""
    base = {"directory_root": ROOT}
    assert topology_settings(load_config(env={}, overrides=base)).duplicate_window == 1020.0
    slow = load_config(env={}, overrides={**base, "nats.ack_wait": 120.0})
    assert topology_settings(slow).duplicate_window == 1200.0
    wide = load_config(env={}, overrides={**base, "time.past_window": 3600.0})
    assert topology_settings(wide).duplicate_window == 3720.0
    set_ = load_config(env={}, overrides={**base, "nats.duplicate_window": 3600.0})
    assert topology_settings(set_).duplicate_window == 3600.0
    with pytest.raises(ConfigError, match=r"duplicate_window \(900 s\) must cover the seen-set"):
        load_config(env={}, overrides={**base, "nats.duplicate_window": 900.0})


async def test_short_audit_duplicate_window_is_widened(nats_server: NatsServer, nc: Client) -> None:
    """An audit stream created with a duplicate window shorter than the seen-set's (by an
    older version) is widened when the broker starts; it still denies deletes and
    purges."""
    h = Harness(nc)
    await topology.bootstrap(
        h.js, topology.TopologySettings(duplicate_window=900.0, seen_window=1020.0)
    )
    await h.setup()
    async with running_broker(nats_server.url, h):
        config = (await h.js.stream_info(topology.AUDIT)).config
    assert config.duplicate_window == 1020.0
    assert (config.deny_delete, config.deny_purge) == (True, True)


async def test_checkpoints_carry_the_configured_origin(nats_server: NatsServer, nc: Client) -> None:
    """The sequencer signs checkpoints under the configured origin: they verify with the
    verifier key of that name, and not with the default one."""
    origin = "audit.example.org/palermo-test"
    h = Harness(nc)
    await h.setup()
    await h.add("ng-naptip")
    await h.add("it-dna")
    async with running_broker(nats_server.url, h, origin=origin):
        await h.send("ng-naptip", h.seal("ng-naptip", "it-dna"))
        await h.notices("ng-naptip", 1)
        last = (await h.js.stream_info(topology.AUDIT)).state.last_seq
        async with asyncio.timeout(20):
            while True:
                note = await latest_checkpoint(h.js)
                if note and int(note.split(b"\n")[1]) >= last:
                    break
                await asyncio.sleep(0.1)
    checkpoint = open_checkpoint(note, NoteVerifier.for_key(origin, h.broker_keys.log))
    assert (checkpoint.origin, checkpoint.size) == (origin, last)
    with pytest.raises(NoteUnverified, match=DEFAULT_ORIGIN):
        open_checkpoint(note, NoteVerifier.for_key(DEFAULT_ORIGIN, h.broker_keys.log))


async def test_broker_decides_by_the_clock_it_is_given(nats_server: NatsServer, nc: Client) -> None:
    """The broker's wall clock is a constructor parameter: a rejection notice carries the
    time of the decision by that clock (ingress times still come from JetStream)."""
    h = Harness(nc)
    await h.setup()
    await h.add("ng-naptip")
    await h.add("it-dna")
    offset = 3600.0
    broker_nc = await nats.connect(nats_server.url)
    broker = Broker(h.config(), h.broker_keys, broker_nc, clock=lambda: time.time() - offset)
    stop = asyncio.Event()
    task = asyncio.create_task(broker.run(stop))
    try:
        await h.send("ng-naptip", b"\x93not an envelope")
        sent = time.time()
        (notice,) = await h.notices("ng-naptip", 1)
        assert (notice.type, notice.reason) == ("rejected", "malformed")
        assert abs(notice.time_ms / 1000 - (sent - offset)) < 5.0
    finally:
        stop.set()
        await task
        await broker_nc.drain()


async def test_configured_evidence_quota_reaches_new_buckets(nc: Client) -> None:
    """The `[quotas]` settings are what the broker registers authorities with: a new
    evidence bucket gets the configured byte quota, not the built-in default."""
    config = load_config(
        env={}, overrides={"directory_root": ROOT, "quotas.evidence_bytes": 3 * 1024 * 1024}
    )
    settings = topology_settings(config)
    assert settings.evidence_bytes == 3 * 1024 * 1024
    js = nc.jetstream()
    await topology.bootstrap(js, settings)
    await topology.register_authority(js, "gb-nca", settings)
    info = await js.stream_info(object_stream(evidence_bucket("gb-nca")))
    assert info.config.max_bytes == 3 * 1024 * 1024
