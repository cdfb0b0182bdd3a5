"""The embedded nats-server helper and the topology bootstrap, against a real server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
import nats.js.errors
import pytest
from nats.js import JetStreamContext

from broker import topology
from broker.natsserver import NatsServer, NatsServerError, find_binary


async def test_two_servers_get_distinct_ports(tmp_path: Path) -> None:
    """Servers pick free ports themselves, so two start side by side and both answer."""
    async with NatsServer(tmp_path / "a") as a, NatsServer(tmp_path / "b") as b:
        assert a.url != b.url
        assert a.url.startswith("nats://127.0.0.1:")
        for url in (a.url, b.url):
            nc = await nats.connect(url)
            assert nc.is_connected
            await nc.close()


async def test_stop_is_clean_and_idempotent(tmp_path: Path) -> None:
    """After aclose the server is gone, and a second aclose does nothing."""
    server = NatsServer(tmp_path / "s")
    url = await server.start()
    await server.aclose()
    await server.aclose()
    host, port = url.removeprefix("nats://").rsplit(":", 1)
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(host, int(port))


def test_binary_from_environment(tmp_path: Path) -> None:
    """NATS_SERVER_BIN wins; a wrong path is a clear error."""
    real = find_binary()
    assert find_binary({"NATS_SERVER_BIN": str(real)}) == real
    with pytest.raises(NatsServerError, match="is not a file"):
        find_binary({"NATS_SERVER_BIN": str(tmp_path / "missing")})


async def test_bad_config_reports_server_output(tmp_path: Path) -> None:
    """A server that cannot start raises with the server's own complaint."""
    config = tmp_path / "bad.conf"
    config.write_text("this is { not a config")
    with pytest.raises(NatsServerError, match="exited"):
        await NatsServer(tmp_path / "s", config=config).start()


async def test_bootstrap_is_idempotent(js: JetStreamContext) -> None:
    """Running the bootstrap twice gives the same streams, and the audit stream is locked."""
    await topology.bootstrap(js)
    await topology.bootstrap(js)
    audit = await js.stream_info(topology.AUDIT)
    assert audit.config.deny_delete
    assert audit.config.deny_purge
    ingress = await js.stream_info(topology.INGRESS)
    assert ingress.config.discard_new_per_subject
    await topology.register_authority(js, "ng-naptip")
    await topology.register_authority(js, "ng-naptip")
    info = await js.consumer_info(topology.DELIVERY, "inbox-ng-naptip")
    assert info.config.filter_subject == "palermo.out.ng-naptip"


async def test_audit_stream_refuses_purge_and_delete(js: JetStreamContext) -> None:
    """The audit stream rejects message deletion and purging."""
    await topology.bootstrap(js)
    ack = await js.publish(topology.AUDIT_SUBJECT, b"event")
    with pytest.raises(nats.js.errors.APIError, match="message delete not permitted"):
        await js.delete_msg(topology.AUDIT, ack.seq)
    with pytest.raises(nats.js.errors.APIError, match="purge not permitted"):
        await js.purge_stream(topology.AUDIT)
    assert (await js.stream_info(topology.AUDIT)).state.messages == 1
