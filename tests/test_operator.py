"""What an operator runs against a deployed hub: the directory governors' commands with
the governors' own user from the hub directory (`palermo nats-config init`), `nats-config
push` and `user`, and `directory add` taking its settings from the broker's configuration."""

from __future__ import annotations

import asyncio
import contextlib
import io
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client

from broker import natsjwt
from broker.natsserver import NatsServer
from clients.cli import main
from clients.demo_send import send
from clients.gateway_config import hash_api_key, load_gateway_config
from schemas.keys import AuthorityKeys, SigningKey
from schemas.keystore import (
    BrokerKeys,
    dump_broker_keys,
    dump_root_key,
    load_keystore,
    save_keystore,
    write_private,
)
from schemas.nats_names import DELIVERY, evidence_bucket, inbox_consumer, object_stream
from schemas.note import verifier_key

from .brokerkit import Harness, running_broker
from .operatorkit import DOMAIN, EVIDENCE, operator_hub
from .test_cli_errors import FAST, PASSPHRASE, one_line, palermo

MIB = 1024 * 1024


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[tuple[NatsServer, Harness]]:
    """A hub in operator mode (the broker's, the governors' and it-dna's creds), its
    topology set up by the broker's user, the governors' files in `tmp_path`."""
    async with operator_hub(tmp_path) as op:
        h = op.h
        await op.register("it-dna", ["prosecutor"])
        shutil.copy(op.hub.governor_creds, tmp_path / "governor.creds")
        write_private(tmp_path / "root.keystore", dump_root_key(h.root, PASSPHRASE, **FAST))
        (tmp_path / "pass").write_text(PASSPHRASE + "\n")
        save_keystore(
            tmp_path / "gb.keystore", AuthorityKeys.generate("gb-ukca"), PASSPHRASE, **FAST
        )
        (tmp_path / "broker.toml").write_text(
            f'directory_root = "{h.root.public.hex()}"\n'
            f'[nats]\nevidence_domain = "{EVIDENCE}"\n'
            f"[quotas]\nevidence_bytes = {3 * MIB}\n"
        )
        yield op.server, h


def governor(server: NatsServer, *more: str) -> list[str]:
    """The options every governors' command takes here: the hub, the governor's seed."""
    return [
        "--nats-url", server.url, "--creds", "governor.creds",
        "--root-keystore", "root.keystore", "--passphrase-file", "pass", *more,
    ]  # fmt: skip


async def test_governor_lists_and_adds_with_generated_user(
    hub: tuple[NatsServer, Harness], tmp_path: Path
) -> None:
    """With only the governor user `nats-config` generated, `directory list` shows the
    records and `directory add --config` publishes gb-ukca, registering its inbox and its
    evidence bucket with the configured quota (3 MiB, not the 2 GiB default)."""
    server, h = hub
    listed = await palermo("directory", "list", *governor(server), cwd=tmp_path)
    assert listed.code == 0, listed.err
    assert [line.split('"id": ')[1].split('"')[1] for line in listed.out.splitlines()] == [
        "it-dna",
        "zz-broker",
    ]
    added = await palermo(
        "directory", "add", *governor(server), "--authority", "gb-ukca", "--name", "UKCA",
        "--roles", "central_authority", "--keystore", "gb.keystore",
        "--keystore-passphrase-file", "pass", "--config", "broker.toml",
        cwd=tmp_path,
    )  # fmt: skip
    assert added.code == 0, added.err
    assert added.out.splitlines()[-1] == "published gb-ukca at serial 3"
    evidence = h.nc.jetstream(domain=EVIDENCE)
    info = await evidence.stream_info(object_stream(evidence_bucket("gb-ukca")))
    assert info.config.max_bytes == 3 * MIB
    assert [r.id for r in await h.admin.records()] == ["gb-ukca", "it-dna", "zz-broker"]
    exported = await palermo(
        "audit", "export", "--nats-url", server.url, "--creds", "governor.creds",
        "--out", "audit.jsonl", cwd=tmp_path,
    )  # fmt: skip
    assert exported.code == 0, exported.err
    assert len((tmp_path / "audit.jsonl").read_text().splitlines()) >= 3
    hub_dir = str(tmp_path / "hub")
    root = h.root.public.hex()
    creds = ["--nats-url", server.url, "--creds", str(tmp_path / "governor.creds")]
    pushed = await _in_process(
        "nats-config", "push", *creds, "--dir", hub_dir, "--root-public", root
    )
    assert pushed == (0, "pushed 2 account JWTs from 3 verified directory records")
    user = natsjwt.new_key("user")
    (tmp_path / "gb.nk").write_text(user.seed + "\n")
    issued = await _in_process(
        "nats-config", "user", *creds, "--dir", hub_dir, "--root-public", root,
        "--authority", "gb-ukca", "--nkey", user.public, "--out", str(tmp_path / "gb.jwt"),
    )  # fmt: skip
    assert issued == (
        0,
        f"wrote the user JWT of gb-ukca for {user.public[:8]}... to {tmp_path / 'gb.jwt'}",
    )
    made = await _in_process(
        "nats-config", "creds", "--jwt", str(tmp_path / "gb.jwt"),
        "--seed", str(tmp_path / "gb.nk"), "--out", str(tmp_path / "gb.creds"),
    )  # fmt: skip
    assert made[0] == 0
    # gb-ukca's own creds now reach its account (pushed above): it reads the directory.
    gb = await nats.connect(
        server.url, user_credentials=str(tmp_path / "gb.creds"), inbox_prefix="_INBOX_gb-ukca"
    )
    try:
        kv = await gb.jetstream(domain=DOMAIN).key_value("PALERMO_DIRECTORY")
        assert (await kv.get("rec.gb-ukca")).value
    finally:
        await gb.close()
    refused = await palermo(
        "nats-config", "user", *creds, "--dir", hub_dir, "--root-public", root,
        "--authority", "fr-none", "--nkey", user.public, "--out", "x.jwt", cwd=tmp_path,
    )  # fmt: skip
    assert (refused.code, one_line(refused)) == (
        1,
        "palermo: fr-none is not in the verified directory: no user JWT issued",
    )


