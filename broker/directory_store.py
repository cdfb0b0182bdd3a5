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
import nats.js.errors
import structlog
from nats.js import JetStreamContext
from nats.js.kv import KV_DEL, KV_OP, KV_PURGE, KeyValue

from schemas.audit import AUDIT_DOMAIN, AuditEvent, DirectoryChange, encode_event
from schemas.directory import (
    MAX_HEAD_LIFETIME_MS,
    AuthorityRecord,
    Directory,
    RecordHashes,
    Status,
    sign_head_digest,
    sign_record,
    signing_key_record,
)
from schemas.envelope import now_ms
from schemas.errors import DirectoryError, ProtocolError
from schemas.keys import SigningKey
from schemas.keystore import BrokerKeys
from schemas.nats_names import HEADER_MSG_ID, kv_stream, kv_subject_prefix
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
    """The governors' side: sign and publish records and heads with the root key.

    It keeps a verified copy of the bucket's current records (with their hashes, for
    the head's digest), read once and then brought up to date from the bucket's stream
    before each use: only the entries written since, by this admin or any other, are
    read and verified. A registration thus reads and verifies a constant number of
    entries, not every record in the directory (at thousands of authorities, re-reading
    the bucket twice per registration was most of the time a registration took).
    """

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
        self._signed: dict[str, bytes] = {}
        self._records: dict[str, AuthorityRecord] = {}
        self._hashes = RecordHashes()
        self._seq = 0
        """The bucket stream's sequence up to which `_signed` is current."""

    async def _kv(self) -> KeyValue:
        return await self._js.key_value(topology.KV_DIRECTORY)

    async def _sync(self) -> None:
        """Fold in every record entry the bucket's stream holds after `_seq`, in order,
        each verified against the root (`DirectoryError` for a forged one)."""
        stream = kv_stream(topology.KV_DIRECTORY)
        prefix = kv_subject_prefix(topology.KV_DIRECTORY)
        records = prefix + topology.DIRECTORY_RECORD_PREFIX + ">"
        while True:
            try:
                msg = await self._js.get_msg(stream, seq=self._seq + 1, subject=records, next=True)
            except nats.js.errors.NotFoundError:
                return
            if msg.seq is None or msg.subject is None:
                raise DirectoryError("the directory bucket answered without a sequence or key")
            authority = msg.subject.removeprefix(prefix + topology.DIRECTORY_RECORD_PREFIX)
            operation = (msg.headers or {}).get(KV_OP)
            if operation in (KV_DEL, KV_PURGE) or not msg.data:
                self._signed.pop(authority, None)
                self._records.pop(authority, None)
                self._hashes.remove(authority)
                self._seq = msg.seq
                continue
            # Verified before `_seq` moves: a forged entry is refused on every call, as
            # when every record was read each time, never skipped the second time.
            record = Directory(self._root.public, self._clock).apply_record(msg.data)
            self._seq = msg.seq
            self._signed[record.id] = msg.data
            self._records[record.id] = record
            self._hashes.put(record.id, msg.data)

    async def signed_records(self) -> dict[str, bytes]:
        """Every current signed record in the bucket, by authority id."""
        await self._sync()
        return dict(self._signed)

    async def records(self) -> list[AuthorityRecord]:
        """Every current record, verified against the root, ordered by id."""
        await self._sync()
        return [self._records[k] for k in sorted(self._records)]

    async def serial(self) -> int:
        """The directory's current serial (0 when empty)."""
        await self._sync()
        return max((r.serial for r in self._records.values()), default=0)

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
        serial = await self.serial()
        head = sign_head_digest(
            self._root,
            self._hashes.digest(),
            len(self._hashes),
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
