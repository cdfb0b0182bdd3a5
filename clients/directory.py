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

from broker import topology
from schemas.directory import Directory
from schemas.envelope import now_ms

from .errors import DirectoryUnavailable

_KV_STREAM = f"KV_{topology.KV_DIRECTORY}"
_KV_PREFIX = f"$KV.{topology.KV_DIRECTORY}."


async def fetch_directory(
    js: JetStreamContext, root_public: bytes, *, clock: Callable[[], int] = now_ms
) -> Directory:
    """A fresh, verified `Directory` from the bucket; `DirectoryUnavailable` if NATS does
    not answer, the schemas' `DirectoryError`s if what it holds does not verify."""
    try:
        info = await js.stream_info(_KV_STREAM, subjects_filter=_KV_PREFIX + ">")
        keys = [s.removeprefix(_KV_PREFIX) for s in (info.state.subjects or {})]
        kv = await js.key_value(topology.KV_DIRECTORY)
        view = Directory(root_public, clock)
        for key in sorted(k for k in keys if k.startswith("rec.")):
            entry = await kv.get(key)
            if entry.value:
                view.apply_record(entry.value)
        head = await kv.get(topology.DIRECTORY_HEAD_KEY)
    except (nats.errors.Error, nats.js.errors.Error, TimeoutError) as exc:
        raise DirectoryUnavailable(f"cannot read the directory: {type(exc).__name__}") from exc
    if head.value:
        view.apply_head(head.value)
    view.check_fresh()
    return view
