"""Encrypted attachments through a real nats-server: format, failures, scale, memory."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import msgspec
import nats
import nats.js.errors
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nats.aio.client import Client
from nats.js import JetStreamContext

from broker import topology
from broker.natsserver import NatsServer
from clients import attachment_format, attachments
from clients.attachments import (
    FRAME,
    Attachment,
    AttachmentInconsistent,
    AttachmentKeyMismatch,
    AttachmentNotFound,
    AttachmentTampered,
    AttachmentTruncated,
    ChunkMissing,
    DigestMismatch,
    ciphertext_size,
    padded_length,
)
from clients.endpoint import Received
from schemas import _crypto
from schemas.kinds import MlaResponse
from schemas.kinds.common import CustodyEntry

from .brokerkit import Harness, running_broker
from .operatorkit import EVIDENCE, OperatorHub, operator_hub
from .test_endpoint import endpoint, first

SENDER = "ng-naptip"
RECIPIENT = "it-dna"
MIB = 1 << 20
CUSTODY = [
    CustodyEntry(
        at=dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC),
        action="seized",
        custodian="DC Smith",
        authority="gb-nca",
    )
]


@pytest.fixture
async def bucket(js: JetStreamContext) -> JetStreamContext:
    """The sender's evidence bucket, created as the broker does on registration."""
    await topology.bootstrap(js)
    await topology.register_authority(js, SENDER)
    return js


async def put(js: JetStreamContext, data: bytes, **kw: object) -> Attachment:
    """Upload `data` from memory as the sender."""
    fields: dict[str, object] = {
        "file_name": "statement-W1.mp4",
        "media_type": "video/mp4",
        "victim_level": "pseudonymised",
        **kw,
    }
    return await attachments.upload(js, SENDER, io.BytesIO(data), **fields)  # type: ignore[arg-type]


async def get(js: JetStreamContext, att: Attachment) -> bytes:
    """Download into memory as a recipient."""
    out = io.BytesIO()
    await attachments.download(js, SENDER, att.descriptor, att.ref, out)
    return out.getvalue()


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


async def _collect(pieces: AsyncIterator[bytes], into: list[bytes]) -> None:
    async for piece in pieces:
        into.append(piece)


