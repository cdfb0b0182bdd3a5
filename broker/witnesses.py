"""The witness collector: asks the configured witnesses to cosign each new checkpoint
(c2sp.org/tlog-witness) and publishes the checkpoint with their cosignatures.

It runs beside the sequencer, never in its way: the sequencer publishes `latest` as
before, and the collector reads it, sends `add-checkpoint` to every witness that has
not cosigned it yet (concurrently, each bounded by `witnessing.timeout`), and stores
the log's note with the cosignatures it got under `cosigned` in the checkpoints bucket.
Each witness has at most one request in flight, and each request publishes what it got
when it ends: a witness that is down or hangs costs its own cosignature only. After a
failure it is left alone for `witnessing.backoff` seconds and asked again with
whatever checkpoint is latest then.

Per witness it remembers the size the witness last cosigned (0 at start). A 409 says
the witness holds another size: the collector retries once from that size with the
consistency proof from it (a witness that restarted, or one another broker instance
fed). `cosigned` only moves forward, by compare-and-set: a larger checkpoint, or the
same one with more cosignatures. Only the instance whose sequencer leads collects.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import aiohttp
import nats.errors
import nats.js.errors
import structlog
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from schemas.nats_names import CHECKPOINT_KEY, COSIGNED_KEY
from schemas.note import Checkpoint, NoteError, NoteVerifier, open_checkpoint, parse_note
from schemas.witness import (
    AddCheckpoint,
    WitnessKey,
    count_cosignatures,
    merge_signatures,
    parse_cosignature_response,
    parse_size,
    verify_cosignature,
)

from . import topology
from .config import WitnessingConfig
from .errors import BrokerError
from .metrics import Metrics
from .tlog_proofs import consistency_proof

log = structlog.get_logger(__name__)

_NATS_ERRORS = (nats.errors.Error, nats.js.errors.Error)
MAX_ANSWER: Final = 64 * 1024
"""Bytes of a witness answer read at most (a few signature lines are ~150 bytes)."""


class WitnessFailed(BrokerError):
    """A witness did not cosign: down, too slow, refused, or answered nonsense."""


@dataclass
class _Peer:
    """What the collector knows of one witness."""

    key: WitnessKey
    url: str
    size: int = 0
    """The size this witness last cosigned, as far as we know."""
    line: tuple[Checkpoint, str] | None = None
    """Its cosignature of the checkpoint it last cosigned for us."""
    retry_at: float = 0.0
    failures: int = 0
    request: asyncio.Task[None] | None = None
    """The add-checkpoint request in flight, if any (one at a time per witness)."""


class WitnessCollector:
    """Collects cosignatures for the latest checkpoint; `run(stop)` until stopped.

    Args:
        js: JetStream of a bootstrapped broker.
        verifier: the log's checkpoint verifier (origin and log key).
        config: the witnesses and their timeout, backoff and polling interval.
        leading: whether this instance's sequencer leads (only the leader collects).
        metrics: where requests and the cosigned size are counted.
        clock: monotonic seconds (backoff).
    """

    def __init__(
        self,
        js: JetStreamContext,
        verifier: NoteVerifier,
        config: WitnessingConfig,
        *,
        leading: Callable[[], bool] = lambda: True,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._js = js
        self._metrics = metrics or Metrics()
        self._verifier = verifier
        self._config = config
        self._leading = leading
        self._clock = clock
        # `WitnessingConfig` has checked each vkey parses and names its witness.
        self._peers = [
            _Peer(WitnessKey.from_vkey(w.vkey), w.url.rstrip("/")) for w in config.witnesses
        ]
        self._publishing = asyncio.Lock()
        self.published = asyncio.Event()
        """Set each time a cosigned checkpoint is stored (for tests and readiness)."""

    @property
    def witnesses(self) -> list[WitnessKey]:
        """The configured witnesses' keys."""
        return [p.key for p in self._peers]

    async def run(self, stop: asyncio.Event) -> None:
        """Collect until `stop` is set. A failing step is logged and tried again: the
        collector never stops the broker, nor the sequencer."""
        if not self._peers:
            return
        kv = await self._js.key_value(topology.KV_CHECKPOINTS)
        timeout = aiohttp.ClientTimeout(total=self._config.timeout)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            asyncio.TaskGroup() as requests,
        ):
            try:
                while not stop.is_set():
                    try:
                        await self.step(kv, session, requests)
                    except Exception as exc:  # a witness or the bucket failing is never fatal
                        log.warning("witness_step_failed", error=type(exc).__name__)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self._config.interval)
            finally:
                for peer in self._peers:
                    if peer.request is not None:
                        peer.request.cancel()

    async def step(
        self, kv: KeyValue, session: aiohttp.ClientSession, requests: asyncio.TaskGroup
    ) -> None:
        """One look at the latest checkpoint: ask each witness that lacks it, is not
        backing off and has no request in flight. Each request is a task of `requests`
        and publishes what it got when it ends, so a witness that hangs holds up its own
        cosignature only."""
        if not self._leading():
            return
        try:
            entry = await kv.get(CHECKPOINT_KEY)
        except nats.js.errors.KeyNotFoundError:
            return
        note = entry.value or b""
        try:
            checkpoint = open_checkpoint(note, self._verifier)
        except NoteError as exc:
            log.error("witness_latest_unverified", error=str(exc))
            return
        now = self._clock()
        for peer in self._peers:
            if (
                peer.request is None
                and peer.retry_at <= now
                and (peer.line is None or peer.line[0] != checkpoint)
            ):
                peer.request = requests.create_task(
                    self._ask_and_publish(kv, peer, note, checkpoint, session)
                )

    async def _ask_and_publish(
        self,
        kv: KeyValue,
        peer: _Peer,
        note: bytes,
        checkpoint: Checkpoint,
        session: aiohttp.ClientSession,
    ) -> None:
        try:
            if not await self._ask(peer, note, checkpoint, session):
                return
            async with self._publishing:
                lines = [p.line[1] for p in self._peers if p.line and p.line[0] == checkpoint]
                try:
                    await self._publish(kv, merge_signatures(note, lines), checkpoint, len(lines))
                except _NATS_ERRORS as exc:
                    log.warning("cosigned_checkpoint_unpublished", error=type(exc).__name__)
        finally:
            peer.request = None

    async def _ask(
        self, peer: _Peer, note: bytes, checkpoint: Checkpoint, session: aiohttp.ClientSession
    ) -> bool:
        """Ask one witness; whether it cosigned (failures are logged and backed off)."""
        try:
            async with asyncio.timeout(self._config.timeout):
                line = await self._submit(peer, note, checkpoint, session, retry=True)
        except Exception as exc:  # down, slow, refusing, or a proof we cannot make: logged
            peer.failures += 1
            self._metrics.witness_requests.labels(peer.key.name, "failed").inc()
            peer.retry_at = self._clock() + self._config.backoff
            log.warning(
                "witness_unavailable",
                witness=peer.key.name,
                size=checkpoint.size,
                error=str(exc) if isinstance(exc, WitnessFailed) else type(exc).__name__,
            )
            return False
        peer.line = (checkpoint, line)
        peer.size = checkpoint.size
        peer.failures = 0
        self._metrics.witness_requests.labels(peer.key.name, "cosigned").inc()
        log.info("witness_cosigned", witness=peer.key.name, size=checkpoint.size)
        return True

    async def _submit(
        self,
        peer: _Peer,
        note: bytes,
        checkpoint: Checkpoint,
        session: aiohttp.ClientSession,
        *,
        retry: bool,
    ) -> str:
        old = peer.size if peer.size <= checkpoint.size else 0
        proof = await self._proof(old, checkpoint.size)
        body = AddCheckpoint(old, tuple(proof), note).encode()
        async with session.post(f"{peer.url}/add-checkpoint", data=body) as resp:
            answer = await resp.content.read(MAX_ANSWER)
            status = resp.status
        if status == 409:
            try:
                size = parse_size(answer)
            except NoteError as exc:
                raise WitnessFailed(f"409 without a size: {exc}") from exc
            if size > checkpoint.size:
                raise WitnessFailed(f"witness holds size {size}, above our {checkpoint.size}")
            peer.size = size
            if not retry:
                raise WitnessFailed(f"409 again: witness holds size {size}")
            return await self._submit(peer, note, checkpoint, session, retry=False)
        if status != 200:
            reason = answer.decode("utf-8", "replace").splitlines()[:1]
            raise WitnessFailed(f"HTTP {status}: {reason[0][:200] if reason else ''}")
        return self._own_line(peer, answer, checkpoint)

    def _own_line(self, peer: _Peer, answer: bytes, checkpoint: Checkpoint) -> str:
        """The witness's verified cosignature line in its answer (others are ignored)."""
        try:
            lines = parse_cosignature_response(answer)
        except NoteError as exc:
            raise WitnessFailed(f"answer is not signature lines: {exc}") from exc
        for line in lines:
            (sig,) = parse_note(f"{checkpoint.text()}\n{line}".encode()).signatures
            if peer.key.matches(sig):
                try:
                    verify_cosignature(checkpoint.text(), sig, peer.key)
                except NoteError as exc:
                    raise WitnessFailed(f"cosignature does not verify: {exc}") from exc
                return line
        raise WitnessFailed("answer holds no cosignature by this witness's key")

    async def _proof(self, old: int, new: int) -> list[bytes]:
        if old in (0, new):
            return []
        return await consistency_proof(self._js, old, new)

    async def _publish(self, kv: KeyValue, note: bytes, checkpoint: Checkpoint, count: int) -> None:
        """Store `note` under `cosigned` unless what is there is larger, or the same
        checkpoint with as many cosignatures (compare-and-set on its revision)."""
        revision = 0
        try:
            entry = await kv.get(COSIGNED_KEY)
        except nats.js.errors.KeyNotFoundError:
            entry = None
        if entry is not None:
            revision = entry.revision or 0
            with contextlib.suppress(NoteError):  # an unreadable entry is replaced
                held = open_checkpoint(entry.value or b"", self._verifier)
                have = len(count_cosignatures(entry.value or b"", self.witnesses))
                if held.size > checkpoint.size or (held.size == checkpoint.size and have >= count):
                    return
        try:
            if revision:
                await kv.update(COSIGNED_KEY, note, last=revision)
            else:
                await kv.create(COSIGNED_KEY, note)
        except nats.js.errors.KeyWrongLastSequenceError:
            log.info("cosigned_checkpoint_raced", size=checkpoint.size)
            return
        self.published.set()
        self._metrics.cosigned_size.set(checkpoint.size)
        log.info("cosigned_checkpoint_published", size=checkpoint.size, cosignatures=count)
