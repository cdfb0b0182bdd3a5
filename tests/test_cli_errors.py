"""Every `palermo` command a person can get wrong ends in one line on stderr and a
non-zero exit within seconds: no broker, a wrong passphrase, a missing or malformed
file, a wrong authority id, a gateway nobody runs, a wrong API key, an unknown message,
and Ctrl-C. Each command runs as its own process, as a person would run it."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client

from broker.natshub import init_hub
from broker.natsserver import NatsServer
from clients.cli import build_parser
from clients.endpoint import Endpoint
from schemas.keys import AuthorityKeys, SigningKey
from schemas.keystore import (
    MEMLIMIT_INTERACTIVE,
    OPSLIMIT_INTERACTIVE,
    BrokerKeys,
    dump_broker_keys,
    save_keystore,
    write_private,
)
from schemas.kinds import encode_message_json
from schemas.nats_names import DELIVERY, inbox_consumer

from .brokerkit import referral, running_broker
from .test_gateway import KEYS, A, B, config, gateway, world

BOUND = 15.0
"""Seconds any command may take, however it fails (each takes one or two when the
machine is not loaded: two tries to connect, half a second apart)."""
NOBODY = "nats://127.0.0.1:1"
"""A NATS URL nobody listens on."""
ROOT = "ab" * 32
PASSPHRASE = "a long enough passphrase"  # noqa: S105 - a test value, not a secret
FAST = {"opslimit": OPSLIMIT_INTERACTIVE, "memlimit": MEMLIMIT_INTERACTIVE}
ID_RULE = (
    "is not an authority id: expected two letters of ISO 3166 country, a hyphen and "
    "1-30 of a-z 0-9 (e.g. 'ng-naptip')"
)
NATS_DOWN = (
    "palermo: cannot reach NATS at nats://127.0.0.1:1: Connection refused (is the broker "
    "running? check --nats-url or PALERMO_NATS_URL)"
)
GATEWAY_DOWN = (
    "palermo: cannot reach the gateway at http://127.0.0.1:1: Connection refused (check "
    "--gateway or PALERMO_GATEWAY_URL)"
)


@dataclass
class Run:
    """How one `palermo` process ended."""

    code: int
    out: str
    err: str
    seconds: float


async def start(*argv: str, cwd: Path) -> asyncio.subprocess.Process:
    """`palermo ARGV` as its own process, with no terminal and no PALERMO_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PALERMO_")}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "clients.cli", *argv, cwd=cwd, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def finish(process: asyncio.subprocess.Process, began: float) -> Run:
    """Wait (at most `BOUND`) for `process` to end; fail the test if it does not."""
    try:
        async with asyncio.timeout(BOUND):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"still running after {BOUND} s")
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode(), time.monotonic() - began)


async def palermo(*argv: str, cwd: Path) -> Run:
    """Run `palermo ARGV` to its end."""
    began = time.monotonic()
    return await finish(await start(*argv, cwd=cwd), began)


