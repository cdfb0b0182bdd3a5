"""Registering thousands of authorities on the hub, and what each one costs it.

Run: `.venv/bin/python bench/scale.py` (`make bench-scale`; `--json FILE` also writes
the figures as JSON, `--plot DIR` the charts; `--quick` for a short run).

One hub: three nats-servers on loopback as one cluster with streams and buckets at R3
(`broker.natscluster`; `--servers 1` for a single server at R1) and a broker process
(`palermo up`) connected to the second node. Authorities are registered one after the
other the way the governors do it, through `DirectoryAdmin.put`: the record signed with
the directory root and written to the directory bucket, the authority's inbox consumer
and its evidence bucket (its quota checked against the store's reserve), the head
re-signed over every record, a `directory` audit event. The broker's directory watch
verifies each record and head as it arrives. At each of `--sizes` (100, 1,000, 5,000
by default, registered cumulatively on the same hub) the benchmark measures:

- time to register each authority: p50/p99 of the step since the previous size, and the
  p50 of each tenth of all registrations so far (flat if it does not grow with n);
- nats-server memory: the RSS of each node, and its growth per authority registered;
- CPU when idle: the broker process (and its request-API child) and each nats-server,
  over `--idle-seconds` with nothing happening but n authorities being registered;
- the first message to the newest authority, end to end through the client library:
  its endpoint loads the directory, the sender's `Endpoint.send`, the broker's signed
  `accepted` notice, the recipient's `Received`, and the sender's signed retrieval
  receipt.

Baseline, in the same run on a fresh hub of the same shape: the bare JetStream work of a
registration (a durable consumer on a stream and an object store with the same quota)
for the same n, with nothing else.

Each evidence bucket gets `--evidence-mib` MiB (1 by default) and the store is declared
to hold `--store-gib` GiB (10), so the 20 % reserve leaves room for 8,192 buckets: the
budget check runs on every registration, as on a hub with `quotas.store_bytes` set.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import socket
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import nats.errors
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from broker_relay import cpu_seconds  # noqa: E402  (bench/, beside this script)

from broker import topology  # noqa: E402
from broker.directory_store import DirectoryAdmin, broker_record  # noqa: E402
from broker.natscluster import NatsCluster  # noqa: E402
from broker.natsserver import NatsServer  # noqa: E402
from broker.topology import TopologySettings  # noqa: E402
from clients.endpoint import Endpoint  # noqa: E402
from clients.events import BrokerNotice, Received  # noqa: E402
from schemas.envelope import now_ms  # noqa: E402
from schemas.keys import AuthorityKeys, SigningKey  # noqa: E402
from schemas.keystore import (  # noqa: E402
    MEMLIMIT_INTERACTIVE,
    OPSLIMIT_INTERACTIVE,
    BrokerKeys,
    dump_broker_keys,
    write_private,
)
from schemas.kinds import CaseReferral, Receipt  # noqa: E402
from schemas.logs import configure  # noqa: E402
from schemas.records import Victim  # noqa: E402
from tests.brokerkit import record  # noqa: E402

PASS = "benchmark passphrase"  # noqa: S105  (a throwaway keystore)
MIB, GIB = 1024 * 1024, 1024 * 1024 * 1024
SENDER = "ng-naptip"
API_TIMEOUT = 30.0
"""Seconds a JetStream API request may take (nats-py's default is 5): an overloaded
cluster answers late, and the benchmark reports how late rather than stopping."""
ATTEMPTS = 3


def authority(i: int) -> str:
    return f"fr-scale{i:05d}"


def pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


# --- processes: memory and CPU from /proc ----------------------------------------------


def rss_mib(pid: int) -> float:
    """Resident memory of `pid` in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            out.extend(int(c) for c in (task / "children").read_text().split())
    return out


async def idle_cpu(pids: dict[str, int], seconds: float) -> dict[str, float]:
    """Each process's CPU use over `seconds`, in percent of one core."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    start = time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - start
    return {name: 100 * (cpu_seconds(pid) - before[name]) / elapsed for name, pid in pids.items()}


# --- the hub ---------------------------------------------------------------------------


@dataclass
class Hub:
    """The nats-servers: client URLs, process ids, and the replicas to ask for."""

    urls: list[str]
    pids: list[int]
    replicas: int


@contextlib.asynccontextmanager
async def hub(work: Path, servers: int) -> AsyncIterator[Hub]:
    if servers == 1:
        async with NatsServer(work / "nats") as server:
            yield Hub([server.url], [server.pid or 0], 1)
        return
    async with NatsCluster(work / "cluster", size=servers) as cluster:
        yield Hub(cluster.urls, [cluster.pid(i) or 0 for i in range(servers)], min(servers, 3))


def per_authority(rss: list[float], base: list[float], n: int) -> list[float]:
    """Each node's RSS growth since before the first registration, KiB per authority."""
    return [1024 * (r - b) / n for r, b in zip(rss, base, strict=True)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the broker process ----------------------------------------------------------------


@dataclass
class BrokerProcess:
    proc: asyncio.subprocess.Process
    ops_port: int

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def ready(self, limit: float = 120.0) -> None:
        url = f"http://127.0.0.1:{self.ops_port}/readyz"

        def probe() -> bool:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    return bool(response.status == 200)
            except OSError:
                return False

        async with asyncio.timeout(limit):
            while not await asyncio.to_thread(probe):
                if self.proc.returncode is not None:
                    raise SystemExit(f"the broker exited with status {self.proc.returncode}")
                await asyncio.sleep(0.2)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            await self.proc.wait()


async def start_broker(
    work: Path, url: str, root: SigningKey, keys: BrokerKeys, settings: TopologySettings
) -> BrokerProcess:
    write_private(
        work / "broker.keystore",
        dump_broker_keys(keys, PASS, opslimit=OPSLIMIT_INTERACTIVE, memlimit=MEMLIMIT_INTERACTIVE),
    )
    port = free_port()
    (work / "broker.toml").write_text(
        f'directory_root = "{root.public.hex()}"\ndata_dir = "{work}"\n'
        f'passphrase = "{PASS}"\nlog_level = "warning"\n'
        f'[nats]\nurl = "{url}"\nreplicas = {settings.replicas}\n'
        f'[ops]\nport = {port}\ntoken = "bench"\n'
        f"[quotas]\nevidence_bytes = {settings.evidence_bytes}\n"
        f"store_bytes = {settings.store_bytes}\n"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "clients.cli", "up", "--config", str(work / "broker.toml"),
        cwd=ROOT, env={**os.environ, "PALERMO_OPS_TOKEN": "bench"},
    )  # fmt: skip
    return BrokerProcess(proc, port)


# --- the legs --------------------------------------------------------------------------


@dataclass
class Run:
    """What one hub's registrations measured."""

    register_ms: list[float] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    retries: int = 0
    """Registrations retried after a JetStream request timed out or failed."""
    error: str | None = None
    """Why the run stopped before the last size, if it did."""


async def register_step(
    run: Run, what: str, attempts: Sequence[Callable[[], Awaitable[object]]]
) -> list[float] | None:
    """Time each of `attempts` (`timed`) into `run.register_ms` and return their times,
    or None if the cluster stopped answering (`run.error` says after how many)."""
    step: list[float] = []
    try:
        for attempt in attempts:
            await timed(run, step, attempt)
    except (nats.errors.Error, TimeoutError) as exc:
        run.register_ms.extend(step)
        run.error = f"stopped after {len(run.register_ms)} {what}: {exc!r}"
        print(f"  {run.error}", flush=True)
        return None
    run.register_ms.extend(step)
    return step


async def timed(run: Run, step: list[float], attempt: Callable[[], Awaitable[object]]) -> None:
    """Time one registration into `step`, retrying up to `ATTEMPTS` times while the
    cluster does not answer (registration is idempotent); the time includes retries."""
    start = time.perf_counter()
    for left in range(ATTEMPTS - 1, -1, -1):
        try:
            await attempt()
            break
        except (nats.errors.Error, TimeoutError):
            if not left:
                raise
            run.retries += 1
    step.append(1000 * (time.perf_counter() - start))


async def first_message(
    url: str, root: SigningKey, sender: AuthorityKeys, recipient: AuthorityKeys
) -> dict[str, float]:
    """One referral from `sender` to `recipient`, each on its own endpoint: milliseconds
    to load the recipient's directory, then from the send call to the `accepted` notice,
    the recipient's `Received` and the sender's retrieval receipt."""
    body = CaseReferral(summary="First contact.", victims=[Victim(ref="V1", sex="female")])
    out: dict[str, float] = {}
    async with (
        await Endpoint.connect(url, sender, root.public) as a,
        await Endpoint.connect(url, recipient, root.public) as b,
    ):
        start = time.monotonic()
        await b.directory()
        out["directory_ms"] = 1000 * (time.monotonic() - start)
        await a.directory()
        got: dict[str, float] = {}

        async def recipient_side() -> None:
            async for event in b.events():
                if isinstance(event, Received):
                    got["received"] = time.monotonic()
                    return

        async def sender_side() -> None:
            async for event in a.events():
                if isinstance(event, BrokerNotice) and event.notice.type == "accepted":
                    got.setdefault("accepted", time.monotonic())
                elif isinstance(event, Received) and isinstance(event.opened.body, Receipt):
                    got["receipt"] = time.monotonic()
                    return

        start = time.monotonic()
        await a.send(body, to=[recipient.authority])
        async with asyncio.timeout(60):
            await asyncio.gather(recipient_side(), sender_side())
        for name in ("accepted", "received", "receipt"):
            out[f"{name}_ms"] = 1000 * (got[name] - start)
    return out


async def register_all(
    args: argparse.Namespace, work: Path, h: Hub, keys: dict[str, AuthorityKeys]
) -> Run:
    settings = TopologySettings(
        replicas=h.replicas,
        evidence_bytes=args.evidence_mib * MIB,
        store_bytes=int(args.store_gib * GIB),
    )
    nc = await nats.connect(h.urls[0])
    js = nc.jetstream(timeout=API_TIMEOUT)
    root = SigningKey.generate()
    broker_keys = BrokerKeys(SigningKey.generate(), SigningKey.generate())
    await topology.bootstrap(js, settings)
    admin = DirectoryAdmin(js, root, settings=settings)
    await admin.put(
        broker_record(broker_keys, now_ms=now_ms(), valid_ms=3600_000, name="bench"),
        change="added",
    )
    await admin.put(record(keys[SENDER]), change="added")
    broker = await start_broker(work, h.urls[1 % len(h.urls)], root, broker_keys, settings)
    run = Run()
    try:
        await broker.ready()
        await asyncio.sleep(args.settle)
        base_rss = [rss_mib(p) for p in h.pids]
        names = [authority(i) for i in range(max(args.sizes))]
        done = 0
        for size in args.sizes:
            step = await register_step(
                run,
                "registrations",
                [
                    functools.partial(admin.put, record(keys[name]), change="added")
                    for name in names[done:size]
                ],
            )
            if step is None:
                break
            done = size
            print(f"  {size} registered (last step p50 {pct(step, 50):.1f} ms)", flush=True)
            await asyncio.sleep(args.settle)
            rss = [rss_mib(p) for p in h.pids]
            pids = {"broker": broker.pid}
            pids |= {f"broker child {i}": c for i, c in enumerate(children(broker.pid))}
            pids |= {f"nats {i + 1}": p for i, p in enumerate(h.pids)}
            cpu = await idle_cpu(pids, args.idle_seconds)
            first = await first_message(h.urls[-1], root, keys[SENDER], keys[names[size - 1]])
            run.steps.append({
                "n": size,
                "register_p50_ms": pct(step, 50),
                "register_p99_ms": pct(step, 99),
                "rss_mib": rss,
                "rss_per_authority_kib": per_authority(rss, base_rss, size),
                "cpu_percent": cpu,
                "first_message": first,
            })  # fmt: skip
            print(
                f"  {size}: RSS MiB {' / '.join(f'{x:.0f}' for x in rss)}, idle CPU % "
                + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
                + f", first message receipt {first['receipt_ms']:.0f} ms",
                flush=True,
            )
            if broker.proc.returncode is not None:
                raise SystemExit(f"the broker exited with status {broker.proc.returncode}")
    finally:
        await broker.stop()
        await nc.close()
    return run


async def baseline(args: argparse.Namespace, h: Hub) -> Run:
    """The bare JetStream work of each registration: a durable consumer and an object
    store with the same quota, nothing checked, nothing signed."""
    nc = await nats.connect(h.urls[0])
    js = nc.jetstream(timeout=API_TIMEOUT)
    await js.add_stream(
        StreamConfig(
            name="BASE_DELIVERY", subjects=["base.delivery.>"], storage=StorageType.FILE,
            retention=RetentionPolicy.WORK_QUEUE, num_replicas=h.replicas,
            max_consumers=topology.MAX_INBOXES,  # else nats-server stops it at 1,000
        )
    )  # fmt: skip
    run = Run()
    base_rss = [rss_mib(p) for p in h.pids]
    done = 0
    try:
        for size in args.sizes:

            async def bare(name: str) -> None:
                await js.add_consumer(
                    "BASE_DELIVERY",
                    ConsumerConfig(
                        durable_name=f"base_{name}", filter_subject=f"base.delivery.{name}",
                        ack_policy=AckPolicy.EXPLICIT, max_ack_pending=1_000,
                    ),
                )  # fmt: skip
                await js.create_object_store(
                    f"BASE_{name}",
                    config=ObjectStoreConfig(
                        storage=StorageType.FILE, replicas=h.replicas,
                        max_bytes=args.evidence_mib * MIB,
                    ),
                )  # fmt: skip

            step = await register_step(
                run,
                "baseline registrations",
                [functools.partial(bare, authority(i)) for i in range(done, size)],
            )
            if step is None:
                break
            done = size
            await asyncio.sleep(args.settle)
            rss = [rss_mib(p) for p in h.pids]
            cpu = await idle_cpu(
                {f"nats {i + 1}": p for i, p in enumerate(h.pids)}, args.idle_seconds
            )
            run.steps.append({
                "n": size,
                "register_p50_ms": pct(step, 50),
                "register_p99_ms": pct(step, 99),
                "rss_mib": rss,
                "rss_per_authority_kib": per_authority(rss, base_rss, size),
                "cpu_percent": cpu,
            })  # fmt: skip
            print(
                f"  baseline: {size} created (last step p50 {pct(step, 50):.1f} ms), RSS MiB "
                f"{' / '.join(f'{x:.0f}' for x in rss)}, idle CPU % "
                + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()),
                flush=True,
            )
    finally:
        await nc.close()
    return run


async def main(args: argparse.Namespace) -> dict[str, Any]:
    names = [SENDER, *(authority(i) for i in range(max(args.sizes)))]
    keys = {n: AuthorityKeys.generate(n) for n in names}
    out: dict[str, Any] = {"servers": args.servers}
    with tempfile.TemporaryDirectory(prefix="palermo-scale-") as tmp:
        async with hub(Path(tmp), args.servers) as h:
            print(f"palermo registration on {len(h.urls)} server(s), R{h.replicas}", flush=True)
            out["palermo"] = await register_all(args, Path(tmp), h, keys)
    if args.baseline:
        try:
            with tempfile.TemporaryDirectory(prefix="palermo-scale-base-") as tmp:
                async with hub(Path(tmp), args.servers) as h:
                    out["baseline"] = await baseline(args, h)
        except (nats.errors.Error, TimeoutError, OSError) as exc:
            # The figures measured so far are still reported.
            print(f"baseline failed: {type(exc).__name__}: {exc}", flush=True)
    return out


# --- the report ------------------------------------------------------------------------


def deciles(values: Sequence[float]) -> list[float]:
    """The p50 of each tenth of `values`, in order."""
    n = len(values)
    bounds = [(n * i // 10, max(n * (i + 1) // 10, n * i // 10 + 1)) for i in range(10)]
    return [pct(values[a:b], 50) for a, b in bounds]


def report(args: argparse.Namespace, r: dict[str, Any]) -> dict[str, Any]:
    palermo: Run = r["palermo"]
    base: Run | None = r.get("baseline")
    base_by_n = {s["n"]: s for s in base.steps} if base else {}
    nodes = len(palermo.steps[0]["rss_mib"]) if palermo.steps else 0
    rows = []
    for s in palermo.steps:
        b = base_by_n.get(s["n"])
        rows.append([
            s["n"], round(s["register_p50_ms"], 1), round(s["register_p99_ms"], 1),
            round(b["register_p50_ms"], 1) if b else "-",
            round(b["register_p99_ms"], 1) if b else "-",
        ])  # fmt: skip
    memory = []
    for s in palermo.steps:
        b = base_by_n.get(s["n"])
        memory.append([
            s["n"], " / ".join(f"{x:.0f}" for x in s["rss_mib"]),
            " / ".join(f"{x:.0f}" for x in s["rss_per_authority_kib"]),
            " / ".join(f"{x:.0f}" for x in b["rss_per_authority_kib"]) if b else "-",
        ])  # fmt: skip
    cpu = []
    for s in palermo.steps:
        c = s["cpu_percent"]
        child = sum(v for k, v in c.items() if k.startswith("broker child"))
        servers = " / ".join(f"{v:.1f}" for k, v in c.items() if k.startswith("nats"))
        b = base_by_n.get(s["n"], {}).get("cpu_percent")
        bare = " / ".join(f"{v:.1f}" for v in b.values()) if b else "-"
        cpu.append([s["n"], round(c["broker"], 2), round(child, 2), servers, bare])
    first = [
        [s["n"], *(round(s["first_message"][k], 1)
                   for k in ("directory_ms", "accepted_ms", "received_ms", "receipt_ms"))]
        for s in palermo.steps
    ]  # fmt: skip
    growth = [["palermo", *(round(x, 1) for x in deciles(palermo.register_ms))]]
    if base:
        growth.append(["bare JetStream", *(round(x, 1) for x in deciles(base.register_ms))])
    tables = [
        {"title": f"time to register one authority, ms (sizes registered cumulatively on "
                  f"{nodes} node(s); baseline: bare consumer + object store)",
         "columns": ["n", "p50", "p99", "baseline p50", "baseline p99"], "rows": rows},
        {"title": f"p50 registration time (ms) by tenth of the {len(palermo.register_ms)} "
                  "registrations, in order (flat: does not grow with n)",
         "columns": ["", *(f"{10 * i}-{10 * i + 10}%" for i in range(10))], "rows": growth},
        {"title": "nats-server RSS per node (MiB) and its growth per authority (KiB)",
         "columns": ["n", "RSS MiB", "KiB/authority", "baseline KiB/authority"],
         "rows": memory},
        {"title": f"CPU when idle, % of one core over {args.idle_seconds:g} s",
         "columns": ["n", "broker", "broker's API child", "nats-servers",
                     "baseline nats-servers"], "rows": cpu},
        {"title": "first message to the newest authority, ms (directory: its endpoint's "
                  "first load; the rest from the send call)",
         "columns": ["n", "directory", "accepted", "received", "receipt"], "rows": first},
    ]  # fmt: skip
    return {
        "bench": "scale", "servers": r["servers"], "tables": tables,
        "palermo": {"register_ms": palermo.register_ms, "steps": palermo.steps,
                    "retries": palermo.retries, "error": palermo.error},
        "baseline": {"register_ms": base.register_ms, "steps": base.steps,
                     "retries": base.retries, "error": base.error} if base else None,
    }  # fmt: skip


def plot(out: dict[str, Any], target: Path) -> Path:
    """Four panels against n: registration time, memory per node, idle CPU, first message."""
    import matplotlib  # noqa: PLC0415  (the bench extra)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    steps = out["palermo"]["steps"]
    base = out["baseline"]["steps"] if out["baseline"] else []
    if not steps:
        raise SystemExit("nothing measured to plot")
    ns = [s["n"] for s in steps]
    fig, ax = plt.subplots(2, 2, figsize=(11, 8))
    reg = ax[0][0]
    reg.plot(ns, [s["register_p50_ms"] for s in steps], "o-", label="palermo p50")
    reg.plot(ns, [s["register_p99_ms"] for s in steps], "o--", label="palermo p99")
    if base:
        bn = [s["n"] for s in base]
        reg.plot(bn, [s["register_p50_ms"] for s in base], "s-", label="bare JetStream p50")
        reg.plot(bn, [s["register_p99_ms"] for s in base], "s--", label="bare JetStream p99")
    reg.set_title("time to register one authority")
    reg.set_ylabel("ms")
    mem = ax[0][1]
    for i in range(len(steps[0]["rss_mib"])):
        mem.plot(ns, [s["rss_mib"][i] for s in steps], "o-", label=f"node {i + 1}")
    mem.set_title("nats-server RSS")
    mem.set_ylabel("MiB")
    cpu = ax[1][0]
    for name in steps[0]["cpu_percent"]:
        cpu.plot(ns, [s["cpu_percent"].get(name, 0.0) for s in steps], "o-", label=name)
    cpu.axhline(5, color="grey", linestyle=":", label="broker goal 5 %")
    cpu.set_title("CPU when idle")
    cpu.set_ylabel("% of one core")
    first = ax[1][1]
    for key in ("directory_ms", "accepted_ms", "received_ms", "receipt_ms"):
        first.plot(ns, [s["first_message"][key] for s in steps], "o-", label=key[:-3])
    first.set_title("first message to the newest authority")
    first.set_ylabel("ms")
    for a in (reg, mem, cpu, first):
        a.set_xscale("log")
        a.set_xlabel("authorities registered")
        a.legend(fontsize="small")
        a.grid(True, alpha=0.3)
    fig.tight_layout()
    target.mkdir(parents=True, exist_ok=True)
    path = target / "scale.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def show(out: dict[str, Any]) -> None:
    for name in ("palermo", "baseline"):
        leg = out[name]
        if leg and (leg["retries"] or leg["error"]):
            print(
                f"\n{name}: {leg['retries']} registrations retried; {leg['error'] or 'completed'}"
            )
    for table in out["tables"]:
        print(f"\n{table['title']}")
        print("  ".join(f"{c:>13}" for c in table["columns"]))
        for row in table["rows"]:
            print("  ".join(f"{c!s:>13}" for c in row))


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000],
                        help="authorities registered by each measurement (cumulative)")  # fmt: skip
    parser.add_argument("--servers", type=int, choices=(1, 3), default=3)
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--settle", type=float, default=3.0,
                        help="seconds to wait after registering, before measuring")  # fmt: skip
    parser.add_argument("--evidence-mib", type=int, default=1)
    parser.add_argument("--store-gib", type=float, default=10.0)
    parser.add_argument("--no-baseline", dest="baseline", action="store_false")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--plot", type=Path, help="write scale.png into this directory")
    parser.add_argument("--quick", action="store_true",
                        help="a short run: 20 and 100 authorities, 5 s idle")  # fmt: skip
    args = parser.parse_args(argv)
    if args.quick:
        if args.sizes == [100, 1000, 5000]:
            args.sizes = [20, 100]
        args.idle_seconds, args.settle = min(args.idle_seconds, 5.0), min(args.settle, 1.0)
    if args.sizes != sorted(set(args.sizes)) or args.sizes[0] < 1:
        parser.error("--sizes must be increasing and positive")
    return args


if __name__ == "__main__":
    arguments = parse()
    configure("json", "warning")
    try:
        result = report(arguments, asyncio.run(main(arguments)))
    except KeyboardInterrupt:
        raise SystemExit("interrupted") from None
    except (nats.errors.Error, TimeoutError, OSError) as exc:
        raise SystemExit(f"scale benchmark failed: {type(exc).__name__}: {exc}") from None
    show(result)
    if arguments.json:
        arguments.json.parent.mkdir(parents=True, exist_ok=True)
        arguments.json.write_text(json.dumps(result, indent=1) + "\n")
    if arguments.plot:
        print(f"\nchart: {plot(result, arguments.plot)}")
