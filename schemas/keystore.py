"""An authority's private keys in a passphrase-protected file.

The file is JSON so an operator can see what it is; the private keys inside are
encrypted with XChaCha20-Poly1305 under a key stretched from the passphrase with
Argon2id. Every cleartext field (format, authority, KDF parameters, salt) is the
AEAD's associated data, so editing any of them makes the file refuse to open rather
than, say, weaken the KDF for the next save.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Final, Literal

import msgspec
from msgspec import Meta

from . import _crypto, codec
from .errors import KeystoreError, WrongPassphrase
from .keys import AuthorityKeys, EncryptionKey, SigningKey, check_authority_id
from .records import AuthorityId

FORMAT: Final = "palermo-keystore/v1"
OPSLIMIT_INTERACTIVE: Final[int] = _crypto.ARGON2ID_OPS_INTERACTIVE
MEMLIMIT_INTERACTIVE: Final[int] = _crypto.ARGON2ID_MEM_INTERACTIVE
"""libsodium's interactive Argon2id limits (`opslimit=`, `memlimit=` of the `dump_*`
functions): quick to open, for demos and tests only; the defaults are the moderate
limits, which every keystore that guards a real key should keep."""
MIN_PASSPHRASE = 12
"""Shorter passphrases are refused at creation: Argon2id slows guessing, it cannot
make a short passphrase strong."""

Purpose = Literal["authority", "directory_root", "broker", "witness"]
"""What the file holds: an authority's signing and encryption keys; the directory root
signing key; the broker's notice key and audit log key; or an audit log witness's
cosigning key."""

Seed = Annotated[bytes, Meta(min_length=32, max_length=32)]


class _Kdf(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    alg: Literal["argon2id13"]
    opslimit: Annotated[int, Meta(ge=1, le=64)]
    memlimit: Annotated[int, Meta(ge=8192, le=4 * 1024**3)]
    salt: Annotated[bytes, Meta(min_length=16, max_length=16)]


class _File(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    format: Literal["palermo-keystore/v1"]
    purpose: Purpose
    name: AuthorityId
    kdf: _Kdf
    nonce: Annotated[bytes, Meta(min_length=24, max_length=24)]
    ciphertext: bytes


class _Secrets(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    first: Seed
    second: Seed | None


_file_decoder = msgspec.json.Decoder(_File)
_secrets_decoder = msgspec.msgpack.Decoder(_Secrets)


@dataclass(frozen=True)
class BrokerKeys:
    """The broker's two signing keys: notices to senders, and audit log checkpoints."""

    notice: SigningKey
    log: SigningKey


def _associated(file: _File) -> bytes:
    kdf = file.kdf
    return codec.encode(
        [file.format, file.purpose, file.name, kdf.alg, kdf.opslimit, kdf.memlimit, kdf.salt]
    )


def _dump(
    purpose: Purpose, name: str, secrets: _Secrets, passphrase: str, *, opslimit: int, memlimit: int
) -> bytes:
    if len(passphrase) < MIN_PASSPHRASE:
        raise KeystoreError(f"passphrase must be at least {MIN_PASSPHRASE} characters")
    shell = _File(
        format=FORMAT,
        purpose=purpose,
        name=check_authority_id(name),
        kdf=_Kdf("argon2id13", opslimit, memlimit, _crypto.random_bytes(_crypto.ARGON2ID_SALT)),
        nonce=_crypto.random_bytes(24),
        ciphertext=b"",
    )
    key = _crypto.argon2id(
        passphrase.encode(), shell.kdf.salt, opslimit=opslimit, memlimit=memlimit
    )
    ciphertext = _crypto.aead_encrypt(key, codec.encode(secrets), _associated(shell), shell.nonce)
    encoded = msgspec.json.encode(msgspec.structs.replace(shell, ciphertext=ciphertext))
    return msgspec.json.format(encoded, indent=2) + b"\n"


def _load(data: bytes, passphrase: str, purpose: Purpose) -> tuple[str, _Secrets]:
    try:
        file = _file_decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise KeystoreError(f"not a {FORMAT} file: {str(exc)[:120]}") from exc
    if file.purpose != purpose:
        raise KeystoreError(f"this keystore holds {file.purpose} keys, not {purpose} keys")
    key = _crypto.argon2id(
        passphrase.encode(), file.kdf.salt, opslimit=file.kdf.opslimit, memlimit=file.kdf.memlimit
    )
    try:
        plain = _crypto.aead_decrypt(key, file.ciphertext, _associated(file), file.nonce)
    except _crypto.CryptoFailure as exc:
        raise WrongPassphrase(
            f"the passphrase does not open the keystore of {file.name} "
            "(or the file has been altered)"
        ) from exc
    return file.name, codec.decode_canonical(plain, _secrets_decoder, "keystore secrets")


