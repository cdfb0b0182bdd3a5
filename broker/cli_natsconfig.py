"""`palermo nats-config`: the hub's NATS operator, accounts and users, from the verified
directory (docs/deployment.md, "Accounts and permissions")."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from schemas.directory_bucket import load_verified

from .cli_common import (
    ERRORS,
    connect_args,
    connect_once,
    nats_args,
    root_public,
    run_nats,
    tls_options,
)
from .config import QuotaConfig, load_config
from .natsconfig import AccountLimits, NatsConfigError, check_user_nkey, user_jwt
from .natshub import write_file

_LIMITS = ("max_connections", "max_subscriptions", "max_payload", "max_leafnodes")


def _quotas(args: argparse.Namespace) -> QuotaConfig:
    return load_config(Path(args.config)).quotas if args.config else QuotaConfig()


def _limits(args: argparse.Namespace) -> AccountLimits:
    """The account limits: `--config`'s `[quotas]` (or their defaults), each
    overridden by its option when given."""
    base = AccountLimits.from_quotas(_quotas(args))
    return AccountLimits(
        *(
            getattr(base, name) if getattr(args, name) is None else getattr(args, name)
            for name in _LIMITS
        )
    )


def _init(args: argparse.Namespace) -> int:
    from .natshub import init_hub  # noqa: PLC0415

    quotas = _quotas(args)
    store = quotas.store_bytes if args.store_bytes is None else args.store_bytes
    evidence = None if store is None else int(store * (1 - quotas.store_reserve))
    hub = init_hub(
        Path(args.dir),
        resolver_dir=Path(args.resolver_dir) if args.resolver_dir else None,
        store_bytes=store,
        evidence_bytes=evidence,
    )
    print(f"hub keys, operator and {hub.resolver_conf} written; move {hub.dir}/operator.nk offline")
    return 0


async def _verified(args: argparse.Namespace) -> list[Any]:
    nc = await connect_args(args)
    try:
        directory = await load_verified(nc.jetstream(), root_public(args.root_public))
    finally:
        await nc.drain()
    return list(directory.records())


def _user(args: argparse.Namespace) -> int:
    from .natshub import load_hub  # noqa: PLC0415

    hub = load_hub(Path(args.dir))
    nkey = check_user_nkey(args.nkey)

    async def run() -> int:
        records = {r.id: r for r in await _verified(args)}
        record = records.get(args.authority)
        if record is None or record.status != "active":
            status = "not in the verified directory" if record is None else record.status
            raise NatsConfigError(f"{args.authority} is {status}: no user JWT issued")
        token = user_jwt(hub.keys, args.authority, nkey, issued_at=int(time.time()))
        write_file(Path(args.out), token + "\n")
        print(f"wrote the user JWT of {args.authority} for {nkey[:8]}... to {args.out}")
        return 0

    return run_nats(run(), args.nats_url)


def _push(args: argparse.Namespace) -> int:
    from .natshub import load_hub  # noqa: PLC0415

    hub = load_hub(Path(args.dir), limits=_limits(args))

    async def run() -> int:
        records = await _verified(args)
        system = await connect_once(
            args.nats_url, user_credentials=str(hub.system_creds), **tls_options(args)
        )
        try:
            count = await hub.push(system, records)
        finally:
            await system.drain()
        print(f"pushed {count} account JWTs from {len(records)} verified directory records")
        return 0

    return run_nats(run(), args.nats_url)


def _creds(args: argparse.Namespace) -> int:
    from .natsjwt import creds, read_seed  # noqa: PLC0415

    token = Path(args.jwt).read_text().strip()
    write_file(Path(args.out), creds(token, read_seed(Path(args.seed))), secret=True)
    print(f"wrote {args.out} (mode 0600): give it to the gateway or leaf node as its creds")
    return 0


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add `palermo nats-config`; returns the errors it reports as one line."""
    group = commands.add_parser(
        "nats-config", help="the hub's NATS operator, accounts and users (operator mode)"
    )
    sub = group.add_subparsers(dest="nats_config_command", required=True)

    init = sub.add_parser("init", help="make the hub's keys, operator JWT and resolver.conf")
    init.add_argument("--dir", required=True, help="the hub directory to create")
    init.add_argument(
        "--resolver-dir",
        help="where each node's resolver keeps pushed account JWTs (default: DIR/jwt)",
    )
    init.add_argument("--config", help="broker configuration (TOML) whose [quotas] size stores")
    init.add_argument(
        "--store-bytes",
        type=int,
        help="cap PALERMO's JetStream store; EVIDENCE gets the share [quotas] store_reserve "
        "leaves (default: [quotas] store_bytes; unset: no caps)",
    )
    init.set_defaults(run=_init)

    user = sub.add_parser("user", help="issue an authority's user JWT for its public NKEY")
    nats_args(user)
    user.add_argument("--dir", required=True, help="the hub directory")
    user.add_argument("--root-public", required=True, help="hex directory root public key")
    user.add_argument("--authority", required=True)
    user.add_argument("--nkey", required=True, help="the authority's public NKEY (U...)")
    user.add_argument("--out", required=True, help="where to write the user JWT")
    user.set_defaults(run=_user)

    push = sub.add_parser("push", help="push every verified record's account JWT to the resolver")
    nats_args(push)
    push.add_argument("--dir", required=True, help="the hub directory")
    push.add_argument("--root-public", required=True, help="hex directory root public key")
    push.add_argument(
        "--config",
        help="broker configuration (TOML) whose [quotas] give the limits below "
        "(default: the built-in defaults)",
    )
    defaults = QuotaConfig()
    for name in _LIMITS:
        push.add_argument(
            f"--{name.replace('_', '-')}",
            type=int,
            help=f"per authority account (default: [quotas] {name}, {getattr(defaults, name)})",
        )
    push.set_defaults(run=_push)

    make = sub.add_parser("creds", help="(authority side) a creds file from a user JWT and seed")
    make.add_argument("--jwt", required=True, help="the user JWT the hub issued")
    make.add_argument("--seed", required=True, help="the authority's NKEY seed file (SU...)")
    make.add_argument("--out", required=True)
    make.set_defaults(run=_creds)
    return ERRORS
