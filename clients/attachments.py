"""Encrypted evidence attachments in the sender's object store bucket.

An attachment is encrypted with a key of its own (libsodium secretstream, 64 KiB
frames, the last one tagged `TAG_FINAL`), padded to a PADMÉ length and stored as
ciphertext in the *sender's* evidence bucket under a random object id, in the layout
of a NATS object store. The message binding carries its `AttachmentRef` (object id,
padded size, ciphertext hash); the encrypted body carries its `AttachmentDescriptor`
(key, name, type, size, plaintext digest, custody). `docs/attachments.md` is the spec.

Uploads and downloads stream: memory stays constant whatever the size. Reading uses
direct gets only (an authority's NATS user may not create consumers), a few chunks
ahead of the one being decrypted.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import datetime as dt
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

import msgspec
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import PubAck, RawStreamMsg

from schemas import nats_names, streamcrypto
from schemas.errors import ProtocolError
from schemas.jspub import Pipeline
from schemas.kinds.common import AttachmentDescriptor, CustodyEntry, DigestAlgorithm
from schemas.records import VictimLevel
from schemas.wire import AttachmentRef

from .attachment_format import (
    CHUNK,
    FRAME,
    OBJECT_ID_BYTES,
    AttachmentError,
    AttachmentInconsistent,
    AttachmentKeyMismatch,
    AttachmentNotFound,
    AttachmentTampered,
    AttachmentTruncated,
    AttachmentUnavailable,
    ChunkMissing,
    DigestMismatch,
    _Opener,
    _Sealer,
    ciphertext_size,
    object_name,
    padded_length,
)
from .errors import QuotaExceeded

__all__ = [
    "CHUNK",
    "FRAME",
    "Attachment",
    "AttachmentError",
    "AttachmentInconsistent",
    "AttachmentKeyMismatch",
    "AttachmentNotFound",
    "AttachmentTampered",
    "AttachmentTruncated",
    "AttachmentUnavailable",
    "ChunkMissing",
    "DigestMismatch",
    "EvidenceQuotaExceeded",
    "ciphertext_size",
    "delete",
    "download",
    "match",
    "object_name",
    "open_attachment",
    "padded_length",
    "upload",
]

WINDOW: Final = 16
"""Chunk publishes in flight (about 4 MiB): enough to keep the server busy, and the
bound on what an upload holds in memory."""
ACK_TIMEOUT: Final = 10.0
"""Seconds to wait for JetStream's answer to one chunk. A permission refusal gets no
answer at all, only this timeout."""
READ_AHEAD: Final = 4
"""Direct gets in flight while reading (about 1 MiB of answers)."""


def _stream(sender: str) -> str:
    return nats_names.object_stream(nats_names.evidence_bucket(sender))


def _meta_subject(sender: str, object_id: bytes) -> str:
    name = base64.urlsafe_b64encode(object_name(object_id).encode()).decode()
    return f"$O.{nats_names.evidence_bucket(sender)}.M.{name}"


def _chunk_subject(sender: str, nuid: str) -> str:
    return f"$O.{nats_names.evidence_bucket(sender)}.C.{nuid}"


class _ObjectOptions(msgspec.Struct, omit_defaults=True):
    max_chunk_size: int = 0


class _ObjectInfo(msgspec.Struct, omit_defaults=True):
    """The object store's meta record, as the Go and Python NATS clients write it."""

    name: str
    bucket: str
    nuid: str
    size: int = 0
    mtime: str = ""
    chunks: int = 0
    digest: str = ""
    deleted: bool = False
    options: _ObjectOptions | None = None


ERR_MAX_BYTES: Final = 10077
"""JSStreamStoreFailedF with "maximum bytes exceeded": a write past the stream's
`max_bytes` (the evidence bucket's quota), refused with discard-new."""


class EvidenceQuotaExceeded(QuotaExceeded, AttachmentUnavailable):
    """An upload the server refused because the sender's evidence bucket is at its
    quota; an `AttachmentUnavailable` too, so callers that handle a bucket that did
    not store an upload handle this one."""


@dataclass(frozen=True)
class Attachment:
    """An uploaded attachment: `ref` for the binding, `descriptor` for the body."""

    ref: AttachmentRef
    descriptor: AttachmentDescriptor


