"""Reading the audit tree: the latest signed checkpoint and proofs, in-process and over
request-reply, so that authorities can check what they were told.

Subjects (JSON in, JSON out; errors are `{"error": {"code", "message"}}`, the codes
`malformed`, `unavailable`, `internal` and `overloaded`):

- `palermo.api.checkpoint` — `{}` → `{"checkpoint": "<signed note text>", "cosigned":
  "<the latest note with witness cosignatures>" or null}`
- `palermo.api.proof.inclusion` — `{"index", "tree_size"}` →
  `{"index", "tree_size", "leaf_hash", "proof": [...]}` (hashes in standard base64)
- `palermo.api.proof.consistency` — `{"old_size", "new_size"}` →
  `{"old_size", "new_size", "proof": [...]}`

Proofs come from the stored tree, which may be ahead of the latest checkpoint; a caller
checks a proof against a checkpoint it holds, never against anything in the answer.

The API is open to every authority, so it must not let one of them slow the others: the
broker serves it in a process and on a NATS connection of its own (`broker.api_process`),
each subject's waiting requests are bounded (nats-py drops the rest unread, as a slow
consumer), and each requesting authority has a token bucket. A request over its authority's rate is
answered `{"error": {"code": "overloaded", ...}}` without touching JetStream; both kinds
of shedding are counted (`palermo_api_requests_shed{reason}`), never buffered.
"""

from __future__ import annotations

import base64
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Annotated, Any, Final

import msgspec
import nats.errors
import nats.js.errors
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

from schemas import tlog
from schemas.errors import ProtocolError
from schemas.keys import check_authority_id
from schemas.nats_names import (
    CHECKPOINT_KEY,
    COSIGNED_KEY,
    SUBJECT_CHECKPOINT,
    SUBJECT_CONSISTENCY,
    SUBJECT_INCLUSION,
)

from . import topology
from .config import ApiConfig
from .errors import BrokerError
from .metrics import Metrics
from .tiles import TreeStoreError, stored_state

log = structlog.get_logger(__name__)

PROOF_QUEUE: Final = "palermo-proofs"
UNIDENTIFIED: Final = "*"
"""The rate bucket of every request whose authority cannot be told (never an id)."""
REQUEST_INFO_HEADER: Final = "Nats-Request-Info"
"""Set by nats-server on a request that crossed a service import: the requester's
account (`acc`). In operator mode that is the authority account's public key, one per
authority (`broker.natsconfig`); a config-mode account's name would be the id."""
_ACCOUNT_KEY: Final = re.compile(r"A[A-Z2-7]{55}")
INBOX_PREFIX: Final = "_INBOX_"
"""Start of an authority's private reply prefix (`schemas.nats_names.reply_prefix`)."""
MAX_BUCKETS: Final = 4096
"""Rate buckets kept at once. In single-account mode the reply prefix is the client's
choice, so a flood of invented prefixes must not grow memory: once this many are
kept, full (idle) buckets are forgotten, and if none is, newcomers share
`UNIDENTIFIED`."""
WARN_EVERY: Final = 10.0
"""Seconds between two log lines about shedding (the counter has every request)."""

Size = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]


class ProofUnavailable(BrokerError):
    """A proof asked for a leaf or tree size the stored tree does not (yet) have."""


class InclusionRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Body of a `palermo.api.proof.inclusion` request."""

    index: Size
    tree_size: Size


class ConsistencyRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Body of a `palermo.api.proof.consistency` request."""

    old_size: Size
    new_size: Size


async def latest_checkpoint(js: JetStreamContext, key: str = CHECKPOINT_KEY) -> bytes | None:
    """The latest signed checkpoint note as published, or None before the first; with
    `key=COSIGNED_KEY`, the latest one with witness cosignatures."""
    try:
        kv = await js.key_value(topology.KV_CHECKPOINTS)
        entry = await kv.get(key)
    except nats.js.errors.KeyNotFoundError:
        return None
    except (nats.errors.Error, nats.js.errors.Error) as exc:
        raise TreeStoreError("checkpoint bucket cannot be read") from exc
    return entry.value or None


async def inclusion_with_leaf(
    js: JetStreamContext, index: int, tree_size: int
) -> tuple[bytes, list[bytes]]:
    """Leaf hash of `index` and its inclusion proof in the tree of `tree_size`."""
    store, state = await stored_state(js)
    if not 0 <= index < tree_size <= state.size:
        raise ProofUnavailable(
            f"no inclusion proof of leaf {index} in size {tree_size}: tree has {state.size}"
        )
    reader = await store.reader(state, tlog.inclusion_nodes(index, tree_size))
    (leaf,) = await store.leaf_hashes(state, index, index + 1)
    return leaf, tlog.inclusion_proof(index, tree_size, reader)


