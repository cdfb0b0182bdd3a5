"""What the broker's `palermo` command groups share: passphrases, the NATS URL option,
and the errors they report as one line."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import Final

from schemas.errors import ProtocolError

from .errors import BrokerError

DEFAULT_URL: Final = "nats://127.0.0.1:4222"
ERRORS: Final[tuple[type[Exception], ...]] = (BrokerError, ProtocolError)
"""What the broker's commands report as one line on stderr (and exit 1)."""


def passphrase(file: str | None, prompt: str = "Passphrase: ") -> str:
    """The passphrase from `file`, else `PALERMO_PASSPHRASE`, else asked on the terminal."""
    if file:
        return Path(file).read_text().rstrip("\n")
    if env := os.environ.get("PALERMO_PASSPHRASE"):
        return env
    return getpass.getpass(prompt)


def nats_args(p: argparse.ArgumentParser) -> None:
    """`--nats-url`, defaulting to `PALERMO_NATS_URL`, then a local server."""
    p.add_argument("--nats-url", default=os.environ.get("PALERMO_NATS_URL", DEFAULT_URL))