async def upload(
    js: JetStreamContext,
    sender: str,
    source: IO[bytes] | Path,
    *,
    file_name: str,
    media_type: str,
    victim_level: VictimLevel,
    description: str | None = None,
    custody: Sequence[CustodyEntry] = (),
    digest_algorithm: DigestAlgorithm = "sha256",
    progress: Callable[[int], None] | None = None,
) -> Attachment:
    """Encrypt `source` under a fresh key and store it in `sender`'s evidence bucket.

    `source` (a path, or a file object positioned at the start) is read to its end a
    frame at a time; give a file or memory, not a pipe that may block, because reads,
    encryption and hashing run on the event loop, about a millisecond per chunk
    (measured faster than handing each chunk to a thread). `progress` is called with
    the plaintext bytes done so far. Chunks are published pipelined, at most `WINDOW`
    unanswered. On any failure the chunks already stored are purged.

    Raises `AttachmentUnavailable` if the bucket does not store it, or
    `AttachmentInconsistent` if the descriptor's fields are out of range.
    """
    try:
        # Checked before anything is read or stored: a bad media type should not cost
        # an upload. The computed fields are filled in afterwards.
        template = msgspec.convert(
            {
                "object_id": bytes(OBJECT_ID_BYTES),
                "key": bytes(streamcrypto.KEY_BYTES),
                "file_name": file_name,
                "media_type": media_type,
                "size": 0,
                "digest_algorithm": digest_algorithm,
                "digest": bytes(32),
                "victim_level": victim_level,
                "description": description,
                "custody": [msgspec.to_builtins(entry) for entry in custody],
            },
            AttachmentDescriptor,
        )
    except (msgspec.ValidationError, ProtocolError) as exc:
        raise AttachmentInconsistent(f"attachment descriptor refused: {exc}") from exc
    object_id = streamcrypto.random_bytes(OBJECT_ID_BYTES)
    if isinstance(source, Path):
        with await asyncio.to_thread(source.open, "rb") as stream:
            sealer = _Sealer(stream, object_id, digest_algorithm)
            await _store(js, sender, object_id, sealer, progress)
    else:
        sealer = _Sealer(source, object_id, digest_algorithm)
        await _store(js, sender, object_id, sealer, progress)
    ref = AttachmentRef(object_id, ciphertext_size(sealer.size), sealer.blake2b.digest())
    descriptor = msgspec.structs.replace(
        template,
        object_id=object_id,
        key=sealer.key,
        size=sealer.size,
        digest=sealer.plaintext.digest(),
    )
    return Attachment(ref, descriptor)


async def _store(
    js: JetStreamContext,
    sender: str,
    object_id: bytes,
    sealer: _Sealer,
    progress: Callable[[int], None] | None,
) -> None:
    nuid = streamcrypto.random_bytes(OBJECT_ID_BYTES).hex()
    subject = _chunk_subject(sender, nuid)
    chunks = 0
    try:
        async with Pipeline(_client(js)) as pipe:
            pending: collections.deque[asyncio.Future[PubAck]] = collections.deque()
            try:
                while (chunk := sealer.next_chunk()) is not None:
                    if len(pending) >= WINDOW:
                        await asyncio.wait_for(pending.popleft(), ACK_TIMEOUT)
                    pending.append(await pipe.publish(subject, chunk))
                    chunks += 1
                    if progress is not None:
                        progress(sealer.size)
                while pending:
                    await asyncio.wait_for(pending.popleft(), ACK_TIMEOUT)
            except Exception:
                # Chunks already sent may still be stored after a refusal (a quota full
                # now has room again once the purge below runs): wait for their answers
                # first, so the purge comes after them and leaves no orphan chunk.
                if pending:
                    await asyncio.wait(pending, timeout=ACK_TIMEOUT)
                raise
            finally:
                for future in pending:
                    future.cancel()
        info = _ObjectInfo(
            name=object_name(object_id),
            bucket=nats_names.evidence_bucket(sender),
            nuid=nuid,
            size=ciphertext_size(sealer.size),
            mtime=dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
            chunks=chunks,
            digest="SHA-256=" + base64.urlsafe_b64encode(sealer.sha256.digest()).decode(),
            options=_ObjectOptions(max_chunk_size=CHUNK),
        )
        # Object ids are random and never reused: refuse to replace an existing meta.
        await js.publish(
            _meta_subject(sender, object_id),
            msgspec.json.encode(info),
            headers={
                nats_names.HEADER_ROLLUP: "sub",
                nats_names.HEADER_EXPECTED_LAST_SUBJECT_SEQ: "0",
            },
        )
    except BaseException as exc:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(ACK_TIMEOUT):
                await js.purge_stream(_stream(sender), subject=subject)
        if isinstance(exc, nats.js.errors.APIError) and exc.err_code == ERR_MAX_BYTES:
            raise await _quota_exceeded(js, sender, sealer.size) from exc
        if isinstance(exc, (nats.errors.Error, TimeoutError)):
            raise AttachmentUnavailable(
                f"evidence bucket of {sender!r} did not store the attachment: {exc!r}"
            ) from exc
        raise


