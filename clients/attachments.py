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
import hashlib
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, Protocol

import msgspec
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import PubAck, RawStreamMsg

from broker import topology
from broker.jspub import Pipeline
from schemas import _crypto
from schemas.envelope import padme
from schemas.errors import ProtocolError
from schemas.kinds.common import AttachmentDescriptor, CustodyEntry, DigestAlgorithm
from schemas.records import VictimLevel
from schemas.wire import AttachmentRef

from .errors import ClientError

FRAME: Final = 64 * 1024
"""Plaintext bytes per secretstream message (the DESIGN's 64 KiB chunks)."""
SEALED_FRAME: Final = FRAME + _crypto.SECRETSTREAM_ABYTES
FRAMES_PER_CHUNK: Final = 4
CHUNK: Final = FRAMES_PER_CHUNK * SEALED_FRAME
"""Ciphertext bytes per object-store chunk message (262,212). A direct get costs a round
trip, so four frames per message double read throughput over one (measured); the
reader does not depend on it, any chunking of the same ciphertext reads the same."""
WINDOW: Final = 16
"""Chunk publishes in flight (about 4 MiB): enough to keep the server busy, and the
bound on what an upload holds in memory."""
ACK_TIMEOUT: Final = 10.0
"""Seconds to wait for JetStream's answer to one chunk. A permission refusal gets no
answer at all, only this timeout."""
ASSOCIATED_LABEL: Final = b"palermo/attachment/v1"
"""Every frame's associated data is this label followed by the 16-byte object id, so a
frame only opens as part of the object it was written for."""
OBJECT_ID_BYTES: Final = 16
READ_AHEAD: Final = 4
"""Direct gets in flight while reading (about 1 MiB of answers)."""

_ZERO_FRAME: Final = bytes(FRAME)


# --- errors ---------------------------------------------------------------------------


class AttachmentError(ClientError):
    """Base class of the errors raised while storing, reading or deleting an attachment."""


class AttachmentUnavailable(AttachmentError):
    """NATS did not answer or refused (timeout, no permission, no such bucket)."""


class AttachmentNotFound(AttachmentError):
    """The sender's bucket holds no such object (never stored, or deleted)."""


class AttachmentInconsistent(AttachmentError):
    """The descriptor, the reference and the authenticated content disagree: sizes,
    object ids, non-zero padding or a frame after the final one (the sender's fault)."""


class AttachmentTampered(AttachmentError):
    """The stored ciphertext is not the one the reference names (hash or size differ)."""


class ChunkMissing(AttachmentError):
    """A chunk of the stored object is missing: the ciphertext is shorter than stored
    and the frames after the gap do not open."""


class AttachmentTruncated(AttachmentError):
    """The stream ended without a frame tagged `TAG_FINAL`: it was cut short."""


class AttachmentKeyMismatch(AttachmentError):
    """The ciphertext is the one referenced, but the descriptor's key does not open it."""


class DigestMismatch(AttachmentError):
    """The decrypted plaintext does not match the digest in the descriptor."""


# --- format ---------------------------------------------------------------------------


def padded_length(size: int) -> int:
    """Plaintext length after padding: PADMÉ of `size`, at least one full frame."""
    return padme(max(size, FRAME))


