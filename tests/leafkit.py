"""Leaf nodes over TLS for the tests: certificates made here, a TLS hub, leaf
nats-servers rendered by `broker.natsleaf`, and a TCP link between leaf and hub that
the test can cut and restore."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme

from broker.natscluster import NatsCluster
from broker.natsleaf import LeafAuth, render_leaf
from broker.natsserver import accepts, find_binary, parent_death_preexec


@dataclass(frozen=True)
class Certs:
    """A CA and a server certificate (127.0.0.1, localhost) signed by it, as files."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    @classmethod
    def make(cls, directory: Path) -> Certs:
        directory.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA(organization_name="Palermo test hub CA")
        server = ca.issue_cert("127.0.0.1", "localhost")
        certs = cls(directory / "ca.crt", directory / "server.crt", directory / "server.key")
        ca.cert_pem.write_to_path(str(certs.ca_file))
        server.cert_chain_pems[0].write_to_path(str(certs.cert_file))
        server.private_key_pem.write_to_path(str(certs.key_file))
        return certs

    def tls_block(self, *, verify: bool = False) -> str:
        """A server `tls { }` block: this certificate, TLS 1.3 only."""
        return (
            "tls {\n"
            f"  cert_file: {json.dumps(str(self.cert_file))}\n"
            f"  key_file: {json.dumps(str(self.key_file))}\n"
            f"  ca_file: {json.dumps(str(self.ca_file))}\n"
            '  min_version: "1.3"\n' + ("  verify: true\n" if verify else "") + "}"
        )

    def client_context(self) -> ssl.SSLContext:
        """What a client of the hub uses: this CA only, TLS 1.3 only."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        context.minimum_version = ssl.TLSVersion.TLSv1_3
        return context


def free_port() -> int:
    """A loopback port free at this moment."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def monitor(port: int, path: str) -> dict[str, Any]:
    """A JSON page of a server's loopback monitoring port (blocking; tiny)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return json.loads(r.read())  # type: ignore[no-any-return]


async def amonitor(port: int, path: str) -> dict[str, Any]:
    return await asyncio.to_thread(monitor, port, path)


@dataclass
class Leaf:
    """A leaf nats-server (no JetStream) from `render_leaf`, on loopback."""

    directory: Path
    name: str
    hub_urls: list[str]
    ca_file: Path
    auth: LeafAuth
    port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        try:
            return (self.directory / "leaf.log").read_text(errors="replace")
        except OSError:
            return ""

    async def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        conf = self.directory / "leaf.conf"
        conf.write_text(
            render_leaf(
                name=self.name,
                hub_urls=self.hub_urls,
                hub_ca_file=self.ca_file,
                auth=self.auth,
                port=self.port,
                http_port=self.http_port,
            )
        )
        self.process = await asyncio.create_subprocess_exec(
            str(find_binary()), "-c", str(conf), "-l", str(self.directory / "leaf.log"),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL, preexec_fn=parent_death_preexec(),
            start_new_session=True,
        )  # fmt: skip
        async with asyncio.timeout(10):
            while not await accepts(f"127.0.0.1:{self.port}"):
                if self.process.returncode is not None:
                    raise RuntimeError(f"leaf {self.name} exited: {self.log[-2000:]}")
                await asyncio.sleep(0.05)

    async def linked(self, wait: float = 15.0) -> None:
        """Wait until the leaf's link to the hub is up."""
        async with asyncio.timeout(wait):
            while not (await amonitor(self.http_port, "/leafz")).get("leafs"):
                await asyncio.sleep(0.1)

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            process.terminate()
            try:
                async with asyncio.timeout(10):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


@contextlib.asynccontextmanager
async def running_leaf(
    directory: Path, name: str, hub_urls: list[str], ca_file: Path, auth: LeafAuth
) -> AsyncIterator[Leaf]:
    leaf = Leaf(directory, name, hub_urls, ca_file, auth)
    try:
        await leaf.start()
        yield leaf
    finally:
        await leaf.stop()


class Link:
    """A TCP proxy from a loopback port to `target`: the leaf's link to the hub.

    `cut()` closes both sides of every connection and refuses new ones (the listener
    closes), as a network that fails does to the leaf; `restore()` listens again on
    the same port. Bytes pass through untouched, so TLS is end to end between leaf
    and hub."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.connections = 0

    async def restore(self) -> None:
        assert self._server is None
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks))
        if server is not None:
            await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._server is None:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        self._writers.update((writer, up_writer))
        for task in (
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.transport.abort()
            self._writers.discard(writer)

    async def __aenter__(self) -> Link:
        await self.restore()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.cut()


RESOLVER_DIR = "@resolver-dir@"


class OperatorCluster(NatsCluster):
    """The cluster with the hub's trust and resolver: each node keeps the pushed
    account JWTs in a directory of its own (as each production node does)."""

    def config_text(self, index: int) -> str:
        return (
            super()
            .config_text(index)
            .replace(json.dumps(RESOLVER_DIR), json.dumps(str(self.store_dir(index) / "jwt")))
        )