async def _quota_exceeded(
    js: JetStreamContext, sender: str, attempted: int
) -> EvidenceQuotaExceeded:
    """The error for an upload refused at the quota, with the bucket's figures."""
    quota = stored = None
    with contextlib.suppress(nats.errors.Error, TimeoutError):
        async with asyncio.timeout(ACK_TIMEOUT):
            info = await js.stream_info(_stream(sender))
        quota, stored = info.config.max_bytes, info.state.bytes
    figures = (
        f"its quota is {quota} bytes and it holds {stored}"
        if quota is not None
        else "its quota could not be read"
    )
    return EvidenceQuotaExceeded(
        f"evidence bucket of {sender!r} is full: {figures}; the upload was refused after "
        f"{attempted} bytes and nothing of it is kept (delete attachments no longer "
        "needed, or ask the operator for a larger quota)",
        bucket=nats_names.evidence_bucket(sender),
        quota=quota,
        stored=stored,
    )


def _client(js: JetStreamContext) -> Client:
    # JetStreamContext keeps its connection privately; the pipeline publishes on it so
    # that the answers come back under the connection's own (permitted) inbox prefix.
    nc: Client = js._nc
    return nc


def _check_pair(descriptor: AttachmentDescriptor, ref: AttachmentRef) -> None:
    if descriptor.object_id != ref.object_id:
        raise AttachmentInconsistent(
            f"descriptor names object {descriptor.object_id.hex()}, "
            f"the reference {ref.object_id.hex()}"
        )
    if ref.padded_size != ciphertext_size(descriptor.size):
        raise AttachmentInconsistent(
            f"object {ref.object_id.hex()}: a {descriptor.size}-byte attachment is "
            f"{ciphertext_size(descriptor.size)} bytes stored, the reference says "
            f"{ref.padded_size}"
        )


def match(
    descriptors: Sequence[AttachmentDescriptor], refs: Sequence[AttachmentRef]
) -> list[tuple[AttachmentDescriptor, AttachmentRef]]:
    """Pair a received body's descriptors with its binding's references by object id,
    in descriptor order. Raises `AttachmentInconsistent` unless each names exactly one
    of the other."""
    by_id = {ref.object_id: ref for ref in refs}
    pairs = [(d, by_id[d.object_id]) for d in descriptors if d.object_id in by_id]
    if len(pairs) != len(descriptors) or len(by_id) != len(refs) or len(refs) != len(pairs):
        raise AttachmentInconsistent(
            f"{len(descriptors)} descriptors and {len(refs)} references do not pair up"
        )
    return pairs


async def _meta(js: JetStreamContext, sender: str, object_id: bytes) -> _ObjectInfo:
    try:
        msg = await js.get_msg(
            _stream(sender), subject=_meta_subject(sender, object_id), direct=True
        )
        info = msgspec.json.decode(msg.data or b"", type=_ObjectInfo)
    except nats.js.errors.NotFoundError as exc:
        raise AttachmentNotFound(
            f"no object {object_id.hex()} in the evidence bucket of {sender!r}"
        ) from exc
    except msgspec.DecodeError as exc:
        raise AttachmentTampered(f"object {object_id.hex()} has an unreadable meta") from exc
    except (nats.errors.Error, TimeoutError) as exc:
        raise AttachmentUnavailable(f"evidence bucket of {sender!r} unreadable: {exc!r}") from exc
    if info.deleted:
        raise AttachmentNotFound(f"object {object_id.hex()} of {sender!r} was deleted")
    return info


async def _chunks(
    js: JetStreamContext, sender: str, info: _ObjectInfo
) -> AsyncGenerator[bytes, None]:
    """The object's chunks in order, by direct gets kept `READ_AHEAD` deep.

    A get asks for the first chunk at or after a sequence. The requests ahead guess
    that the chunks are contiguous in the stream, as they are unless another upload
    ran at the same time; a guess that lands past a gap returns a later chunk, and
    reading resumes after it, so the answer is right either way.
    """
    stream, subject = _stream(sender), _chunk_subject(sender, info.nuid)

    async def get(seq: int) -> RawStreamMsg | None:
        try:
            return await js.get_msg(stream, seq=seq, subject=subject, direct=True, next=True)
        except nats.js.errors.NotFoundError:
            return None
        except (nats.errors.Error, TimeoutError) as exc:
            raise AttachmentUnavailable(
                f"evidence bucket of {sender!r} unreadable: {exc!r}"
            ) from exc

    pending: collections.deque[tuple[int, asyncio.Future[RawStreamMsg | None]]]
    pending = collections.deque()
    ask = expect = 1
    try:
        for _ in range(info.chunks):
            while True:
                while len(pending) < READ_AHEAD:
                    pending.append((ask, asyncio.ensure_future(get(ask))))
                    ask += 1
                seq, future = pending.popleft()
                if seq == expect:
                    break
                future.cancel()  # a guess from before a gap
            msg = await future
            if msg is None or msg.seq is None:
                return
            expect = msg.seq + 1
            ask = max(ask, expect)
            yield msg.data or b""
    finally:
        for _, future in pending:
            future.cancel()
        await asyncio.gather(*(future for _, future in pending), return_exceptions=True)


