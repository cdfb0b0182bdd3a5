"""What an operator runs against a deployed hub: the directory governors' commands with
the governor's own NKEY user that `palermo nats-config` generates, and `directory add`
taking its settings from the broker's configuration."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import nkeys  # no type hints (mypy override in pyproject); nats-py's NKEY helper
import pytest
from nats.aio.client import Client

from broker.natsconfig import render_accounts, write_accounts
from broker.natsserver import NatsServer
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

from .brokerkit import Harness, record, running_broker
from .test_cli_errors import FAST, PASSPHRASE, one_line, palermo

MIB = 1024 * 1024


def seed() -> str:
    return str(nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER).decode())


def public(value: str) -> str:
    return str(nkeys.from_seed(bytearray(value.encode())).public_key.decode())


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[tuple[NatsServer, Harness]]:
    """A hub whose accounts hold the broker's and the governors' users (and it-dna's),
    its topology set up by the broker's user, the governors' files in `tmp_path`."""
    seeds = {who: seed() for who in ("broker", "governor", "it-dna")}
    for who, value in seeds.items():
        (tmp_path / f"{who}.nk").write_text(value)
    keys = {"it-dna": AuthorityKeys.generate("it-dna")}
    text = render_accounts(
        [record(keys["it-dna"], ["prosecutor"])],
        broker_nkey=public(seeds["broker"]),
        authority_nkeys={"it-dna": public(seeds["it-dna"])},
        governor_nkey=public(seeds["governor"]),
    )
    write_accounts(tmp_path / "accounts.conf", text)
    (tmp_path / "hub.conf").write_text('jetstream {\n  domain: hub\n}\ninclude "accounts.conf"\n')
    async with NatsServer(tmp_path / "hub", config=tmp_path / "hub.conf") as server:
        nc = await nats.connect(server.url, nkeys_seed=str(tmp_path / "broker.nk"))
        h = Harness(nc, keys=dict(keys))
        await h.setup()
        await h.add("it-dna", roles=["prosecutor"])
        write_private(tmp_path / "root.keystore", dump_root_key(h.root, PASSPHRASE, **FAST))
        (tmp_path / "pass").write_text(PASSPHRASE + "\n")
        save_keystore(
            tmp_path / "gb.keystore", AuthorityKeys.generate("gb-ukca"), PASSPHRASE, **FAST
        )
        (tmp_path / "broker.toml").write_text(
            f'directory_root = "{h.root.public.hex()}"\n[quotas]\nevidence_bytes = {3 * MIB}\n'
        )
        try:
            yield server, h
        finally:
            await nc.close()


def governor(server: NatsServer, *more: str) -> list[str]:
    """The options every governors' command takes here: the hub, the governor's seed."""
    return [
        "--nats-url", server.url, "--nkey-seed", "governor.nk",
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
    info = await h.js.stream_info(object_stream(evidence_bucket("gb-ukca")))
    assert info.config.max_bytes == 3 * MIB
    assert [r.id for r in await h.admin.records()] == ["gb-ukca", "it-dna", "zz-broker"]
    exported = await palermo(
        "audit", "export", "--nats-url", server.url, "--nkey-seed", "governor.nk",
        "--out", "audit.jsonl", cwd=tmp_path,
    )  # fmt: skip
    assert exported.code == 0, exported.err
    assert len((tmp_path / "audit.jsonl").read_text().splitlines()) >= 3
    (tmp_path / "nkeys.json").write_text(f'{{"it-dna": "{public(seed())}"}}')
    regenerated = await palermo(
        "nats-config", "--nats-url", server.url, "--nkey-seed", "governor.nk",
        "--root-public", h.root.public.hex(), "--nkeys", "nkeys.json",
        "--broker-nkey", public(seed()), "--governor-nkey", public(seed()), "--out", "new.conf",
        cwd=tmp_path,
    )  # fmt: skip
    assert regenerated.code == 0, regenerated.err
    assert regenerated.out.splitlines()[-1] == "wrote new.conf for 3 directory records"


async def test_governor_without_credentials_is_refused(
    hub: tuple[NatsServer, Harness], tmp_path: Path
) -> None:
    """Without `--nkey-seed` the hub refuses the connection: one line, exit 1; a missing
    seed file is named."""
    server, _ = hub
    run = await palermo(
        "directory", "list", "--nats-url", server.url, "--root-keystore", "root.keystore",
        "--passphrase-file", "pass", cwd=tmp_path,
    )  # fmt: skip
    assert run.code == 1
    assert "cannot reach NATS" in one_line(run)
    missing = await palermo(
        "directory", "list", *governor(server, "--nkey-seed", "nope.nk"), cwd=tmp_path
    )
    assert missing.code == 1
    assert one_line(missing) == "palermo: --nkey-seed nope.nk: no such file"


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
        server.url, nkeys_seed=str(tmp_path / "governor.nk"), error_cb=seen,
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
