"""The broker process: its tasks, their owner, readiness, and a bounded drain.

`Broker.run()` owns every background task in one `asyncio.TaskGroup`: the directory
watch, the ingress worker, the sweeper, the audit sequencer, the witness collector (when
witnesses are configured), the request API (proofs and checkpoints, in a process of its
own: `broker.api_process`) and the ops API.
`stop` (SIGTERM, SIGINT) makes the worker finish the batch in hand — nothing is acked
that was not processed — and the rest wind down within `shutdown_timeout`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext

from schemas.directory import AuthorityRecord
from schemas.keystore import BrokerKeys
from schemas.nats_connect import server_urls
from schemas.note import NoteVerifier

from . import topology
from .api_process import ApiProcess
from .config import BrokerConfig, duplicate_window, seen_window
from .directory_store import DirectoryWatch
from .errors import ConfigError
from .metrics import Metrics
from .natsconfig import AccountLimits
from .natshub import AccountPusher, load_hub
from .sequencer import Sequencer
from .sweeper import Sweeper
from .tlog_proofs import ErrorCallback
from .witnesses import WitnessCollector
from .worker import Health, Worker

log = structlog.get_logger(__name__)

API_START_WAIT = 30.0
"""Seconds readiness waits for the request API's process before going ahead without."""

ExtraTask = Callable[["Broker", asyncio.Event], Coroutine[Any, Any, None]]


def topology_settings(config: BrokerConfig) -> topology.TopologySettings:
    """Stream and bucket limits from the configuration."""
    n = config.nats
    return topology.TopologySettings(
        ingress_per_sender=n.ingress_per_sender,
        ack_wait=n.ack_wait,
        max_deliver=n.max_deliver,
        delivery_max_age=max(config.time.delivery_deadline * 2, 24 * 3600.0),
        seen_window=seen_window(config),
        duplicate_window=duplicate_window(config),
        replicas=n.replicas,
        evidence_bytes=config.quotas.evidence_bytes,
        store_bytes=config.quotas.store_bytes,
        store_reserve=config.quotas.store_reserve,
        evidence_domain=n.evidence_domain,
    )


def tls_context(ca_file: str | None) -> ssl.SSLContext | None:
    """TLS 1.3 verified against `ca_file` alone, or None (the server's choice) without;
    `ConfigError` if the file is not a readable PEM certificate."""
    if ca_file is None:
        return None
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a PEM CA"
        raise ConfigError(f"nats.tls_ca_file {ca_file}: {reason}") from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context


async def connect(
    url: str | list[str],
    config: BrokerConfig,
    name: str = "palermo-broker",
    error_cb: ErrorCallback | None = None,
) -> Client:
    """A NATS connection with the broker's credentials, retrying while NATS restarts;
    `url` may name several servers (a cluster), comma-separated."""
    return await nats.connect(
        server_urls(url),
        name=name,
        error_cb=error_cb,
        user=config.nats.user,
        password=config.nats.password,
        nkeys_seed=config.nats.nkey_seed_file,
        user_credentials=config.nats.creds_file,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        tls=tls_context(config.nats.tls_ca_file),
    )


