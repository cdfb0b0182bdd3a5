"""`palermo up`'s embedded nats-server: it dies with the broker, never runs twice on one
store, comes back on the same URL, and a kill of the broker mid-run loses nothing."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import nats.errors
import pytest

from broker.natsserver import NatsServer, StoreInUse
from clients import Endpoint, Received
from clients.errors import SendFailed
from schemas.keystore import load_keystore, load_root_key_bytes, read_keystore_file
from schemas.kinds import CaseReferral

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = 600
"""How many referrals cross the kill (the issue asks for at least 500)."""
KILL_AFTER = 200
"""The broker is killed once this many have been stored."""
READY = "Palermo broker is ready."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int, name: str) -> list[int]:
    """Live (not zombie) processes called `name` whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its ')'.
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        if comm == name and int(ppid) == pid and state != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether any thread of process `pid` still runs. A killed multi-threaded process
    shows as a zombie once its main thread has exited, but it holds its files (the
    store's lock) until the last thread has."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return False
    for task in tasks:
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] not in "ZX":
            return True
    return False


class Up:
    """One `palermo up --demo` process, its own process group as under a terminal."""

    def __init__(self, data: Path, stderr: Path) -> None:
        self.data = data
        self.stderr_path = stderr
        self.process: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []

    async def start(self, *, ready: bool = True) -> asyncio.subprocess.Process:
        # A short ack wait brings a delivery whose ack the kill lost back within
        # seconds rather than the default 30.
        config = self.data.parent / "broker.toml"
        config.write_text("[nats]\nack_wait = 2.0\n")
        with self.stderr_path.open("ab") as err:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "clients.cli", "up", "--demo", "--no-exchange",
                "--config", str(config), "--data-dir", str(self.data),
                "--ops-port", str(free_port()),
                cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                stdout=asyncio.subprocess.PIPE, stderr=err, start_new_session=True,
            )  # fmt: skip
        if ready:
            await self.wait_for(READY)
        return self.process

    async def wait_for(self, text: str) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        async with asyncio.timeout(90):
            while True:
                line = (await self.process.stdout.readline()).decode()
                assert line, "palermo up exited early:\n" + "".join(self.lines) + self.stderr()
                self.lines.append(line)
                if line.startswith(text):
                    return

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    async def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Send `sig` to the whole process group (a terminal's Ctrl-C does that)."""
        assert self.process is not None
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
        async with asyncio.timeout(30):
            return await self.process.wait()

    async def kill(self) -> None:
        """SIGKILL the broker process alone, as the OOM killer or `kill -9` would."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()


@contextlib.asynccontextmanager
async def running(up: Up) -> AsyncIterator[Up]:
    try:
        yield up
    finally:
        if up.process is not None and up.process.returncode is None:
            up.process.kill()
            await up.process.wait()


def nats_url(data: Path) -> str:
    return (data / "nats-url").read_text().strip()


async def wait_gone(pid: int, within: float) -> float:
    """Seconds until `pid` is gone; fails after `within` seconds."""
    start = time.monotonic()
    while alive(pid):
        assert time.monotonic() - start < within, f"nats-server {pid} outlived its parent"
        await asyncio.sleep(0.05)
    return time.monotonic() - start


async def send_all(data: Path, stored: list[bytes], deadline: float) -> None:
    """ng-naptip sends MESSAGES referrals to it-dna, resending each (same bytes) until
    the ingress stream confirms it, whatever happens to the broker meanwhile."""
    passphrase = (data / "demo-passphrase").read_text().strip()
    root = load_root_key_bytes(read_keystore_file(data / "root.keystore"), passphrase)
    keys = load_keystore(data / "ng-naptip.keystore", passphrase)
    async with await Endpoint.connect(
        nats_url(data), keys, root.public, publish_timeout=1.0
    ) as naptip:
        for n in range(MESSAGES):
            try:
                sealed = await naptip.send(CaseReferral(summary=f"Referral {n}."), to=["it-dna"])
            except SendFailed as exc:
                sealed = exc.sealed
                while True:
                    assert time.monotonic() < deadline, f"message {n} never stored"
                    await asyncio.sleep(0.2)
                    try:
                        await naptip.resend(sealed)
                        break
                    except SendFailed:
                        continue
            stored.append(sealed.binding.message_id)


async def receive(data: Path, counts: collections.Counter[bytes], deadline: float) -> None:
    """Count what it-dna's endpoint hands over, by message id, until MESSAGES have come
    and nothing more for 3 seconds. The endpoint rides out the kill on its reconnecting
    connection; a delivery that comes twice (an ack lost to the kill) is dropped by its
    seen-set, as the design has it, and must never be handed over twice."""
    passphrase = (data / "demo-passphrase").read_text().strip()
    root = load_root_key_bytes(read_keystore_file(data / "root.keystore"), passphrase)
    keys = load_keystore(data / "it-dna.keystore", passphrase)
    dna = await Endpoint.connect(nats_url(data), keys, root.public)
    quiet = False
    try:
        while len(counts) < MESSAGES or not quiet:
            assert time.monotonic() < deadline, f"{len(counts)} of {MESSAGES} arrived"
            quiet = True
            try:
                async for event in dna.events(idle_timeout=3):
                    if isinstance(event, Received) and event.sender == "ng-naptip":
                        counts[event.opened.binding.message_id] += 1
                        quiet = False
            except (nats.errors.Error, TimeoutError):
                # NATS itself failed (the server is being restarted): read on.
                await asyncio.sleep(0.2)
    finally:
        # Closing waits on a reconnect in progress; bounded, whatever happened.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await dna.aclose()


async def test_kill_and_restart_loses_nothing(tmp_path: Path) -> None:
    """SIGKILL of the broker mid-run takes its nats-server with it; the restarted broker
    serves the same URL, and it-dna receives every one of 600 referrals exactly once."""
    data = tmp_path / "data"
    up = Up(data, tmp_path / "broker.err")
    async with running(up):
        broker = await up.start()
        url = nats_url(data)
        (server,) = children(broker.pid, "nats-server")
        deadline = time.monotonic() + 120
        stored: list[bytes] = []
        counts: collections.Counter[bytes] = collections.Counter()
        sender = asyncio.create_task(send_all(data, stored, deadline))
        receiver = asyncio.create_task(receive(data, counts, deadline))
        try:
            while len(stored) < KILL_AFTER:
                assert not sender.done(), sender
                await asyncio.sleep(0.01)
            await up.kill()
            gone = await wait_gone(server, within=5)
            await up.start()
            assert nats_url(data) == url
            await asyncio.gather(sender, receiver)
        finally:
            sender.cancel()
            receiver.cancel()
        assert await up.stop() == 0
    lost = [m for m in stored if m not in counts]
    duplicated = [m for m, n in counts.items() if n > 1]
    print(f"nats-server gone {gone:.2f} s after the kill; {len(stored)} sent, "
          f"{len(lost)} lost, {len(duplicated)} duplicated")  # fmt: skip
    assert len(stored) == MESSAGES
    assert (len(lost), len(duplicated)) == (0, 0)
    assert set(counts) == set(stored)


async def test_second_up_refuses_and_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    """A second `palermo up` on a live data directory refuses in one line and exits 1;
    Ctrl-C (SIGINT to the terminal's process group) then stops the first without a
    traceback, its nats-server after it."""
    data = tmp_path / "data"
    first = Up(data, tmp_path / "first.err")
    second = Up(data, tmp_path / "second.err")
    async with running(first), running(second):
        broker = await first.start()
        (server,) = children(broker.pid, "nats-server")
        url = nats_url(data)
        refused = await second.start(ready=False)
        async with asyncio.timeout(60):
            assert refused.stdout is not None
            out = (await refused.stdout.read()).decode()
            code = await refused.wait()
        err = second.stderr().strip()
        assert code == 1
        assert err.splitlines() == [err]
        assert err.startswith(f"palermo: the NATS store {data / 'nats'} is in use by ")
        assert READY not in out
        assert nats_url(data) == url
        assert await first.stop(signal.SIGINT) == 0
        assert not alive(server)
    assert "Traceback" not in first.stderr()
    assert "Error" not in first.stderr()


async def test_store_lock_refuses_a_second_server(tmp_path: Path) -> None:
    """Two NatsServers on one store: the second raises StoreInUse before starting any
    process; once the first stops, the store opens again."""
    async with NatsServer(tmp_path / "s") as first:
        second = NatsServer(tmp_path / "s")
        with pytest.raises(StoreInUse, match=f"in use by process {os.getpid()}"):
            await second.start()
        assert second.pid is None
        assert first.pid is not None
    async with NatsServer(tmp_path / "s") as again:
        assert again.url == first.url


async def test_remembered_port_taken_falls_back(tmp_path: Path) -> None:
    """A restart asks for the port it had; if another program holds it, the server
    takes a free one and says so in `notice`, and remembers the new one."""
    async with NatsServer(tmp_path / "s") as first:
        url = first.url
        assert first.notice is None
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        async with NatsServer(tmp_path / "s") as second:
            assert second.url != url
            assert second.notice == (
                f"port {port} of the last run is taken by another program: NATS now "
                f"listens on {second.url}"
            )
    async with NatsServer(tmp_path / "s") as third:
        assert third.url == second.url
        assert third.notice is None


async def test_server_dies_with_its_parent(tmp_path: Path) -> None:
    """A process holding an embedded server is SIGKILLed: the server goes with it
    (parent-death signal) and the store's lock is free again."""
    script = (
        "import asyncio, pathlib, sys\n"
        "from broker.natsserver import NatsServer\n"
        "async def main():\n"
        "    server = NatsServer(pathlib.Path(sys.argv[1]))\n"
        "    await server.start()\n"
        "    print('pid', server.pid, flush=True)\n"
        "    await asyncio.sleep(600)\n"
        "asyncio.run(main())\n"
    )
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, str(tmp_path / "s"),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        async with asyncio.timeout(30):
            while not (line := (await holder.stdout.readline()).decode()).startswith("pid "):
                assert line, "the holder exited early"
            server = int(line.split()[1])
        assert alive(server)
    finally:
        holder.kill()
        await holder.wait()
    await wait_gone(server, within=5)
    async with NatsServer(tmp_path / "s") as again:
        assert again.pid != server
