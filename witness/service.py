"""The witness's HTTP service (c2sp.org/tlog-witness): `POST <prefix>/add-checkpoint`
and `GET <prefix>/<origin hash>/checkpoint`.

add-checkpoint checks, in the spec's order, and answers:

- 400 a body that is not "old N", proof lines, an empty line and a checkpoint note, or
  an old size above the checkpoint's size; 413 a body over `http.max_body`; 408 a body
  that takes longer than `http.read_timeout` to arrive;
- 404 a checkpoint whose origin is not a configured log;
- 403 a checkpoint without a valid signature by the log's key, or with a line by that
  key that does not verify;
- 409 (`text/x.tlog.size`, body "<size>\\n") an old size that is not the size of the
  latest checkpoint this witness cosigned for the log (0 if none);
- 422 a size-0 checkpoint whose root is not the empty tree's, a proof given with old
  size 0, a consistency proof that does not verify, or the same size with another root;
- 200 the witness's cosignature line, after the new checkpoint is persisted.

The old-size check and the write of the new state happen under one lock per log, so of
two concurrent requests from the same state only one advances; the other gets 409.
Every refusal carries a one-line plain-text reason. Nothing is authenticated beyond
the log's signature, as the spec says; checkpoints are public, so logging refusals
with origin and sizes discloses nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Final

import structlog
from aiohttp import web

from schemas import tlog
from schemas.keys import SigningKey
from schemas.note import (
    Checkpoint,
    NoteError,
    NoteMalformed,
    NoteVerifier,
    open_checkpoint,
    parse_note,
)
from schemas.witness import (
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    WitnessKey,
    cosign,
    format_size,
    merge_signatures,
)

from .config import WitnessConfig
from .state import Cosigned, Ledger, origin_hash

log = structlog.get_logger(__name__)


class Refused(Exception):
    """An add-checkpoint request the witness will not cosign: status and reason."""

    def __init__(self, status: int, reason: str, *, size: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.size = size


class Witness:
    """The witness's logic, independent of HTTP: `add_checkpoint(body)` returns the
    cosignature line or raises `Refused`.

    Args:
        name: the witness's key name.
        key: its cosigning key.
        logs: the logs it cosigns, by origin.
        ledger: its opened state directory.
        clock: POSIX seconds for the cosignature's timestamp (a seam for tests).
    """

    def __init__(
        self,
        name: str,
        key: SigningKey,
        logs: dict[str, NoteVerifier],
        ledger: Ledger,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.identity = WitnessKey.for_key(name, key)
        self._key = key
        self._logs = logs
        self.ledger = ledger
        self._clock = clock

    @property
    def origins(self) -> list[str]:
        """The origins of the logs this witness cosigns."""
        return list(self._logs)

    async def add_checkpoint(self, body: bytes) -> str:
        """Check and cosign one add-checkpoint request body (see the module docstring)."""
        try:
            request = AddCheckpoint.parse(body)
            checkpoint = Checkpoint.parse(parse_note(request.note).text)
        except NoteMalformed as exc:
            raise Refused(400, f"malformed request: {exc}") from exc
        verifier = self._logs.get(checkpoint.origin)
        if verifier is None:
            raise Refused(404, f"unknown log {checkpoint.origin!r}")
        try:
            open_checkpoint(request.note, verifier)
        except NoteError as exc:
            raise Refused(403, f"checkpoint not signed by the log's key: {exc}") from exc
        if request.old_size > checkpoint.size:
            raise Refused(400, f"old size {request.old_size} is above size {checkpoint.size}")
        async with self.ledger.holding(checkpoint.origin):
            latest = self.ledger.latest(checkpoint.origin)
            held = latest.checkpoint.size if latest else 0
            if request.old_size != held:
                raise Refused(
                    409, f"old size {request.old_size} is not the latest cosigned, {held}",
                    size=held,
                )  # fmt: skip
            self._check_consistency(request, checkpoint, latest)
            timestamp = int(self._clock())
            line = cosign(checkpoint, self.name, self._key, timestamp)
            # Keep the log's signature and ours (the monitoring answer), not the others.
            note = merge_signatures(_log_signed(request.note, checkpoint, verifier), [line])
            await self.ledger.advance(checkpoint.origin, Cosigned(checkpoint, note))
        log.info("checkpoint_cosigned", origin=checkpoint.origin, size=checkpoint.size, old=held)
        return line

    @staticmethod
    def _check_consistency(
        request: AddCheckpoint, checkpoint: Checkpoint, latest: Cosigned | None
    ) -> None:
        if checkpoint.size == 0 and checkpoint.root_hash != tlog.empty_root():
            raise Refused(422, "a checkpoint of size 0 must have the empty tree's root")
        if request.old_size == 0:
            if request.proof:
                raise Refused(422, "old size 0 takes no consistency proof")
            return
        # old_size is the size held, above 0 here: `latest` is what was cosigned at it.
        old_root = latest.checkpoint.root_hash if latest else tlog.empty_root()
        if request.old_size == checkpoint.size and old_root != checkpoint.root_hash:
            raise Refused(422, f"another root for size {checkpoint.size} was cosigned before")
        try:
            tlog.verify_consistency(
                request.old_size, checkpoint.size, old_root, checkpoint.root_hash, request.proof
            )
        except tlog.TreeError as exc:
            raise Refused(422, f"consistency proof does not verify: {exc}") from exc


WITNESS: Final = web.AppKey("witness", Witness)
CONFIG: Final = web.AppKey("config", WitnessConfig)


def _log_signed(note: bytes, checkpoint: Checkpoint, verifier: NoteVerifier) -> bytes:
    """The note with the log's signature lines only."""
    parsed = parse_note(note)
    lines = note.decode()[len(parsed.text) + 1 :].splitlines(keepends=True)
    kept = [
        line
        for line, sig in zip(lines, parsed.signatures, strict=True)
        if sig.name == verifier.name and sig.key_hash == verifier.key_hash
    ]
    return f"{checkpoint.text()}\n{''.join(kept)}".encode()


