"""`palermo keys new` and `palermo keys show`: an authority's keystore."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from schemas.keys import AuthorityKeys, check_authority_id
from schemas.keystore import (
    MEMLIMIT_INTERACTIVE,
    OPSLIMIT_INTERACTIVE,
    load_keystore,
    save_keystore,
)

from .cli_common import ERRORS, UsageError


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    if args.passphrase_file is not None:
        return Path(args.passphrase_file).read_text().rstrip("\n")
    if not sys.stdin.isatty():  # getpass would echo it, or fail on end of input
        raise UsageError("no passphrase: pass --passphrase-file (no terminal to ask on)")
    first = getpass.getpass("Keystore passphrase: ")
    if confirm and getpass.getpass("Repeat passphrase: ") != first:
        raise UsageError("the passphrases do not match")
    return first


def _keys_new(args: argparse.Namespace) -> int:
    authority = check_authority_id(args.authority)
    out = Path(args.out or f"{authority}.keystore")
    if out.exists() and not args.force:
        raise UsageError(f"{out} exists; pass --force to replace it")
    keys = AuthorityKeys.generate(authority)
    limits = (
        {"opslimit": OPSLIMIT_INTERACTIVE, "memlimit": MEMLIMIT_INTERACTIVE}
        if args.fast_kdf
        else {}
    )
    save_keystore(out, keys, _passphrase(args, confirm=True), **limits)
    print(f"wrote {out} for {authority}")
    _print_public(keys)
    return 0


def _keys_show(args: argparse.Namespace) -> int:
    keys = load_keystore(Path(args.keystore), _passphrase(args, confirm=False))
    _print_public(keys)
    return 0


def _print_public(keys: AuthorityKeys) -> None:
    print(
        json.dumps(
            {
                "authority": keys.authority,
                "signing": {
                    "key_id": keys.signing.key_id.hex(),
                    "public": keys.signing.public.hex(),
                },
                "encryption": {
                    "key_id": keys.encryption.key_id.hex(),
                    "public": keys.encryption.public.hex(),
                },
            },
            indent=2,
        )
    )


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add `palermo keys`; returns the errors its commands report as one line."""
    keys = commands.add_parser("keys", help="create and inspect an authority's keystore")
    keys_cmd = keys.add_subparsers(dest="keys_command", required=True)

    new = keys_cmd.add_parser("new", help="create signing and encryption keys in a keystore")
    new.add_argument("--authority", required=True, help="authority id, e.g. ng-naptip")
    new.add_argument("--out", help="keystore path (default: AUTHORITY.keystore)")
    new.add_argument("--force", action="store_true", help="replace an existing file")
    new.add_argument(
        "--fast-kdf",
        action="store_true",
        help="libsodium's interactive Argon2id limits (for demos and tests, not production)",
    )
    new.add_argument("--passphrase-file", help="read the passphrase from this file")
    new.set_defaults(run=_keys_new)

    show = keys_cmd.add_parser("show", help="print the public keys and key ids of a keystore")
    show.add_argument("keystore", help="keystore path")
    show.add_argument("--passphrase-file", help="read the passphrase from this file")
    show.set_defaults(run=_keys_show)
    return ERRORS
