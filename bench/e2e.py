"""End to end through the client library, beside a bare JetStream relay, in one run.

Run: `.venv/bin/python bench/e2e.py` (`--json FILE` also writes the figures as JSON).

One embedded nats-server. First the bare relay of `bench/broker_relay.py` (publish to
a work-queue stream, a relay process pulls and republishes, a sink pulls and acks) with
pre-sealed 1 KiB envelopes: its throughput and its latency at each offered rate. Then
`palermo up` and two authorities, each in its own process as they would be: the sender
(this process) minimises, seals and publishes 1 KiB case referrals with an `Endpoint`
and reads its own inbox (the broker's notices, the signed receipts); the recipient (a
child process) verifies, opens, de-duplicates and acks each and sends a signed
retrieval receipt back. Legs:

- throughput: `--messages` referrals through `Endpoint.send_many`, as fast as possible;
- latency versus offered load: referrals at each of `--rates` msgs/s for `--seconds`,
  each its own `Endpoint.send`, p50/p99 from the send call to the recipient's event;
- broadcast: one referral sealed to the 50 members of a network, `--broadcast-rate`
  per second for `--seconds`, p50/p99 until the last of the 50 has it.

Latencies use the system-wide monotonic clock, shared by the processes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nats
from nats.js.api import AckPolicy, ConsumerConfig, RetentionPolicy, StorageType, StreamConfig

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from broker_relay import SUMMARY, drive, pct  # noqa: E402  (bench/, beside this script)

from broker import topology  # noqa: E402
from broker.directory_store import DirectoryAdmin, broker_record  # noqa: E402
from broker.natsserver import NatsServer  # noqa: E402
from broker.topology import TopologySettings  # noqa: E402
from clients.endpoint import Endpoint, Received  # noqa: E402
from schemas.envelope import Sealed, now_ms, seal  # noqa: E402
from schemas.keys import AuthorityKeys, SigningKey  # noqa: E402
from schemas.keystore import (  # noqa: E402
    MEMLIMIT_INTERACTIVE,
    OPSLIMIT_INTERACTIVE,
    BrokerKeys,
    dump_broker_keys,
    load_keystore,
    save_keystore,
    write_private,
)
from schemas.kinds import CaseReferral  # noqa: E402
from schemas.logs import configure  # noqa: E402
from schemas.records import Victim  # noqa: E402
from tests.brokerkit import record  # noqa: E402

FAST = {"opslimit": OPSLIMIT_INTERACTIVE, "memlimit": MEMLIMIT_INTERACTIVE}
PASS = "benchmark passphrase"  # noqa: S105  (throwaway keystores)
NETWORK = "bench-route"
EVIDENCE = 16 * 1024 * 1024
MEMBERS = 50
SENDER, RECIPIENT = "ng-naptip", "it-dna"


def members() -> list[str]:
    return [f"fr-member{i:02d}" for i in range(MEMBERS)]


# --- the recipients' process ---------------------------------------------------------


async def recipients(url: str, keydir: str, root_hex: str, names: Sequence[str]) -> None:
    """Run an endpoint per name; print `name message-id-hex monotonic` per message."""
    root_public = bytes.fromhex(root_hex)
    async with contextlib.AsyncExitStack() as stack:
        endpoints = []
        for name in names:
            keys = load_keystore(Path(keydir) / f"{name}.keystore", PASS)
            ep = await stack.enter_async_context(await Endpoint.connect(url, keys, root_public))
            await ep.directory()
            endpoints.append(ep)

        async def run(ep: Endpoint) -> None:
            async for event in ep.events():
                if isinstance(event, Received):
                    mid = event.opened.binding.message_id.hex()
                    sys.stdout.write(f"{ep.keys.authority} {mid} {time.monotonic()}\n")
                    sys.stdout.flush()

        print("ready", flush=True)
        await asyncio.gather(*(run(ep) for ep in endpoints))


class Arrivals:
    """The arrival times a recipients' process prints, by (authority, message id)."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.times: dict[tuple[str, bytes], float] = {}
        self._ready = asyncio.Event()
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for line in self.proc.stdout:
            parts = line.decode().split()
            if parts == ["ready"]:
                self._ready.set()
            elif len(parts) == 3:
                self.times[(parts[0], bytes.fromhex(parts[1]))] = float(parts[2])
                self._changed.set()

    async def ready(self) -> None:
        async with asyncio.timeout(120):
            await self._ready.wait()

    async def wait(self, keys: Sequence[tuple[str, bytes]], limit: float = 300) -> None:
        async with asyncio.timeout(limit):
            while any(k not in self.times for k in keys):
                self._changed.clear()
                await self._changed.wait()

    async def stop(self) -> None:
        self.proc.terminate()
        await self.proc.wait()
        self._task.cancel()