def _text(status: int, text: str, content_type: str = "text/plain") -> web.Response:
    return web.Response(status=status, text=text, content_type=content_type, charset="utf-8")


async def add_checkpoint(request: web.Request) -> web.Response:
    """`POST <prefix>/add-checkpoint`."""
    witness = request.app[WITNESS]
    config = request.app[CONFIG]
    try:
        async with asyncio.timeout(config.http.read_timeout):
            body = await request.read()
    except TimeoutError:
        return _text(408, "request body took too long\n")
    except web.HTTPRequestEntityTooLarge:
        return _text(413, f"request body is over {config.http.max_body} bytes\n")
    try:
        line = await witness.add_checkpoint(body)
    except Refused as exc:
        log.info("checkpoint_refused", status=exc.status, reason=exc.reason)
        if exc.status == 409:
            return web.Response(
                status=409, body=format_size(exc.size or 0), content_type=SIZE_CONTENT_TYPE
            )
        return _text(exc.status, exc.reason + "\n")
    return _text(200, line)


async def monitor_checkpoint(request: web.Request) -> web.Response:
    """`GET <prefix>/<origin hash>/checkpoint`: the latest checkpoint cosigned for the
    log, with the log's signature and this witness's cosignature; 404 if none."""
    witness = request.app[WITNESS]
    wanted = request.match_info["origin_hash"]
    for origin in witness.origins:
        if origin_hash(origin) == wanted:
            latest = witness.ledger.latest(origin)
            if latest is not None:
                return _text(200, latest.note.decode())
    return _text(404, "no checkpoint cosigned for this log\n")


def make_app(witness: Witness, config: WitnessConfig) -> web.Application:
    """The aiohttp application of `witness` under `config.http.prefix`."""
    app = web.Application(client_max_size=config.http.max_body)
    app[WITNESS] = witness
    app[CONFIG] = config
    prefix = config.http.prefix
    app.router.add_post(f"{prefix}/add-checkpoint", add_checkpoint)
    app.router.add_get(f"{prefix}/{{origin_hash:[0-9a-f]{{64}}}}/checkpoint", monitor_checkpoint)
    return app
