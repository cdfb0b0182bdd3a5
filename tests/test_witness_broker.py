"""Witnesses with a real broker on real NATS and real HTTP on loopback: checkpoints get
cosigned and published, quorum clients accept them, a witness that is down or hangs
delays nothing but cosignatures, and a split view is caught by witnesses and clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg

from broker.natsserver import NatsServer
from broker.tlog_proofs import latest_checkpoint
from clients.endpoint import Endpoint
from clients.evidence import CheckpointWatcher, SplitView
from schemas import tlog
from schemas.keys import SigningKey
from schemas.nats_names import COSIGNED_KEY, SUBJECT_CHECKPOINT
from schemas.note import Checkpoint, NoteVerifier, open_checkpoint, sign_checkpoint
from schemas.witness import AddCheckpoint, QuorumNotMet, WitnessKey, count_cosignatures
from witness import LogConfig, WitnessConfig, running
from witness.config import HttpConfig

from .brokerkit import Harness, referral
from .test_ops import BEARER, ops_broker

ORIGIN = "palermo.example/audit"
NAMES = ["witness.un.example/w1", "witness.it.example/w2", "witness.ng.example/w3"]
KEYS = {name: SigningKey.generate() for name in NAMES}
IDS = {name: WitnessKey.for_key(name, key) for name, key in KEYS.items()}


def witness_config(tmp_path: Path, name: str, log_vkey: str, port: int = 0) -> WitnessConfig:
    return WitnessConfig(
        name=name,
        state_dir=str(tmp_path / name.replace("/", "_")),
        logs=[LogConfig(ORIGIN, log_vkey)],
        http=HttpConfig(port=port),
    )


@contextlib.asynccontextmanager
async def hung_server() -> AsyncIterator[str]:
    """A listener that accepts connections and never answers (a witness that hangs)."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def wait_for(probe: Any, wait: float = 10.0) -> Any:
    async with asyncio.timeout(wait):
        while (result := await probe()) is None:
            await asyncio.sleep(0.1)
    return result


