"""Signed directory records and head, and the verifying view every party keeps.

The directory root key (held offline by the directory's governors, never by the
broker) signs each authority record and a head: the directory serial, a digest of
all current records and an expiry at most 24 hours ahead. A client trusts a key only
through a `Directory` holding a fresh head whose digest matches the records it holds,
so the broker can neither forge a key, nor roll a revoked one back, nor freeze the
directory to hide a revocation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from . import _crypto, codec
from .errors import (
    AuthorityInactive,
    DirectoryError,
    DirectoryRollback,
    KeyInvalid,
    StaleDirectory,
    UnknownAuthority,
    UnknownKey,
)
from .keys import ALG_ED25519, ALG_X25519, RecipientKey, SigningKey, key_id, verify_signature
from .records import AuthorityId, CountryCode, NetworkId, ShortText
from .wire import Hash32, Id16, UInt

RECORD_DOMAIN = b"palermo/directory-record/v1"
HEAD_DOMAIN = b"palermo/directory-head/v1"
DIGEST_DOMAIN = b"palermo/directory-digest/v1"
MAX_HEAD_LIFETIME_MS = 24 * 3600 * 1000

Role = Literal[
    "police",
    "prosecutor",
    "central_authority",
    "judiciary",
    "ncb",
    "labour_inspectorate",
    "victim_services",
    "fiu",
    "coordinator",
    "broker",
]
"""`coordinator` is a network or regional coordinator: it receives its members'
statistics reports and publishes their aggregate (docs/statistics.md). `broker` is the
role of the broker's own record (`zz-broker`), which lists its notice
key (use `sign`) and its audit log key (use `log`); nobody sends messages to it."""
Status = Literal["active", "suspended", "revoked"]
KeyUse = Literal["sign", "encrypt", "log"]


class KeyRecord(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """One public key of an authority with its use and validity window (UTC ms)."""

    use: KeyUse
    key_id: Id16
    public: Annotated[bytes, Meta(min_length=32, max_length=32)]
    not_before_ms: UInt
    not_after_ms: UInt

    def valid_at(self, at_ms: int) -> bool:
        """Whether `at_ms` falls in [not_before, not_after)."""
        return self.not_before_ms <= at_ms < self.not_after_ms


class AuthorityRecord(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A competent authority as the directory describes it."""

    id: AuthorityId
    name: ShortText
    country: CountryCode
    roles: Annotated[list[Role], Meta(min_length=1)]
    networks: list[NetworkId]
    keys: Annotated[list[KeyRecord], Meta(min_length=1, max_length=16)]
    status: Status
    serial: UInt
    """The directory serial at which this record was issued; only ever grows."""
    issued_ms: UInt


