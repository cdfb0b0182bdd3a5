"""`palermo demo send`, `demo exchange` and `demo gateways`: the authorities' side of
the demo.

`palermo up --demo` (the broker side) writes the demo's files under its data directory:
one keystore per authority (`<id>.keystore`), the passphrase that opens them
(`demo-passphrase`), where NATS is (`nats-url`) and the directory root's public key
(`root-public`). These commands read them as an authority would be given them, and
act as the three demo authorities through the client library; the broker starts
`demo exchange` itself as a separate process once it is ready. `demo gateways` writes
ready configurations for two demo gateways, so that the gateway guide's `curl`
commands can be tried against the demo.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
from pathlib import Path
from typing import Any, Final

from schemas.keys import AuthorityKeys
from schemas.keystore import load_keystore, write_private

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


GATEWAYS: Final = ("ng-naptip", "it-dna")
"""The demo gateways: the sender and the recipient of the gateway guide's examples."""


def _gateways(args: argparse.Namespace) -> int:
    """Write `DATA_DIR/gateways/<id>/gateway.toml` and its API key for each demo gateway
    (an API key already there is kept, so a second run changes nothing a caller holds)."""
    from .gateway_config import hash_api_key, load_gateway_config  # noqa: PLC0415

    data_dir = Path(args.data_dir).resolve()
    passphrase = _read(data_dir, "demo-passphrase")
    root = _read(data_dir, "root-public")
    url = args.nats_url or _read(data_dir, "nats-url")
    for n, authority in enumerate(GATEWAYS):
        home = data_dir / "gateways" / authority
        key_file = home / "api-key"
        if not key_file.exists():
            write_private(key_file, (secrets.token_urlsafe(32) + "\n").encode())
        key = key_file.read_text().strip()
        port = args.port + n
        # json.dumps writes TOML basic strings (the same escapes), whatever the path.
        text = "\n".join(
            [
                "# A demo gateway (palermo demo gateways): the demo passphrase is written",
                "# here; a real gateway takes it from PALERMO_GATEWAY_PASSPHRASE.",
                f"directory_root = {json.dumps(root)}",
                f"keystore = {json.dumps(str(data_dir / f'{authority}.keystore'))}",
                f"passphrase = {json.dumps(passphrase)}",
                f"data_dir = {json.dumps(str(home / 'data'))}",
                "",
                "[nats]",
                f"url = {json.dumps(url)}",
                "",
                "[http]",
                f"port = {port}",
                "",
                "[[api_keys]]",
                'name = "case-system"',
                f'key_hash = "{hash_api_key(key)}"',
                'role = "system"',
                "",
            ]
        )
        config = home / "gateway.toml"
        write_private(config, text.encode())
        load_gateway_config(config, env={})  # what is written must load
        print(f"{authority}: http://127.0.0.1:{port}  config {config}  API key {key_file}")
    print("start each with: palermo gateway --config <config>")
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
    gw = sub.add_parser(
        "gateways",
        help="write configs and API keys for two demo gateways (ng-naptip, it-dna)",
        description="Write DATA_DIR/gateways/<id>/gateway.toml and an API key "
        "(DATA_DIR/gateways/<id>/api-key, mode 0600) for the demo gateways of ng-naptip "
        "(port PORT) and it-dna (PORT+1), from the demo broker's data directory.",
    )
    gw.add_argument(
        "--nats-url",
        default=os.environ.get("PALERMO_NATS_URL"),
        help="default: the demo's DATA_DIR/nats-url",
    )
    gw.add_argument("--data-dir", default="data", help="the demo broker's data directory")
    gw.add_argument("--port", type=int, default=8581, help="ng-naptip's port; it-dna's is next")
    gw.set_defaults(run=_gateways)
    return ERRORS
