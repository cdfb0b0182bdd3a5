"""Builders shared by the tests: authorities with keys, and a signed directory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from schemas.directory import (
    AuthorityRecord,
    Directory,
    Role,
    Status,
    encryption_key_record,
    sign_head,
    sign_record,
    signing_key_record,
)
from schemas.keys import AuthorityKeys, SigningKey

T0 = 1_790_000_000_000  # 2026-09-21, a fixed "now" for tests in UTC ms
YEAR_MS = 365 * 24 * 3600 * 1000


class Clock:
    """A settable clock in UTC ms (the seam every time check takes)."""

    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def record_for(
    keys: AuthorityKeys,
    *,
    serial: int,
    roles: Sequence[Role] = ("police",),
    networks: Sequence[str] = (),
    status: Status = "active",
    not_before: int = T0 - YEAR_MS,
    not_after: int = T0 + YEAR_MS,
) -> AuthorityRecord:
    """A directory record listing both of `keys`' public keys."""
    return AuthorityRecord(
        id=keys.authority,
        name=keys.authority.upper(),
        country=keys.authority[:2].upper(),
        roles=list(roles),
        networks=list(networks),
        keys=[
            signing_key_record(keys.signing, not_before, not_after),
            encryption_key_record(keys.encryption.public, not_before, not_after),
        ],
        status=status,
        serial=serial,
        issued_ms=T0,
    )


@dataclass
class World:
    """A directory root, some authorities and the signed state of their directory."""

    root: SigningKey = field(default_factory=SigningKey.generate)
    clock: Clock = field(default_factory=Clock)
    keys: dict[str, AuthorityKeys] = field(default_factory=dict)
    signed: dict[str, bytes] = field(default_factory=dict)
    serial: int = 0

    def add(self, authority: str, **kwargs: object) -> AuthorityKeys:
        """Register `authority` with fresh keys (kwargs go to `record_for`)."""
        keys = self.keys.get(authority) or AuthorityKeys.generate(authority)
        self.keys[authority] = keys
        self.publish(record_for(keys, serial=self.serial + 1, **kwargs))  # type: ignore[arg-type]
        return keys

    def publish(self, record: AuthorityRecord) -> bytes:
        """Sign `record` as the current one for its authority."""
        self.serial = max(self.serial, record.serial)
        self.signed[record.id] = sign_record(self.root, record)
        return self.signed[record.id]

    def head(self, lifetime_ms: int = 3600_000) -> bytes:
        """A head over every current record, issued now."""
        return sign_head(
            self.root,
            self.signed.values(),
            serial=self.serial,
            now_ms=self.clock(),
            lifetime_ms=lifetime_ms,
        )

    def directory(self) -> Directory:
        """A fresh verifying view loaded with every record and the head."""
        view = Directory(self.root.public, self.clock)
        for signed in self.signed.values():
            view.apply_record(signed)
        view.apply_head(self.head())
        return view
