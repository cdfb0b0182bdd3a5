"""The endpoint's own verified copy of the directory, which only ever moves forward.

An endpoint trusts no key the broker hands it: it reads the signed records and head
from the directory bucket and verifies them against the pinned root key. It reads with
plain gets (a subject listing, then one get per key), never a watch: an authority's NATS
user may not create consumers (see docs/deployment.md), so changes are polled.

It keeps one view and moves it forward: a refresh is accepted only if its head is not
older than the one held, is not another state at the same serial, and no record in it
is older than the one held for its authority (`Directory.advance`). The newest head's
serial and digest are written to the endpoint's store (the de-duplication dbm file),
so a restarted endpoint refuses an older directory too. A refused refresh leaves the
view as it was and raises `DirectoryRollback`: a stale or malicious broker can then
only withhold the directory (lookups fail once the head expires), never undo a
revocation.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping

import nats.errors
import nats.js.errors
import structlog
from nats.js import JetStreamContext

from schemas.directory import Directory, HeadMark, decode_mark, encode_mark
from schemas.directory_bucket import list_signed_records, read_head
from schemas.envelope import now_ms
from schemas.errors import Malformed, StaleDirectory

from .errors import DirectoryUnavailable, StoreDamaged

log = structlog.get_logger(__name__)

MARK_KEY = b"\x00directory-head"
"""Where the head mark lives in the endpoint's store. De-duplication keys begin with an
authority id, never with a NUL byte, so the two cannot collide."""

_NATS_ERRORS = (nats.errors.Error, nats.js.errors.Error, TimeoutError)


async def read_snapshot(js: JetStreamContext) -> tuple[list[bytes], bytes | None]:
    """Every current signed record in the directory bucket and the signed head (None if
    there is none), unverified; `DirectoryUnavailable` if NATS does not answer.

    Keys are listed from the stream's subjects (one exact request) and read with plain
    gets: no key-value watcher, whose first answer can race an update just written."""
    try:
        records = list((await list_signed_records(js)).values())
        head = await read_head(js)
    except _NATS_ERRORS as exc:
        raise DirectoryUnavailable(f"cannot read the directory: {type(exc).__name__}") from exc
    return records, head


class DirectoryKeeper:
    """One monotonic, verified directory view, refreshed from the bucket on demand."""

    def __init__(
        self,
        js: JetStreamContext,
        root_public: bytes,
        *,
        clock: Callable[[], int] = now_ms,
        store: MutableMapping[bytes, bytes] | None = None,
    ) -> None:
        self._js = js
        self._store: MutableMapping[bytes, bytes] = {} if store is None else store
        self._view = Directory(root_public, clock, self._stored_mark())

    def _stored_mark(self) -> HeadMark | None:
        raw = self._store.get(MARK_KEY)
        if raw is None:
            return None
        try:
            return decode_mark(raw)
        except Malformed as exc:
            # Never silently forget the floor: a damaged store is the operator's to fix.
            raise StoreDamaged(f"the stored directory head mark is damaged: {exc}") from exc

    @property
    def mark(self) -> HeadMark | None:
        """The newest head accepted so far, in this run or a previous one."""
        return self._view.mark if self._view.head is not None else self._view.floor

    async def current(self, *, refresh: bool = False) -> Directory:
        """The view, refreshed first when asked, when there is none yet, or when it has
        gone stale. Raises `DirectoryUnavailable`, `DirectoryRollback` (the view is
        kept), `StaleDirectory`, or another `DirectoryError` for what does not verify."""
        if not refresh and self._view.head is not None:
            try:
                self._view.check_fresh()
            except StaleDirectory:
                pass
            else:
                return self._view
        records, head = await read_snapshot(self._js)
        view = self._view.advance(records, head)
        self._view = view
        mark = view.mark
        if mark is not None and self._store.get(MARK_KEY) != (encoded := encode_mark(mark)):
            self._store[MARK_KEY] = encoded
            sync = getattr(self._store, "sync", None)
            if sync is not None:
                # dbm.dumb rewrites its index of a changed value only on sync or close:
                # without this, a crash could bring back a lower mark.
                sync()
            log.info("directory_advanced", serial=mark.serial)
        return view


async def fetch_directory(
    js: JetStreamContext, root_public: bytes, *, clock: Callable[[], int] = now_ms
) -> Directory:
    """A fresh, verified `Directory` from the bucket, with no memory of earlier ones;
    `DirectoryUnavailable` if NATS does not answer, the schemas' `DirectoryError`s if
    what it holds does not verify. An endpoint uses `DirectoryKeeper` instead."""
    return await DirectoryKeeper(js, root_public, clock=clock).current()
