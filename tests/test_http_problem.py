"""The shared RFC 9457 problem answers and bearer authentication of the ops and gateway
APIs, over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aiohttp.typedefs import Middleware

from broker import ops
from clients import gateway_api
from clients.gateway_config import ApiKey, hash_api_key
from schemas.http_problem import (
    NO_STORE,
    Problem,
    ProblemError,
    bearer_auth,
    problem_middleware,
    token_digest,
)

Serve = Callable[[web.Application], Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start applications on loopback; stop them after the test."""
    servers: list[TestServer] = []

    async def start(app: web.Application) -> str:
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return str(server.make_url(""))

    yield start
    for server in servers:
        await server.close()


class Unreachable(Exception):
    """Stands for a backend (NATS) that does not answer."""


def _app(*middlewares: Middleware) -> web.Application:
    app = web.Application(middlewares=list(middlewares))

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def teapot(request: web.Request) -> web.Response:
        raise ProblemError(
            Problem(type="tag:test/teapot", title="Teapot", status=418, detail="short and stout"),
            {"Retry-After": "5"},
        )

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals: Blessing Okafor")

    async def down(request: web.Request) -> web.Response:
        raise Unreachable

    app.router.add_get("/healthz", ok)
    app.router.add_get("/ok", ok)
    app.router.add_get("/teapot", teapot)
    app.router.add_get("/broken", broken)
    app.router.add_get("/down", down)
    return app


def _shared(callers: list[str]) -> web.Application:
    return _app(
        problem_middleware(
            base="tag:test/",
            log_prefix="test",
            internal_detail="see the test log",
            unavailable=(Unreachable,),
            unavailable_detail="the backend cannot be reached",
        ),
        bearer_auth(
            [(token_digest("alpha-token"), "alpha"), (token_digest("beta-token"), "beta")],
            public_paths=frozenset({"/healthz"}),
            base="tag:test/",
            realm="test-realm",
            detail="a valid token is required",
            on_caller=lambda request, who: callers.append(who),
        ),
    )


async def test_problem_answers(serve: Serve) -> None:
    """Raised problems, HTTP errors, backend failures and crashes all leave as problem
    documents with no-store headers; a crash says nothing of its cause."""
    base = await serve(_shared([]))
    auth = {"Authorization": "Bearer alpha-token"}
    async with aiohttp.ClientSession(headers=auth) as http:
        cases = {
            "/teapot": (418, b'{"type":"tag:test/teapot","title":"Teapot","status":418,'
                             b'"detail":"short and stout"}'),
            "/nowhere": (404, b'{"type":"about:blank","title":"Not Found","status":404,'
                              b'"detail":"404: Not Found"}'),
            "/broken": (500, b'{"type":"tag:test/internal","title":"Internal error",'
                             b'"status":500,"detail":"see the test log"}'),
            "/down": (503, b'{"type":"tag:test/unavailable","title":"Service unavailable",'
                           b'"status":503,"detail":"the backend cannot be reached"}'),
        }  # fmt: skip
        for path, (status, body) in cases.items():
            async with http.get(base + path) as r:
                assert (r.status, await r.read()) == (status, body), path
                assert r.headers["Content-Type"] == "application/problem+json"
                for name, value in NO_STORE.items():
                    assert r.headers[name] == value
        async with http.get(base + "/teapot") as r:
            assert r.headers["Retry-After"] == "5"
        async with http.post(base + "/ok") as r:
            assert r.status == 405
            assert r.headers["Allow"] == "GET,HEAD"
            assert (await r.json())["type"] == "about:blank"


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong-token", "Basic alpha-token", "alpha-token",
     "Bearer alpha-token-and-more", "Bearer ALPHA-TOKEN"],
)  # fmt: skip
async def test_bearer_refusals(serve: Serve, authorization: str | None) -> None:
    """A missing, wrong or non-bearer credential is a 401 problem with a challenge."""
    callers: list[str] = []
    base = await serve(_shared(callers))
    headers = {} if authorization is None else {"Authorization": authorization}
    async with aiohttp.ClientSession() as http, http.get(base + "/ok", headers=headers) as r:
        assert r.status == 401
        assert r.headers["WWW-Authenticate"] == 'Bearer realm="test-realm"'
        assert await r.read() == (
            b'{"type":"tag:test/unauthorized","title":"Unauthorized","status":401,'
            b'"detail":"a valid token is required"}'
        )
    assert callers == []


async def test_bearer_callers(serve: Serve) -> None:
    """Each configured token is accepted (scheme case-insensitive) and names its caller;
    public paths need none."""
    callers: list[str] = []
    base = await serve(_shared(callers))
    async with aiohttp.ClientSession() as http:
        for authorization in ("Bearer alpha-token", "bearer beta-token", "BEARER  alpha-token "):
            async with http.get(base + "/ok", headers={"Authorization": authorization}) as r:
                assert (r.status, await r.text()) == (200, "ok")
        async with http.get(base + "/healthz") as r:
            assert r.status == 200
    assert callers == ["alpha", "beta", "alpha"]


async def test_ops_and_gateway_answers_unchanged(serve: Serve) -> None:
    """The ops API and the gateway answer an unauthenticated request with the exact
    documents they always have, each under its own type prefix and realm."""
    key = ApiKey(name="cms", key_hash=hash_api_key("k" * 32), role="system")
    ops_base = await serve(_app(ops._problems(), ops._auth("operator-token")))
    gw_base = await serve(_app(gateway_api._problems(), gateway_api._auth([key])))
    async with aiohttp.ClientSession() as http:
        async with http.get(ops_base + "/ok") as r:
            assert r.status == 401
            assert r.headers["WWW-Authenticate"] == 'Bearer realm="palermo-ops"'
            assert await r.read() == (
                b'{"type":"tag:palermo.example,2025:ops/unauthorized","title":"Unauthorized",'
                b'"status":401,"detail":"a valid operator bearer token is required"}'
            )
        async with http.get(gw_base + "/ok") as r:
            assert r.status == 401
            assert r.headers["WWW-Authenticate"] == 'Bearer realm="palermo-gateway"'
            assert await r.read() == (
                b'{"type":"tag:palermo.example,2025:gateway/unauthorized","title":"Unauthorized",'
                b'"status":401,"detail":"a valid API key is required"}'
            )
        auth = {"Authorization": "Bearer " + "k" * 32}
        async with http.get(gw_base + "/broken", headers=auth) as r:
            assert await r.read() == (
                b'{"type":"tag:palermo.example,2025:gateway/internal","title":"Internal error",'
                b'"status":500,"detail":"see the gateway log"}'
            )
        async with http.get(
            ops_base + "/broken", headers={"Authorization": "Bearer operator-token"}
        ) as r:
            assert await r.read() == (
                b'{"type":"tag:palermo.example,2025:ops/internal","title":"Internal error",'
                b'"status":500,"detail":"see the broker log"}'
            )
