"""A thin async client of the gateway's REST API, for investigators and integrations.

    async with GatewayClient("https://gateway.example:8580", api_key) as gw:
        sent = await gw.send(request, to=["it-dna"])
        thread = await gw.thread(sent.thread_id)

Results are the API's own typed documents (`gateway_schema`). Problem answers become
`GatewayError` subclasses carrying the problem document; a gateway that cannot be
reached is `GatewayUnavailable`.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import aiohttp
import msgspec

from schemas.kinds import Message
from schemas.records import Disclosure, HandlingCode, Priority, VictimLevel

from .errors import ClientError
from .gateway_evidence import EvidenceRecord
from .gateway_schema import (
    AckResult,
    MessageList,
    Problem,
    SendRequest,
    SendResult,
    Status,
    StoredMessage,
    ThreadView,
    UploadResult,
)

__all__ = [
    "Forbidden",
    "GatewayClient",
    "GatewayError",
    "GatewayUnavailable",
    "IdentifierRejected",
    "InvalidRequest",
    "NotFound",
    "PayloadTooLarge",
    "Rejected",
    "Unauthorized",
]

_T = TypeVar("_T")
_CHUNK = 64 * 1024


class GatewayError(ClientError):
    """The gateway answered with a problem document (kept as `problem`)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.status} {problem.title}: {problem.detail}")
        self.problem = problem
        self.status = problem.status


class InvalidRequest(GatewayError):
    """400: the request or the message body does not match its schema."""


class Unauthorized(GatewayError):
    """401: the API key is missing or unknown."""


class Forbidden(GatewayError):
    """403: the key's role may not do this (e.g. an officer acknowledging)."""


class NotFound(GatewayError):
    """404: no such message, thread or upload at this gateway."""


class PayloadTooLarge(GatewayError):
    """413: the body or upload is over its size cap."""


class Rejected(GatewayError):
    """422: the gateway refused to send (minimisation, recipient, state machine...)."""


class IdentifierRejected(Rejected):
    """422: a free-text field holds an identifier; `field` and `identifier` (its kind)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.field = problem.field
        self.identifier = problem.identifier


class EvidenceQuotaFull(GatewayError):
    """507: the authority's evidence bucket is at its byte quota; nothing was kept."""


class GatewayUnavailable(GatewayError):
    """The gateway, or NATS behind it, cannot be reached (5xx or no connection)."""


_BY_STATUS: dict[int, type[GatewayError]] = {
    400: InvalidRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    413: PayloadTooLarge,
    422: Rejected,
    507: EvidenceQuotaFull,
}
_problem_decoder = msgspec.json.Decoder(Problem)


def _error(status: int, body: bytes) -> GatewayError:
    try:
        problem = _problem_decoder.decode(body)
    except msgspec.DecodeError:
        problem = Problem(type="about:blank", title="HTTP error", status=status, detail="")
    if problem.identifier is not None:
        return IdentifierRejected(problem)
    return _BY_STATUS.get(status, GatewayUnavailable if status >= 500 else GatewayError)(problem)


def _unreachable(exc: BaseException) -> GatewayUnavailable:
    return GatewayUnavailable(
        Problem(
            type="about:blank",
            title="Gateway unreachable",
            status=503,
            detail=f"{type(exc).__name__}: the gateway did not answer",
        )
    )


