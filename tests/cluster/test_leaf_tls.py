"""Authorities on leaf nodes over TLS: the production link, run for real.

The hub is three nats-servers in one JetStream cluster (streams and buckets at R3)
in NATS operator mode (accounts pushed to the full resolver, `broker.natshub`), with
TLS 1.3 on every listener (clients, routes with verified certificates, leaf
nodes), from certificates made here. Each authority runs a leaf nats-server without
JetStream, rendered by `broker.natsleaf.render_leaf`, which dials the hub's leafnode
ports over TLS with the authority's creds; its gateway connects to the leaf on
loopback. The broker connects to the hub (node 2 first) over TLS with its own CA file.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import nats
import nats.errors
import nats.js.errors
import pytest
from nats.aio.client import Client

from broker import natshub, topology
from broker.directory_store import DirectoryAdmin
from broker.natscluster import ClusterTls, NatsCluster
from broker.natsconfig import DEFAULT_DOMAIN
from broker.natsleaf import LeafAuth
from broker.natsserver import NatsServer
from broker.service import Broker, connect
from broker.topology import TopologySettings
from clients.gateway_client import GatewayClient
from schemas import _crypto
from schemas.audit import AuditEvent
from schemas.directory import Role
from schemas.keystore import dump_broker_keys, write_private
from schemas.kinds import CaseReferral, Receipt
from schemas.nats_names import EVIDENCE_DOMAIN

from ..brokerkit import Harness, broker_tasks
from ..leafkit import (
    RESOLVER_DIR,
    Certs,
    Leaf,
    Link,
    OperatorCluster,
    amonitor,
    free_port,
    running_leaf,
)
from ..test_gateway import KEYS, config, gateway

A, B = "it-dna", "gb-ukca"
ROLES: dict[str, list[Role]] = {A: ["prosecutor"], B: ["central_authority"]}
REPLICAS = {"nats.replicas": 3}
FAST = {"opslimit": _crypto.ARGON2ID_OPS_INTERACTIVE, "memlimit": _crypto.ARGON2ID_MEM_INTERACTIVE}
PASS = "leaf test passphrase"  # noqa: S105  (a test passphrase)
T = TypeVar("T")


@dataclass
class Hub:
    """The TLS cluster in operator mode, its CA, the hub directory (operator, accounts,
    creds), the authorities' creds and the governors' harness on a TLS link."""

    cluster: NatsCluster
    certs: Certs
    op: natshub.Hub
    h: Harness
    creds: dict[str, Path]
    tmp: Path

    def auth(self, who: str) -> LeafAuth:
        """How `who`'s leaf signs in: its creds file."""
        return LeafAuth(credentials=self.creds[who])

    def leaf(self, who: str, auth: LeafAuth, *, urls: list[str] | None = None) -> Any:
        """`who`'s leaf, dialing every node's leafnode port (or `urls`)."""
        return running_leaf(
            self.tmp / f"leaf-{who}", f"leaf-{who}", urls or self.cluster.leaf_urls,
            self.certs.ca_file, auth,
        )  # fmt: skip

    def broker_settings(self) -> dict[str, Any]:
        """The broker's configuration for this hub: creds, the evidence domain, the hub
        directory (it pushes accounts), TLS with the hub's CA, R3."""
        return {
            **REPLICAS,
            "nats.creds_file": str(self.op.broker_creds),
            "nats.evidence_domain": EVIDENCE_DOMAIN,
            "nats.accounts_dir": str(self.op.dir),
            "nats.tls_ca_file": str(self.certs.ca_file),
        }

    async def connections(self) -> list[dict[str, Any]]:
        """Every node's connections (`/connz?auth=1`), leaf links included."""
        out: list[dict[str, Any]] = []
        for i in range(self.cluster.size):
            _, connz = await self.cluster.monitor(i, "/connz?auth=1")
            out += connz.get("connections") or []
        return out

    async def client(self, who: str) -> Client:
        """`who` connected straight to the hub over TLS with its creds (as a small
        authority's client library is)."""
        return await nats.connect(
            self.cluster.urls, tls=self.certs.client_context(),
            user_credentials=str(self.creds[who]),
            inbox_prefix=topology.reply_prefix(who).encode(),
        )  # fmt: skip


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    certs = Certs.make(tmp_path / "tls")
    op = natshub.init_hub(tmp_path / "hubdir", resolver_dir=Path(RESOLVER_DIR))
    tls = ClusterTls(certs.ca_file, certs.cert_file, certs.key_file)
    async with OperatorCluster(
        tmp_path / "hub", 3, tls=tls, leafnodes=True, extra_config=op.resolver_conf.read_text()
    ) as cluster:
        context = certs.client_context()
        nc = await nats.connect(cluster.urls, tls=context, user_credentials=str(op.broker_creds))
        system = await nats.connect(
            cluster.urls, tls=context, user_credentials=str(op.system_creds)
        )
        try:
            h = Harness(nc)
            h.admin = DirectoryAdmin(
                h.js, h.root, settings=TopologySettings(replicas=3, evidence_domain=EVIDENCE_DOMAIN)
            )
            # Right after a start the meta leader may not yet have the preloaded
            # accounts' JetStream limits: "JetStream not enabled for account" for a moment.
            async with asyncio.timeout(20):
                while True:
                    try:
                        await h.setup(**REPLICAS, **{"nats.evidence_domain": EVIDENCE_DOMAIN})
                        break
                    except nats.js.errors.ServiceUnavailableError:
                        await asyncio.sleep(0.2)
            creds = {}
            for authority in (A, B):
                await h.add(authority, roles=ROLES[authority])
                creds[authority] = op.authority_creds(authority)
            await op.push(system, [r for r in await h.admin.records() if r.id in (A, B)])
            yield Hub(cluster, certs, op, h, creds, tmp_path)
        finally:
            await system.close()
            await nc.close()


