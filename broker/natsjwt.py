"""NATS JWTs (v2): operator, account and user claims, signed with NKEYs; creds files.

nats-server in operator mode trusts one operator: its JWT (signed by the operator's
identity key) names the signing keys that may sign account JWTs; an account JWT says
what the account imports and exports and its limits; a user JWT, signed by the
account's key, binds a user's public NKEY to the account with its permissions. The
format is nats-io/jwt's v2 exactly: a header `{"typ":"JWT","alg":"ed25519-nkey"}`,
the claims as JSON, each base64url without padding, and an Ed25519 signature over
`header.payload` by the issuer's NKEY. The claim's `jti` is what the Go library
computes (base32 of SHA-512/256 over the standard claims with an empty `jti`), so a
JWT made here and one made by `nsc` for the same claims are interchangeable.

Keys are NKEY seeds (`SO...` operator, `SA...` account, `SU...` user), handled by the
`nkeys` package nats-py itself uses. Nothing here touches the network.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import nkeys  # no type hints (mypy override in pyproject)

from schemas.keys import verify_signature

from .errors import ConfigError

__all__ = [
    "ALGORITHM",
    "JwtError",
    "Key",
    "account_claims",
    "claims_id",
    "creds",
    "decode",
    "derive_key",
    "encode",
    "new_key",
    "operator_claims",
    "read_creds",
    "read_seed",
    "user_claims",
]

ALGORITHM: Final = "ed25519-nkey"
_HEADER: Final = {"typ": "JWT", "alg": ALGORITHM}
NO_LIMIT: Final = -1
"""nats-io/jwt's `NoLimit`: a limit left at 0 in an account JWT means none allowed."""
_DERIVE_DOMAIN: Final = b"palermo/nats-key/v1"
_PREFIXES: Final = {
    "operator": nkeys.PREFIX_BYTE_OPERATOR,
    "account": nkeys.PREFIX_BYTE_ACCOUNT,
    "user": nkeys.PREFIX_BYTE_USER,
}
_CREDS_BLOCK = re.compile(r"-{3,}[^\n]*-{3,}\r?\n([\w\-.=]+)\r?\n-{3,}[^\n]*-{3,}")


class JwtError(ConfigError):
    """A NATS JWT, key or creds file that cannot be made or does not verify."""


@dataclass(frozen=True)
class Key:
    """An NKEY pair, from its seed. `seed` is secret; `public` starts with the kind's
    letter (O, A, U)."""

    seed: str

    def __post_init__(self) -> None:
        try:
            pair = nkeys.from_seed(bytearray(self.seed.encode()))
            public = pair.public_key.decode()
        except Exception as exc:  # nkeys raises its own errors and ValueError
            raise JwtError("not an NKEY seed") from exc
        object.__setattr__(self, "_public", public)

    @property
    def public(self) -> str:
        """The public key (safe to publish)."""
        value: str = object.__getattribute__(self, "_public")
        return value

    def sign(self, data: bytes) -> bytes:
        """Ed25519 signature of `data`."""
        sig: bytes = nkeys.from_seed(bytearray(self.seed.encode())).sign(data)
        return sig

    def __repr__(self) -> str:
        return f"Key({self.public})"


def new_key(kind: str) -> Key:
    """A fresh random key of `kind` (operator, account or user)."""
    return _key_from_raw(os.urandom(32), kind)


def derive_key(secret: bytes, kind: str, label: str) -> Key:
    """The key of `kind` derived from `secret` for `label` (e.g. an authority id).

    Keyed BLAKE2b-256 over a domain string, the kind and the label: the same secret
    and label give the same key on every hub node and after a rebuild, so accounts
    need no per-authority key store; without the secret nobody can compute one.
    """
    if len(secret) < 32:
        raise JwtError("the account key secret must hold at least 32 bytes")
    raw = hashlib.blake2b(
        _DERIVE_DOMAIN + b"\x00" + kind.encode() + b"\x00" + label.encode(),
        key=secret[:64],
        digest_size=32,
    ).digest()
    return _key_from_raw(raw, kind)