class GatewayClient:
    """A client of one gateway with one API key (an async context manager)."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 60.0) -> None:
        self._base = base_url.rstrip("/")
        self._session = aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout),
        )

    async def __aenter__(self) -> GatewayClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session (idempotent)."""
        if not self._session.closed:
            await self._session.close()

    async def _call(
        self,
        method: str,
        path: str,
        result: type[_T],
        *,
        data: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> _T:
        try:
            async with self._session.request(
                method, self._base + path, data=data, params=params, headers=headers
            ) as response:
                body = await response.read()
                if response.status >= 400:
                    raise _error(response.status, body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _unreachable(exc) from exc
        try:
            return msgspec.json.decode(body, type=result)
        except msgspec.DecodeError as exc:
            raise _unreachable(exc) from exc

    async def send(
        self,
        message: Message,
        *,
        to: Sequence[str] = (),
        network: str | None = None,
        handling: HandlingCode = "H0",
        priority: Priority = "routine",
        thread_id: str | None = None,
        in_reply_to: str | None = None,
        sequence: int | None = None,
        disclosure: Disclosure | None = None,
        attachments: Sequence[str] = (),
        idempotency_key: str | None = None,
    ) -> SendResult:
        """POST /v1/messages. Ids are hex; `attachments` are upload ids. The result's
        `status` is `queued` when the gateway's outbox will publish it: do not send it
        again. With `idempotency_key`, repeating the same call returns the first answer
        instead of sending a second message."""
        request = SendRequest(
            message=message, to=[*to], network=network, handling=handling, priority=priority,
            thread_id=thread_id, in_reply_to=in_reply_to, sequence=sequence,
            disclosure=disclosure, attachments=[*attachments],
        )  # fmt: skip
        headers = {"Content-Type": "application/json"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return await self._call(
            "POST", "/v1/messages", SendResult, data=msgspec.json.encode(request),
            headers=headers,
        )  # fmt: skip

    async def list(
        self,
        *,
        after: int = 0,
        since: int | None = None,
        kind: str | None = None,
        thread: str | None = None,
        unacknowledged: bool = False,
        limit: int = 100,
    ) -> MessageList:
        """GET /v1/messages: received messages after cursor `after`, filtered."""
        params = {"after": str(after), "limit": str(limit)}
        if since is not None:
            params["since"] = str(since)
        if kind is not None:
            params["kind"] = kind
        if thread is not None:
            params["thread"] = thread
        if unacknowledged:
            params["unacknowledged"] = "true"
        return await self._call("GET", "/v1/messages", MessageList, params=params)

    async def get(self, message_id: str) -> StoredMessage:
        """GET /v1/messages/{id}: one message with its body."""
        return await self._call("GET", f"/v1/messages/{message_id}", StoredMessage)

    async def ack(self, message_id: str) -> AckResult:
        """POST /v1/messages/{id}/ack (system keys only)."""
        return await self._call("POST", f"/v1/messages/{message_id}/ack", AckResult)

    async def evidence(self, message_id: str) -> EvidenceRecord:
        """A received message's evidence record, to verify offline."""
        return await self._call("GET", f"/v1/messages/{message_id}/evidence", EvidenceRecord)

    async def status(self) -> Status:
        """The gateway's link to the exchange: connection, outbox, audit checkpoint."""
        return await self._call("GET", "/v1/status", Status)

    async def thread(self, thread_id: str) -> ThreadView:
        """GET /v1/threads/{id}: sent and received messages of the thread, in order."""
        return await self._call("GET", f"/v1/threads/{thread_id}", ThreadView)

    async def upload(
        self,
        source: Path | AsyncIterable[bytes],
        *,
        file_name: str,
        media_type: str,
        victim_level: VictimLevel,
        description: str | None = None,
    ) -> UploadResult:
        """POST /v1/attachments, streaming `source` (a file or async chunks)."""
        params = {"file_name": file_name, "victim_level": victim_level}
        if description is not None:
            params["description"] = description
        data = _file_chunks(source) if isinstance(source, Path) else source
        return await self._call(
            "POST", "/v1/attachments", UploadResult, data=data, params=params,
            headers={"Content-Type": media_type},
        )  # fmt: skip

    async def download(
        self,
        message_id: str,
        n: int,
        dest: Path,
        *,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> int:
        """GET /v1/messages/{id}/attachments/{n} into `dest`, streamed; bytes written.
        `progress(bytes so far, total or None)` is called after each piece. A partial
        file is removed on error."""
        url = f"{self._base}/v1/messages/{message_id}/attachments/{n}"
        written = 0
        try:
            async with self._session.get(url) as response:
                if response.status >= 400:
                    raise _error(response.status, await response.read())
                total = response.content_length
                with dest.open("wb") as out:
                    async for chunk in response.content.iter_chunked(_CHUNK):
                        out.write(chunk)
                        written += len(chunk)
                        if progress is not None:
                            progress(written, total)
        except (aiohttp.ClientError, TimeoutError) as exc:
            _discard(dest)
            raise _unreachable(exc) from exc
        except BaseException:
            _discard(dest)
            raise
        return written


def _discard(path: Path) -> None:
    path.unlink(missing_ok=True)


async def _file_chunks(path: Path) -> AsyncIterable[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            yield chunk
