"""What the authority side's `palermo` command groups share."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Final

from schemas.errors import ProtocolError

from .errors import ClientError


class UsageError(ClientError):
    """A command-line mistake the user can fix (missing file, mismatched passphrases)."""


ERRORS: Final[tuple[type[Exception], ...]] = (ClientError, ProtocolError)
"""What the authority side's commands report as one line on stderr (and exit 1)."""


def load_body(path: Path) -> bytes:
    """A message body file as JSON bytes (a `.toml` file is converted)."""
    if path.suffix == ".toml":
        return json.dumps(tomllib.loads(path.read_text())).encode()
    return path.read_bytes()
