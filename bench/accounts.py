"""Thousands of authority accounts in NATS operator mode, and what each costs the server.

Run: `.venv/bin/python bench/accounts.py` (`--sizes 100,1000,5000` by default;
`--quick` for 20 and 100; `--json FILE` also writes the figures).

One nats-server trusting a fresh operator (`broker.natshub.init_hub`, `server_config`:
the `full` resolver, the fixed accounts preloaded). Accounts are pushed one after the
other as the broker's account pusher does on each new verified directory record: the
authority's account JWT (its constant imports and limits) signed by the hub's signing
key, sent to `$SYS.REQ.CLAIMS.UPDATE` on the system user's connection, answered once
the server has stored and applied it. At each size (cumulative on the same server):

- time to push each account: p50/p99 of the step since the previous size, and the p50
  of each tenth of all pushes so far (flat if it does not grow with n);
- the server's RSS and its growth per account, twice: once the accounts are pushed
  (the `full` resolver keeps them on disk and loads one into memory when it is first
  used) and once each has been used (every authority's first connect, with creds
  issued for it, then closed: the account stays loaded); the resolver directory's size
  on disk;
- each authority's first connect with its creds: p50/p99 (the server finds the pushed
  account at once: no reload, no fetch);
- the account JWT's size and import count (the same at every n: constant imports).

Baseline, in the same run on a second server of the same shape: the same number of
accounts with no imports (a bare account JWT with the same limits), so the difference
is what Palermo's imports cost. Not measured here: the JetStream side of a registration
(inbox consumer, evidence bucket; `bench/scale.py` measures it) and a cluster (every
node's resolver holds every account; a push to one node reaches the others).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scale import deciles, pct, rss_mib  # bench/ is sys.path[0] when run as a script

from broker import natsjwt
from broker.natsconfig import AccountLimits
from broker.natshub import Hub, init_hub, push_account, server_config
from broker.natsserver import NatsServer
from schemas import nats_names
from schemas.keys import AuthorityKeys
from schemas.logs import configure
from tests.brokerkit import record


def authority(i: int) -> str:
    return f"fr-acct{i:05d}"


def dir_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / (1024 * 1024)


@dataclass
class Server:
    hub: Hub
    server: NatsServer
    system: Client
    resolver: Path


@asynccontextmanager
async def operator_server(work: Path) -> AsyncIterator[Server]:
    hub = init_hub(work / "hub", resolver_dir=work / "resolver", fetch_timeout=2.0)
    config = server_config(hub, work / "hub" / "server.conf")
    async with NatsServer(work / "nats", config=config) as server:
        system = await hub.connect_system(server.url)
        try:
            yield Server(hub, server, system, work / "resolver")
        finally:
            await system.close()


def palermo_account(hub: Hub, i: int) -> tuple[str, str]:
    """Authority i's account JWT, as the broker's pusher makes it from its record."""
    return hub.account(record(AuthorityKeys.generate(authority(i))))


def bare_account(hub: Hub, i: int) -> tuple[str, str]:
    """An account with the same limits and no imports (the baseline)."""
    key = hub.keys.account(authority(i))
    claims = natsjwt.account_claims(limits=AccountLimits().claims())
    token = natsjwt.encode(
        hub.keys.signing, key.public, claims, name=authority(i), issued_at=int(time.time())
    )
    return key.public, token


async def first_connect(s: Server, i: int) -> float:
    """Seconds for authority i's first connect with creds issued for it now."""
    creds = s.hub.authority_creds(authority(i))
    started = time.perf_counter()
    nc = await nats.connect(
        s.server.url,
        user_credentials=str(creds),
        inbox_prefix=nats_names.reply_prefix(authority(i)),
        allow_reconnect=False,
        connect_timeout=5,
    )
    took = time.perf_counter() - started
    await nc.close()
    return took