@asynccontextmanager
async def tls_broker(hub: Hub) -> AsyncIterator[Broker]:
    """A broker on its own TLS connections to the hub (node 2 first), on its creds."""
    cfg = hub.h.config(**hub.broker_settings())
    urls = hub.cluster.urls
    nc = await connect(urls[1:] + urls[:1], cfg)  # the product's connection: TLS 1.3, this CA
    async with broker_tasks(cfg, hub.h.broker_keys, nc, ready_within=20) as broker:
        yield broker


def leaf_gateway(hub: Hub, leaf: Leaf, who: str, **overrides: Any) -> Any:
    """`who`'s gateway on its leaf, on loopback, in the `palermo` domain."""
    cfg = config(hub.h, leaf.url, hub.tmp / f"gw-{who}", **{
        "nats.domain": DEFAULT_DOMAIN, "nats.evidence_domain": EVIDENCE_DOMAIN, **overrides,
    })  # fmt: skip
    return gateway(cfg, hub.h.keys[who])


async def eventually(probe: Callable[[], Awaitable[T | None]], wait: float = 20.0) -> T:
    async with asyncio.timeout(wait):
        while (result := await probe()) is None:
            await asyncio.sleep(0.1)
        return result


async def test_exchange_through_two_leaf_nodes_over_tls(hub: Hub) -> None:
    """A's gateway on leaf A sends to B; B's gateway on leaf B receives and opens it;
    the broker's acceptance and B's signed retrieval receipt reach A — every hop to
    the hub over TLS 1.3, each leaf signed in as its own authority."""
    async with tls_broker(hub), \
            hub.leaf(A, hub.auth(A)) as leaf_a, \
            hub.leaf(B, hub.auth(B)) as leaf_b:  # fmt: skip
        await leaf_a.linked()
        await leaf_b.linked()
        links = await hub.connections()
        # Every connection to the hub is TLS 1.3: the broker's three, and one leaf link
        # per authority, bound to that authority's account by its creds alone.
        assert {c["tls_version"] for c in links} == {"1.3"}
        leaves = {c["name"]: c["account"] for c in links if c["kind"] == "Leafnode"}
        account = hub.op.keys.account
        assert leaves == {f"leaf-{A}": account(A).public, f"leaf-{B}": account(B).public}
        for stream in (topology.INGRESS, topology.DELIVERY, topology.AUDIT):
            assert (await hub.h.js.stream_info(stream)).config.num_replicas == 3
        async with leaf_gateway(hub, leaf_a, A) as gw_a, leaf_gateway(hub, leaf_b, B) as gw_b, \
                GatewayClient(gw_a.url, KEYS["system"]) as api_a, \
                GatewayClient(gw_b.url, KEYS["system"]) as api_b:  # fmt: skip
            sent = await api_a.send(CaseReferral(summary="Through two leaf nodes."), to=[B])
            assert sent.status == "sent"

            async def at_b() -> Any:
                page = await api_b.list()
                return page.messages[0] if page.messages else None

            got = await eventually(at_b)
            assert got.message_id == sent.message_id
            body = (await api_b.get(sent.message_id)).body
            assert isinstance(body, CaseReferral)
            assert body.summary == "Through two leaf nodes."

            async def receipt_at_a() -> Receipt | None:
                for m in (await api_a.thread(sent.thread_id)).messages:
                    if isinstance(m.body, Receipt) and m.sender == B:
                        return m.body
                return None

            receipt = await eventually(receipt_at_a)
            assert receipt.message_id.hex() == sent.message_id
            assert receipt.receipt_type == "retrieved"
            assert (await api_a.get(sent.message_id)).broker_notice == "accepted"


