"""`palermo up --demo --cluster 3` (what `make cluster` runs): three nats-servers and the
broker start, the demo directory is published on the cluster, Ctrl-C stops everything
and leaves no nats-server behind; a wrong use ends in one line."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from broker.natscluster import node_name

ROOT = Path(__file__).resolve().parents[2]


def palermo(*args: str, stderr: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """The `palermo` command as its own process: stdout piped, stderr to a file."""
    with stderr.open("wb") as err:  # the child keeps its own descriptor
        return subprocess.Popen(  # noqa: S603  (our own CLI, our own arguments)
            [sys.executable, "-m", "clients.cli", *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=subprocess.PIPE,
            stderr=err,
        )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_up_cluster_demo_and_ctrl_c(tmp_path: Path) -> None:
    data = tmp_path / "data"
    log = tmp_path / "up.log"
    up = palermo("up", "--demo", "--cluster", "3", "--no-exchange", "--ops-port", "0",
                 "--data-dir", str(data), stderr=log)  # fmt: skip
    with up:
        await check_up(up, data, log)


async def check_up(up: subprocess.Popen[bytes], data: Path, log: Path) -> None:
    try:
        assert up.stdout is not None
        banner = b""
        async with asyncio.timeout(60):
            while b"Ops API:" not in banner:
                line = await asyncio.to_thread(up.stdout.readline)
                assert line, (await asyncio.to_thread(log.read_text))[-2000:]
                banner += line
        urls = (data / "nats-url").read_text().strip().split(",")
        assert len(urls) == 3
        assert f"NATS:      {','.join(urls)}" in banner.decode()
        ops = re.search(rb"Ops API:\s+(\S+)/ ", banner)
        assert ops is not None
        async with (
            aiohttp.ClientSession() as session,
            session.get(ops.group(1).decode() + "/readyz") as response,
        ):
            assert response.status == 200
        servers = []
        for i in range(3):
            holder = (data / "nats-cluster" / node_name(i) / "lock").read_text()
            found = re.search(r"nats-server (\d+)", holder)
            assert found, holder
            servers.append(int(found.group(1)))
        assert all(alive(pid) for pid in servers)
        up.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(up.wait, 30) == 0
        assert not any(alive(pid) for pid in servers)
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()


def test_up_cluster_with_a_nats_url_is_one_line(tmp_path: Path) -> None:
    log = tmp_path / "up.log"
    with palermo("up", "--demo", "--cluster", "3", "--data-dir", str(tmp_path), stderr=log,
                 env={"PALERMO_NATS_URL": "nats://127.0.0.1:4222"}) as up:  # fmt: skip
        up.communicate(timeout=30)
    assert up.returncode == 1
    lines = log.read_text().strip().splitlines()
    assert len(lines) == 1, log.read_text()
    assert "--cluster starts its own NATS nodes" in lines[0]
