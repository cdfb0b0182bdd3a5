"""The endpoint's own verified copy of the directory.

An endpoint trusts no key the broker hands it: it reads the signed records and head
from the directory bucket and verifies them against the pinned root key. It reads with
plain gets (a subject listing, then one get per key), never a watch: an authority's NATS
user may not create consumers (see docs/deployment.md), so changes are polled.
"""

from __future__ import annotations

from collections.abc import Callable

import nats.js.errors
from nats.js import JetStreamContext

from schemas.directory import Directory
from schemas.directory_bucket import load_verified
from schemas.envelope import now_ms

from .errors import DirectoryUnavailable


async def fetch_directory(
    js: JetStreamContext, root_public: bytes, *, clock: Callable[[], int] = now_ms
) -> Directory:
    """A fresh, verified `Directory` from the bucket; `DirectoryUnavailable` if NATS does
    not answer, the schemas' `DirectoryError`s if what it holds does not verify."""
    try:
        return await load_verified(js, root_public, clock=clock)
    except (nats.errors.Error, nats.js.errors.Error, TimeoutError) as exc:
        raise DirectoryUnavailable(f"cannot read the directory: {type(exc).__name__}") from exc
