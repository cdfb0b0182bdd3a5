"""`palermo gateway`: run the national gateway service (docs/gateway-guide.md)."""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path
from typing import Any

from schemas import logs

from .cli_common import ERRORS, NatsUnreachable
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


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add `palermo gateway`; returns the errors it reports as one line."""
    gateway = commands.add_parser("gateway", help="run the national gateway service")
    gateway.add_argument("--config", help="gateway TOML configuration (see the gateway guide)")
    gateway.set_defaults(run=_gateway)
    return ERRORS