def dump_keystore(
    keys: AuthorityKeys,
    passphrase: str,
    *,
    opslimit: int = _crypto.ARGON2ID_OPS_MODERATE,
    memlimit: int = _crypto.ARGON2ID_MEM_MODERATE,
) -> bytes:
    """The keystore file's bytes for an authority's `keys` under `passphrase`.

    The defaults are libsodium's MODERATE limits (about a second, 256 MiB); tests and
    demos may pass the INTERACTIVE ones. Raises `KeystoreError` for a short passphrase.
    """
    secrets = _Secrets(keys.signing.seed, keys.encryption.secret)
    return _dump(
        "authority", keys.authority, secrets, passphrase, opslimit=opslimit, memlimit=memlimit
    )


def load_keystore_bytes(data: bytes, passphrase: str) -> AuthorityKeys:
    """The authority keys in a keystore file's bytes.

    Raises `KeystoreError` for a file that is not an authority keystore, and
    `WrongPassphrase` when the passphrase does not open it (or the file was altered).
    """
    name, secrets = _load(data, passphrase, "authority")
    if secrets.second is None:
        raise KeystoreError(f"keystore of {name} lacks its encryption key")
    return AuthorityKeys(name, SigningKey(secrets.first), EncryptionKey(secrets.second))


def dump_root_key(
    key: SigningKey,
    passphrase: str,
    *,
    opslimit: int = _crypto.ARGON2ID_OPS_MODERATE,
    memlimit: int = _crypto.ARGON2ID_MEM_MODERATE,
) -> bytes:
    """A keystore holding the directory root signing key (kept offline by governors)."""
    secrets = _Secrets(key.seed, None)
    return _dump(
        "directory_root", "zz-root", secrets, passphrase, opslimit=opslimit, memlimit=memlimit
    )


def load_root_key_bytes(data: bytes, passphrase: str) -> SigningKey:
    """The directory root key in a keystore's bytes; errors as `load_keystore_bytes`."""
    _, secrets = _load(data, passphrase, "directory_root")
    return SigningKey(secrets.first)


def dump_broker_keys(
    keys: BrokerKeys,
    passphrase: str,
    *,
    opslimit: int = _crypto.ARGON2ID_OPS_MODERATE,
    memlimit: int = _crypto.ARGON2ID_MEM_MODERATE,
) -> bytes:
    """A keystore holding the broker's notice key and audit log key."""
    secrets = _Secrets(keys.notice.seed, keys.log.seed)
    return _dump("broker", "zz-broker", secrets, passphrase, opslimit=opslimit, memlimit=memlimit)


def load_broker_keys_bytes(data: bytes, passphrase: str) -> BrokerKeys:
    """The broker's keys in a keystore's bytes; errors as `load_keystore_bytes`."""
    _, secrets = _load(data, passphrase, "broker")
    if secrets.second is None:
        raise KeystoreError("broker keystore lacks its log key")
    return BrokerKeys(SigningKey(secrets.first), SigningKey(secrets.second))


def dump_witness_key(
    key: SigningKey,
    passphrase: str,
    *,
    opslimit: int = _crypto.ARGON2ID_OPS_MODERATE,
    memlimit: int = _crypto.ARGON2ID_MEM_MODERATE,
) -> bytes:
    """A keystore holding an audit log witness's cosigning key (`palermo witness`)."""
    secrets = _Secrets(key.seed, None)
    return _dump("witness", "zz-witness", secrets, passphrase, opslimit=opslimit, memlimit=memlimit)


def load_witness_key_bytes(data: bytes, passphrase: str) -> SigningKey:
    """The witness's cosigning key in a keystore's bytes; errors as `load_keystore_bytes`."""
    _, secrets = _load(data, passphrase, "witness")
    return SigningKey(secrets.first)


def write_private(path: Path, data: bytes) -> None:
    """Write `data` atomically and durably, readable by its owner only (mode 0600): a
    temporary file written and fsynced, renamed over `path`, the directory fsynced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read_keystore_file(path: Path) -> bytes:
    """A keystore file's bytes; `KeystoreError` if it is missing or unreadable."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeystoreError(f"cannot read keystore {path.name}: {exc.strerror}") from exc


def save_keystore(path: Path, keys: AuthorityKeys, passphrase: str, **limits: int) -> None:
    """Write an authority keystore atomically, readable by its owner only (mode 0600)."""
    write_private(path, dump_keystore(keys, passphrase, **limits))


def load_keystore(path: Path, passphrase: str) -> AuthorityKeys:
    """Read the authority keystore at `path`; `KeystoreError` if missing or unreadable."""
    return load_keystore_bytes(read_keystore_file(path), passphrase)