@dataclass
class Broker:
    """One broker process on an open NATS connection."""

    config: BrokerConfig
    keys: BrokerKeys
    nc: Client
    metrics: Metrics = field(default_factory=Metrics)
    health: Health = field(default_factory=Health)
    extra_tasks: list[ExtraTask] = field(default_factory=list)
    shutdown_timeout: float = 15.0
    clock: Callable[[], float] = time.time
    """Wall-clock seconds for the worker's and the sweeper's decisions (notice times,
    delivery deadlines); a seam for tests. Ingress times come from JetStream."""

    def __post_init__(self) -> None:
        self.js: JetStreamContext = self.nc.jetstream()
        self.accounts: AccountPusher | None = None
        """Pushes authorities' account JWTs to the resolver (operator mode only)."""
        changes: asyncio.Queue[AuthorityRecord] | None = None
        if self.config.nats.accounts_dir is not None:
            changes = asyncio.Queue()
            hub = load_hub(
                Path(self.config.nats.accounts_dir),
                limits=AccountLimits.from_quotas(self.config.quotas),
            )
            self.accounts = AccountPusher(
                hub, self.js, topology_settings(self.config), changes,
                tls=tls_context(self.config.nats.tls_ca_file),
            )  # fmt: skip
        self.watch = DirectoryWatch(
            self.js, bytes.fromhex(self.config.directory_root), changes=changes
        )
        self.ready = asyncio.Event()
        self.api: ApiProcess | None = None
        """The request API's process, once started."""
        self.collector: WitnessCollector | None = None
        """The witness collector, once started (only with witnesses configured)."""

    @property
    def is_ready(self) -> bool:
        """Directory loaded and fresh, NATS connected, audit appends succeeding."""
        if not (self.ready.is_set() and self.nc.is_connected and self.health.audit_ok):
            return False
        try:
            self.watch.directory.check_fresh()
        except Exception:
            return False
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Bootstrap, then run every task until `stop` is set; drain within the timeout."""
        settings = topology_settings(self.config)
        await topology.bootstrap(self.js, settings)
        await _widen_audit_window(self.js, settings.duplicate_window)
        executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="verify")
        worker = Worker(
            self.nc,
            self.js,
            self.config,
            self.watch,
            self.keys.notice,
            self.metrics,
            self.health,
            executor,
            clock=self.clock,
        )
        sweeper = Sweeper(
            self.nc,
            self.js,
            self.keys.notice,
            self.metrics,
            delivery_deadline=self.config.time.delivery_deadline,
            interval=self.config.time.sweep_interval,
            clock=self.clock,
        )
        try:
            async with asyncio.TaskGroup() as group:
                watch_task = group.create_task(_or_stop(self.watch.run(), stop))
                if self.accounts is not None:
                    url = self.config.nats.url or [u.geturl() for u in self.nc.servers]
                    push_task = group.create_task(_or_stop(self.accounts.run(url, stop), stop))
                await self._wait_for(self.watch.loaded, stop)
                api = self.api = ApiProcess(
                    self.config.nats.url or [u.geturl() for u in self.nc.servers],
                    self.config,
                    self.metrics,
                    grace=self.shutdown_timeout,
                )
                api_task = group.create_task(_or_stop(api.run(stop), stop))
                # Ready means authorities get answers: the API too, not only the pipeline.
                # Bounded: a child that cannot start must not hold the pipeline back (it
                # keeps being restarted, and logged).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(API_START_WAIT):
                        await self._wait_for(api.ready, stop)
                if not stop.is_set():
                    self.ready.set()
                    log.info("broker_ready", instance=self.config.instance)
                    tasks = [
                        group.create_task(_or_stop(worker.run(stop), stop)),
                        group.create_task(_or_stop(sweeper.run(stop), stop)),
                        group.create_task(_or_stop(self._sequence(stop), stop)),
                        group.create_task(_or_stop(self._collect(stop), stop)),
                        api_task,
                        *(
                            group.create_task(_or_stop(task(self, stop), stop))
                            for task in self.extra_tasks
                        ),
                    ]
                    await stop.wait()
                    self.ready.clear()
                    log.info("broker_draining", instance=self.config.instance)
                    _, pending = await asyncio.wait(tasks, timeout=self.shutdown_timeout)
                    for task in pending:
                        task.cancel()
                watch_task.cancel()
                if self.accounts is not None:
                    push_task.cancel()
        finally:
            executor.shutdown(wait=False, cancel_futures=True)
            log.info("broker_stopped", instance=self.config.instance)

    async def _sequence(self, stop: asyncio.Event) -> None:
        """Fold the audit stream into the signed tree (one leader across processes)."""
        self.sequencer = Sequencer(self.js, self.keys.log, self.config.origin, self.config.instance)
        run = asyncio.ensure_future(self.sequencer.run())
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({run, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if run.done() and run.exception() is not None:
                # A gap or an inconsistent tree halts the log, never the routing:
                # operators see it on /readyz's detail, in the logs and in metrics.
                self.health.sequencer_error = f"{type(run.exception()).__name__}"
                log.error("sequencer_halted", error=str(run.exception()))
                await stop.wait()
        finally:
            self.sequencer.stop()
            stopping.cancel()
            await _settle(run, self.shutdown_timeout)

    async def _collect(self, stop: asyncio.Event) -> None:
        """Ask the witnesses to cosign each new checkpoint (`broker.witnesses`). Its own
        task: a collector that fails is logged and stops alone, never the sequencer."""
        if not self.config.witnessing.witnesses:
            return
        try:
            self.collector = WitnessCollector(
                self.js,
                NoteVerifier.for_key(self.config.origin, self.keys.log),
                self.config.witnessing,
                leading=self._leading,
                metrics=self.metrics,
            )
            await self.collector.run(stop)
        except Exception as exc:
            log.error("witness_collector_halted", error=f"{type(exc).__name__}: {exc}")
            await stop.wait()

    def _leading(self) -> bool:
        sequencer: Sequencer | None = getattr(self, "sequencer", None)
        return sequencer is not None and sequencer.leading.is_set()

    async def _wait_for(self, event: asyncio.Event, stop: asyncio.Event) -> None:
        loaded = asyncio.ensure_future(event.wait())
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({loaded, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for f in (loaded, stopping):
                f.cancel()
            await asyncio.wait({loaded, stopping})


async def _or_stop(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> None:
    """Run `work`; if it fails, set `stop` before the error reaches the task group.

    The group then cancels the other tasks, but every one of them also ends by its own
    `stop` check: a cancellation can be lost inside nats-py (Python 3.11's
    `asyncio.wait_for` drops one that races a completed future), and a loop that lost
    it would otherwise wait on `stop` for ever and hang the shutdown."""
    try:
        await work
    except BaseException:
        stop.set()
        raise


async def _settle(task: asyncio.Future[Any], grace: float) -> None:
    """Let `task` end within `grace` seconds, else cancel it and wait for it. Its own failure
    was reported where it happened and is only collected here; a cancellation of the
    caller is not swallowed (`asyncio.wait` lets it through)."""
    _, pending = await asyncio.wait({task}, timeout=grace)
    if pending:
        task.cancel()
        await asyncio.wait({task})
    if not task.cancelled():
        task.exception()


async def _widen_audit_window(js: JetStreamContext, window: float) -> None:
    """Raise the audit stream's duplicate window to `window` if it is shorter.

    The audit stream is created once and its configuration otherwise never changed
    (`topology.bootstrap`); this is the one exception, and only upwards (it loosens
    nothing that protects history): a stream made with a window shorter than the
    seen-set's, by an older version or before past_window grew, could otherwise store
    the event of a re-sent envelope twice.
    """
    config = (await js.stream_info(topology.AUDIT)).config
    if (config.duplicate_window or 0.0) < window:
        log.warning("audit_duplicate_window_widened", old=config.duplicate_window, new=window)
        config.duplicate_window = window
        await js.update_stream(config)
