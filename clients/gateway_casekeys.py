"""Per-case data keys of the gateway's store, and the erasure of a case.

The case is the thread: the one identifier both authorities' gateways share for a
case's messages (an erasure notice can name it, and the other side finds the same
messages under it). Each thread gets a random 32-byte data key the first time a
message of it is stored; every column that holds content (the signed body bytes, the
JSON body of rows from before schema 1, the sealed envelope of the outbox) is kept
encrypted under it (`schemas.storecrypto`), bound to the message id, direction and
column. Data keys are kept in `case_keys`, wrapped under the gateway's key-encryption
key (KEK): a random key in its own file (`erasure.kek_file`, mode 0600, generated on
first start like the linkage keys), so the database alone, or a backup of it without
that file, opens nothing.

Erasing a case deletes its data key, the ciphertexts, and the uploads its messages
reference (their descriptors hold the attachments' keys) with `secure_delete` on, then
vacuums and truncates the write-ahead log, so no page of the file keeps the key or the
content; the messages' metadata, binding, inner signature and `body_hash` stay, which
is all the evidence of an erased message needs. The erasure is recorded in `erasures`
(thread, time, legal basis, reference, who). A message of the thread stored after the
erasure gets a fresh key.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, get_args

from schemas.keystore import write_private
from schemas.kinds import ErasureLegalBasis
from schemas.storecrypto import DataUnreadable, body_hash, new_key, open_value, seal_value

from .errors import ClientError

__all__ = [
    "LEGAL_BASES",
    "CaseErased",
    "CaseKeys",
    "Erasure",
    "ErasureIncomplete",
    "KekInvalid",
    "StoreUnreadable",
    "load_kek",
    "value_label",
]

LEGAL_BASES: Final[tuple[str, ...]] = get_args(ErasureLegalBasis)

_KEY_LABEL: Final = b"palermo/gateway/case-key/v1\x00"
"""Associated data of a wrapped data key, with the thread id: a key row moved to another
thread no longer unwraps."""
_VALUE_LABEL: Final = b"palermo/gateway/value/v1\x00"
_HEX: Final = re.compile("^[0-9a-f]{64}$")

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS case_keys (
    thread_id   TEXT PRIMARY KEY,
    wrapped     BLOB NOT NULL,
    created_ms  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS erasures (
    erasure_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id   TEXT NOT NULL,
    erased_ms   INTEGER NOT NULL,
    legal_basis TEXT NOT NULL,
    reference   TEXT NOT NULL,
    erased_by   TEXT NOT NULL,
    messages    INTEGER NOT NULL,
    notice_of   TEXT
);
CREATE INDEX IF NOT EXISTS erasures_thread ON erasures (thread_id, erased_ms);
CREATE TABLE IF NOT EXISTS erasure_notices (
    erasure_id      INTEGER NOT NULL,
    thread_id       TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    notice_id       TEXT,
    sent_ms         INTEGER,
    confirmed_ms    INTEGER,
    confirmation_id TEXT,
    PRIMARY KEY (erasure_id, recipient)
);
"""
"""Tables of schema 2 (created by its migration, see `gateway_store`)."""


class KekInvalid(ClientError):
    """A key-encryption key file that does not hold 64 hex characters."""


class StoreUnreadable(ClientError):
    """A stored value or data key that does not open: another key-encryption key than
    the one it was stored under, or bytes altered on disk."""


class ErasureIncomplete(ClientError):
    """An erasure committed whose old pages could not all be overwritten yet."""


class CaseErased(ClientError):
    """The content of this message was erased; its metadata and evidence remain."""

    def __init__(self, thread_id: str, erasure: Erasure | None) -> None:
        self.thread_id = thread_id
        self.erasure = erasure
        super().__init__(f"the case data of thread {thread_id} was erased{_when(erasure)}")


@dataclass(frozen=True)
class Erasure:
    """One recorded erasure of a case."""

    erasure_id: int
    thread_id: str
    erased_ms: int
    legal_basis: str
    reference: str
    erased_by: str
    messages: int
    """How many messages' content it erased."""
    notice_of: str | None
    """The erasure notice that asked for it (a message id), if one did."""


def _when(erasure: Erasure | None) -> str:
    if erasure is None:
        return ""
    at = dt.datetime.fromtimestamp(erasure.erased_ms / 1000, dt.UTC).isoformat(timespec="seconds")
    return f" on {at} (legal basis {erasure.legal_basis})"