async def run(
    work: Path,
    sizes: Sequence[int],
    make: Callable[[Hub, int], tuple[str, str]],
    settle: float,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    async with operator_server(work) as s:
        pid = s.server.pid
        assert pid is not None
        base_rss = rss_mib(pid)
        pushes: list[float] = []
        token = ""
        for size in sizes:
            step: list[float] = []
            for i in range(len(pushes), size):
                _, token = make(s.hub, i)
                started = time.perf_counter()
                await push_account(s.system, token)
                step.append(time.perf_counter() - started)
            pushes += step
            await asyncio.sleep(settle)  # let the server settle before reading its RSS
            rss = rss_mib(pid)
            connects = [await first_connect(s, i) for i in range(size - len(step), size)]
            await asyncio.sleep(settle)
            used = rss_mib(pid)
            claims = natsjwt.decode(token)
            rows.append(
                {
                    "accounts": size,
                    "push_p50_ms": pct(step, 50) * 1000,
                    "push_p99_ms": pct(step, 99) * 1000,
                    "push_deciles_ms": [d * 1000 for d in deciles(pushes)],
                    "rss_mib": rss,
                    "rss_per_account_kib": (rss - base_rss) * 1024 / size,
                    "rss_used_mib": used,
                    "rss_per_used_account_kib": (used - base_rss) * 1024 / size,
                    "resolver_mib": dir_mib(s.resolver),
                    "first_connect_p50_ms": pct(connects, 50) * 1000,
                    "first_connect_p99_ms": pct(connects, 99) * 1000,
                    "jwt_bytes": len(token),
                    "imports": len(claims["nats"].get("imports", [])),
                }
            )
            print(f"  {size:>6} accounts: push p50 {rows[-1]['push_p50_ms']:.2f} ms", flush=True)
    return rows


def table(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{title}")
    print(
        "| accounts | push p50 / p99 (ms) | RSS pushed / used (MiB) | per account pushed / "
        "used (KiB) | resolver on disk (MiB) | first connect p50 / p99 (ms) | JWT bytes "
        "| imports |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['accounts']:,} | {r['push_p50_ms']:.2f} / {r['push_p99_ms']:.2f} "
            f"| {r['rss_mib']:.0f} / {r['rss_used_mib']:.0f} "
            f"| {r['rss_per_account_kib']:.1f} / {r['rss_per_used_account_kib']:.1f} "
            f"| {r['resolver_mib']:.1f} "
            f"| {r['first_connect_p50_ms']:.1f} / {r['first_connect_p99_ms']:.1f} "
            f"| {r['jwt_bytes']:,} | {r['imports']} |"
        )
    print("push p50 by tenth of all pushes (ms): " + ", ".join(
        f"{d:.2f}" for d in rows[-1]["push_deciles_ms"]
    ))  # fmt: skip


async def main(args: argparse.Namespace) -> dict[str, Any]:
    sizes = [20, 100] if args.quick else [int(s) for s in args.sizes.split(",")]
    if sizes != sorted(sizes) or sizes[0] < 1:
        raise SystemExit("bench/accounts.py: --sizes must be increasing positive counts")
    with tempfile.TemporaryDirectory(prefix="palermo-accounts-") as tmp:
        print("Palermo accounts (constant imports):")
        palermo = await run(Path(tmp) / "palermo", sizes, palermo_account, args.settle)
        print("baseline, bare accounts (no imports):")
        bare = await run(Path(tmp) / "bare", sizes, bare_account, args.settle)
    table("Palermo authority accounts, operator mode, one nats-server", palermo)
    table("Baseline: bare accounts, same server shape, same run", bare)
    last_p, last_b = palermo[-1], bare[-1]
    ratio = last_p["push_p50_ms"] / last_b["push_p50_ms"]
    print(
        f"\nat {last_p['accounts']:,}: push p50 {ratio:.2f}x the bare account's, "
        f"RSS per used account {last_p['rss_per_used_account_kib']:.1f} vs "
        f"{last_b['rss_per_used_account_kib']:.1f} KiB"
    )
    return {"palermo": palermo, "bare": bare, "cores": os.cpu_count()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="account counts, increasing")
    parser.add_argument("--quick", action="store_true", help="20 and 100 accounts")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds before each RSS reading")
    cli = parser.parse_args()
    configure("console", "warning")
    try:
        result = asyncio.run(main(cli))
    except (OSError, nats.errors.Error, TimeoutError) as exc:
        raise SystemExit(f"bench/accounts.py: {type(exc).__name__}: {exc}") from None
    if cli.json:
        Path(cli.json).parent.mkdir(parents=True, exist_ok=True)
        Path(cli.json).write_text(json.dumps(result, indent=2) + "\n")