# --- format ---------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=1 << 40))
def test_padding_bounds(size: int) -> None:
    """Padding never shrinks, costs at most 12 % past a frame; stored = header + padded + tags."""
    padded = padded_length(size)
    assert padded >= max(size, FRAME)
    assert size <= FRAME or padded <= size * 1.12
    frames = -(-padded // FRAME)
    assert ciphertext_size(size) == 24 + padded + 17 * frames


def test_small_attachments_look_alike() -> None:
    """Everything up to one frame is stored at one size; a byte more is a second frame."""
    assert {ciphertext_size(n) for n in (0, 1, 1000, FRAME)} == {24 + FRAME + 17}
    assert ciphertext_size(FRAME + 1) == 24 + padded_length(FRAME + 1) + 2 * 17


# --- round trips ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, FRAME, FRAME + 1, 3 * MIB + 12_345])
async def test_round_trip(bucket: JetStreamContext, size: int) -> None:
    """Bytes come back exactly; descriptor, reference and progress agree with the size."""
    data = os.urandom(size)
    seen: list[int] = []
    att = await attachments.upload(
        bucket, SENDER, io.BytesIO(data), file_name="a.bin",
        media_type="application/octet-stream", victim_level="none",
        custody=CUSTODY, description="exhibit 7", progress=seen.append,
    )  # fmt: skip
    d = att.descriptor
    assert (d.object_id, d.size, d.digest) == (
        att.ref.object_id,
        size,
        hashlib.sha256(data).digest(),
    )
    assert (d.custody, d.description) == (CUSTODY, "exhibit 7")
    assert att.ref.padded_size == ciphertext_size(size)
    assert seen[-1] == size
    out = io.BytesIO()
    got: list[int] = []
    assert await attachments.download(bucket, SENDER, d, att.ref, out, progress=got.append) == size
    assert out.getvalue() == data
    assert got[-1:] == ([size] if size else [])


async def test_blake2b_digest_and_path_io(bucket: JetStreamContext, tmp_path: Path) -> None:
    """A file is uploaded from a path with a BLAKE2b-256 digest and downloaded to a path."""
    source, target = tmp_path / "in.bin", tmp_path / "out.bin"
    source.write_bytes(os.urandom(MIB))
    att = await attachments.upload(
        bucket, SENDER, source, file_name="in.bin", media_type="application/octet-stream",
        victim_level="none", digest_algorithm="blake2b-256",
    )  # fmt: skip
    expected = hashlib.blake2b(source.read_bytes(), digest_size=32).digest()
    assert att.descriptor.digest == expected
    await attachments.download(bucket, SENDER, att.descriptor, att.ref, target)
    assert target.read_bytes() == source.read_bytes()
    assert _names(tmp_path) == ["in.bin", "nats", "out.bin"]


async def test_stored_as_a_nats_object(bucket: JetStreamContext) -> None:
    """The ciphertext is a standard NATS object whose bytes hash to the reference."""
    att = await put(bucket, os.urandom(MIB))
    store = await bucket.object_store(topology.evidence_bucket(SENDER))
    name = attachments.object_name(att.ref.object_id)
    info = await store.get_info(name)
    assert (info.size, info.chunks) == (att.ref.padded_size, 5)
    stored = (await store.get(name)).data or b""
    assert hashlib.blake2b(stored, digest_size=32).digest() == att.ref.ciphertext_hash


async def test_concurrent_uploads_interleave(bucket: JetStreamContext) -> None:
    """Interleaved chunks of simultaneous uploads still read back whole (read-ahead resyncs)."""
    blobs = [os.urandom(2 * MIB + i) for i in range(3)]
    atts = await asyncio.gather(*(put(bucket, b) for b in blobs))
    info = await bucket.stream_info(f"OBJ_{topology.evidence_bucket(SENDER)}")
    assert info.state.messages == 3 * 9 + 3
    for att, blob in zip(atts, blobs, strict=True):
        assert await get(bucket, att) == blob


async def test_delete(bucket: JetStreamContext) -> None:
    """A deleted object is gone: its chunks are purged and reading it is `NotFound`."""
    att = await put(bucket, os.urandom(MIB))
    await attachments.delete(bucket, SENDER, att.ref.object_id)
    info = await bucket.stream_info(f"OBJ_{topology.evidence_bucket(SENDER)}")
    assert info.state.messages == 1  # the meta, marked deleted
    with pytest.raises(AttachmentNotFound):
        await get(bucket, att)
    with pytest.raises(AttachmentNotFound):
        await attachments.delete(bucket, SENDER, os.urandom(16))


async def test_bad_descriptor_fields_store_nothing(bucket: JetStreamContext) -> None:
    """A media type out of the schema is refused before anything is stored."""
    with pytest.raises(AttachmentInconsistent):
        await put(bucket, b"x", media_type="Video/MP4; codecs=avc1")
    info = await bucket.stream_info(f"OBJ_{topology.evidence_bucket(SENDER)}")
    assert info.state.messages == 0


# --- failures -------------------------------------------------------------------------

Edit = Callable[[list[bytes]], list[bytes]]


def _flip(chunks: list[bytes]) -> list[bytes]:
    middle = bytearray(chunks[2])
    middle[1000] ^= 1
    return [*chunks[:2], bytes(middle), *chunks[3:]]


async def rewrite(js: JetStreamContext, att: Attachment, edit: Edit) -> None:
    """What a storage fault or someone with the bucket's storage could do: replace the
    object's chunks with `edit(chunks)`, leaving its meta as it was."""
    stream = f"OBJ_{topology.evidence_bucket(SENDER)}"
    store = await js.object_store(topology.evidence_bucket(SENDER))
    info = await store.get_info(attachments.object_name(att.ref.object_id))
    subject = f"$O.{topology.evidence_bucket(SENDER)}.C.{info.nuid}"
    chunks, seq = [], 1
    while True:
        try:
            msg = await js.get_msg(stream, seq=seq, subject=subject, direct=True, next=True)
        except nats.js.errors.NotFoundError:
            break
        chunks.append(msg.data or b"")
        seq = (msg.seq or 0) + 1
    await js.purge_stream(stream, subject=subject)
    for chunk in edit(chunks):
        await js.publish(subject, chunk)


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (_flip, AttachmentTampered),
        (lambda c: [*c[:2], *c[3:]], ChunkMissing),
        (lambda c: c[1:], ChunkMissing),
        (lambda c: c[:-1], AttachmentTruncated),
        (lambda c: [*c[:2], c[3], c[2], *c[4:]], AttachmentTampered),
        (lambda c: [*c[:-1], c[-1] + b"x"], AttachmentTampered),
    ],
    ids=["flipped-byte", "dropped-chunk", "dropped-first", "final-removed", "swapped", "longer"],
)
async def test_damaged_object_is_refused(
    bucket: JetStreamContext, tmp_path: Path, edit: Edit, error: type[Exception]
) -> None:
    """Each damage to the stored ciphertext has its own error; a path target is left absent."""
    att = await put(bucket, os.urandom(5 * 4 * FRAME))  # six chunks: header pushes one over
    assert att.ref.padded_size > 5 * attachments.CHUNK
    await rewrite(bucket, att, edit)
    with pytest.raises(error):
        await get(bucket, att)
    with pytest.raises(error):
        await attachments.download(bucket, SENDER, att.descriptor, att.ref, tmp_path / "x")
    assert _names(tmp_path) == ["nats"]


