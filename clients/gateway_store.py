"""The gateway's local store: received and sent messages, uploads, webhook state.

One SQLite file under the data directory (stdlib `sqlite3`, WAL journal,
`synchronous=FULL`): a received message is committed before the endpoint is asked for
the next event, and only then is it acked on NATS, so a crash loses nothing. Calls are
synchronous and short; the gateway makes them on its event loop, which also means no
cancellation can land between storing a message and the endpoint's ack.

A message is kept as the exact bytes its sender signed: binding bytes, body bytes
(canonical msgpack), inner signature and sender key id. The API shows the body decoded
from those bytes, never a re-encoding, so a stored record still proves offline what was
said (`gateway_evidence`). Rows written before these columns existed keep their body as
JSON and have no evidence to export.

Content is kept encrypted under its case's data key (`gateway_casekeys`): the body
bytes, the old JSON body and the outbox's envelope. `body_hash` (what the inner
signature covers) stays in the clear beside the binding and signature, so a message
whose case was erased still proves who signed what. Reading an erased message raises
`CaseErased`.

Sent messages are also the outbox: the sealed envelope is committed here before it is
published, and stays "queued" (`published_ms` unset) until JetStream acknowledges it.

The schema version is SQLite's `user_version`; `_MIGRATIONS` brings an older file up
to date when the store opens.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import msgspec

from schemas.kinds import AttachmentDescriptor, Message, decode_message, decode_message_json
from schemas.storecrypto import body_hash
from schemas.wire import AttachmentRef, Binding

from .gateway_casekeys import SCHEMA as CASE_SCHEMA
from .gateway_casekeys import (
    CaseErased,
    CaseKeys,
    Erasure,
    compact,
    encrypt_rows,
    load_kek,
    value_label,
)
from .gateway_config import ConfigError
from .gateway_schema import Direction, MessageSummary, StoredMessage

__all__ = ["MessageStore", "Outgoing", "SignedRecord", "StoredUpload"]

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS messages (
    cursor          INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      TEXT NOT NULL,
    direction       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    sender          TEXT NOT NULL,
    recipients      TEXT NOT NULL,
    thread_id       TEXT NOT NULL,
    sequence        INTEGER NOT NULL,
    in_reply_to     TEXT,
    handling        TEXT NOT NULL,
    priority        TEXT NOT NULL,
    victim_level    TEXT NOT NULL,
    envelope_hash   TEXT NOT NULL,
    created_ms      INTEGER NOT NULL,
    accepted_ms     INTEGER,
    audit_seq       INTEGER,
    stored_ms       INTEGER NOT NULL,
    body            BLOB NOT NULL,
    refs            BLOB NOT NULL,
    sent_by         TEXT,
    acked_ms        INTEGER,
    acked_by        TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    notice          TEXT,
    notice_reason   TEXT,
    refused         TEXT,
    binding         BLOB NOT NULL,
    inner_signature BLOB,
    UNIQUE (message_id, direction)
);
CREATE INDEX IF NOT EXISTS messages_thread ON messages (thread_id, created_ms);
CREATE INDEX IF NOT EXISTS messages_pending ON messages (acked_ms, next_attempt_ms);
CREATE TABLE IF NOT EXISTS uploads (
    upload_id   TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    ref         BLOB NOT NULL,
    descriptor  BLOB NOT NULL,
    created_ms  INTEGER NOT NULL
);
"""

_MIGRATIONS: Final = (
    # 1: the exact signed bytes and the outbox.
    """
    ALTER TABLE messages ADD COLUMN body_bytes BLOB;
    ALTER TABLE messages ADD COLUMN sender_key_id TEXT;
    ALTER TABLE messages ADD COLUMN envelope BLOB;
    ALTER TABLE messages ADD COLUMN published_ms INTEGER;
    ALTER TABLE messages ADD COLUMN idempotency_key TEXT;
    ALTER TABLE messages ADD COLUMN request_hash TEXT;
    CREATE INDEX IF NOT EXISTS messages_outbox ON messages (direction, published_ms)
        WHERE envelope IS NOT NULL;
    CREATE UNIQUE INDEX IF NOT EXISTS messages_idempotency
        ON messages (sent_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
    """,
    # 2: content encrypted under per-case data keys; erasure (then `_encrypt_rows`).
    """
    ALTER TABLE messages ADD COLUMN body_hash BLOB;
    ALTER TABLE messages ADD COLUMN erased_ms INTEGER;
    """
    + CASE_SCHEMA,
)
SCHEMA_VERSION: Final = len(_MIGRATIONS)

