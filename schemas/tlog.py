"""The audit log's Merkle tree: RFC 6962 / RFC 9162 hashing and proofs, exactly.

leaf hash = SHA-256(0x00 ‖ leaf bytes), interior node = SHA-256(0x01 ‖ left ‖ right),
the empty tree's root = SHA-256(""), and a tree of n > 1 leaves splits at the largest
power of two smaller than n. Because nothing here departs from the RFC, any standard
verifier (Go's sumdb `tlog`, Trillian, transparency-dev/merkle) agrees with ours.

Everything is expressed in *complete subtrees*: the node (level, index) is the root of
the 2**level leaves starting at leaf index * 2**level. Any root, inclusion proof or
consistency proof is a fold of a few of them, so a store need only keep those (as
tiles) and answer `read(level, index)`. `inclusion_nodes`/`consistency_nodes` say in
advance which ones a proof will read, so an asynchronous store can fetch them first and
then call the synchronous generator. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Final

import msgspec

from .errors import ProtocolError

HASH_SIZE: Final = 32
_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"

Node = tuple[int, int]
"""(level, index) of a complete subtree."""
HashReader = Callable[[int, int], bytes]
"""Returns the hash of the complete subtree (level, index)."""


class TreeError(ProtocolError):
    """Base class of Merkle tree and proof failures."""

    code = "tree_invalid"


class ProofInvalid(TreeError):
    """An inclusion or consistency proof that does not verify."""

    code = "proof_invalid"


class TreeRangeError(TreeError):
    """A leaf index or tree size outside the tree it is asked about."""

    code = "tree_range"


class TreeStateInvalid(TreeError):
    """A serialised tree state that does not decode or contradicts itself."""

    code = "tree_state_invalid"


# --- hashing -------------------------------------------------------------------------

# hashlib's SHA-256 is the same function as libsodium's `crypto_hash_sha256` (the tests'
# RFC 6962 vectors hold either way), called without a cffi round trip per hash: a tree
# of a million leaves hashes two million times.
_sha256: Final = hashlib.sha256


def leaf_hash(leaf: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 ‖ leaf)."""
    return _sha256(_LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right)."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def empty_root() -> bytes:
    """The root of the empty tree: SHA-256 of no bytes."""
    return _sha256(b"").digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash over `leaf_hashes`, by the RFC's recursive definition.

    The reference form, kept for tests and small trees; `CompactRange` does the same in
    O(log n) memory for a growing log.
    """
    n = len(leaf_hashes)
    if n == 0:
        return empty_root()
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root(leaf_hashes[:k]), root(leaf_hashes[k:]))


def roots_at(leaf_hashes: Sequence[bytes], sizes: Iterable[int]) -> list[bytes]:
    """The roots of the trees over the first n of `leaf_hashes`, for each n of `sizes`
    (ascending, at most `len(leaf_hashes)`), in one pass.

    What `CompactRange.append` does, as a tight loop over a stack of hashes: for
    verifying a whole log, where a million appends through the class cost more than
    the hashing.
    """
    sha, prefix = _sha256, _NODE_PREFIX
    stack: list[bytes] = []
    pop, push = stack.pop, stack.append
    roots: list[bytes] = []
    i = 0
    for size in sizes:
        if not i <= size <= len(leaf_hashes):
            raise TreeRangeError(f"sizes must ascend within the {len(leaf_hashes)} leaves")
        while i < size:
            h, n = leaf_hashes[i], i
            # Each trailing 1-bit of the old size is a left sibling that now has its pair.
            while n & 1:
                h = sha(prefix + pop() + h).digest()
                n >>= 1
            push(h)
            i += 1
        roots.append(_fold(stack) if stack else empty_root())
    return roots


# --- complete subtrees ---------------------------------------------------------------


def subtrees(start: int, end: int) -> list[Node]:
    """The complete subtrees that make up leaves [start, end), left to right.

    For the ranges the RFC recursion produces (start aligned to a power of two at least
    end - start), these are exactly the subtrees whose right-to-left fold is the RFC
    hash of that range.
    """
    if not 0 <= start <= end:
        raise TreeRangeError(f"leaf range [{start}, {end}) is not a range")
    nodes: list[Node] = []
    while start < end:
        # Largest aligned block at `start` that fits before `end`.
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while start + (1 << level) > end:
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Right-to-left fold of a range's subtree hashes into the range's hash."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def range_hash(start: int, end: int, read: HashReader) -> bytes:
    """The RFC hash of leaves [start, end) (non-empty, start aligned as in the RFC)."""
    if end <= start:
        raise TreeRangeError(f"leaf range [{start}, {end}) is empty")
    return _fold([read(level, index) for level, index in subtrees(start, end)])


def tree_root(size: int, read: HashReader) -> bytes:
    """The root of the tree of the first `size` leaves, from complete-subtree hashes."""
    return empty_root() if size == 0 else range_hash(0, size, read)


# --- inclusion proofs ----------------------------------------------------------------


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form PATH(index, D[0:size]), leaf to root."""
    if not 0 <= index < size:
        raise TreeRangeError(f"leaf {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def inclusion_nodes(index: int, size: int) -> list[Node]:
    """Every complete subtree `inclusion_proof(index, size, ...)` will read."""
    return [n for s, e in _inclusion_ranges(index, size) for n in subtrees(s, e)]


def inclusion_proof(index: int, size: int, read: HashReader) -> list[bytes]:
    """The RFC 9162 inclusion proof (audit path) of leaf `index` in the tree of `size`."""
    return [range_hash(s, e, read) for s, e in _inclusion_ranges(index, size)]


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that `proof` implies for leaf hash `leaf` at `index` (RFC 9162 §2.1.3.2).

    Raises `ProofInvalid` if the proof has the wrong shape for (index, size).
    """
    if not 0 <= index < size:
        raise ProofInvalid(f"leaf {index} is not in a tree of size {size}")
    _check_hashes([leaf, *proof])
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofInvalid("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofInvalid("inclusion proof is shorter than the tree is deep")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> None:
    """Check that leaf hash `leaf` is leaf `index` of the tree (`size`, `expected_root`).

    Raises `ProofInvalid` otherwise.
    """
    if root_from_inclusion_proof(index, size, leaf, proof) != expected_root:
        raise ProofInvalid(f"inclusion proof for leaf {index} does not lead to the root")


# --- consistency proofs --------------------------------------------------------------


def _consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form PROOF(old, D[0:new]) (RFC 9162 §2.1.4.1)."""
    if not 0 <= old <= new:
        raise TreeRangeError(f"no consistency proof from size {old} to size {new}")
    if old in (0, new):
        return []
    ranges: list[tuple[int, int]] = []
    lo, hi, m, complete = 0, new, old, True
    # SUBPROOF(m, D[lo:hi], complete), iteratively; ranges collected root-side first.
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def consistency_nodes(old: int, new: int) -> list[Node]:
    """Every complete subtree `consistency_proof(old, new, ...)` will read."""
    return [n for s, e in _consistency_ranges(old, new) for n in subtrees(s, e)]


def consistency_proof(old: int, new: int, read: HashReader) -> list[bytes]:
    """The RFC 9162 consistency proof that the tree of `new` extends the tree of `old`."""
    return [range_hash(s, e, read) for s, e in _consistency_ranges(old, new)]


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that tree (`new`, `new_root`) extends tree (`old`, `old_root`) (§2.1.4.2).

    Raises `ProofInvalid` otherwise, including for `old > new`.
    """
    if not 0 <= old <= new:
        raise ProofInvalid(f"size {new} cannot extend size {old}")
    if old in (0, new):
        _verify_trivial(old, new, old_root, new_root, proof)
        return
    if not proof:
        raise ProofInvalid("consistency proof is empty")
    _check_hashes([old_root, new_root, *proof])
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofInvalid("consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise ProofInvalid(f"consistency proof from size {old} to size {new} does not verify")


def _verify_trivial(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Every tree extends the empty one; a tree extends itself only with equal roots."""
    if proof:
        raise ProofInvalid("consistency proof must be empty for these sizes")
    if old == new and old_root != new_root:
        raise ProofInvalid(f"two different roots for size {old}")


def _check_hashes(hashes: Iterable[bytes]) -> None:
    if any(len(h) != HASH_SIZE for h in hashes):
        raise ProofInvalid(f"a hash in the proof is not {HASH_SIZE} bytes")


# --- compact range -------------------------------------------------------------------


class _CompactState(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    size: int
    hashes: list[bytes]


_state_decoder = msgspec.msgpack.Decoder(_CompactState)


class CompactRange:
    """The right frontier of a growing tree: one hash per set bit of its size.

    `hashes[i]` is the root of the i-th complete subtree of `subtrees(0, size)` (largest
    first), which is all a log needs to append a leaf in O(log n) and give the root.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(hashes) != size.bit_count():
            raise TreeStateInvalid(f"a tree of size {size} has {size.bit_count()} frontier hashes")
        if any(len(h) != HASH_SIZE for h in hashes):
            raise TreeStateInvalid(f"frontier hashes are {HASH_SIZE} bytes")
        self._size = size
        self._hashes = list(hashes)

    @classmethod
    def from_reader(cls, size: int, read: HashReader) -> CompactRange:
        """The frontier of the tree of `size`, read from complete-subtree hashes."""
        return cls(size, [read(level, index) for level, index in subtrees(0, size)])

    @property
    def size(self) -> int:
        """Number of leaves appended."""
        return self._size

    @property
    def hashes(self) -> list[bytes]:
        """The frontier hashes, largest subtree first (a copy)."""
        return list(self._hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Append a leaf hash; return each complete subtree this completes (level, index,
        hash), the leaf itself first, so a store can file them as tiles."""
        if len(leaf) != HASH_SIZE:
            raise TreeStateInvalid(f"a leaf hash is {HASH_SIZE} bytes")
        index = self._size
        done = [(0, index, leaf)]
        h, level = leaf, 0
        # Each trailing 1-bit of the old size is a left sibling that now has its pair.
        while (index >> level) & 1:
            h = node_hash(self._hashes.pop(), h)
            level += 1
            done.append((level, index >> level, h))
        self._hashes.append(h)
        self._size += 1
        return done

    def root(self) -> bytes:
        """The root of the tree so far."""
        return _fold(self._hashes) if self._hashes else empty_root()

    def copy(self) -> CompactRange:
        """An independent copy."""
        return CompactRange(self._size, self._hashes)

    def encode(self) -> bytes:
        """Canonical msgpack bytes of (size, hashes)."""
        return msgspec.msgpack.encode(_CompactState(self._size, self._hashes))

    @classmethod
    def decode(cls, data: bytes) -> CompactRange:
        """The inverse of `encode`; `TreeStateInvalid` for anything else."""
        try:
            state = _state_decoder.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise TreeStateInvalid("tree state does not decode") from exc
        return cls(state.size, state.hashes)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, CompactRange)
            and self._size == other._size
            and self._hashes == other._hashes
        )

    def __hash__(self) -> int:
        return hash((self._size, *self._hashes))

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size})"