async def test_wrong_key_is_refused(bucket: JetStreamContext) -> None:
    """The referenced ciphertext with another key is `AttachmentKeyMismatch`."""
    att = await put(bucket, os.urandom(MIB))
    wrong = msgspec.structs.replace(att.descriptor, key=os.urandom(32))
    with pytest.raises(AttachmentKeyMismatch):
        await get(bucket, Attachment(att.ref, wrong))


async def test_digest_mismatch_is_refused(bucket: JetStreamContext) -> None:
    """A plaintext digest mismatch is refused before the last piece is handed over."""
    att = await put(bucket, os.urandom(FRAME + 5))
    wrong = msgspec.structs.replace(att.descriptor, digest=bytes(32))
    pieces: list[bytes] = []
    with pytest.raises(DigestMismatch):
        await _collect(attachments.open_attachment(bucket, SENDER, wrong, att.ref), pieces)
    assert 0 < sum(map(len, pieces)) < FRAME + 5


async def test_reference_disagreements_are_refused(bucket: JetStreamContext) -> None:
    """A reference disagreeing with the stored object or the descriptor is refused."""
    att = await put(bucket, os.urandom(MIB))
    other_hash = msgspec.structs.replace(att.ref, ciphertext_hash=bytes(32))
    with pytest.raises(AttachmentTampered):
        await get(bucket, Attachment(other_hash, att.descriptor))
    bigger = msgspec.structs.replace(att.descriptor, size=att.descriptor.size * 2)
    with pytest.raises(AttachmentInconsistent):
        await get(bucket, Attachment(att.ref, bigger))
    bigger_ref = msgspec.structs.replace(att.ref, padded_size=ciphertext_size(bigger.size))
    with pytest.raises(AttachmentTampered):
        await get(bucket, Attachment(bigger_ref, bigger))
    elsewhere = msgspec.structs.replace(att.ref, object_id=os.urandom(16))
    with pytest.raises(AttachmentInconsistent):
        await get(bucket, Attachment(elsewhere, att.descriptor))
    nowhere = os.urandom(16)
    with pytest.raises(AttachmentNotFound):
        await get(
            bucket,
            Attachment(
                msgspec.structs.replace(att.ref, object_id=nowhere),
                msgspec.structs.replace(att.descriptor, object_id=nowhere),
            ),
        )


