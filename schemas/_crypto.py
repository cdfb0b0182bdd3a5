"""The one module that calls libsodium (through PyNaCl).

Everything else in Palermo asks this module for a primitive by what it does. No
primitive is made by hand here either: each function is a thin, typed wrapper over one
libsodium call, translating its errors into `ProtocolError` subclasses. The one
exception is BLAKE2b, which the standard library computes identically and faster.
"""

from __future__ import annotations

import hashlib

import nacl.bindings as _b
import nacl.exceptions
import nacl.pwhash.argon2id as _argon2id
import nacl.utils

from .errors import ProtocolError

ED25519_PUBLIC = 32
ED25519_SEED = 32
ED25519_SIGNATURE = 64
X25519_PUBLIC = 32
X25519_SECRET = 32
AEAD_KEY = 32
AEAD_TAG = 16
# The payload AEAD runs under a content key made fresh for every message and never
# reused, so a constant nonce is safe (as in age's payload); a random one would add
# 24 bytes to every message and a second source of failure to test.
AEAD_NONCE_ZERO = bytes(24)
SEALED_KEY_OVERHEAD = 48  # ephemeral public key (32) + Poly1305 tag (16)
ARGON2ID_SALT = _argon2id.SALTBYTES
ARGON2ID_OPS_INTERACTIVE = _argon2id.OPSLIMIT_INTERACTIVE
ARGON2ID_MEM_INTERACTIVE = _argon2id.MEMLIMIT_INTERACTIVE
ARGON2ID_OPS_MODERATE = _argon2id.OPSLIMIT_MODERATE
ARGON2ID_MEM_MODERATE = _argon2id.MEMLIMIT_MODERATE


class CryptoFailure(ProtocolError):
    """A libsodium operation refused its input (wrong key, forged tag, bad point)."""

    code = "crypto_failure"


def random_bytes(n: int) -> bytes:
    """`n` bytes from libsodium's CSPRNG (`randombytes_buf`)."""
    return bytes(nacl.utils.random(n))


def blake2b(data: bytes, *, size: int = 32, key: bytes = b"") -> bytes:
    """BLAKE2b of `data`, `size` bytes long, keyed when `key` is given.

    Domain separation is always a prefix inside `data`, never BLAKE2b's salt or
    personalisation parameters, which Go and Java libraries do not all expose.

    Computed by the standard library's BLAKE2b (RFC 7693), the very function libsodium's
    `crypto_generichash` computes (`tests/test_crypto.py` checks the two agree): a
    message is hashed several times on each side, and through cffi each call cost about
    6 µs against 0.5 µs here.
    """
    return hashlib.blake2b(data, digest_size=size, key=key).digest()


def sha256(data: bytes) -> bytes:
    """SHA-256 (`crypto_hash_sha256`), for the audit log's RFC 6962 tree and signed notes,
    which standard transparency-log verifiers expect."""
    return bytes(_b.crypto_hash_sha256(data))


# --- Ed25519 -------------------------------------------------------------------------


def ed25519_public_from_seed(seed: bytes) -> bytes:
    """The Ed25519 public key for a 32-byte secret seed."""
    public, _ = _b.crypto_sign_seed_keypair(seed)
    return bytes(public)


def ed25519_expand(seed: bytes) -> bytes:
    """libsodium's 64-byte secret key (seed ‖ public) for fast repeated signing."""
    _, secret = _b.crypto_sign_seed_keypair(seed)
    return bytes(secret)


