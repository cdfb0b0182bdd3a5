"""`palermo broker-keys new`: the broker's notice and log keys in one keystore."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from schemas.keys import SigningKey
from schemas.keystore import BrokerKeys, dump_broker_keys, write_private
from schemas.note import verifier_key
from schemas.notice import BROKER_AUTHORITY

from .cli_common import ERRORS, passphrase
from .errors import ConfigError


def _broker_keys_new(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not args.force:
        raise ConfigError(f"{out} exists; pass --force to replace it")
    keys = BrokerKeys(SigningKey.generate(), SigningKey.generate())
    write_private(out, dump_broker_keys(keys, passphrase(args.passphrase_file)))
    print(f"wrote {out}")
    print(f"notice key (record {BROKER_AUTHORITY}, use sign): {keys.notice.public.hex()}")
    print(f"log key (use log):  {keys.log.public.hex()}")
    print(f"log verifier key for origin {args.origin!r}: {verifier_key(args.origin, keys.log)}")
    return 0


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add `palermo broker-keys`; returns the errors its commands report as one line."""
    bk = commands.add_parser("broker-keys", help="the broker's notice and log keys")
    bk_sub = bk.add_subparsers(dest="broker_keys_command", required=True)
    bk_new = bk_sub.add_parser("new", help="create the broker keystore")
    bk_new.add_argument("--out", default="broker.keystore")
    bk_new.add_argument("--origin", default="palermo.example/audit")
    bk_new.add_argument("--force", action="store_true")
    bk_new.add_argument("--passphrase-file")
    bk_new.set_defaults(run=_broker_keys_new)
    return ERRORS
