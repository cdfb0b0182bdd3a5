"""RFC 9457 problem answers and bearer-token authentication for Palermo's HTTP APIs.

The broker's ops API and the authority's gateway API answer errors the same way: an
`application/problem+json` document, a `type` under the service's own tag URI, and
the same no-store headers; both check bearer tokens by comparing SHA-256 digests in
constant time. Both deployables need it and neither may import the other, so it lives
here, beside the protocol. It handles requests it is given; it opens no connection.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from typing import Final, TypeVar

import msgspec
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

__all__ = [
    "NO_STORE",
    "PROBLEM_JSON",
    "Problem",
    "ProblemError",
    "bearer_auth",
    "problem_middleware",
    "problem_type",
    "token_digest",
]

log = structlog.get_logger(__name__)

PROBLEM_JSON: Final = "application/problem+json"
NO_STORE: Final = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
"""On every answer: nothing an API returns belongs in a cache, and no type sniffing."""

T = TypeVar("T")


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem document (`application/problem+json`)."""

    type: str
    title: str
    status: int
    detail: str


def problem_type(base: str, slug: str) -> str:
    """The `type` URI: `base` + `slug`, or `about:blank` for a plain HTTP status."""
    return base + slug if slug else "about:blank"


class ProblemError(Exception):
    """A problem answer, raised by a handler and rendered by `problem_middleware`."""

    def __init__(self, problem: Problem, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(problem.detail)
        self.problem = problem
        self.headers = dict(headers or {})

    @property
    def status(self) -> int:
        """The HTTP status of the answer."""
        return self.problem.status

    def response(self) -> web.Response:
        """The problem as an `application/problem+json` response."""
        return web.Response(
            status=self.problem.status,
            body=msgspec.json.encode(self.problem),
            headers={**NO_STORE, "Content-Type": PROBLEM_JSON, **self.headers},
        )


def _plain(base: str, status: int, slug: str, title: str, detail: str) -> ProblemError:
    return ProblemError(Problem(type=problem_type(base, slug), title=title, status=status,
                                detail=detail))  # fmt: skip


def problem_middleware(
    *,
    base: str,
    log_prefix: str,
    internal_detail: str,
    unavailable: tuple[type[Exception], ...] = (),
    unavailable_detail: str = "",
) -> Middleware:
    """Every error leaves as a problem document; internal details only go to the log.

    `base` is the service's problem type prefix; `log_prefix` starts the log events
    (`<prefix>_handler_failed`); `internal_detail` is the 500 answer's detail.
    Exceptions in `unavailable` (a backend that cannot be reached) are a 503 with
    `unavailable_detail`. Cancellation is not an error and passes through.
    """

    @web.middleware
    async def problems(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ProblemError as problem:
            return problem.response()
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
            slug = "too-large" if exc.status == 413 else ""
            answer = _plain(base, exc.status, slug, exc.reason, exc.text or exc.reason)
            answer.headers.update(allow or {})
            return answer.response()
        except unavailable as exc:
            log.warning(f"{log_prefix}_backend_unavailable", path=request.path,
                        error=type(exc).__name__)  # fmt: skip
            return _plain(
                base, 503, "unavailable", "Service unavailable", unavailable_detail
            ).response()
        except Exception as exc:
            log.error(f"{log_prefix}_handler_failed", path=request.path,
                      error=type(exc).__name__)  # fmt: skip
            return _plain(base, 500, "internal", "Internal error", internal_detail).response()

    return problems


def token_digest(token: str) -> bytes:
    """SHA-256 of a bearer token: what is configured and compared, never the token."""
    # Hashing first makes the comparison constant-time in the length too.
    return hashlib.sha256(token.encode()).digest()


def bearer_auth(
    credentials: Sequence[tuple[bytes, T]],
    *,
    public_paths: frozenset[str],
    base: str,
    realm: str,
    detail: str,
    on_caller: Callable[[web.Request, T], None] | None = None,
) -> Middleware:
    """`Authorization: Bearer <token>` on every path but `public_paths`.

    `credentials` pairs each accepted token's `token_digest` with who it is; every
    digest is compared, match or not, so the time taken says nothing about which one
    matched. The caller found is handed to `on_caller`; without a match the answer is
    a 401 problem (`base` + "unauthorized") challenging for `realm`.
    """
    table = list(credentials)

    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path not in public_paths:
            scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
            digest = token_digest(presented.strip())
            caller: tuple[T] | None = None
            for expected, who in table:
                if hmac.compare_digest(digest, expected) and scheme.lower() == "bearer":
                    caller = (who,)
            if caller is None:
                answer = _plain(base, 401, "unauthorized", "Unauthorized", detail)
                answer.headers["WWW-Authenticate"] = f'Bearer realm="{realm}"'
                raise answer
            if on_caller is not None:
                on_caller(request, caller[0])
        return await handler(request)

    return auth
