"""The investigators' `palermo` commands, against their authority's gateway.

`palermo send`, `inbox`, `read`, `thread`, `fetch` and `ack` speak to the gateway's
REST API with the officer's API key: private keys stay in the gateway, and the
officer's identity goes into the signed body there. The gateway's address and key
come from `--gateway` / `--api-key-file` or `PALERMO_GATEWAY_URL` / `PALERMO_API_KEY`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import mimetypes
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, Final

import msgspec

from schemas.kinds import MlaStatus, Receipt, decode_message_json
from schemas.records import Disclosure

from .cli_common import ERRORS, load_body, recipients
from .cli_common import gateway as gateway_session
from .gateway_schema import MessageSummary

CHUNK = 64 * 1024


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


def _send(args: argparse.Namespace) -> int:
    to = recipients(args, reply=True)

    async def run() -> int:
        message = decode_message_json(load_body(Path(args.file)))
        disclosure = (
            Disclosure(legal_basis=args.disclose_basis, reference=args.disclose_ref)
            if args.disclose_basis
            else None
        )
        async with gateway_session(args) as gateway:
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
                to=to,
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


INBOX_COLUMNS: Final = (
    "ACCEPTED (UTC)", "KIND", "FROM", "HANDLING", "VICTIMS", "ACK", "MESSAGE ID",
)  # fmt: skip
_WIDTHS: Final = (16, 16, 14, 8, 14, 3, 32)


def _row(cells: Sequence[str]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, _WIDTHS, strict=True)).rstrip()


def _inbox_cells(item: MessageSummary) -> tuple[str, ...]:
    """One received message as table cells: metadata only, as the gateway lists it."""
    when = item.accepted_ms if item.accepted_ms is not None else item.stored_ms
    stamp = dt.datetime.fromtimestamp(when / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M")
    return (
        stamp, item.kind, item.sender, item.handling, item.victim_level,
        "yes" if item.acknowledged else "no", item.message_id,
    )  # fmt: skip


def _inbox(args: argparse.Namespace) -> int:
    async def run() -> int:
        after = 0
        header_shown = False
        async with gateway_session(args) as gateway:
            while True:
                page = await gateway.list(
                    after=after, kind=args.kind, thread=args.thread,
                    unacknowledged=args.unacknowledged,
                )  # fmt: skip
                for item in page.messages:
                    if args.json:
                        print(msgspec.json.encode(item).decode(), flush=True)
                    else:
                        if not header_shown:
                            print(_row(INBOX_COLUMNS), flush=True)
                            header_shown = True
                        print(_row(_inbox_cells(item)), flush=True)
                    after = max(after, item.cursor)
                if not args.json and not header_shown and not args.follow:
                    print("no messages")
                if not args.follow:
                    return 0
                if not page.messages:
                    await asyncio.sleep(2.0)

    try:
        return asyncio.run(run())
    except KeyboardInterrupt:
        if args.follow:  # Ctrl-C is how one stops following: a clean stop
            return 0
        raise


def _read(args: argparse.Namespace) -> int:
    async def run() -> int:
        async with gateway_session(args) as gateway:
            message = await gateway.get(args.message_id)
        print(msgspec.json.format(msgspec.json.encode(message), indent=2).decode())
        return 0

    return asyncio.run(run())


def _thread(args: argparse.Namespace) -> int:
    async def run() -> int:
        async with gateway_session(args) as gateway:
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

        async with gateway_session(args) as gateway:
            written = await gateway.download(args.message_id, args.n, Path(args.out), progress=show)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(f"wrote {written:,} bytes to {args.out} (ciphertext and digest verified)")
        return 0

    return asyncio.run(run())


def _ack(args: argparse.Namespace) -> int:
    async def run() -> int:
        async with gateway_session(args) as gateway:
            result = await gateway.ack(args.message_id)
        print(msgspec.json.encode(result).decode())
        return 0

    return asyncio.run(run())


def _evidence(args: argparse.Namespace) -> int:
    """A sent message's evidence chain as the gateway holds it."""

    async def run() -> int:
        async with gateway_session(args) as gateway:
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


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add the investigators' subcommands (`send`, `inbox`, `read`, `thread`, `fetch`,
    `evidence`, `ack`); returns the errors they report as one line."""

    def gateway_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--gateway", help="gateway URL (or PALERMO_GATEWAY_URL)")
        p.add_argument("--api-key-file", help="file holding your API key (or PALERMO_API_KEY)")

    send = commands.add_parser("send", help="send a message (JSON or TOML file) via the gateway")
    gateway_args(send)
    send.add_argument("file", help="the message body, a JSON or TOML file with its 'kind'")
    send.add_argument("--to", help="comma-separated authority ids")
    send.add_argument("--network", help="a network id: every active member receives it")
    send.add_argument("--handling", default="H0", choices=["H0", "H1", "H2", "H3"])
    send.add_argument("--priority", default="routine", choices=["routine", "urgent", "immediate"])
    send.add_argument("--thread", help="thread id (hex) to continue")
    send.add_argument("--in-reply-to", help="message id (hex) answered")
    send.add_argument(
        "--attach",
        action="append",
        help="a file to attach (repeatable); its content is declared at --attachment-level: "
        "pseudonymised unless you say otherwise, so a file naming a victim needs "
        "--attachment-level disclosed and --disclose-basis",
    )
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
    inbox.add_argument(
        "--json", action="store_true", help="one JSON object per line instead of a table"
    )
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

    ack = commands.add_parser("ack", help="acknowledge a received message")
    gateway_args(ack)
    ack.add_argument("message_id")
    ack.set_defaults(run=_ack)
    return ERRORS