async def _in_process(*argv: str) -> tuple[int, str]:
    """`palermo` run in a thread of this process (no interpreter start): exit code and
    the last line it printed."""
    out = io.StringIO()

    def run() -> int:
        with contextlib.redirect_stdout(out):
            return main(list(argv))

    code = await asyncio.to_thread(run)
    lines = out.getvalue().splitlines()
    return code, lines[-1] if lines else ""


async def test_governor_without_credentials_is_refused(
    hub: tuple[NatsServer, Harness], tmp_path: Path
) -> None:
    """Without `--creds` the hub refuses the connection: one line, exit 1; a missing
    creds file is named."""
    server, _ = hub
    run = await palermo(
        "directory", "list", "--nats-url", server.url, "--root-keystore", "root.keystore",
        "--passphrase-file", "pass", cwd=tmp_path,
    )  # fmt: skip
    assert run.code == 1
    assert "cannot reach NATS" in one_line(run)
    missing = await palermo(
        "directory", "list", "--nats-url", server.url, "--creds", "nope.creds",
        "--root-keystore", "root.keystore", "--passphrase-file", "pass", cwd=tmp_path,
    )  # fmt: skip
    assert missing.code == 1
    assert one_line(missing) == "palermo: --creds nope.creds: no such file"


async def test_governor_user_cannot_touch_messages(
    hub: tuple[NatsServer, Harness], tmp_path: Path
) -> None:
    """The governor's user may not publish an envelope on an ingress subject, nor pull
    an authority's inbox: the server refuses both."""
    server, _ = hub
    errors: list[Exception] = []
    pull = f"$JS.API.CONSUMER.MSG.NEXT.{DELIVERY}.{inbox_consumer('it-dna')}"

    async def seen(exc: Exception) -> None:
        errors.append(exc)

    nc = await nats.connect(
        server.url, user_credentials=str(tmp_path / "governor.creds"), error_cb=seen,
        allow_reconnect=False,
    )  # fmt: skip
    try:
        await nc.publish("palermo.in.it-dna", b"x")
        with pytest.raises((nats.errors.NoRespondersError, nats.errors.TimeoutError)):
            await nc.request(pull, b"1", timeout=1)
        await nc.flush()
    finally:
        await nc.close()
    # nats-py lower-cases the server's -ERR text.
    assert sorted(str(e) for e in errors) == [
        f'nats: permissions violation for publish to "{pull.lower()}"',
        'nats: permissions violation for publish to "palermo.in.it-dna"',
    ]


