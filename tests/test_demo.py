"""`palermo up --demo` (what `make run` starts) plays the whole demo exchange."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_make_run_demo_exchange(tmp_path: Path) -> None:
    """The demo broker starts on an embedded NATS, the three authorities exchange a
    referral, an MLA request, its statuses and a response, the referral's evidence
    chain completes, the audit checkpoint verifies, `palermo demo send` then works from
    the data directory alone, and SIGTERM stops it cleanly."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "clients.cli", "up", "--demo", "--data-dir", str(tmp_path / "data"),
        "--ops-port", str(free_port()),
        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(90):
            while True:
                line = (await process.stdout.readline()).decode()
                assert line, "the demo broker exited early:\n" + "".join(lines)
                lines.append(line)
                if line.startswith(("Demo exchange done", "demo exchange stopped")):
                    break
        # The authorities' side reads the broker's data directory (nats-url, root-public,
        # keystores) as an operator in a second terminal would.
        send = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "clients.cli", "demo", "send",
            "--data-dir", str(tmp_path / "data"),
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with asyncio.timeout(60):
            sent, send_err = await send.communicate()
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            code = await process.wait()
    story = "".join(lines)
    assert "Demo exchange done" in story, story
    assert "status executed; it-dna's thread is now executed" in story
    assert "retrieval receipt signed by it-dna" in story
    assert "audit log checkpoint verified" in story
    assert code == 0
    shown = sent.decode()
    assert send.returncode == 0, send_err.decode()
    assert "broker notice to ng-naptip: accepted" in shown, shown
    assert "it-dna opened a case_referral from ng-naptip: victim V1," in shown
    assert "no name or date of birth" in shown
    assert "Blessing" not in shown


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains `text` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline and "demo exchange" in cmdline:
                found.append(int(entry.name))
    return found


async def test_stopping_the_demo_broker_stops_the_exchange(tmp_path: Path) -> None:
    """SIGTERM while the exchange process runs stops the broker cleanly, and the
    exchange process (started in its own session) goes with it."""
    data = str(tmp_path / "data")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "clients.cli", "up", "--demo", "--data-dir", data,
        "--ops-port", str(free_port()),
        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        async with asyncio.timeout(90):
            while not (await process.stdout.readline()).startswith(b"Demo exchange between"):
                pass
        assert _processes_mentioning(data) != []
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            code = await process.wait()
    assert code == 0
    assert _processes_mentioning(data) == []
