"""The witness service over real HTTP on loopback: every refusal of add-checkpoint with
its exact status (c2sp.org/tlog-witness), compare-and-swap under concurrency, state
that survives a restart, and the `palermo witness` commands."""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import msgspec
import pytest

from broker.config import WitnessingConfig
from clients.cli import main
from clients.gateway_config import AuditConfig
from schemas import tlog
from schemas.keys import SigningKey
from schemas.note import Checkpoint, NoteVerifier, sign_checkpoint, sign_note
from schemas.witness import (
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    WitnessKey,
    parse_cosignature_response,
    verify_quorum,
)
from witness import (
    ConfigError,
    LogConfig,
    StateError,
    WitnessConfig,
    load_config,
    origin_hash,
    running,
)
from witness.config import HttpConfig

ORIGIN = "palermo.example/audit"
LOG_KEY = SigningKey(bytes([0x41]) * 32)
LOG = NoteVerifier.for_key(ORIGIN, LOG_KEY)
WITNESS_KEY = SigningKey(bytes([0x51]) * 32)
WITNESS = WitnessKey.for_key("witness.un.example/w1", WITNESS_KEY)
LEAVES = [tlog.leaf_hash(f"event {i}".encode()) for i in range(16)]


def tree(size: int, leaves: list[bytes] = LEAVES) -> Checkpoint:
    return Checkpoint(ORIGIN, size, tlog.root(leaves[:size]))


def proof(old: int, new: int, leaves: list[bytes] = LEAVES) -> tuple[bytes, ...]:
    def read(level: int, index: int) -> bytes:
        return tlog.root(leaves[index << level : (index + 1) << level])

    return tuple(tlog.consistency_proof(old, new, read))


def body(
    old: int, checkpoint: Checkpoint, hashes: tuple[bytes, ...] = (), key: SigningKey = LOG_KEY
) -> bytes:
    return AddCheckpoint(old, hashes, sign_checkpoint(checkpoint, key)).encode()


def config(tmp_path: Path) -> WitnessConfig:
    return WitnessConfig(
        name=WITNESS.name,
        state_dir=str(tmp_path / "state"),
        logs=[LogConfig(ORIGIN, LOG.vkey)],
        http=HttpConfig(port=0, prefix="/w", max_body=16 * 1024),
    )


@dataclass
class Client:
    url: str
    session: aiohttp.ClientSession

    async def add(self, data: bytes) -> tuple[int, str, str]:
        async with self.session.post(f"{self.url}/add-checkpoint", data=data) as resp:
            return resp.status, resp.content_type, await resp.text()


@pytest.fixture
async def witness(tmp_path: Path) -> AsyncIterator[Client]:
    async with running(config(tmp_path), WITNESS_KEY) as url, aiohttp.ClientSession() as s:
        yield Client(url, s)


async def test_cosigns_and_advances(witness: Client) -> None:
    """A first checkpoint (old 0) and then a consistent one (old 5, proof) are cosigned;
    each answer is one cosignature line that verifies as a quorum of one."""
    status, _, text = await witness.add(body(0, tree(5)))
    assert status == 200
    (line,) = parse_cosignature_response(text.encode())
    note = sign_checkpoint(tree(5), LOG_KEY) + line.encode()
    assert verify_quorum(note, LOG, [WITNESS], 1) == tree(5)
    status, _, text = await witness.add(body(5, tree(8), proof(5, 8)))
    assert status == 200
    note = sign_checkpoint(tree(8), LOG_KEY) + text.encode()
    assert verify_quorum(note, LOG, [WITNESS], 1).size == 8
    # The same checkpoint again (old = size, same root) is cosigned again.
    assert (await witness.add(body(8, tree(8))))[0] == 200