async def spawn(url: str, keydir: Path, root: bytes, names: Sequence[str]) -> Arrivals:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--recipients", url, str(keydir), root.hex(), *names,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    arrivals = Arrivals(proc)
    await arrivals.ready()
    return arrivals


# --- the legs ------------------------------------------------------------------------


async def own_inbox(ep: Endpoint) -> None:
    """The sender reads its inbox: notices and the signed receipts (verified, opened)."""
    async for _ in ep.events():
        pass


async def e2e_throughput(
    a: Endpoint, arrivals: Arrivals, body: CaseReferral, count: int
) -> dict[str, float]:
    start = time.monotonic()
    if hasattr(a, "send_many"):
        outcomes: list[object] = list(await a.send_many([body] * count, to=[RECIPIENT]))
    else:  # an endpoint from before send_many, for before/after runs: one at a time
        outcomes = [await a.send(body, to=[RECIPIENT]) for _ in range(count)]
    sent = [o for o in outcomes if isinstance(o, Sealed)]
    if len(sent) != count:
        raise SystemExit(f"{count - len(sent)} of {count} sends failed")
    keys = [(RECIPIENT, s.binding.message_id) for s in sent]
    await arrivals.wait(keys)
    elapsed = max(arrivals.times[k] for k in keys) - start
    lat = [arrivals.times[k] - start for k in keys]
    return {"rate": count / elapsed, "p50": pct(lat, 50), "p99": pct(lat, 99)}


async def paced(
    a: Endpoint,
    arrivals: Arrivals,
    body: CaseReferral,
    rate: float,
    seconds: float,
    to: Sequence[str] = (RECIPIENT,),
    network: str | None = None,
    expect: Sequence[str] = (RECIPIENT,),
) -> dict[str, float]:
    """Send at `rate` per second for `seconds`, each send its own task; latency from the
    send call to the last of `expect` having it."""
    started: list[tuple[float, asyncio.Task[Sealed]]] = []
    start = time.monotonic()
    for i in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
        task = asyncio.create_task(a.send(body, to=to, network=network))
        started.append((time.monotonic(), task))
    results = [(t, await task) for t, task in started]
    keys = [(name, s.binding.message_id) for _, s in results for name in expect]
    await arrivals.wait(keys)
    lat = [max(arrivals.times[(n, s.binding.message_id)] for n in expect) - t for t, s in results]
    last = max(arrivals.times[k] for k in keys)
    return {"offered": rate, "achieved": len(results) / (last - start),
            "p50": pct(lat, 50), "p99": pct(lat, 99)}  # fmt: skip


Figures = dict[str, float]