def ed25519_sign(secret: bytes, message: bytes) -> bytes:
    """Detached Ed25519 signature of `message` under a 64-byte expanded secret key."""
    signed = _b.crypto_sign(message, secret)
    return bytes(signed[:ED25519_SIGNATURE])


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is a valid Ed25519 signature of `message` under `public`.

    libsodium rejects non-canonical encodings of S and small-order public keys and R,
    so a signature has exactly one valid form (no malleability).
    """
    if len(signature) != ED25519_SIGNATURE or len(public) != ED25519_PUBLIC:
        return False
    try:
        _b.crypto_sign_open(signature + message, public)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError):
        return False
    return True


# --- X25519 sealed boxes -------------------------------------------------------------


def x25519_keypair(seed: bytes | None = None) -> tuple[bytes, bytes]:
    """A fresh X25519 key pair (public, secret), or the one derived from a 32-byte seed."""
    if seed is None:
        public, secret = _b.crypto_box_keypair()
    else:
        public, secret = _b.crypto_box_seed_keypair(seed)
    return bytes(public), bytes(secret)


def x25519_public(secret: bytes) -> bytes:
    """The X25519 public key of a secret key."""
    return bytes(_b.crypto_scalarmult_base(secret))


def seal_to(
    recipient_public: bytes, message: bytes, *, ephemeral_seed: bytes | None = None
) -> bytes:
    """libsodium sealed box of `message` to `recipient_public`.

    Without `ephemeral_seed` this is `crypto_box_seal` as it stands. With one (test
    vectors only), it is the same construction with a chosen ephemeral key, so that
    vectors are reproducible: epk ‖ crypto_box_easy(m, nonce=BLAKE2b-192(epk ‖ pk),
    pk, esk). Tests check that `crypto_box_seal_open` opens both forms.
    """
    if ephemeral_seed is None:
        return bytes(_b.crypto_box_seal(message, recipient_public))
    epk, esk = x25519_keypair(ephemeral_seed)
    nonce = blake2b(epk + recipient_public, size=24)
    return epk + bytes(_b.crypto_box_easy(message, nonce, recipient_public, esk))


def unseal(public: bytes, secret: bytes, sealed: bytes) -> bytes:
    """Open a sealed box addressed to (`public`, `secret`); `CryptoFailure` otherwise."""
    try:
        return bytes(_b.crypto_box_seal_open(sealed, public, secret))
    except (
        nacl.exceptions.CryptoError,
        nacl.exceptions.ValueError,
        nacl.exceptions.TypeError,
    ) as exc:
        raise CryptoFailure("sealed box does not open with this key") from exc


# --- XChaCha20-Poly1305 ------------------------------------------------------------


def aead_encrypt(
    key: bytes, plaintext: bytes, associated: bytes, nonce: bytes = AEAD_NONCE_ZERO
) -> bytes:
    """XChaCha20-Poly1305-IETF encryption; ciphertext ‖ 16-byte tag."""
    return bytes(_b.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, associated, nonce, key))


def aead_decrypt(
    key: bytes, ciphertext: bytes, associated: bytes, nonce: bytes = AEAD_NONCE_ZERO
) -> bytes:
    """XChaCha20-Poly1305-IETF decryption; `CryptoFailure` on a bad tag."""
    try:
        return bytes(
            _b.crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, associated, nonce, key)
        )
    except (nacl.exceptions.CryptoError, nacl.exceptions.ValueError) as exc:
        raise CryptoFailure("authenticated decryption failed") from exc


# --- passwords -----------------------------------------------------------------------


def argon2id(
    passphrase: bytes, salt: bytes, *, opslimit: int, memlimit: int, size: int = 32
) -> bytes:
    """Argon2id (`crypto_pwhash`, ALG_ARGON2ID13) key derivation."""
    try:
        return bytes(_argon2id.kdf(size, passphrase, salt, opslimit=opslimit, memlimit=memlimit))
    except (nacl.exceptions.ValueError, nacl.exceptions.RuntimeError) as exc:
        raise CryptoFailure("argon2id parameters out of range") from exc


# --- secretstream (attachments) ------------------------------------------------------

SECRETSTREAM_KEY = _b.crypto_secretstream_xchacha20poly1305_KEYBYTES
SECRETSTREAM_HEADER = _b.crypto_secretstream_xchacha20poly1305_HEADERBYTES
SECRETSTREAM_ABYTES = _b.crypto_secretstream_xchacha20poly1305_ABYTES
TAG_MESSAGE = _b.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
TAG_FINAL = _b.crypto_secretstream_xchacha20poly1305_TAG_FINAL


class StreamEncryptor:
    """libsodium secretstream push state: one chunk in, one sealed chunk out."""

    def __init__(self, key: bytes) -> None:
        self._state = _b.crypto_secretstream_xchacha20poly1305_state()
        self.header = bytes(_b.crypto_secretstream_xchacha20poly1305_init_push(self._state, key))

    def push(self, chunk: bytes, *, final: bool, associated: bytes = b"") -> bytes:
        tag = TAG_FINAL if final else TAG_MESSAGE
        return bytes(
            _b.crypto_secretstream_xchacha20poly1305_push(
                self._state, chunk, associated or None, tag
            )
        )


class StreamDecryptor:
    """libsodium secretstream pull state; reports whether a chunk carried TAG_FINAL."""

    def __init__(self, key: bytes, header: bytes) -> None:
        self._state = _b.crypto_secretstream_xchacha20poly1305_state()
        try:
            _b.crypto_secretstream_xchacha20poly1305_init_pull(self._state, header, key)
        except (nacl.exceptions.CryptoError, nacl.exceptions.ValueError) as exc:
            raise CryptoFailure("secretstream header rejected") from exc

    def pull(self, sealed: bytes, *, associated: bytes = b"") -> tuple[bytes, bool]:
        try:
            chunk, tag = _b.crypto_secretstream_xchacha20poly1305_pull(
                self._state, sealed, associated or None
            )
        except (nacl.exceptions.CryptoError, nacl.exceptions.ValueError) as exc:
            raise CryptoFailure("secretstream chunk rejected") from exc
        return bytes(chunk), tag == TAG_FINAL
