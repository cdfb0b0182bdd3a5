"""The `palermo` command line.

So far it manages an authority's keys; the broker and the endpoint commands join it
as they are built. Errors are one clear line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from broker.errors import BrokerError
from clients.errors import ClientError
from schemas import _crypto
from schemas.errors import ProtocolError
from schemas.keys import AuthorityKeys, check_authority_id
from schemas.keystore import load_keystore, save_keystore


class UsageError(Exception):
    """A command-line mistake the user can fix (missing file, mismatched passphrases)."""


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    if args.passphrase_file is not None:
        return Path(args.passphrase_file).read_text().rstrip("\n")
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
        {"opslimit": _crypto.ARGON2ID_OPS_INTERACTIVE, "memlimit": _crypto.ARGON2ID_MEM_INTERACTIVE}
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `palermo` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="palermo",
        description="Signed, end-to-end encrypted exchange between competent authorities.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

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

    from broker.cli import add_commands  # noqa: PLC0415  (the broker's commands)

    from .cli_evidence import add_commands as add_evidence_commands  # noqa: PLC0415
    from .cli_investigator import add_commands as add_investigator_commands  # noqa: PLC0415

    add_commands(commands)
    add_investigator_commands(commands)
    add_evidence_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `palermo` console script."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except (ProtocolError, UsageError, BrokerError, ClientError) as exc:
        print(f"palermo: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"palermo: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