class DirectoryHead(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """The directory's state at one serial: a digest of every current record."""

    serial: UInt
    digest: Hash32
    count: UInt
    issued_ms: UInt
    expires_ms: UInt


class Signed(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A record or head as the exact bytes the root key signed, and the signature."""

    body: bytes
    signature: Annotated[bytes, Meta(min_length=64, max_length=64)]


_signed_decoder = msgspec.msgpack.Decoder(Signed)
_record_decoder = msgspec.msgpack.Decoder(AuthorityRecord)
_head_decoder = msgspec.msgpack.Decoder(DirectoryHead)


def signing_key_record(
    key: SigningKey, not_before_ms: int, not_after_ms: int, *, use: KeyUse = "sign"
) -> KeyRecord:
    """The directory entry for an Ed25519 public key (`use` "log" for the audit log key)."""
    return KeyRecord(use, key.key_id, key.public, not_before_ms, not_after_ms)


def encryption_key_record(public: bytes, not_before_ms: int, not_after_ms: int) -> KeyRecord:
    """The directory entry for an X25519 public key."""
    return KeyRecord("encrypt", key_id(ALG_X25519, public), public, not_before_ms, not_after_ms)


def sign_record(root: SigningKey, record: AuthorityRecord) -> bytes:
    """The signed record's bytes, as stored in the directory bucket."""
    body = codec.encode(record)
    return codec.encode(Signed(body, root.sign(RECORD_DOMAIN + body)))


def directory_digest(signed_by_id: Mapping[str, bytes]) -> bytes:
    """Digest over every current record: BLAKE2b-256 of the domain string followed by
    the BLAKE2b-256 of each signed record, ordered by authority id."""
    hashes = RecordHashes()
    for authority, signed in signed_by_id.items():
        hashes.put(authority, signed)
    return hashes.digest()


class RecordHashes:
    """The BLAKE2b-256 of each current signed record, by authority id, kept as records
    change: the directory digest of n records then costs one hash over n * 32 bytes
    instead of hashing every record again (a head is signed and checked after each
    registration; at thousands of authorities re-hashing them all was most of its cost)."""

    def __init__(self) -> None:
        self._hashes: dict[str, bytes] = {}
        self._ordered: list[str] | None = None

    def put(self, authority: str, signed: bytes) -> None:
        """Hold the hash of `authority`'s current signed record."""
        if authority not in self._hashes:
            self._ordered = None
        self._hashes[authority] = _crypto.blake2b(signed)

    def remove(self, authority: str) -> None:
        """Forget `authority`'s record (deleted from the bucket)."""
        if self._hashes.pop(authority, None) is not None:
            self._ordered = None

    def __len__(self) -> int:
        return len(self._hashes)

    def digest(self) -> bytes:
        """`directory_digest` of the records held."""
        if self._ordered is None:
            self._ordered = sorted(self._hashes)
        return _crypto.blake2b(DIGEST_DOMAIN + b"".join(self._hashes[k] for k in self._ordered))


def sign_head(
    root: SigningKey,
    signed_records: Iterable[bytes],
    *,
    serial: int,
    now_ms: int,
    lifetime_ms: int = MAX_HEAD_LIFETIME_MS,
) -> bytes:
    """Sign a head over `signed_records` (all current records) at `serial`."""
    by_id = {_decode_record(s)[0].id: s for s in signed_records}
    return sign_head_digest(
        root,
        directory_digest(by_id),
        len(by_id),
        serial=serial,
        now_ms=now_ms,
        lifetime_ms=lifetime_ms,
    )


def sign_head_digest(
    root: SigningKey,
    digest: bytes,
    count: int,
    *,
    serial: int,
    now_ms: int,
    lifetime_ms: int = MAX_HEAD_LIFETIME_MS,
) -> bytes:
    """Sign a head at `serial` over `count` records whose `directory_digest` is `digest`
    (for a signer that keeps `RecordHashes` rather than re-reading every record)."""
    if not 0 < lifetime_ms <= MAX_HEAD_LIFETIME_MS:
        raise ValueError("a directory head lives at most 24 hours")
    head = DirectoryHead(serial, digest, count, now_ms, now_ms + lifetime_ms)
    body = codec.encode(head)
    return codec.encode(Signed(body, root.sign(HEAD_DOMAIN + body)))


def _decode_record(signed: bytes) -> tuple[AuthorityRecord, Signed]:
    envelope = codec.decode_canonical(signed, _signed_decoder, "signed directory record")
    return codec.decode_canonical(envelope.body, _record_decoder, "directory record"), envelope


class HeadMark(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """The serial and digest of the newest head a party accepted: what it keeps on disk
    so that a restart cannot be served an older directory."""

    serial: UInt
    digest: Hash32


_mark_decoder = msgspec.msgpack.Decoder(HeadMark)


def encode_mark(mark: HeadMark) -> bytes:
    """A head mark as stored (canonical MessagePack)."""
    return codec.encode(mark)


def decode_mark(data: bytes) -> HeadMark:
    """A stored head mark; `Malformed` if the bytes are not one."""
    return codec.decode_canonical(data, _mark_decoder, "directory head mark")


@dataclass
class Directory:
    """A verified view of the directory, pinned to the root public key.

    Feed it signed records and heads (`apply_record`, `apply_head`) in the order the
    bucket gives them; ask it for keys. Every lookup first checks that the head is
    fresh and matches the records held, raising `StaleDirectory` otherwise. `floor`
    is the newest head accepted before (by a previous view or a previous run): no head
    below it, nor another state at its serial, is ever accepted. `advance` gives the
    view of a newer bucket snapshot without going back from this one.
    """

    root_public: bytes
    clock: Callable[[], int]
    floor: HeadMark | None = None

    def __post_init__(self) -> None:
        self._records: dict[str, AuthorityRecord] = {}
        self._signed: dict[str, bytes] = {}
        self._hashes = RecordHashes()
        self._head: DirectoryHead | None = None
        self._consistent: bool | None = None
        """Whether the records held match the head; None until asked after a change."""

    def apply_record(self, signed: bytes) -> AuthorityRecord:
        """Verify and hold a signed record; `DirectoryError` if forged, `DirectoryRollback`
        if older than the record already held for that authority."""
        record, envelope = _decode_record(signed)
        if not verify_signature(
            self.root_public, RECORD_DOMAIN + envelope.body, envelope.signature
        ):
            raise DirectoryError(f"record for {record.id} is not signed by the directory root")
        for key in record.keys:
            alg = ALG_X25519 if key.use == "encrypt" else ALG_ED25519
            if key_id(alg, key.public) != key.key_id:
                raise DirectoryError(f"record for {record.id} lists a key under a wrong key id")
        held = self._records.get(record.id)
        if held is not None:
            if record.serial < held.serial:
                raise DirectoryRollback(
                    f"record for {record.id} at serial {record.serial} is older than "
                    f"serial {held.serial} already seen"
                )
            if record.serial == held.serial and signed != self._signed[record.id]:
                raise DirectoryRollback(
                    f"two different records for {record.id} at serial {record.serial}"
                )
        self._records[record.id] = record
        self._signed[record.id] = signed
        self._hashes.put(record.id, signed)
        self._consistent = None  # judged when next asked, not once per record loaded
        return record

    def apply_head(self, signed: bytes) -> DirectoryHead:
        """Verify and hold a signed head; `DirectoryRollback` if older than the one held,
        `StaleDirectory` if already expired."""
        envelope = codec.decode_canonical(signed, _signed_decoder, "signed directory head")
        if not verify_signature(self.root_public, HEAD_DOMAIN + envelope.body, envelope.signature):
            raise DirectoryError("directory head is not signed by the directory root")
        head = codec.decode_canonical(envelope.body, _head_decoder, "directory head")
        if head.expires_ms - head.issued_ms > MAX_HEAD_LIFETIME_MS:
            raise DirectoryError("directory head claims a lifetime over 24 hours")
        newest = self.mark if self._head is not None else self.floor
        if newest is not None and head.serial < newest.serial:
            raise DirectoryRollback(
                f"directory head serial {head.serial} is older than {newest.serial}, already seen"
            )
        if newest is not None and head.serial == newest.serial and head.digest != newest.digest:
            # Re-signing at one serial only renews the expiry; other records at the same
            # serial would be a second history.
            raise DirectoryRollback(f"two different directory states at serial {head.serial}")
        if self.clock() >= head.expires_ms:
            raise StaleDirectory(f"directory head at serial {head.serial} has expired")
        self._head = head
        self._consistent = None
        return head

    def _check_consistent(self) -> None:
        head = self._head
        self._consistent = (
            head is not None
            and head.count == len(self._signed)
            and self._hashes.digest() == head.digest
        )

    @property
    def head(self) -> DirectoryHead | None:
        """The newest verified head, if any."""
        return self._head

    @property
    def mark(self) -> HeadMark | None:
        """The serial and digest of the head held, to persist (None before a head)."""
        return HeadMark(self._head.serial, self._head.digest) if self._head else None

    def advance(self, signed_records: Iterable[bytes], signed_head: bytes | None) -> Directory:
        """The view of a newer snapshot of the bucket (every current record and the
        head), verified, fresh and complete, that goes back on nothing this view holds.

        Raises `DirectoryRollback` for a head older than this view's (or its floor), a
        different state at the same serial, or a record older than the one held for
        its authority; `StaleDirectory` for a missing, expired or incomplete head;
        `DirectoryError` for anything forged. This view is left unchanged either way.
        """
        view = Directory(
            self.root_public, self.clock, self.mark if self._head is not None else self.floor
        )
        if signed_head is not None:
            view.apply_head(signed_head)  # first: an old head is the clearest refusal
        for signed in signed_records:
            record = view.apply_record(signed)
            held = self._records.get(record.id)
            if held is not None and record.serial < held.serial:
                raise DirectoryRollback(
                    f"record for {record.id} at serial {record.serial} is older than "
                    f"serial {held.serial} already seen"
                )
            if (
                held is not None
                and record.serial == held.serial
                and signed != self._signed[record.id]
            ):
                raise DirectoryRollback(
                    f"two different records for {record.id} at serial {record.serial}"
                )
        view.check_fresh()
        return view

    def check_fresh(self) -> DirectoryHead:
        """The head, if it is unexpired and matches the records held; `StaleDirectory` if not."""
        head = self._head
        if head is None:
            raise StaleDirectory("no directory head has been loaded")
        if self.clock() >= head.expires_ms:
            raise StaleDirectory(f"directory head at serial {head.serial} has expired")
        if self._consistent is None:
            self._check_consistent()
        if not self._consistent:
            raise StaleDirectory(
                f"records held do not match the directory head at serial {head.serial}"
            )
        return head

    def record(self, authority: str) -> AuthorityRecord:
        """The current record of `authority`; `UnknownAuthority` if there is none."""
        self.check_fresh()
        try:
            return self._records[authority]
        except KeyError:
            raise UnknownAuthority(f"{authority} is not in the directory") from None

    def records(self) -> list[AuthorityRecord]:
        """Every record held, ordered by authority id."""
        self.check_fresh()
        return [self._records[k] for k in sorted(self._records)]

    def active(self, authority: str) -> AuthorityRecord:
        """The record of `authority` if active; `AuthorityInactive` if suspended or revoked."""
        record = self.record(authority)
        if record.status != "active":
            raise AuthorityInactive(f"{authority} is {record.status}")
        return record

    def signing_key(self, authority: str, key_id_: bytes, at_ms: int) -> bytes:
        """The Ed25519 public key `key_id_` of an active `authority`, valid at `at_ms`.

        Matches `envelope.KeyResolver`. Raises `UnknownAuthority`, `AuthorityInactive`,
        `UnknownKey` or `KeyInvalid`.
        """
        record = self.active(authority)
        for key in record.keys:
            if key.key_id == key_id_:
                if key.use != "sign":
                    raise KeyInvalid(f"key {key_id_.hex()} of {authority} is not a signing key")
                if not key.valid_at(at_ms):
                    raise KeyInvalid(f"key {key_id_.hex()} of {authority} is not valid at {at_ms}")
                return key.public
        raise UnknownKey(f"{authority} has no key {key_id_.hex()}")

    def recipient_key(self, authority: str, at_ms: int) -> RecipientKey:
        """The encryption key to seal to for an active `authority` at `at_ms`: of the keys
        valid then, the one valid from the latest time (so a rotation takes effect)."""
        record = self.active(authority)
        valid = [k for k in record.keys if k.use == "encrypt" and k.valid_at(at_ms)]
        if not valid:
            raise KeyInvalid(f"{authority} has no encryption key valid at {at_ms}")
        newest = max(valid, key=lambda k: (k.not_before_ms, k.key_id))
        return RecipientKey(authority, newest.public)

    def members(self, network: str) -> list[str]:
        """Active authorities that list `network`, ordered by id."""
        return [r.id for r in self.records() if network in r.networks and r.status == "active"]