def ciphertext_size(size: int) -> int:
    """Stored size (the reference's `padded_size`) of a `size`-byte attachment."""
    padded = padded_length(size)
    frames = -(-padded // FRAME)
    return _crypto.SECRETSTREAM_HEADER + padded + frames * _crypto.SECRETSTREAM_ABYTES


def object_name(object_id: bytes) -> str:
    """The object's name in the bucket: the hex of its id."""
    return object_id.hex()


def _stream(sender: str) -> str:
    return f"OBJ_{topology.evidence_bucket(sender)}"


def _meta_subject(sender: str, object_id: bytes) -> str:
    name = base64.urlsafe_b64encode(object_name(object_id).encode()).decode()
    return f"$O.{topology.evidence_bucket(sender)}.M.{name}"


def _chunk_subject(sender: str, nuid: str) -> str:
    return f"$O.{topology.evidence_bucket(sender)}.C.{nuid}"


def _associated(object_id: bytes) -> bytes:
    return ASSOCIATED_LABEL + object_id


class _Hash(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...


def _plaintext_hash(algorithm: DigestAlgorithm) -> _Hash:
    # Incremental hashes: _crypto wraps libsodium's one-shot calls only; hashlib's
    # SHA-256 and BLAKE2b-256 are the same functions, streamed.
    if algorithm == "sha256":
        return hashlib.sha256()
    return hashlib.blake2b(digest_size=32)


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


@dataclass(frozen=True)
class Attachment:
    """An uploaded attachment: `ref` for the binding, `descriptor` for the body."""

    ref: AttachmentRef
    descriptor: AttachmentDescriptor


# --- sealing --------------------------------------------------------------------------


def _read_full(source: IO[bytes], size: int) -> bytes:
    """`size` bytes, fewer only at the end (pipes and raw files may return short reads)."""
    data = source.read(size)
    while 0 < len(data) < size and (more := source.read(size - len(data))):
        data += more
    return data


class _Sealer:
    """Reads plaintext, yields ciphertext chunks; hashes both on the way."""

    def __init__(self, source: IO[bytes], object_id: bytes, algorithm: DigestAlgorithm) -> None:
        self.key = _crypto.random_bytes(_crypto.SECRETSTREAM_KEY)
        self._source = source
        self._associated = _associated(object_id)
        self._encryptor = _crypto.StreamEncryptor(self.key)
        self._frames = self._padded_frames()
        self._out = bytearray(self._encryptor.header)
        self._done = False
        self.size = 0
        self.plaintext = _plaintext_hash(algorithm)
        self.blake2b = hashlib.blake2b(digest_size=32)
        self.sha256 = hashlib.sha256()  # the object store's own digest, for NATS tools

    def _padded_frames(self) -> Iterator[tuple[bytes, bool]]:
        # One frame of look-ahead: only at the end of the input is the padded length,
        # and so which frame is final, known.
        frame = _read_full(self._source, FRAME)
        while len(frame) == FRAME:
            following = _read_full(self._source, FRAME)
            if not following:
                break
            self._account(frame)
            yield frame, False
            frame = following
        self._account(frame)
        remaining = padded_length(self.size) - (self.size - len(frame))
        while remaining > FRAME:
            yield frame + _ZERO_FRAME[len(frame) :], False
            remaining -= FRAME
            frame = b""
        yield frame + _ZERO_FRAME[: remaining - len(frame)], True

    def _account(self, frame: bytes) -> None:
        self.size += len(frame)
        self.plaintext.update(frame)

    def next_chunk(self) -> bytes | None:
        """The next ciphertext chunk (`CHUNK` bytes, the last one shorter), or None."""
        while len(self._out) < CHUNK and not self._done:
            frame, final = next(self._frames)
            self._out += self._encryptor.push(frame, final=final, associated=self._associated)
            self._done = final
        if not self._out:
            return None
        chunk = bytes(self._out[:CHUNK])
        del self._out[:CHUNK]
        self.blake2b.update(chunk)
        self.sha256.update(chunk)
        return chunk


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
                "key": bytes(_crypto.SECRETSTREAM_KEY),
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
    object_id = _crypto.random_bytes(OBJECT_ID_BYTES)
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
    nuid = _crypto.random_bytes(OBJECT_ID_BYTES).hex()
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
            finally:
                for future in pending:
                    future.cancel()
        info = _ObjectInfo(
            name=object_name(object_id),
            bucket=topology.evidence_bucket(sender),
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
            headers={"Nats-Rollup": "sub", "Nats-Expected-Last-Subject-Sequence": "0"},
        )
    except BaseException as exc:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(ACK_TIMEOUT):
                await js.purge_stream(_stream(sender), subject=subject)
        if isinstance(exc, (nats.errors.Error, TimeoutError)):
            raise AttachmentUnavailable(
                f"evidence bucket of {sender!r} did not store the attachment: {exc!r}"
            ) from exc
        raise


def _client(js: JetStreamContext) -> Client:
    # JetStreamContext keeps its connection privately; the pipeline publishes on it so
    # that the answers come back under the connection's own (permitted) inbox prefix.
    nc: Client = js._nc
    return nc


# --- opening --------------------------------------------------------------------------


class _Opener:
    """Takes ciphertext in pieces of any size, returns plaintext; decides the verdict.

    After a frame fails to open, the rest is only hashed, so that the end can tell a
    changed ciphertext (`AttachmentTampered`), a missing chunk (`ChunkMissing`) and a
    wrong key (`AttachmentKeyMismatch`) apart.
    """

    def __init__(self, descriptor: AttachmentDescriptor, ref: AttachmentRef) -> None:
        self._key = descriptor.key
        self._size = descriptor.size
        self._expected = ref.padded_size
        self._ref_hash = ref.ciphertext_hash
        self._associated = _associated(ref.object_id)
        self._frames = -(-padded_length(descriptor.size) // FRAME)
        self._decryptor: _crypto.StreamDecryptor | None = None
        self._buffer = bytearray()
        self._index = 0  # frames opened
        self._written = 0  # plaintext bytes returned
        self.received = 0
        self.failed = False
        self.final = False
        self.hash = hashlib.blake2b(digest_size=32)
        self.plaintext = _plaintext_hash(descriptor.digest_algorithm)

    def feed(self, piece: bytes) -> list[bytes]:
        """Hash `piece`, open every whole frame it completes, return their data."""
        self.received += len(piece)
        if self.received > self._expected:
            raise AttachmentTampered(
                f"object {self._name} holds more than the {self._expected} bytes referenced"
            )
        self.hash.update(piece)
        if self.failed:
            return []
        self._buffer += piece
        out: list[bytes] = []
        if self._decryptor is None:
            if len(self._buffer) < _crypto.SECRETSTREAM_HEADER:
                return out
            header = bytes(self._buffer[: _crypto.SECRETSTREAM_HEADER])
            del self._buffer[: _crypto.SECRETSTREAM_HEADER]
            try:
                self._decryptor = _crypto.StreamDecryptor(self._key, header)
            except _crypto.CryptoFailure:
                self._fail()
                return out
        while len(self._buffer) >= SEALED_FRAME and not self.failed:
            frame = bytes(self._buffer[:SEALED_FRAME])
            del self._buffer[:SEALED_FRAME]
            out.extend(self._open(frame))
        return out

    def finish(self) -> list[bytes]:
        """Open the last (short) frame and give the verdict; raises unless all is well."""
        out: list[bytes] = []
        if self.received < self._expected:
            if self.failed or self.final:
                raise ChunkMissing(
                    f"object {self._name} is {self.received} of {self._expected} bytes "
                    "and does not open past the gap"
                )
            raise AttachmentTruncated(
                f"object {self._name} ends after {self._index} frames, without TAG_FINAL"
            )
        if not self.failed and self._buffer:
            out.extend(self._open(bytes(self._buffer)))
            self._buffer.clear()
        if self.hash.digest() != self._ref_hash:
            raise AttachmentTampered(
                f"object {self._name} does not hash to the referenced ciphertext hash"
            )
        if self.failed:
            raise AttachmentKeyMismatch(
                f"object {self._name} is as referenced but does not open with its key"
            )
        if not self.final:
            raise AttachmentTruncated(f"object {self._name} has no frame tagged TAG_FINAL")
        return out

    @property
    def _name(self) -> str:
        return object_name(self._associated[len(ASSOCIATED_LABEL) :])

    def _fail(self) -> None:
        self.failed = True
        self._buffer.clear()

    def _open(self, sealed: bytes) -> list[bytes]:
        assert self._decryptor is not None  # noqa: S101 - set before the first frame
        try:
            frame, final = self._decryptor.pull(sealed, associated=self._associated)
        except _crypto.CryptoFailure:
            self._fail()
            return []
        self._index += 1
        # Only the key's holder can tag a frame: TAG_FINAL too early is the sender's
        # doing. Its absence on the last frame is truncation, told apart in `finish`.
        if final and self._index != self._frames:
            raise AttachmentInconsistent(
                f"object {self._name}: TAG_FINAL on frame {self._index} of {self._frames}"
            )
        self.final = final
        keep = max(0, min(len(frame), self._size - self._written))
        if frame[keep:] != _ZERO_FRAME[: len(frame) - keep]:
            raise AttachmentInconsistent(f"object {self._name} has non-zero padding")
        data = frame[:keep]
        self._written += keep
        self.plaintext.update(data)
        return [data] if data else []

    def check_digest(self, expected: bytes) -> None:
        """Compare the plaintext digest with the descriptor's."""
        if self.plaintext.digest() != expected:
            raise DigestMismatch(
                f"object {self._name}: plaintext does not match the descriptor's digest"
            )


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
        partial = dest.with_name(f".{dest.name}.{_crypto.random_bytes(8).hex()}.partial")
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
            headers={"Nats-Rollup": "sub"},
        )
        await js.purge_stream(_stream(sender), subject=_chunk_subject(sender, info.nuid))
    except (nats.errors.Error, TimeoutError) as exc:
        raise AttachmentUnavailable(
            f"object {object_id.hex()} of {sender!r} not deleted: {exc!r}"
        ) from exc
