"""The ops API over real HTTP, against a real broker on a real nats-server."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
import nats
import pytest
from nats.aio.client import Client
from prometheus_client.parser import text_string_to_metric_families

from broker import topology
from broker.errors import ConfigError
from broker.natsserver import NatsServer
from broker.ops import TAIL_BACKLOG, OpsServer, make_app
from broker.service import Broker
from schemas import tlog
from schemas.envelope import envelope_hash, parse
from schemas.kinds import SpontaneousInformation
from schemas.note import NoteVerifier, open_checkpoint, verifier_key

from .brokerkit import Harness
from .test_kinds import EXAMPLES

TOKEN = "operator-token-for-tests-0123456789"  # noqa: S105 (a test token)
BEARER = {"Authorization": f"Bearer {TOKEN}"}
MALFORMED = b"\x93not an envelope"
FAR_FUTURE = 4_102_444_800_000  # 2100-01-01
EVENT_FIELDS = {
    "seq", "event", "time_ms", "message_id", "kind", "sender", "recipients", "envelope_hash",
    "size", "victim_level", "legal_basis", "reason", "count", "ingress_seq", "refers_to",
    "authority", "directory_serial",
}  # fmt: skip

T = TypeVar("T")


@dataclass
class Ops:
    """A running broker with its ops API, the harness that feeds it, and an HTTP client."""

    h: Harness
    broker: Broker
    url: str
    http: aiohttp.ClientSession

    async def json(self, path: str, status: int = 200, **params: Any) -> Any:
        """GET `path` with the token; assert the status; the decoded JSON body."""
        async with self.http.get(self.url + path, headers=BEARER, params=params) as r:
            assert r.status == status, await r.text()
            return await r.json(content_type=None)

    async def text(self, path: str, **params: Any) -> str:
        """GET `path` with the token; assert 200; the body text."""
        async with self.http.get(self.url + path, headers=BEARER, params=params) as r:
            assert r.status == 200, await r.text()
            return await r.text()


async def eventually(probe: Callable[[], Awaitable[T | None]], wait: float = 8.0) -> T:
    """Poll `probe` until it returns something other than None."""
    async with asyncio.timeout(wait):
        while True:
            result = await probe()
            if result is not None:
                return result
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def ops_broker(url: str, h: Harness, **overrides: Any) -> AsyncIterator[tuple[Broker, str]]:
    """A broker with the ops API on a free loopback port; yields it and the base URL."""
    nc = await nats.connect(url)
    stop = asyncio.Event()
    server = OpsServer()
    config = h.config(**{"ops.token": TOKEN, "ops.port": 0, **overrides})
    broker = Broker(config, h.broker_keys, nc, extra_tasks=[server])
    task = asyncio.create_task(broker.run(stop))
    try:
        async with asyncio.timeout(10):
            await server.bound.wait()
        yield broker, server.url
    finally:
        stop.set()
        await task
        await nc.drain()


@pytest.fixture
async def ops(nats_server: NatsServer, nc: Client) -> AsyncIterator[Ops]:
    """Three authorities, a broker with its ops API, and a client session."""
    h = Harness(nc)
    await h.setup()
    for name in ("ng-naptip", "it-dna", "gb-nca"):
        await h.add(name)
    async with ops_broker(nats_server.url, h) as (broker, url), aiohttp.ClientSession() as http:
        yield Ops(h, broker, url, http)


async def test_health_and_readiness_need_no_token(ops: Ops) -> None:
    """/healthz says ok and /readyz reports a ready broker, both without a token."""
    async with ops.http.get(ops.url + "/healthz") as r:
        assert r.status == 200
        assert await r.text() == "ok"
    async with ops.http.get(ops.url + "/readyz") as r:
        assert r.status == 200
        body = await r.json()
    assert body["ready"] is True
    assert body["directory_loaded"]
    assert body["directory_fresh"]
    assert body["nats_connected"]
    assert body["audit_appends_ok"] is True
    assert body["sequencer"]["error"] is None
    assert TOKEN not in str(body)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}],
    ids=["missing", "wrong", "not-bearer"],
)
async def test_operator_endpoints_refuse_bad_tokens(ops: Ops, headers: dict[str, str]) -> None:
    """Every operator path answers 401 with a Bearer challenge and a problem document
    when the token is missing or wrong; a token in the query string is not accepted."""
    paths = [
        "/metrics", "/v1/audit", "/v1/audit/tail", "/v1/checkpoint", "/v1/log-key",
        "/v1/proof/inclusion?index=0&size=1", "/v1/proof/consistency?old=0&new=1",
        "/v1/stats", "/v1/history", "/v1/unknown", f"/v1/audit?token={TOKEN}",
    ]  # fmt: skip
    for path in paths:
        async with ops.http.get(ops.url + path, headers=headers) as r:
            assert r.status == 401, path
            assert r.headers["WWW-Authenticate"].startswith("Bearer")
            assert r.content_type == "application/problem+json"
            problem = await r.json(content_type=None)
        assert problem["status"] == 401
        assert {"type", "title", "detail"} <= problem.keys()


async def test_ops_refuses_to_start_without_a_token(nats_server: NatsServer, nc: Client) -> None:
    """Without an operator token (or with a blank one) the ops app is never built."""
    h = Harness(nc)
    for overrides in ({}, {"ops.token": "   "}):
        broker = Broker(h.config(**overrides), h.broker_keys, nc)
        with pytest.raises(ConfigError, match=r"ops\.token"):
            make_app(broker)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_count_outcomes_and_show_lag(ops: Ops) -> None:
    """After one good and one malformed envelope, /metrics shows one accepted, one
    rejected as malformed, the undelivered message as inbox lag and the tree size."""
    await ops.h.send("ng-naptip", ops.h.seal("ng-naptip", "it-dna"))
    await ops.h.send("ng-naptip", MALFORMED)

    async def scraped() -> dict[tuple[str, tuple[tuple[str, str], ...]], float] | None:
        async with ops.http.get(ops.url + "/metrics", headers=BEARER) as r:
            assert r.status == 200
            assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            samples = _samples(await r.text())
        done = samples.get(("palermo_messages_accepted_total", ())) == 1 and samples.get(
            ("palermo_messages_rejected_total", (("code", "malformed"),))
        )
        audit = await ops.h.js.stream_info(topology.AUDIT)
        size = samples.get(("palermo_audit_tree_size", ()))
        return samples if done and size == audit.state.last_seq else None

    samples = await eventually(scraped)
    assert samples[("palermo_messages_rejected_total", (("code", "malformed"),))] == 1
    assert samples[("palermo_consumer_lag", (("consumer", "inbox-it-dna"),))] == 1
    assert samples[("palermo_consumer_lag", (("consumer", "broker"),))] == 0
    assert samples[("palermo_consumer_lag", (("consumer", "inbox-gb-nca"),))] == 0
    assert samples[("palermo_consumer_lag", (("consumer", "inbox-ng-naptip"),))] >= 1  # notices


async def test_audit_query_filters_and_paginates(ops: Ops) -> None:
    """/v1/audit filters by message id, authority, kind, event and time, pages with
    after_seq, shows every metadata field, and refuses bad parameters."""
    h = ops.h
    m1 = h.seal("ng-naptip", "it-dna")
    m2 = h.seal("ng-naptip", "gb-nca", body=SpontaneousInformation(summary="Route via Agadez."))
    m3 = h.seal("gb-nca", "it-dna")
    for sender, data in (("ng-naptip", m1), ("ng-naptip", m2), ("gb-nca", m3)):
        await h.send(sender, data)
    await h.send("gb-nca", MALFORMED)

    async def settled() -> list[dict[str, Any]] | None:
        events: list[dict[str, Any]] = (await ops.json("/v1/audit", limit=1000))["events"]
        outcomes = [e for e in events if e["event"] in ("accepted", "rejected")]
        return events if len(outcomes) == 4 else None

    everything = await eventually(settled)
    assert [e["seq"] for e in everything] == list(range(1, len(everything) + 1))

    id1 = parse(m1).binding.message_id.hex()
    (e1,) = (await ops.json("/v1/audit", message_id=id1))["events"]
    assert e1.keys() == EVENT_FIELDS
    assert (e1["event"], e1["sender"], e1["recipients"]) == ("accepted", "ng-naptip", ["it-dna"])
    assert (e1["kind"], e1["size"], e1["count"]) == ("case_referral", len(m1), 1)
    assert e1["envelope_hash"] == envelope_hash(m1).hex()

    def ids(events: list[dict[str, Any]]) -> set[str | None]:
        return {e["message_id"] for e in events if e["event"] != "directory"}

    id2, id3 = (parse(m).binding.message_id.hex() for m in (m2, m3))
    it_dna = (await ops.json("/v1/audit", authority="it-dna"))["events"]
    assert ids(it_dna) == {id1, id3}
    assert [e["authority"] for e in it_dna if e["event"] == "directory"] == ["it-dna"]
    gb_nca = (await ops.json("/v1/audit", authority="gb-nca", event="accepted"))["events"]
    assert ids(gb_nca) == {id2, id3}
    (spont,) = (await ops.json("/v1/audit", kind="spontaneous_information"))["events"]
    assert spont["message_id"] == id2
    (rejected,) = (await ops.json("/v1/audit", event="rejected"))["events"]
    assert (rejected["reason"], rejected["sender"], rejected["message_id"]) == (
        "malformed", "gb-nca", None,
    )  # fmt: skip

    seen: list[int] = []
    after = 0
    for _ in range(len(everything)):
        page = await ops.json("/v1/audit", limit=3, after_seq=after)
        seen += [e["seq"] for e in page["events"]]
        if page["next_after_seq"] is None:
            break
        assert len(page["events"]) == 3
        after = page["next_after_seq"]
    assert seen == [e["seq"] for e in everything]

    assert (await ops.json("/v1/audit", since_ms=FAR_FUTURE))["events"] == []
    assert (await ops.json("/v1/audit", until_ms=1))["events"] == []
    in_window = await ops.json("/v1/audit", since_ms=e1["time_ms"], until_ms=e1["time_ms"])
    assert id1 in ids(in_window["events"])
    for bad in ({"limit": 0}, {"limit": 1001}, {"message_id": "zz"}, {"event": "opened"},
                {"after_seq": -1}, {"colour": "red"}):  # fmt: skip
        problem = await ops.json("/v1/audit", status=400, **bad)
        assert problem["status"] == 400
        assert problem["type"].endswith("bad-parameter")


async def _read_event(lines: aiohttp.StreamReader) -> dict[str, str]:
    """The next SSE event block (comments skipped) as field → value."""
    fields: dict[str, str] = {}
    while True:
        line = (await lines.readline()).decode()
        if not line:
            return fields
        line = line.rstrip("\n")
        if not line:
            if "event" in fields:
                return fields
            continue
        if not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value


async def test_tail_streams_new_events_and_ends_on_stop(
    nats_server: NatsServer, nc: Client
) -> None:
    """A tail opened at the end delivers an event appended after it connected; one
    resumed with Last-Event-ID replays what followed; a tail ends when its client goes
    away or the broker stops, and leaves no consumer behind."""
    h = Harness(nc)
    await h.setup()
    for name in ("ng-naptip", "it-dna"):
        await h.add(name)
    async with aiohttp.ClientSession() as http:
        async with ops_broker(nats_server.url, h) as (_, url):
            live = await http.get(
                url + "/v1/audit/tail", headers=BEARER, params={"kind": "case_referral"}
            )
            assert live.headers["Content-Type"].startswith("text/event-stream")
            assert (await live.content.readline()).startswith(b"retry:")
            data = h.seal("ng-naptip", "it-dna")
            await h.send("ng-naptip", data)
            async with asyncio.timeout(5):
                event = await _read_event(live.content)
            assert event["event"] == "audit"
            body = json.loads(event["data"])
            assert body["message_id"] == parse(data).binding.message_id.hex()
            assert int(event["id"]) == body["seq"]
            resumed = await http.get(
                url + "/v1/audit/tail", headers={**BEARER, "Last-Event-ID": "0"}
            )
            async with asyncio.timeout(5):
                first = await _read_event(resumed.content)
            assert first["id"] == "1"
            resumed.close()  # the client goes away: its tail ends and drops its consumer

            async def one_consumer_left() -> bool | None:
                info = await h.js.stream_info(topology.AUDIT)
                return True if info.state.consumer_count == 1 else None

            await eventually(one_consumer_left, wait=5)
        async with asyncio.timeout(5):  # the broker has stopped: the other stream ends
            while await live.content.readline():
                pass
            live.release()


async def test_checkpoint_and_proofs_verify(ops: Ops) -> None:
    """The checkpoint verifies under the published log key, and inclusion and
    consistency proofs from the API verify against it; bad ranges answer 400."""
    h = ops.h
    for _ in range(2):
        await h.send("ng-naptip", h.seal("ng-naptip", "it-dna"))

    async def covered() -> str | None:
        async with ops.http.get(ops.url + "/v1/checkpoint", headers=BEARER) as r:
            if r.status == 404:
                return None
            assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
            note = await r.text()
        info = await h.js.stream_info(topology.AUDIT)
        accepted = [e for e in await h.audit() if e.event == "accepted"]
        return (
            note if len(accepted) == 2 and note.split("\n")[1] == str(info.state.last_seq) else None
        )

    note = await eventually(covered)
    vkey = (await ops.text("/v1/log-key")).strip()
    assert vkey == verifier_key(ops.broker.config.origin, h.broker_keys.log)
    cp = open_checkpoint(note.encode(), NoteVerifier.from_vkey(vkey))
    leaves = [
        tlog.leaf_hash((await h.js.get_msg(topology.AUDIT, seq)).data or b"")
        for seq in range(1, cp.size + 1)
    ]
    for index in (0, cp.size // 2, cp.size - 1):
        answer = await ops.json("/v1/proof/inclusion", index=index, size=cp.size)
        assert base64.b64decode(answer["leaf_hash"]) == leaves[index]
        proof = [base64.b64decode(p) for p in answer["proof"]]
        tlog.verify_inclusion(index, cp.size, leaves[index], proof, cp.root_hash)
    answer = await ops.json("/v1/proof/consistency", old=1, new=cp.size)
    proof = [base64.b64decode(p) for p in answer["proof"]]
    tlog.verify_consistency(1, cp.size, tlog.root(leaves[:1]), cp.root_hash, proof)
    for path, params in (
        ("/v1/proof/inclusion", {"index": cp.size, "size": cp.size}),
        ("/v1/proof/inclusion", {"index": 0, "size": 10**9}),
        ("/v1/proof/inclusion", {"index": -1, "size": 1}),
        ("/v1/proof/inclusion", {"index": "x", "size": 1}),
        ("/v1/proof/consistency", {"old": 2, "new": 1}),
        ("/v1/proof/consistency", {"old": 1}),
    ):
        problem = await ops.json(path, status=400, **params)
        assert problem["status"] == 400
        assert problem["detail"]


async def _stats_after(ops: Ops, accepted: int, rejected: int) -> dict[str, Any]:
    """/v1/stats once the audit log holds `accepted` and `rejected` envelopes."""
    h = ops.h

    async def settled() -> dict[str, Any] | None:
        events = await h.audit()
        done = sum(e.count for e in events if e.event == "rejected") == rejected and (
            sum(e.count for e in events if e.event == "accepted") == accepted
        )
        return await ops.json("/v1/stats") if done else None

    return await eventually(settled)


def _numbers(stats: dict[str, Any]) -> dict[str, Any]:
    """Every number /v1/stats shows, by a flat key."""
    flat = {f"event.{k}": v for k, v in stats["by_event"].items()}
    flat |= {f"kind.{k}": v for k, v in stats["by_kind"].items()}
    flat |= {f"sender.{k}": v for k, v in stats["by_sender"].items()}
    for event, codes in stats["by_reason"].items():
        flat |= {f"reason.{event}.{k}": v for k, v in codes.items()}
    return flat


async def test_stats_suppress_small_cells(ops: Ops) -> None:
    """/v1/stats rounds counts to multiples of 5 and hides counts of 1 to 4 ("x") with a
    complement wherever the rest of a group and its total would give one away: a lone
    small reason hides its event's count, one small kind hides another, and no sender
    below the threshold is named."""
    h = ops.h
    for _ in range(5):
        await h.send("ng-naptip", h.seal("ng-naptip", "it-dna"))
    await h.send("it-dna", h.seal("it-dna", "gb-nca", body=SpontaneousInformation(summary="x")))
    for _ in range(2):
        await h.send("gb-nca", MALFORMED)
    stats = await _stats_after(ops, accepted=6, rejected=2)
    assert stats["threshold"] == 5
    assert stats["rounding_base"] == 5
    assert stats["by_event"] == {"accepted": 5, "directory": "x", "rejected": "x"}
    assert stats["by_reason"] == {"directory": {"added": "x"}, "rejected": {"malformed": "x"}}
    assert stats["by_kind"] == {"case_referral": "x", "spontaneous_information": "x"}
    assert stats["by_sender"] == {"ng-naptip": 5}
    assert all(v == "x" or v % 5 == 0 for v in _numbers(stats).values())
    later = await ops.json("/v1/stats", since_ms=FAR_FUTURE)
    assert later["by_event"] == later["by_kind"] == later["by_sender"] == {}


async def test_stats_differencing_learns_no_single_event(ops: Ops) -> None:
    """Two /v1/stats answers either side of one more accepted envelope: subtracting
    them bounds every count's change by an interval of at least five values holding the
    truth (each side is rounded to 5), so the single message is not learnt."""
    h = ops.h
    for _ in range(12):
        await h.send("ng-naptip", h.seal("ng-naptip", "it-dna"))
    # Verified rejections are audited one by one (a statistics report goes only to a
    # coordinator), unlike malformed envelopes, which are summarised per minute.
    for _ in range(6):
        await h.send("gb-nca", h.seal("gb-nca", "it-dna", body=EXAMPLES["statistics_report"]))
    before = _numbers(await _stats_after(ops, accepted=12, rejected=6))
    await h.send("it-dna", h.seal("it-dna", "gb-nca", body=SpontaneousInformation(summary="x")))
    after = _numbers(await _stats_after(ops, accepted=13, rejected=6))
    changed = {"event.accepted", "kind.spontaneous_information", "sender.it-dna"}
    compared = 0
    for key in before.keys() & after.keys():
        if before[key] == "x" or after[key] == "x":
            continue  # hidden on one side: the attacker has less
        compared += 1
        lo, hi = max(0, after[key] - before[key] - 4), after[key] - before[key] + 4
        assert lo <= (1 if key in changed else 0) <= hi
        assert hi - lo >= 4
    # 12 and 13 accepted read as 10 and 15: the change is anything from 1 to 9.
    assert (before["event.accepted"], after["event.accepted"]) == (10, 15)
    assert "sender.it-dna" not in after
    assert compared >= 2  # event.accepted and sender.ng-naptip at least


async def test_dashboard_is_static_multilingual_and_holds_no_data(ops: Ops) -> None:
    """The dashboard is served without a token, with its labels in six languages
    (Arabic right to left), locked down by its CSP, and holds no audit data."""
    data = ops.h.seal("ng-naptip", "it-dna")
    await ops.h.send("ng-naptip", data)
    await eventually(lambda: _accepted(ops))
    async with ops.http.get(ops.url + "/") as r:
        assert r.status == 200
        assert r.content_type == "text/html"
        csp = r.headers["Content-Security-Policy"]
        page = await r.text()
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "Live audit tail" in page
    assert "سجل التدقيق المباشر" in page
    assert '"rtl"' in page
    assert "sessionStorage" in page
    assert "src=" not in page
    assert "href=" not in page
    for secret in ("ng-naptip", "it-dna", parse(data).binding.message_id.hex(), TOKEN):
        assert secret not in page
    async with ops.http.get(ops.url + "/favicon.ico") as r:
        assert r.status == 204  # a browser's own request, answered without a token


async def _accepted(ops: Ops) -> bool | None:
    events = (await ops.json("/v1/audit", event="accepted"))["events"]
    return True if events else None


async def test_tail_opened_without_start_sends_latest_50(
    nats_server: NatsServer, nc: Client
) -> None:
    """A tail opened with no start (the dashboard's) first sends the latest 50 audit
    events, in order, then the live ones."""
    h = Harness(nc)
    await h.setup()
    for name in ("ng-naptip", "it-dna"):
        await h.add(name)
    for _ in range(60):  # each is one `accepted` audit event
        await h.send("ng-naptip", h.seal("ng-naptip", "it-dna"))
    async with aiohttp.ClientSession() as http, ops_broker(nats_server.url, h) as (_, url):

        async def total() -> int | None:
            last = (await h.js.stream_info(topology.AUDIT)).state.last_seq
            return last if last >= 63 else None

        last = await eventually(total, wait=15)
        async with http.get(url + "/v1/audit/tail", headers=BEARER) as tail:
            seqs: list[int] = []
            async with asyncio.timeout(10):
                while len(seqs) < TAIL_BACKLOG:
                    seqs.append(int((await _read_event(tail.content))["id"]))
    assert seqs == list(range(last - TAIL_BACKLOG + 1, last + 1))