def _crafted(object_id: bytes, frames: list[tuple[bytes, bool]]) -> tuple[bytes, bytes]:
    """A ciphertext a (faulty) sender could make: the given frames, tagged as given."""
    key = os.urandom(32)
    enc = _crypto.StreamEncryptor(key)
    ad = attachment_format.ASSOCIATED_LABEL + object_id
    return key, enc.header + b"".join(enc.push(f, final=t, associated=ad) for f, t in frames)


_DATA, _TAIL, _PADDED_TAIL = b"\1" * FRAME, b"\1" * 50 + bytes(1998), b"\1" * 2048


@pytest.mark.parametrize(
    ("frames", "error"),
    [
        ([(_DATA, False), (_TAIL, False)], AttachmentTruncated),
        ([(_DATA, True), (_TAIL, True)], AttachmentInconsistent),
        ([(_DATA, False), (_PADDED_TAIL, True)], AttachmentInconsistent),
    ],
    ids=["no-final-tag", "final-too-early", "non-zero-padding"],
)
async def test_malformed_stream_from_sender(
    bucket: JetStreamContext, frames: list[tuple[bytes, bool]], error: type[Exception]
) -> None:
    """A sender's hash-consistent stream without TAG_FINAL, final early or dirty padding fails."""
    att = await put(bucket, bytes(FRAME + 50))  # padded to FRAME + 2048: two frames
    key, ciphertext = _crafted(att.ref.object_id, frames)
    assert len(ciphertext) == att.ref.padded_size
    digest = hashlib.blake2b(ciphertext, digest_size=32).digest()
    await rewrite(bucket, att, lambda _: [ciphertext])
    ref = msgspec.structs.replace(att.ref, ciphertext_hash=digest)
    descriptor = msgspec.structs.replace(att.descriptor, key=key, size=FRAME + 50)
    with pytest.raises(error):
        await get(bucket, Attachment(ref, descriptor))


# --- under the deployment's permissions -----------------------------------------------


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[OperatorHub]:
    """A server in operator mode (no consumers for authorities, evidence in its own
    account) with both authorities registered."""
    async with operator_hub(tmp_path) as op:
        for authority in (SENDER, RECIPIENT):
            await op.register(authority, ["police"])
        yield op


async def test_round_trip_as_authority_users(hub: OperatorHub) -> None:
    """Under deployment permissions the recipient reads by direct get (through the
    wildcard evidence import) but may not delete."""
    a, b = await hub.connect(SENDER), await hub.connect(RECIPIENT)
    try:
        js_a = a.jetstream(domain=EVIDENCE, timeout=2)
        js_b = b.jetstream(domain=EVIDENCE, timeout=2)
        data = os.urandom(3 * MIB)
        att = await attachments.upload(
            js_a, SENDER, io.BytesIO(data), file_name="a.bin",
            media_type="application/octet-stream", victim_level="none",
        )  # fmt: skip
        out = io.BytesIO()
        await attachments.download(js_b, SENDER, att.descriptor, att.ref, out)
        assert out.getvalue() == data
        with pytest.raises(attachments.AttachmentUnavailable):
            await attachments.delete(js_b, SENDER, att.ref.object_id)
        await attachments.delete(js_a, SENDER, att.ref.object_id)
        with pytest.raises(AttachmentNotFound):
            await attachments.download(js_b, SENDER, att.descriptor, att.ref, io.BytesIO())
    finally:
        await a.close()
        await b.close()


# --- through the exchange -------------------------------------------------------------


