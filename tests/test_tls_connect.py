"""Every side reaches a hub whose client port takes TLS 1.3 only, under a private CA:
the operators' commands (`--tls-ca`), the authority's endpoint and gateway
(`Endpoint.connect(tls=...)`, `[nats] tls_ca_file`); without the CA the hub's
certificate is refused, and a CA file that cannot be used is one clear error."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from broker.cli_common import NatsUnreachable, connect_args, nats_args
from broker.errors import ConfigError
from broker.natsserver import NatsServer
from clients.endpoint import Endpoint
from clients.errors import DirectoryUnavailable
from clients.gateway import _tls
from clients.gateway_config import ConfigError as GatewayConfigError
from schemas.keys import AuthorityKeys, SigningKey
from schemas.nats_connect import tls_context

from .leafkit import Certs


@pytest.fixture
async def tls_hub(tmp_path: Path) -> AsyncIterator[tuple[NatsServer, Certs]]:
    certs = Certs.make(tmp_path / "tls")
    config = tmp_path / "hub.conf"
    config.write_text(certs.tls_block() + "\n")
    async with NatsServer(tmp_path / "nats", config=config) as server:
        yield server, certs


def command_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    nats_args(parser)
    return parser.parse_args(list(argv))


async def test_a_command_reaches_the_tls_hub_with_its_ca(
    tls_hub: tuple[NatsServer, Certs],
) -> None:
    server, certs = tls_hub
    nc = await connect_args(command_args("--nats-url", server.url, "--tls-ca", str(certs.ca_file)))
    try:
        assert nc.is_connected
        assert nc.connected_url is not None
        assert nc.connected_url.scheme == "tls"
    finally:
        await nc.close()


async def test_without_the_ca_the_hub_certificate_is_refused(
    tls_hub: tuple[NatsServer, Certs],
) -> None:
    server, _ = tls_hub
    with pytest.raises(NatsUnreachable, match="its TLS certificate is not trusted"):
        await connect_args(command_args("--nats-url", server.url))


async def test_an_unusable_ca_file_names_the_option(tmp_path: Path) -> None:
    (tmp_path / "not-a-ca.pem").write_text("hello\n")
    cases = [
        (tmp_path / "missing.pem", "No such file"),
        (tmp_path / "not-a-ca.pem", "not a PEM CA"),
    ]
    for path, reason in cases:
        args = command_args("--nats-url", "tls://127.0.0.1:1", "--tls-ca", str(path))
        with pytest.raises(ConfigError, match=f"--tls-ca {path}: {reason}"):
            await connect_args(args)
        with pytest.raises(GatewayConfigError, match=f"nats.tls_ca_file {path}: {reason}"):
            _tls(str(path))


async def test_an_endpoint_reaches_the_tls_hub_with_its_ca(
    tls_hub: tuple[NatsServer, Certs],
) -> None:
    server, certs = tls_hub
    keys = AuthorityKeys.generate("it-dna")
    root = SigningKey.generate().public
    endpoint = await Endpoint.connect(server.url, keys, root, tls=tls_context(str(certs.ca_file)))
    async with endpoint:
        assert endpoint.connected
    # At once, not after retries: nats-py would otherwise hang here for ever.
    async with asyncio.timeout(3):
        with pytest.raises(DirectoryUnavailable, match="its TLS certificate is not trusted"):
            await Endpoint.connect(server.url, keys, root)
