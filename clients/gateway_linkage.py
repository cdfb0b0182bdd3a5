"""Linkage keys of the gateway: one per bilateral relationship (or network), on disk.

A body's victim and witness identifiers become pseudonyms keyed by a linkage key
(`schemas.minimise`). The gateway keeps one key per set of counterparts: the single
recipient authority, the network, or the sorted recipient list, under
`<data_dir>/linkage/<scope>.key` (64 hex characters, mode 0600). A missing key is
generated on first use. Two authorities link the same person only when they hold the
same key: to link with a counterpart, replace both files with one key agreed out of band.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from schemas.errors import MinimisationError
from schemas.keystore import write_private
from schemas.minimise import LinkageKey

from .errors import ClientError

__all__ = ["LinkageKeyInvalid", "LinkageKeys"]

_HEX: Final = re.compile("^[0-9a-f]{64}$")
_MAX_NAME: Final = 120


class LinkageKeyInvalid(ClientError):
    """A linkage key file that does not hold 64 hex characters."""


class LinkageKeys:
    """Linkage keys under `directory`, created when first needed."""

    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self._cache: dict[str, LinkageKey] = {}

    @staticmethod
    def scope(to: Sequence[str], network: str | None) -> str:
        """The key's name for these counterparts (authority and network ids are
        lowercase letters, digits and hyphens, so the name is a safe file name)."""
        names = sorted(set(to))
        name = "+".join([f"net-{network}"] * (network is not None) + names)
        if len(name) > _MAX_NAME:  # many recipients: keep the file name short
            name = "set-" + hashlib.sha256(name.encode()).hexdigest()[:32]
        return name

    def for_scope(self, to: Sequence[str], network: str | None) -> LinkageKey:
        """The key for sending to `to` and `network`, generated and stored if new."""
        name = self.scope(to, network)
        if name in self._cache:
            return self._cache[name]
        path = self._dir / f"{name}.key"
        try:
            text = path.read_text().strip()
        except FileNotFoundError:
            key = LinkageKey.generate()
            write_private(path, key.key.hex().encode() + b"\n")
        else:
            if not _HEX.fullmatch(text):
                raise LinkageKeyInvalid(f"linkage key {path.name} is not 64 hex characters")
            try:
                key = LinkageKey(bytes.fromhex(text))
            except MinimisationError as exc:  # pragma: no cover - the pattern rules it out
                raise LinkageKeyInvalid(str(exc)) from exc
        self._cache[name] = key
        return key

    def by_key_id(self, key_id: bytes) -> LinkageKey | None:
        """The stored key with this key id, if this gateway holds it (a counterpart's
        pseudonyms are comparable only under a key agreed with it)."""
        for key in self._cache.values():
            if key.key_id == key_id:
                return key
        for path in sorted(self._dir.glob("*.key")):
            if path.stem in self._cache:
                continue
            text = path.read_text().strip()
            if not _HEX.fullmatch(text):
                raise LinkageKeyInvalid(f"linkage key {path.name} is not 64 hex characters")
            key = self._cache[path.stem] = LinkageKey(bytes.fromhex(text))
            if key.key_id == key_id:
                return key
        return None
