"""`palermo directory ...`: the directory governors' tool.

It needs the root keystore: `init` makes the root key, `add` publishes an authority's
record from its keystore (and registers its inbox and evidence bucket), `suspend`,
`revoke` and `reinstate` change a status, `sign-head` re-signs the head (at least
daily), `list` shows the verified records.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from nats.aio.client import Client

from schemas.directory import AuthorityRecord, encryption_key_record, signing_key_record
from schemas.envelope import now_ms
from schemas.keys import SigningKey, check_authority_id
from schemas.keystore import (
    dump_root_key,
    load_broker_keys_bytes,
    load_keystore,
    load_root_key_bytes,
    read_keystore_file,
    write_private,
)

from .cli_common import ERRORS, connect_args, nats_args, passphrase, run_nats
from .directory_store import DirectoryAdmin, broker_record
from .errors import ConfigError


async def _admin(args: argparse.Namespace) -> tuple[Client, DirectoryAdmin]:
    root = load_root_key_bytes(
        read_keystore_file(Path(args.root_keystore)), passphrase(args.passphrase_file)
    )
    settings = None
    if getattr(args, "config", None):
        from .config import load_config  # noqa: PLC0415
        from .service import topology_settings  # noqa: PLC0415

        settings = topology_settings(load_config(Path(args.config)))
    nc = await connect_args(args)
    return nc, DirectoryAdmin(nc.jetstream(), root, settings=settings)


def _directory_init(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not args.force:
        raise ConfigError(f"{out} exists; pass --force to replace it")
    key = SigningKey.generate()
    write_private(out, dump_root_key(key, passphrase(args.passphrase_file)))
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

    return run_nats(run(), args.nats_url)


def _directory_add(args: argparse.Namespace) -> int:
    async def run() -> int:
        keys = load_keystore(Path(args.keystore), passphrase(args.keystore_passphrase_file))
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
        return await _published(args, record)

    return run_nats(run(), args.nats_url)


async def _published(args: argparse.Namespace, record: AuthorityRecord) -> int:
    """Sign and publish a new `record`, and say at which serial."""
    nc, admin = await _admin(args)
    try:
        stored = await admin.put(record, change="added")
    finally:
        await nc.drain()
    print(f"published {stored.id} at serial {stored.serial}")
    return 0


def _publish_new(args: argparse.Namespace, record: AuthorityRecord) -> int:
    return run_nats(_published(args, record), args.nats_url)


def _directory_root_key(args: argparse.Namespace) -> int:
    root = load_root_key_bytes(
        read_keystore_file(Path(args.root_keystore)), passphrase(args.passphrase_file)
    )
    print(root.public.hex())
    return 0


def _directory_add_broker(args: argparse.Namespace) -> int:
    keys = load_broker_keys_bytes(
        read_keystore_file(Path(args.broker_keystore)),
        passphrase(args.broker_passphrase_file, "Broker keystore passphrase: "),
    )
    record = broker_record(
        keys, now_ms=now_ms(), valid_ms=args.valid_days * 86_400_000, name=args.name
    )

    return _publish_new(args, record)


def _directory_status(args: argparse.Namespace) -> int:
    authority = check_authority_id(args.authority)

    async def run() -> int:
        nc, admin = await _admin(args)
        try:
            stored = await admin.set_status(authority, args.status)
        finally:
            await nc.drain()
        print(f"{stored.id} is {stored.status} at serial {stored.serial}")
        return 0

    return run_nats(run(), args.nats_url)


def _directory_sign_head(args: argparse.Namespace) -> int:
    async def run() -> int:
        nc, admin = await _admin(args)
        try:
            await admin.sign_head()
        finally:
            await nc.drain()
        print("directory head re-signed (valid 24 hours)")
        return 0

    return run_nats(run(), args.nats_url)


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add `palermo directory`; returns the errors its commands report as one line."""

    def admin_args(p: argparse.ArgumentParser) -> None:
        nats_args(p)
        p.add_argument("--root-keystore", required=True, help="the directory root keystore")
        p.add_argument("--passphrase-file", help="read the root keystore passphrase from here")
        p.add_argument(
            "--config",
            help="the broker's configuration (TOML): an authority's evidence quota "
            "([quotas]) and inbox settings come from it (default: the built-in defaults)",
        )

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
    broker = sub.add_parser(
        "add-broker",
        help="publish the broker's own record (zz-broker) from its keystore",
        description="Publish the broker's directory record (zz-broker, role broker): its "
        "notice key (use sign) and audit log key (use log), from the broker keystore.",
    )
    admin_args(broker)
    broker.add_argument("--broker-keystore", required=True, help="the broker keystore")
    broker.add_argument("--broker-passphrase-file", help="else PALERMO_PASSPHRASE, else asked")
    broker.add_argument("--name", default="Palermo broker", help="the record's name")
    broker.add_argument(
        "--valid-days",
        type=int,
        default=365,
        help="keys valid this long either side of now",
    )
    broker.set_defaults(run=_directory_add_broker)
    root_key = sub.add_parser(
        "root-key",
        help="print the directory root public key (hex) to pin",
        description="Print the directory root public key (64 hex digits) from the root "
        "keystore: every broker (directory_root) and client (--root-public) pins it.",
    )
    root_key.add_argument("--root-keystore", required=True, help="the directory root keystore")
    root_key.add_argument("--passphrase-file", help="else PALERMO_PASSPHRASE, else asked")
    root_key.set_defaults(run=_directory_root_key)
    for status, verb in (("suspended", "suspend"), ("revoked", "revoke"), ("active", "reinstate")):
        p = sub.add_parser(verb, help=f"mark an authority {status}")
        admin_args(p)
        p.add_argument("authority")
        p.set_defaults(run=_directory_status, status=status)
    head = sub.add_parser("sign-head", help="re-sign the directory head (at least daily)")
    admin_args(head)
    head.set_defaults(run=_directory_sign_head)
    return ERRORS
