"""The shipped examples run as the README says, against a real broker."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from nats.aio.client import Client

from broker import demo
from broker.natsserver import NatsServer
from schemas.audit import AuditEvent

from .brokerkit import Harness, running_broker

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "send_referral.py"


async def _run_example(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Run the example as a user would: its own process, from `cwd`."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLE), *args, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _audited(events: list[AuditEvent], event: str, kind: str, sender: str) -> list[int]:
    """Audit positions (sequence numbers) of the `event` events of `kind` from `sender`."""
    return [
        seq
        for seq, e in enumerate(events, start=1)
        if e.event == event and e.kind == kind and e.sender == sender
    ]


async def test_send_referral_against_the_demo_directory(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """examples/send_referral.py, run with no argument beside the data/ directory that
    `make run` writes, sends ng-naptip's referral through the broker; it-dna prints it
    with its audit position and sends its signed retrieval receipt back."""
    files = demo.prepare(tmp_path / "data")  # the keystores `palermo up --demo` writes
    (tmp_path / "data" / "nats-url").write_text(nats_server.url + "\n")
    harness = Harness(nc, root=files.root, broker_keys=files.broker)
    await harness.setup()
    await demo.publish_directory(harness.admin, files)
    async with running_broker(nats_server.url, harness):
        code, out, err = await _run_example(cwd=tmp_path)
        assert (code, err) == (0, "")
        async with asyncio.timeout(10):
            while not _audited(events := await harness.audit(), "retrieved", "receipt", "it-dna"):
                await asyncio.sleep(0.2)
    [referral] = _audited(events, "accepted", "case_referral", "ng-naptip")
    # Before it, the library's log lines (structlog's default console output): metadata only.
    assert out.endswith(f"\nit-dna received a case_referral from ng-naptip, audit #{referral}\n")
    assert "Benin" not in out
    assert events[referral - 1].recipients == ["it-dna"]
    # The receipt's one audit event is `retrieved`, for the referral it answers.
    [receipt] = _audited(events, "retrieved", "receipt", "it-dna")
    assert events[receipt - 1].message_id == events[referral - 1].message_id


async def test_send_referral_without_the_demo_says_why(tmp_path: Path) -> None:
    """Without `make run`'s data directory the example exits 1 with one line saying so,
    not a traceback."""
    code, out, err = await _run_example("nowhere", cwd=tmp_path)
    assert (code, out) == (1, "")
    assert err == (
        "cannot read the demo keys in nowhere/ ([Errno 2] No such file or directory:"
        " 'nowhere/demo-passphrase'): is `make run` running?\n"
    )


def test_readme_shows_the_example_as_shipped() -> None:
    """The README's client-library example is examples/send_referral.py, byte for byte,
    with the command that runs it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```python\n{EXAMPLE.read_text(encoding='utf-8')}```\n" in readme
    assert "\n.venv/bin/python examples/send_referral.py\n" in readme