async def test_refusals_have_their_exact_status(witness: Client) -> None:
    """Unknown origin 404, bad log signature 403, stale old size 409 with the size as
    text/x.tlog.size, bad proof 422, same size with another root 422, rollback 400/409,
    malformed 400, a non-empty root at size 0 422, a proof with old 0 422."""
    assert (await witness.add(body(0, tree(5))))[0] == 200
    other = Checkpoint("other.example/log", 5, tree(5).root_hash)
    other_note = sign_note(other.text(), "other.example/log", LOG_KEY)
    status, _, text = await witness.add(AddCheckpoint(0, (), other_note).encode())
    assert (status, text) == (404, "unknown log 'other.example/log'\n")
    status, _, text = await witness.add(body(5, tree(8), proof(5, 8), key=SigningKey(bytes(32))))
    assert status == 403
    assert text.startswith("checkpoint not signed by the log's key")
    forged = bytearray(sign_checkpoint(tree(8), LOG_KEY))
    forged[-3] = ord("A") if forged[-3] != ord("A") else ord("B")  # same key id, bad sig
    status, _, _ = await witness.add(AddCheckpoint(5, proof(5, 8), bytes(forged)).encode())
    assert status == 403
    status, ctype, text = await witness.add(body(3, tree(8), proof(3, 8)))
    assert (status, ctype, text) == (409, SIZE_CONTENT_TYPE, "5\n")
    bad = list(proof(5, 8))
    bad[0] = bytes(32)
    status, _, text = await witness.add(body(5, tree(8), tuple(bad)))
    assert status == 422
    assert text.startswith("consistency proof does not verify")
    forked = [*LEAVES[:4], tlog.leaf_hash(b"forged"), *LEAVES[5:]]
    status, _, text = await witness.add(body(5, tree(5, forked)))
    assert (status, text) == (422, "another root for size 5 was cosigned before\n")
    # Rollback: a smaller checkpoint, claimed from the witness's size or from 0.
    status, _, text = await witness.add(body(5, tree(3)))
    assert (status, text) == (400, "old size 5 is above size 3\n")
    assert (await witness.add(body(0, tree(3))))[:3] == (409, SIZE_CONTENT_TYPE, "5\n")
    status, _, text = await witness.add(b"old 05\n\n" + sign_checkpoint(tree(8), LOG_KEY))
    assert status == 400
    assert text.startswith("malformed request")
    status, _, _ = await witness.add(b"x" * 20_000)
    assert status == 413
    # Still at 5: nothing above advanced it.
    assert (await witness.add(body(5, tree(8), proof(5, 8))))[0] == 200


async def test_size_zero_and_old_zero_rules(tmp_path: Path) -> None:
    """Size 0 must carry the empty tree's root (else 422); old size 0 takes no proof."""
    async with running(config(tmp_path), WITNESS_KEY) as url, aiohttp.ClientSession() as s:
        client = Client(url, s)
        wrong = Checkpoint(ORIGIN, 0, LEAVES[0])
        assert (await client.add(body(0, wrong)))[:1] == (422,)
        assert (await client.add(body(0, tree(8), proof(5, 8))))[0] == 422
        assert (await client.add(body(0, Checkpoint(ORIGIN, 0, tlog.empty_root()))))[0] == 200
        assert (await client.add(body(0, tree(8))))[0] == 200


async def test_concurrent_requests_do_not_both_advance(witness: Client) -> None:
    """Two requests from the same old size race: exactly one is cosigned, the other gets
    409 with the winner's size (the rollback race of the spec cannot happen)."""
    assert (await witness.add(body(0, tree(4))))[0] == 200
    results = await asyncio.gather(
        *(witness.add(body(4, tree(n), proof(4, n))) for n in (6, 9, 12, 16))
    )
    statuses = sorted(r[0] for r in results)
    assert statuses == [200, 409, 409, 409]
    (winner,) = [n for n, r in zip((6, 9, 12, 16), results, strict=True) if r[0] == 200]
    assert {r[2] for r in results if r[0] == 409} == {f"{winner}\n"}


async def test_state_survives_restart_and_is_served(tmp_path: Path) -> None:
    """After a restart the witness still holds its latest size (409 with it for old 0),
    serves the cosigned checkpoint at <prefix>/<origin hash>/checkpoint, and a second
    process cannot use the same state directory."""
    async with running(config(tmp_path), WITNESS_KEY) as url, aiohttp.ClientSession() as s:
        assert (await Client(url, s).add(body(0, tree(7))))[0] == 200
        with pytest.raises(StateError, match="another witness process"):
            async with running(config(tmp_path), WITNESS_KEY):
                pass
    async with running(config(tmp_path), WITNESS_KEY) as url, aiohttp.ClientSession() as s:
        client = Client(url, s)
        assert (await client.add(body(0, tree(9))))[:3] == (409, SIZE_CONTENT_TYPE, "7\n")
        async with s.get(f"{url}/{origin_hash(ORIGIN)}/checkpoint") as resp:
            assert resp.status == 200
            served = await resp.read()
        assert verify_quorum(served, LOG, [WITNESS], 1) == tree(7)
        async with s.get(f"{url}/{origin_hash('nobody')}/checkpoint") as resp:
            assert resp.status == 404
        assert (await client.add(body(7, tree(9), proof(7, 9))))[0] == 200


