"""Authority ids, key ids and an authority's two key pairs.

Each authority has an Ed25519 key pair for signing and an X25519 key pair for
encryption, generated independently (never one converted from the other). A key id is
the first 16 bytes of BLAKE2b-256("palermo/keyid/v1" ‖ algorithm byte ‖ public key).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import _crypto
from .errors import InvalidAuthorityId
from .records import AUTHORITY_ID_PATTERN

KEYID_DOMAIN = b"palermo/keyid/v1"
ALG_ED25519 = 0x01
ALG_X25519 = 0x02

_AUTHORITY_ID = re.compile(AUTHORITY_ID_PATTERN)


def check_authority_id(value: str) -> str:
    """Return `value` if it is a valid authority id, else raise `InvalidAuthorityId`.

    The same string is a NATS subject token, a consumer name and a key-value key, so
    it may hold only lower-case ASCII letters, digits and one hyphen after the country.
    """
    if not _AUTHORITY_ID.fullmatch(value):
        raise InvalidAuthorityId(
            f"{value[:40]!r} is not an authority id: expected two letters of ISO 3166 "
            "country, a hyphen and 1-30 of a-z 0-9 (e.g. 'ng-naptip')"
        )
    return value


def key_id(alg: int, public: bytes) -> bytes:
    """The 16-byte key id of a public key of algorithm `alg` (ALG_ED25519 or ALG_X25519).

    The algorithm byte keeps a signing key and an encryption key with equal bytes
    (impossible in practice, but cheap to rule out) from sharing an id.
    """
    return _crypto.blake2b(KEYID_DOMAIN + bytes([alg]) + public, size=32)[:16]


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 signing key pair. `sign` signs exactly the bytes it is given: callers
    prefix their domain string."""

    seed: bytes = field(repr=False)
    public: bytes = field(init=False)
    key_id: bytes = field(init=False)
    _expanded: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.seed) != _crypto.ED25519_SEED:
            raise ValueError("an Ed25519 seed is 32 bytes")
        object.__setattr__(self, "_expanded", _crypto.ed25519_expand(self.seed))
        object.__setattr__(self, "public", _crypto.ed25519_public_from_seed(self.seed))
        object.__setattr__(self, "key_id", key_id(ALG_ED25519, self.public))

    @classmethod
    def generate(cls) -> SigningKey:
        """A new key pair from the system CSPRNG."""
        return cls(_crypto.random_bytes(_crypto.ED25519_SEED))

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of `message`."""
        return _crypto.ed25519_sign(self._expanded, message)


def verify_signature(public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is the Ed25519 signature of `message` under `public`."""
    return _crypto.ed25519_verify(public, message, signature)


@dataclass(frozen=True)
class EncryptionKey:
    """An X25519 key pair that content keys are sealed to."""

    secret: bytes = field(repr=False)
    public: bytes = field(init=False)
    key_id: bytes = field(init=False)

    def __post_init__(self) -> None:
        if len(self.secret) != _crypto.X25519_SECRET:
            raise ValueError("an X25519 secret key is 32 bytes")
        object.__setattr__(self, "public", _crypto.x25519_public(self.secret))
        object.__setattr__(self, "key_id", key_id(ALG_X25519, self.public))

    @classmethod
    def generate(cls) -> EncryptionKey:
        """A new key pair from the system CSPRNG."""
        _, secret = _crypto.x25519_keypair()
        return cls(secret)

    @classmethod
    def from_seed(cls, seed: bytes) -> EncryptionKey:
        """The key pair libsodium derives from a 32-byte seed (test vectors)."""
        _, secret = _crypto.x25519_keypair(seed)
        return cls(secret)


@dataclass(frozen=True)
class RecipientKey:
    """A recipient authority and the X25519 public key to seal its content key to."""

    authority: str
    public: bytes
    key_id: bytes = field(init=False)

    def __post_init__(self) -> None:
        check_authority_id(self.authority)
        if len(self.public) != _crypto.X25519_PUBLIC:
            raise ValueError("an X25519 public key is 32 bytes")
        object.__setattr__(self, "key_id", key_id(ALG_X25519, self.public))


@dataclass(frozen=True)
class AuthorityKeys:
    """An authority's id with its private signing and encryption keys."""

    authority: str
    signing: SigningKey
    encryption: EncryptionKey

    def __post_init__(self) -> None:
        check_authority_id(self.authority)

    @classmethod
    def generate(cls, authority: str) -> AuthorityKeys:
        """Fresh, independent signing and encryption key pairs for `authority`."""
        return cls(authority, SigningKey.generate(), EncryptionKey.generate())

    @property
    def recipient(self) -> RecipientKey:
        """This authority as a recipient (its public encryption key)."""
        return RecipientKey(self.authority, self.encryption.public)
