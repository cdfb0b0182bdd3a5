"""The operator HTTP API: health, readiness, metrics, audit query and live tail, the
signed checkpoint and proofs, suppressed statistics, the dashboard page and the history
its charts draw.

Nothing here can reveal message content: the broker never holds it, and every answer
is built from audit metadata, counters or the Merkle tree. `/healthz`, `/readyz` and
the dashboard page (static, no data) need no token; every other path needs
`Authorization: Bearer <ops.token>`, compared in constant time. Errors are RFC 9457
problem details. `docs/ops-api.md` describes every endpoint.

Run it inside the broker with `Broker(..., extra_tasks=[serve_ops])`, or with an
`OpsServer()` instance when the caller needs the bound URL (port 0 in tests).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar

import msgspec
import structlog
from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client import generate_latest

from schemas.http_problem import (
    NO_STORE,
    ProblemError,
    bearer_auth,
    problem_middleware,
    problem_type,
    token_digest,
)
from schemas.http_problem import Problem as HttpProblem
from schemas.nats_names import COSIGNED_KEY
from schemas.note import NoteError, NoteVerifier, open_checkpoint

from . import ops_audit, ops_history, topology
from .errors import ConfigError
from .ops_dashboard import CSP, PAGE
from .quotas import QuotaError, StoreUsage, store_usage
from .tiles import TreeStoreError
from .tlog_proofs import (
    ConsistencyRequest,
    InclusionRequest,
    ProofUnavailable,
    consistency_proof,
    inclusion_with_leaf,
    latest_checkpoint,
)

if TYPE_CHECKING:
    from .service import Broker

__all__ = ["OpsServer", "make_app", "serve_ops"]

log = structlog.get_logger(__name__)

PUBLIC_PATHS: Final = frozenset({"/", "/favicon.ico", "/healthz", "/readyz"})
SHUTDOWN_TIMEOUT: Final = 5.0
"""Bound on stopping the server, open tails included."""
MAX_TAILS: Final = 32
"""Concurrent live tails; each holds a consumer on the audit stream."""
TAIL_BACKLOG: Final = 50
"""Audit events a tail opened without a start sends before the live ones."""
TAIL_POLL: Final = 1.0
"""How long a tail waits for new events before it checks for stop and disconnect."""
TAIL_KEEPALIVE: Final = 15.0
"""Idle seconds after which a tail sends a comment, so proxies keep it open."""
NATS_TIMEOUT: Final = 10.0
STORE_TIMEOUT: Final = 2.0
"""Bound on reading the store's usage for `/readyz` (a probe must answer promptly)."""
PROMETHEUS_TEXT: Final = "text/plain; version=0.0.4; charset=utf-8"
"""What `generate_latest` writes; every Prometheus version scrapes it."""
PROBLEM_BASE: Final = "tag:palermo.example,2025:ops/"


@dataclass
class _StoreReading:
    usage: StoreUsage | None = None
    at: float = float("-inf")
    """Monotonic time of the reading."""


BROKER: Final[web.AppKey[Broker]] = web.AppKey("broker")
CLOSING: Final = web.AppKey("closing", asyncio.Event)
TAILS: Final = web.AppKey("tails", asyncio.Semaphore)
VERIFIER: Final = web.AppKey("verifier", NoteVerifier)
STORE: Final = web.AppKey("store", _StoreReading)
HISTORY: Final = web.AppKey("history", ops_history.History)
LAGS: Final = web.AppKey("lags", ops_history.LagRing)
LAG_EVERY: Final = web.AppKey("lag_every", float)

_Q = TypeVar("_Q", bound=msgspec.Struct)


class Problem(ProblemError):
    """A problem answer of the ops API (type under `PROBLEM_BASE`)."""

    def __init__(
        self, status: int, slug: str, title: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        document = HttpProblem(
            type=problem_type(PROBLEM_BASE, slug), title=title, status=status, detail=detail
        )
        super().__init__(document, headers)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=msgspec.json.encode(data),
        headers={**NO_STORE, "Content-Type": "application/json"},
    )


def _text(text: str | bytes, content_type: str = "text/plain; charset=utf-8") -> web.Response:
    body = text.encode() if isinstance(text, str) else text
    return web.Response(body=body, headers={**NO_STORE, "Content-Type": content_type})


