"""The gateway's REST API (aiohttp), versioned under `/v1`.

Every path but `/healthz` and `/v1/openapi.json` needs ``Authorization: Bearer <key>``;
the key's SHA-256 is compared in constant time with every configured hash. Errors are
RFC 9457 problem documents; a minimisation refusal names the field and the kind of
identifier, never its value. `docs/gateway-guide.md` describes every endpoint.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import decimal
import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Final, TypeVar

import msgspec
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from msgspec import UNSET, Meta, UnsetType

from schemas.envelope import Sealed, parse
from schemas.errors import (
    DirectoryError,
    IdentifierInFreeText,
    Malformed,
    MinimisationError,
    ProtocolError,
    TooLarge,
)
from schemas.http_problem import NO_STORE, bearer_auth, problem_middleware, problem_type
from schemas.http_problem import ProblemError as HttpProblemError
from schemas.kinds import AttachmentDescriptor, Message, decode_message_json, encode_message
from schemas.minimise import minimise
from schemas.wire import AttachmentRef

from .errors import ClientError, DirectoryUnavailable, SendFailed, UnknownRecipient
from .gateway_casekeys import CaseErased
from .gateway_config import ApiKey, GatewayConfig
from .gateway_erasure import erasure_status
from .gateway_evidence import evidence_record
from .gateway_linkage import LinkageKeys
from .gateway_links import DEFAULT_WINDOW, MAX_WINDOW, collect, compare
from .gateway_schema import (
    AckResult,
    HexId,
    MessageList,
    MessageSummary,
    Problem,
    ProblemFinding,
    SendRequestRaw,
    SendResult,
    Status,
    ThreadView,
    UInt,
)
from .gateway_store import MessageStore

__all__ = ["CALLER", "STATE", "GatewayState", "ProblemError", "json_response", "make_app"]

log = structlog.get_logger(__name__)

PROBLEM_BASE: Final = "tag:palermo.example,2025:gateway/"
PUBLIC_PATHS: Final = frozenset({"/healthz", "/v1/openapi.json"})
_HEADERS: Final = NO_STORE
_HEX_ID: Final = re.compile("^[0-9a-f]{32}$")
_IDEMPOTENCY_KEY: Final = re.compile("[\x21-\x7e]{1,255}")
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
_PATH: Final = re.compile(r" - at `(\$(?:\.[a-z_][a-z0-9_]*|\[[0-9]{1,6}\])*)`$")
_encoder: Final = msgspec.json.Encoder()
_send_decoder: Final = msgspec.json.Decoder(SendRequestRaw)

Sealer = Callable[..., Awaitable[Sealed]]
"""`Endpoint.seal_message`, or anything with its signature."""
Dispatcher = Callable[[Sealed, Message], Awaitable[bool]]
"""`Outbox.dispatch`: publish a stored sealed message; False if it stays queued."""


@dataclass
class GatewayState:
    """What the handlers work with; built and owned by `Gateway`."""

    config: GatewayConfig
    authority: str
    store: MessageStore
    seal: Sealer
    dispatch: Dispatcher
    linkage: LinkageKeys
    clock: Callable[[], int]
    connected: Callable[[], bool]
    stored: Callable[[], None] = lambda: None
    """Called after the API changes what the webhook pusher should look at."""
    extra_routes: list[Callable[[web.Application], None]] = field(default_factory=list)
    checkpoint: tuple[int, bytes] | None = None
    """Size and root of the latest audit checkpoint verified (set by the gateway)."""
    split_view: str | None = None
    """Why the audit log is known to show two histories, once it has (set by the gateway)."""


STATE: Final = web.AppKey("gateway_state", GatewayState)
CALLER: Final = web.RequestKey("caller", ApiKey)


class ProblemError(HttpProblemError):
    """A problem answer of the gateway API, with its richer document (`Problem`)."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        *,
        code: str | None = None,
        field: str | None = None,
        identifier: str | None = None,
        findings: list[ProblemFinding] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        document = Problem(
            type=problem_type(PROBLEM_BASE, slug),
            title=title,
            status=status,
            detail=detail,
            code=code,
            field=field,
            identifier=identifier,
            findings=findings,
        )
        super().__init__(document, headers)


def json_response(data: Any, status: int = 200) -> web.Response:
    """`data` (a Struct or plain value) as a JSON response."""
    return web.Response(
        status=status,
        body=_encoder.encode(data),
        headers={**_HEADERS, "Content-Type": "application/json"},
    )


