"""`palermo gateway`: run the national gateway service, erase a case, show an erasure
(docs/gateway-guide.md)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import signal
from pathlib import Path
from typing import Any

from schemas import logs

from .cli_common import ERRORS, NatsUnreachable, UsageError
from .errors import DirectoryUnavailable


def _gateway(args: argparse.Namespace) -> int:
    from .gateway import run_gateway  # noqa: PLC0415
    from .gateway_config import load_gateway_config  # noqa: PLC0415

    config = load_gateway_config(Path(args.config) if args.config else None)
    logs.configure("console", "info")

    async def run() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await run_gateway(config, stop)
        except DirectoryUnavailable as exc:  # NATS did not answer: say where it is set
            raise NatsUnreachable(
                f"{exc} (check url in the configuration's [nats] table, or PALERMO_NATS_URL)"
            ) from exc
        return 0

    return asyncio.run(run())


def _store(args: argparse.Namespace) -> Any:
    """The gateway's message store, opened with its key-encryption key."""
    from .gateway import STORE_FILE  # noqa: PLC0415
    from .gateway_casekeys import load_kek  # noqa: PLC0415
    from .gateway_config import load_gateway_config  # noqa: PLC0415
    from .gateway_store import MessageStore  # noqa: PLC0415

    config = load_gateway_config(Path(args.config) if args.config else None)
    path = Path(config.data_dir) / STORE_FILE
    if not path.is_file():
        raise UsageError(f"no message store at {path} (check data_dir in the configuration)")
    return MessageStore(path, kek=load_kek(config.path(config.erasure.kek_file)))


def _user() -> str:
    """The OS user running the command, as the erasure records who ordered it."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (a container)
        return "unknown"


def _erase(args: argparse.Namespace) -> int:
    from schemas.envelope import now_ms  # noqa: PLC0415

    from .gateway_erasure import erase_case, erasure_status  # noqa: PLC0415

    with _store(args) as store:
        erasure, new = erase_case(
            store, args.thread, now_ms=now_ms(), legal_basis=args.legal_basis,
            reference=args.reference, erased_by=f"cli:{args.by or _user()}",
        )  # fmt: skip
        status = erasure_status(store, args.thread)
    queued = sorted(n.recipient for n in status.notices if n.erasure_id == erasure.erasure_id)
    if not new:
        print(f"thread {args.thread}: nothing left to erase; {status.line()}")
        return 0
    notices = (
        f"erasure notice queued for {', '.join(queued)} (the running gateway sends it)"
        if queued
        else "no other authority to notify"
    )
    print(
        f"thread {args.thread} erased: {erasure.messages} message(s), legal basis "
        f"{erasure.legal_basis}; the data key is destroyed; {notices}"
    )
    return 0


def _erasures(args: argparse.Namespace) -> int:
    from .gateway_erasure import erasure_status  # noqa: PLC0415

    with _store(args) as store:
        print(erasure_status(store, args.thread).line())
    return 0


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add `palermo gateway` and its `erase` and `erasures`; returns the errors they
    report as one line."""
    from .gateway_casekeys import LEGAL_BASES  # noqa: PLC0415

    gateway = commands.add_parser("gateway", help="run the national gateway service")
    gateway.add_argument("--config", help="gateway TOML configuration (see the gateway guide)")
    gateway.set_defaults(run=_gateway)
    sub = gateway.add_subparsers(dest="gateway_command", required=False)
    config_help = "gateway TOML configuration (the running gateway's)"

    erase = sub.add_parser(
        "erase",
        help="erase a case's data at this gateway and notify the other participants",
    )
    erase.add_argument("--config", default=argparse.SUPPRESS, help=config_help)
    erase.add_argument("--thread", required=True, help="the case's thread id (32 hex)")
    erase.add_argument(
        "--legal-basis", required=True, choices=LEGAL_BASES, help="why the case is erased"
    )
    erase.add_argument(
        "--reference",
        required=True,
        help="the order's or decision's number (printable ASCII, at most 100; never a name)",
    )
    erase.add_argument("--by", help="who orders the erasure, as recorded (default: OS user)")
    erase.set_defaults(run=_erase)

    erasures = sub.add_parser(
        "erasures", help="show a thread's erasure and which recipients confirmed it"
    )
    erasures.add_argument("--config", default=argparse.SUPPRESS, help=config_help)
    erasures.add_argument("--thread", required=True, help="the case's thread id (32 hex)")
    erasures.set_defaults(run=_erasures)
    return ERRORS
