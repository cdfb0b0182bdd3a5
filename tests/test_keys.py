"""Authority ids, key ids and key pairs."""

from __future__ import annotations

import pytest

from schemas import _crypto
from schemas.errors import InvalidAuthorityId
from schemas.keys import (
    ALG_ED25519,
    ALG_X25519,
    AuthorityKeys,
    EncryptionKey,
    SigningKey,
    check_authority_id,
    key_id,
)


@pytest.mark.parametrize("value", ["ng-naptip", "it-dna", "gb-x", "ph-" + "a" * 30, "us-fbi2"])
def test_valid_authority_ids(value: str) -> None:
    """Country, hyphen, 1-30 of a-z0-9 is an authority id."""
    assert check_authority_id(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "NG-naptip",
        "ng_naptip",
        "ng-",
        "n-naptip",
        "ng-nap.tip",
        "ng-nap*",
        "ng->",
        "ng-a-b",
        "ng-" + "a" * 31,
        "",
        "ng-naptíp",
    ],
)
def test_invalid_authority_ids(value: str) -> None:
    """Anything that could not stand as one NATS subject token is refused."""
    with pytest.raises(InvalidAuthorityId, match="not an authority id"):
        check_authority_id(value)


def test_key_id_derivation() -> None:
    """Key id = first 16 bytes of BLAKE2b-256(domain ‖ alg byte ‖ public key)."""
    public = bytes(range(32))
    expected = _crypto.blake2b(b"palermo/keyid/v1" + b"\x01" + public)[:16]
    assert key_id(ALG_ED25519, public) == expected
    assert key_id(ALG_X25519, public) != expected


def test_signing_and_encryption_keys_independent() -> None:
    """An authority's two key pairs are generated independently and have distinct ids."""
    keys = AuthorityKeys.generate("ng-naptip")
    assert keys.signing.public != keys.encryption.public
    assert keys.signing.key_id == key_id(ALG_ED25519, keys.signing.public)
    assert keys.encryption.key_id == key_id(ALG_X25519, keys.encryption.public)
    assert keys.recipient.key_id == keys.encryption.key_id


def test_private_keys_not_in_repr() -> None:
    """Printing a key pair never shows the private half."""
    signing = SigningKey(bytes(range(32)))
    encryption = EncryptionKey.from_seed(bytes(32))
    assert bytes(range(32)).hex() not in repr(signing)
    assert "seed" not in repr(signing)
    assert "secret" not in repr(encryption)


def test_bad_key_lengths() -> None:
    """Keys of the wrong length are refused at construction."""
    with pytest.raises(ValueError, match="32 bytes"):
        SigningKey(bytes(31))
    with pytest.raises(ValueError, match="32 bytes"):
        EncryptionKey(bytes(33))
