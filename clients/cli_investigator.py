"""The investigators' `palermo` commands, against their authority's gateway.

`palermo send`, `inbox`, `read`, `thread`, `fetch` and `ack` speak to the gateway's
REST API with the officer's API key: private keys stay in the gateway, and the
officer's identity goes into the signed body there. The gateway's address and key
come from `--gateway` / `--api-key-file` or `PALERMO_GATEWAY_URL` / `PALERMO_API_KEY`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import mimetypes
import os
import signal
import sys
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec

from schemas.kinds import MlaStatus, Receipt, decode_message_json, encode_message_json
from schemas.records import Disclosure

from .errors import ClientError
from .gateway_client import GatewayClient

CHUNK = 64 * 1024


def _client(args: argparse.Namespace) -> GatewayClient:
    url = args.gateway or os.environ.get("PALERMO_GATEWAY_URL")
    key = (
        Path(args.api_key_file).read_text().strip()
        if args.api_key_file
        else os.environ.get("PALERMO_API_KEY")
    )
    if not url or not key:
        raise ClientError(
            "no gateway: pass --gateway and --api-key-file, or set PALERMO_GATEWAY_URL and "
            "PALERMO_API_KEY"
        )
    return GatewayClient(url, key)


def _progress(label: str, total: int) -> Any:
    """A one-line progress display on stderr (only when it is a terminal)."""
    state = {"done": 0}

    def advance(n: int) -> None:
        state["done"] += n
        if sys.stderr.isatty() and total:
            pct = 100 * state["done"] // total
            print(f"\r{label}: {state['done']:,} / {total:,} bytes ({pct}%)", end="",
                  file=sys.stderr, flush=True)  # fmt: skip

    return advance


async def _chunks(path: Path, advance: Any) -> AsyncIterator[bytes]:
    with path.open("rb") as source:
        while chunk := await asyncio.to_thread(source.read, CHUNK):
            advance(len(chunk))
            yield chunk


def _load_body(path: Path) -> bytes:
    if path.suffix == ".toml":
        return json.dumps(tomllib.loads(path.read_text())).encode()
    return path.read_bytes()


def _send(args: argparse.Namespace) -> int:
    async def run() -> int:
        message = decode_message_json(_load_body(Path(args.file)))
        disclosure = (
            Disclosure(legal_basis=args.disclose_basis, reference=args.disclose_ref)
            if args.disclose_basis
            else None
        )
        async with _client(args) as gateway:
            uploads = []
            for name in args.attach or []:
                path = Path(name)
                size = path.stat().st_size  # noqa: ASYNC240  (one stat, in a CLI run)
                media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                result = await gateway.upload(
                    _chunks(path, _progress(path.name, size)),
                    file_name=path.name,
                    media_type=media,
                    victim_level=args.attachment_level,
                )
                if sys.stderr.isatty():
                    print(file=sys.stderr)
                uploads.append(result.upload_id)
            sent = await gateway.send(
                message,
                to=[t for t in (args.to or "").split(",") if t],
                network=args.network,
                handling=args.handling,
                priority=args.priority,
                thread_id=args.thread,
                in_reply_to=args.in_reply_to,
                disclosure=disclosure,
                attachments=uploads,
            )
        print(msgspec.json.encode(sent).decode())
        return 0

    return asyncio.run(run())


def _inbox(args: argparse.Namespace) -> int:
    async def run() -> int:
        after = 0
        async with _client(args) as gateway:
            while True:
                page = await gateway.list(
                    after=after, kind=args.kind, thread=args.thread,
                    unacknowledged=args.unacknowledged,
                )  # fmt: skip
                for item in page.messages:
                    print(msgspec.json.encode(item).decode(), flush=True)
                    after = max(after, item.cursor)
                if not args.follow:
                    return 0
                if not page.messages:
                    await asyncio.sleep(2.0)

    return asyncio.run(run())


def _read(args: argparse.Namespace) -> int:
    async def run() -> int:
        async with _client(args) as gateway:
            message = await gateway.get(args.message_id)
        print(msgspec.json.format(msgspec.json.encode(message), indent=2).decode())
        return 0

    return asyncio.run(run())


def _thread(args: argparse.Namespace) -> int:
    async def run() -> int:
        async with _client(args) as gateway:
            view = await gateway.thread(args.thread_id)
        # The thread's MLA status: the last update the state machine accepted.
        statuses = [
            m.body.status for m in view.messages
            if isinstance(m.body, MlaStatus) and not m.refused
        ]  # fmt: skip
        shown = msgspec.to_builtins(view)
        shown["mla_status"] = statuses[-1] if statuses else None
        print(json.dumps(shown, indent=2))
        return 0

    return asyncio.run(run())


def _fetch(args: argparse.Namespace) -> int:
    async def run() -> int:
        def show(done: int, total: int | None) -> None:
            if sys.stderr.isatty():
                of = f" / {total:,}" if total else ""
                print(f"\r{args.out}: {done:,}{of} bytes", end="", file=sys.stderr, flush=True)

        async with _client(args) as gateway:
            written = await gateway.download(args.message_id, args.n, Path(args.out), progress=show)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(f"wrote {written:,} bytes to {args.out} (ciphertext and digest verified)")
        return 0

    return asyncio.run(run())


def _ack(args: argparse.Namespace) -> int:
    async def run() -> int:
        async with _client(args) as gateway:
            result = await gateway.ack(args.message_id)
        print(msgspec.json.encode(result).decode())
        return 0

    return asyncio.run(run())


def _evidence(args: argparse.Namespace) -> int:
    """A sent message's evidence chain as the gateway holds it."""

    async def run() -> int:
        async with _client(args) as gateway:
            message = await gateway.get(args.message_id)
            thread = await gateway.thread(message.thread_id)
        receipts = [
            {"from": m.sender, "type": m.body.receipt_type, "at_ms": m.body.at_ms,
             "reason": m.body.reason, "receipt_message_id": m.message_id}
            for m in thread.messages
            if isinstance(m.body, Receipt) and m.body.message_id.hex() == args.message_id
        ]  # fmt: skip
        chain = {
            "message_id": message.message_id,
            "envelope_hash": message.envelope_hash,
            "recipients": message.recipients,
            "broker": {"notice": message.broker_notice, "reason": message.broker_reason,
                       "accepted_ms": message.accepted_ms, "audit_seq": message.audit_seq},
            "receipts": receipts,
            "complete": message.broker_notice == "accepted"
            and {r["from"] for r in receipts} >= set(message.recipients),
        }  # fmt: skip
        print(json.dumps(chain, indent=2))
        return 0

    return asyncio.run(run())