def one_line(run: Run) -> str:
    """The single line on stderr (asserting there is exactly one, and no traceback)."""
    assert "Traceback" not in run.err, run.err
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    return lines[0]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A keystore of ng-naptip, its passphrase, a wrong one, an API key, malformed body
    files and configurations of a gateway and a broker whose NATS nobody runs."""
    save_keystore(tmp_path / "ng.keystore", AuthorityKeys.generate("ng-naptip"), PASSPHRASE, **FAST)
    (tmp_path / "pass").write_text(PASSPHRASE + "\n")
    (tmp_path / "wrong").write_text("not the passphrase at all\n")
    (tmp_path / "key").write_text("some-api-key\n")
    (tmp_path / "malformed.json").write_text('{"kind": "case_referral", ')
    (tmp_path / "malformed.toml").write_text('kind = = "case_referral"\n')
    (tmp_path / "referral.json").write_bytes(encode_message_json(referral()))
    broker_keys = BrokerKeys(SigningKey.generate(), SigningKey.generate())
    write_private(tmp_path / "broker.keystore", dump_broker_keys(broker_keys, PASSPHRASE, **FAST))
    (tmp_path / "gateway.toml").write_text(
        f'directory_root = "{ROOT}"\npassphrase = "{PASSPHRASE}"\n'
        f'keystore = "{tmp_path}/ng.keystore"\ndata_dir = "{tmp_path}/gateway"\n'
        f'[nats]\nurl = "{NOBODY}"\n'
    )
    (tmp_path / "broker.toml").write_text(
        f'directory_root = "{ROOT}"\npassphrase = "{PASSPHRASE}"\n'
        f'keystore = "{tmp_path}/broker.keystore"\ndata_dir = "{tmp_path}/broker"\n'
        f'[nats]\nurl = "{NOBODY}"\n'
    )
    demo = tmp_path / "demo"  # what `palermo up --demo` leaves behind once stopped
    for authority in ("ng-naptip", "it-dna", "gb-ukca"):
        keys = AuthorityKeys.generate(authority)
        save_keystore(demo / f"{authority}.keystore", keys, PASSPHRASE, **FAST)
    (demo / "demo-passphrase").write_text(PASSPHRASE)
    (demo / "root-public").write_text(ROOT)
    (demo / "nats-url").write_text(NOBODY)
    return tmp_path


ENDPOINT = ["--keystore", "ng.keystore", "--passphrase-file", "pass", "--root-public", ROOT]
GATEWAY = ["--gateway", "http://127.0.0.1:1", "--api-key-file", "key"]

CASES: dict[str, tuple[list[str], str]] = {
    "wrong passphrase": (
        ["keys", "show", "ng.keystore", "--passphrase-file", "wrong"],
        "palermo: the passphrase does not open the keystore of ng-naptip (or the file has "
        "been altered)",
    ),
    "missing passphrase file": (
        ["keys", "show", "ng.keystore", "--passphrase-file", "nowhere"],
        "palermo: nowhere: No such file or directory",
    ),
    "authority id with a newline": (
        ["keys", "new", "--authority", "gb-nca\n", "--passphrase-file", "pass"],
        f"palermo: 'gb-nca\\n' {ID_RULE}",
    ),
    "authority id in capitals": (
        ["keys", "new", "--authority", "GB-NCA", "--passphrase-file", "pass"],
        f"palermo: 'GB-NCA' {ID_RULE}",
    ),
    "empty authority id": (
        ["keys", "new", "--authority", "", "--passphrase-file", "pass"],
        f"palermo: '' {ID_RULE}",
    ),
    "no terminal to ask a passphrase on": (
        ["keys", "new", "--authority", "gb-nca", "--fast-kdf"],
        "palermo: no passphrase: pass --passphrase-file (no terminal to ask on)",
    ),
    "endpoint directory, no NATS": (
        ["endpoint", "directory", "--nats-url", NOBODY, "--root-public", ROOT],
        NATS_DOWN,
    ),
    "NATS credentials never shown": (
        [
            "endpoint",
            "directory",
            "--nats-url",
            "nats://officer:s3cret@127.0.0.1:1",
            "--root-public",
            ROOT,
        ],
        NATS_DOWN,
    ),
    "endpoint inbox, no NATS": (["endpoint", "inbox", "--nats-url", NOBODY, *ENDPOINT], NATS_DOWN),
    "root key not hex": (
        ["endpoint", "inbox", "--nats-url", NOBODY, *ENDPOINT[:4], "--root-public", "zz"],
        "palermo: the directory root public key is 64 hex digits: check --root-public",
    ),
    "endpoint send, malformed JSON": (
        ["endpoint", "send", "--nats-url", NOBODY, *ENDPOINT, "malformed.json", "--to", B],
        "palermo: message body is not well-formed JSON",
    ),
    "gateway not running": (["inbox", *GATEWAY], GATEWAY_DOWN),
    "gateway URL not a URL": (
        ["read", "--gateway", "not-a-url", "--api-key-file", "key", "00" * 16],
        "palermo: cannot reach the gateway at not-a-url: not a valid URL (check --gateway or "
        "PALERMO_GATEWAY_URL)",
    ),
    "missing API key file": (
        ["inbox", "--gateway", "http://127.0.0.1:1", "--api-key-file", "nokey"],
        "palermo: cannot read the API key file nokey: No such file or directory",
    ),
    "evidence record missing": (
        ["evidence-verify", "nowhere.json", "--directory", "d.json", "--root-public", ROOT],
        "palermo: nowhere.json: No such file or directory",
    ),
    "audit export, no NATS": (
        ["audit", "export", "--nats-url", NOBODY, "--out", "audit.jsonl"],
        "palermo: cannot reach NATS at nats://127.0.0.1:1: Connection refused (is it "
        "running? check --nats-url or PALERMO_NATS_URL)",
    ),
    "gateway service, no NATS": (
        ["gateway", "--config", "gateway.toml"],
        "palermo: cannot reach NATS at nats://127.0.0.1:1: Connection refused (check url in "
        "the configuration's [nats] table, or PALERMO_NATS_URL)",
    ),
    "broker, no NATS": (
        ["up", "--config", "broker.toml"],
        "palermo: cannot reach NATS at nats://127.0.0.1:1: Connection refused (is it "
        "running? check nats.url in the configuration, or PALERMO_NATS_URL)",
    ),
    "demo send, demo broker stopped": (["demo", "send", "--data-dir", "demo"], NATS_DOWN),
    "recipient id with a newline": (
        ["send", *GATEWAY, "referral.json", "--to", "it-dna\n"],
        f"palermo: 'it-dna\\n' {ID_RULE}",
    ),
    "no recipient": (
        ["send", *GATEWAY, "referral.json", "--to", ""],
        "palermo: no recipient: pass --to AUTHORITY[,AUTHORITY...], --network NETWORK or "
        "--in-reply-to MESSAGE_ID",
    ),
    "endpoint send, no recipient": (
        ["endpoint", "send", "--nats-url", NOBODY, *ENDPOINT, "referral.json"],
        "palermo: no recipient: pass --to AUTHORITY[,AUTHORITY...] or --network NETWORK",
    ),
    "directory status of an id with a newline": (
        ["directory", "suspend", "it-dna\n", "--nats-url", NOBODY, "--root-keystore", "r"],
        f"palermo: 'it-dna\\n' {ID_RULE}",
    ),
    "a newline in what the line shows is escaped": (
        ["keys", "show", "ng.keystore", "--passphrase-file", "no\nwhere"],
        "palermo: no\\nwhere: No such file or directory",
    ),
}


async def test_mistakes_are_one_line_each(files: Path) -> None:
    """Each mistake above ends within the bound, exit status 1, with exactly its line.
    (They run a few at a time: each is a process that mostly waits.)"""
    slots = asyncio.Semaphore(4)

    async def outcome(argv: list[str]) -> tuple[str, int]:
        async with slots:
            run = await palermo(*argv, cwd=files)
        assert run.seconds < BOUND
        return one_line(run), run.code

    got = await asyncio.gather(*(outcome(argv) for argv, _ in CASES.values()))
    assert dict(zip(CASES, got, strict=True)) == {
        case: (expected, 1) for case, (_, expected) in CASES.items()
    }


async def test_malformed_toml_body_is_one_line(files: Path) -> None:
    """A TOML body that does not parse names the file and where (the parser says what)."""
    run = await palermo("send", *GATEWAY, "malformed.toml", "--to", B, cwd=files)
    assert re.fullmatch(
        r"palermo: malformed\.toml is not valid TOML: .+ \(at line 1, column 8\)", one_line(run)
    )
    assert run.code == 1


async def test_bare_nats_is_one_line(nats_server: NatsServer, files: Path) -> None:
    """A NATS no broker has set up: the endpoint and broker tools say what is missing."""
    url = nats_server.url
    hint = (
        "(is the broker set up there, and the authority added to the directory? check "
        "--nats-url or PALERMO_NATS_URL)"
    )
    directory, inbox, accounts = await asyncio.gather(
        palermo("endpoint", "directory", "--nats-url", url, "--root-public", ROOT, cwd=files),
        palermo("endpoint", "inbox", "--nats-url", url, *ENDPOINT, cwd=files),
        palermo(
            "nats-config",
            "push",
            "--nats-url",
            url,
            "--root-public",
            ROOT,
            "--dir",
            str(init_hub(files / "hub").dir),
            cwd=files,
        ),
    )
    assert (one_line(directory), directory.code) == (
        f"palermo: NATS at {url}: a bucket the broker sets up is missing {hint}",
        1,
    )
    assert (one_line(inbox), inbox.code) == (
        f"palermo: NATS at {url}: no stream or consumer answered {hint}",
        1,
    )
    assert (one_line(accounts), accounts.code) == (
        f"palermo: NATS at {url}: a stream or bucket the broker sets up is missing (has a "
        "broker set it up? check --nats-url or PALERMO_NATS_URL)",
        1,
    )


async def test_gateway_answers_are_one_line(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """Against a running gateway: a wrong API key is a 401 line, an unknown message a 404
    line, and Ctrl-C stops `inbox --follow` cleanly (exit 0, nothing on stderr)."""
    h = await world(nc)
    (tmp_path / "system.key").write_text(KEYS["system"])
    (tmp_path / "wrong.key").write_text("not-a-key-of-this-gateway")
    async with (
        running_broker(nats_server.url, h),
        gateway(config(h, nats_server.url, tmp_path / "b"), keys=h.keys[B]) as gw,
    ):
        at = ["--gateway", gw.url, "--api-key-file"]
        unknown = "0f" * 16
        wrong, missing = await asyncio.gather(
            palermo("read", *at, "wrong.key", unknown, cwd=tmp_path),
            palermo("read", *at, "system.key", unknown, cwd=tmp_path),
        )
        assert (one_line(wrong), wrong.code) == (
            "palermo: 401 Unauthorized: a valid API key is required (check --api-key-file or "
            "PALERMO_API_KEY)",
            1,
        )
        assert (one_line(missing), missing.code) == (
            "palermo: 404 Not found: no such message at this gateway",
            1,
        )
        # A message in the inbox, so the follower's first line shows it is following.
        await h.send(A, h.seal(A, B, body=referral()))
        began = time.monotonic()
        follower = await start("inbox", *at, "system.key", "--follow", "--json", cwd=tmp_path)
        assert follower.stdout is not None
        async with asyncio.timeout(BOUND):
            first = await follower.stdout.readline()
        assert b'"sender":"it-dna"' in first
        follower.send_signal(signal.SIGINT)
        stopped = await finish(follower, began)
        assert (stopped.code, stopped.err) == (0, "")


async def test_ctrl_c_stops_the_demo_broker(tmp_path: Path) -> None:
    """`palermo up --demo` stops on Ctrl-C within the bound, exit 0, without a traceback;
    `endpoint inbox --follow` against it stops the same way."""
    began = time.monotonic()
    broker = await start(
        "up", "--demo", "--data-dir", str(tmp_path / "demo"), "--ops-port", "0",
        "--no-exchange", cwd=tmp_path,
    )  # fmt: skip
    assert broker.stdout is not None
    try:
        async with asyncio.timeout(BOUND):
            while b"Palermo broker is ready." not in await broker.stdout.readline():
                pass
        demo = tmp_path / "demo"
        url = (demo / "nats-url").read_text().strip()
        root = (demo / "root-public").read_text().strip()
        follower = await start(
            "endpoint", "inbox", "--follow", "--nats-url", url, "--keystore",
            str(demo / "gb-ukca.keystore"), "--passphrase-file", str(demo / "demo-passphrase"),
            "--root-public", root, cwd=tmp_path,
        )  # fmt: skip
        # Ctrl-C once it waits in its receive loop: its pull request is pending.
        nc = await nats.connect(url)
        try:
            async with asyncio.timeout(BOUND):
                while not (
                    await nc.jetstream().consumer_info(DELIVERY, inbox_consumer("gb-ukca"))
                ).num_waiting:
                    await asyncio.sleep(0.2)
        finally:
            await nc.drain()
        follower.send_signal(signal.SIGINT)
        followed = await finish(follower, time.monotonic())
        assert (followed.code, followed.err) == (0, "")
    finally:
        broker.send_signal(signal.SIGINT)
        stopped = await finish(broker, began)
    assert stopped.code == 0
    assert "Traceback" not in stopped.err
    assert "broker_stopped" in stopped.err


async def test_endpoint_keeps_reconnecting_after_its_first_connect(tmp_path: Path) -> None:
    """The first connect's bound of two tries is lifted once connected: an endpoint whose
    NATS is gone for many more tries than that reconnects when it is back."""
    server = NatsServer(tmp_path / "nats")
    await server.start()
    port = server.url.rsplit(":", 1)[1]
    restarted: NatsServer | None = None
    try:
        keys = AuthorityKeys.generate("ng-naptip")
        async with await Endpoint.connect(server.url, keys, bytes.fromhex(ROOT)) as endpoint:
            assert endpoint.connected
            await server.aclose()
            await asyncio.sleep(2.5)  # five tries, half a second apart
            assert not endpoint.connected
            restarted = NatsServer(tmp_path / "nats", extra_args=["-p", port])
            await restarted.start()
            async with asyncio.timeout(BOUND):
                while not endpoint.connected:
                    await asyncio.sleep(0.1)
    finally:
        if restarted is not None:
            await restarted.aclose()
        await server.aclose()


async def test_ops_port_taken_is_one_line(tmp_path: Path) -> None:
    """A broker whose ops port is taken never says it is ready: it ends within the
    bound, exit 1, its last line naming the address, with no traceback or group."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = await palermo(
            "up", "--demo", "--data-dir", str(tmp_path / "demo"), "--ops-port", str(port),
            "--no-exchange", cwd=tmp_path,
        )  # fmt: skip
    assert run.code == 1, run.err
    assert "ready" not in run.out
    assert "Traceback" not in run.err
    assert "ExceptionGroup" not in run.err
    assert run.err.splitlines()[-1].startswith(
        f"palermo: ops API cannot listen on 127.0.0.1:{port}: "
    )


