"""The broker's and the directory governors' `palermo` subcommands.

`palermo up` runs a broker; `palermo directory ...` is the governors' tool (it needs
the root keystore); `palermo audit ...` exports and verifies the audit log;
`palermo broker-keys new` makes the broker's notice and log keys.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client

from schemas.directory import AuthorityRecord, encryption_key_record, signing_key_record
from schemas.envelope import now_ms
from schemas.keys import SigningKey, check_authority_id
from schemas.keystore import (
    BrokerKeys,
    dump_broker_keys,
    dump_root_key,
    load_broker_keys_bytes,
    load_keystore,
    load_root_key_bytes,
    read_keystore_file,
    write_private,
)
from schemas.note import verifier_key
from schemas.notice import BROKER_AUTHORITY

from . import demo, logs, topology
from .config import BrokerConfig, load_config
from .directory_store import DirectoryAdmin
from .errors import ConfigError
from .natsserver import NatsServer
from .service import Broker, ExtraTask, connect

YEAR_MS = 365 * 24 * 3600 * 1000
DEFAULT_URL = "nats://127.0.0.1:4222"


def _passphrase(file: str | None, prompt: str = "Passphrase: ") -> str:
    if file:
        return Path(file).read_text().rstrip("\n")
    if env := os.environ.get("PALERMO_PASSPHRASE"):
        return env
    return getpass.getpass(prompt)


# --- palermo up ---------------------------------------------------------------------


def _up(args: argparse.Namespace) -> int:
    return asyncio.run(_up_async(args))


async def _up_async(args: argparse.Namespace) -> int:
    overrides: dict[str, Any] = {}
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
    from .ops import serve_ops  # noqa: PLC0415  (aiohttp is only needed when serving)

    async with contextlib.AsyncExitStack() as stack:
        url = config.nats.url
        if url is None:
            server = await stack.enter_async_context(NatsServer(Path(config.data_dir) / "nats"))
            url = server.url
        nc = await connect(url, config)
        stack.push_async_callback(nc.drain)
        if files is not None:
            (files.data_dir / "nats-url").write_text(url + "\n")
        extra: list[ExtraTask] = [serve_ops]
        if files is not None:
            js = nc.jetstream()
            from .service import topology_settings  # noqa: PLC0415

            await topology.bootstrap(js, topology_settings(config))
            admin = DirectoryAdmin(js, files.root)
            await demo.publish_directory(admin, files)
            extra.append(_head_refresher(admin))
            if not args.no_exchange:
                extra.append(_exchange(url, files))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        broker = Broker(config, keys, nc, extra_tasks=[*extra, _banner(url, files)])
        await broker.run(stop)
    return 0


def _broker_keys(config: BrokerConfig) -> BrokerKeys:
    passphrase = config.passphrase or getpass.getpass("Broker keystore passphrase: ")
    return load_broker_keys_bytes(read_keystore_file(config.path(config.keystore)), passphrase)


def _head_refresher(admin: DirectoryAdmin) -> ExtraTask:
    """Demo only (the root key is local): re-sign the directory head every hour."""

    async def refresh(broker: Broker, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(3600):
                    await stop.wait()
            if not stop.is_set():
                await admin.sign_head()

    return refresh


def _exchange(url: str, files: demo.DemoFiles) -> ExtraTask:
    """Demo only: once ready, play the three authorities' exchange (clients.demo_exchange)."""

    async def exchange(broker: Broker, stop: asyncio.Event) -> None:
        from clients.demo_exchange import run_exchange  # noqa: PLC0415

        await broker.ready.wait()
        await asyncio.sleep(0.5)  # let the banner print first
        print("\nDemo exchange between ng-naptip, it-dna and gb-ukca:", flush=True)
        try:
            await run_exchange(url, files.data_dir, files.root.public, say=_say)
        except Exception as exc:  # the demo must not take the broker down
            print(f"demo exchange stopped: {type(exc).__name__}: {exc}", flush=True)
            return
        print("Demo exchange done: see it in the audit tail (dashboard, or /v1/audit).", flush=True)

    return exchange


def _say(line: str) -> None:
    print(line, flush=True)


def _banner(url: str, files: demo.DemoFiles | None) -> ExtraTask:
    async def banner(broker: Broker, stop: asyncio.Event) -> None:
        await broker.ready.wait()
        ops = f"http://{broker.config.ops.host}:{broker.config.ops.port}"
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


# --- palermo directory ----------------------------------------------------------------


async def _admin(args: argparse.Namespace) -> tuple[Client, DirectoryAdmin]:
    root = load_root_key_bytes(
        read_keystore_file(Path(args.root_keystore)), _passphrase(args.passphrase_file)
    )
    nc = await nats.connect(args.nats_url, max_reconnect_attempts=0, connect_timeout=5)
    return nc, DirectoryAdmin(nc.jetstream(), root)


