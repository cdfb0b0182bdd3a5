"""What the broker's `palermo` command groups share: passphrases, the NATS URL option,
a one-shot NATS connection that gives up instead of retrying for ever, and the errors
they report as one line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import re
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, Final, TypeVar

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client

from schemas.errors import ProtocolError
from schemas.nats_connect import CaFileUnreadable, FirstConnectFailed, connect_first, tls_context

from .errors import BrokerError, ConfigError

_T = TypeVar("_T")

DEFAULT_URL: Final = "nats://127.0.0.1:4222"
ERRORS: Final[tuple[type[Exception], ...]] = (BrokerError, ProtocolError)
"""What the broker's commands report as one line on stderr (and exit 1)."""


def passphrase(file: str | None, prompt: str = "Passphrase: ") -> str:
    """The passphrase from `file`, else `PALERMO_PASSPHRASE`, else asked on the terminal."""
    if file:
        return Path(file).read_text().rstrip("\n")
    if env := os.environ.get("PALERMO_PASSPHRASE"):
        return env
    return ask(prompt, "pass --passphrase-file or set PALERMO_PASSPHRASE")


def ask(prompt: str, instead: str) -> str:
    """A passphrase typed on the terminal; `ConfigError` saying what to do `instead`
    when there is no terminal (getpass would echo it, or fail on end of input)."""
    if not sys.stdin.isatty():
        raise ConfigError(f"no passphrase: {instead} (no terminal to ask on)")
    return getpass.getpass(prompt)


def nats_args(p: argparse.ArgumentParser) -> None:
    """`--nats-url` (default `PALERMO_NATS_URL`, then a local server) and the NATS
    credentials: `--creds` or `--nkey-seed` (defaults `PALERMO_NATS_CREDS`,
    `PALERMO_NATS_NKEY_SEED`); a user and password come from `PALERMO_NATS_USER` and
    `PALERMO_NATS_PASSWORD` only, never the command line (other users could read it)."""
    p.add_argument(
        "--nats-url",
        default=os.environ.get("PALERMO_NATS_URL", DEFAULT_URL),
        help="NATS server (env PALERMO_NATS_URL)",
    )
    p.add_argument(
        "--creds",
        default=os.environ.get("PALERMO_NATS_CREDS"),
        help="NATS credentials file (env PALERMO_NATS_CREDS)",
    )
    p.add_argument(
        "--tls-ca",
        default=os.environ.get("PALERMO_NATS_TLS_CA"),
        help="CA file that verifies a tls:// hub's certificate, TLS 1.3 (env PALERMO_NATS_TLS_CA)",
    )
    p.add_argument(
        "--nkey-seed",
        default=os.environ.get("PALERMO_NATS_NKEY_SEED"),
        help="NATS NKEY seed file, e.g. the governor's from `palermo nats-config` "
        "(env PALERMO_NATS_NKEY_SEED)",
    )


def credentials(args: argparse.Namespace) -> dict[str, Any]:
    """`nats.connect` keyword arguments for the credentials `nats_args` read; a missing
    file is a `ConfigError` naming it."""
    out: dict[str, Any] = {}
    if args.creds and args.nkey_seed:
        raise ConfigError("give --creds or --nkey-seed, not both")
    for option, name, key in (
        ("--creds", args.creds, "user_credentials"),
        ("--nkey-seed", args.nkey_seed, "nkeys_seed"),
    ):
        if name:
            if not Path(name).is_file():
                raise ConfigError(f"{option} {name}: no such file")
            out[key] = name
    out.update(tls_options(args))
    if user := os.environ.get("PALERMO_NATS_USER"):
        out["user"] = user
        out["password"] = os.environ.get("PALERMO_NATS_PASSWORD", "")
    return out


def tls_options(args: argparse.Namespace) -> dict[str, Any]:
    """`nats.connect`'s `tls` for `--tls-ca` (verified TLS 1.3), or nothing; an
    unreadable CA file is a `ConfigError` naming it."""
    if not getattr(args, "tls_ca", None):
        return {}
    try:
        return {"tls": tls_context(args.tls_ca, "--tls-ca")}
    except CaFileUnreadable as exc:
        raise ConfigError(str(exc)) from exc


async def connect_args(args: argparse.Namespace) -> Client:
    """`connect_once` to `--nats-url` with the credentials `nats_args` read."""
    return await connect_once(args.nats_url, **credentials(args))


class NatsUnreachable(BrokerError):
    """NATS did not answer a command's connect (nothing listening, refused, no answer in
    time, or the credentials were refused)."""


def root_public(value: str) -> bytes:
    """The directory root public key from `--root-public`; `ConfigError` unless 64 hex
    digits."""
    try:
        root = bytes.fromhex(value)
    except ValueError:
        root = b""
    if len(root) != 32:
        raise ConfigError("the directory root public key is 64 hex digits: check --root-public")
    return root


async def connect_once(
    url: str, where: str = "--nats-url or PALERMO_NATS_URL", **credentials: Any
) -> Client:
    """A NATS connection for one command's work (`credentials` as `nats.connect` takes
    them; `where` the URL came from, for the error): it tries each server twice and
    then raises `NatsUnreachable` naming them (never their credentials), and it does
    not reconnect once lost (nats-py would otherwise retry a failed first connect for
    ever, logging a traceback each time)."""
    try:
        return await connect_first(url, allow_reconnect=False, **credentials)
    except FirstConnectFailed as exc:
        raise NatsUnreachable(f"{exc} (is it running? check {where})") from exc


def run_nats(work: Coroutine[Any, Any, _T], url: str) -> _T:
    """`asyncio.run(work)`, where NATS answering that a stream or bucket is not there (or
    not answering in time) becomes one `NatsUnreachable` line saying so."""
    try:
        return asyncio.run(work)
    except (nats.errors.Error, TimeoutError) as exc:
        if isinstance(exc, nats.js.errors.NotFoundError):
            what = "a stream or bucket the broker sets up is missing"
        elif isinstance(
            exc, nats.js.errors.ServiceUnavailableError | nats.errors.NoRespondersError
        ):
            what = "JetStream did not answer"
        elif isinstance(exc, TimeoutError):
            what = "no answer in time"
        else:
            what = type(exc).__name__
        shown = re.sub(r"//[^@/]*@", "//", url)
        raise NatsUnreachable(
            f"NATS at {shown}: {what} (has a broker set it up? check --nats-url or "
            "PALERMO_NATS_URL)"
        ) from exc