BAD_VALUES = {
    "--config": "nope.toml",
    "--data-dir": "nope-dir",
    "--nats-url": NOBODY,
    "--gateway": "http://127.0.0.1:1",
    "--root-public": "zz",
}
"""Values every command that takes these options gets (nothing is there)."""


def _bad_argv(command: list[str]) -> list[str]:
    """`command` with every required argument, and the options in `BAD_VALUES`, given a
    value that names nothing."""
    parser = build_parser()[0]
    for word in command:
        parser = next(
            a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
        ).choices[word]
    argv = list(command)
    for action in parser._actions:
        if not action.option_strings:
            if not isinstance(action, argparse._SubParsersAction):
                argv.append("nope")
        elif action.option_strings[0] in BAD_VALUES:
            argv += [action.option_strings[0], BAD_VALUES[action.option_strings[0]]]
        elif action.required:
            argv += [action.option_strings[0], "nope"]
    return argv


async def test_every_command_with_bad_input_fails_without_traceback(tmp_path: Path) -> None:
    """Every `palermo` command, given arguments that name nothing (no file, no server,
    no gateway), exits non-zero within the bound with no traceback and no "unexpected"
    error (exit 70)."""
    commands = _command_paths(build_parser()[0], [])
    semaphore = asyncio.Semaphore(4)

    async def one(command: list[str]) -> tuple[list[str], Run]:
        async with semaphore:
            return command, await palermo(*_bad_argv(command), cwd=tmp_path)

    for command, run in await asyncio.gather(*(one(c) for c in commands)):
        shown = " ".join(command)
        assert "Traceback" not in run.err + run.out, shown
        assert run.code not in (0, 70), (shown, run.code, run.err[-300:])


def _command_paths(parser: argparse.ArgumentParser, path: list[str]) -> list[list[str]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [path]
    # A command that runs on its own and has subcommands too (`gateway`) is one itself.
    runs = [path] if path and parser.get_default("run") is not None else []
    return runs + [
        leaf for a in subs for name, p in a.choices.items()
        for leaf in _command_paths(p, [*path, name])
    ]  # fmt: skip