def test_keygen_vkey_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`witness keygen` writes a keystore and prints the vkey; `witness vkey` prints the
    same from the config; a missing config is one line."""
    secret = tmp_path / "pass"
    secret.write_text("a long enough passphrase\n")
    store = tmp_path / "witness.keystore"
    name = "witness.un.example/w1"
    args = ["witness", "keygen", "--name", name, "--out", str(store), "--fast-kdf"]
    assert main([*args, "--passphrase-file", str(secret)]) == 0
    vkey = capsys.readouterr().out.splitlines()[-1]
    assert WitnessKey.from_vkey(vkey).name == name
    (tmp_path / "witness.toml").write_text(
        f'name = "{name}"\npassphrase_file = "pass"\n'
        f'[[logs]]\norigin = "{ORIGIN}"\nvkey = "{LOG.vkey}"\n'
    )
    assert main(["witness", "vkey", "--config", str(tmp_path / "witness.toml")]) == 0
    assert capsys.readouterr().out == vkey + "\n"
    assert main(["witness", "run", "--config", str(tmp_path / "nope.toml")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "nope.toml" in err
    assert main([*args, "--passphrase-file", str(secret)]) == 1
    assert "exists; pass --force" in capsys.readouterr().err


def test_log_vkey_must_name_its_origin(tmp_path: Path) -> None:
    """A log configured with another log's vkey is refused at start."""
    bad = WitnessConfig(name=WITNESS.name, logs=[LogConfig("other.example/log", LOG.vkey)])
    with pytest.raises(ConfigError, match="its vkey is for"):
        bad.verifiers()


DOCS = Path(__file__).resolve().parents[1] / "docs"


def _block(text: str, start: str, end: str) -> str:
    """The text between the first line `start` and the next line `end`."""
    head = text.index(start + "\n") + len(start) + 1
    return text[head : text.index("\n" + end + "\n", head) + 1]


def test_documented_configurations_load(tmp_path: Path) -> None:
    """The witness.toml of audit-log.md, the [witnessing] block of the operator guide
    and the [audit] block of the gateway guide decode as printed."""
    guide = (DOCS / "audit-log.md").read_text()
    vkey = guide.split("LOG_VKEY='", 1)[1].split("'", 1)[0]
    toml = _block(guide, "cat > witness.toml <<EOF", "EOF").replace("$LOG_VKEY", vkey)
    (tmp_path / "witness.toml").write_text(toml)
    config = load_config(tmp_path / "witness.toml", env={})
    assert config.verifiers()["palermo.example/audit"].vkey == vkey
    assert config.http.port == 8680
    assert config.path(config.keystore) == tmp_path / "witness.keystore"

    operator = (DOCS / "operator-guide.md").read_text()
    start = operator.index("[witnessing]")
    block = operator[start : operator.index("[[policy.rules]]", start)]
    broker = tomllib.loads(block)
    witnessing = msgspec.convert(broker["witnessing"], WitnessingConfig)
    (peer,) = witnessing.witnesses
    assert WitnessKey.from_vkey(peer.vkey).name == peer.name

    gateway = (DOCS / "gateway-guide.md").read_text()
    section = gateway[gateway.index('[audit]\norigin = "palermo.example/audit"\nwitnesses = [') :]
    parsed = tomllib.loads(section[: section.index("```")])
    checked = msgspec.convert(parsed["audit"], AuditConfig)
    assert (len(checked.witness_keys()), checked.quorum) == (3, 2)
    with pytest.raises(msgspec.ValidationError, match="quorum"):
        msgspec.convert({**parsed["audit"], "quorum": 4}, AuditConfig)


def test_broker_refuses_a_witness_whose_vkey_is_another_name() -> None:
    """A `[[witnessing.witnesses]]` entry whose vkey names another witness, or does not
    parse, or a name listed twice, is a configuration error at start."""
    other = WitnessKey.for_key("witness.it.example/w2", SigningKey(bytes([2]) * 32)).vkey
    peer = {"name": WITNESS.name, "vkey": WITNESS.vkey, "url": "http://127.0.0.1:1"}
    bad = [
        ([{**peer, "vkey": other}], "its vkey is for 'witness.it.example/w2'"),
        ([{**peer, "vkey": LOG.vkey}], "not an Ed25519 cosignature key"),
        ([peer, peer], "listed twice"),
    ]
    for witnesses, message in bad:
        with pytest.raises(msgspec.ValidationError, match=message):
            msgspec.convert({"witnesses": witnesses}, WitnessingConfig)
    assert msgspec.convert({"witnesses": [peer]}, WitnessingConfig).witnesses[0].url
