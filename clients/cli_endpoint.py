"""`palermo endpoint ...`: act as the authority's endpoint directly, without a gateway.

For a small authority that runs the client library itself: `endpoint send` seals and
sends, `endpoint inbox` receives (verify, open, ack) and prints JSON lines, `endpoint
directory` shows the directory as verified against the pinned root key.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from schemas.kinds import decode_message_json, encode_message_json

from .cli_common import (
    ERRORS,
    NATS_HINT,
    NatsUnreachable,
    connect_once,
    load_body,
    nats_url,
    recipients,
    root_key,
    run_nats,
)
from .errors import DirectoryUnavailable


async def _endpoint(args: argparse.Namespace) -> Any:
    from schemas.keystore import load_keystore  # noqa: PLC0415

    from .endpoint import Endpoint  # noqa: PLC0415

    root = root_key(args.root_public)
    passphrase = Path(args.passphrase_file).read_text().rstrip("\n")  # noqa: ASYNC240
    # Argon2id takes about a second: keep the loop free meanwhile.
    keys = await asyncio.to_thread(load_keystore, Path(args.keystore), passphrase)
    seen = Path(args.seen) if args.seen else Path(args.keystore).with_suffix(".seen")
    try:
        return await Endpoint.connect(nats_url(args), keys, root, seen_path=seen)
    except DirectoryUnavailable as exc:  # the first connect failed: say what to do
        raise NatsUnreachable(f"{exc} {NATS_HINT}") from exc


def _endpoint_send(args: argparse.Namespace) -> int:
    to = recipients(args)

    async def run() -> int:
        message = decode_message_json(load_body(Path(args.file)))
        async with await _endpoint(args) as ep:
            sealed = await ep.send(
                message, to=to,
                network=args.network, handling=args.handling,
            )  # fmt: skip
        print(json.dumps({"message_id": sealed.binding.message_id.hex(),
                          "envelope_hash": sealed.hash.hex(),
                          "thread_id": sealed.binding.thread_id.hex()}))  # fmt: skip
        return 0

    return run_nats(run(), nats_url(args))


def _endpoint_inbox(args: argparse.Namespace) -> int:
    from .endpoint import (  # noqa: PLC0415
        BadDelivery,
        BrokerNotice,
        Deferred,
        Received,
        Refused,
        Replayed,
        Unopenable,
    )

    async def run() -> int:
        async with await _endpoint(args) as ep:
            idle = None if args.follow else 2.0
            async for event in ep.events(idle_timeout=idle):
                match event:
                    case Received():
                        line = {"event": "message", "sender": event.sender,
                                "message_id": event.opened.binding.message_id.hex(),
                                "kind": event.opened.binding.kind,
                                "audit_seq": event.audit_seq,
                                "body": json.loads(encode_message_json(event.body))}  # fmt: skip
                    case Refused():
                        line = {"event": "refused", "sender": event.received.sender,
                                "reason": str(event.error)}  # fmt: skip
                    case Unopenable():
                        line = {"event": "unopenable", "code": event.error.code,
                                "sender": event.sender}  # fmt: skip
                    case BrokerNotice():
                        n = event.notice
                        mid = n.message_id.hex() if n.message_id else None
                        line = {"event": "notice", "type": n.type, "reason": n.reason,
                                "audit_seq": n.audit_seq, "message_id": mid}  # fmt: skip
                    case Replayed():
                        line = {"event": "replayed", "code": event.code,
                                "sender": event.sender,
                                "message_id": event.message_id.hex()}  # fmt: skip
                    case BadDelivery():
                        line = {"event": "bad_delivery", "code": event.code,
                                "header": event.header, "sender": event.sender}  # fmt: skip
                    case Deferred():
                        line = {"event": "deferred", "code": event.code,
                                "retry_in_s": event.delay}  # fmt: skip
                print(json.dumps(line), flush=True)
        return 0

    try:
        return run_nats(run(), nats_url(args))
    except KeyboardInterrupt:
        if args.follow:  # Ctrl-C is how one stops following: a clean stop
            return 0
        raise


def _show_directory(args: argparse.Namespace) -> int:
    """The directory as verified against the pinned root key (no keystore needed)."""
    from .directory import fetch_directory  # noqa: PLC0415

    root = root_key(args.root_public)

    async def run() -> int:
        nc = await connect_once(nats_url(args))
        try:
            directory = await fetch_directory(nc.jetstream(), root)
        finally:
            await nc.drain()
        head = directory.check_fresh()
        for r in directory.records():
            keys = [{"use": k.use, "key_id": k.key_id.hex()} for k in r.keys]
            print(json.dumps({"id": r.id, "name": r.name, "country": r.country,
                              "roles": r.roles, "networks": r.networks, "status": r.status,
                              "serial": r.serial, "keys": keys}))  # fmt: skip
        print(json.dumps({"head_serial": head.serial, "expires_ms": head.expires_ms}))
        return 0

    return run_nats(run(), nats_url(args))


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add `palermo endpoint`; returns the errors its commands report as one line."""
    endpoint = commands.add_parser(
        "endpoint", help="act as the authority's endpoint directly (no gateway)"
    )
    e_sub = endpoint.add_subparsers(dest="endpoint_command", required=True)

    def endpoint_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--nats-url", help="default: PALERMO_NATS_URL, else nats://127.0.0.1:4222")
        p.add_argument("--keystore", required=True, help="the authority's keystore")
        p.add_argument("--passphrase-file", required=True)
        p.add_argument("--root-public", required=True, help="hex directory root public key")
        p.add_argument("--seen", help="de-duplication record (default: KEYSTORE.seen)")

    e_send = e_sub.add_parser("send", help="seal and send a message (JSON or TOML file)")
    endpoint_args(e_send)
    e_send.add_argument("file")
    e_send.add_argument("--to")
    e_send.add_argument("--network")
    e_send.add_argument("--handling", default="H0", choices=["H0", "H1", "H2", "H3"])
    e_send.set_defaults(run=_endpoint_send)
    e_dir = e_sub.add_parser("directory", help="show the directory, verified against the root")
    e_dir.add_argument("--nats-url", help="default: PALERMO_NATS_URL, else nats://127.0.0.1:4222")
    e_dir.add_argument("--root-public", required=True, help="hex directory root public key")
    e_dir.set_defaults(run=_show_directory)
    e_inbox = e_sub.add_parser("inbox", help="receive: verify, open, ack, print JSON lines")
    endpoint_args(e_inbox)
    e_inbox.add_argument("--follow", action="store_true", help="keep waiting for new ones")
    e_inbox.set_defaults(run=_endpoint_inbox)
    return ERRORS
