"""`palermo up`: run a broker, on an embedded NATS unless a URL is configured.

With `--cluster N` the embedded NATS is a hub of N nats-servers on loopback, one
JetStream cluster in the `hub` domain (`broker.natscluster`), and the broker's streams
and buckets are replicated on up to three of them; the broker, and with `--demo` the
exchange, are given every node's URL and fail over between them.

With `--demo` it first makes (once) and publishes a demo directory of three authorities,
re-signs the directory head hourly, and, once the broker is ready, starts
`palermo demo exchange` as a separate process: the exchange is the authorities' side,
which the broker runs as any operator would, through the command line, never by
importing it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
import sys
import sysconfig
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from schemas import logs
from schemas.keystore import BrokerKeys, load_broker_keys_bytes, read_keystore_file

from . import demo, topology
from .cli_common import ERRORS, ask, connect_once
from .config import BrokerConfig, load_config
from .directory_store import DirectoryAdmin
from .natscluster import NatsCluster, NatsClusterError
from .natsserver import NatsServer, parent_death_preexec
from .service import Broker, ExtraTask, connect, tls_context, topology_settings

if TYPE_CHECKING:
    from .ops import OpsServer

HEAD_REFRESH: Final = 3600.0
"""Seconds between the demo's re-signings of the directory head (it lives 24 hours)."""
EXCHANGE_STOP_TIMEOUT: Final = 5.0
"""How long the demo exchange process may take to exit once told to stop."""


def _up(args: argparse.Namespace) -> int:
    return asyncio.run(_up_async(args))


async def _up_async(args: argparse.Namespace) -> int:
    overrides: dict[str, Any] = {}
    if args.cluster is not None:
        if args.cluster < 1:
            raise NatsClusterError(f"--cluster needs at least one node, not {args.cluster}")
        overrides["nats.replicas"] = min(args.cluster, 3)
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    if args.ops_port is not None:
        overrides["ops.port"] = args.ops_port
    files = None
    if args.demo:
        files = demo.prepare(Path(args.data_dir or "data"))
        overrides.update(
            {
                "directory_root": files.root.public.hex(),
                "ops.token": files.ops_token,
                "passphrase": demo.PASSPHRASE,
                "data_dir": str(files.data_dir),
            }
        )
    config = load_config(Path(args.config) if args.config else None, overrides=overrides)
    logs.configure(config.log_format, config.log_level)
    keys = files.broker if files else _broker_keys(config)
    from .ops import OpsServer  # noqa: PLC0415  (aiohttp is only needed when serving)

    async with contextlib.AsyncExitStack() as stack:
        url = await _nats(stack, config, args.cluster)
        nc = await connect(url, config)
        stack.push_async_callback(nc.drain)
        ops = OpsServer()
        extra: list[ExtraTask] = [ops]
        if files is not None:
            demo.write_connection_files(files, url)
            js = nc.jetstream()
            await topology.bootstrap(js, topology_settings(config))
            admin = DirectoryAdmin(js, files.root)
            await demo.publish_directory(admin, files)
            extra.append(_head_refresher(admin))
            if not args.no_exchange:
                extra.append(_exchange(url, files.data_dir))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        broker = Broker(config, keys, nc, extra_tasks=[*extra, _banner(url, ops, files)])
        try:
            await broker.run(stop)
        except BaseExceptionGroup as group:
            # A listener that cannot bind (the ops port taken) stops the broker's task
            # group: report that one error as one line, not the group's traceback.
            raise _first_reported(group) from group
    return 0


async def _nats(stack: contextlib.AsyncExitStack, config: BrokerConfig, cluster: int | None) -> str:
    """The NATS URL(s) the broker connects to: its embedded server's, its embedded
    cluster's (`--cluster N`, every node's, comma-separated), or the configured one
    once it answers. Servers started here are entered first on `stack`, so left last:
    the broker drains its connection before they stop."""
    url = config.nats.url
    if url is not None and cluster is not None:
        raise NatsClusterError(
            "--cluster starts its own NATS nodes: leave nats.url (or PALERMO_NATS_URL) "
            "unset, or drop --cluster"
        )
    if cluster is not None:
        hub = await stack.enter_async_context(
            NatsCluster(Path(config.data_dir) / "nats-cluster", cluster)
        )
        return ",".join(hub.urls)
    if url is None:
        server = await stack.enter_async_context(NatsServer(Path(config.data_dir) / "nats"))
        if server.notice:
            print(f"palermo up: {server.notice}", file=sys.stderr, flush=True)
        return server.url
    # The broker's own connection waits for ever for its first connect, and reconnects
    # for ever after: try once first, so that a wrong URL or wrong credentials end in
    # one line instead of an endless wait.
    probe = await connect_once(
        url,
        "nats.url in the configuration, or PALERMO_NATS_URL",
        user=config.nats.user,
        password=config.nats.password,
        nkeys_seed=config.nats.nkey_seed_file,
        user_credentials=config.nats.creds_file,
        tls=tls_context(config.nats.tls_ca_file),
    )
    await probe.close()
    return url