_COLUMNS: Final = (
    "cursor, message_id, direction, kind, sender, recipients, thread_id, sequence, "
    "in_reply_to, handling, priority, victim_level, envelope_hash, created_ms, accepted_ms, "
    "audit_seq, stored_ms, sent_by, acked_ms, acked_by, notice, notice_reason, refused, "
    "published_ms, envelope IS NOT NULL AS outboxed, erased_ms"
)
_CONTENT: Final = "body, body_bytes"
_refs = msgspec.json.Encoder()
_refs_decoder = msgspec.json.Decoder(list[AttachmentRef])
_descriptor_decoder = msgspec.json.Decoder(AttachmentDescriptor)
_binding_decoder = msgspec.msgpack.Decoder(Binding)


@dataclass(frozen=True)
class SignedRecord:
    """What a received message's sender signed, as stored: enough to prove it offline."""

    message_id: str
    envelope_hash: bytes
    accepted_ms: int | None
    audit_seq: int | None
    stored_ms: int
    binding: bytes
    body: bytes | None
    """None once the case was erased."""
    inner_signature: bytes
    sender_key_id: bytes
    body_hash: bytes
    """BLAKE2b-256 of the body bytes: what the inner signature covers."""
    erasure: Erasure | None = None
    """The erasure that removed the body, if one did."""


@dataclass(frozen=True)
class Outgoing:
    """A sealed envelope in the outbox, not yet acknowledged by JetStream."""

    message_id: str
    envelope: bytes
    binding: Binding


@dataclass(frozen=True)
class StoredUpload:
    """An uploaded attachment waiting to be referenced by a message."""

    upload_id: str
    owner: str
    ref: AttachmentRef
    descriptor: AttachmentDescriptor


