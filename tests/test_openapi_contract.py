"""The gateway's OpenAPI document is its contract: schemathesis, every check, three callers.

A live gateway (real nats-server, real broker, real HTTP on loopback) runs in a thread
of its own with its own event loop, because schemathesis calls it synchronously; the
fixture stops it and waits for the thread, so nothing outlives the module.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import nats
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from broker.natsserver import NatsServer
from clients.gateway_api import PROBLEM_BASE

from .brokerkit import running_broker
from .test_gateway import KEYS, config, gateway, world

RECIPIENT = "ng-naptip"
EXAMPLES = 5
"""Generated requests per operation, phase and caller (hypothesis `max_examples`): with
the coverage phase's deterministic cases this runs in about 15 s on a loaded machine,
well inside a minute; derandomised, so every run sends the same requests."""


@asynccontextmanager
async def _stack(tmp: Path) -> AsyncIterator[str]:
    """NATS, the directory, a broker and gateway `it-dna`; yields the gateway's URL."""
    async with AsyncExitStack() as stack:
        server = await stack.enter_async_context(NatsServer(tmp / "nats"))
        nc = await nats.connect(server.url, connect_timeout=5, max_reconnect_attempts=0)
        stack.push_async_callback(nc.drain)
        h = await world(nc)
        await stack.enter_async_context(running_broker(server.url, h))
        gw = await stack.enter_async_context(
            gateway(config(h, server.url, tmp / "gw"), h.keys["it-dna"])
        )
        yield gw.url


@pytest.fixture(scope="module")
def live_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a live gateway, served from its own thread until the module ends."""
    tmp = tmp_path_factory.mktemp("contract")
    url: list[str] = []
    ready, failed = threading.Event(), list[BaseException]()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def serve() -> None:
        try:
            async with _stack(tmp) as gateway_url:
                url.append(gateway_url)
                ready.set()
                await stop.wait()
        except BaseException as exc:
            failed.append(exc)
            ready.set()
            raise

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    try:
        assert ready.wait(60), "the gateway did not start"
        if failed:
            raise failed[0]
        yield url[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(60)
        assert not thread.is_alive(), "the gateway's thread did not stop"
        loop.close()


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "generation": {"deterministic": True},
            "operations": [
                {
                    "include-operation-id": "sendMessage",
                    # The coverage phase's combinations of a 15-kind body take minutes;
                    # the send's fuzzing phase covers it, valid and invalid.
                    "phases": {"coverage": {"enabled": False}},
                    # A send the document calls valid is sent (201) or queued (202), or
                    # refused with a documented 422 for what no schema states
                    # (`valid_send_taken` below says which).
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": ["201", "202", "422"]}
                    },
                }
            ],
        }
    )


@pytest.fixture(scope="module")
def contract(live_gateway: str) -> Any:
    """The document as the gateway serves it, loaded by schemathesis."""
    fresh = itertools.count()
    loaded = schemathesis.openapi.from_url(f"{live_gateway}/v1/openapi.json", config=_config())

    @loaded.hook
    def map_case(context: Any, case: Any) -> Any:
        """What no document can know, a generated valid send takes from this gateway's
        state: it goes to a member of the directory (`ng-naptip`), answers no message
        (none is stored), names no upload (none was made by this key) and uses an
        Idempotency-Key not used before."""
        positive = case.meta is not None and case.meta.generation.mode.is_positive
        if case.operation.label == "POST /v1/messages" and positive and isinstance(case.body, dict):
            case.body = {
                **case.body,
                "to": [RECIPIENT],
                "network": None,
                "in_reply_to": None,
                "attachments": [],
            }
            if case.headers and "Idempotency-Key" in case.headers:
                case.headers["Idempotency-Key"] = f"contract-{next(fresh)}"
        return case

    return loaded


schema = schemathesis.pytest.from_fixture("contract")


@pytest.fixture(autouse=True)
def _node_id(request: pytest.FixtureRequest) -> None:
    """schemathesis 4's lazy schemas read `node._nodeid`, which pytest 9 no longer
    sets; give them the node id they expect (it only names sub-tests in reports)."""
    request.node._nodeid = request.node.nodeid


_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


BEYOND_SCHEMA = {
    f"{PROBLEM_BASE}identifier-in-free-text",
    f"{PROBLEM_BASE}minimisation",
    f"{PROBLEM_BASE}body-rule",
}
"""What the gateway may still refuse in a send the document calls valid, each a
documented 422 problem: what the victim-identifier scan and normalisation find in free
text and identities (a phone number in a summary, a name in a note), and the body rules
that compare values (refs unique across lists, a period's order)."""


THREAD_STATE = {"invalid_transition", "not_thread_party"}
"""Codes of a status update its thread's state machine refuses (no request before it)."""


def valid_send_taken(ctx: Any, response: Any, case: Any) -> bool | None:
    """A schema-valid send is sent, queued, or refused for minimisation only."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if case.operation.label != "POST /v1/messages" or not positive:
        return None
    if response.status_code in (201, 202):
        return True
    problem = json.loads(response.content)
    assert response.status_code == 422, f"valid send answered {response.status_code}"
    if problem["type"] == f"{PROBLEM_BASE}refused":
        # A status update out of its thread's order: the thread's state decides.
        assert problem.get("code") in THREAD_STATE, f"valid send refused: {problem}"
        return True
    assert problem["type"] in BEYOND_SCHEMA, f"valid send refused: {problem['type']}"
    return True


def _call(case: Any, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    case.call_and_validate(headers=headers, additional_checks=[valid_send_taken])


@schema.parametrize()
@_SETTINGS
def test_contract_system_key(case: Any) -> None:
    """With a system key, every response conforms to the document, every schema-valid
    request is taken and every invalid one refused with a documented problem."""
    _call(case, KEYS["system"])


@schema.parametrize()
@_SETTINGS
def test_contract_officer_key(case: Any) -> None:
    """The same with an officer key (whose identity the gateway writes into sends)."""
    _call(case, KEYS["officer"])


@schema.parametrize()
@_SETTINGS
def test_contract_no_key(case: Any) -> None:
    """Without a key every operation answers a documented 401 problem (the document
    is public, the API is not), whatever the request."""
    case.headers = {k: v for k, v in (case.headers or {}).items() if k != "Authorization"}
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    assert response.status_code == 401
    content_type = {k.lower(): v for k, v in response.headers.items()}["content-type"]
    assert content_type == ["application/problem+json"]
