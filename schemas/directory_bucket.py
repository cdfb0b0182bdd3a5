"""The verified read of the directory from its key-value bucket.

Both sides read the directory the same way: the broker to render NATS permissions from
it (`palermo nats-config`) and to list records for the governors, an authority's
endpoint to build its own view. Neither trusts the bucket, only the root's signatures,
so the read lives with the protocol that defines those signatures. It takes the
JetStream context it reads through and keeps no state.

Keys are listed from the stream's subjects (one exact request) and read with plain gets:
no key-value watcher, whose first answer can race an update just written, and no
consumer, which an authority's NATS user may not create (see docs/deployment.md).
"""

from __future__ import annotations

from collections.abc import Callable

import nats.js.errors
from nats.js import JetStreamContext

from .directory import Directory
from .envelope import now_ms
from .nats_names import (
    DIRECTORY_HEAD_KEY,
    DIRECTORY_RECORD_PREFIX,
    KV_DIRECTORY,
    kv_stream,
    kv_subject_prefix,
)

__all__ = ["list_signed_records", "load_verified", "read_head"]


async def list_signed_records(js: JetStreamContext) -> dict[str, bytes]:
    """Every current signed record in the directory bucket, by authority id (unverified:
    apply them to a `Directory` to check them)."""
    kv = await js.key_value(KV_DIRECTORY)
    prefix = kv_subject_prefix(KV_DIRECTORY)
    info = await js.stream_info(
        kv_stream(KV_DIRECTORY), subjects_filter=prefix + DIRECTORY_RECORD_PREFIX + ">"
    )
    out: dict[str, bytes] = {}
    for subject in sorted(info.state.subjects or {}):
        key = subject.removeprefix(prefix)
        try:
            entry = await kv.get(key)
        except nats.js.errors.KeyNotFoundError:
            continue  # deleted since the listing
        if entry.value:
            out[key.removeprefix(DIRECTORY_RECORD_PREFIX)] = entry.value
    return out


async def read_head(js: JetStreamContext) -> bytes | None:
    """The signed directory head (unverified), or None if the bucket has none."""
    kv = await js.key_value(KV_DIRECTORY)
    try:
        head = await kv.get(DIRECTORY_HEAD_KEY)
    except nats.js.errors.KeyNotFoundError:
        return None
    return head.value or None


async def load_verified(
    js: JetStreamContext, root_public: bytes, *, clock: Callable[[], int] = now_ms
) -> Directory:
    """A one-shot verified snapshot of the bucket: every record and the head, checked
    against the root key; `StaleDirectory` unless the head is fresh and complete."""
    view = Directory(root_public, clock)
    for signed in (await list_signed_records(js)).values():
        view.apply_record(signed)
    head = await read_head(js)
    if head is not None:
        view.apply_head(head)
    view.check_fresh()
    return view