def _first_reported(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first error in `group` (nested groups searched) that the command reports as
    one line, else `group` itself."""
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            found = _first_reported(exc)
            if found is not exc:
                return found
        elif isinstance(exc, ERRORS):
            return exc
    return group


def _broker_keys(config: BrokerConfig) -> BrokerKeys:
    passphrase = config.passphrase or ask(
        "Broker keystore passphrase: ",
        "set passphrase in the configuration or PALERMO_BROKER_PASSPHRASE",
    )
    return load_broker_keys_bytes(read_keystore_file(config.path(config.keystore)), passphrase)


def _head_refresher(admin: DirectoryAdmin) -> ExtraTask:
    """Demo only (the root key is local): re-sign the directory head every hour."""

    async def refresh(broker: Broker, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(HEAD_REFRESH):
                    await stop.wait()
            if not stop.is_set():
                await admin.sign_head()

    return refresh


def palermo_command() -> str | None:
    """The `palermo` console script of this installation (beside this interpreter's
    scripts first, then on PATH), or None if it is not installed."""
    return shutil.which("palermo", path=sysconfig.get_path("scripts")) or shutil.which("palermo")


def _exchange(url: str, data_dir: Path) -> ExtraTask:
    """Demo only: once ready, run `palermo demo exchange` (the three authorities' side)
    as its own process, and stop it when the broker stops."""

    async def exchange(broker: Broker, stop: asyncio.Event) -> None:
        await broker.ready.wait()
        await asyncio.sleep(0.5)  # let the banner print first
        command = palermo_command()
        if command is None:
            print("demo exchange stopped: the palermo command is not installed", flush=True)
            return
        # Its own session: a terminal's Ctrl-C reaches the broker, which stops it. And
        # it dies with the broker: one killed and restarted must not leave a second
        # consumer of the demo authorities' inboxes behind.
        process = await asyncio.create_subprocess_exec(
            command, "demo", "exchange", "--nats-url", url, "--data-dir", str(data_dir),
            start_new_session=True,
            preexec_fn=parent_death_preexec(),
        )  # fmt: skip
        waiting = asyncio.ensure_future(process.wait())
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if process.returncode is None:
                process.terminate()
            try:
                async with asyncio.timeout(EXCHANGE_STOP_TIMEOUT):
                    await asyncio.gather(waiting, stopping, return_exceptions=True)
            except TimeoutError:
                process.kill()
                await process.wait()
        if process.returncode not in (0, None) and not stop.is_set():
            print(f"demo exchange stopped: exit status {process.returncode}", flush=True)

    return exchange


def _banner(url: str, server: OpsServer, files: demo.DemoFiles | None) -> ExtraTask:
    async def banner(broker: Broker, stop: asyncio.Event) -> None:
        await broker.ready.wait()
        await server.bound.wait()  # its real port, when the configuration asks for 0
        ops = server.url
        lines = [
            "",
            "Palermo broker is ready.",
            f"  NATS:      {url}",
            f"  Ops API:   {ops}/  (dashboard)   {ops}/readyz",
        ]
        if files is not None:
            d = files.data_dir
            lines += [
                f"  Data:      {d}/ (keystores of ng-naptip, it-dna, gb-ukca; passphrase in"
                f" {d}/demo-passphrase)",
                "",
                "Try, in another terminal:",
                f"  export PALERMO_OPS_TOKEN=$(cat {d}/ops-token)",
                f"  curl -s {ops}/readyz",
                f'  curl -s -H "Authorization: Bearer $PALERMO_OPS_TOKEN" {ops}/v1/audit',
                f'  curl -s -H "Authorization: Bearer $PALERMO_OPS_TOKEN" {ops}/v1/checkpoint',
                f"  .venv/bin/palermo demo send --nats-url $(cat {d}/nats-url) --data-dir {d}",
                f"  .venv/bin/palermo directory list --nats-url $(cat {d}/nats-url)"
                f" --root-keystore {d}/root.keystore --passphrase-file {d}/demo-passphrase",
            ]
        print("\n".join(lines), flush=True)

    return banner


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add `palermo up`; returns the errors it reports as one line."""
    up = commands.add_parser("up", help="run a broker (embedded NATS unless a URL is set)")
    up.add_argument("--config", help="TOML configuration file")
    up.add_argument("--data-dir", help="data directory (default: data)")
    up.add_argument(
        "--demo",
        action="store_true",
        help="make (once) and publish a demo directory of three authorities",
    )
    up.add_argument(
        "--no-exchange", action="store_true", help="with --demo: do not play the demo exchange"
    )
    up.add_argument(
        "--cluster",
        type=int,
        metavar="N",
        help="run the embedded NATS as a cluster of N nodes on loopback (3 for the hub)",
    )
    up.add_argument("--ops-port", type=int, help="ops API port (default 8480; 0 picks one)")
    up.set_defaults(run=_up)
    return ERRORS