async def relay_legs(server_url: str, envelopes: list[bytes], rates: Sequence[float],
                     seconds: float, sample: bytes) -> tuple[Figures, list[Figures]]:  # fmt: skip
    nc = await nats.connect(server_url)
    js = nc.jetstream()
    for name, subjects in (("RELAY_IN", ["relay.in.*"]), ("RELAY_OUT", ["relay.out.*"])):
        config = StreamConfig(name=name, subjects=subjects, storage=StorageType.FILE,
                              retention=RetentionPolicy.WORK_QUEUE)  # fmt: skip
        await js.add_stream(config)
    for stream, name, subject in (("RELAY_IN", "relay", "relay.in.*"),
                                  ("RELAY_OUT", "sink", "relay.out.it-dna")):  # fmt: skip
        await js.add_consumer(stream, ConsumerConfig(durable_name=name, filter_subject=subject,
                              ack_policy=AckPolicy.EXPLICIT, max_ack_pending=20_000))  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bench" / "broker_relay.py"), "--relay", server_url, cwd=ROOT
    )
    try:
        rate, lat = await drive(js, "relay.in.ng-naptip", "RELAY_OUT", "sink", envelopes)
        through = {"rate": rate, "p50": pct(lat, 50), "p99": pct(lat, 99)}
        curve = []
        for r in rates:
            # `drive` maps payloads to send times: each envelope once per leg.
            batch = [sample + i.to_bytes(4, "big") for i in range(int(r * seconds))]
            achieved, lat = await drive(js, "relay.in.ng-naptip", "RELAY_OUT", "sink", batch, r)
            curve.append({"offered": r, "achieved": achieved, "p50": pct(lat, 50),
                          "p99": pct(lat, 99)})  # fmt: skip
    finally:
        proc.terminate()
        await proc.wait()
        await nc.close()
    return through, curve


async def main(args: argparse.Namespace) -> dict[str, Any]:
    keys = {n: AuthorityKeys.generate(n) for n in [SENDER, RECIPIENT, *members()]}
    body = CaseReferral(summary=SUMMARY[:1024], victims=[Victim(ref="V1", sex="female")])
    sample = seal(body, sender=keys[SENDER], recipients=[keys[RECIPIENT].recipient]).data
    envelopes = [
        seal(body, sender=keys[SENDER], recipients=[keys[RECIPIENT].recipient]).data
        for _ in range(args.messages)
    ]
    with tempfile.TemporaryDirectory(prefix="palermo-bench-") as tmp:
        work = Path(tmp)
        async with NatsServer(work / "nats") as server:
            relay_through, relay_curve = await relay_legs(
                server.url, envelopes, args.rates, args.seconds, sample
            )
            nc = await nats.connect(server.url)
            js = nc.jetstream()
            root = SigningKey.generate()
            broker_keys = BrokerKeys(SigningKey.generate(), SigningKey.generate())
            write_private(work / "broker.keystore", dump_broker_keys(broker_keys, PASS, **FAST))
            await topology.bootstrap(js)
            # 52 evidence buckets: a small quota each, so that they fit the test store.
            admin = DirectoryAdmin(js, root, settings=TopologySettings(evidence_bytes=EVIDENCE))
            for name, k in keys.items():
                networks = [NETWORK] if name in members() else []
                await admin.put(record(k, networks=networks), change="added")
                if name != SENDER:
                    save_keystore(work / f"{name}.keystore", k, PASS, **FAST)
            await admin.put(
                broker_record(broker_keys, now_ms=now_ms(), valid_ms=3600_000, name="bench"),
                change="added",
            )
            (work / "broker.toml").write_text(
                f'directory_root = "{root.public.hex()}"\ndata_dir = "{work}"\n'
                f'passphrase = "{PASS}"\nlog_level = "warning"\n'
                f'[nats]\nurl = "{server.url}"\n[ops]\nport = 0\ntoken = "bench"\n'
                "[policy]\nrate_per_second = 1000000.0\nrate_burst = 1000000\n"
                f"[quotas]\nevidence_bytes = {EVIDENCE}\n"
            )
            broker = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "clients.cli", "up", "--config", str(work / "broker.toml"),
                cwd=ROOT, env={**os.environ, "PALERMO_OPS_TOKEN": "bench"},
            )  # fmt: skip
            one = many = None
            try:
                await asyncio.sleep(2.0)  # directory watch, bootstrap, readiness
                one = await spawn(server.url, work, root.public, [RECIPIENT])
                many = await spawn(server.url, work, root.public, members())
                async with await Endpoint.connect(server.url, keys[SENDER], root.public) as a:
                    await a.directory()
                    inbox = asyncio.create_task(own_inbox(a))
                    through = await e2e_throughput(a, one, body, args.e2e_messages)
                    curve = [await paced(a, one, body, r, args.seconds) for r in args.rates]
                    broadcast = await paced(
                        a, many, body, args.broadcast_rate, args.seconds,
                        to=(), network=NETWORK, expect=members(),
                    )  # fmt: skip
                    inbox.cancel()
                    await asyncio.wait({inbox})  # ended before the endpoint closes
            finally:
                for arrivals in (one, many):
                    if arrivals is not None:
                        await arrivals.stop()
                broker.terminate()
                await broker.wait()
                await nc.close()
    return {
        "relay": relay_through, "relay_curve": relay_curve, "e2e": through,
        "e2e_curve": curve, "broadcast": broadcast,
    }  # fmt: skip