def _params(request: web.Request, schema: type[_Q]) -> _Q:
    """Decode the query string into `schema`; a 400 problem names the bad parameter."""
    query = request.query
    if len(set(query.keys())) != len(query):
        raise Problem(400, "bad-parameter", "Bad parameter", "a query parameter is repeated")
    try:
        return msgspec.convert(dict(query), schema, strict=False)
    except msgspec.ValidationError as exc:
        raise Problem(400, "bad-parameter", "Bad parameter", str(exc)) from exc


# --- middleware ----------------------------------------------------------------------


def _problems() -> Middleware:
    return problem_middleware(
        base=PROBLEM_BASE,
        log_prefix="ops",
        internal_detail="see the broker log",
        unavailable=(*ops_audit.NATS_ERRORS, TreeStoreError),
        unavailable_detail="NATS or the audit tree cannot be read",
    )


def _auth(token: str) -> Middleware:
    """Bearer token on every path but health, readiness and the static page."""
    return bearer_auth(
        [(token_digest(token), "operator")],
        public_paths=PUBLIC_PATHS,
        base=PROBLEM_BASE,
        realm="palermo-ops",
        detail="a valid operator bearer token is required",
    )


# --- health, readiness, metrics -------------------------------------------------------


async def healthz(request: web.Request) -> web.Response:
    """The process answers."""
    return _text("ok")


async def readyz(request: web.Request) -> web.Response:
    """200 when the broker can take traffic, 503 when not; the detail has no secrets.

    `reasons` names every cause of a 503. The JetStream store counts: past
    `quotas.ready_threshold` of its size the broker is not ready, while the reserve
    evidence cannot claim still takes audit and delivery writes.
    """
    broker = request.app[BROKER]
    fresh = True
    try:
        broker.watch.directory.check_fresh()
    except Exception:
        fresh = False
    usage = await _check_store(broker, request.app[STORE])
    sequencer = getattr(broker, "sequencer", None)
    reasons = [
        reason
        for failed, reason in (
            (not broker.watch.loaded.is_set(), "directory not loaded"),
            (not fresh, "directory head stale"),
            (not broker.nc.is_connected, "NATS not connected"),
            (not broker.health.audit_ok, "audit appends failing"),
            (bool(broker.health.store_error), broker.health.store_error),
        )
        if failed
    ]
    if not reasons and not broker.is_ready:
        reasons.append("starting or draining")
    body = {
        "ready": broker.is_ready and not broker.health.store_error,
        "reasons": reasons,
        "directory_loaded": broker.watch.loaded.is_set(),
        "directory_fresh": fresh,
        "nats_connected": broker.nc.is_connected,
        "audit_appends_ok": broker.health.audit_ok,
        "store": {
            "used_bytes": usage.used if usage else None,
            "limit_bytes": usage.limit if usage else None,
            "threshold": broker.config.quotas.ready_threshold,
            "ok": not broker.health.store_error,
        },
        "sequencer": {
            "running": sequencer is not None,
            "leading": sequencer is not None and sequencer.leading.is_set(),
            "size": sequencer.size if sequencer is not None else 0,
            "published_size": sequencer.published_size if sequencer is not None else 0,
            "error": broker.health.sequencer_error or None,
        },
    }
    return _json(body, 200 if body["ready"] else 503)


async def _check_store(broker: Broker, last: _StoreReading) -> StoreUsage | None:
    """Read the store's usage at most every `quotas.poll_interval` seconds (the probe
    needs no token: probing cannot make the broker ask the server more often), keep the
    verdict in `broker.health`; the latest reading (None if unreadable)."""
    health, q = broker.health, broker.config.quotas
    now = time.monotonic()
    if now - last.at < q.poll_interval or not broker.nc.is_connected:
        # Disconnected, the probe says so already; asking would only make it wait.
        return last.usage
    last.at = now
    try:
        async with asyncio.timeout(STORE_TIMEOUT):
            usage = last.usage = await store_usage(broker.js, q.store_bytes)
    except (QuotaError, TimeoutError):
        last.usage = None
        health.store_error = "JetStream store usage unreadable"
        return None
    if usage.limit is not None and usage.fraction >= q.ready_threshold:
        health.store_error = (
            f"JetStream store {usage.fraction:.0%} full ({usage.used} of {usage.limit} "
            f"bytes; not ready from {q.ready_threshold:.0%})"
        )
        log.warning("store_nearly_full", used=usage.used, limit=usage.limit)
    else:
        health.store_error = ""
    return usage