def _key_from_raw(raw: bytes, kind: str) -> Key:
    if kind not in _PREFIXES:
        raise JwtError(f"unknown NKEY kind {kind!r}")
    return Key(nkeys.encode_seed(raw, _PREFIXES[kind]).decode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(value: object) -> bytes:
    # Go's json.Marshal: compact, and the characters it escapes never occur in ours.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def encode(
    issuer: Key,
    subject: str,
    nats: Mapping[str, Any],
    *,
    name: str = "",
    issued_at: int,
    expires: int = 0,
) -> str:
    """A signed JWT for `subject` issued by `issuer`, with type-specific `nats` claims.

    `issued_at` (Unix seconds) is explicit: the server keeps the newer of two account
    JWTs by it, and a revocation covers users issued at or before its time.
    """
    standard: dict[str, Any] = {}
    if expires:
        standard["exp"] = expires
    standard["iat"] = issued_at
    standard["iss"] = issuer.public
    if name:
        standard["name"] = name
    standard["sub"] = subject
    claims = {
        **({"exp": expires} if expires else {}),
        "jti": claims_id(standard),
        **{k: v for k, v in standard.items() if k != "exp"},
        "nats": dict(nats),
    }
    signed = f"{_b64(_json(_HEADER))}.{_b64(_json(claims))}"
    return f"{signed}.{_b64(issuer.sign(signed.encode()))}"


def claims_id(standard: Mapping[str, Any]) -> str:
    """The `jti` nats-io/jwt gives claims: base32 (no padding) of SHA-512/256 over the
    standard claims without `jti`, as Go marshals them (fields in the struct's order:
    aud, exp, iat, iss, name, nbf, sub; empty ones left out)."""
    order = ("aud", "exp", "iat", "iss", "name", "nbf", "sub")
    fields = {k: standard[k] for k in order if standard.get(k)}
    digest = hashlib.new("sha512_256", _json(fields)).digest()
    return base64.b32encode(digest).decode().rstrip("=")


def decode(token: str, *, issuers: frozenset[str] | None = None) -> dict[str, Any]:
    """The claims of `token` after checking its header and signature (and, if given,
    that its issuer is one of `issuers`). Raises `JwtError`."""
    try:
        head, body, sig = token.split(".")
        header = json.loads(_unb64(head))
        claims: dict[str, Any] = json.loads(_unb64(body))
        issuer = str(claims["iss"])
        signature = _unb64(sig)
    except (ValueError, KeyError, TypeError) as exc:
        raise JwtError("not a JWT") from exc
    if header != _HEADER:
        raise JwtError(f"unexpected JWT header {header!r}")
    if issuers is not None and issuer not in issuers:
        raise JwtError(f"JWT issued by {issuer[:8]}..., not a trusted key")
    if not verify_signature(_raw_public(issuer), f"{head}.{body}".encode(), signature):
        raise JwtError("JWT signature does not verify")
    return claims


def _raw_public(key: str) -> bytes:
    """The Ed25519 public key inside a public NKEY (prefix byte, key, CRC-16)."""
    try:
        raw = base64.b32decode(key + "=" * (-len(key) % 8))
    except ValueError as exc:
        raise JwtError(f"{key[:8]}... is not a public NKEY") from exc
    if len(raw) != 35 or nkeys.crc16(raw[:-2]) != int.from_bytes(raw[-2:], "little"):
        raise JwtError(f"{key[:8]}... is not a public NKEY")
    return raw[1:33]


# --- claims ---------------------------------------------------------------------------


