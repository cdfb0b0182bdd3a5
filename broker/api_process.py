"""The request API (checkpoints and proofs) in a process of its own.

A separate NATS connection is not enough isolation on its own: nats-py reads and parses
every message of a connection in the process's one event loop, so a flood of requests,
even when every one of them is dropped, would take that loop's time from the pipeline
(measured: an honest sender's p99 went from 39 ms to 4.2 s with the API on its own
connection in the broker's process). In a child process the flood costs the pipeline
nothing but a CPU core's share; what the child cannot read in time, nats-server drops
for it (a slow consumer), never the broker's memory.

The child holds no key and no secret beyond the NATS credentials: it only reads the
tree and checkpoint buckets. It counts what it sheds and answers in its own metrics and
copies the totals into shared memory twice a second; `ApiProcess` adds them to the
broker's `/metrics`. It stops when told (SIGTERM), when the broker process is gone, and
the broker restarts it if it dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import multiprocessing
import multiprocessing.process
import os
import signal
from multiprocessing.synchronize import Event as MpEvent
from typing import Final

import msgspec
import structlog

from schemas import logs

from .config import BrokerConfig, OpsConfig
from .metrics import Metrics
from .tlog_proofs import ProofService, connection_errors

log = structlog.get_logger(__name__)

SHED: Final = ("rate", "queue_full")
ANSWERED: Final = ("ok", "malformed", "unavailable", "internal")
RELAY_EVERY: Final = 0.5
"""Seconds between two copies of the child's counters (and checks of its parent)."""
START_TIMEOUT: Final = 60.0
"""Seconds a child may take to connect and subscribe (a loaded host starts Python slowly)."""
RESTART_DELAY: Final = 1.0
NICE: Final = 10
"""Added to the child's scheduling niceness: when a flood makes the API busy, the CPU
goes to the pipeline first and the API's answers wait."""

Shared = ctypes.Array[ctypes.c_double]
_SPAWN = multiprocessing.get_context("spawn")  # never fork a process that runs threads


def _counts(metrics: Metrics) -> list[float]:
    """The child's counter totals in a fixed order: shed reasons, then outcomes."""

    def value(name: str, labels: dict[str, str]) -> float:
        return metrics.registry.get_sample_value(name, labels) or 0.0

    return [value("palermo_api_requests_shed_total", {"reason": r}) for r in SHED] + [
        value("palermo_api_requests_answered_total", {"outcome": o}) for o in ANSWERED
    ]


def _store(shared: Shared, metrics: Metrics) -> None:
    for i, value in enumerate(_counts(metrics)):
        shared[i] = value


def _child(
    servers: str | list[str], config_bytes: bytes, ppid: int, shared: Shared, ready: MpEvent
) -> None:
    os.nice(NICE)
    config = msgspec.msgpack.decode(config_bytes, type=BrokerConfig)
    logs.configure(config.log_format, config.log_level)
    asyncio.run(_serve(servers, config, ppid, shared, ready))


async def _serve(
    servers: str | list[str],
    config: BrokerConfig,
    ppid: int,
    shared: Shared,
    ready: MpEvent,
) -> None:
    from .service import connect  # noqa: PLC0415  (service imports this module)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # SIGINT too: a terminal's Ctrl-C reaches the whole group; the broker decides.
        loop.add_signal_handler(sig, stop.set)
    metrics = Metrics()
    nc = await connect(
        servers, config, name="palermo-broker-api", error_cb=connection_errors(metrics)
    )
    # The tree is read on a second connection: JetStream's answers must not queue behind
    # a flood of requests on the first one, or admitted requests would time out.
    js_nc = await connect(servers, config, name="palermo-broker-api-reads")
    try:
        async with ProofService(nc, js_nc.jetstream(), limits=config.api, metrics=metrics):
            await nc.flush()
            ready.set()
            log.info("api_serving", pid=os.getpid())
            # The parent check: a SIGKILLed broker cannot tell its child to stop.
            while not stop.is_set() and os.getppid() == ppid:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(RELAY_EVERY):
                        await stop.wait()
                _store(shared, metrics)
    finally:
        _store(shared, metrics)
        for conn in (nc, js_nc):
            try:
                async with asyncio.timeout(5.0):
                    await conn.drain()
            except TimeoutError:
                await conn.close()


class ApiProcess:
    """Runs the request API in a child process and relays its counters into `metrics`.

    `await run(stop)` starts the child, sets `ready` once it answers, restarts it if it
    dies, and stops it (SIGTERM, then SIGKILL after `grace` seconds) when `stop` is set.
    """

    def __init__(
        self,
        servers: str | list[str],
        config: BrokerConfig,
        metrics: Metrics,
        *,
        grace: float = 10.0,
    ) -> None:
        # Nothing the child does not need crosses: no keystore passphrase, no ops token.
        child_config = msgspec.structs.replace(config, passphrase=None, ops=OpsConfig())
        self._config = msgspec.msgpack.encode(child_config)
        self._servers = servers
        self._metrics = metrics
        self._grace = grace
        self.ready = asyncio.Event()
        self.pid: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set."""
        while not stop.is_set():
            await self._run_once(stop)
            if not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(RESTART_DELAY):
                        await stop.wait()

    async def _run_once(self, stop: asyncio.Event) -> None:
        shared = _SPAWN.Array("d", len(SHED) + len(ANSWERED), lock=False)
        started = _SPAWN.Event()
        process = _SPAWN.Process(
            target=_child,
            args=(self._servers, self._config, os.getpid(), shared, started),
            name="palermo-broker-api",
            daemon=True,
        )
        process.start()
        self.pid = process.pid
        seen = [0.0] * len(shared)
        try:
            # Polled, not waited on in a thread: a stop during start must not hang.
            deadline = asyncio.get_running_loop().time() + START_TIMEOUT
            while not started.is_set():
                if stop.is_set() or not process.is_alive():
                    return
                if asyncio.get_running_loop().time() > deadline:
                    log.error("api_process_start_timeout", pid=process.pid)
                    return
                await asyncio.sleep(0.05)
            self.ready.set()
            while process.is_alive() and not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(RELAY_EVERY):
                        await stop.wait()
                seen = self._relay(shared, seen)
            if not stop.is_set():
                log.error("api_process_exited", pid=process.pid, exitcode=process.exitcode)
        finally:
            await self._end(process)
            self._relay(shared, seen)

    def _relay(self, shared: Shared, seen: list[float]) -> list[float]:
        now = list(shared[:])
        for i, reason in enumerate(SHED):
            if now[i] > seen[i]:
                self._metrics.api_shed.labels(reason).inc(now[i] - seen[i])
        for j, outcome in enumerate(ANSWERED, start=len(SHED)):
            if now[j] > seen[j]:
                self._metrics.api_answered.labels(outcome).inc(now[j] - seen[j])
        return now

    async def _end(self, process: multiprocessing.process.BaseProcess) -> None:
        if process.is_alive():
            process.terminate()
        await asyncio.to_thread(process.join, self._grace)
        if process.is_alive():
            process.kill()
            await asyncio.to_thread(process.join)
        process.close()
