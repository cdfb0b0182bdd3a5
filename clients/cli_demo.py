"""`palermo demo send` and `palermo demo exchange`: the authorities' side of the demo.

`palermo up --demo` (the broker side) writes the demo's files under its data directory:
one keystore per authority (`<id>.keystore`), the passphrase that opens them
(`demo-passphrase`), where NATS is (`nats-url`) and the directory root's public key
(`root-public`). These commands read them as an authority would be given them, and
act as the three demo authorities through the client library; the broker starts
`demo exchange` itself as a separate process once it is ready.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
from typing import Any, Final

from schemas.keys import AuthorityKeys
from schemas.keystore import load_keystore

from .cli_common import ERRORS, UsageError

AUTHORITIES: Final = ("ng-naptip", "it-dna", "gb-ukca")


def _read(data_dir: Path, name: str) -> str:
    path = data_dir / name
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        raise UsageError(
            f"{path} is missing: start the demo broker first (palermo up --demo "
            f"--data-dir {data_dir})"
        ) from None


def _demo_files(args: argparse.Namespace) -> tuple[str, dict[str, AuthorityKeys], bytes]:
    """The NATS URL, the three authorities' keys and the root public key of the demo."""
    data_dir = Path(args.data_dir)
    passphrase = _read(data_dir, "demo-passphrase")
    root_public = bytes.fromhex(_read(data_dir, "root-public"))
    url = args.nats_url or _read(data_dir, "nats-url")
    keys = {a: load_keystore(data_dir / f"{a}.keystore", passphrase) for a in AUTHORITIES}
    return url, keys, root_public


def _send(args: argparse.Namespace) -> int:
    from .demo_send import send  # noqa: PLC0415

    url, keys, root_public = _demo_files(args)

    # `send` connects once with a bounded first connect: a demo broker since stopped
    # (its nats-url left behind) ends in one line, not a wait for ever.
    return asyncio.run(send(url, keys, root_public))


def _exchange(args: argparse.Namespace) -> int:
    from .demo_exchange import run_exchange  # noqa: PLC0415

    url, keys, root_public = _demo_files(args)
    print("\nDemo exchange between ng-naptip, it-dna and gb-ukca:", flush=True)
    try:
        asyncio.run(run_exchange(url, keys, root_public, say=_say))
    except Exception as exc:  # a demo reports how it stopped, in one line
        print(f"demo exchange failed: {type(exc).__name__}: {exc}", flush=True)
        return 1
    print("Demo exchange done: see it in the audit tail (dashboard, or /v1/audit).", flush=True)
    return 0


def _say(line: str) -> None:
    print(line, flush=True)


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add `palermo demo`; returns the errors its commands report as one line."""
    demo = commands.add_parser("demo", help="try the demo broker from `palermo up --demo`")
    sub = demo.add_subparsers(dest="demo_command", required=True)
    for name, run, help_ in (
        ("send", _send, "ng-naptip refers a case to it-dna; it-dna reads it"),
        ("exchange", _exchange, "play the three authorities' exchange (make run does it)"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument(
            "--nats-url",
            default=os.environ.get("PALERMO_NATS_URL"),
            help="default: the demo's DATA_DIR/nats-url",
        )
        p.add_argument("--data-dir", default="data", help="the demo broker's data directory")
        p.set_defaults(run=run)
    return ERRORS
