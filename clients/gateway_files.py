"""The gateway's attachment routes: streamed upload and streamed, decrypting download.

`POST /v1/attachments` streams the request body to a spool file under the data
directory (mode 0700), hands that file to `attachments.upload` (which reads it on the
event loop, so it must not be a socket that may block) and removes it afterwards;
memory stays flat whatever the file size. `GET /v1/messages/{id}/attachments/{n}` decrypts from the
sender's evidence bucket as it streams. The attachments module holds back the last
piece until the whole object is verified (hash, final tag, plaintext digest); if that
fails the response is cut off without its final chunk, which HTTP clients report as an
incomplete transfer: discard what arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Annotated, Final

import msgspec
import structlog
from aiohttp import web
from msgspec import Meta
from nats.js import JetStreamContext

from schemas.envelope import now_ms
from schemas.records import ShortText, VictimLevel

from . import attachments
from .gateway_api import CALLER, STATE, ProblemError, json_response, params
from .gateway_schema import UploadResult
from .gateway_store import StoredUpload

__all__ = ["routes"]

log = structlog.get_logger(__name__)

SPOOL_DIR: Final = "spool"
SPOOL_CHUNK: Final = 64 * 1024


class UploadParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Query of `POST /v1/attachments` (the body is the file; its type the media type)."""

    file_name: ShortText
    victim_level: VictimLevel
    description: ShortText | None = None


def _spool_file(directory: Path) -> tuple[int, Path]:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix=".upload-")
    return fd, Path(name)


async def _spool(request: web.Request, out: IO[bytes], limit: int) -> None:
    """Copy the request body to `out` as it arrives; 413 over `limit` bytes, 400 if
    there is none (an attachment of zero bytes is evidence of nothing)."""
    size = 0
    async for piece in request.content.iter_chunked(SPOOL_CHUNK):
        size += len(piece)
        if size > limit:
            raise ProblemError(
                413, "too-large", "Upload too large", f"uploads are limited to {limit} bytes"
            )
        await asyncio.to_thread(out.write, piece)
    if size == 0:
        raise ProblemError(400, "empty-upload", "Empty upload", "the request has no body")


_JS: Final = web.AppKey("js", JetStreamContext)
Index = Annotated[int, Meta(ge=0, le=63)]


async def upload(request: web.Request) -> web.Response:
    """POST /v1/attachments: encrypt and store the streamed body; 201 with its id."""
    state, caller, js = request.app[STATE], request[CALLER], request.app[_JS]
    q = params(request, UploadParams)
    media_type = request.headers.get("Content-Type", "application/octet-stream")
    spool = Path(state.config.data_dir) / SPOOL_DIR
    fd, spooled = await asyncio.to_thread(_spool_file, spool)
    try:
        with open(fd, "wb") as out:  # noqa: ASYNC230 - writes go through to_thread
            await _spool(request, out, state.config.http.max_upload)
        stored = await attachments.upload(
            js, state.authority, spooled,
            file_name=q.file_name, media_type=media_type.split(";")[0].strip(),
            victim_level=q.victim_level, description=q.description,
        )  # fmt: skip
    except attachments.AttachmentInconsistent as exc:
        raise ProblemError(400, "invalid-attachment", "Invalid attachment", str(exc)) from exc
    except attachments.EvidenceQuotaExceeded as exc:
        # Not a retry-later: the authority's evidence bucket is full until something in it
        # is removed or the operator raises the quota.
        raise ProblemError(507, "quota-exceeded", "Evidence quota exceeded", str(exc)) from exc
    except attachments.AttachmentError as exc:
        raise ProblemError(503, "unavailable", "Evidence store unavailable", str(exc)) from exc
    finally:
        await asyncio.to_thread(spooled.unlink, missing_ok=True)
    upload_id = attachments.object_name(stored.ref.object_id)
    state.store.add_upload(
        StoredUpload(upload_id, caller.name, stored.ref, stored.descriptor), now_ms()
    )
    d = stored.descriptor
    log.info("attachment_uploaded", caller=caller.name, upload_id=upload_id, size=d.size)
    return json_response(
        UploadResult(
            upload_id=upload_id, object_id=d.object_id.hex(), file_name=d.file_name,
            media_type=d.media_type, size=d.size, victim_level=d.victim_level,
        ),
        201,
    )  # fmt: skip


async def download(request: web.Request) -> web.StreamResponse:
    """GET /v1/messages/{id}/attachments/{n}: the plaintext, decrypted as it streams."""
    state, js = request.app[STATE], request.app[_JS]
    message_id = request.match_info["message_id"]
    try:
        n = msgspec.convert(request.match_info["n"], Index, strict=False)
    except msgspec.ValidationError as exc:
        raise ProblemError(400, "bad-parameter", "Bad parameter", "n is 0..63") from exc
    message = state.store.get(message_id)
    descriptors = getattr(message.body, "attachments", []) if message else []
    if message is None or n >= len(descriptors):
        raise ProblemError(404, "not-found", "Not found", "no such attachment")
    descriptor = descriptors[n]
    refs = [r for r in state.store.refs(message_id) if r.object_id == descriptor.object_id]
    if not refs:
        raise ProblemError(404, "not-found", "Not found", "the envelope has no such reference")
    pieces = attachments.open_attachment(js, message.sender, descriptor, refs[0])
    async with contextlib.aclosing(pieces):
        try:
            first = await anext(pieces, b"")
        except attachments.AttachmentNotFound as exc:
            raise ProblemError(404, "not-found", "Not found", str(exc)) from exc
        except attachments.AttachmentUnavailable as exc:
            raise ProblemError(503, "unavailable", "Evidence store unavailable",
                               str(exc)) from exc  # fmt: skip
        except attachments.AttachmentError as exc:
            raise ProblemError(502, "attachment-invalid", "Attachment failed verification",
                               str(exc)) from exc  # fmt: skip
        response = web.StreamResponse(
            headers={
                "Content-Type": descriptor.media_type,
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
                "Content-Disposition": "attachment",
            }
        )
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            await response.write(first)
            async for piece in pieces:
                await response.write(piece)
        except attachments.AttachmentError as exc:
            # Headers are gone: cut the transfer short so the client sees it fail.
            log.warning("attachment_download_failed", message_id=message_id,
                        error=type(exc).__name__)  # fmt: skip
            if request.transport is not None:
                request.transport.close()
            return response
        await response.write_eof()
        return response


def routes(js: JetStreamContext) -> Callable[[web.Application], None]:
    """Add the attachment routes, which use `js` (the endpoint's JetStream context)."""

    def add(app: web.Application) -> None:
        app[_JS] = js
        app.router.add_post("/v1/attachments", upload)
        app.router.add_get("/v1/messages/{message_id}/attachments/{n}", download)

    return add