async def test_50mb_evidence_through_broker_and_endpoints(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """A 50 MB exhibit sent in an MLA response via broker and endpoints downloads intact."""
    h = Harness(nc)
    await h.setup()
    await h.add(SENDER, roles=["central_authority"])  # MLA runs between judicial roles
    await h.add(RECIPIENT, roles=["central_authority"])
    source, target = tmp_path / "exhibit.mp4", tmp_path / "received.mp4"
    source.write_bytes(os.urandom(50_000_000))
    a_nc = await nats.connect(nats_server.url, inbox_prefix=topology.reply_prefix(SENDER))
    b_nc = await nats.connect(nats_server.url, inbox_prefix=topology.reply_prefix(RECIPIENT))
    try:
        async with running_broker(nats_server.url, h), \
                endpoint(nats_server.url, h, SENDER) as a, \
                endpoint(nats_server.url, h, RECIPIENT) as b:  # fmt: skip
            att = await attachments.upload(
                a_nc.jetstream(), SENDER, source, file_name="exhibit.mp4",
                media_type="video/mp4", victim_level="pseudonymised", custody=CUSTODY,
            )  # fmt: skip
            body = MlaResponse(request_id=os.urandom(16), summary="Statement of W1.",
                               attachments=[att.descriptor])  # fmt: skip
            await a.send(body, to=[RECIPIENT], attachments=[att.ref])
            event = await first(b, Received, wait=30)
            assert isinstance(event, Received)
            assert isinstance(event.body, MlaResponse)
            ((descriptor, ref),) = attachments.match(
                event.body.attachments, event.opened.binding.attachments
            )
            size = await attachments.download(
                b_nc.jetstream(), event.sender, descriptor, ref, target
            )
        assert size == 50_000_000
        assert hashlib.sha256(target.read_bytes()).digest() == descriptor.digest
        assert target.read_bytes() == source.read_bytes()
    finally:
        await a_nc.drain()
        await b_nc.drain()


# --- scale and memory -----------------------------------------------------------------

_CHILD = """
import asyncio, hashlib, json, os, sys, time
from pathlib import Path
import nats
from broker import topology
from clients import attachment_format, attachments

async def main(url, directory, size):
    source, target = directory / "source.bin", directory / "target.bin"
    digest = hashlib.sha256()
    with source.open("wb") as f:  # written a MiB at a time, never held whole
        for _ in range(size // (1 << 20)):
            block = os.urandom(1 << 20)
            digest.update(block)
            f.write(block)
    nc = await nats.connect(url, inbox_prefix=topology.reply_prefix(sys.argv[4]))
    js = nc.jetstream()
    started = time.perf_counter()
    att = await attachments.upload(js, sys.argv[4], source, file_name="disk.img",
        media_type="application/octet-stream", victim_level="none")
    uploaded = time.perf_counter()
    n = await attachments.download(js, sys.argv[4], att.descriptor, att.ref, target)
    downloaded = time.perf_counter()
    await nc.drain()
    check = hashlib.sha256()
    with target.open("rb") as f:
        while block := f.read(1 << 20):
            check.update(block)
    print(json.dumps({"bytes": n, "upload_s": uploaded - started,
        "download_s": downloaded - uploaded,
        "same": check.digest() == digest.digest() == att.descriptor.digest,
        "peak_rss_kib": peak_rss_kib()}))


def peak_rss_kib():
    # The kernel's high-water mark of this process image. Not ru_maxrss: across
    # fork and exec that keeps the parent's (the test runner's) high-water mark.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")

asyncio.run(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])))
"""


def _run_child(args: list[str]) -> dict[str, object]:
    """Run the child to its end and return what it printed."""
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(args, cwd=root, capture_output=True, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout)
    return result


async def test_1gib_round_trip_in_constant_memory(
    bucket: JetStreamContext, nats_server: NatsServer, tmp_path: Path
) -> None:
    """A 1 GiB round trip in a child process peaks under 100 MB RSS (kernel VmHWM)."""
    size = 1 << 30
    started = time.perf_counter()
    args = [sys.executable, "-c", _CHILD, nats_server.url, str(tmp_path), str(size), SENDER]
    result = await asyncio.to_thread(_run_child, args)
    wall = time.perf_counter() - started
    peak_mb = int(result["peak_rss_kib"]) / 1024  # type: ignore[call-overload]
    print(f"\n1 GiB: peak RSS {peak_mb:.1f} MB, wall {wall:.1f} s, {result}")
    assert result["bytes"] == size
    assert result["same"] is True
    assert peak_mb < 100