async def inclusion_proof(js: JetStreamContext, index: int, tree_size: int) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf `index` (audit sequence index + 1) in the
    tree of `tree_size`; `ProofUnavailable` beyond the stored tree."""
    _, proof = await inclusion_with_leaf(js, index, tree_size)
    return proof


async def consistency_proof(js: JetStreamContext, old_size: int, new_size: int) -> list[bytes]:
    """The RFC 9162 consistency proof from `old_size` to `new_size`."""
    store, state = await stored_state(js)
    if not 0 <= old_size <= new_size <= state.size:
        raise ProofUnavailable(
            f"no consistency proof from {old_size} to {new_size}: tree has {state.size}"
        )
    reader = await store.reader(state, tlog.consistency_nodes(old_size, new_size))
    return tlog.consistency_proof(old_size, new_size, reader)


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode("ascii") for h in hashes]


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def requester(msg: Msg) -> str:
    """The authority that sent request `msg`, or `UNIDENTIFIED`.

    In a deployment an authority reaches the API only through its account's service
    import: nats-server puts the importing account in `Nats-Request-Info` and replaces
    the reply subject with one of its own. Without imports (a single account, as in
    development and tests) an authority's user may only receive on its private reply
    prefix `_INBOX_<id>.`, so the reply subject names it. Anything else shares one
    bucket. Only the first is authenticated: within one account a client may put any
    reply subject or header on a request, as it may publish on any ingress subject.
    """
    reply = msg.reply or ""
    if reply.startswith(INBOX_PREFIX):
        token = reply[len(INBOX_PREFIX) :].partition(".")[0]
        if _is_authority(token):
            return token
    info = msg.headers.get(REQUEST_INFO_HEADER) if msg.headers else None
    if info:
        try:
            account = msgspec.json.decode(info, type=_RequestInfo).acc
        except (msgspec.ValidationError, msgspec.DecodeError):
            return UNIDENTIFIED
        if _is_authority(account) or _ACCOUNT_KEY.fullmatch(account):
            return account
    return UNIDENTIFIED


class _RequestInfo(msgspec.Struct, frozen=True):
    acc: str = ""


def _is_authority(token: str) -> bool:
    try:
        check_authority_id(token)
    except ProtocolError:
        return False
    return True


class RateBuckets:
    """One token bucket per key, `rate` tokens a second up to `burst`; bounded in size
    (`MAX_BUCKETS`)."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float], max_keys: int = MAX_BUCKETS
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._max_keys = max_keys
        self._state: dict[str, tuple[float, float]] = {}

    def __len__(self) -> int:
        return len(self._state)

    def take(self, key: str) -> tuple[bool, str]:
        """Spend one of `key`'s tokens: whether there was one, and the bucket charged
        (`key`, or `UNIDENTIFIED` while the bound is reached)."""
        now = self._clock()
        if key not in self._state and len(self._state) >= self._max_keys:
            self._forget_idle(now)
            if len(self._state) >= self._max_keys:
                key = UNIDENTIFIED
        tokens, last = self._state.get(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        allowed = tokens >= 1.0
        self._state[key] = (tokens - 1.0 if allowed else tokens, now)
        return allowed, key

    def retry_after(self, key: str) -> float:
        """Seconds until `key` has a token again."""
        tokens, _ = self._state.get(key, (self._burst, 0.0))
        return max(0.0, (1.0 - tokens) / self._rate)

    def _forget_idle(self, now: float) -> None:
        full = [
            k
            for k, (t, last) in self._state.items()
            if t + (now - last) * self._rate >= self._burst
        ]
        for k in full:
            if k != UNIDENTIFIED:
                del self._state[k]


ErrorCallback = Callable[[Exception], Awaitable[None]]


def connection_errors(metrics: Metrics) -> ErrorCallback:
    """The API connection's `error_cb`: a request nats-py dropped because its
    subject's queue was full is counted, not logged one by one (a flood would make the
    log the bottleneck); anything else is logged by type."""

    async def on_error(exc: Exception) -> None:
        if isinstance(exc, nats.errors.SlowConsumerError):
            metrics.api_shed.labels("queue_full").inc()
            return
        log.warning("api_connection_error", error=type(exc).__name__)

    return on_error


class ProofService:
    """Answers checkpoint and proof requests on NATS (a queue group, so any number of
    broker instances can serve). `async with ProofService(nc, js):` serves until exit.

    `nc` should be a connection of its own (`broker.service` opens one): nats-py reads
    and dispatches each connection in one task, so requests sharing the pipeline's
    connection would queue in front of its JetStream answers. `limits` bound the
    waiting requests per subject and each requester's rate; `metrics` counts what is
    shed and answered.
    """

    def __init__(
        self,
        nc: Client,
        js: JetStreamContext,
        *,
        queue: str = PROOF_QUEUE,
        limits: ApiConfig | None = None,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._nc = nc
        self._js = js
        self._queue = queue
        self._limits = limits or ApiConfig()
        self._metrics = metrics or Metrics()
        self._clock = clock
        self._buckets = RateBuckets(self._limits.rate_per_second, self._limits.burst, clock)
        self._subs: list[Subscription] = []
        self._last_warning = -WARN_EVERY

    async def start(self) -> None:
        """Subscribe to the three subjects, each with a bounded queue."""
        for subject in (SUBJECT_CHECKPOINT, SUBJECT_INCLUSION, SUBJECT_CONSISTENCY):
            sub = await self._nc.subscribe(
                subject,
                queue=self._queue,
                cb=self._handle,
                pending_msgs_limit=self._limits.queue,
                pending_bytes_limit=self._limits.queue_bytes,
            )
            self._subs.append(sub)

    async def aclose(self) -> None:
        """Stop answering (idempotent)."""
        subs, self._subs = self._subs, []
        for sub in subs:
            with contextlib.suppress(nats.errors.ConnectionClosedError):
                await sub.unsubscribe()

    async def __aenter__(self) -> ProofService:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _handle(self, msg: Msg) -> None:
        allowed, who = self._buckets.take(requester(msg))
        if not allowed:
            await self._shed(msg, who)
            return
        try:
            answer = await self._answer(msg.subject, msg.data)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            answer = _error("malformed", f"request does not match its schema: {exc}"[:200])
        except ProofUnavailable as exc:
            answer = _error("unavailable", str(exc))
        except Exception as exc:  # a requester must get an answer, not a timeout
            log.error("proof_failed", subject=msg.subject, error=type(exc).__name__)
            answer = _error("internal", "the stored tree cannot answer this request")
        error = answer.get("error")
        self._metrics.api_answered.labels(error["code"] if error else "ok").inc()
        log.debug("proof_answered", subject=msg.subject, ok=error is None)
        if msg.reply:
            await self._respond(msg, answer)

    async def _shed(self, msg: Msg, who: str) -> None:
        self._metrics.api_shed.labels("rate").inc()
        now = self._clock()
        if now - self._last_warning >= WARN_EVERY:
            self._last_warning = now
            log.warning("api_shedding", requester=who, reason="rate")
        if msg.reply:
            retry = self._buckets.retry_after(who)
            message = f"too many requests from {who}; retry in {retry:.2f} s"
            await self._respond(msg, {**_error("overloaded", message), "retry_after": retry})

    async def _respond(self, msg: Msg, answer: dict[str, Any]) -> None:
        # The requester may be gone, or the connection reconnecting: an answer nobody
        # can receive is not the service's failure.
        with contextlib.suppress(
            nats.errors.ConnectionClosedError, nats.errors.OutboundBufferLimitError
        ):
            await msg.respond(msgspec.json.encode(answer))

    async def _answer(self, subject: str, data: bytes) -> dict[str, Any]:
        if subject == SUBJECT_CHECKPOINT:
            note = await latest_checkpoint(self._js)
            if note is None:
                return _error("unavailable", "no checkpoint has been published yet")
            cosigned = await latest_checkpoint(self._js, COSIGNED_KEY)
            return {
                "checkpoint": note.decode(),
                "cosigned": cosigned.decode() if cosigned else None,
            }
        if subject == SUBJECT_INCLUSION:
            inc = msgspec.json.decode(data, type=InclusionRequest)
            leaf, proof = await inclusion_with_leaf(self._js, inc.index, inc.tree_size)
            return {
                "index": inc.index,
                "tree_size": inc.tree_size,
                "leaf_hash": _b64([leaf])[0],
                "proof": _b64(proof),
            }
        con = msgspec.json.decode(data, type=ConsistencyRequest)
        proof = await consistency_proof(self._js, con.old_size, con.new_size)
        return {"old_size": con.old_size, "new_size": con.new_size, "proof": _b64(proof)}