def report(args: argparse.Namespace, r: dict[str, Any]) -> dict[str, Any]:
    rows = [
        [name, round(r[key]["rate"]), round(r[key]["p50"], 1), round(r[key]["p99"], 1)]
        for name, key in (("bare relay", "relay"), ("end to end", "e2e"))
    ]
    sweep = [
        [int(rel["offered"]), round(rel["achieved"]), round(rel["p50"], 1), round(rel["p99"], 1),
         round(e2e["achieved"]), round(e2e["p50"], 1), round(e2e["p99"], 1)]
        for rel, e2e in zip(r["relay_curve"], r["e2e_curve"], strict=True)
    ]  # fmt: skip
    b = r["broadcast"]
    tables = [
        {"title": f"throughput, all sent at once (relay {args.messages}, "
                  f"end to end {args.e2e_messages} referrals)",
         "columns": ["system", "msgs/s", "p50 ms", "p99 ms"], "rows": rows},
        {"title": f"latency versus offered load ({args.seconds:g} s per rate)",
         "columns": ["offered msgs/s", "relay msgs/s", "relay p50 ms", "relay p99 ms",
                     "e2e msgs/s", "e2e p50 ms", "e2e p99 ms"], "rows": sweep},
        {"title": f"broadcast to {MEMBERS}: all {MEMBERS} have it",
         "columns": ["broadcasts/s offered", "achieved", "p50 ms", "p99 ms"],
         "rows": [[b["offered"], round(b["achieved"], 1), round(b["p50"], 1),
                   round(b["p99"], 1)]]},
    ]  # fmt: skip

    def points(curve: list[dict[str, float]]) -> list[dict[str, float]]:
        return [{"offered": p["offered"], "achieved": p["achieved"], "p50_ms": p["p50"],
                 "p99_ms": p["p99"]} for p in curve]  # fmt: skip

    curves = [
        {"name": "bare relay", "points": points(r["relay_curve"])},
        {"name": "end to end", "points": points(r["e2e_curve"])},
    ]
    return {"bench": "e2e", "tables": tables, "curves": curves}


def show(out: dict[str, Any]) -> None:
    for table in out["tables"]:
        print(f"\n{table['title']}")
        print("  ".join(f"{c:>14}" for c in table["columns"]))
        for row in table["rows"]:
            print("  ".join(f"{c!s:>14}" for c in row))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000, help="relay throughput leg")
    parser.add_argument("--e2e-messages", type=int, default=2000)
    parser.add_argument("--rates", type=float, nargs="+", default=[100, 250, 500, 1000, 2000])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--broadcast-rate", type=float, default=20.0)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--quick", action="store_true", help="a short run (500 messages, two rates, 1 s each)"
    )
    parser.add_argument("--recipients", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.messages, args.e2e_messages, args.rates, args.seconds = 1000, 500, [100.0, 500.0], 1.0
    configure("json", "warning")  # no line per message sent: its cost is not the library's
    if args.recipients:
        url, keydir, root_hex, *names = args.recipients
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(recipients(url, keydir, root_hex, names))
    else:
        out = report(args, asyncio.run(main(args)))
        show(out)
        if args.json:
            args.json.write_text(json.dumps(out, indent=1) + "\n")