class MessageStore:
    """The SQLite store (see the module docstring). A context manager; `close` is
    idempotent."""

    def __init__(self, path: Path, *, kek: bytes | None = None) -> None:
        """Open (create, upgrade) the store at `path`. `kek` is the key-encryption key
        of the data keys; without it, the one in `store.kek` beside the file (made if
        missing)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if kek is None:
            kek = load_kek(path.parent / "store.kek")
        self._db: sqlite3.Connection | None = sqlite3.connect(path, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self.keys = CaseKeys(self._db, kek)
        try:
            self._db.executescript(_SCHEMA)
            self._migrate()
        except BaseException:
            self.close()
            raise
        path.chmod(0o600)

    def _migrate(self) -> None:
        """Apply the migrations this file has not had, each in one transaction."""
        db = self.db
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise ConfigError(
                f"message store schema {version} is newer than this gateway's {SCHEMA_VERSION}:"
                " run the newer gateway, or restore a backup"
            )
        for number in range(version, SCHEMA_VERSION):
            # executescript commits first; BEGIN makes the step and its version atomic.
            db.executescript(f"BEGIN; {_MIGRATIONS[number]}")
            try:
                if number == 1:
                    encrypt_rows(db, self.keys)
                db.execute(f"PRAGMA user_version = {number + 1}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            if number == 1:
                compact(db)  # the plaintext pages the encryption replaced

    def __enter__(self) -> MessageStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the database (idempotent)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        """The open connection."""
        if self._db is None:
            raise RuntimeError("the message store is closed")
        return self._db

    # --- writing ----------------------------------------------------------------------

    def add(
        self,
        direction: Direction,
        binding: Binding,
        binding_bytes: bytes,
        body_bytes: bytes,
        envelope_hash: bytes,
        *,
        stored_ms: int,
        accepted_ms: int | None = None,
        audit_seq: int | None = None,
        sent_by: str | None = None,
        acked_ms: int | None = None,
        inner_signature: bytes | None = None,
        refused: str | None = None,
        envelope: bytes | None = None,
        idempotency_key: str | None = None,
        request_hash: str | None = None,
    ) -> bool:
        """Store a message once; False if (message id, direction) is already stored.

        `binding_bytes` and `body_bytes` are the exact bytes the sender signed; with the
        (received) inner signature they prove to a third party what the sender said. A
        sent message given its sealed `envelope` is queued in the outbox. A sent message
        with an `idempotency_key` already used by `sent_by` is not stored (False).
        The body bytes and envelope are kept encrypted under the thread's data key."""
        thread_id, message_id = binding.thread_id.hex(), binding.message_id.hex()
        key = self.keys.ensure(thread_id, stored_ms)
        cur = self.db.execute(
            "INSERT OR IGNORE INTO messages (message_id, direction, kind, sender, recipients,"
            " thread_id, sequence, in_reply_to, handling, priority, victim_level,"
            " envelope_hash, created_ms, accepted_ms, audit_seq, stored_ms, body, refs,"
            " sent_by, acked_ms, acked_by, refused, binding, inner_signature, body_bytes,"
            " sender_key_id, envelope, idempotency_key, request_hash, body_hash)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                message_id,
                direction,
                binding.kind,
                binding.sender,
                json.dumps([r.authority for r in binding.recipients]),
                thread_id,
                binding.sequence,
                binding.in_reply_to.hex() if binding.in_reply_to else None,
                binding.handling,
                binding.priority,
                binding.victim_level,
                envelope_hash.hex(),
                binding.created_ms,
                accepted_ms,
                audit_seq,
                stored_ms,
                b"",  # the JSON body of rows from before schema 1; shown from body_bytes now
                _refs.encode(binding.attachments),
                sent_by,
                acked_ms,
                "sender" if acked_ms is not None else None,
                refused,
                binding_bytes,
                inner_signature,
                self.keys.seal(key, body_bytes, value_label("body_bytes", direction, message_id)),
                binding.sender_key_id.hex(),
                self.keys.seal(key, envelope, value_label("envelope", direction, message_id)),
                idempotency_key,
                request_hash,
                body_hash(body_bytes),
            ),
        )
        return cur.rowcount == 1

    def published(self, message_id: str, at_ms: int) -> None:
        """JetStream acknowledged a sent message: it leaves the outbox."""
        self.db.execute(
            "UPDATE messages SET published_ms = ? WHERE message_id = ? AND direction = 'sent'"
            " AND published_ms IS NULL",
            (at_ms, message_id),
        )

    def ack(self, message_id: str, at_ms: int, by: str) -> tuple[int, str] | None:
        """Mark a received message acknowledged (the first acknowledgement stands);
        its (time, by), or None if no such received message."""
        self.db.execute(
            "UPDATE messages SET acked_ms = ?, acked_by = ?"
            " WHERE message_id = ? AND direction = 'received' AND acked_ms IS NULL",
            (at_ms, by, message_id),
        )
        row = self.db.execute(
            "SELECT acked_ms, acked_by FROM messages"
            " WHERE message_id = ? AND direction = 'received'",
            (message_id,),
        ).fetchone()
        return None if row is None else (row["acked_ms"], row["acked_by"])

    def retry_later(self, message_id: str, attempts: int, next_attempt_ms: int) -> None:
        """Record a failed push and when to try again."""
        self.db.execute(
            "UPDATE messages SET attempts = ?, next_attempt_ms = ?"
            " WHERE message_id = ? AND direction = 'received'",
            (attempts, next_attempt_ms, message_id),
        )

    def note(
        self, message_id: str, notice: str, reason: str | None, at_ms: int, audit_seq: int | None
    ) -> None:
        """Record a broker notice about a message we sent."""
        self.db.execute(
            "UPDATE messages SET notice = ?, notice_reason = ?,"
            " accepted_ms = CASE WHEN ? = 'accepted' THEN ? ELSE accepted_ms END,"
            " audit_seq = COALESCE(?, audit_seq)"
            " WHERE message_id = ? AND direction = 'sent'",
            (notice, reason, notice, at_ms, audit_seq, message_id),
        )

    def add_upload(self, upload: StoredUpload, created_ms: int) -> None:
        """Keep an upload's reference and descriptor (which holds its key)."""
        self.db.execute(
            "INSERT INTO uploads (upload_id, owner, ref, descriptor, created_ms)"
            " VALUES (?,?,?,?,?)",
            (
                upload.upload_id,
                upload.owner,
                _refs.encode([upload.ref]),
                msgspec.json.encode(upload.descriptor),
                created_ms,
            ),
        )

    # --- reading ----------------------------------------------------------------------

    def upload(self, upload_id: str) -> StoredUpload | None:
        """An upload by id."""
        row = self.db.execute("SELECT * FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone()
        if row is None:
            return None
        return StoredUpload(
            upload_id=row["upload_id"],
            owner=row["owner"],
            ref=_refs_decoder.decode(row["ref"])[0],
            descriptor=_descriptor_decoder.decode(row["descriptor"]),
        )

    def get(self, message_id: str) -> StoredMessage | None:
        """A message by id, the received copy first (a message to ourselves is both)."""
        row = self.db.execute(
            f"SELECT {_COLUMNS}, {_CONTENT} FROM messages WHERE message_id = ?"  # noqa: S608
            " ORDER BY direction = 'received' DESC LIMIT 1",
            (message_id,),
        ).fetchone()
        return None if row is None else self._full(row)

    def summary(self, message_id: str) -> MessageSummary | None:
        """A message's metadata by id (no body: readable after its case was erased)."""
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE message_id = ?"  # noqa: S608
            " ORDER BY direction = 'received' DESC LIMIT 1",
            (message_id,),
        ).fetchone()
        return None if row is None else _summary(row)

    def refs(self, message_id: str) -> list[AttachmentRef]:
        """The attachment references of a stored message's binding."""
        row = self.db.execute(
            "SELECT refs FROM messages WHERE message_id = ?"
            " ORDER BY direction = 'received' DESC LIMIT 1",
            (message_id,),
        ).fetchone()
        return [] if row is None else _refs_decoder.decode(row["refs"])

    def received(
        self,
        *,
        after: int = 0,
        since_ms: int | None = None,
        kind: str | None = None,
        thread_id: str | None = None,
        unacknowledged: bool = False,
        limit: int = 100,
    ) -> list[MessageSummary]:
        """Received messages matching the filters, in store order."""
        where = ["direction = 'received'", "cursor > ?"]
        args: list[Any] = [after]
        if since_ms is not None:
            where.append("COALESCE(accepted_ms, created_ms) >= ?")
            args.append(since_ms)
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        if thread_id is not None:
            where.append("thread_id = ?")
            args.append(thread_id)
        if unacknowledged:
            where.append("acked_ms IS NULL")
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE {' AND '.join(where)}"  # noqa: S608
            " ORDER BY cursor LIMIT ?",
            (*args, limit),
        )
        return [_summary(row) for row in rows]

    def thread(self, thread_id: str) -> list[StoredMessage]:
        """Sent and received messages of a thread, by creation time."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS}, {_CONTENT} FROM messages WHERE thread_id = ?"  # noqa: S608
            " ORDER BY created_ms, cursor",
            (thread_id,),
        )
        return [self._full(row) for row in rows]

    def next_sequence(self, thread_id: str, sender: str) -> int:
        """One more than the last sequence `sender` used in the thread, 0 if none."""
        row = self.db.execute(
            "SELECT MAX(sequence) FROM messages WHERE thread_id = ? AND sender = ?",
            (thread_id, sender),
        ).fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    def due(self, now_ms: int, limit: int = 16) -> list[tuple[StoredMessage, int]]:
        """Unacknowledged received messages due for a push, with their attempt count."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS}, {_CONTENT}, attempts FROM messages"  # noqa: S608
            " WHERE direction = 'received' AND acked_ms IS NULL AND next_attempt_ms <= ?"
            " AND erased_ms IS NULL ORDER BY next_attempt_ms, cursor LIMIT ?",
            (now_ms, limit),
        )
        return [(self._full(row), int(row["attempts"])) for row in rows]

    def idempotent(self, sent_by: str, key: str) -> tuple[MessageSummary, str] | None:
        """The message `sent_by` sent with Idempotency-Key `key`, and the SHA-256 (hex) of
        that request, if there is one."""
        row = self.db.execute(
            f"SELECT {_COLUMNS}, request_hash FROM messages"  # noqa: S608
            " WHERE direction = 'sent' AND sent_by = ? AND idempotency_key = ?",
            (sent_by, key),
        ).fetchone()
        return None if row is None else (_summary(row), row["request_hash"])

    def outbox(self, limit: int = 64) -> list[Outgoing]:
        """Sent messages JetStream has not acknowledged yet, oldest first."""
        rows = self.db.execute(
            "SELECT message_id, thread_id, envelope, binding FROM messages"
            " WHERE direction = 'sent' AND envelope IS NOT NULL AND published_ms IS NULL"
            " ORDER BY cursor LIMIT ?",
            (limit,),
        )
        out = []
        for row in rows:
            label = value_label("envelope", "sent", row["message_id"])
            envelope = self.keys.open(row["thread_id"], row["envelope"], label) or b""
            out.append(
                Outgoing(row["message_id"], envelope, _binding_decoder.decode(row["binding"]))
            )
        return out

    def outbox_size(self) -> int:
        """How many sent messages wait for JetStream's acknowledgement."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM messages"
            " WHERE direction = 'sent' AND envelope IS NOT NULL AND published_ms IS NULL"
        ).fetchone()
        return int(row[0])

    def signed(self, message_id: str) -> SignedRecord | None:
        """The signed bytes of a received message, None if there is no such message or it
        was stored before they were kept."""
        row = self.db.execute(
            "SELECT message_id, thread_id, envelope_hash, accepted_ms, audit_seq, stored_ms,"
            " binding, body_bytes, inner_signature, sender_key_id, body_hash, erased_ms"
            " FROM messages WHERE message_id = ? AND direction = 'received'",
            (message_id,),
        ).fetchone()
        if row is None or row["body_hash"] is None or row["inner_signature"] is None:
            return None
        erased = row["erased_ms"] is not None
        label = value_label("body_bytes", "received", message_id)
        return SignedRecord(
            message_id=row["message_id"],
            envelope_hash=bytes.fromhex(row["envelope_hash"]),
            accepted_ms=row["accepted_ms"],
            audit_seq=row["audit_seq"],
            stored_ms=row["stored_ms"],
            binding=row["binding"],
            body=None if erased else self.keys.open(row["thread_id"], row["body_bytes"], label),
            inner_signature=row["inner_signature"],
            sender_key_id=bytes.fromhex(row["sender_key_id"]),
            body_hash=row["body_hash"],
            erasure=self.keys.last_erasure(row["thread_id"]) if erased else None,
        )

    def status_history(self) -> Iterator[tuple[Binding, Message]]:
        """Every MLA and extradition request and status stored, sent or received, in
        creation order: what the endpoint's state machines are rebuilt from after a
        restart."""
        rows = self.db.execute(
            "SELECT message_id, direction, thread_id, binding, body, body_bytes FROM messages"
            " WHERE kind IN"
            " ('mla_request', 'mla_status', 'extradition_request', 'extradition_status')"
            " AND refused IS NULL AND erased_ms IS NULL ORDER BY created_ms, cursor"
        )
        for row in rows:
            yield _binding_decoder.decode(row["binding"]), self._body(row)

    def recent_bodies(self, *, exclude: str, limit: int) -> Iterator[tuple[str, Message]]:
        """The bodies of the `limit` most recently stored messages other than `exclude`,
        newest first; erased and refused messages are left out."""
        rows = self.db.execute(
            "SELECT message_id, direction, thread_id, body, body_bytes FROM messages"
            " WHERE message_id != ? AND erased_ms IS NULL AND refused IS NULL"
            " AND kind NOT IN ('receipt', 'erasure_notice', 'erasure_confirmation')"
            " ORDER BY cursor DESC LIMIT ?",
            (exclude, limit),
        ).fetchall()
        for row in rows:
            try:
                body = self._body(row)
            except CaseErased:  # erased between the query and now
                continue
            yield row["message_id"], body

    def _body(self, row: sqlite3.Row) -> Message:
        """The body from the signed bytes, decrypted; rows from before schema 1 only have
        JSON. `CaseErased` for a message whose case was erased."""
        thread_id, ident = row["thread_id"], (row["direction"], row["message_id"])
        if row["body_bytes"] is not None:
            label = value_label("body_bytes", *ident)
            return decode_message(self.keys.open(thread_id, row["body_bytes"], label) or b"")
        if row["body"]:
            return decode_message_json(
                self.keys.open(thread_id, row["body"], value_label("body", *ident)) or b""
            )
        raise CaseErased(thread_id, self.keys.last_erasure(thread_id))

    def _full(self, row: sqlite3.Row) -> StoredMessage:
        return StoredMessage(**_summary_fields(row), body=self._body(row))

    def last_activity(self, before_ms: int) -> list[str]:
        """Threads with content still stored whose last message was stored before
        `before_ms` (what the retention period erases)."""
        rows = self.db.execute(
            "SELECT thread_id FROM messages GROUP BY thread_id"
            " HAVING MAX(stored_ms) < ? AND SUM(erased_ms IS NULL AND kind NOT IN"
            " ('erasure_notice', 'erasure_confirmation')) > 0",
            (before_ms,),
        )
        return [row[0] for row in rows]

    def participants(self, thread_id: str) -> set[str]:
        """Every authority that sent or received a message of the thread here; erasure
        notices and confirmations, and refused messages, make nobody a participant."""
        found: set[str] = set()
        for row in self.db.execute(
            "SELECT sender, recipients FROM messages WHERE thread_id = ? AND refused IS NULL"
            " AND kind NOT IN ('erasure_notice', 'erasure_confirmation')",
            (thread_id,),
        ):
            found.add(row["sender"])
            found.update(json.loads(row["recipients"]))
        return found

    def next_due_ms(self) -> int | None:
        """When the earliest unacknowledged received message is due, if any is."""
        row = self.db.execute(
            "SELECT MIN(next_attempt_ms) FROM messages"
            " WHERE direction = 'received' AND acked_ms IS NULL AND erased_ms IS NULL"
        ).fetchone()
        return None if row[0] is None else int(row[0])


def _summary_fields(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "message_id": row["message_id"],
        "direction": row["direction"],
        "cursor": row["cursor"],
        "kind": row["kind"],
        "sender": row["sender"],
        "recipients": json.loads(row["recipients"]),
        "thread_id": row["thread_id"],
        "sequence": row["sequence"],
        "in_reply_to": row["in_reply_to"],
        "handling": row["handling"],
        "priority": row["priority"],
        "victim_level": row["victim_level"],
        "envelope_hash": row["envelope_hash"],
        "created_ms": row["created_ms"],
        "accepted_ms": row["accepted_ms"],
        "audit_seq": row["audit_seq"],
        "stored_ms": row["stored_ms"],
        "acknowledged": row["acked_ms"] is not None,
        "acknowledged_ms": row["acked_ms"],
        "acknowledged_by": row["acked_by"],
        "sent_by": row["sent_by"],
        "broker_notice": row["notice"],
        "broker_reason": row["notice_reason"],
        "refused": row["refused"],
        "queued": row["direction"] == "sent"
        and bool(row["outboxed"])
        and row["published_ms"] is None,
    }


def _summary(row: sqlite3.Row) -> MessageSummary:
    return MessageSummary(**_summary_fields(row))