def _endpoint(args: argparse.Namespace) -> Any:
    from schemas.keystore import load_keystore  # noqa: PLC0415

    from .endpoint import Endpoint  # noqa: PLC0415

    passphrase = Path(args.passphrase_file).read_text().rstrip("\n")
    keys = load_keystore(Path(args.keystore), passphrase)
    seen = Path(args.seen) if args.seen else Path(args.keystore).with_suffix(".seen")
    return Endpoint.connect(args.nats_url, keys, bytes.fromhex(args.root_public), seen_path=seen)


def _endpoint_send(args: argparse.Namespace) -> int:
    async def run() -> int:
        message = decode_message_json(_load_body(Path(args.file)))
        async with await _endpoint(args) as ep:
            sealed = await ep.send(
                message, to=[t for t in (args.to or "").split(",") if t],
                network=args.network, handling=args.handling,
            )  # fmt: skip
        print(json.dumps({"message_id": sealed.binding.message_id.hex(),
                          "envelope_hash": sealed.hash.hex(),
                          "thread_id": sealed.binding.thread_id.hex()}))  # fmt: skip
        return 0

    return asyncio.run(run())


def _endpoint_inbox(args: argparse.Namespace) -> int:
    from .endpoint import BrokerNotice, Received, Refused, Unopenable  # noqa: PLC0415

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
                print(json.dumps(line), flush=True)
        return 0

    return asyncio.run(run())


def _show_directory(args: argparse.Namespace) -> int:
    """The directory as verified against the pinned root key (no keystore needed)."""
    import nats  # noqa: PLC0415

    from .directory import fetch_directory  # noqa: PLC0415

    async def run() -> int:
        nc = await nats.connect(args.nats_url, max_reconnect_attempts=0, connect_timeout=5)
        try:
            directory = await fetch_directory(nc.jetstream(), bytes.fromhex(args.root_public))
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

    return asyncio.run(run())