def load_kek(path: Path) -> bytes:
    """The key-encryption key in `path` (64 hex characters), generated if the file does
    not exist yet. `KekInvalid` if it holds anything else."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        key = new_key()
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, key.hex().encode() + b"\n")
        return key
    if not _HEX.fullmatch(text):
        raise KekInvalid(f"key-encryption key {path.name} is not 64 hex characters")
    return bytes.fromhex(text)


def value_label(column: str, direction: str, message_id: str) -> bytes:
    """Associated data of a stored value: the column, direction and message id it
    belongs to."""
    return _VALUE_LABEL + f"{column}\x00{direction}\x00{message_id}".encode()


class CaseKeys:
    """The data keys of one store's cases, on its connection, unwrapped on each use (no
    cache: a key erased by another process is gone for this one at once)."""

    def __init__(self, db: sqlite3.Connection, kek: bytes) -> None:
        self._db = db
        self._kek = kek

    def ensure(self, thread_id: str, now_ms: int) -> bytes:
        """The thread's data key, made and stored (at `now_ms`) if it has none."""
        key = self.key(thread_id, now_ms=now_ms)
        if key is None:  # pragma: no cover - `key` makes one when given now_ms
            raise StoreUnreadable(f"no data key could be made for thread {thread_id}")
        return key

    def key(self, thread_id: str, *, now_ms: int | None = None) -> bytes | None:
        """The thread's data key; with `now_ms`, made and stored if it has none."""
        row = self._db.execute(
            "SELECT wrapped FROM case_keys WHERE thread_id = ?", (thread_id,)
        ).fetchone()
        if row is not None:
            try:
                return open_value(self._kek, row[0], _KEY_LABEL + thread_id.encode())
            except DataUnreadable as exc:
                raise StoreUnreadable(
                    f"the data key of thread {thread_id} does not open under this gateway's"
                    " key-encryption key (another kek_file, or an altered store)"
                ) from exc
        if now_ms is None:
            return None
        key = new_key()
        wrapped = seal_value(self._kek, key, _KEY_LABEL + thread_id.encode())
        self._db.execute(
            "INSERT INTO case_keys (thread_id, wrapped, created_ms) VALUES (?,?,?)",
            (thread_id, wrapped, now_ms),
        )
        return key

    def seal(self, key: bytes, value: bytes | None, label: bytes) -> bytes | None:
        """`value` encrypted under the thread's `key` (None stays None)."""
        return None if value is None else seal_value(key, value, label)

    def open(self, thread_id: str, value: bytes | None, label: bytes) -> bytes | None:
        """A stored value of `thread_id` in the clear (None stays None). `CaseErased` when
        the thread's key is gone, `StoreUnreadable` when the value does not open."""
        if value is None:
            return None
        key = self.key(thread_id)
        if key is None:
            raise CaseErased(thread_id, self.last_erasure(thread_id))
        try:
            return open_value(key, value, label)
        except DataUnreadable as exc:
            raise StoreUnreadable(
                f"a stored value of thread {thread_id} does not open under its data key"
                " (altered or moved bytes)"
            ) from exc

    def last_erasure(self, thread_id: str) -> Erasure | None:
        """The thread's latest recorded erasure."""
        row = self._db.execute(
            "SELECT * FROM erasures WHERE thread_id = ? ORDER BY erased_ms DESC, erasure_id DESC"
            " LIMIT 1",
            (thread_id,),
        ).fetchone()
        return None if row is None else _erasure(row)

    def erasures(self, thread_id: str) -> list[Erasure]:
        """Every recorded erasure of the thread, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM erasures WHERE thread_id = ? ORDER BY erased_ms, erasure_id",
            (thread_id,),
        )
        return [_erasure(row) for row in rows]

    def erase(
        self,
        thread_id: str,
        *,
        now_ms: int,
        legal_basis: str,
        reference: str,
        erased_by: str,
        notice_of: str | None = None,
        notify: Iterable[str] = (),
        vacuum: bool = True,
    ) -> tuple[Erasure, bool]:
        """Erase the thread's data key and content; the erasure and True, or the latest
        erasure and False when there was nothing left to erase (erasing twice is
        harmless). The authorities in `notify` are queued for an erasure notice in the
        same transaction. `vacuum=False` leaves the file's compaction to the caller
        (one pass for many threads)."""
        if legal_basis not in LEGAL_BASES:
            raise ValueError(f"legal basis is one of {', '.join(LEGAL_BASES)}")
        db = self._db
        # Deleted cells are zeroed, not left in free space, while the key and the
        # ciphertexts go (only then: it costs every write several times over, and other
        # writes delete no content; VACUUM then rewrites the file anyway).
        db.execute("PRAGMA secure_delete=ON")
        db.execute("BEGIN IMMEDIATE")
        try:
            had_key = db.execute("DELETE FROM case_keys WHERE thread_id = ?", (thread_id,)).rowcount
            count = db.execute(
                "UPDATE messages SET body = x'', body_bytes = NULL, envelope = NULL,"
                " erased_ms = ? WHERE thread_id = ? AND erased_ms IS NULL",
                (now_ms, thread_id),
            ).rowcount
            _forget_uploads(db, thread_id)
            if not had_key and not count:
                db.execute("ROLLBACK")
                last = self.last_erasure(thread_id)
                if last is not None:
                    if vacuum:  # finish what an interrupted erasure left
                        compact(db)
                    return last, False
                raise LookupError(f"no thread {thread_id} at this gateway")
            cur = db.execute(
                "INSERT INTO erasures (thread_id, erased_ms, legal_basis, reference, erased_by,"
                " messages, notice_of) VALUES (?,?,?,?,?,?,?)",
                (thread_id, now_ms, legal_basis, reference, erased_by, count, notice_of),
            )
            erasure_id = int(cur.lastrowid or 0)
            db.executemany(
                "INSERT INTO erasure_notices (erasure_id, thread_id, recipient) VALUES (?,?,?)",
                [(erasure_id, thread_id, name) for name in sorted(set(notify))],
            )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.execute("PRAGMA secure_delete=OFF")
        if vacuum:
            compact(db)
        erasure = Erasure(
            erasure_id, thread_id, now_ms, legal_basis, reference, erased_by, count, notice_of
        )
        return erasure, True


def _forget_uploads(db: sqlite3.Connection, thread_id: str) -> None:
    """Delete the uploads the thread's messages reference: their descriptors hold the
    attachments' keys, which the erased bodies held too. (`AttachmentRef` is an array:
    the object id comes first.)"""
    objects = {
        ref[0]
        for (refs,) in db.execute("SELECT refs FROM messages WHERE thread_id = ?", (thread_id,))
        for ref in json.loads(refs)
    }
    if not objects:
        return
    gone = [
        upload_id
        for upload_id, ref in db.execute("SELECT upload_id, ref FROM uploads")
        if json.loads(ref)[0][0] in objects
    ]
    db.executemany("DELETE FROM uploads WHERE upload_id = ?", [(u,) for u in gone])


def compact(db: sqlite3.Connection, *, attempts: int = 50) -> None:
    """Rewrite the file without free pages and empty the write-ahead log, so no old page
    keeps an erased key or ciphertext (`secure_delete` already zeroed the cells). The
    log is truncated only when no other connection (the running gateway's) is reading
    it: try again briefly, then say so rather than claim it was done."""
    db.execute("VACUUM")
    for _ in range(attempts):
        busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if not busy:
            return
        time.sleep(0.05)
    raise ErasureIncomplete(
        "the erasure is committed, but the write-ahead log could not be emptied while "
        "another process reads the store; run the command again"
    )


def _erasure(row: sqlite3.Row) -> Erasure:
    return Erasure(
        erasure_id=row["erasure_id"],
        thread_id=row["thread_id"],
        erased_ms=row["erased_ms"],
        legal_basis=row["legal_basis"],
        reference=row["reference"],
        erased_by=row["erased_by"],
        messages=row["messages"],
        notice_of=row["notice_of"],
    )


def encrypt_rows(db: sqlite3.Connection, keys: CaseKeys) -> None:
    """Schema 2 of the store: encrypt the content of every row stored before it, under
    its case's new data key, and keep the hash of its signed body in the clear (run
    inside the migration's transaction)."""
    rows = db.execute(
        "SELECT cursor, message_id, direction, thread_id, stored_ms, body, body_bytes,"
        " envelope FROM messages"
    ).fetchall()
    for row in rows:
        key = keys.ensure(row["thread_id"], row["stored_ms"])
        ident = (row["direction"], row["message_id"])
        body_bytes = row["body_bytes"]
        db.execute(
            "UPDATE messages SET body = ?, body_bytes = ?, envelope = ?, body_hash = ?"
            " WHERE cursor = ?",
            (
                keys.seal(key, row["body"], value_label("body", *ident)) if row["body"] else b"",
                keys.seal(key, body_bytes, value_label("body_bytes", *ident)),
                keys.seal(key, row["envelope"], value_label("envelope", *ident)),
                None if body_bytes is None else body_hash(body_bytes),
                row["cursor"],
            ),
        )
