"""A first NATS connect that gives up, for the broker's and the authority's tools alike.

nats-py retries a failed first connect for ever unless its attempts are bounded (and it
reads 0 attempts as "no limit", as it does -1), logging a traceback per attempt. Both
deployables need the same bounded first connect and the same one-line reason, so it
lives beside the other NATS names and helpers of the protocol. It takes the options it
passes on to `nats.connect` and keeps no state.
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable
from typing import Any

import nats
import nats.errors
from nats.aio.client import Client

__all__ = ["FirstConnectFailed", "connect_first", "server_urls", "shown_url"]


class FirstConnectFailed(Exception):
    """The first connect to `url` failed; `reason` says why in a few words."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot reach NATS at {url}: {reason}")
        self.url = url
        self.reason = reason


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

    async def error_cb(exc: Exception) -> None:
        if connected and on_error is not None:
            await on_error(exc)
        elif not connected:
            failures.append(exc)

    try:
        # 1 is the smallest bound nats-py honours: two tries in all.
        nc = await nats.connect(
            server_urls(url),
            max_reconnect_attempts=1,
            reconnect_time_wait=0.5,
            connect_timeout=2,
            error_cb=error_cb,
            **options,
        )
    except (nats.errors.Error, OSError, TimeoutError) as exc:
        cause = failures[-1] if failures else exc
        raise FirstConnectFailed(shown_url(url), _reason(cause)) from exc
    connected = True
    return nc