async def wait_for_rejection(h: Harness, code: str) -> AuditEvent:
    async with asyncio.timeout(15):
        while True:
            for event in await h.audit():
                if event.event == "rejected" and event.reason == code:
                    return event
            await asyncio.sleep(0.1)


async def test_leaf_with_another_authoritys_credentials_gets_only_that_authority(
    hub: Hub,
) -> None:
    """A leaf signed in with B's creds is bound to B's account, whatever its owner
    claims: A's sends and A's inbox do not exist there (the leaf answers "no
    responders": the hub gives B's account no interest in them), the ingress stream
    stays empty of A, A's inbox keeps its message; and an envelope A signed, filed
    under B's subject, the broker rejects as `sender_mismatch`."""
    h = hub.h
    async with tls_broker(hub), hub.leaf("impostor", hub.auth(B)) as leaf:
        await leaf.linked()
        links = await hub.connections()
        assert [c["account"] for c in links if c["kind"] == "Leafnode"] == [
            hub.op.keys.account(B).public
        ]
        # A message waiting in A's inbox, sent properly by B (over TLS, as B).
        nc_b = await hub.client(B)
        try:
            js_b = nc_b.jetstream(domain=DEFAULT_DOMAIN)
            await js_b.publish(topology.ingress_subject(B), h.seal(B, A))
        finally:
            await nc_b.close()
        info = await eventually(lambda: _pending(h, A))
        assert info == 1

        nc = await nats.connect(leaf.url, inbox_prefix=topology.reply_prefix(A).encode())
        try:
            js = nc.jetstream(domain=DEFAULT_DOMAIN)
            # nats-py reports the server's "no responders" on a publish as this:
            with pytest.raises(nats.js.errors.NoStreamResponseError):
                await js.publish(topology.ingress_subject(A), h.seal(A, B))
            with pytest.raises(nats.errors.NoRespondersError):
                await nc.request(
                    f"$JS.{DEFAULT_DOMAIN}.API.CONSUMER.MSG.NEXT.{topology.DELIVERY}."
                    f"{topology.inbox_consumer(A)}",
                    b'{"batch": 1}',
                    timeout=2,
                )
            with pytest.raises(nats.errors.NoRespondersError):
                await nc.request(
                    f"$JS.{DEFAULT_DOMAIN}.API.CONSUMER.INFO.{topology.DELIVERY}."
                    f"{topology.inbox_consumer(A)}",
                    b"",
                    timeout=2,
                )
            # B's own subject does take the envelope; the broker refuses it.
            nc_b = await nats.connect(leaf.url, inbox_prefix=topology.reply_prefix(B).encode())
            try:
                await nc_b.jetstream(domain=DEFAULT_DOMAIN).publish(
                    topology.ingress_subject(B), h.seal(A, B)
                )
            finally:
                await nc_b.close()
        finally:
            await nc.close()
        event = await wait_for_rejection(h, "sender_mismatch")
        assert event.sender == B
    ingress = await h.js.stream_info(topology.INGRESS, subjects_filter=topology.ingress_subject(A))
    assert not ingress.state.subjects  # nothing ever filed as A
    assert await _pending(h, A) == 1  # A's message untouched


async def _pending(h: Harness, authority: str) -> int | None:
    info = await h.js.consumer_info(topology.DELIVERY, topology.inbox_consumer(authority))
    return info.num_pending or None


