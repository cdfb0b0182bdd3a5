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
from pathlib import Path
from typing import Annotated, Final, Literal

import msgspec
from msgspec import Meta

from . import _crypto, codec
from .errors import KeystoreError, WrongPassphrase
from .keys import AuthorityKeys, EncryptionKey, SigningKey, check_authority_id
from .records import AuthorityId

FORMAT: Final = "palermo-keystore/v1"
MIN_PASSPHRASE = 12
"""Shorter passphrases are refused at creation: Argon2id slows guessing, it cannot
make a short passphrase strong."""


class _Kdf(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    alg: Literal["argon2id13"]
    opslimit: Annotated[int, Meta(ge=1, le=64)]
    memlimit: Annotated[int, Meta(ge=8192, le=4 * 1024**3)]
    salt: Annotated[bytes, Meta(min_length=16, max_length=16)]


class _File(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    format: Literal["palermo-keystore/v1"]
    authority: AuthorityId
    kdf: _Kdf
    nonce: Annotated[bytes, Meta(min_length=24, max_length=24)]
    ciphertext: bytes


class _Secrets(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    signing_seed: Annotated[bytes, Meta(min_length=32, max_length=32)]
    encryption_secret: Annotated[bytes, Meta(min_length=32, max_length=32)]


_file_decoder = msgspec.json.Decoder(_File)
_secrets_decoder = msgspec.msgpack.Decoder(_Secrets)


def _associated(file: _File) -> bytes:
    return codec.encode(
        [
            file.format,
            file.authority,
            file.kdf.alg,
            file.kdf.opslimit,
            file.kdf.memlimit,
            file.kdf.salt,
        ]
    )


def dump_keystore(
    keys: AuthorityKeys,
    passphrase: str,
    *,
    opslimit: int = _crypto.ARGON2ID_OPS_MODERATE,
    memlimit: int = _crypto.ARGON2ID_MEM_MODERATE,
) -> bytes:
    """The keystore file's bytes for `keys` under `passphrase`.

    The defaults are libsodium's MODERATE limits (about a second, 256 MiB); tests and
    demos may pass the INTERACTIVE ones. Raises `KeystoreError` for a short passphrase.
    """
    if len(passphrase) < MIN_PASSPHRASE:
        raise KeystoreError(f"passphrase must be at least {MIN_PASSPHRASE} characters")
    shell = _File(
        format=FORMAT,
        authority=keys.authority,
        kdf=_Kdf("argon2id13", opslimit, memlimit, _crypto.random_bytes(_crypto.ARGON2ID_SALT)),
        nonce=_crypto.random_bytes(24),
        ciphertext=b"",
    )
    key = _crypto.argon2id(
        passphrase.encode(), shell.kdf.salt, opslimit=opslimit, memlimit=memlimit
    )
    secrets = codec.encode(_Secrets(keys.signing.seed, keys.encryption.secret))
    ciphertext = _crypto.aead_encrypt(key, secrets, _associated(shell), shell.nonce)
    return (
        msgspec.json.format(
            msgspec.json.encode(msgspec.structs.replace(shell, ciphertext=ciphertext)), indent=2
        )
        + b"\n"
    )


def load_keystore_bytes(data: bytes, passphrase: str) -> AuthorityKeys:
    """The keys in a keystore file's bytes.

    Raises `KeystoreError` for a file that is not a keystore, and `WrongPassphrase`
    when the passphrase does not open it (or the file was altered).
    """
    try:
        file = _file_decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise KeystoreError(f"not a {FORMAT} file: {str(exc)[:120]}") from exc
    check_authority_id(file.authority)
    key = _crypto.argon2id(
        passphrase.encode(), file.kdf.salt, opslimit=file.kdf.opslimit, memlimit=file.kdf.memlimit
    )
    try:
        plain = _crypto.aead_decrypt(key, file.ciphertext, _associated(file), file.nonce)
    except _crypto.CryptoFailure as exc:
        raise WrongPassphrase(
            f"the passphrase does not open the keystore of {file.authority} "
            "(or the file has been altered)"
        ) from exc
    secrets = codec.decode_canonical(plain, _secrets_decoder, "keystore secrets")
    return AuthorityKeys(
        file.authority, SigningKey(secrets.signing_seed), EncryptionKey(secrets.encryption_secret)
    )


def save_keystore(path: Path, keys: AuthorityKeys, passphrase: str, **limits: int) -> None:
    """Write the keystore atomically, readable by its owner only (mode 0600)."""
    data = dump_keystore(keys, passphrase, **limits)
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


def load_keystore(path: Path, passphrase: str) -> AuthorityKeys:
    """Read the keystore at `path`; `KeystoreError` if it is missing or unreadable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeystoreError(f"cannot read keystore {path.name}: {exc.strerror}") from exc
    return load_keystore_bytes(data, passphrase)
