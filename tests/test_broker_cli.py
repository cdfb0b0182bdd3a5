"""The governors' and operators' `palermo` commands against a real nats-server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from broker import topology
from broker.natsserver import NatsServer
from clients.cli import main
from schemas.keystore import load_root_key_bytes


def run(*argv: str) -> int:
    """Run a CLI command in a worker thread (it runs its own event loop)."""
    return main(list(argv))


async def test_directory_lifecycle(
    nats_server: NatsServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """init, add from a keystore, suspend, list and sign-head work end to end, and each
    change lands in the audit stream."""
    secret = tmp_path / "pass"
    secret.write_text("a long enough passphrase\n")
    root = tmp_path / "root.keystore"
    keystore = tmp_path / "ng.keystore"
    url = nats_server.url
    admin = ["--nats-url", url, "--root-keystore", str(root), "--passphrase-file", str(secret)]

    assert (
        await asyncio.to_thread(
            run, "directory", "init", "--out", str(root), "--passphrase-file", str(secret)
        )
        == 0
    )
    public = load_root_key_bytes(root.read_bytes(), "a long enough passphrase").public.hex()
    assert public in capsys.readouterr().out
    assert (
        await asyncio.to_thread(
            run,
            "keys",
            "new",
            "--authority",
            "ng-naptip",
            "--out",
            str(keystore),
            "--fast-kdf",
            "--passphrase-file",
            str(secret),
        )
        == 0
    )
    import nats  # noqa: PLC0415

    nc = await nats.connect(url)
    await topology.bootstrap(nc.jetstream())
    assert (
        await asyncio.to_thread(
            run,
            "directory",
            "add",
            *admin,
            "--authority",
            "ng-naptip",
            "--name",
            "NAPTIP",
            "--roles",
            "police,prosecutor",
            "--keystore",
            str(keystore),
            "--keystore-passphrase-file",
            str(secret),
        )
        == 0
    )
    assert await asyncio.to_thread(run, "directory", "suspend", *admin, "ng-naptip") == 0
    assert await asyncio.to_thread(run, "directory", "sign-head", *admin) == 0
    capsys.readouterr()
    assert await asyncio.to_thread(run, "directory", "list", *admin) == 0
    (line,) = capsys.readouterr().out.strip().splitlines()
    listed = json.loads(line)
    assert (listed["id"], listed["status"], listed["serial"]) == ("ng-naptip", "suspended", 2)
    audit = await nc.jetstream().stream_info(topology.AUDIT)
    assert audit.state.messages == 2
    await nc.drain()


def test_wrong_root_passphrase_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong passphrase on the root keystore ends with one clear line and exit 1."""
    secret = tmp_path / "pass"
    secret.write_text("a long enough passphrase")
    root = tmp_path / "root.keystore"
    assert run("directory", "init", "--out", str(root), "--passphrase-file", str(secret)) == 0
    secret.write_text("another long passphrase")
    code = run(
        "directory",
        "list",
        "--nats-url",
        "nats://127.0.0.1:1",
        "--root-keystore",
        str(root),
        "--passphrase-file",
        str(secret),
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "does not open the keystore" in err