async def test_witnesses_cosign_and_a_down_witness_delays_nothing_else(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """Two witnesses cosign the broker's checkpoints while a third hangs, and a k=2
    endpoint accepts them; with one more stopped, envelopes are still accepted promptly
    and the plain checkpoint advances, the cosigned one carries the one cosignature
    left (a k=1 endpoint is fine, a k=2 one refuses it and keeps what it had); the
    stopped witness restarts from its state and the quorum is back."""
    h = Harness(nc)
    await h.setup()
    await h.add("it-dna")
    await h.add("gb-nca")
    log_vkey = NoteVerifier.for_key(ORIGIN, h.broker_keys.log).vkey
    w1, w2, w3 = NAMES
    async with contextlib.AsyncExitStack() as stack:
        w2_stack = contextlib.AsyncExitStack()
        stack.push_async_callback(w2_stack.aclose)
        urls = {
            w1: await stack.enter_async_context(
                running(witness_config(tmp_path, w1, log_vkey), KEYS[w1])
            ),
            w2: await w2_stack.enter_async_context(
                running(witness_config(tmp_path, w2, log_vkey), KEYS[w2])
            ),
            w3: await stack.enter_async_context(hung_server()),
        }
        peers = [{"name": n, "vkey": IDS[n].vkey, "url": urls[n]} for n in NAMES]
        overrides = {
            "witnessing.witnesses": peers,
            "witnessing.timeout": 1.0,
            "witnessing.backoff": 0.3,
            "witnessing.interval": 0.1,
        }
        _, ops_url = await stack.enter_async_context(ops_broker(nats_server.url, h, **overrides))
        http = await stack.enter_async_context(aiohttp.ClientSession())
        trusted = list(IDS.values())
        strict = await stack.enter_async_context(
            await Endpoint.connect(
                nats_server.url, h.keys["it-dna"], h.root.public, witnesses=trusted, quorum=2
            )
        )
        lenient = await stack.enter_async_context(
            await Endpoint.connect(
                nats_server.url, h.keys["gb-nca"], h.root.public, witnesses=trusted, quorum=1
            )
        )

        await strict.send(referral(), to=["gb-nca"])
        first = await wait_for(lambda: _refreshed(strict))
        async with http.get(f"{ops_url}/v1/checkpoint/cosigned", headers=BEARER) as r:
            assert r.status == 200
            assert r.content_type == "text/plain"
            note = await r.read()
        assert open_checkpoint(note, NoteVerifier.from_vkey(log_vkey)).size >= first.size
        assert count_cosignatures(note, trusted) == {w1, w2}

        # w2 stops too: only w1 cosigns from now on.
        await w2_stack.aclose()
        plain_before = _size(await latest_checkpoint(h.js))
        started = time.monotonic()
        for _ in range(3):
            await strict.send(referral(), to=["gb-nca"])
        assert time.monotonic() - started < 1.0  # no witness in the send path
        last_seq = (await h.js.stream_info("PALERMO_AUDIT")).state.last_seq
        plain = await wait_for(lambda: _grown(h, plain_before))
        assert plain > plain_before
        only_w1 = await wait_for(lambda: _cosigned_by(h, {w1}, plain))
        assert (await lenient.refresh_checkpoint()).size >= only_w1
        held = (await strict.checkpoints()).latest
        assert held is not None
        with pytest.raises(QuorumNotMet) as caught:
            await strict.refresh_checkpoint()
        assert (caught.value.have, caught.value.need) == (1, 2)
        assert (await strict.checkpoints()).latest == held
        assert last_seq > held.size

        # w2 comes back on its old state and port; the collector catches it up.
        await stack.enter_async_context(
            running(witness_config(tmp_path, w2, log_vkey, port=_port(urls[w2])), KEYS[w2])
        )
        await strict.send(referral(), to=["gb-nca"])
        again = await wait_for(lambda: _refreshed(strict, above=held.size))
        assert again.size > held.size

        # Operators see each witness's answers and the cosigned size in /metrics; the
        # hung w3 fails once its request times out (1 s).
        async def metrics() -> dict[str, float] | None:
            async with http.get(f"{ops_url}/metrics", headers=BEARER) as r:
                samples = _samples(await r.text())
            return samples if _requests(samples, w3, "failed") else None

        samples = await wait_for(metrics)
        assert _requests(samples, w1, "cosigned") >= 2  # `first` and `only_w1`
        assert _requests(samples, w2, "failed") >= 1  # while it was stopped
        assert _requests(samples, w3, "cosigned") == 0
        assert samples["palermo_cosigned_checkpoint_size"] >= again.size


def _requests(samples: dict[str, float], witness: str, outcome: str) -> float:
    return samples.get(
        f'palermo_witness_requests_total{{outcome="{outcome}",witness="{witness}"}}', 0.0
    )


def _samples(text: str) -> dict[str, float]:
    """Prometheus text format: sample name with labels → value."""
    lines = (line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
    return {name: float(value) for name, value in lines}


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", maxsplit=1)[0])


def _size(note: bytes | None) -> int:
    return int(note.split(b"\n")[1]) if note else 0


async def _grown(h: Harness, before: int) -> int | None:
    size = _size(await latest_checkpoint(h.js))
    return size if size > before else None


async def _cosigned_by(h: Harness, names: set[str], at_least: int) -> int | None:
    note = await latest_checkpoint(h.js, COSIGNED_KEY)
    if note is None or _size(note) < at_least:
        return None
    return _size(note) if count_cosignatures(note, list(IDS.values())) == names else None


async def _refreshed(ep: Endpoint, above: int = 0) -> Checkpoint | None:
    try:
        checkpoint = await ep.refresh_checkpoint()
    except QuorumNotMet:
        return None
    return checkpoint if checkpoint.size > above else None


async def test_split_view_is_caught_by_witnesses_and_clients(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    """A broker holding the real log key shows party X one tree of size 4 and party Y
    another. Each witness cosigns the first it sees and refuses the other with 422; so
    X's and Y's notes each carry one cosignature and k=2 clients refuse both
    (QuorumNotMet); a k=1 client that accepted X's view refuses Y's (SplitView)."""
    log_key = SigningKey.generate()
    log = NoteVerifier.for_key(ORIGIN, log_key)
    base = [tlog.leaf_hash(f"event {i}".encode()) for i in range(3)]
    view_x = Checkpoint(ORIGIN, 4, tlog.root([*base, tlog.leaf_hash(b"shown to X")]))
    view_y = Checkpoint(ORIGIN, 4, tlog.root([*base, tlog.leaf_hash(b"shown to Y")]))
    note_x, note_y = sign_checkpoint(view_x, log_key), sign_checkpoint(view_y, log_key)
    w1, w2, _ = NAMES
    trusted = [IDS[w1], IDS[w2]]
    async with contextlib.AsyncExitStack() as stack:
        http = await stack.enter_async_context(aiohttp.ClientSession())
        url = {
            n: await stack.enter_async_context(
                running(witness_config(tmp_path, n, log.vkey), KEYS[n])
            )
            for n in (w1, w2)
        }

        async def add(name: str, old: int, note: bytes) -> tuple[int, str]:
            body = AddCheckpoint(old, (), note).encode()
            async with http.post(f"{url[name]}/add-checkpoint", data=body) as r:
                return r.status, await r.text()

        status, line_x = await add(w1, 0, note_x)
        assert status == 200
        assert await add(w1, 4, note_y) == (422, "another root for size 4 was cosigned before\n")
        assert await add(w1, 0, note_y) == (409, "4\n")
        status, line_y = await add(w2, 0, note_y)
        assert status == 200
        assert await add(w2, 4, note_x) == (422, "another root for size 4 was cosigned before\n")
        shown = {"X": note_x + line_x.encode(), "Y": note_y + line_y.encode()}

        # The lying broker's checkpoint API, on real NATS: X and Y by their reply prefix.
        liar = await stack.enter_async_context(await nats.connect(nats_server.url))

        async def answer(msg: Msg) -> None:
            party = "X" if msg.reply.startswith("_INBOX_X") else "Y"
            note = shown[party].decode()
            await msg.respond(json.dumps({"checkpoint": note, "cosigned": note}).encode())

        await liar.subscribe(SUBJECT_CHECKPOINT, cb=answer)
        await liar.flush()
        nc_x = await stack.enter_async_context(
            await nats.connect(nats_server.url, inbox_prefix=b"_INBOX_X")
        )
        nc_y = await stack.enter_async_context(
            await nats.connect(nats_server.url, inbox_prefix=b"_INBOX_Y")
        )
        for party_nc in (nc_x, nc_y):
            strict = CheckpointWatcher(party_nc, log, witnesses=trusted, quorum=2)
            with pytest.raises(QuorumNotMet) as caught:
                await strict.refresh()
            assert (caught.value.have, caught.value.need) == (1, 2)
            assert strict.latest is None
        lenient = CheckpointWatcher(nc_x, log, witnesses=trusted, quorum=1)
        assert await lenient.refresh() == view_x
        shown["X"] = shown["Y"]  # the broker now shows X the other view
        with pytest.raises(SplitView, match="two different roots for tree size 4"):
            await lenient.refresh()
        assert lenient.latest == view_x


async def test_cosigned_route_without_witnesses(nats_server: NatsServer, nc: Client) -> None:
    """With no witness configured, `/v1/checkpoint/cosigned` answers 404 with a problem
    document once checkpoints exist, the API's `cosigned` field is null, and the route
    needs the operator token like every other."""
    h = Harness(nc)
    await h.setup()
    await h.add("it-dna")
    await h.add("gb-nca")
    async with ops_broker(nats_server.url, h) as (_, url), aiohttp.ClientSession() as http:
        await h.send("it-dna", h.seal("it-dna", "gb-nca"))
        await wait_for(lambda: latest_checkpoint(h.js))
        async with http.get(f"{url}/v1/checkpoint/cosigned", headers=BEARER) as r:
            assert r.status == 404
            assert r.content_type == "application/problem+json"
            assert (await r.json())["title"] == "No cosigned checkpoint"
        async with http.get(f"{url}/v1/checkpoint/cosigned") as r:
            assert r.status == 401
        reply = await nc.request(SUBJECT_CHECKPOINT, b"{}", timeout=5)
        answer = json.loads(reply.data)
        assert answer["cosigned"] is None
        assert answer["checkpoint"].startswith(ORIGIN + "\n")