def operator_claims(*, signing_keys: list[str], system_account: str) -> dict[str, Any]:
    """The `nats` claims of an operator: which keys sign accounts, which is `$SYS`.

    Not `strict_signing_key_usage`: it would also forbid an account's own key to sign
    its users, and every account key here comes from the one account secret anyway.
    """
    return {
        "signing_keys": signing_keys,
        "system_account": system_account,
        "type": "operator",
        "version": 2,
    }


def account_claims(
    *,
    imports: list[dict[str, Any]] = (),  # type: ignore[assignment]
    exports: list[dict[str, Any]] = (),  # type: ignore[assignment]
    limits: Mapping[str, int | bool] | None = None,
    revocations: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The `nats` claims of an account. `limits` overrides nats-io/jwt's defaults
    (every count unlimited, JetStream off: give `disk_storage` to turn it on)."""
    merged: dict[str, int | bool] = {
        "subs": NO_LIMIT,
        "data": NO_LIMIT,
        "payload": NO_LIMIT,
        "imports": NO_LIMIT,
        "exports": NO_LIMIT,
        "wildcards": True,
        "conn": NO_LIMIT,
        "leaf": NO_LIMIT,
        **(limits or {}),
    }
    claims: dict[str, Any] = {}
    if imports:
        claims["imports"] = list(imports)
    if exports:
        claims["exports"] = list(exports)
    claims["limits"] = merged
    if revocations:
        claims["revocations"] = dict(revocations)
    claims["default_permissions"] = {"pub": {}, "sub": {}}
    claims["type"] = "account"
    claims["version"] = 2
    return claims


def user_claims(
    *,
    pub_allow: list[str],
    sub_allow: list[str],
    pub_deny: list[str] = (),  # type: ignore[assignment]
    connection_types: list[str] = (),  # type: ignore[assignment]
    issuer_account: str = "",
) -> dict[str, Any]:
    """The `nats` claims of a user: what it may publish and subscribe, how it connects."""
    pub: dict[str, list[str]] = {"allow": list(pub_allow)}
    if pub_deny:
        pub["deny"] = list(pub_deny)
    claims: dict[str, Any] = {
        "pub": pub,
        "sub": {"allow": list(sub_allow)},
        "subs": NO_LIMIT,
        "data": NO_LIMIT,
        "payload": NO_LIMIT,
    }
    if connection_types:
        claims["allowed_connection_types"] = list(connection_types)
    if issuer_account:
        claims["issuer_account"] = issuer_account
    claims["type"] = "user"
    claims["version"] = 2
    return claims


# --- creds files ------------------------------------------------------------------------


def creds(user_jwt: str, seed: str) -> str:
    """A creds file (what `nats.connect(user_credentials=...)` and a leaf node's
    `credentials` read): the user JWT and the user's seed, in nsc's layout."""
    if not seed.startswith("SU"):
        raise JwtError("a creds file holds a user seed (SU...)")
    return (
        "-----BEGIN NATS USER JWT-----\n"
        f"{user_jwt}\n"
        "------END NATS USER JWT------\n\n"
        "************************* IMPORTANT *************************\n"
        "NKEY Seed printed below can be used to sign and prove identity.\n"
        "NKEYs are sensitive and should be treated as secrets.\n\n"
        "-----BEGIN USER NKEY SEED-----\n"
        f"{seed}\n"
        "------END USER NKEY SEED------\n\n"
        "*************************************************************\n"
    )


def read_creds(text: str) -> tuple[str, str]:
    """The (user JWT, seed) of a creds file's text. Raises `JwtError`."""
    blocks = _CREDS_BLOCK.findall(text)
    if len(blocks) != 2:
        raise JwtError("not a NATS creds file (expected a JWT block and a seed block)")
    return blocks[0], blocks[1]


def read_seed(path: Path) -> str:
    """A user seed from an NKEY seed file (its first line starting `SU`)."""
    for line in path.read_text().splitlines():
        if line.strip().startswith("SU"):
            return line.strip()
    raise JwtError(f"{path} holds no user seed (a line starting SU)")