async def _refresh_gauges(request: web.Request) -> None:
    """Consumer lags and the audit tree size, read fresh for each scrape."""
    broker = request.app[BROKER]
    js, metrics = broker.js, broker.metrics
    lags = await ops_history.consumer_lags(js)
    metrics.consumer_lag.clear()  # an authority removed from the directory drops out
    for name, lag in lags.items():
        metrics.consumer_lag.labels(name).set(lag)
    size = getattr(getattr(broker, "sequencer", None), "published_size", 0)
    note = await latest_checkpoint(js)
    if note is not None:
        with contextlib.suppress(NoteError):
            size = max(size, open_checkpoint(note, request.app[VERIFIER]).size)
    metrics.audit_tree_size.set(size)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition of the broker's registry."""
    try:
        async with asyncio.timeout(NATS_TIMEOUT):
            await _refresh_gauges(request)
    except (*ops_audit.NATS_ERRORS, TreeStoreError) as exc:
        # Scrape what we have: counters stay useful while NATS is away.
        log.warning("ops_gauges_stale", error=type(exc).__name__)
    body = generate_latest(request.app[BROKER].metrics.registry)
    return _text(body, PROMETHEUS_TEXT)


# --- audit ---------------------------------------------------------------------------


async def audit(request: web.Request) -> web.Response:
    """A filtered page of audit events, oldest first."""
    q = _params(request, ops_audit.AuditQuery)
    async with asyncio.timeout(60.0):
        return _json(await ops_audit.query(request.app[BROKER].js, q))


