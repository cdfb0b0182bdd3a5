"""The investigators' `palermo` commands against real gateways, broker and NATS."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from nats.aio.client import Client

from broker.natsserver import NatsServer
from clients.cli import main
from schemas import _crypto
from schemas.keystore import save_keystore
from schemas.kinds import encode_message_json

from .brokerkit import running_broker
from .test_gateway import KEYS, A, B, config, gateway, world
from .test_kinds import EXAMPLES

FAST = {"opslimit": _crypto.ARGON2ID_OPS_INTERACTIVE, "memlimit": _crypto.ARGON2ID_MEM_INTERACTIVE}


def palermo(*argv: str) -> int:
    return main(list(argv))


def pretty_json(out: str) -> dict[str, Any]:
    """The indented JSON document in a command's output (from a line "{" to a line "}")."""
    lines = out.splitlines()
    start = lines.index("{")
    end = lines.index("}", start)
    document: dict[str, Any] = json.loads("\n".join(lines[start : end + 1]))
    return document


def json_lines(out: str) -> list[dict[str, Any]]:
    """The JSON lines of a command's output (log lines from the servers set aside)."""
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


async def test_send_inbox_read_thread_ack(
    nats_server: NatsServer, nc: Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An officer sends an MLA request from a TOML file with an attachment; the other
    side lists, reads, fetches (byte for byte) and acknowledges it, all with the CLI."""
    h = await world(nc)
    officer, system = tmp_path / "officer.key", tmp_path / "system.key"
    officer.write_text(KEYS["officer"])
    system.write_text(KEYS["system"])
    body = tmp_path / "request.json"
    body.write_bytes(encode_message_json(EXAMPLES["mla_request"]))
    evidence = tmp_path / "ledger.csv"
    evidence.write_bytes(b"date,amount\n2026-01-05,1200\n" * 4000)
    cfg_a = config(h, nats_server.url, tmp_path / "a")
    cfg_b = config(h, nats_server.url, tmp_path / "b")
    async with (
        running_broker(nats_server.url, h),
        gateway(cfg_a, keys=h.keys[A]) as gw_a,
        gateway(cfg_b, keys=h.keys[B]) as gw_b,
    ):
        a = ["--gateway", gw_a.url, "--api-key-file", str(officer)]
        b = ["--gateway", gw_b.url, "--api-key-file", str(system)]
        assert await asyncio.to_thread(
            palermo, "send", str(body), *a, "--to", B, "--handling", "H2",
            "--attach", str(evidence),
        ) == 0  # fmt: skip
        (sent,) = json_lines(capsys.readouterr().out)
        listed: list[dict[str, Any]] = []
        async with asyncio.timeout(15):
            while not listed:
                assert (
                    await asyncio.to_thread(palermo, "inbox", *b, "--kind", "mla_request", "--json")
                    == 0
                )
                listed = json_lines(capsys.readouterr().out)
                await asyncio.sleep(0.2)
        (item,) = listed
        assert item["message_id"] == sent["message_id"]
        assert item["handling"] == "H2"
        assert await asyncio.to_thread(palermo, "inbox", *b) == 0
        # Log lines of the in-process broker may share stdout: take the table's lines.
        table = capsys.readouterr().out.splitlines()
        header = next(line for line in table if line.startswith("ACCEPTED (UTC)"))
        (row,) = [line for line in table if line.endswith(sent["message_id"])]
        assert header.split() == [
            "ACCEPTED", "(UTC)", "KIND", "FROM", "HANDLING", "VICTIMS", "ACK", "MESSAGE", "ID",
        ]  # fmt: skip
        assert row.split()[2:] == [
            "mla_request", A, "H2", item["victim_level"], "no",
            sent["message_id"],
        ]  # fmt: skip
        assert await asyncio.to_thread(palermo, "read", *b, sent["message_id"]) == 0
        shown = pretty_json(capsys.readouterr().out)
        assert shown["body"]["kind"] == "mla_request"
        out = tmp_path / "fetched.csv"
        assert (
            await asyncio.to_thread(
                palermo, "fetch", *b, sent["message_id"], "0", "--out", str(out)
            )
            == 0
        )
        assert out.read_bytes() == evidence.read_bytes()
        capsys.readouterr()
        assert await asyncio.to_thread(palermo, "ack", *b, sent["message_id"]) == 0
        assert await asyncio.to_thread(palermo, "thread", *b, sent["thread_id"]) == 0
        thread = pretty_json(capsys.readouterr().out)
        assert sent["message_id"] in [m["message_id"] for m in thread["messages"]]
        assert thread["mla_status"] is None  # no status update yet


def test_no_gateway_is_one_clear_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Without a gateway configured, the command says what is missing, on one line."""
    body = tmp_path / "b.json"
    body.write_bytes(encode_message_json(EXAMPLES["case_referral"]))
    assert palermo("send", str(body), "--to", B) == 1
    err = capsys.readouterr().err
    assert err.startswith("palermo: no gateway")
    assert err.count("\n") == 1


async def test_evidence_chain_command(
    nats_server: NatsServer, nc: Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`palermo evidence` shows the broker's acceptance with its audit position and the
    recipient's signed retrieval receipt for a message the officer sent."""
    h = await world(nc)
    officer = tmp_path / "officer.key"
    officer.write_text(KEYS["officer"])
    body = tmp_path / "referral.json"
    body.write_bytes(encode_message_json(EXAMPLES["case_referral"]))
    cfg_a = config(h, nats_server.url, tmp_path / "a")
    cfg_b = config(h, nats_server.url, tmp_path / "b")
    async with (
        running_broker(nats_server.url, h),
        gateway(cfg_a, keys=h.keys[A]) as gw_a,
        gateway(cfg_b, keys=h.keys[B]),
    ):
        a = ["--gateway", gw_a.url, "--api-key-file", str(officer)]
        assert await asyncio.to_thread(palermo, "send", str(body), *a, "--to", B) == 0
        (sent,) = json_lines(capsys.readouterr().out)
        chain: dict[str, Any] = {}
        async with asyncio.timeout(15):
            while not chain.get("complete"):
                await asyncio.sleep(0.3)
                assert await asyncio.to_thread(palermo, "evidence", *a, sent["message_id"]) == 0
                chain = pretty_json(capsys.readouterr().out)
        assert chain["broker"]["notice"] == "accepted"
        assert chain["broker"]["audit_seq"] >= 1
        assert [(r["from"], r["type"]) for r in chain["receipts"]] == [(B, "retrieved")]


async def test_endpoint_mode_send_and_inbox(
    nats_server: NatsServer, nc: Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A small authority without a gateway sends and receives with `palermo endpoint`."""
    h = await world(nc)
    secret = tmp_path / "pass"
    secret.write_text("a long enough passphrase")
    for authority in (A, B):
        save_keystore(tmp_path / f"{authority}.keystore", h.keys[authority],
                      "a long enough passphrase", **FAST)  # fmt: skip
    body = tmp_path / "referral.toml"
    body.write_text(
        'kind = "case_referral"\n'
        'summary = "Victim V1 was moved from Lagos to Turin and exploited in a salon."\n'
    )

    def common(authority: str) -> list[str]:
        keystore = str(tmp_path / f"{authority}.keystore")
        return ["--nats-url", nats_server.url, "--keystore", keystore,
                "--passphrase-file", str(secret), "--root-public", h.root.public.hex()]  # fmt: skip

    async with running_broker(nats_server.url, h):
        assert (
            await asyncio.to_thread(palermo, "endpoint", "send", *common(A), str(body), "--to", B)
            == 0
        )
        (sent,) = json_lines(capsys.readouterr().out)
        received: list[dict[str, Any]] = []
        async with asyncio.timeout(20):
            while not received:
                assert await asyncio.to_thread(palermo, "endpoint", "inbox", *common(B)) == 0
                received = [
                    line for line in json_lines(capsys.readouterr().out)
                    if line.get("event") == "message"
                ]  # fmt: skip
        (line,) = received
        assert (line["sender"], line["message_id"]) == (A, sent["message_id"])
        assert line["body"]["kind"] == "case_referral"
        root = ["--nats-url", nats_server.url, "--root-public", h.root.public.hex()]
        assert await asyncio.to_thread(palermo, "endpoint", "directory", *root) == 0
        shown = json_lines(capsys.readouterr().out)
        assert {d["id"] for d in shown if "id" in d} >= {A, B, "zz-broker"}
        assert shown[-1]["head_serial"] >= 3
