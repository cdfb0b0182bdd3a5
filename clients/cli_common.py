"""What the authority side's `palermo` command groups share: the errors they report as
one line, reading body files, the gateway client of the investigators' commands, and a
one-shot NATS connection that gives up instead of retrying for ever."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import tomllib
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any, Final, TypeVar

import aiohttp
import msgspec
import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client

from schemas.errors import ProtocolError
from schemas.keys import check_authority_id
from schemas.nats_connect import FirstConnectFailed, connect_first, shown_url

from .errors import ClientError, DirectoryUnavailable
from .gateway_client import GatewayClient, GatewayUnavailable, Unauthorized

_T = TypeVar("_T")

DEFAULT_NATS_URL: Final = "nats://127.0.0.1:4222"
NATS_HINT: Final = "(is the broker running? check --nats-url or PALERMO_NATS_URL)"
"""What to do when NATS does not answer, after the error that says so."""


class UsageError(ClientError):
    """A command-line mistake the user can fix (missing file, mismatched passphrases)."""


class NatsUnreachable(ClientError):
    """NATS did not answer a command (nothing listening, refused, no answer in time),
    or answered that what the broker sets up is not there."""


ERRORS: Final[tuple[type[Exception], ...]] = (ClientError, ProtocolError)
"""What the authority side's commands report as one line on stderr (and exit 1)."""


def load_body(path: Path) -> bytes:
    """A message body file as JSON bytes (a `.toml` file is converted); `UsageError`
    names a TOML file that does not parse."""
    if path.suffix == ".toml":
        try:
            return json.dumps(tomllib.loads(path.read_text())).encode()
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path} is not valid TOML: {exc}") from exc
    return path.read_bytes()


def root_key(value: str | None, where: str = "--root-public") -> bytes:
    """The directory root public key from its hex form; `UsageError` naming `where` it
    came from unless it is 64 hex digits."""
    try:
        root = bytes.fromhex(value or "")
    except ValueError:
        root = b""
    if len(root) != 32:
        raise UsageError(f"the directory root public key is 64 hex digits: check {where}")
    return root


def recipients(args: argparse.Namespace, *, reply: bool = False) -> list[str]:
    """The authority ids of `--to` (comma-separated), each checked whole; `UsageError`
    if nothing says who receives the message: neither `--to` nor `--network` (nor, with
    `reply`, `--in-reply-to`, whose sender the gateway answers)."""
    to = [check_authority_id(t) for t in (args.to or "").split(",") if t]
    if not to and not args.network and not (reply and args.in_reply_to):
        also = (
            ", --network NETWORK or --in-reply-to MESSAGE_ID" if reply else " or --network NETWORK"
        )
        raise UsageError(f"no recipient: pass --to AUTHORITY[,AUTHORITY...]{also}")
    return to


def nats_url(args: argparse.Namespace) -> str:
    """`--nats-url`, else `PALERMO_NATS_URL`, else a local server."""
    return str(args.nats_url or os.environ.get("PALERMO_NATS_URL") or DEFAULT_NATS_URL)


async def connect_once(url: str) -> Client:
    """A NATS connection for one command's work: it tries each server twice and then
    raises `NatsUnreachable` naming them (never their credentials), and it does not
    reconnect once lost."""
    try:
        return await connect_first(url, allow_reconnect=False)
    except FirstConnectFailed as exc:
        raise NatsUnreachable(f"{exc} {NATS_HINT}") from exc


def run_nats(work: Coroutine[Any, Any, _T], url: str) -> _T:
    """`asyncio.run(work)`, where NATS answering that a stream, consumer or bucket is not
    there (or not answering in time) becomes one `NatsUnreachable` line saying so."""
    try:
        return asyncio.run(work)
    except DirectoryUnavailable as exc:
        if not isinstance(exc.__cause__, nats.errors.Error | TimeoutError):
            raise
        raise _refused(exc.__cause__, url) from exc
    except (nats.errors.Error, TimeoutError) as exc:
        raise _refused(exc, url) from exc


def _refused(exc: Exception, url: str) -> NatsUnreachable:
    if isinstance(exc, nats.js.errors.BucketNotFoundError):
        what = "a bucket the broker sets up is missing"
    elif isinstance(exc, nats.js.errors.NotFoundError):
        what = "a stream or consumer the broker sets up is missing"
    elif isinstance(exc, nats.js.errors.ServiceUnavailableError | nats.errors.NoRespondersError):
        what = "no stream or consumer answered"
    elif isinstance(exc, TimeoutError):
        what = "no answer in time"
    else:
        what = type(exc).__name__
    return NatsUnreachable(
        f"NATS at {shown_url(url)}: {what} (is the broker set up there, and the authority "
        "added to the directory? check --nats-url or PALERMO_NATS_URL)"
    )


def _gateway_settings(args: argparse.Namespace) -> tuple[str, str]:
    """The gateway URL and API key of `--gateway` / `--api-key-file`, else
    `PALERMO_GATEWAY_URL` / `PALERMO_API_KEY`."""
    url = args.gateway or os.environ.get("PALERMO_GATEWAY_URL")
    if args.api_key_file:
        try:
            key: str | None = Path(args.api_key_file).read_text().strip()
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "it is not text"
            raise UsageError(f"cannot read the API key file {args.api_key_file}: {why}") from exc
        if not key:
            raise UsageError(f"the API key file {args.api_key_file} is empty")
    else:
        key = os.environ.get("PALERMO_API_KEY")
    if not url or not key:
        raise UsageError(
            "no gateway: pass --gateway and --api-key-file, or set PALERMO_GATEWAY_URL and "
            "PALERMO_API_KEY"
        )
    return url, key


@contextlib.asynccontextmanager
async def gateway(args: argparse.Namespace) -> AsyncIterator[GatewayClient]:
    """The client of the gateway that `--gateway` / `--api-key-file` (else
    `PALERMO_GATEWAY_URL` / `PALERMO_API_KEY`) name, open for the block.

    A gateway that does not answer at all (nothing listening, a bad URL, an answer that
    is not the API's) becomes one `UsageError` naming the URL, and a refused API key one
    saying where the key came from; the other problems a gateway answers (404, 5xx ...)
    pass through as its `GatewayError`s."""
    url, key = _gateway_settings(args)
    try:
        async with GatewayClient(url, key) as client:
            yield client
    except Unauthorized as exc:
        raise UsageError(f"{exc} (check --api-key-file or PALERMO_API_KEY)") from exc
    except GatewayUnavailable as exc:
        cause = exc.__cause__
        if cause is None:  # the gateway itself answered 5xx: its problem says why
            raise
        if isinstance(cause, aiohttp.InvalidURL):
            why = "not a valid URL"
        elif isinstance(cause, aiohttp.ClientConnectorError) and cause.os_error.errno:
            why = os.strerror(cause.os_error.errno)
        elif isinstance(cause, TimeoutError):
            why = "no answer in time"
        elif isinstance(cause, msgspec.DecodeError):
            why = "the answer is not the gateway API's"
        else:
            why = type(cause).__name__
        raise UsageError(
            f"cannot reach the gateway at {shown_url(url)}: {why} "
            "(check --gateway or PALERMO_GATEWAY_URL)"
        ) from exc
