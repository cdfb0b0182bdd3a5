"""The attachment format, without the network: frames, padding, sealing, opening.

A fresh 32-byte key per attachment; libsodium secretstream over 64 KiB frames, each
bound to its object id, the last tagged TAG_FINAL (a truncated stream is an error);
zero padding up to a PADMÉ length; BLAKE2b-256 over the whole ciphertext. `_Sealer`
turns plaintext into ciphertext chunks and `_Opener` checks and opens them, deciding
which error a bad object earns. `clients.attachments` moves the chunks over NATS; see
`docs/attachments.md` for the byte layout.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import IO, Final, Protocol

from schemas import streamcrypto
from schemas.envelope import padme
from schemas.kinds.common import AttachmentDescriptor, DigestAlgorithm
from schemas.wire import AttachmentRef

from .errors import ClientError

FRAME: Final = 64 * 1024
"""Plaintext bytes per secretstream frame."""
SEALED_FRAME: Final = FRAME + streamcrypto.ABYTES
FRAMES_PER_CHUNK: Final = 4
CHUNK: Final = FRAMES_PER_CHUNK * SEALED_FRAME
"""Bytes per stored chunk message: four frames per message double read throughput over
one (measured); the reader does not depend on it, any chunking of the same ciphertext
reads the same."""
ASSOCIATED_LABEL: Final = b"palermo/attachment/v1"
"""Domain string before the object id in every frame's associated data, so that a
frame only opens as part of the object it was written for."""
OBJECT_ID_BYTES: Final = 16

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
    return streamcrypto.HEADER_BYTES + padded + frames * streamcrypto.ABYTES


def object_name(object_id: bytes) -> str:
    """The object's name in the bucket: the hex of its id."""
    return object_id.hex()


def _associated(object_id: bytes) -> bytes:
    return ASSOCIATED_LABEL + object_id


class _Hash(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...


def _plaintext_hash(algorithm: DigestAlgorithm) -> _Hash:
    # Incremental hashes: the libsodium wrapper has one-shot calls only; hashlib's
    # SHA-256 and BLAKE2b-256 are the same functions, streamed.
    if algorithm == "sha256":
        return hashlib.sha256()
    return hashlib.blake2b(digest_size=32)


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
        self.key = streamcrypto.random_bytes(streamcrypto.KEY_BYTES)
        self._source = source
        self._associated = _associated(object_id)
        self._encryptor = streamcrypto.StreamEncryptor(self.key)
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
        self._decryptor: streamcrypto.StreamDecryptor | None = None
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
            if len(self._buffer) < streamcrypto.HEADER_BYTES:
                return out
            header = bytes(self._buffer[: streamcrypto.HEADER_BYTES])
            del self._buffer[: streamcrypto.HEADER_BYTES]
            try:
                self._decryptor = streamcrypto.StreamDecryptor(self._key, header)
            except streamcrypto.CryptoFailure:
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
        except streamcrypto.CryptoFailure:
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