def _gateway(args: argparse.Namespace) -> int:
    from broker import logs  # noqa: PLC0415

    from .gateway import run_gateway  # noqa: PLC0415
    from .gateway_config import load_gateway_config  # noqa: PLC0415

    config = load_gateway_config(Path(args.config) if args.config else None)
    logs.configure("console", "info")

    async def run() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_gateway(config, stop)
        return 0

    return asyncio.run(run())


def add_commands(commands: Any) -> None:  # noqa: PLR0915  (one flat list of options)
    """Add the investigators' subcommands to the `palermo` parser's subparsers."""

    def gateway_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--gateway", help="gateway URL (or PALERMO_GATEWAY_URL)")
        p.add_argument("--api-key-file", help="file holding your API key (or PALERMO_API_KEY)")

    gateway = commands.add_parser("gateway", help="run the national gateway service")
    gateway.add_argument("--config", help="gateway TOML configuration (see the gateway guide)")
    gateway.set_defaults(run=_gateway)

    send = commands.add_parser("send", help="send a message (JSON or TOML file) via the gateway")
    gateway_args(send)
    send.add_argument("file", help="the message body, a JSON or TOML file with its 'kind'")
    send.add_argument("--to", help="comma-separated authority ids")
    send.add_argument("--network", help="a network id: every active member receives it")
    send.add_argument("--handling", default="H0", choices=["H0", "H1", "H2", "H3"])
    send.add_argument("--priority", default="routine", choices=["routine", "urgent", "immediate"])
    send.add_argument("--thread", help="thread id (hex) to continue")
    send.add_argument("--in-reply-to", help="message id (hex) answered")
    send.add_argument("--attach", action="append", help="a file to attach (repeatable)")
    send.add_argument("--attachment-level", default="pseudonymised",
                      choices=["none", "pseudonymised", "disclosed"],
                      help="victim-identifier level of the attachments' content")  # fmt: skip
    send.add_argument("--disclose-basis", help="disclose real identifiers on this legal basis")
    send.add_argument("--disclose-ref", help="the disclosure decision's reference")
    send.set_defaults(run=_send)

    inbox = commands.add_parser("inbox", help="list received messages")
    gateway_args(inbox)
    inbox.add_argument("--kind")
    inbox.add_argument("--thread")
    inbox.add_argument("--unacknowledged", action="store_true")
    inbox.add_argument("--follow", action="store_true", help="keep waiting for new ones")
    inbox.set_defaults(run=_inbox)

    read = commands.add_parser("read", help="show one received message")
    gateway_args(read)
    read.add_argument("message_id")
    read.set_defaults(run=_read)

    thread = commands.add_parser("thread", help="show a thread and its MLA status")
    gateway_args(thread)
    thread.add_argument("thread_id")
    thread.set_defaults(run=_thread)

    fetch = commands.add_parser("fetch", help="download a message's attachment")
    gateway_args(fetch)
    fetch.add_argument("message_id")
    fetch.add_argument("n", type=int, help="attachment number (0 for the first)")
    fetch.add_argument("--out", required=True)
    fetch.set_defaults(run=_fetch)

    evidence = commands.add_parser("evidence", help="show a sent message's evidence chain")
    gateway_args(evidence)
    evidence.add_argument("message_id")
    evidence.set_defaults(run=_evidence)

    endpoint = commands.add_parser(
        "endpoint", help="act as the authority's endpoint directly (no gateway)"
    )
    e_sub = endpoint.add_subparsers(dest="endpoint_command", required=True)

    def endpoint_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--nats-url", default=os.environ.get("PALERMO_NATS_URL"), required=False)
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
    e_dir.add_argument("--nats-url", default=os.environ.get("PALERMO_NATS_URL"))
    e_dir.add_argument("--root-public", required=True, help="hex directory root public key")
    e_dir.set_defaults(run=_show_directory)
    e_inbox = e_sub.add_parser("inbox", help="receive: verify, open, ack, print JSON lines")
    endpoint_args(e_inbox)
    e_inbox.add_argument("--follow", action="store_true", help="keep waiting for new ones")
    e_inbox.set_defaults(run=_endpoint_inbox)

    ack = commands.add_parser("ack", help="acknowledge a received message")
    gateway_args(ack)
    ack.add_argument("message_id")
    ack.set_defaults(run=_ack)
