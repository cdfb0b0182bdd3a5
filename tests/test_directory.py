"""Signed directory records and heads: forgery, rollback and freezing are refused."""

from __future__ import annotations

import msgspec
import pytest

from schemas.directory import Directory, sign_record
from schemas.errors import (
    AuthorityInactive,
    DirectoryError,
    DirectoryRollback,
    KeyInvalid,
    StaleDirectory,
    UnknownAuthority,
    UnknownKey,
)
from schemas.keys import SigningKey

from .support import T0, YEAR_MS, World, record_for


@pytest.fixture
def world() -> World:
    w = World()
    w.add("ng-naptip", roles=["police"], networks=["west-africa-route"])
    w.add("it-dna", roles=["prosecutor"], networks=["west-africa-route"])
    w.add("gb-nca", roles=["police"])
    return w


def test_lookup_keys(world: World) -> None:
    """A loaded directory returns the signing and encryption keys it lists."""
    view = world.directory()
    keys = world.keys["ng-naptip"]
    assert view.signing_key("ng-naptip", keys.signing.key_id, T0) == keys.signing.public
    assert view.recipient_key("ng-naptip", T0).public == keys.encryption.public
    assert view.members("west-africa-route") == ["it-dna", "ng-naptip"]


def test_record_not_signed_by_root(world: World) -> None:
    """A record signed by any key but the pinned root is refused."""
    forged = sign_record(SigningKey.generate(), record_for(world.keys["gb-nca"], serial=9))
    view = Directory(world.root.public, world.clock)
    with pytest.raises(DirectoryError, match="not signed by the directory root"):
        view.apply_record(forged)


def test_head_not_signed_by_root(world: World) -> None:
    """A head signed by another key is refused."""
    view = world.directory()
    other = World(clock=world.clock, signed=dict(world.signed), serial=world.serial + 1)
    with pytest.raises(DirectoryError, match="head is not signed by the directory root"):
        view.apply_head(other.head())


def test_record_rollback(world: World) -> None:
    """Once serial N is seen for an authority, an older record for it is refused."""
    keys = world.keys["gb-nca"]
    old = world.signed["gb-nca"]
    view = world.directory()
    view.apply_record(world.publish(record_for(keys, serial=world.serial + 1, status="revoked")))
    with pytest.raises(DirectoryRollback, match="older than serial"):
        view.apply_record(old)


def test_head_rollback(world: World) -> None:
    """An older head is refused after a newer one."""
    view = world.directory()
    old_head = world.head()
    world.add("fr-ocrteh")
    view.apply_record(world.signed["fr-ocrteh"])
    view.apply_head(world.head())
    with pytest.raises(DirectoryRollback, match="older than"):
        view.apply_head(old_head)


def test_stale_head_refused(world: World) -> None:
    """An expired head cannot be loaded, and lookups stop once the held head expires."""
    view = world.directory()
    world.clock.now += 3600_000
    with pytest.raises(StaleDirectory, match="has expired"):
        view.signing_key("ng-naptip", world.keys["ng-naptip"].signing.key_id, T0)
    with pytest.raises(StaleDirectory, match="has expired"):
        Directory(world.root.public, world.clock).apply_head(
            World(root=world.root, clock=type(world.clock)(T0), signed=world.signed).head()
        )


def test_head_lifetime_over_a_day_refused(world: World) -> None:
    """The head's expiry is at most 24 hours after its issue."""
    with pytest.raises(ValueError, match="24 hours"):
        world.head(lifetime_ms=25 * 3600_000)


def test_withheld_record_makes_directory_stale(world: World) -> None:
    """A broker that hides a (revoking) record leaves records that do not match the head."""
    keys = world.keys["gb-nca"]
    view = world.directory()
    world.publish(record_for(keys, serial=world.serial + 1, status="revoked"))
    view.apply_head(world.head())  # the revocation itself is withheld
    with pytest.raises(StaleDirectory, match="do not match the directory head"):
        view.record("gb-nca")


def test_no_head_is_stale(world: World) -> None:
    """Records without a head are not trusted."""
    view = Directory(world.root.public, world.clock)
    view.apply_record(world.signed["ng-naptip"])
    with pytest.raises(StaleDirectory, match="no directory head"):
        view.record("ng-naptip")


def test_revoked_and_suspended(world: World) -> None:
    """Keys of a revoked or suspended authority are refused with AuthorityInactive."""
    keys = world.keys["gb-nca"]
    world.publish(record_for(keys, serial=world.serial + 1, status="suspended"))
    view = world.directory()
    with pytest.raises(AuthorityInactive, match="gb-nca is suspended"):
        view.signing_key("gb-nca", keys.signing.key_id, T0)
    with pytest.raises(AuthorityInactive, match="suspended"):
        view.recipient_key("gb-nca", T0)


def test_key_validity_window(world: World) -> None:
    """A key is refused outside [not_before, not_after), and an unknown id is UnknownKey."""
    keys = world.keys["gb-nca"]
    view = world.directory()
    with pytest.raises(KeyInvalid, match="not valid at"):
        view.signing_key("gb-nca", keys.signing.key_id, T0 + YEAR_MS)
    with pytest.raises(UnknownKey, match="has no key"):
        view.signing_key("gb-nca", bytes(16), T0)
    with pytest.raises(KeyInvalid, match="not a signing key"):
        view.signing_key("gb-nca", keys.encryption.key_id, T0)
    with pytest.raises(UnknownAuthority, match="not in the directory"):
        view.signing_key("zz-none", keys.signing.key_id, T0)


def test_record_with_wrong_key_id(world: World) -> None:
    """A record whose key id does not derive from its public key is refused."""
    rec = record_for(world.keys["gb-nca"], serial=50)
    bad_key = msgspec.structs.replace(rec.keys[0], key_id=bytes(16))
    signed = sign_record(world.root, msgspec.structs.replace(rec, keys=[bad_key, rec.keys[1]]))
    with pytest.raises(DirectoryError, match="wrong key id"):
        Directory(world.root.public, world.clock).apply_record(signed)
