"""A hub of nats-servers on loopback as one JetStream cluster: `palermo up --cluster 3`,
the cluster tests and the benchmarks.

Each node is a `NatsServer` (store lock, parent-death signal, its own session) with a
generated configuration: a unique `server_name`, JetStream in the `hub` domain, a
`cluster` block that routes to every other node, a monitoring port on loopback (for
`/healthz` and `/jsz`) and, on request, a leafnode listener and TLS 1.3 on every
listener. The cluster, monitoring and leafnode ports are reserved together when the
hub is first made (each bound at once, so no two collide) and kept in `ports.json`
under the base directory; the client port is the server's own pick, remembered in the
node's store. A node that restarts, in this run or the next, comes back with the same
name, store and ports, as an operator's node would.

The only window for a race is between reserving a port and the node binding it, the
first time only; routes need their peers' ports before any node starts, so the
server's own `-1` pick cannot serve for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import structlog

from .natsserver import NatsServer, NatsServerError

log = structlog.get_logger(__name__)

CLUSTER_NAME = "palermo-hub"
PORTS_FILE = "ports.json"
"""In the base directory: the reserved cluster, monitoring and leafnode ports per node."""


class NatsClusterError(NatsServerError):
    """The cluster could not be started, reached or made healthy."""


@dataclass(frozen=True)
class ClusterTls:
    """Certificates for TLS 1.3 on the client, route and leafnode listeners. The
    certificate serves both ends of a route (server and client authentication)."""

    ca_file: Path
    cert_file: Path
    key_file: Path


@dataclass(frozen=True)
class NodePorts:
    cluster: int
    monitor: int
    leaf: int


def node_name(index: int) -> str:
    """The server name of node `index` (0-based): n1, n2, n3."""
    return f"n{index + 1}"


class NatsCluster:
    """`size` nats-servers under `base_dir` (one store each: `base_dir/n1`, ...).

    `async with NatsCluster(base_dir) as c:` starts every node and waits until the
    cluster is healthy (a JetStream meta leader, every node's `/healthz` ok); leaving
    stops them all. `c.urls` are the client URLs in node order (give a client all of
    them, and it fails over). `extra_config` is appended to every node's
    configuration (accounts, an operator, limits).
    """

    def __init__(
        self,
        base_dir: Path,
        size: int = 3,
        *,
        domain: str = "hub",
        tls: ClusterTls | None = None,
        leafnodes: bool = False,
        extra_config: str = "",
        start_timeout: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        if size < 1:
            raise ValueError("a cluster needs at least one node")
        self.base_dir = base_dir
        self.size = size
        self.domain = domain
        self.tls = tls
        self.leafnodes = leafnodes
        self.extra_config = extra_config
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.ports: list[NodePorts] = []
        self._servers: list[NatsServer | None] = [None] * size
        self._urls: list[str] = [""] * size
        self._paused: set[int] = set()

    # -- addresses -------------------------------------------------------------------

    @property
    def urls(self) -> list[str]:
        """The client URLs in node order (`tls://` with TLS)."""
        return list(self._urls)

    def url(self, index: int) -> str:
        return self._urls[index]

    @property
    def leaf_urls(self) -> list[str]:
        """The leafnode listeners' URLs in node order (with `leafnodes=True`)."""
        if not self.leafnodes:
            raise NatsClusterError("this cluster has no leafnode listeners (leafnodes=False)")
        scheme = "tls" if self.tls else "nats-leaf"
        return [f"{scheme}://127.0.0.1:{p.leaf}" for p in self.ports]

    def monitor_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index].monitor}"

    def store_dir(self, index: int) -> Path:
        return self.base_dir / node_name(index)

    def pid(self, index: int) -> int | None:
        server = self._servers[index]
        return server.pid if server else None

    def running(self, index: int) -> bool:
        """Whether node `index` runs (paused or not)."""
        return self._servers[index] is not None

    def _live(self) -> list[int]:
        """The nodes that run and are not paused: those that can answer."""
        return [
            i for i in range(self.size) if self._servers[i] is not None and i not in self._paused
        ]

    # -- life cycle ------------------------------------------------------------------

    async def start_all(self) -> list[str]:
        """Start every node (together: JetStream waits for its peers) and wait until
        the cluster is healthy."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.ports = self._load_or_reserve_ports()
        try:
            await asyncio.gather(*(self.start(i, wait=False) for i in range(self.size)))
            await self.wait_healthy()
        except BaseException:
            await self.aclose()
            raise
        log.info("nats_cluster_started", size=self.size, urls=self._urls)
        return self.urls

    async def start(self, index: int, *, wait: bool = True) -> str:
        """(Re)start node `index` on its own store and ports; with `wait`, until the
        cluster is healthy again."""
        if self._servers[index] is not None:
            raise NatsClusterError(f"node {node_name(index)} is already running")
        store = self.store_dir(index)
        store.mkdir(parents=True, exist_ok=True)
        config = store / "server.conf"
        config.write_text(self.config_text(index))
        server = NatsServer(
            store,
            config=config,
            name=node_name(index),
            start_timeout=self.start_timeout,
            stop_timeout=self.stop_timeout,
        )
        await server.start()
        self._servers[index] = server
        url = server.url
        if self.tls and url.startswith("nats://"):
            url = "tls://" + url.removeprefix("nats://")
        self._urls[index] = url
        if wait:
            await self.wait_healthy()
        return url

    async def kill(self, index: int) -> None:
        """SIGKILL node `index`: a crash, no lame duck, no goodbye to its peers."""
        server = self._running(index)
        self._servers[index] = None
        self._paused.discard(index)
        if server.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(server.pid, signal.SIGCONT)  # a paused node dies as well
            with contextlib.suppress(ProcessLookupError):
                os.kill(server.pid, signal.SIGKILL)
        await server.aclose()

    async def stop(self, index: int) -> None:
        """Stop node `index` cleanly (SIGTERM: the server steps down and leaves)."""
        server = self._running(index)
        self._servers[index] = None
        self._paused.discard(index)
        if server.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(server.pid, signal.SIGCONT)
        await server.aclose()

    def pause(self, index: int) -> None:
        """SIGSTOP node `index`: to its peers and clients, a partition of one node."""
        pid = self._running(index).pid
        if pid is not None:
            os.kill(pid, signal.SIGSTOP)
            self._paused.add(index)

    def resume(self, index: int) -> None:
        """SIGCONT a paused node: the partition heals."""
        pid = self._running(index).pid
        if pid is not None:
            os.kill(pid, signal.SIGCONT)
        self._paused.discard(index)

    async def aclose(self) -> None:
        """Stop every running node (idempotent)."""
        running = [i for i in range(self.size) if self._servers[i] is not None]
        await asyncio.gather(*(self.stop(i) for i in running), return_exceptions=True)

    async def __aenter__(self) -> NatsCluster:
        await self.start_all()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _running(self, index: int) -> NatsServer:
        server = self._servers[index]
        if server is None:
            raise NatsClusterError(f"node {node_name(index)} is not running")
        return server

    # -- health ----------------------------------------------------------------------

    async def wait_healthy(self, within: float = 30.0) -> None:
        """Wait until every running node answers `/healthz` ok (JetStream current)
        and agrees on one JetStream meta leader; `NatsClusterError` after `within` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        problem = "no answer yet"
        while loop.time() < deadline:
            problem = await self._health_problem()
            if not problem:
                return
            await asyncio.sleep(0.1)
        raise NatsClusterError(f"the NATS cluster is not healthy after {within:.0f} s: {problem}")

    async def _health_problem(self) -> str:
        leaders = set()
        for i in self._live():
            status, body = await self.monitor(i, "/healthz")
            if status != 200:
                return f"{node_name(i)} /healthz: {body.get('error') or status}"
            _, jsz = await self.monitor(i, "/jsz")
            leader = (jsz.get("meta_cluster") or {}).get("leader")
            if not leader:
                return f"{node_name(i)} knows no JetStream meta leader"
            leaders.add(leader)
        if len(leaders) > 1:
            return f"the nodes disagree on the meta leader: {sorted(leaders)}"
        return ""

    async def monitor(self, index: int, path: str) -> tuple[int, dict[str, Any]]:
        """GET a monitoring endpoint of node `index`: (status, JSON body); (0, {}) when
        the node does not answer."""
        url = self.monitor_url(index) + path
        return await asyncio.to_thread(_get_json, url)

    async def meta_leader(self) -> int:
        """The index of the node that leads the JetStream meta group."""
        for i in self._live():
            _, jsz = await self.monitor(i, "/jsz")
            leader = (jsz.get("meta_cluster") or {}).get("leader")
            if leader:
                return self._index_of(leader)
        raise NatsClusterError("no node knows a JetStream meta leader")

    async def stream_leader(self, name: str, *, within: float = 10.0) -> int:
        """The index of the node that leads stream `name` (in any account)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            for i in self._live():
                _, jsz = await self.monitor(i, "/jsz?accounts=true&streams=true&config=true")
                for account in jsz.get("account_details") or []:
                    for stream in account.get("stream_detail") or []:
                        if stream.get("name") != name:
                            continue
                        leader = (stream.get("cluster") or {}).get("leader")
                        if leader:
                            return self._index_of(leader)
            if loop.time() >= deadline:
                raise NatsClusterError(f"no node reports a leader for stream {name}")
            await asyncio.sleep(0.1)

    def _index_of(self, server_name: str) -> int:
        for i in range(self.size):
            if node_name(i) == server_name:
                return i
        raise NatsClusterError(f"unknown server {server_name} in the cluster")

    # -- configuration ---------------------------------------------------------------

    def _load_or_reserve_ports(self) -> list[NodePorts]:
        path = self.base_dir / PORTS_FILE
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            saved = json.loads(path.read_text())
            ports = [NodePorts(**p) for p in saved]
            if len(ports) == self.size:
                return ports
        ports = _reserve_ports(self.size)
        path.write_text(json.dumps([p.__dict__ for p in ports]) + "\n")
        return ports

    def config_text(self, index: int) -> str:
        """Node `index`'s configuration file (listen address, client port, name and
        store come from `NatsServer`'s command line)."""
        me = self.ports[index]
        routes = ", ".join(
            f'"nats-route://127.0.0.1:{p.cluster}"' for i, p in enumerate(self.ports) if i != index
        )
        lines = [
            f"# node {node_name(index)} of the {CLUSTER_NAME} cluster (generated)",
            f"server_name: {node_name(index)}",
            f"http: 127.0.0.1:{me.monitor}",
            f"jetstream {{ domain: {self.domain} }}",
            "cluster {",
            f"  name: {CLUSTER_NAME}",
            f"  listen: 127.0.0.1:{me.cluster}",
            f"  routes: [{routes}]",
        ]
        if self.tls:
            lines.append("  " + self._tls_block(verify=True))
        lines.append("}")
        if self.leafnodes:
            lines.append("leafnodes {")
            lines.append(f"  listen: 127.0.0.1:{me.leaf}")
            # As deploy/nats/hub.conf: a leaf dials only the URLs it was given.
            lines.append("  no_advertise: true")
            if self.tls:
                lines.append("  " + self._tls_block(verify=False))
            lines.append("}")
        if self.tls:
            lines.append(self._tls_block(verify=False))
        if self.extra_config:
            lines.append(self.extra_config)
        return "\n".join(lines) + "\n"

    def _tls_block(self, *, verify: bool) -> str:
        assert self.tls is not None  # noqa: S101  (only called with TLS)
        parts = [
            f'cert_file: "{self.tls.cert_file}"',
            f'key_file: "{self.tls.key_file}"',
            f'ca_file: "{self.tls.ca_file}"',
            'min_version: "1.3"',
            "timeout: 5",
        ]
        if verify:
            parts.append("verify: true")
        return "tls { " + ", ".join(parts) + " }"


def _reserve_ports(size: int) -> list[NodePorts]:
    """Free loopback ports, three per node, all bound at once so none repeats."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(size * 3):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        numbers = [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()
    return [
        NodePorts(cluster=numbers[3 * i], monitor=numbers[3 * i + 1], leaf=numbers[3 * i + 2])
        for i in range(size)
    ]


def _get_json(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=2.0) as response:  # noqa: S310  (loopback http)
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        with contextlib.suppress(ValueError, OSError):
            return exc.code, json.loads(exc.read() or b"{}")
        return exc.code, {}
    except (OSError, ValueError):
        return 0, {}


def client_urls(urls: Sequence[str]) -> str:
    """The URLs as one comma-separated string (the form config files take)."""
    return ",".join(urls)
