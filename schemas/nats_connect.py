"""A first NATS connect that gives up, for the broker's and the authority's tools alike.

nats-py retries a failed first connect for ever unless its attempts are bounded (and it
reads 0 attempts as "no limit", as it does -1), logging a traceback per attempt. Both
deployables need the same bounded first connect and the same one-line reason, so it
lives beside the other NATS names and helpers of the protocol. It takes the options it
passes on to `nats.connect` and keeps no state.
"""

from __future__ import annotations

import asyncio
import os
import re
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import nats
import nats.errors
from nats.aio.client import Client

__all__ = [
    "CaFileUnreadable",
    "FirstConnectFailed",
    "connect_first",
    "server_urls",
    "shown_url",
    "tls_context",
]


class FirstConnectFailed(Exception):
    """The first connect to `url` failed; `reason` says why in a few words."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot reach NATS at {url}: {reason}")
        self.url = url
        self.reason = reason


class CaFileUnreadable(Exception):
    """The CA file meant to verify the hub's TLS certificate cannot be used."""

    def __init__(self, setting: str, ca_file: str, reason: str) -> None:
        super().__init__(f"{setting} {ca_file}: {reason}")


def tls_context(ca_file: str | None, setting: str = "tls_ca_file") -> ssl.SSLContext | None:
    """TLS 1.3 verified against `ca_file` alone (the hub operators' CA), or None
    without one (nats-py then verifies a `tls://` URL against the system's CAs).
    `CaFileUnreadable`, naming `setting`, if the file is not a readable PEM certificate."""
    if ca_file is None:
        return None
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        # ssl.SSLError is an OSError too: test it first.
        reason = (
            "not a PEM CA certificate"
            if isinstance(exc, ssl.SSLError) or not exc.strerror
            else exc.strerror
        )
        raise CaFileUnreadable(setting, ca_file, reason) from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context


def server_urls(url: str | list[str]) -> list[str]:
    """The servers of a NATS URL that may name several, comma-separated (a cluster's
    nodes: `nats://10.0.0.1:4222,nats://10.0.0.2:4222`), as the list `nats.connect`
    takes; nats-py reads a single string as one server."""
    urls = url if isinstance(url, list) else url.split(",")
    return [u.strip() for u in urls if u.strip()]


def shown_url(url: str) -> str:
    """`url` without any user name or password, fit for an error line."""
    return re.sub(r"//[^@/]*@", "//", url)


def _reason(cause: BaseException) -> str:
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not trusted ({cause.verify_message}): give the hub's CA"
    if isinstance(cause, ssl.SSLError):
        return f"TLS failed ({cause.reason or cause})"
    if isinstance(cause, OSError) and cause.errno:
        return os.strerror(cause.errno)
    if isinstance(cause, TimeoutError):
        return "no answer in time"
    return str(cause) or type(cause).__name__


async def connect_first(
    url: str,
    *,
    on_error: Callable[[Exception], Awaitable[None]] | None = None,
    **options: Any,
) -> Client:
    """Connect to `url`, trying each server twice, half a second apart; raise
    `FirstConnectFailed` (naming the servers without credentials) otherwise.

    `options` go to `nats.connect` as they are (reconnection after this connect
    included: pass `allow_reconnect=False` for a one-shot command). `on_error` hears
    nats-py's errors once the first connect has succeeded; until then they are only
    kept for the reason."""
    failures: list[Exception] = []
    connected = False
    untrusted = asyncio.Event()

    async def error_cb(exc: Exception) -> None:
        if connected and on_error is not None:
            await on_error(exc)
        elif not connected:
            failures.append(exc)
            if isinstance(exc, ssl.SSLCertVerificationError):
                untrusted.set()

    servers = server_urls(url)
    # 1 is the smallest bound nats-py honours: two tries in all.
    connecting = asyncio.ensure_future(
        nats.connect(
            servers,
            max_reconnect_attempts=1,
            reconnect_time_wait=0.5,
            connect_timeout=2,
            error_cb=error_cb,
            **options,
        )
    )
    # nats-py can hang for ever after a failed TLS handshake when it may reconnect
    # (nats-io/nats.py#718): a certificate it does not trust ends the connect at once
    # (it will not be trusted a second later), and the whole connect is bounded by two
    # tries of each server, `connect_timeout` each, half a second apart, and a margin.
    refused = asyncio.ensure_future(untrusted.wait())
    try:
        await asyncio.wait(
            {connecting, refused},
            timeout=len(servers) * 2 * (2 + 0.5) + 2,
            return_when=asyncio.FIRST_COMPLETED,
        )
    finally:
        refused.cancel()
        if not connecting.done():
            connecting.cancel()
        await asyncio.wait({refused, connecting})
    if connecting.cancelled():  # untrusted, or out of time
        cause: BaseException = failures[-1] if failures else TimeoutError()
        raise FirstConnectFailed(shown_url(url), _reason(cause))
    try:
        nc = connecting.result()
    except (nats.errors.Error, OSError, TimeoutError) as exc:
        cause = failures[-1] if failures else exc
        raise FirstConnectFailed(shown_url(url), _reason(cause)) from exc
    connected = True
    return nc
