"""The directory in its key-value bucket: the governors' write side, everyone's watch.

Records live under `rec.<authority>` and the signed head under `head`, all signed by
the directory root key. Writing is the governors' act (`palermo directory ...`, with
the root keystore); it also creates the authority's inbox consumer and evidence
bucket and appends a `directory` audit event. Reading is a watch that feeds a
verifying `schemas.directory.Directory`: nobody, the broker included, trusts the
bucket's contents, only the root's signatures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import msgspec
import structlog
from nats.js import JetStreamContext
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from schemas.audit import AUDIT_DOMAIN, AuditEvent, DirectoryChange, encode_event
from schemas.directory import (
    MAX_HEAD_LIFETIME_MS,
    AuthorityRecord,
    Directory,
    Status,
    sign_head,
    sign_record,
    signing_key_record,
)
from schemas.directory_bucket import list_signed_records
from schemas.envelope import now_ms
from schemas.errors import DirectoryError, ProtocolError
from schemas.keys import SigningKey
from schemas.keystore import BrokerKeys
from schemas.nats_names import HEADER_MSG_ID
from schemas.notice import BROKER_AUTHORITY

from . import topology
from .topology import TopologySettings

log = structlog.get_logger(__name__)


def broker_record(keys: BrokerKeys, *, now_ms: int, valid_ms: int, name: str) -> AuthorityRecord:
    """The broker's own directory record (`zz-broker`, role `broker`): its notice key
    (use `sign`) and its audit log key (use `log`), valid `valid_ms` either side of now."""
    window = (now_ms - valid_ms, now_ms + valid_ms)
    return AuthorityRecord(
        id=BROKER_AUTHORITY,
        name=name,
        country="ZZ",
        roles=["broker"],
        networks=[],
        keys=[
            signing_key_record(keys.notice, *window),
            signing_key_record(keys.log, *window, use="log"),
        ],
        status="active",
        serial=0,
        issued_ms=now_ms,
    )


class DirectoryAdmin:
    """The governors' side: sign and publish records and heads with the root key."""

    def __init__(
        self,
        js: JetStreamContext,
        root: SigningKey,
        *,
        clock: Callable[[], int] = now_ms,
        settings: TopologySettings | None = None,
        head_lifetime_ms: int = MAX_HEAD_LIFETIME_MS,
    ) -> None:
        self._js = js
        self._root = root
        self._clock = clock
        self._settings = settings or TopologySettings()
        self._head_lifetime_ms = head_lifetime_ms

    async def _kv(self) -> KeyValue:
        return await self._js.key_value(topology.KV_DIRECTORY)

    async def signed_records(self) -> dict[str, bytes]:
        """Every current signed record in the bucket, by authority id."""
        return await list_signed_records(self._js)

    async def records(self) -> list[AuthorityRecord]:
        """Every current record, verified against the root, ordered by id."""
        view = Directory(self._root.public, self._clock)
        return [view.apply_record(s) for _, s in sorted((await self.signed_records()).items())]

    async def serial(self) -> int:
        """The directory's current serial (0 when empty)."""
        return max((r.serial for r in await self.records()), default=0)

    async def put(
        self, record: AuthorityRecord, *, change: DirectoryChange = "updated"
    ) -> AuthorityRecord:
        """Publish `record` at the next serial, register its authority, re-sign the head."""
        serial = await self.serial() + 1
        record = msgspec.structs.replace(record, serial=serial, issued_ms=self._clock())
        kv = await self._kv()
        await kv.put(topology.directory_record_key(record.id), sign_record(self._root, record))
        if "broker" not in record.roles:
            await topology.register_authority(self._js, record.id, self._settings)
        await self.sign_head()
        event = AuditEvent(
            domain=AUDIT_DOMAIN,
            event="directory",
            time_ms=self._clock(),
            authority=record.id,
            directory_serial=serial,
            reason=change,
        )
        await self._js.publish(
            topology.AUDIT_SUBJECT,
            encode_event(event),
            headers={HEADER_MSG_ID: f"directory:{record.id}:{serial}"},
        )
        log.info("directory_record_published", authority=record.id, serial=serial, change=change)
        return record

    async def set_status(self, authority: str, status: Status) -> AuthorityRecord:
        """Suspend, revoke or reinstate `authority` (a new record at a new serial)."""
        current = {r.id: r for r in await self.records()}
        if authority not in current:
            raise DirectoryError(f"{authority} is not in the directory")
        return await self.put(
            msgspec.structs.replace(current[authority], status=status), change=status
        )

    async def sign_head(self) -> bytes:
        """Sign and publish a fresh head over every current record (one snapshot)."""
        signed = await self.signed_records()
        view = Directory(self._root.public, self._clock)
        serial = max((view.apply_record(s).serial for s in signed.values()), default=0)
        head = sign_head(
            self._root,
            signed.values(),
            serial=serial,
            now_ms=self._clock(),
            lifetime_ms=self._head_lifetime_ms,
        )
        kv = await self._kv()
        await kv.put(topology.DIRECTORY_HEAD_KEY, head)
        return head


class DirectoryWatch:
    """Keeps a verified `Directory` current from the bucket.

    `run()` loads every record and the head, sets `loaded`, then applies updates as
    they come (a revocation takes effect for the next message the broker checks).
    Entries that fail verification are logged and ignored: the view keeps the last
    good state, and goes stale (refusing lookups) if the head cannot be renewed.
    """

    def __init__(
        self,
        js: JetStreamContext,
        root_public: bytes,
        *,
        clock: Callable[[], int] = now_ms,
        changes: asyncio.Queue[AuthorityRecord] | None = None,
    ) -> None:
        self._js = js
        self.directory = Directory(root_public, clock)
        self.loaded = asyncio.Event()
        self._changes = changes
        """Every record that verified, as it is applied (for the account pusher)."""

    async def run(self) -> None:
        """Watch the bucket until cancelled."""
        kv = await self._js.key_value(topology.KV_DIRECTORY)
        watcher = await kv.watchall()
        try:
            async for entry in watcher:
                if entry is None:
                    self.loaded.set()
                    continue
                if entry.operation in (KV_DEL, KV_PURGE) or not entry.value:
                    continue
                self._apply(entry.key, entry.value)
                if entry.delta == 0:
                    self.loaded.set()
        finally:
            await watcher.stop()  # type: ignore[no-untyped-call]

    def _apply(self, key: str, value: bytes) -> None:
        try:
            if key == topology.DIRECTORY_HEAD_KEY:
                head = self.directory.apply_head(value)
                log.info("directory_head", serial=head.serial, expires_ms=head.expires_ms)
            elif key.startswith(topology.DIRECTORY_RECORD_PREFIX):
                record = self.directory.apply_record(value)
                log.info("directory_record", authority=record.id, status=record.status)
                if self._changes is not None:
                    self._changes.put_nowait(record)
        except ProtocolError as exc:
            log.warning("directory_entry_refused", key=key, code=exc.code, error=str(exc))
