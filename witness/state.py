"""What a witness remembers: for each log, the latest checkpoint it cosigned.

One file per log in the state directory, named by the SHA-256 of the origin (as the
spec's monitoring URL names it), holding the cosigned note: the log's signed checkpoint
and the witness's own cosignature. Each file is replaced atomically (written to a
temporary file, fsynced, renamed, and the directory fsynced), so a crash leaves either
the old or the new state, never a torn one; the state is persisted before the witness
answers. A lock file keeps a second witness process off the same directory, and a lock
per log makes check-and-advance one step (`Ledger.advance`).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from schemas.keystore import write_private
from schemas.note import Checkpoint, NoteError, NoteVerifier, open_checkpoint

from .errors import StateError

LOCK_FILE = ".lock"


def origin_hash(origin: str) -> str:
    """The lowercase hex SHA-256 of an origin: its file name and monitoring URL path."""
    return hashlib.sha256(origin.encode()).hexdigest()


@dataclass(frozen=True)
class Cosigned:
    """The latest checkpoint cosigned for one log, and its note as stored."""

    checkpoint: Checkpoint
    note: bytes


class Ledger:
    """The state directory: load at start, then `advance` one log at a time."""

    def __init__(self, directory: Path, logs: dict[str, NoteVerifier]) -> None:
        self._dir = directory
        self._logs = logs
        self._locks = {origin: asyncio.Lock() for origin in logs}
        self._latest: dict[str, Cosigned] = {}
        self._lock_file: IO[bytes] | None = None

    def open(self) -> None:
        """Create and lock the directory, and read every configured log's state.

        `StateError` if another process holds the directory, or a state file does not
        verify under its log's key (it was altered, or the log's key was replaced)."""
        try:
            self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._lock_file = open(self._dir / LOCK_FILE, "ab")  # noqa: SIM115
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self.close()
            raise StateError(f"another witness process uses {self._dir}") from exc
        except OSError as exc:
            self.close()
            raise StateError(f"state directory {self._dir}: {exc.strerror}") from exc
        for origin, verifier in self._logs.items():
            path = self._dir / origin_hash(origin)
            try:
                note = path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise StateError(f"cannot read the state of {origin!r}: {exc.strerror}") from exc
            try:
                self._latest[origin] = Cosigned(open_checkpoint(note, verifier), note)
            except NoteError as exc:
                raise StateError(f"state of {origin!r} does not verify: {exc}") from exc

    def close(self) -> None:
        """Release the directory lock (idempotent)."""
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def latest(self, origin: str) -> Cosigned | None:
        """The latest checkpoint cosigned for `origin`, if any."""
        return self._latest.get(origin)

    @contextlib.asynccontextmanager
    async def holding(self, origin: str) -> AsyncIterator[None]:
        """Hold `origin`'s lock: the check of the old size and the write of the new
        state happen inside it, so two requests cannot both advance from one state."""
        async with self._locks[origin]:
            yield

    async def advance(self, origin: str, cosigned: Cosigned) -> None:
        """Persist `cosigned` as `origin`'s latest (call while `holding(origin)`)."""
        if not self._locks[origin].locked():
            raise RuntimeError("advance() outside holding()")
        await asyncio.to_thread(self._write, self._dir / origin_hash(origin), cosigned.note)
        self._latest[origin] = cosigned

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        try:
            write_private(path, data)
        except OSError as exc:
            raise StateError(f"cannot write the state of {path.name}: {exc.strerror}") from exc
