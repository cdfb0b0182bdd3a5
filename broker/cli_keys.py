"""`palermo broker-keys new` and `show`: the broker's notice and log keys in one
keystore, and the public keys an authority pins from it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from schemas.keys import SigningKey
from schemas.keystore import (
    BrokerKeys,
    dump_broker_keys,
    load_broker_keys_bytes,
    read_keystore_file,
    write_private,
)
from schemas.note import verifier_key
from schemas.notice import BROKER_AUTHORITY

from .cli_common import ERRORS, passphrase
from .config import DEFAULT_ORIGIN
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


def _broker_keys_show(args: argparse.Namespace) -> int:
    keys = load_broker_keys_bytes(
        read_keystore_file(Path(args.keystore)), passphrase(args.passphrase_file)
    )
    origin = args.origin
    if args.config:
        from .config import load_config  # noqa: PLC0415

        origin = load_config(Path(args.config), env={}).origin
    print(f"notice key (record {BROKER_AUTHORITY}, use sign): {keys.notice.public.hex()}")
    print(f"log key (use log):  {keys.log.public.hex()}")
    print(f"log verifier key for origin {origin!r}: {verifier_key(origin, keys.log)}")
    return 0


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add `palermo broker-keys`; returns the errors its commands report as one line."""
    bk = commands.add_parser("broker-keys", help="the broker's notice and log keys")
    bk_sub = bk.add_subparsers(dest="broker_keys_command", required=True)
    bk_new = bk_sub.add_parser("new", help="create the broker keystore")
    bk_new.add_argument("--out", default="broker.keystore")
    bk_new.add_argument("--origin", default=DEFAULT_ORIGIN)
    bk_new.add_argument("--force", action="store_true")
    bk_new.add_argument("--passphrase-file")
    bk_new.set_defaults(run=_broker_keys_new)
    show = bk_sub.add_parser(
        "show",
        help="print the broker's public keys and the audit log's verifier key",
        description="Print the notice key, the log key and the audit log's C2SP note "
        "verifier key (origin+keyhash+base64) from the broker keystore: authorities pin "
        "the verifier key to check checkpoints (`palermo audit verify --vkey`).",
    )
    show.add_argument("--keystore", default="broker.keystore", help="the broker keystore")
    show.add_argument("--passphrase-file", help="else PALERMO_PASSPHRASE, else asked")
    show.add_argument("--origin", default=DEFAULT_ORIGIN, help="the audit log's origin")
    show.add_argument("--config", help="the broker's configuration (TOML): its origin wins")
    show.set_defaults(run=_broker_keys_show)
    return ERRORS
