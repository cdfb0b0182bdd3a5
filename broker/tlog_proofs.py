"""Reading the audit tree: the latest signed checkpoint and proofs, in-process and over
request-reply, so that authorities can check what they were told.

Subjects (JSON in, JSON out; errors are `{"error": {"code", "message"}}`):

- `palermo.api.checkpoint` — `{}` → `{"checkpoint": "<signed note text>"}`
- `palermo.api.proof.inclusion` — `{"index", "tree_size"}` →
  `{"index", "tree_size", "leaf_hash", "proof": [...]}` (hashes in standard base64)
- `palermo.api.proof.consistency` — `{"old_size", "new_size"}` →
  `{"old_size", "new_size", "proof": [...]}`

Proofs come from the stored tree, which may be ahead of the latest checkpoint; a caller
checks a proof against a checkpoint it holds, never against anything in the answer.
"""

from __future__ import annotations

import base64
import contextlib
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
from schemas.nats_names import (
    CHECKPOINT_KEY,
    SUBJECT_CHECKPOINT,
    SUBJECT_CONSISTENCY,
    SUBJECT_INCLUSION,
)

from . import topology
from .errors import BrokerError
from .tiles import TreeStoreError, stored_state

log = structlog.get_logger(__name__)

PROOF_QUEUE: Final = "palermo-proofs"

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


async def latest_checkpoint(js: JetStreamContext) -> bytes | None:
    """The latest signed checkpoint note as published, or None before the first."""
    try:
        kv = await js.key_value(topology.KV_CHECKPOINTS)
        entry = await kv.get(CHECKPOINT_KEY)
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


class ProofService:
    """Answers checkpoint and proof requests on NATS (a queue group, so any number of
    broker instances can serve). `async with ProofService(nc, js):` serves until exit."""

    def __init__(self, nc: Client, js: JetStreamContext, *, queue: str = PROOF_QUEUE) -> None:
        self._nc = nc
        self._js = js
        self._queue = queue
        self._subs: list[Subscription] = []

    async def start(self) -> None:
        """Subscribe to the three subjects."""
        for subject in (SUBJECT_CHECKPOINT, SUBJECT_INCLUSION, SUBJECT_CONSISTENCY):
            self._subs.append(await self._nc.subscribe(subject, queue=self._queue, cb=self._handle))

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
        try:
            answer = await self._answer(msg.subject, msg.data)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            answer = _error("malformed", f"request does not match its schema: {exc}"[:200])
        except ProofUnavailable as exc:
            answer = _error("unavailable", str(exc))
        except Exception as exc:  # a requester must get an answer, not a timeout
            log.error("proof_failed", subject=msg.subject, error=type(exc).__name__)
            answer = _error("internal", "the stored tree cannot answer this request")
        log.debug("proof_answered", subject=msg.subject, ok="error" not in answer)
        if msg.reply:
            await msg.respond(msgspec.json.encode(answer))

    async def _answer(self, subject: str, data: bytes) -> dict[str, Any]:
        if subject == SUBJECT_CHECKPOINT:
            note = await latest_checkpoint(self._js)
            if note is None:
                return _error("unavailable", "no checkpoint has been published yet")
            return {"checkpoint": note.decode()}
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
