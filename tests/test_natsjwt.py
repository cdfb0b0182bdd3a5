"""NATS JWTs as nats-io/jwt makes them: the claim id Go computes, signatures that verify
(and fail when tampered with), creds files both ways, derived account keys."""

from __future__ import annotations

import base64
import json

import pytest

from broker import natsjwt
from broker.natsjwt import JwtError

GO_CREDS = """-----BEGIN NATS USER JWT-----
eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJHRUNQVEpISE1TM01DTUtMVFBHWUdBTzQ1R1E2TjZRUFlXUTRHUExBRUIzM1ZDUkpOUlZRIiwiaWF0IjoxNjE2MjQ3MjMyLCJpc3MiOiJBQlZSWktKNlo3TklNUElZSlJDSEVZRlJVTzdFTk42TldPS1FERkxGREZWUFNNMzZVUFgyVUNQUCIsIm5hbWUiOiJvbmUiLCJzdWIiOiJVRENJQkdHR0hDSkJRUE9PNFNDSkpCSFpEUjM3TlFHR0NJV01ORzJEREFLSjZXTUtCTUFLWElNTyIsIm5hdHMiOnsicHViIjp7fSwic3ViIjp7fSwic3VicyI6LTEsImRhdGEiOi0xLCJwYXlsb2FkIjotMSwidHlwZSI6InVzZXIiLCJ2ZXJzaW9uIjoyfX0.VLhSDtGZEF_jdvgmhgkdISXAt5wFMMZxxwm5w8UrsnlM1hkUvtxBlTe4IP0xJIf4xf8JOR2Bmf73xUGJKUZECQ
------END NATS USER JWT------
"""
"""A user JWT made by nats-io/jwt (nats-server's `server/configs/one.creds`, seed left out)."""


def _payload(token: str) -> bytes:
    body = token.split(".")[1]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def test_go_jwt_verifies_and_its_claim_id_is_ours() -> None:
    """A JWT signed by the Go library verifies here, and its `jti` is what `claims_id`
    computes from its standard claims."""
    token = GO_CREDS.split("\n")[1]
    claims = natsjwt.decode(token)
    assert claims["name"] == "one"
    assert natsjwt.claims_id(claims) == claims["jti"]


def test_our_payload_has_gos_layout() -> None:
    """The same user claims, made here, serialise as Go serialises them (field order,
    compact JSON), apart from the issuer and therefore the id."""
    go = json.loads(_payload(GO_CREDS.split("\n")[1]))
    key = natsjwt.new_key("account")
    nats = {"pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1}
    nats |= {"type": "user", "version": 2}
    token = natsjwt.encode(key, go["sub"], nats, name="one", issued_at=go["iat"])
    ours = _payload(token)
    expected = {**go, "iss": key.public}
    expected["jti"] = natsjwt.claims_id(expected)
    assert ours == json.dumps(expected, separators=(",", ":")).encode()
    assert list(json.loads(ours)) == list(go)


def test_round_trip_and_tampering() -> None:
    """A JWT verifies against its issuer; a changed payload, a foreign signature or an
    untrusted issuer is refused."""
    key, other = natsjwt.new_key("operator"), natsjwt.new_key("operator")
    token = natsjwt.encode(key, key.public, {"type": "operator", "version": 2}, issued_at=1)
    assert natsjwt.decode(token, issuers=frozenset({key.public}))["sub"] == key.public
    head, body, sig = token.split(".")
    forged = json.loads(_payload(token)) | {"name": "evil"}
    forged_body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(JwtError, match="does not verify"):
        natsjwt.decode(f"{head}.{forged_body}.{sig}")
    foreign = natsjwt.encode(other, key.public, {"type": "operator", "version": 2}, issued_at=1)
    with pytest.raises(JwtError, match="does not verify"):
        natsjwt.decode(f"{head}.{body}.{foreign.split('.')[2]}")
    with pytest.raises(JwtError, match="not a trusted key"):
        natsjwt.decode(token, issuers=frozenset({other.public}))
    with pytest.raises(JwtError, match="not a JWT"):
        natsjwt.decode("a.b")


def test_creds_round_trip() -> None:
    """A creds file holds the JWT and the seed in nsc's layout; Go's creds file parses."""
    user = natsjwt.new_key("user")
    text = natsjwt.creds("header.payload.sig", user.seed)
    assert natsjwt.read_creds(text) == ("header.payload.sig", user.seed)
    assert natsjwt.read_creds(GO_CREDS + natsjwt.creds("x", user.seed).split("\n\n", 1)[1])[
        0
    ].startswith("eyJ0eXAi")
    with pytest.raises(JwtError, match="user seed"):
        natsjwt.creds("x", natsjwt.new_key("account").seed)
    with pytest.raises(JwtError, match="not a NATS creds file"):
        natsjwt.read_creds("nothing here")


def test_derived_keys_are_stable_and_separate() -> None:
    """The same secret and label give the same key; another label, kind or secret
    another; a short secret is refused."""
    secret = bytes(range(32))
    a = natsjwt.derive_key(secret, "account", "it-dna")
    assert a == natsjwt.derive_key(secret, "account", "it-dna")
    assert a.public.startswith("A")
    others = {
        natsjwt.derive_key(secret, "account", "it-dnb").public,
        natsjwt.derive_key(secret, "user", "it-dna").public,
        natsjwt.derive_key(bytes(32), "account", "it-dna").public,
    }
    assert a.public not in others
    assert len(others) == 3
    with pytest.raises(JwtError, match="at least 32 bytes"):
        natsjwt.derive_key(bytes(16), "account", "it-dna")
    assert a.seed not in repr(a)
