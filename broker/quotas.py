"""Evidence quotas within the shared JetStream store, and how full that store is.

Every authority's evidence bucket lives in the broker's account with a byte quota
(`max_bytes` on its stream), which nats-server enforces: a write past it is refused.
The quotas together may claim at most the store less a reserve (`quotas.store_reserve`),
so whatever the authorities upload, the audit, delivery and ingress streams and the
buckets keep that share; `check_evidence_budget` refuses, at registration, a quota that
would cut into it. The reserve itself is not a server limit on the audit stream (its
configuration is set once and never changed): it is the room no evidence may take, and
`store_usage` lets readiness turn red while there is still some of it left.

In operator mode the evidence buckets live in an account of their own, `EVIDENCE`
(`broker.natsconfig`), whose JetStream store cap in its account JWT is already the
store less the reserve: the server itself refuses evidence past it, whatever any
broker checks. `topology.register_authority` then runs `check_evidence_budget` in that
account with no further reserve, so a quota that no longer fits is refused at
registration with the figures rather than by the server at the first upload.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import AccountInfo

from schemas.nats_names import evidence_bucket, object_stream

from .errors import TopologyError

__all__ = [
    "EVIDENCE_STREAM_PREFIX",
    "QuotaError",
    "StoreUsage",
    "check_evidence_budget",
    "store_usage",
]

_SAMPLE_ID = "xx-x"
EVIDENCE_STREAM_PREFIX = object_stream(evidence_bucket(_SAMPLE_ID)).removesuffix(_SAMPLE_ID)
"""What the stream of every evidence bucket begins with: the names are protocol
(`schemas.nats_names`), so the prefix is derived from them, not written again."""


class QuotaError(TopologyError):
    """An evidence quota that would cut into the store's reserve, or a store whose
    usage cannot be read."""


@dataclass(frozen=True)
class StoreUsage:
    """Bytes the broker's account holds in the file store, and the store's size
    (`None` when neither the configuration nor the server bounds it)."""

    used: int
    limit: int | None

    @property
    def fraction(self) -> float:
        """Used share of the store; 0 when it is unbounded."""
        return self.used / self.limit if self.limit else 0.0


def _size(info: AccountInfo, configured: int | None) -> int | None:
    # The account's file limit as the server reports it is -1 when unlimited.
    account = info.limits.max_storage if info.limits else None
    known = [size for size in (configured, account) if size is not None and size > 0]
    return min(known) if known else None


async def store_usage(js: JetStreamContext, configured: int | None) -> StoreUsage:
    """The account's file store usage against the store's size: the smaller of the
    configured size and the account's file limit the server reports.

    Raises `QuotaError` when the server does not answer.
    """
    try:
        info = await js.account_info()
    except (nats.errors.Error, TimeoutError) as exc:
        raise QuotaError(f"JetStream account usage unreadable: {type(exc).__name__}") from exc
    return StoreUsage(int(info.storage or 0), _size(info, configured))


async def _evidence_quotas(js: JetStreamContext) -> dict[str, int]:
    """Every evidence stream's `max_bytes` (0 for none), page by page."""
    quotas: dict[str, int] = {}
    while True:
        page = await js.streams_info(offset=len(quotas))
        fresh = {
            s.config.name: max(s.config.max_bytes or 0, 0)
            for s in page
            if s.config.name and s.config.name not in quotas
        }
        if not fresh:
            return {n: q for n, q in quotas.items() if n.startswith(EVIDENCE_STREAM_PREFIX)}
        quotas |= fresh


async def _reserved_by_others(js: JetStreamContext, stream: str) -> int | None:
    """The file store the account's streams other than `stream` reserve by their
    `max_bytes`, as the server sums it (`reserved_storage`): two requests whatever the
    number of buckets, where listing every stream made each registration cost O(n).
    Streams other than evidence have no `max_bytes`, so the sum is the evidence quotas'."""
    try:
        reply = await js._nc.request(f"{js._prefix}.INFO", b"", timeout=5.0)
    except (nats.errors.Error, TimeoutError) as exc:
        raise QuotaError(f"JetStream account usage unreadable: {type(exc).__name__}") from exc
    reserved = json.loads(reply.data).get("reserved_storage")
    if not isinstance(reserved, int):
        return None
    try:
        own = max((await js.stream_info(stream)).config.max_bytes or 0, 0)
    except nats.js.errors.NotFoundError:
        own = 0
    return reserved - own


async def check_evidence_budget(
    js: JetStreamContext,
    stream: str,
    quota: int,
    *,
    store_bytes: int | None,
    reserve: float,
) -> None:
    """Refuse `quota` for evidence stream `stream` if every evidence quota together
    (this one instead of `stream`'s current one) would exceed the store less `reserve`.

    Nothing is checked when the store's size is unknown (see `store_usage`). Raises
    `QuotaError` with the figures.
    """
    size = (await store_usage(js, store_bytes)).limit
    if size is None:
        return
    others = await _reserved_by_others(js, stream)
    if others is None:  # a server that does not sum the reservations: list every stream
        others = sum(q for name, q in (await _evidence_quotas(js)).items() if name != stream)
    budget = int(size * (1 - reserve))
    if others + quota > budget:
        raise QuotaError(
            f"evidence quota of {quota} bytes for {stream} refused: the evidence buckets "
            f"would claim {others + quota} bytes, over the {budget} bytes the store "
            f"({size} bytes) leaves after its {reserve:.0%} reserve for audit and delivery; "
            "lower quotas.evidence_bytes or give JetStream a larger store"
        )
