"""`palermo nats-config`: NATS accounts and permissions generated from the verified
directory."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from schemas.directory_bucket import load_verified

from .cli_common import ERRORS, connect_args, nats_args, root_public, run_nats
from .config import QuotaConfig, load_config
from .natsconfig import AccountLimits

_LIMITS = ("max_connections", "max_subscriptions", "max_payload", "max_leafnodes")


def _limits(args: argparse.Namespace) -> tuple[AccountLimits, int | None]:
    """The account limits and store size: `--config`'s `[quotas]` (or their defaults),
    each overridden by its option when given."""
    quotas = load_config(Path(args.config)).quotas if args.config else QuotaConfig()
    base = AccountLimits.from_quotas(quotas)
    limits = AccountLimits(
        *(
            getattr(base, name) if getattr(args, name) is None else getattr(args, name)
            for name in _LIMITS
        )
    )
    return limits, quotas.store_bytes if args.store_bytes is None else args.store_bytes


def _nats_config(args: argparse.Namespace) -> int:
    from .natsconfig import read_nkeys, render_accounts, write_accounts  # noqa: PLC0415

    limits, store_bytes = _limits(args)
    root = root_public(args.root_public)

    async def run() -> int:
        nc = await connect_args(args)
        try:
            directory = await load_verified(nc.jetstream(), root)
        finally:
            await nc.drain()
        text = render_accounts(
            directory.records(),
            broker_nkey=args.broker_nkey,
            authority_nkeys=read_nkeys(Path(args.nkeys)),
            domain=args.domain,
            limits=limits,
            store_bytes=store_bytes,
            governor_nkey=args.governor_nkey,
        )
        write_accounts(Path(args.out), text)
        print(f"wrote {args.out} for {len(directory.records())} directory records")
        return 0

    return run_nats(run(), args.nats_url)


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add `palermo nats-config`; returns the errors it reports as one line."""
    nc_cmd = commands.add_parser(
        "nats-config", help="generate NATS accounts and permissions from the directory"
    )
    nats_args(nc_cmd)
    nc_cmd.add_argument("--root-public", required=True, help="hex directory root public key")
    nc_cmd.add_argument("--nkeys", required=True, help="JSON: authority id -> public NKEY")
    nc_cmd.add_argument("--broker-nkey", required=True, help="the broker user's public NKEY")
    nc_cmd.add_argument(
        "--governor-nkey",
        help="the directory governors' public NKEY: adds their user to the broker account "
        "with only the rights `palermo directory` and `palermo audit export` need "
        "(default: no governor user)",
    )
    nc_cmd.add_argument("--domain", default="palermo", help="JetStream domain endpoints use")
    nc_cmd.add_argument("--out", default="accounts.conf")
    nc_cmd.add_argument(
        "--config",
        help="broker configuration (TOML) whose [quotas] give the limits below "
        "(default: the built-in defaults)",
    )
    defaults = QuotaConfig()
    for name in _LIMITS:
        nc_cmd.add_argument(
            f"--{name.replace('_', '-')}",
            type=int,
            help=f"per authority account (default: [quotas] {name}, {getattr(defaults, name)})",
        )
    nc_cmd.add_argument(
        "--store-bytes",
        type=int,
        help="cap the broker account's JetStream file store (max_file) at this many bytes "
        "(default: [quotas] store_bytes; unset: no account cap)",
    )
    nc_cmd.set_defaults(run=_nats_config)
    return ERRORS
