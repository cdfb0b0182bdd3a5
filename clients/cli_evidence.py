"""`palermo evidence-export`, `evidence-directory` and `evidence-verify`: proof of what a
sender said, checked offline.

`evidence-export` fetches a received message's evidence record from the gateway;
`evidence-directory` writes the verified directory (every signed record and the head)
to a file; `evidence-verify` checks a record against such a file, or against the live
directory bucket, with nothing but the pinned directory root key
(`clients.gateway_evidence` says what is checked). A record that does not verify is one
line on stderr and exit status 1; a file that is not a record or a directory export,
exit status 2. (`palermo evidence MESSAGE_ID` is another command: the evidence chain of a
message this authority sent.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import msgspec
import nats
import nats.errors

from schemas.directory import Directory
from schemas.directory_bucket import list_signed_records
from schemas.nats_names import DIRECTORY_HEAD_KEY, KV_DIRECTORY

from .cli_common import ERRORS, connect_once, gateway, root_key, run_nats
from .directory import fetch_directory
from .errors import DirectoryUnavailable
from .gateway_evidence import (
    EvidenceInvalid,
    EvidenceMalformed,
    decode_record,
    directory_export,
    load_directory_export,
    verify_record,
)

__all__ = ["add_commands"]


def _root(args: argparse.Namespace) -> bytes:
    return root_key(
        args.root_public or os.environ.get("PALERMO_DIRECTORY_ROOT"),
        "--root-public or PALERMO_DIRECTORY_ROOT",
    )


def _export(args: argparse.Namespace) -> int:
    """Write a received message's evidence record (JSON) to --out or stdout."""

    async def run() -> bytes:
        async with gateway(args) as client:
            record = await client.evidence(args.message_id)
        return msgspec.json.format(msgspec.json.encode(record), indent=1) + b"\n"

    data = asyncio.run(run())
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"wrote the evidence record of {args.message_id} to {args.out}")
    else:
        sys.stdout.buffer.write(data)
    return 0


def _directory(args: argparse.Namespace) -> int:
    """Write the verified directory (signed records and head) to --out."""
    root = _root(args)

    async def run() -> bytes:
        nc = await connect_once(args.nats_url)
        try:
            js = nc.jetstream()
            records = await list_signed_records(js)
            kv = await js.key_value(KV_DIRECTORY)
            head = (await kv.get(DIRECTORY_HEAD_KEY)).value or b""
        except (nats.errors.Error, TimeoutError) as exc:
            raise DirectoryUnavailable(f"cannot read the directory: {type(exc).__name__}") from exc
        finally:
            await nc.drain()
        return directory_export(records, head)

    data = run_nats(run(), args.nats_url)
    load_directory_export(data, root)  # never write what would not verify
    Path(args.out).write_bytes(data)
    print(f"wrote the verified directory to {args.out}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    """Check an evidence record offline; one line and exit 0, 1 or 2."""
    root = _root(args)
    try:
        record = decode_record(Path(args.record).read_bytes())
        if args.directory:
            directory = load_directory_export(Path(args.directory).read_bytes(), root)
        else:
            directory = run_nats(_live_directory(args.nats_url, root), args.nats_url)
        verified = verify_record(record, directory)
    except EvidenceInvalid as exc:
        print(f"palermo: evidence does not verify: {exc}", file=sys.stderr)
        return 1
    except EvidenceMalformed as exc:
        print(f"palermo: {exc}", file=sys.stderr)
        return 2
    print(verified.summary())
    return 0


async def _live_directory(url: str, root: bytes) -> Directory:
    nc = await connect_once(url)
    try:
        return await fetch_directory(nc.jetstream(), root)
    finally:
        await nc.drain()


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add the evidence commands to the `palermo` parser's subparsers; returns the errors
    they report as one line."""

    def root_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--root-public", help="hex directory root key (or PALERMO_DIRECTORY_ROOT)")

    nats_default = os.environ.get("PALERMO_NATS_URL", "nats://127.0.0.1:4222")

    export = commands.add_parser(
        "evidence-export", help="fetch a received message's evidence record from the gateway"
    )
    export.add_argument("--gateway", help="gateway URL (or PALERMO_GATEWAY_URL)")
    export.add_argument("--api-key-file", help="file holding your API key (or PALERMO_API_KEY)")
    export.add_argument("message_id")
    export.add_argument("--out", help="write it here (default: standard output)")
    export.set_defaults(run=_export)

    directory = commands.add_parser(
        "evidence-directory", help="write the verified directory to a file for offline checks"
    )
    directory.add_argument("--nats-url", default=nats_default)
    root_arg(directory)
    directory.add_argument("--out", required=True)
    directory.set_defaults(run=_directory)

    verify = commands.add_parser(
        "evidence-verify", help="check an evidence record offline against the directory"
    )
    verify.add_argument("record", help="an evidence record from evidence-export")
    source = verify.add_mutually_exclusive_group(required=True)
    source.add_argument("--directory", help="a file from evidence-directory")
    source.add_argument("--nats-url", help="read the live directory bucket instead")
    root_arg(verify)
    verify.set_defaults(run=_verify)
    return ERRORS