def _start_after(request: web.Request, q: ops_audit.TailQuery) -> int | None:
    if q.after_seq is not None:
        return q.after_seq
    last_id = request.headers.get("Last-Event-ID", "").strip()
    if not last_id:
        return None
    if not last_id.isdigit() or len(last_id) > 19:
        raise Problem(400, "bad-parameter", "Bad parameter", "Last-Event-ID is not a sequence")
    return int(last_id)


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def audit_tail(request: web.Request) -> web.StreamResponse:
    """Server-sent events, one `audit` event per matching audit event as it lands; from
    `after_seq` or `Last-Event-ID` if given, else from the latest `TAIL_BACKLOG`."""
    q = _params(request, ops_audit.TailQuery)
    start = _start_after(request, q)
    app = request.app
    js = app[BROKER].js
    if start is None:
        # A tail opened without a start shows the recent past first (the dashboard's
        # table is never empty while events exist), then goes live.
        info = await js.stream_info(topology.AUDIT)
        start = max((info.state.last_seq or 0) - TAIL_BACKLOG, 0)
    match = q.filter()
    slots = app[TAILS]
    if slots.locked():
        raise Problem(503, "too-many-tails", "Too many tails", f"at most {MAX_TAILS} at once")
    async with slots, ops_audit.AuditCursor(js, start_seq=start + 1) as cursor:
        response = web.StreamResponse(
            headers={
                **NO_STORE,
                "Content-Type": "text/event-stream; charset=utf-8",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        try:
            await response.write(b"retry: 3000\n: tail open\n\n")
            idle_since = time.monotonic()
            while not app[CLOSING].is_set() and not _gone(request):
                for msg, seq in await cursor.read(256, wait=TAIL_POLL):
                    event = ops_audit.decode(msg, seq)
                    if event is not None and match.matches(event):
                        data = msgspec.json.encode(ops_audit.event_json(seq, event))
                        await response.write(b"event: audit\nid: %d\ndata: %s\n\n" % (seq, data))
                        idle_since = time.monotonic()
                if time.monotonic() - idle_since > TAIL_KEEPALIVE:
                    await response.write(b": keepalive\n\n")
                    idle_since = time.monotonic()
            with contextlib.suppress(ConnectionError):
                await response.write_eof()
        except ConnectionError:
            log.debug("ops_tail_client_gone")
        except ops_audit.NATS_ERRORS as exc:
            # The stream is open: end it; the client resumes with Last-Event-ID.
            log.warning("ops_tail_interrupted", error=type(exc).__name__)
    return response


async def favicon(request: web.Request) -> web.Response:
    """No icon: an empty answer, so a browser's automatic request is not a 401."""
    return web.Response(status=204)


# --- checkpoint and proofs -----------------------------------------------------------


async def checkpoint(request: web.Request) -> web.Response:
    """The latest signed checkpoint note, exactly as published."""
    note = await latest_checkpoint(request.app[BROKER].js)
    if note is None:
        raise Problem(404, "no-checkpoint", "No checkpoint", "no checkpoint is published yet")
    return _text(note)


async def checkpoint_cosigned(request: web.Request) -> web.Response:
    """The latest checkpoint with witness cosignatures, exactly as stored: the log's
    signed note and the witnesses' lines (c2sp.org/tlog-cosignature); 404 before one."""
    note = await latest_checkpoint(request.app[BROKER].js, COSIGNED_KEY)
    if note is None:
        raise Problem(
            404, "no-cosigned-checkpoint", "No cosigned checkpoint",
            "no witness has cosigned a checkpoint yet",
        )  # fmt: skip
    return _text(note)


async def log_key(request: web.Request) -> web.Response:
    """The log's verifier key string (C2SP vkey)."""
    return _text(request.app[VERIFIER].vkey + "\n")


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode("ascii") for h in hashes]


class _InclusionParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    index: int
    size: int


class _ConsistencyParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    old: int
    new: int


async def proof_inclusion(request: web.Request) -> web.Response:
    """RFC 9162 inclusion proof of leaf `index` (audit sequence index + 1) in `size`."""
    p = _params(request, _InclusionParams)
    try:
        req = msgspec.convert({"index": p.index, "tree_size": p.size}, InclusionRequest)
        leaf, proof = await inclusion_with_leaf(request.app[BROKER].js, req.index, req.tree_size)
    except (msgspec.ValidationError, ProofUnavailable) as exc:
        raise Problem(400, "out-of-range", "Out of range", str(exc)) from exc
    return _json(
        {"index": p.index, "tree_size": p.size, "leaf_hash": _b64([leaf])[0], "proof": _b64(proof)}
    )


async def proof_consistency(request: web.Request) -> web.Response:
    """RFC 9162 consistency proof from tree size `old` to `new`."""
    p = _params(request, _ConsistencyParams)
    try:
        req = msgspec.convert({"old_size": p.old, "new_size": p.new}, ConsistencyRequest)
        proof = await consistency_proof(request.app[BROKER].js, req.old_size, req.new_size)
    except (msgspec.ValidationError, ProofUnavailable) as exc:
        raise Problem(400, "out-of-range", "Out of range", str(exc)) from exc
    return _json({"old_size": p.old, "new_size": p.new, "proof": _b64(proof)})


# --- statistics and dashboard --------------------------------------------------------


async def stats(request: web.Request) -> web.Response:
    """Aggregate counts with small-cell suppression."""
    q = _params(request, ops_audit.StatsQuery)
    async with asyncio.timeout(60.0):
        body = await ops_audit.stats(request.app[BROKER].js, q.since_ms, int(time.time() * 1000))
    return _json(body)


async def history(request: web.Request) -> web.Response:
    """What the dashboard's charts draw: hourly outcomes over the window, traffic per
    authority, failures by reason, the consumer-lag ring and the latest checkpoint."""
    q = _params(request, ops_history.HistoryQuery)
    app = request.app
    async with asyncio.timeout(60.0):
        await app[HISTORY].refresh()
        latest = await ops_history.checkpoint_state(app[BROKER].js)
    body = app[HISTORY].json(q.window)
    body["lag_interval_s"] = app[LAG_EVERY]
    body["lag"] = app[LAGS].json()
    body["checkpoint"] = None
    if latest is not None:
        note, published_ms = latest
        with contextlib.suppress(NoteError):
            cp = open_checkpoint(note, app[VERIFIER])
            body["checkpoint"] = {
                "size": cp.size,
                "root_hash": base64.b64encode(cp.root_hash).decode("ascii"),
                "published_ms": published_ms,
            }
    return _json(body)


async def dashboard(request: web.Request) -> web.Response:
    """The static operator page; it holds no data and fetches everything with the token."""
    response = _text(PAGE, "text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    return response


# --- the application and its server --------------------------------------------------


async def _closing(app: web.Application) -> None:
    app[CLOSING].set()


async def _tail_slots(app: web.Application) -> AsyncIterator[None]:
    app[TAILS] = asyncio.Semaphore(MAX_TAILS)
    yield


async def _lag_sampler(app: web.Application) -> AsyncIterator[None]:
    """Sample the consumer lags into the ring while the app runs."""
    task = asyncio.create_task(ops_history.sample_lags(app[BROKER].js, app[LAGS], app[LAG_EVERY]))
    yield
    task.cancel()
    await asyncio.wait({task})  # its end, without swallowing a cancellation of ours


def make_app(broker: Broker, *, lag_interval: float = ops_history.LAG_INTERVAL) -> web.Application:
    """The ops application for `broker`; it samples consumer lags every `lag_interval`
    seconds for the history.

    Raises `ConfigError` if no operator token is configured: the API never runs open.
    """
    token = broker.config.ops.token
    if not token or not token.strip():
        raise ConfigError(
            "ops.token is not set: the ops API needs an operator bearer token "
            "(set PALERMO_OPS_TOKEN or [ops] token)"
        )
    app = web.Application(middlewares=[_problems(), _auth(token.strip())])
    app[BROKER] = broker
    app[CLOSING] = asyncio.Event()
    app[VERIFIER] = NoteVerifier.for_key(broker.config.origin, broker.keys.log)
    app[STORE] = _StoreReading()
    app[HISTORY] = ops_history.History(broker.js)
    app[LAGS] = ops_history.LagRing()
    app[LAG_EVERY] = lag_interval
    app.cleanup_ctx.append(_tail_slots)
    app.cleanup_ctx.append(_lag_sampler)
    app.on_shutdown.append(_closing)
    app.router.add_get("/", dashboard)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/v1/audit", audit)
    app.router.add_get("/v1/audit/tail", audit_tail)
    app.router.add_get("/v1/checkpoint", checkpoint)
    app.router.add_get("/v1/checkpoint/cosigned", checkpoint_cosigned)
    app.router.add_get("/v1/log-key", log_key)
    app.router.add_get("/v1/proof/inclusion", proof_inclusion)
    app.router.add_get("/v1/proof/consistency", proof_consistency)
    app.router.add_get("/v1/stats", stats)
    app.router.add_get("/v1/history", history)
    return app


class OpsServer:
    """The ops API as a broker task that tells its caller where it listens.

    `Broker(..., extra_tasks=[server])` with `server = OpsServer()`; once listening,
    `server.bound` is set and `server.url` is the base URL (the real port when the
    configuration asks for port 0). It stops, open tails included, within
    `SHUTDOWN_TIMEOUT` of the broker's `stop`.
    """

    def __init__(self, *, lag_interval: float = ops_history.LAG_INTERVAL) -> None:
        self.lag_interval = lag_interval
        self.url = ""
        self.bound = asyncio.Event()

    async def __call__(self, broker: Broker, stop: asyncio.Event) -> None:
        """Serve until `stop` is set. Raises `ConfigError` without a token or when the
        address cannot be bound."""
        app = make_app(broker, lag_interval=self.lag_interval)
        host, port = broker.config.ops.host, broker.config.ops.port
        runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_TIMEOUT / 2, access_log=None)
        await runner.setup()
        try:
            try:
                await web.TCPSite(runner, host, port).start()
            except OSError as exc:
                raise ConfigError(f"ops API cannot listen on {host}:{port}: {exc}") from exc
            bound_host, bound_port = runner.addresses[0][:2]
            self.url = (
                f"http://[{bound_host}]:{bound_port}"
                if ":" in bound_host
                else f"http://{bound_host}:{bound_port}"
            )
            self.bound.set()
            log.info("ops_listening", url=self.url)
            await stop.wait()
        finally:
            self.bound.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SHUTDOWN_TIMEOUT):
                    await runner.cleanup()
            log.info("ops_stopped")


async def serve_ops(broker: Broker, stop: asyncio.Event) -> None:
    """Serve the ops API on `config.ops.host:port` until `stop` (an `ExtraTask`)."""
    await OpsServer()(broker, stop)
