"""Passphrase-protected keystore files."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from schemas import _crypto
from schemas.errors import KeystoreError, WrongPassphrase
from schemas.keys import AuthorityKeys, SigningKey
from schemas.keystore import (
    BrokerKeys,
    dump_broker_keys,
    dump_keystore,
    dump_root_key,
    load_broker_keys_bytes,
    load_keystore,
    load_keystore_bytes,
    load_root_key_bytes,
    save_keystore,
)

FAST = {"opslimit": _crypto.ARGON2ID_OPS_INTERACTIVE, "memlimit": _crypto.ARGON2ID_MEM_INTERACTIVE}
PASS = "correct horse battery staple"  # noqa: S105  (a test passphrase)


def test_round_trip(tmp_path: Path) -> None:
    """A saved keystore loads back the same keys, and the file is owner-only."""
    keys = AuthorityKeys.generate("ng-naptip")
    path = tmp_path / "ng-naptip.keystore"
    save_keystore(path, keys, PASS, **FAST)
    loaded = load_keystore(path, PASS)
    assert loaded.authority == "ng-naptip"
    assert loaded.signing.seed == keys.signing.seed
    assert loaded.encryption.secret == keys.encryption.secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_file_holds_no_private_key() -> None:
    """The private keys appear nowhere in the file in clear."""
    keys = AuthorityKeys.generate("ng-naptip")
    data = dump_keystore(keys, PASS, **FAST)
    for secret in (keys.signing.seed, keys.encryption.secret):
        assert secret not in data
        assert secret.hex().encode() not in data


def test_wrong_passphrase() -> None:
    """A wrong passphrase is refused with WrongPassphrase naming the authority."""
    data = dump_keystore(AuthorityKeys.generate("it-dna"), PASS, **FAST)
    with pytest.raises(WrongPassphrase, match="does not open the keystore of it-dna"):
        load_keystore_bytes(data, PASS + "!")


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "it-other"), ("opslimit", 3), ("salt", "AAAAAAAAAAAAAAAAAAAAAA==")],
)
def test_edited_cleartext_fields_refused(field: str, value: object) -> None:
    """Editing the authority or KDF parameters makes the file refuse to open."""
    doc = json.loads(dump_keystore(AuthorityKeys.generate("it-dna"), PASS, **FAST))
    if field == "name":
        doc["name"] = value
    else:
        doc["kdf"][field] = value
    with pytest.raises(WrongPassphrase):
        load_keystore_bytes(json.dumps(doc).encode(), PASS)


def test_short_passphrase_refused() -> None:
    """Creating a keystore with a short passphrase is refused."""
    with pytest.raises(KeystoreError, match="at least 12 characters"):
        dump_keystore(AuthorityKeys.generate("it-dna"), "short", **FAST)


def test_not_a_keystore(tmp_path: Path) -> None:
    """Garbage and missing files give KeystoreError, not a foreign exception."""
    with pytest.raises(KeystoreError, match="not a palermo-keystore/v1 file"):
        load_keystore_bytes(b"{}", PASS)
    with pytest.raises(KeystoreError, match="cannot read keystore"):
        load_keystore(tmp_path / "missing.keystore", PASS)


def test_root_and_broker_keystores() -> None:
    """Root and broker keys round-trip, and a file of one purpose is refused as another."""
    root = SigningKey.generate()
    data = dump_root_key(root, PASS, **FAST)
    assert load_root_key_bytes(data, PASS).seed == root.seed
    broker = BrokerKeys(SigningKey.generate(), SigningKey.generate())
    loaded = load_broker_keys_bytes(dump_broker_keys(broker, PASS, **FAST), PASS)
    assert (loaded.notice.seed, loaded.log.seed) == (broker.notice.seed, broker.log.seed)
    with pytest.raises(KeystoreError, match="holds directory_root keys, not authority keys"):
        load_keystore_bytes(data, PASS)


def test_purpose_cannot_be_edited() -> None:
    """Relabelling a root keystore as an authority keystore breaks it."""
    doc = json.loads(dump_root_key(SigningKey.generate(), PASS, **FAST))
    doc["purpose"] = "broker"
    with pytest.raises(WrongPassphrase):
        load_broker_keys_bytes(json.dumps(doc).encode(), PASS)