async def test_leaf_links_the_hub_refuses_or_that_refuse_the_hub(hub: Hub) -> None:
    """What "refused" means for a leaf link, each tried for real: a leaf with creds of
    an account the hub's resolver does not hold (signed by the hub's own operator key,
    but never pushed) is told `Authorization Violation` and never linked; a
    connection that speaks plain NATS to the leafnode port is dropped after the INFO
    that demands TLS; and a leaf dialing a server whose certificate another CA signed
    (a man in the middle) refuses it before signing in."""
    unknown = LeafAuth(credentials=hub.op.authority_creds("zz-stranger"))
    async with hub.leaf("stranger", unknown) as stranger:
        async with asyncio.timeout(15):
            while "Authorization Violation" not in stranger.log:
                await asyncio.sleep(0.1)
        assert not (await amonitor(stranger.http_port, "/leafz"))["leafs"]
        assert not [c for c in await hub.connections() if c["kind"] == "Leafnode"]

    # Plain text on the leafnode port: the hub's INFO requires TLS, and a CONNECT in
    # the clear ends the connection without an answer.
    reader, writer = await asyncio.open_connection("127.0.0.1", hub.cluster.ports[0].leaf)
    try:
        info = await asyncio.wait_for(reader.readline(), 5)
        assert info.startswith(b"INFO ")
        assert json.loads(info[5:])["tls_required"] is True
        writer.write(b'CONNECT {"verbose":false}\r\nPING\r\n')
        await writer.drain()
        rest = await asyncio.wait_for(reader.read(), 10)
        assert b"PONG" not in rest
        assert b"+OK" not in rest
    finally:
        writer.close()

    # A server with a certificate from another CA, on its own leafnode port, letting
    # anyone in: A's leaf, which trusts the hub's CA alone, will not link to it.
    other = Certs.make(hub.tmp / "mitm-tls")
    port, http = free_port(), free_port()
    (hub.tmp / "mitm.conf").write_text(
        f"http: 127.0.0.1:{http}\n"
        f'leafnodes {{\n  listen: "127.0.0.1:{port}"\n  {other.tls_block()}\n}}\n'
    )
    async with NatsServer(hub.tmp / "mitm", config=hub.tmp / "mitm.conf") as _mitm, \
            hub.leaf(A, hub.auth(A),
                     urls=[f"tls://127.0.0.1:{port}"]) as leaf:  # fmt: skip
        async with asyncio.timeout(15):
            while "certificate signed by unknown authority" not in leaf.log:
                await asyncio.sleep(0.1)
        assert not (await amonitor(leaf.http_port, "/leafz"))["leafs"]
        assert not (await amonitor(http, "/leafz"))["leafs"]


CUT_SECONDS = 8.0
"""How long the link stays down each time, at least (the leaf redials every second)."""
QUIET_DRAIN = 11.0
"""After a cut of CUT_SECONDS, the most the outbox may take, with no new send, to
publish what it holds: its back-off has grown to 8 s by then (0.5 + 1 + 2 + 4 s of
failed retries, the next one 8 s on), and is 7.5 s from the restore at worst; the rest
is margin for a busy machine. Before the outbox counted its back-off in time, a burst
of sends during the cut had already put it at 16 or 30 s."""
WAKE_DRAIN = 3.0
"""After the first send JetStream takes again, the most the outbox may take to publish
what it holds (it starts at once; without that it would wait out its back-off, ~7 s)."""


