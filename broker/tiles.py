"""The audit tree's stored form in the `PALERMO_TREE` key-value bucket.

Hashes are kept as tiles, as Go's sumdb `tlog` does: tile level t holds, in order, the
hashes of the complete subtrees of height 8t (level 0: the leaf hashes), 256 to a tile.
Any complete subtree (level h, index k) is a fold of at most 128 entries of one tile at
tile level h // 8, so a proof for any tree size costs a few reads whatever the size.

- A full tile (256 entries) never changes again: it is written once, with `create`,
  under `tile.<level>.<index>`. Writing it twice is harmless only if the bytes agree;
  any difference is corruption and stops the sequencer.
- Everything that still changes — tree size, the compact-range frontier and each
  level's partial tile — is one `state` value, replaced by compare-and-set on its
  revision. So a batch becomes visible atomically: a successor sees either the old
  state or the new one, never half of each, and a deposed sequencer's late write fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

import msgspec
import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from schemas import tlog
from schemas.tlog import HASH_SIZE, CompactRange, HashReader, Node

from . import topology
from .errors import BrokerError

TILE_HEIGHT: Final = 8
TILE_WIDTH: Final = 1 << TILE_HEIGHT
STATE_KEY: Final = "state"
_CACHE_TILES: Final = 1024  # full tiles are immutable; 1024 of them is 8 MiB


class TreeStoreError(BrokerError):
    """Base class of failures of the stored audit tree."""


class TreeCorrupt(TreeStoreError):
    """Stored tree data that contradicts itself, the audit stream or a checkpoint."""


class StateConflict(TreeStoreError):
    """The tree state changed under us: another sequencer wrote it."""


class TreeState(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """The mutable part of the stored tree (value of the `state` key)."""

    version: Literal[1]
    size: int
    frontier: list[bytes]
    """Compact-range hashes of the tree of `size`, largest subtree first."""
    partial: list[bytes]
    """Per tile level, the concatenated entries of its partial (last, unfilled) tile."""

    def compact(self) -> CompactRange:
        """The compact range this state describes."""
        return CompactRange(self.size, self.frontier)


EMPTY_STATE: Final = TreeState(1, 0, [], [])
_state_decoder = msgspec.msgpack.Decoder(TreeState)


def tile_key(level: int, index: int) -> str:
    """The bucket key of the full tile `index` at tile level `level`."""
    return f"tile.{level}.{index}"


def entries_at(size: int, level: int) -> int:
    """How many entries tile level `level` holds in a tree of `size` leaves."""
    return size >> (TILE_HEIGHT * level)


def decode_state(data: bytes) -> TreeState:
    """Decode and check a stored state; `TreeCorrupt` if it contradicts itself."""
    try:
        state = _state_decoder.decode(data)
        state.compact()
    except (msgspec.DecodeError, msgspec.ValidationError, tlog.TreeError) as exc:
        raise TreeCorrupt("stored tree state does not decode") from exc
    for level, partial in enumerate(state.partial):
        if len(partial) != HASH_SIZE * (entries_at(state.size, level) % TILE_WIDTH):
            raise TreeCorrupt(f"partial tile at level {level} has the wrong length")
    if entries_at(state.size, len(state.partial)) != 0:
        raise TreeCorrupt("stored tree state lacks a tile level")
    return state


class TileBuilder:
    """Files the complete subtrees a growing tree produces into tiles, in memory.

    Feed it what `CompactRange.append` returns; it keeps each level's partial tile and
    hands back the tiles that fill up, for `TreeStore.save` to write once.
    """

    def __init__(self, state: TreeState) -> None:
        self._size = state.size
        self._partial = [bytearray(p) for p in state.partial]
        self.full: dict[tuple[int, int], bytes] = {}

    def add(self, nodes: Iterable[tuple[int, int, bytes]]) -> None:
        """Record the subtrees one leaf append completed."""
        for level, index, digest in nodes:
            if level % TILE_HEIGHT:
                continue
            tile_level = level // TILE_HEIGHT
            while len(self._partial) <= tile_level:
                self._partial.append(bytearray())
            partial = self._partial[tile_level]
            # Entries arrive strictly in order; anything else is a bug upstream.
            if index % TILE_WIDTH != len(partial) // HASH_SIZE:
                raise TreeCorrupt(f"subtree {level}/{index} arrived out of order")
            partial += digest
            if len(partial) == TILE_WIDTH * HASH_SIZE:
                self.full[(tile_level, index // TILE_WIDTH)] = bytes(partial)
                partial.clear()
        self._size += 1

    def state(self, compact: CompactRange) -> TreeState:
        """The state to store after the appends so far."""
        if compact.size != self._size:
            raise TreeCorrupt("compact range and tiles disagree on the tree size")
        return TreeState(1, compact.size, compact.hashes, [bytes(p) for p in self._partial])


class TreeStore:
    """Reads and writes the tiled tree in `PALERMO_TREE`."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv
        self._cache: dict[tuple[int, int], bytes] = {}

    @classmethod
    async def open(cls, js: JetStreamContext) -> TreeStore:
        """The store over the bootstrapped tree bucket."""
        return cls(await js.key_value(topology.KV_TREE))

    async def load(self) -> tuple[TreeState, int]:
        """The committed state and its revision (0 and the empty tree if none yet)."""
        try:
            entry = await self._kv.get(STATE_KEY)
        except nats.js.errors.KeyNotFoundError:
            return EMPTY_STATE, 0
        return decode_state(entry.value or b""), entry.revision or 0

    async def save(
        self, state: TreeState, full_tiles: dict[tuple[int, int], bytes], revision: int
    ) -> int:
        """Write new full tiles, then swap in `state` if the stored revision is still
        `revision`; return the new revision. `StateConflict` if someone else wrote."""
        for (level, index), data in sorted(full_tiles.items()):
            await self._write_tile(level, index, data)
        try:
            if revision == 0:
                return await self._kv.create(STATE_KEY, msgspec.msgpack.encode(state))
            return await self._kv.update(STATE_KEY, msgspec.msgpack.encode(state), last=revision)
        except nats.js.errors.KeyWrongLastSequenceError as exc:
            raise StateConflict("tree state was changed by another writer") from exc

    async def _write_tile(self, level: int, index: int, data: bytes) -> None:
        key = tile_key(level, index)
        try:
            await self._kv.create(key, data)
        except nats.js.errors.KeyWrongLastSequenceError:
            # A predecessor wrote it before stopping; the stream fixes every hash, so
            # the bytes must be identical.
            if await self._read_tile(level, index) != data:
                raise TreeCorrupt(f"stored tile {key} differs from the audit stream") from None
        self._cache_put((level, index), data)

    async def _read_tile(self, level: int, index: int) -> bytes:
        cached = self._cache.get((level, index))
        if cached is not None:
            return cached
        try:
            entry = await self._kv.get(tile_key(level, index))
        except nats.js.errors.KeyNotFoundError as exc:
            raise TreeCorrupt(f"tile {tile_key(level, index)} is missing") from exc
        data = entry.value or b""
        if len(data) != TILE_WIDTH * HASH_SIZE:
            raise TreeCorrupt(f"tile {tile_key(level, index)} has the wrong length")
        self._cache_put((level, index), data)
        return data

    def _cache_put(self, key: tuple[int, int], data: bytes) -> None:
        if len(self._cache) >= _CACHE_TILES:
            self._cache.clear()
        self._cache[key] = data

    async def entries(self, state: TreeState, level: int, start: int, end: int) -> bytes:
        """Concatenated entries [start, end) of tile level `level` in `state`'s tree."""
        if not 0 <= start <= end <= entries_at(state.size, level):
            raise tlog.TreeRangeError(f"entries [{start}, {end}) not at level {level}")
        full = entries_at(state.size, level) // TILE_WIDTH
        out = bytearray()
        pos = start
        while pos < end:
            tile, offset = divmod(pos, TILE_WIDTH)
            take = min(end - pos, TILE_WIDTH - offset)
            data = await self._read_tile(level, tile) if tile < full else state.partial[level]
            out += data[offset * HASH_SIZE : (offset + take) * HASH_SIZE]
            pos += take
        return bytes(out)

    async def reader(self, state: TreeState, nodes: Iterable[Node]) -> HashReader:
        """A synchronous reader that answers for `nodes` (fetched now) in `state`'s tree."""
        hashes: dict[Node, bytes] = {}
        for level, index in nodes:
            tile_level, height = divmod(level, TILE_HEIGHT)
            start = index << height
            data = await self.entries(state, tile_level, start, start + (1 << height))
            leaves = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
            hashes[(level, index)] = tlog.root(leaves)

        def read(level: int, index: int) -> bytes:
            return hashes[(level, index)]

        return read

    async def leaf_hashes(self, state: TreeState, start: int, end: int) -> list[bytes]:
        """Leaf hashes [start, end) of `state`'s tree."""
        data = await self.entries(state, 0, start, end)
        return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


async def stored_state(js: JetStreamContext) -> tuple[TreeStore, TreeState]:
    """The tree store and its committed state, for readers (proofs, export)."""
    try:
        store = await TreeStore.open(js)
        state, _ = await store.load()
    except (nats.errors.Error, nats.js.errors.Error) as exc:
        raise TreeStoreError("tree bucket cannot be read") from exc
    return store, state