def _directory_init(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not args.force:
        raise ConfigError(f"{out} exists; pass --force to replace it")
    key = SigningKey.generate()
    write_private(out, dump_root_key(key, _passphrase(args.passphrase_file)))
    print(f"wrote {out}")
    print(f"directory root public key (pin it in every broker and client): {key.public.hex()}")
    return 0


def _directory_list(args: argparse.Namespace) -> int:
    async def run() -> int:
        nc, admin = await _admin(args)
        try:
            for r in await admin.records():
                print(
                    json.dumps(
                        {
                            "id": r.id,
                            "name": r.name,
                            "roles": r.roles,
                            "networks": r.networks,
                            "status": r.status,
                            "serial": r.serial,
                        }
                    )
                )
        finally:
            await nc.drain()
        return 0

    return asyncio.run(run())


def _directory_add(args: argparse.Namespace) -> int:
    async def run() -> int:
        keys = load_keystore(Path(args.keystore), _passphrase(args.keystore_passphrase_file))
        if keys.authority != check_authority_id(args.authority):
            raise ConfigError(f"{args.keystore} holds the keys of {keys.authority}")
        now = now_ms()
        record = AuthorityRecord(
            id=keys.authority,
            name=args.name,
            country=args.authority[:2].upper(),
            roles=args.roles.split(","),
            networks=[n for n in args.networks.split(",") if n],
            keys=[
                signing_key_record(keys.signing, now, now + args.valid_days * 86_400_000),
                encryption_key_record(
                    keys.encryption.public, now, now + args.valid_days * 86_400_000
                ),
            ],
            status="active",
            serial=0,
            issued_ms=now,
        )
        nc, admin = await _admin(args)
        try:
            stored = await admin.put(record, change="added")
        finally:
            await nc.drain()
        print(f"published {stored.id} at serial {stored.serial}")
        return 0

    return asyncio.run(run())


def _directory_status(args: argparse.Namespace) -> int:
    async def run() -> int:
        nc, admin = await _admin(args)
        try:
            stored = await admin.set_status(args.authority, args.status)
        finally:
            await nc.drain()
        print(f"{stored.id} is {stored.status} at serial {stored.serial}")
        return 0

    return asyncio.run(run())


def _directory_sign_head(args: argparse.Namespace) -> int:
    async def run() -> int:
        nc, admin = await _admin(args)
        try:
            await admin.sign_head()
        finally:
            await nc.drain()
        print("directory head re-signed (valid 24 hours)")
        return 0

    return asyncio.run(run())


# --- palermo broker-keys / audit ----------------------------------------------------


def _broker_keys_new(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not args.force:
        raise ConfigError(f"{out} exists; pass --force to replace it")
    keys = BrokerKeys(SigningKey.generate(), SigningKey.generate())
    write_private(out, dump_broker_keys(keys, _passphrase(args.passphrase_file)))
    print(f"wrote {out}")
    print(f"notice key (record {BROKER_AUTHORITY}, use sign): {keys.notice.public.hex()}")
    print(f"log key (use log):  {keys.log.public.hex()}")
    print(f"log verifier key for origin {args.origin!r}: {verifier_key(args.origin, keys.log)}")
    return 0


def _audit_export(args: argparse.Namespace) -> int:
    from .auditlog import export_audit  # noqa: PLC0415

    async def run() -> int:
        nc = await nats.connect(args.nats_url, max_reconnect_attempts=0, connect_timeout=5)
        try:
            with open(args.out, "w", encoding="utf-8") as out:  # noqa: ASYNC230  (a CLI run)
                summary = await export_audit(nc.jetstream(), out)
            if args.checkpoint_out and summary.checkpoint:
                Path(args.checkpoint_out).write_bytes(summary.checkpoint)  # noqa: ASYNC240
        finally:
            await nc.drain()
        print(f"exported {summary.events} events (last sequence {summary.last_seq}) to {args.out}")
        return 0

    return asyncio.run(run())


def _audit_verify(args: argparse.Namespace) -> int:
    from .auditlog import (  # noqa: PLC0415
        AuditLogTampered,
        CheckpointRejected,
        ExportMalformed,
        verify_export,
    )

    try:
        report = verify_export(
            Path(args.export), [Path(c).read_bytes() for c in args.checkpoint], args.vkey
        )
    except AuditLogTampered as exc:
        print(f"palermo: audit log does not verify: {exc}", file=sys.stderr)
        return 1
    except (ExportMalformed, CheckpointRejected) as exc:
        print(f"palermo: {exc}", file=sys.stderr)
        return 2
    largest = max(c.size for c in report.checkpoints)
    print(
        f"audit log verifies: {report.events} events; {len(report.checkpoints)} signed "
        f"checkpoint(s), the largest of size {largest}, cover {report.covered} of them"
    )
    return 0


def _nats_config(args: argparse.Namespace) -> int:
    from .directory_store import load_verified  # noqa: PLC0415
    from .natsconfig import read_nkeys, render_accounts, write_accounts  # noqa: PLC0415

    async def run() -> int:
        nc = await nats.connect(args.nats_url, max_reconnect_attempts=0, connect_timeout=5)
        try:
            directory = await load_verified(nc.jetstream(), bytes.fromhex(args.root_public))
        finally:
            await nc.drain()
        text = render_accounts(
            directory.records(),
            broker_nkey=args.broker_nkey,
            authority_nkeys=read_nkeys(Path(args.nkeys)),
            domain=args.domain,
        )
        write_accounts(Path(args.out), text)
        print(f"wrote {args.out} for {len(directory.records())} directory records")
        return 0

    return asyncio.run(run())


def add_commands(commands: Any) -> None:  # noqa: PLR0915  (one flat list of options)
    """Add the broker's subcommands to the `palermo` parser's subparsers."""
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
    up.add_argument("--ops-port", type=int, help="ops API port (default 8480; 0 picks one)")
    up.set_defaults(run=_up)

    def nats_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--nats-url", default=os.environ.get("PALERMO_NATS_URL", DEFAULT_URL))

    def admin_args(p: argparse.ArgumentParser) -> None:
        nats_args(p)
        p.add_argument("--root-keystore", required=True, help="the directory root keystore")
        p.add_argument("--passphrase-file", help="read the root keystore passphrase from here")

    directory = commands.add_parser("directory", help="the directory governors' tool")
    sub = directory.add_subparsers(dest="directory_command", required=True)
    init = sub.add_parser("init", help="create the directory root key")
    init.add_argument("--out", default="root.keystore")
    init.add_argument("--force", action="store_true")
    init.add_argument("--passphrase-file")
    init.set_defaults(run=_directory_init)
    listing = sub.add_parser("list", help="list the verified directory records")
    admin_args(listing)
    listing.set_defaults(run=_directory_list)
    add = sub.add_parser("add", help="publish an authority's record from its keystore")
    admin_args(add)
    add.add_argument("--authority", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--roles", required=True, help="comma-separated, e.g. police,prosecutor")
    add.add_argument("--networks", default="", help="comma-separated network ids")
    add.add_argument("--keystore", required=True, help="the authority's keystore (public keys)")
    add.add_argument("--keystore-passphrase-file")
    add.add_argument("--valid-days", type=int, default=365)
    add.set_defaults(run=_directory_add)
    for status, verb in (("suspended", "suspend"), ("revoked", "revoke"), ("active", "reinstate")):
        p = sub.add_parser(verb, help=f"mark an authority {status}")
        admin_args(p)
        p.add_argument("authority")
        p.set_defaults(run=_directory_status, status=status)
    head = sub.add_parser("sign-head", help="re-sign the directory head (at least daily)")
    admin_args(head)
    head.set_defaults(run=_directory_sign_head)

    bk = commands.add_parser("broker-keys", help="the broker's notice and log keys")
    bk_sub = bk.add_subparsers(dest="broker_keys_command", required=True)
    bk_new = bk_sub.add_parser("new", help="create the broker keystore")
    bk_new.add_argument("--out", default="broker.keystore")
    bk_new.add_argument("--origin", default="palermo.example/audit")
    bk_new.add_argument("--force", action="store_true")
    bk_new.add_argument("--passphrase-file")
    bk_new.set_defaults(run=_broker_keys_new)

    demo_cmd = commands.add_parser("demo", help="try the demo broker from `palermo up --demo`")
    d_sub = demo_cmd.add_subparsers(dest="demo_command", required=True)
    send = d_sub.add_parser("send", help="ng-naptip refers a case to it-dna; it-dna reads it")
    nats_args(send)
    send.add_argument("--data-dir", default="data")
    send.set_defaults(run=lambda a: asyncio.run(demo.send(a.nats_url, Path(a.data_dir))))

    nc_cmd = commands.add_parser(
        "nats-config", help="generate NATS accounts and permissions from the directory"
    )
    nats_args(nc_cmd)
    nc_cmd.add_argument("--root-public", required=True, help="hex directory root public key")
    nc_cmd.add_argument("--nkeys", required=True, help="JSON: authority id -> public NKEY")
    nc_cmd.add_argument("--broker-nkey", required=True, help="the broker user's public NKEY")
    nc_cmd.add_argument("--domain", default="palermo", help="JetStream domain endpoints use")
    nc_cmd.add_argument("--out", default="accounts.conf")
    nc_cmd.set_defaults(run=_nats_config)

    audit = commands.add_parser("audit", help="export and verify the audit log")
    a_sub = audit.add_subparsers(dest="audit_command", required=True)
    export = a_sub.add_parser("export", help="write every audit event and the tree tiles")
    nats_args(export)
    export.add_argument("--out", required=True)
    export.add_argument("--checkpoint-out", help="also write the latest signed checkpoint")
    export.set_defaults(run=_audit_export)
    verify = a_sub.add_parser("verify", help="verify an export offline")
    verify.add_argument("export")
    verify.add_argument(
        "--checkpoint", action="append", required=True, help="a signed checkpoint file (repeatable)"
    )
    verify.add_argument("--vkey", required=True, help="the log's verifier key")
    verify.set_defaults(run=_audit_verify)