async def test_leaf_link_cut_mid_exchange_loses_and_duplicates_nothing(hub: Hub) -> None:
    """A's leaf reaches the hub through a TCP link the test cuts (both sides closed,
    new connections refused) while A's gateway keeps sending, four at a time, and then
    restores; twice. Every send during a cut answers `queued`. After the first cut no
    new send comes, and the outbox publishes what it holds on its own within
    QUIET_DRAIN; after the second, the first send JetStream takes brings the rest out
    within WAKE_DRAIN. B's gateway ends with every message, the audit log accepted each
    exactly once, and A's outbox is empty."""
    h = hub.h
    loop = asyncio.get_running_loop()
    async with tls_broker(hub), Link(hub.cluster.ports[0].leaf) as link, \
            hub.leaf(A, hub.auth(A),
                     urls=[f"tls://127.0.0.1:{link.port}"]) as leaf_a, \
            hub.leaf(B, hub.auth(B)) as leaf_b:  # fmt: skip
        await leaf_a.linked()
        await leaf_b.linked()
        async with leaf_gateway(hub, leaf_a, A, **{"nats.publish_timeout": 1.0}) as gw_a, \
                leaf_gateway(hub, leaf_b, B) as gw_b, \
                GatewayClient(gw_a.url, KEYS["system"]) as api_a, \
                GatewayClient(gw_b.url, KEYS["system"]) as api_b:  # fmt: skip
            results: list[tuple[str, str]] = []  # (phase, status) per send
            sent: list[str] = []
            phase = "before"

            async def send_one(tag: str) -> str:
                result = await api_a.send(CaseReferral(summary=f"Link test {tag}."), to=[B])
                sent.append(result.message_id)
                results.append((phase, result.status))
                return result.status

            async def burst(count: int) -> None:
                async def worker(w: int) -> None:
                    for i in range(count // 4):
                        await send_one(f"{phase} {w}-{i}")

                await asyncio.gather(*(worker(w) for w in range(4)))

            async def outbox_empty() -> bool | None:
                return True if (await api_a.status()).outbox == 0 else None

            async def cut_while_sending(count: int) -> None:
                await link.cut()
                await asyncio.gather(burst(count), asyncio.sleep(CUT_SECONDS))
                assert (await api_a.status()).outbox > 0
                assert not (await amonitor(leaf_a.http_port, "/leafz"))["leafs"]
                await link.restore()
                await leaf_a.linked()

            await burst(20)
            phase = "cut"
            await cut_while_sending(20)
            restored_at = loop.time()
            phase = "after"
            await eventually(outbox_empty, wait=60)
            quiet_drain = loop.time() - restored_at

            phase = "cut"
            await cut_while_sending(12)
            phase = "after"
            while await send_one("first after") != "sent":
                await asyncio.sleep(0.1)
            woken_at = loop.time()
            await eventually(outbox_empty, wait=60)
            wake_drain = loop.time() - woken_at
            await burst(8)

            async def all_at_b() -> list[str] | None:
                ids: list[str] = []
                after = 0
                while True:
                    page = await api_b.list(after=after, kind="case_referral", limit=100)
                    ids += [m.message_id for m in page.messages]
                    if page.next_after is None:
                        break
                    after = page.next_after
                return ids if len(ids) >= len(sent) else None

            received = await eventually(all_at_b, wait=60)

        accepted = [e.message_id.hex() for e in await h.audit()
                    if e.event == "accepted" and e.message_id is not None
                    and e.sender == A]  # fmt: skip

    assert len(sent) == len(set(sent)) >= 61
    assert sorted(received) == sorted(sent)  # nothing lost, nothing twice at B
    assert sorted(accepted) == sorted(sent)  # each accepted exactly once
    during = [status for p, status in results if p == "cut"]
    assert len(during) == 32
    assert during.count("queued") == len(during)  # nothing claimed sent while cut
    assert link.connections >= 3  # the leaf dialed again through the restored link
    print(  # the figures docs/deployment.md quotes (pytest -s)
        f"\n{len(sent)} sent; queued outbox drained {quiet_drain:.1f} s after the first "
        f"restore (no new sends), {wake_drain:.1f} s after the first send taken after "
        "the second"
    )
    assert quiet_drain < QUIET_DRAIN
    assert wake_drain < WAKE_DRAIN


async def test_palermo_up_connects_over_tls_with_its_ca_file(hub: Hub) -> None:
    """`palermo up --config` with `[nats] tls_ca_file` and the cluster's `tls://` URLs
    (node 2 first) becomes ready, every one of its connections TLS 1.3; a CA file that is not there
    ends the command with one line naming the setting."""
    tmp = hub.tmp
    write_private(tmp / "broker.keystore", dump_broker_keys(hub.h.broker_keys, PASS, **FAST))
    ops = free_port()
    urls = hub.cluster.urls

    def config(ca_file: Path) -> Path:
        path = tmp / f"broker-{ca_file.name}.toml"
        path.write_text(
            f'directory_root = "{hub.h.root.public.hex()}"\n'
            f'data_dir = "{tmp}"\nkeystore = "broker.keystore"\npassphrase = "{PASS}"\n'
            'log_level = "warning"\n'
            f'[nats]\nurl = "{",".join(urls[1:] + urls[:1])}"\nreplicas = 3\n'
            f'creds_file = "{hub.op.broker_creds}"\ntls_ca_file = "{ca_file}"\n'
            f'evidence_domain = "{EVIDENCE_DOMAIN}"\naccounts_dir = "{hub.op.dir}"\n'
            f'[ops]\nport = {ops}\ntoken = "t"\n'
        )
        return path

    missing = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "clients.cli", "up", "--config", str(config(tmp / "no-ca.crt")),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(missing.communicate(), 60)
    lines = err.decode().strip().splitlines()
    assert missing.returncode == 1
    assert len(lines) == 1
    assert "nats.tls_ca_file" in lines[0]
    assert "No such file" in lines[0]

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "clients.cli", "up", "--config", str(config(hub.certs.ca_file)),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as http:

            async def ready() -> bool | None:
                if process.returncode is not None:
                    raise AssertionError((await process.stderr.read()).decode())  # type: ignore[union-attr]
                try:
                    async with http.get(f"http://127.0.0.1:{ops}/readyz") as r:
                        return True if r.status == 200 else None
                except aiohttp.ClientError:
                    return None

            await eventually(ready, wait=60)
        mine = [
            c for c in await hub.connections() if c.get("name", "").startswith("palermo-broker")
        ]
        assert {c["name"] for c in mine} >= {"palermo-broker", "palermo-broker-api"}
        assert {c["tls_version"] for c in mine} == {"1.3"}
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