async def open_attachment(
    js: JetStreamContext,
    sender: str,
    descriptor: AttachmentDescriptor,
    ref: AttachmentRef,
) -> AsyncGenerator[bytes, None]:
    """The plaintext of an attachment in `sender`'s bucket, a frame (64 KiB) at a time.

    Each piece comes from frames that opened under the descriptor's key, but the object
    as a whole is verified (ciphertext hash, `TAG_FINAL`, plaintext digest) only when the
    iteration ends: the last piece is held back until then. On an error, discard what
    was received. Raises the `AttachmentError` subclass that names what is wrong.
    """
    _check_pair(descriptor, ref)
    info = await _meta(js, sender, ref.object_id)
    if info.size != ref.padded_size:
        raise AttachmentTampered(
            f"object {ref.object_id.hex()} is {info.size} bytes stored, "
            f"the reference says {ref.padded_size}"
        )
    opener = _Opener(descriptor, ref)
    held: bytes | None = None
    async with contextlib.aclosing(_chunks(js, sender, info)) as chunks:
        async for chunk in chunks:
            for data in opener.feed(chunk):
                if held is not None:
                    yield held
                held = data
    for data in opener.finish():
        if held is not None:
            yield held
        held = data
    opener.check_digest(descriptor.digest)
    if held is not None:
        yield held


async def download(
    js: JetStreamContext,
    sender: str,
    descriptor: AttachmentDescriptor,
    ref: AttachmentRef,
    dest: IO[bytes] | Path,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Fetch, verify and decrypt an attachment from `sender`'s bucket into `dest`;
    return the plaintext bytes written.

    A `Path` is written beside itself and renamed into place only once everything is
    verified, so it never holds unverified content; a file object is written as the
    plaintext arrives, and its content must be discarded if this raises.
    `progress` is called with the plaintext bytes written so far.
    Raises the `AttachmentError` subclass that names what is wrong.
    """
    if isinstance(dest, Path):
        partial = dest.with_name(f".{dest.name}.{streamcrypto.random_bytes(8).hex()}.partial")
        try:
            with await asyncio.to_thread(partial.open, "xb") as out:
                written = await _write(js, sender, descriptor, ref, out, progress)
            await asyncio.to_thread(partial.replace, dest)
        finally:
            await asyncio.to_thread(partial.unlink, missing_ok=True)
        return written
    return await _write(js, sender, descriptor, ref, dest, progress)


async def _write(
    js: JetStreamContext,
    sender: str,
    descriptor: AttachmentDescriptor,
    ref: AttachmentRef,
    out: IO[bytes],
    progress: Callable[[int], None] | None,
) -> int:
    written = 0
    async with contextlib.aclosing(open_attachment(js, sender, descriptor, ref)) as pieces:
        async for data in pieces:
            out.write(data)
            written += len(data)
            if progress is not None:
                progress(written)
    return written


# --- deleting -------------------------------------------------------------------------


async def delete(js: JetStreamContext, sender: str, object_id: bytes) -> None:
    """Delete one of `sender`'s own objects: its meta is marked deleted (as NATS object
    stores do) and its chunks are purged. Raises `AttachmentNotFound` or
    `AttachmentUnavailable`."""
    info = await _meta(js, sender, object_id)
    deleted = _ObjectInfo(
        name=info.name, bucket=info.bucket, nuid=info.nuid, deleted=True, options=info.options
    )
    try:
        await js.publish(
            _meta_subject(sender, object_id),
            msgspec.json.encode(deleted),
            headers={nats_names.HEADER_ROLLUP: "sub"},
        )
        await js.purge_stream(_stream(sender), subject=_chunk_subject(sender, info.nuid))
    except (nats.errors.Error, TimeoutError) as exc:
        raise AttachmentUnavailable(
            f"object {object_id.hex()} of {sender!r} not deleted: {exc!r}"
        ) from exc
