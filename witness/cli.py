"""`palermo witness keygen`, `palermo witness vkey` and `palermo witness run`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import signal
import sys
from pathlib import Path
from typing import Any

from schemas import logs
from schemas.errors import ProtocolError
from schemas.keys import SigningKey
from schemas.keystore import (
    MEMLIMIT_INTERACTIVE,
    OPSLIMIT_INTERACTIVE,
    dump_witness_key,
    write_private,
)
from schemas.witness import WitnessKey

from .config import load_config
from .errors import ConfigError, WitnessServiceError
from .run import load_key, running

EXAMPLES = {
    "keygen": "palermo witness keygen --name witness.un.example/w1 --out witness.keystore "
    "--passphrase-file witness.pass",
    "vkey": "palermo witness vkey --config witness.toml",
    "run": "palermo witness run --config witness.toml",
}


def _passphrase(args: argparse.Namespace) -> str:
    if args.passphrase_file is not None:
        return Path(args.passphrase_file).read_text().rstrip("\n")
    if not sys.stdin.isatty():  # getpass would echo it, or fail on end of input
        raise ConfigError("no passphrase: pass --passphrase-file (no terminal to ask on)")
    first = getpass.getpass("Keystore passphrase: ")
    if getpass.getpass("Repeat passphrase: ") != first:
        raise ConfigError("the passphrases do not match")
    return first


def _keygen(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not args.force:
        raise ConfigError(f"{out} exists; pass --force to replace it")
    key = SigningKey.generate()
    identity = WitnessKey.for_key(args.name, key)  # checks the name before writing
    limits = (
        {"opslimit": OPSLIMIT_INTERACTIVE, "memlimit": MEMLIMIT_INTERACTIVE}
        if args.fast_kdf
        else {}
    )
    write_private(out, dump_witness_key(key, _passphrase(args), **limits))
    print(f"wrote {out}; the witness's vkey, for logs and clients to trust:")
    print(identity.vkey)
    return 0


def _vkey(args: argparse.Namespace) -> int:
    config = load_config(Path(args.config))
    print(WitnessKey.for_key(config.name, load_key(config)).vkey)
    return 0


def _run(args: argparse.Namespace) -> int:
    config = load_config(Path(args.config))
    logs.configure(config.log_format, config.log_level)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with running(config) as url:
            print(f"witness {config.name} listening on {url}", flush=True)
            await stop.wait()

    asyncio.run(main())
    print(f"witness {config.name} stopped")
    return 0


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add `palermo witness`; returns the errors its commands report as one line."""
    witness = commands.add_parser(
        "witness", help="run an independent witness that cosigns the audit log's checkpoints"
    )
    sub = witness.add_subparsers(dest="witness_command", required=True)

    keygen = sub.add_parser("keygen", help="create the witness's cosigning key and print its vkey")
    keygen.add_argument("--name", required=True, help="key name, e.g. witness.un.example/w1")
    keygen.add_argument("--out", default="witness.keystore", help="keystore path")
    keygen.add_argument("--force", action="store_true", help="replace an existing file")
    keygen.add_argument(
        "--fast-kdf",
        action="store_true",
        help="libsodium's interactive Argon2id limits (for demos and tests, not production)",
    )
    keygen.add_argument("--passphrase-file", help="read the passphrase from this file")
    keygen.set_defaults(run=_keygen)

    vkey = sub.add_parser("vkey", help="print the witness's vkey (name, key ID and key)")
    vkey.add_argument("--config", required=True, help="the witness's TOML configuration")
    vkey.set_defaults(run=_vkey)

    run = sub.add_parser("run", help="serve add-checkpoint for the configured logs")
    run.add_argument("--config", required=True, help="the witness's TOML configuration")
    run.set_defaults(run=_run)

    for name, parser in (("keygen", keygen), ("vkey", vkey), ("run", run)):
        parser.epilog = "example:\n  " + EXAMPLES[name]
    return (WitnessServiceError, ProtocolError)
