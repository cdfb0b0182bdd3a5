"""The audit log sequencer: folds `PALERMO_AUDIT` into the Merkle tree and publishes
signed checkpoints.

One sequencer works at a time. It holds a lease, the key `sequencer` in `PALERMO_LOCK`
(a bucket whose values expire after a fixed TTL), renews it with compare-and-set well
before the TTL, and stops writing the moment it cannot. The lease only decides *who*
works; *what* gets written is guarded by compare-and-set on every write, so a deposed
sequencer that wakes up late cannot overwrite its successor:

- leaves are read strictly by sequence, by batched direct gets (one request per batch,
  not per event); a missing sequence halts it (`AuditGap`), because a leaf the tree
  skipped could never be proved;
- each batch is stored atomically (`tiles.TreeStore.save`), so a successor resumes
  from exactly where the predecessor's last completed batch ended;
- a checkpoint is signed only after a consistency proof from the stored tiles shows it
  extends the latest published one, and is published by compare-and-set on that one's
  revision. Every published checkpoint thus extends its predecessor, and consistency is
  transitive: no two published checkpoints can be inconsistent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections.abc import Callable
from typing import Final

import nats.errors
import nats.js.errors
import structlog
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from schemas import jsfetch, tlog
from schemas.keys import SigningKey
from schemas.nats_names import CHECKPOINT_KEY
from schemas.note import Checkpoint, NoteError, NoteVerifier, open_checkpoint, sign_checkpoint

from . import topology
from .errors import BrokerError
from .tiles import StateConflict, TileBuilder, TreeCorrupt, TreeState, TreeStore
from .tlog_proofs import (
    ProofService,
    consistency_proof,
    inclusion_proof,
    latest_checkpoint,
)

__all__ = [
    "AuditGap",
    "CheckpointConflict",
    "CheckpointInconsistent",
    "LeaseLost",
    "ProofService",
    "Sequencer",
    "SequencerError",
    "consistency_proof",
    "inclusion_proof",
    "latest_checkpoint",
]

log = structlog.get_logger(__name__)

LOCK_KEY: Final = "sequencer"
BATCH_TIMEOUT: Final = 5.0
"""Seconds a batched read of the audit stream may take before it counts as failed."""
_NATS_ERRORS = (nats.errors.Error, nats.js.errors.Error)


class SequencerError(BrokerError):
    """Base class of sequencer failures."""


class LeaseLost(SequencerError):
    """The lease could not be renewed in time: this instance must stop writing."""


class AuditGap(SequencerError):
    """The audit stream lacks a sequence number the tree needs next."""

    def __init__(self, seq: int) -> None:
        self.seq = seq
        super().__init__(f"audit stream has no message at sequence {seq}; folding halted")


class CheckpointInconsistent(SequencerError):
    """The tree does not extend the latest published checkpoint: never sign it."""


class CheckpointConflict(SequencerError):
    """Another writer published a checkpoint first (compare-and-set failed)."""


class Sequencer:
    """Elects itself, folds the audit stream into the tree, publishes checkpoints.

    Run it with `await sequencer.run()` inside the caller's TaskGroup; `stop()` ends it
    after giving up the lease. `run()` returns on stop, and raises on anything that
    must halt the log (`AuditGap`, `TreeCorrupt`, `CheckpointInconsistent`).

    Args:
        js: JetStream context of a bootstrapped broker.
        key: the log's dedicated Ed25519 key (not the broker's notice key).
        origin: the log's origin line and signed-note key name.
        instance_id: this process's unique id, stored as the lease holder.
        clock: monotonic seconds (lease and publish timing).
        interval: least time between two checkpoints.
        lease_ttl: the lock bucket's TTL; the lease is renewed every third of it.
        lock_retry: how often a standby tries to take the lease.
        batch: most leaves read and stored per step.
        stream: the audit stream (another name only in tests).
    """

    def __init__(
        self,
        js: JetStreamContext,
        key: SigningKey,
        origin: str,
        instance_id: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = 0.5,
        lease_ttl: float = 10.0,
        lock_retry: float = 1.0,
        batch: int = 256,
        stream: str = topology.AUDIT,
    ) -> None:
        self._js = js
        self._key = key
        self._verifier = NoteVerifier.for_key(origin, key)
        self._origin = origin
        self._id = instance_id.encode()
        self._clock = clock
        self._interval = interval
        self._ttl = lease_ttl
        self._retry = lock_retry
        self._batch = batch
        self._stream = stream
        self._stop = asyncio.Event()
        self._lease_rev = 0
        self._renewed_at = -math.inf
        self.leading = asyncio.Event()
        """Set while this instance holds the lease and folds."""
        self.size = 0
        """Leaves folded and stored by this instance's view of the tree."""
        self.published_size = 0
        """Tree size of the latest checkpoint this instance published or resumed from."""
        self._log = log.bind(instance=instance_id, origin=origin)

    @property
    def vkey(self) -> str:
        """The log's verifier key string, to publish to authorities."""
        return self._verifier.vkey

    def stop(self) -> None:
        """Ask `run()` to finish its step, publish what it folded and give up the lease."""
        self._stop.set()

    async def run(self) -> None:
        """Stand by for the lease, then lead until stopped; step down and stand by again
        if the lease or a compare-and-set is lost."""
        lock = await self._js.key_value(topology.KV_LOCK)
        checkpoints = await self._js.key_value(topology.KV_CHECKPOINTS)
        store = await TreeStore.open(self._js)
        while not self._stop.is_set():
            if not await self._acquire(lock):
                return
            try:
                await self._lead(lock, checkpoints, store)
            except (LeaseLost, StateConflict, CheckpointConflict) as exc:
                self._log.warning("sequencer_stepped_down", reason=type(exc).__name__)
            except (*_NATS_ERRORS, TimeoutError) as exc:
                # JetStream did not answer a read or write of the tree or checkpoint
                # (a stream's leader moving to another node): nothing unverified was
                # signed, so step down and resume, checked, once it answers again.
                self._log.warning("sequencer_stepped_down", reason=type(exc).__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self._retry)
            finally:
                self.leading.clear()
                await self._release(lock)

    # --- lease -----------------------------------------------------------------------

    async def _acquire(self, lock: KeyValue) -> bool:
        while not self._stop.is_set():
            started = self._clock()
            try:
                self._lease_rev = await lock.create(LOCK_KEY, self._id)
            except nats.js.errors.KeyWrongLastSequenceError:
                if await self._retake(lock, started):
                    return True
            except _NATS_ERRORS as exc:
                self._log.warning("lease_unavailable", error=type(exc).__name__)
            else:
                self._renewed_at = started
                self._log.info("lease_acquired")
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._retry)
        return False

    async def _retake(self, lock: KeyValue, started: float) -> bool:
        """After our own step-down the key may still name us until it expires."""
        try:
            entry = await lock.get(LOCK_KEY)
            if entry.value != self._id or entry.revision is None:
                return False
            self._lease_rev = await lock.update(LOCK_KEY, self._id, last=entry.revision)
        except _NATS_ERRORS:
            return False
        self._renewed_at = started
        return True

    async def _renew_if_due(self, lock: KeyValue) -> None:
        if self._clock() - self._renewed_at < self._ttl / 3:
            return
        started = self._clock()
        try:
            self._lease_rev = await lock.update(LOCK_KEY, self._id, last=self._lease_rev)
        except _NATS_ERRORS as exc:
            raise LeaseLost(f"lease renewal failed ({type(exc).__name__})") from exc
        self._renewed_at = started

    def _check_lease(self) -> None:
        """Refuse to write once the lease is older than 60% of its TTL: a renewal that
        was due has not happened, and the margin covers the write's own latency."""
        if self._clock() - self._renewed_at > 0.6 * self._ttl:
            raise LeaseLost("lease too old to write safely")

    async def _release(self, lock: KeyValue) -> None:
        if not self._lease_rev:
            return
        rev, self._lease_rev, self._renewed_at = self._lease_rev, 0, -math.inf
        # Cancellation may be what brought us here; the delete is bounded and best
        # effort (if it fails, the TTL frees the lease).
        with contextlib.suppress(*_NATS_ERRORS, TimeoutError):
            async with asyncio.timeout(2.0):
                await lock.delete(LOCK_KEY, last=rev)
        self._log.info("lease_released")

    # --- folding ---------------------------------------------------------------------

    async def _lead(self, lock: KeyValue, checkpoints: KeyValue, store: TreeStore) -> None:
        state, state_rev = await store.load()
        latest, cp_rev = await self._read_latest(checkpoints)
        await self._check_resume(store, state, latest)
        compact = state.compact()
        builder = TileBuilder(state)
        self.size = compact.size
        self.published_size = latest.size if latest else 0
        self.leading.set()
        self._log.info("sequencer_leading", size=compact.size, published=self.published_size)
        last_publish = -math.inf
        while not self._stop.is_set():
            await self._renew_if_due(lock)
            payloads = await self._get_batch(compact.size + 1, self._batch)
            if payloads:
                for payload in payloads:
                    builder.add(compact.append(tlog.leaf_hash(payload)))
                self._check_lease()
                state = builder.state(compact)
                state_rev = await store.save(state, builder.full, state_rev)
                builder.full.clear()
                self.size = compact.size
                self._log.debug("tree_stored", size=compact.size)
            if compact.size > self.published_size and (
                self._clock() - last_publish >= self._interval
            ):
                latest, cp_rev = await self._publish(checkpoints, store, state, latest, cp_rev)
                last_publish = self._clock()
            if not payloads:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), min(self._interval / 4, 0.25))
        if compact.size > self.published_size:
            await self._publish(checkpoints, store, state, latest, cp_rev)

    async def _check_resume(
        self, store: TreeStore, state: TreeState, latest: Checkpoint | None
    ) -> None:
        """Before folding on from a stored state, check it against the stream and the
        latest checkpoint: its root at the checkpoint's size must be the signed root,
        and the leaves after that (not yet covered by a signature) must be the stream's."""
        if latest is not None and latest.size <= state.size:
            reader = await store.reader(state, tlog.subtrees(0, latest.size))
            if tlog.tree_root(latest.size, reader) != latest.root_hash:
                raise TreeCorrupt(f"stored tree disagrees with the checkpoint at {latest.size}")
        start = latest.size if latest is not None and latest.size <= state.size else 0
        if state.size and start == 0:
            start = state.size - 1  # at least the last leaf: is this tree of this stream?
        stored = await store.leaf_hashes(state, start, state.size)
        for offset in range(0, len(stored), self._batch):
            count = min(self._batch, len(stored) - offset)
            payloads = await self._read(start + offset + 1, count, until=state.size)
            for i, payload in enumerate(payloads):
                if tlog.leaf_hash(payload) != stored[offset + i]:
                    raise TreeCorrupt(f"stored leaf {start + offset + i} differs from the stream")

    async def _read(self, first: int, count: int, *, until: int | None = None) -> list[bytes]:
        """Payloads of sequences first.. (at most `count`) that the stream holds now."""
        try:
            info = await self._js.stream_info(self._stream)
        except _NATS_ERRORS as exc:
            raise LeaseLost(f"audit stream unreadable ({type(exc).__name__})") from exc
        last = info.state.last_seq or 0
        if (until is not None and last < until) or last < first - 1:
            raise TreeCorrupt(f"tree has {first - 1} leaves, the audit stream {last} events")
        if (info.state.first_seq or 1) > first and last >= first:
            raise AuditGap(first)
        payloads = await self._get_batch(first, min(last, first + count - 1) - first + 1)
        if len(payloads) < min(last, first + count - 1) - first + 1:
            raise AuditGap(first + len(payloads))
        return payloads

    async def _get_batch(self, first: int, count: int) -> list[bytes]:
        """Payloads of sequences first.. (at most `count`, fewer if the stream ends
        sooner) in one batched direct get: one request, the events streamed back, an
        end-of-batch status last. The server skips a missing sequence, so each event
        must carry the next one: any other is a gap (`AuditGap`)."""
        if count <= 0:
            return []
        # nats-py 2.16 has no batched direct get: the request is made on its connection.
        nc = self._js._nc
        subject = f"{self._js._prefix}.DIRECT.GET.{self._stream}"
        inbox = nc.new_inbox()
        request = json.dumps({"seq": first, "batch": count}).encode()
        payloads: list[bytes] = []
        try:
            sub = await nc.subscribe(inbox)
            try:
                await nc.publish(subject, request, inbox)
                async with asyncio.timeout(BATCH_TIMEOUT):
                    while True:
                        msg = await jsfetch.next_msg(sub, wait=BATCH_TIMEOUT)
                        headers = msg.headers or {}
                        status = headers.get("Status")
                        if status in {"204", "404"}:  # end of batch; none at first
                            return payloads
                        if status is not None:
                            raise LeaseLost(f"audit read failed (status {status})")
                        if int(headers.get("Nats-Sequence", "0")) != first + len(payloads):
                            raise AuditGap(first + len(payloads))
                        payloads.append(msg.data or b"")
            finally:
                await sub.unsubscribe()
        except (*_NATS_ERRORS, TimeoutError) as exc:
            raise LeaseLost(f"audit read failed ({type(exc).__name__})") from exc

    # --- checkpoints -----------------------------------------------------------------

    async def _read_latest(self, checkpoints: KeyValue) -> tuple[Checkpoint | None, int]:
        try:
            entry = await checkpoints.get(CHECKPOINT_KEY)
        except nats.js.errors.KeyNotFoundError:
            return None, 0
        try:
            checkpoint = open_checkpoint(entry.value or b"", self._verifier)
        except NoteError as exc:
            raise TreeCorrupt("latest checkpoint does not verify under the log key") from exc
        return checkpoint, entry.revision or 0

    async def _publish(
        self,
        checkpoints: KeyValue,
        store: TreeStore,
        state: TreeState,
        latest: Checkpoint | None,
        revision: int,
    ) -> tuple[Checkpoint, int]:
        root = state.compact().root()
        if latest is not None:
            if latest.size > state.size:
                return latest, revision  # still catching up to what was published
            # The proof comes from the stored tiles and the new root from the in-memory
            # frontier: both must agree with the signed old root, or we sign nothing.
            reader = await store.reader(state, tlog.consistency_nodes(latest.size, state.size))
            proof = tlog.consistency_proof(latest.size, state.size, reader)
            try:
                tlog.verify_consistency(latest.size, state.size, latest.root_hash, root, proof)
            except tlog.ProofInvalid as exc:
                raise CheckpointInconsistent(
                    f"tree of size {state.size} does not extend checkpoint {latest.size}"
                ) from exc
        checkpoint = Checkpoint(self._origin, state.size, root)
        note = sign_checkpoint(checkpoint, self._key)
        self._check_lease()
        try:
            if revision:
                new_rev = await checkpoints.update(CHECKPOINT_KEY, note, last=revision)
            else:
                new_rev = await checkpoints.create(CHECKPOINT_KEY, note)
        except nats.js.errors.KeyWrongLastSequenceError as exc:
            raise CheckpointConflict("a checkpoint was published by another writer") from exc
        self.published_size = state.size
        self._log.info("checkpoint_published", size=state.size)
        return checkpoint, new_rev
