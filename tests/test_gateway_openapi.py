"""The gateway's OpenAPI document states what the server enforces, and the server keeps
to it: query bounds, empty uploads, one form of base64 and of amounts, body rules."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nats.aio.client import Client

from broker.natsserver import NatsServer
from clients.gateway_api import DECIMAL
from clients.gateway_openapi import openapi_document
from clients.gateway_openapi_rules import SEND_EXAMPLE, canonical_base64

from .brokerkit import running_broker
from .test_gateway import KEYS, A, B, config, gateway, world

AUTH = {"Authorization": f"Bearer {KEYS['system']}"}
SEND_SCHEMA = "#/components/schemas/SendRequest"


def document() -> dict[str, Any]:
    return json.loads(openapi_document(version="test", attachments=True))  # type: ignore[no-any-return]


def validator(ref: str) -> Any:
    """A JSON Schema 2020-12 validator of the component `ref` of the document."""
    doc = document()
    schema = {"$ref": ref, "components": doc["components"]}
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def _sized(n: int) -> st.SearchStrategy[tuple[int, bytes]]:
    return st.tuples(st.just(n), st.binary(min_size=n, max_size=n))


@given(st.integers(0, 40).flatmap(_sized))
def test_canonical_base64_pattern_is_exactly_the_canonical_encoding(
    case: tuple[int, bytes],
) -> None:
    """The pattern for n bytes matches their canonical base64 and no other encoding of
    them (stray low bits), nor base64 of n + 1 bytes."""
    n, data = case
    pattern = re.compile(canonical_base64(n))
    encoded = base64.b64encode(data).decode()
    assert pattern.search(encoded)
    assert not pattern.search(base64.b64encode(data + b"\0").decode())
    if n % 3:
        last = encoded.rstrip("=")[-1]
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        stray = alphabet[alphabet.index(last) + 1]
        assert not pattern.search(encoded.rstrip("=")[:-1] + stray + "=" * encoded.count("="))


def test_document_states_the_rules() -> None:
    """Byte fields say their decoded length, amounts their form, uploads their required
    parameters, downloads 0..63 and a 502, sends a recipient rule and no receipts."""
    doc = document()
    components = doc["components"]["schemas"]
    key_id = components["Pseudonym"]["properties"]["key_id"]
    assert key_id["pattern"] == canonical_base64(8)
    assert components["Money"]["properties"]["amount"]["pattern"] == DECIMAL
    upload = doc["paths"]["/v1/attachments"]["post"]
    required = {p["name"] for p in upload["parameters"] if p["required"]}
    assert required == {"file_name", "victim_level"}
    assert upload["requestBody"]["content"]["application/octet-stream"]["schema"]["minLength"] == 1
    download = doc["paths"]["/v1/messages/{message_id}/attachments/{n}"]["get"]
    assert download["parameters"][1]["schema"]["maximum"] == 63
    assert "502" in download["responses"]
    send = components["SendRequest"]
    refs = [m["$ref"] for m in send["properties"]["message"]["anyOf"]]
    assert "#/components/schemas/Receipt" not in refs
    assert len(send["anyOf"]) == 3
    since = next(
        p for p in doc["paths"]["/v1/messages"]["get"]["parameters"] if p["name"] == "since"
    )
    assert since["schema"]["maximum"] == 2**63 - 1


def test_document_rules_accept_and_refuse_what_the_server_does() -> None:
    """The example is valid; no recipient, an urgent request without its reason, a body
    disclosure, a non-canonical id or an amount in exponent form are not."""
    check = validator(SEND_SCHEMA)
    assert check.is_valid(SEND_EXAMPLE)
    message = SEND_EXAMPLE["message"]
    no_reason = {k: v for k, v in message.items() if k != "urgency_reason"}
    invalid = [
        {k: v for k, v in SEND_EXAMPLE.items() if k != "to"},
        {**SEND_EXAMPLE, "to": []},
        {**SEND_EXAMPLE, "message": no_reason},
        {**SEND_EXAMPLE, "message": {**message, "disclosure": {"legal_basis": "court_order",
                                                               "reference": "x"}}},
        {**SEND_EXAMPLE, "message": {**message, "kind": "receipt"}},
    ]  # fmt: skip
    for request in invalid:
        assert not check.is_valid(request), request
    money = validator("#/components/schemas/Money")
    assert money.is_valid({"amount": "1500.25", "currency": "EUR"})
    for amount in ["1e3", " 1", "+1", "-0", "1.", ".5", "1_0", "NaN", "1000000000000000"]:
        assert not money.is_valid({"amount": amount, "currency": "EUR"}), amount
    pseudonym = validator("#/components/schemas/Pseudonym")
    good = {"kind": "name", "key_id": "AAAAAAAAAAA=", "value": "A" * 22 + "=="}
    assert pseudonym.is_valid(good)
    assert not pseudonym.is_valid({**good, "key_id": "AAAAAAAAAAB="})


async def _problem(response: aiohttp.ClientResponse) -> dict[str, Any]:
    assert response.content_type == "application/problem+json"
    return json.loads(await response.read())  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "query",
    [
        "since=9223372036854775808",
        "after=9223372036854775808",
        "since=null",
        "thread=null",
        "since=-1",
        "kind=Case",
    ],
)
async def test_list_query_out_of_range_is_400(
    nats_server: NatsServer, nc: Client, tmp_path: Path, query: str
) -> None:
    """Integers past 2^63-1 (once an OverflowError, a 500) and `null` for a filter
    (once read as no filter) are 400 problems naming the parameter."""
    h = await world(nc)
    async with gateway(config(h, nats_server.url, tmp_path / "a"), h.keys[A]) as gw, \
            aiohttp.ClientSession() as http:  # fmt: skip
        async with http.get(f"{gw.url}/v1/messages?{query}", headers=AUTH) as r:
            assert r.status == 400
            problem = await _problem(r)
        assert problem["type"].endswith("/invalid-request")
        assert problem["detail"] == f"invalid request at $.{query.partition('=')[0]}"
        async with http.get(f"{gw.url}/v1/messages?since=9223372036854775807", headers=AUTH) as r:
            assert r.status == 200
            assert json.loads(await r.read()) == {"messages": [], "next_after": None}


async def test_empty_upload_is_400(nats_server: NatsServer, nc: Client, tmp_path: Path) -> None:
    """An upload without a body is refused (once a zero-byte attachment was stored) and
    leaves no spool file; one byte is taken."""
    h = await world(nc)
    url = "/v1/attachments?file_name=s.txt&victim_level=none"
    async with gateway(config(h, nats_server.url, tmp_path / "a"), h.keys[A]) as gw, \
            aiohttp.ClientSession() as http:  # fmt: skip
        async with http.post(f"{gw.url}{url}", data=b"", headers=AUTH) as r:
            assert r.status == 400
            problem = await _problem(r)
        assert problem["type"].endswith("/empty-upload")
        assert not list((tmp_path / "a" / "spool").iterdir())
        headers = {**AUTH, "Content-Type": "text/plain"}
        async with http.post(f"{gw.url}{url}", data=b"x", headers=headers) as r:
            assert r.status == 201
            assert json.loads(await r.read())["size"] == 1


def _asset_request(amount: object) -> dict[str, Any]:
    return {
        "to": [B],
        "message": {
            "kind": "victim_compensation_request",
            "victim_refs": ["V1"],
            "amount": {"amount": amount, "currency": "EUR"},
            "legal_basis": {"basis": "untoc_art14_2"},
            "damage_summary": "Unpaid wages over two years.",
        },
    }


async def test_body_forms_and_rules(nats_server: NatsServer, nc: Client, tmp_path: Path) -> None:
    """The document's example is sent. Only the documented forms are taken: an amount
    as "1500.25" is sent, as a number or "1e3" it is a 400; base64 with stray low bits
    is a 400; two persons sharing a ref (a rule no schema states) is a 422 `body-rule`."""
    h = await world(nc)
    async with running_broker(nats_server.url, h), \
            gateway(config(h, nats_server.url, tmp_path / "a"), h.keys[A]) as gw, \
            aiohttp.ClientSession() as http:  # fmt: skip
        send = f"{gw.url}/v1/messages"
        async with http.post(send, json=SEND_EXAMPLE, headers=AUTH) as r:
            assert r.status == 201, await r.text()  # the document's example works as it is
        async with http.post(send, json=_asset_request("1500.25"), headers=AUTH) as r:
            assert r.status == 201, await r.text()
        for amount in [1500.25, "1e3", " 1"]:
            async with http.post(send, json=_asset_request(amount), headers=AUTH) as r:
                assert r.status == 400, amount
                problem = await _problem(r)
            assert problem["detail"] == (
                "message body has an amount not in the form 123.45 at $.amount.amount"
            )
        stray = {
            "to": [B],
            "message": {
                "kind": "case_referral",
                "summary": "Forced labour on farms.",
                "victims": [{"ref": "V1", "pseudonyms": [
                    {"kind": "name", "key_id": "AAAAAAAAAAB=", "value": "A" * 22 + "=="}]}],
            },
        }  # fmt: skip
        async with http.post(send, json=stray, headers=AUTH) as r:
            assert r.status == 400
            problem = await _problem(r)
        assert problem["detail"] == (
            "message body has non-canonical base64 at $.victims[0].pseudonyms[0].key_id"
        )
        shared = {
            "to": [B],
            "message": {
                "kind": "case_referral",
                "summary": "Forced labour on farms.",
                "victims": [{"ref": "P1"}],
                "suspects": [{"ref": "P1"}],
            },
        }
        async with http.post(send, json=shared, headers=AUTH) as r:
            assert r.status == 422
            problem = await _problem(r)
        assert problem["type"].endswith("/body-rule")
        assert "two persons share a ref" in problem["detail"]