async def test_broker_record_root_key_and_verifier_key(
    hub: tuple[NatsServer, Harness], tmp_path: Path
) -> None:
    """`directory add-broker` publishes zz-broker with the keystore's notice (sign) and
    log (log) keys; `directory root-key` prints the root public key; `broker-keys show`
    prints the log's verifier key for the configured origin."""
    server, h = hub
    keys = BrokerKeys(SigningKey.generate(), SigningKey.generate())
    write_private(tmp_path / "broker.keystore", dump_broker_keys(keys, PASSPHRASE, **FAST))
    added = await palermo(
        "directory", "add-broker", *governor(server), "--broker-keystore", "broker.keystore",
        "--broker-passphrase-file", "pass", cwd=tmp_path,
    )  # fmt: skip
    assert added.code == 0, added.err
    assert added.out.splitlines()[-1] == "published zz-broker at serial 3"
    broker = {r.id: r for r in await h.admin.records()}["zz-broker"]
    assert broker.roles == ["broker"]
    assert [(k.use, k.public) for k in broker.keys] == [
        ("sign", keys.notice.public),
        ("log", keys.log.public),
    ]
    root = await palermo(
        "directory", "root-key", "--root-keystore", "root.keystore", "--passphrase-file", "pass",
        cwd=tmp_path,
    )  # fmt: skip
    assert (root.code, root.out) == (0, h.root.public.hex() + "\n")
    (tmp_path / "origin.toml").write_text(
        f'directory_root = "{h.root.public.hex()}"\norigin = "hub.example/log"\n'
    )
    shown = await palermo(
        "broker-keys", "show", "--keystore", "broker.keystore", "--passphrase-file", "pass",
        "--config", "origin.toml", cwd=tmp_path,
    )  # fmt: skip
    assert shown.code == 0, shown.err
    vkey = verifier_key("hub.example/log", keys.log)
    assert shown.out.splitlines()[-1] == f"log verifier key for origin 'hub.example/log': {vkey}"


async def test_demo_send_reports_its_own_notice_and_message(
    nats_server: NatsServer, nc: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    """With an earlier message's notice still in ng-naptip's inbox and the message in
    it-dna's, `demo send` prints the audit position of its own message's acceptance and
    opens its own message; the earlier ones stay for their readers."""
    h = Harness(nc)
    await h.setup()
    await h.add("ng-naptip", roles=["police"])
    await h.add("it-dna", roles=["prosecutor"])
    async with running_broker(nats_server.url, h):
        await h.send("ng-naptip", h.seal("ng-naptip", "it-dna"))
        async with asyncio.timeout(10):  # the earlier message is through
            while not any(e.event == "accepted" for e in await h.audit()):
                await asyncio.sleep(0.1)
        assert await send(nats_server.url, h.keys, h.root.public) == 0
        events = await h.audit()
    out = capsys.readouterr().out.splitlines()
    sent = next(line for line in out if line.startswith("ng-naptip sent message "))
    message_id = bytes.fromhex(sent.split()[3])
    accepted = [
        seq
        for seq, e in enumerate(events, start=1)
        if e.event == "accepted" and e.message_id == message_id
    ]
    assert len(accepted) == 1
    assert f"broker notice to ng-naptip: accepted  audit position {accepted[0]}" in out
    assert any(line.startswith("it-dna opened a case_referral from ng-naptip") for line in out)
    for authority in ("ng-naptip", "it-dna"):  # the earlier notice and message, not acked
        info = await h.js.consumer_info(DELIVERY, inbox_consumer(authority))
        assert info.num_ack_pending + info.num_pending == 1, authority


async def test_demo_gateways_writes_configs_that_load(tmp_path: Path) -> None:
    """`demo gateways` writes a loadable configuration per demo gateway (the demo's root,
    NATS URL, keystore and passphrase; ports 8581 and 8582) whose API key file hashes to
    the configured key; a second run keeps the keys."""
    data = tmp_path / "data"
    for authority in ("ng-naptip", "it-dna"):
        save_keystore(data / f"{authority}.keystore", AuthorityKeys.generate(authority),
                      PASSPHRASE, **FAST)  # fmt: skip
    (data / "demo-passphrase").write_text(PASSPHRASE)
    (data / "root-public").write_text("ab" * 32)
    (data / "nats-url").write_text("nats://127.0.0.1:4999")
    first = await palermo("demo", "gateways", "--data-dir", "data", cwd=tmp_path)
    assert first.code == 0, first.err
    keys = {a: (data / "gateways" / a / "api-key").read_text() for a in ("ng-naptip", "it-dna")}
    again = await palermo("demo", "gateways", "--data-dir", "data", cwd=tmp_path)
    assert again.code == 0, again.err
    for port, authority in ((8581, "ng-naptip"), (8582, "it-dna")):
        home = data / "gateways" / authority
        assert (home / "api-key").read_text() == keys[authority]
        assert (home / "api-key").stat().st_mode & 0o777 == 0o600
        config = load_gateway_config(home / "gateway.toml", env={})
        assert (config.directory_root, config.nats.url, config.http.port) == (
            "ab" * 32, "nats://127.0.0.1:4999", port,
        )  # fmt: skip
        assert load_keystore(Path(config.keystore), config.passphrase or "").authority == authority
        assert [(k.role, k.key_hash) for k in config.api_keys] == [
            ("system", hash_api_key(keys[authority].strip()))
        ]