# --- middleware ----------------------------------------------------------------------


def _problems() -> Middleware:
    return problem_middleware(
        base=PROBLEM_BASE, log_prefix="gateway", internal_detail="see the gateway log"
    )


def _set_caller(request: web.Request, caller: ApiKey) -> None:
    request[CALLER] = caller


@web.middleware
async def _erased(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Any read of a message whose case was erased answers 410 Gone: when, and on which
    legal basis (never what it said)."""
    try:
        return await handler(request)
    except CaseErased as exc:
        raise ProblemError(410, "erased", "Erased", str(exc)) from exc


def _auth(keys: list[ApiKey]) -> Middleware:
    """Bearer key on every path but health and the OpenAPI document."""
    return bearer_auth(
        [(bytes.fromhex(k.key_hash), k) for k in keys],
        public_paths=PUBLIC_PATHS,
        base=PROBLEM_BASE,
        realm="palermo-gateway",
        detail="a valid API key is required",
        on_caller=_set_caller,
    )


# --- helpers -------------------------------------------------------------------------


def _invalid(exc: msgspec.MsgspecError) -> ProblemError:
    """A request document that does not decode; names the path, not the value."""
    match = _PATH.search(str(exc)) if isinstance(exc, msgspec.ValidationError) else None
    where = f" at {match[1]}" if match else ""
    return ProblemError(400, "invalid-request", "Invalid request", f"invalid request{where}")


def _hex_id(request: web.Request, name: str) -> str:
    value = request.match_info[name]
    if not _HEX_ID.fullmatch(value):
        raise ProblemError(400, "bad-parameter", "Bad parameter", f"{name} is 32 lowercase hex")
    return value


_Q = TypeVar("_Q", bound=msgspec.Struct)
_V = TypeVar("_V")


def params(request: web.Request, schema: type[_Q]) -> _Q:
    """Decode the query string into `schema`; a 400 problem names the bad parameter."""
    query = request.query
    if len(set(query.keys())) != len(query):
        raise ProblemError(400, "bad-parameter", "Bad parameter", "a query parameter is repeated")
    try:
        return msgspec.convert(dict(query), schema, strict=False)
    except msgspec.ValidationError as exc:
        raise _invalid(exc) from exc


def _not_found(what: str) -> ProblemError:
    return ProblemError(404, "not-found", "Not found", f"no such {what} at this gateway")


def _refused(exc: ClientError | ProtocolError | ValueError) -> ProblemError:
    """A send that the protocol or the directory refused, as a problem."""
    match exc:
        case IdentifierInFreeText():
            return ProblemError(
                422, "identifier-in-free-text", "Identifier in free text", str(exc),
                code=exc.code, field=exc.field, identifier=exc.identifier,
                findings=[
                    ProblemFinding(field=f.field, kind=f.kind, start=f.start, end=f.end)
                    for f in exc.findings
                ],
            )  # fmt: skip
        case MinimisationError():
            return ProblemError(
                422, "minimisation", "Minimisation refused", str(exc), code=exc.code
            )
        case TooLarge():
            return ProblemError(413, "too-large", "Body too large", str(exc), code=exc.code)
        case Malformed():
            return ProblemError(400, "invalid-message", "Invalid message", str(exc), code=exc.code)
        case UnknownRecipient():
            return ProblemError(422, "unknown-recipient", "Unknown recipient", str(exc))
        case SendFailed() | DirectoryUnavailable() | DirectoryError():
            return ProblemError(503, "unavailable", "Broker unavailable", str(exc))
        case ProtocolError():
            return ProblemError(422, "refused", "Refused", str(exc), code=exc.code)
        case _:
            return ProblemError(422, "refused", "Refused", str(exc))


# --- handlers ------------------------------------------------------------------------


async def healthz(request: web.Request) -> web.Response:
    """200 while NATS is connected and no split view was seen, 503 when not (no
    authentication; `GET /v1/status` has the detail)."""
    state = request.app[STATE]
    split = state.split_view is not None
    ok = state.connected() and not split
    return json_response({"ok": ok, "split_view": split}, 200 if ok else 503)


async def status(request: web.Request) -> web.Response:
    """GET /v1/status: connection, outbox, audit checkpoint and split view."""
    state = request.app[STATE]
    size, root = state.checkpoint if state.checkpoint is not None else (None, None)
    return json_response(
        Status(
            authority=state.authority,
            connected=state.connected(),
            outbox=state.store.outbox_size(),
            checkpoint_size=size,
            checkpoint_root=root.hex() if root is not None else None,
            split_view=state.split_view,
        )
    )


def _too_deep() -> ProblemError:
    return ProblemError(
        400, "invalid-request", "Invalid request", "the request nests deeper than the gateway reads"
    )


async def send_message(request: web.Request) -> web.Response:
    """POST /v1/messages: minimise, seal, store in the outbox, publish; 201 with the ids
    once JetStream has it, 202 if it stays queued. A repeated Idempotency-Key gets the
    first request's answer."""
    state, caller = request.app[STATE], request[CALLER]
    raw = await request.read()
    request_hash = hashlib.sha256(raw).hexdigest()
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None:
        if not _IDEMPOTENCY_KEY.fullmatch(key):
            raise ProblemError(
                400, "bad-parameter", "Bad parameter",
                f"{IDEMPOTENCY_HEADER} is 1 to 255 visible ASCII characters",
            )  # fmt: skip
        if (earlier := state.store.idempotent(caller.name, key)) is not None:
            return _replay(*earlier, request_hash)
    req, body = _decode_send(raw, caller)
    to, thread_hex = _route(state, req)
    body, refs = _attach(state, caller, body, req.attachments)

    sequence = req.sequence
    if sequence is None and body.__struct_config__.tag == "mla_status":
        sequence = 0  # the endpoint's MLA state machine numbers status updates
    elif sequence is None:
        sequence = state.store.next_sequence(thread_hex, state.authority) if thread_hex else 0
    linkage = state.linkage.for_scope(to, req.network)
    now = state.clock()
    try:
        # What the store keeps is what leaves: the minimised body (seal repeats this
        # pure step on the same inputs).
        today = dt.datetime.fromtimestamp(now / 1000, dt.UTC).date()
        minimised, _ = minimise(body, linkage_key=linkage, today=today, disclosure=req.disclosure)
        sealed = await state.seal(
            body,
            to=to,
            network=req.network,
            handling=req.handling,
            priority=req.priority,
            thread_id=bytes.fromhex(thread_hex) if thread_hex else None,
            sequence=sequence,
            in_reply_to=bytes.fromhex(req.in_reply_to) if req.in_reply_to else None,
            attachments=refs,
            linkage_key=linkage,
            disclosure=req.disclosure,
        )
    except (ClientError, ProtocolError, ValueError) as exc:
        log.info("send_refused", caller=caller.name, error=type(exc).__name__)
        raise _refused(exc) from exc
    b = sealed.binding
    # The outbox: committed before the first publish, so whatever happens next the
    # same bytes are published until JetStream has them, and never a second message.
    stored = state.store.add(
        "sent", b, _binding_bytes(sealed), encode_message(minimised), sealed.hash,
        stored_ms=state.clock(), sent_by=caller.name, acked_ms=state.clock(),
        envelope=sealed.data, idempotency_key=key, request_hash=request_hash,
    )  # fmt: skip
    if not stored and key is not None and (earlier := state.store.idempotent(caller.name, key)):
        # The same key raced us here: theirs was stored first, ours is dropped unsent.
        return _replay(*earlier, request_hash)
    published = await state.dispatch(sealed, body)
    log.info("sent_via_api", caller=caller.name, message_id=b.message_id.hex(), kind=b.kind,
             queued=not published)  # fmt: skip
    return json_response(
        SendResult(
            status="sent" if published else "queued",
            message_id=b.message_id.hex(),
            envelope_hash=sealed.hash.hex(),
            thread_id=b.thread_id.hex(),
            sequence=b.sequence,
            recipients=[r.authority for r in b.recipients],
            kind=b.kind,
            victim_level=b.victim_level,
            created_ms=b.created_ms,
        ),
        201 if published else 202,
    )


_EXACT_FLOAT: Final = 2**53
"""Floats up to this magnitude hold every integer exactly."""


def _integral(value: Any) -> tuple[Any, bool]:
    """`value` with every float that is a whole number ("sequence": 7.0) as an int, and
    whether any was changed. JSON Schema calls 7.0 an integer, so a client generated from
    the document may write it; the message format has no floats to keep."""
    match value:
        case float() if value.is_integer() and abs(value) <= _EXACT_FLOAT:
            return int(value), True
        case dict():
            items = {k: _integral(v) for k, v in value.items()}
            return {k: v for k, (v, _) in items.items()}, any(c for _, c in items.values())
        case list():
            pairs = [_integral(v) for v in value]
            return [v for v, _ in pairs], any(c for _, c in pairs)
        case _:
            return value, False


def _whole_numbers(raw: bytes) -> bytes:
    """The request with whole-number floats written as integers (see `_integral`);
    the same bytes when it has none, or is not JSON (the decoder then says why)."""
    try:
        tree, changed = _integral(msgspec.json.decode(raw))
    except (msgspec.MsgspecError, RecursionError):
        return raw  # the request's own decoder says why, or how deep is too deep
    return _encoder.encode(tree) if changed else raw


def _decode_send(raw: bytes, caller: ApiKey) -> tuple[SendRequestRaw, Message]:
    """The request and its body (the author set for officer keys), or a 400/422 problem."""
    raw = _whole_numbers(raw)
    try:
        req = _send_decoder.decode(raw)
    except msgspec.MsgspecError as exc:
        raise _invalid(exc) from exc
    except RecursionError as exc:  # the JSON decoder's depth limit
        raise _too_deep() from exc
    try:
        body = decode_message_json(req.message)
        _check_forms(body, msgspec.json.decode(req.message), "$")
    except Malformed as exc:
        if any(rule in str(exc) for rule in BODY_RULES):
            raise ProblemError(
                422, "body-rule", "Body breaks a rule", str(exc), code=exc.code
            ) from exc
        raise _refused(exc) from exc
    except RecursionError as exc:
        raise _too_deep() from exc
    if body.__struct_config__.tag in GATEWAY_ONLY:
        raise ProblemError(
            422, "refused", "Refused",
            f"{body.__struct_config__.tag} messages are sent by the gateway itself, not by"
            " callers",
        )  # fmt: skip
    if caller.role == "officer":
        # The officer's identity comes from the key, whatever the body says.
        body = msgspec.structs.replace(body, author=caller.officer)
    return req, body


GATEWAY_ONLY: Final = frozenset({"receipt", "erasure_notice", "erasure_confirmation"})
"""Kinds only the gateway sends: receipts on retrieval, erasure notices when a case is
erased (`palermo gateway erase`), confirmations when a notice is honoured."""

BODY_RULES: Final = (
    "two persons share a ref",
    "period ends before it starts",
    "two attachments name the same object_id",
    "a message id is listed twice in message_ids",
    "leader is not among members",
    "a victim_ref names no victim in victims",
)
"""Body invariants (schemas.kinds) that relate values JSON Schema cannot compare: a body
that matches the OpenAPI document but breaks one is a 422 `body-rule`, not a 400."""

DECIMAL: Final = r"^(0|[1-9][0-9]{0,14})(\.[0-9]{1,18})?$(?!\n)"
"""The one form of a decimal amount the API takes: the message codec also reads
numbers, exponents, signs and spaces, which the OpenAPI document cannot describe."""
_DECIMAL: Final = re.compile(DECIMAL)


def _check_forms(value: Any, raw: Any, path: str) -> None:
    """Refuse a body whose bytes or amounts are not written in their one documented form.

    The codec accepts base64 with stray low bits ("AR==" reads as "AQ==") and any
    string Python's Decimal parses; the document promises canonical base64 and plain
    decimals, so a client generated from it and this server agree on every value.
    Walks the decoded body beside the JSON it came from; raises `Malformed` naming
    the path, never the value.
    """
    match value:
        case bytes():
            if not isinstance(raw, str) or base64.b64encode(value).decode() != raw:
                raise Malformed(f"message body has non-canonical base64 at {path}")
        case decimal.Decimal():
            if not isinstance(raw, str) or not _DECIMAL.search(raw):
                raise Malformed(f"message body has an amount not in the form 123.45 at {path}")
        case msgspec.Struct() if isinstance(raw, dict):
            for name in value.__struct_fields__:
                if name in raw:
                    _check_forms(getattr(value, name), raw[name], f"{path}.{name}")
        case list() if isinstance(raw, list):
            for i, (item, raw_item) in enumerate(zip(value, raw, strict=False)):
                _check_forms(item, raw_item, f"{path}[{i}]")
        case _:
            pass


def _attach(
    state: GatewayState, caller: ApiKey, body: Message, upload_ids: list[str]
) -> tuple[Message, list[AttachmentRef]]:
    """The body with the uploads' descriptors appended, and their references."""
    descriptors, refs = _attachments(state, caller, upload_ids)
    if descriptors:
        if "attachments" not in body.__struct_fields__:
            raise ProblemError(
                422, "no-attachments", "Attachments not allowed",
                f"a {body.__struct_config__.tag} body has no attachments field",
            )  # fmt: skip
        existing: list[AttachmentDescriptor] = body.attachments  # type: ignore[union-attr]
        body = msgspec.structs.replace(body, attachments=[*existing, *descriptors])
    return body, refs


def _replay(earlier: MessageSummary, earlier_hash: str, request_hash: str) -> web.Response:
    """The answer to a send repeated with the same Idempotency-Key: the first one's."""
    if earlier_hash != request_hash:
        raise ProblemError(
            422, "idempotency-key-reused", "Idempotency key reused",
            f"this {IDEMPOTENCY_HEADER} was used for another request",
        )  # fmt: skip
    return json_response(
        SendResult(
            status="queued" if earlier.queued else "sent",
            message_id=earlier.message_id,
            envelope_hash=earlier.envelope_hash,
            thread_id=earlier.thread_id,
            sequence=earlier.sequence,
            recipients=earlier.recipients,
            kind=earlier.kind,
            victim_level=earlier.victim_level,
            created_ms=earlier.created_ms,
        ),
        202 if earlier.queued else 201,
    )


def _binding_bytes(sealed: Sealed) -> bytes:
    """The exact binding bytes inside a sealed envelope (what the inner signature covers)."""
    return parse(sealed.data).header.binding


def _route(state: GatewayState, req: SendRequestRaw) -> tuple[list[str], str | None]:
    """Recipients and thread: as given, else those of the message replied to."""
    to, thread_hex, reply_to = list(req.to), req.thread_id, None
    if req.in_reply_to is not None:
        original = state.store.summary(req.in_reply_to)
        if original is not None:
            thread_hex = thread_hex or original.thread_id
            reply_to = (
                [original.sender] if original.direction == "received" else original.recipients
            )
    if not to and req.network is None:
        if reply_to is None:
            raise ProblemError(
                422, "no-recipient", "No recipient",
                "give `to` or `network`, or `in_reply_to` a message stored at this gateway",
            )  # fmt: skip
        to = reply_to
    return to, thread_hex


def _attachments(
    state: GatewayState, caller: ApiKey, upload_ids: list[str]
) -> tuple[list[AttachmentDescriptor], list[AttachmentRef]]:
    descriptors, refs = [], []
    for upload_id in upload_ids:
        upload = state.store.upload(upload_id)
        if upload is None or upload.owner != caller.name:
            raise ProblemError(
                422, "unknown-upload", "Unknown upload", f"no upload {upload_id} of this key"
            )
        descriptors.append(upload.descriptor)
        refs.append(upload.ref)
    return descriptors, refs


KIND_FILTER: Final = r"^[a-z][a-z_]{0,39}$(?!\n)"


class ListParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Query of `GET /v1/messages`.

    Absent filters are UNSET, not None: with `None` allowed, the query string's lenient
    conversion would read `since=null` as no filter at all. Integers stop at 2^63-1,
    the store's range (beyond it SQLite raised OverflowError, a 500).
    """

    after: UInt = 0
    since: UInt | UnsetType = UNSET
    kind: Annotated[str, Meta(pattern=KIND_FILTER)] | UnsetType = UNSET
    thread: HexId | UnsetType = UNSET
    unacknowledged: bool = False
    limit: Annotated[int, Meta(ge=1, le=500)] = 100


def _given(value: _V | UnsetType) -> _V | None:
    return None if isinstance(value, UnsetType) else value


async def list_messages(request: web.Request) -> web.Response:
    """GET /v1/messages: received messages, oldest first, filtered."""
    q = params(request, ListParams)
    found = request.app[STATE].store.received(
        after=q.after, since_ms=_given(q.since), kind=_given(q.kind), thread_id=_given(q.thread),
        unacknowledged=q.unacknowledged, limit=q.limit,
    )  # fmt: skip
    next_after = found[-1].cursor if len(found) == q.limit else None
    return json_response(MessageList(messages=found, next_after=next_after))


async def get_message(request: web.Request) -> web.Response:
    """GET /v1/messages/{id}: one message with its full body."""
    message = request.app[STATE].store.get(_hex_id(request, "message_id"))
    if message is None:
        raise _not_found("message")
    return json_response(message)


class LinksParams(msgspec.Struct, frozen=True, kw_only=True):
    """Query of `GET /v1/messages/{id}/links`."""

    window: Annotated[int, Meta(ge=1, le=MAX_WINDOW)] = DEFAULT_WINDOW


async def get_links(request: web.Request) -> web.Response:
    """GET /v1/messages/{id}/links: the stored victims and witnesses that are the same
    person as one of this message's, by their pseudonyms and name encodings."""
    state = request.app[STATE]
    message_id = _hex_id(request, "message_id")
    q = params(request, LinksParams)
    found = collect(state.store, state.linkage, message_id, window=q.window)
    if found is None:
        raise _not_found("message")
    return json_response(await asyncio.to_thread(compare, found))


async def get_evidence(request: web.Request) -> web.Response:
    """GET /v1/messages/{id}/evidence: a received message's signed bytes, to verify
    offline with `palermo evidence-verify`."""
    state = request.app[STATE]
    message_id = _hex_id(request, "message_id")
    signed = state.store.signed(message_id)
    if signed is None:
        if state.store.get(message_id) is None:
            raise _not_found("message")
        raise ProblemError(
            409, "no-evidence", "No evidence kept",
            "evidence is kept for received messages stored since this gateway keeps the "
            "signed bytes; this one is a sent message or older",
        )  # fmt: skip
    return json_response(evidence_record(signed, state.authority))


async def ack_message(request: web.Request) -> web.Response:
    """POST /v1/messages/{id}/ack: the national system has the message; stop pushing."""
    state, caller = request.app[STATE], request[CALLER]
    if caller.role != "system":
        raise ProblemError(403, "forbidden", "Forbidden", "only system keys acknowledge messages")
    message_id = _hex_id(request, "message_id")
    result = state.store.ack(message_id, state.clock(), f"api:{caller.name}")
    if result is None:
        raise _not_found("received message")
    state.stored()
    return json_response(
        AckResult(message_id=message_id, acknowledged_ms=result[0], acknowledged_by=result[1])
    )


async def get_thread(request: web.Request) -> web.Response:
    """GET /v1/threads/{thread_id}: sent and received messages of a thread, in order."""
    thread_id = _hex_id(request, "thread_id")
    messages = request.app[STATE].store.thread(thread_id)
    if not messages:
        raise _not_found("thread")
    return json_response(ThreadView(thread_id=thread_id, messages=messages))


async def get_erasure(request: web.Request) -> web.Response:
    """GET /v1/threads/{thread_id}/erasure: the thread's erasures at this gateway and
    which recipients of its erasure notices have confirmed (system keys only)."""
    state, caller = request.app[STATE], request[CALLER]
    if caller.role != "system":
        raise ProblemError(403, "forbidden", "Forbidden", "only system keys read erasures")
    thread_id = _hex_id(request, "thread_id")
    status = erasure_status(state.store, thread_id)
    if not status.erasures and not state.store.participants(thread_id):
        raise _not_found("thread")
    return json_response(status.view())


def make_app(state: GatewayState, openapi: bytes) -> web.Application:
    """The REST application over `state`; `openapi` is the served OpenAPI document."""
    app = web.Application(
        middlewares=[_problems(), _auth(state.config.api_keys), _erased],
        client_max_size=state.config.http.max_body,
    )
    app[STATE] = state

    async def openapi_json(request: web.Request) -> web.Response:
        """GET /v1/openapi.json: the API's OpenAPI 3.1 document."""
        return web.Response(body=openapi, headers={**_HEADERS, "Content-Type": "application/json"})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/v1/status", status)
    app.router.add_get("/v1/openapi.json", openapi_json)
    app.router.add_post("/v1/messages", send_message)
    app.router.add_get("/v1/messages", list_messages)
    app.router.add_get("/v1/messages/{message_id}", get_message)
    app.router.add_post("/v1/messages/{message_id}/ack", ack_message)
    app.router.add_get("/v1/messages/{message_id}/evidence", get_evidence)
    app.router.add_get("/v1/messages/{message_id}/links", get_links)
    app.router.add_get("/v1/threads/{thread_id}", get_thread)
    app.router.add_get("/v1/threads/{thread_id}/erasure", get_erasure)
    for add in state.extra_routes:
        add(app)
    return app
