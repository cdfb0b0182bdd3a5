"""RFC 6962 / RFC 9162 Merkle tree hashing and proofs, against published vectors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import tlog
from schemas.tlog import CompactRange, ProofInvalid, TreeStateInvalid

# Leaves, node hashes and roots of the reference tree in transparency-dev/merkle,
# testonly/constants.go (LeafInputs, NodeHashes, RootHashes), the same data as
# google/certificate-transparency's merkle_tree_test.
LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]  # fmt: skip
ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]  # fmt: skip
NODES = [
    [bytes.fromhex(h) for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    )],
    [bytes.fromhex(h) for h in (
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    )],
    [bytes.fromhex(h) for h in (
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    )],
    [bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]  # fmt: skip


def _h(*hexes: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


# Inclusion proofs (leaf index, tree size, path): transparency-dev/merkle
# testonly/reference_test.go TestRefInclusionProof and proof/verify_test.go
# inclusionProofs (which count leaves from 1; converted to 0-based here).
INCLUSION = [
    (0, 1, []),
    (0, 2, _h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7")),
    (1, 2, _h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")),
    (2, 3, _h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (1, 5, _h(
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    )),
    (0, 8, _h(
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    )),
    (5, 8, _h(
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    )),
]  # fmt: skip

# Consistency proofs (old size, new size, proof): transparency-dev/merkle
# testonly/reference_test.go TestRefConsistencyProof and proof/verify_test.go
# consistencyProofs.
CONSISTENCY = [
    (1, 1, []),
    (1, 8, _h(
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    )),
    (2, 5, _h(
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    )),
    (6, 8, _h(
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    )),
    (6, 7, _h(
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    )),
]  # fmt: skip


def _reader(leaf_hashes: list[bytes]) -> tlog.HashReader:
    """A complete-subtree reader over an in-memory list of leaf hashes."""

    def read(level: int, index: int) -> bytes:
        width = 1 << level
        chunk = leaf_hashes[index * width : (index + 1) * width]
        assert len(chunk) == width, (level, index)
        return tlog.root(chunk)

    return read


LEAF_HASHES = [tlog.leaf_hash(leaf) for leaf in LEAVES]
READ = _reader(LEAF_HASHES)


def test_roots_match_reference_for_every_size() -> None:
    """Roots of sizes 0..8 equal the published ones, by recursion and by compact range."""
    compact = CompactRange()
    assert compact.root() == ROOTS[0] == tlog.empty_root()
    for n in range(1, 9):
        compact.append(LEAF_HASHES[n - 1])
        assert tlog.root(LEAF_HASHES[:n]) == ROOTS[n]
        assert compact.root() == ROOTS[n]
        assert tlog.tree_root(n, READ) == ROOTS[n]


def test_complete_subtree_hashes_match_reference() -> None:
    """Every complete subtree of the 8-leaf tree hashes to the published node hash."""
    for level, row in enumerate(NODES):
        for index, expected in enumerate(row):
            assert READ(level, index) == expected


def test_append_reports_the_subtrees_it_completes() -> None:
    """Appending leaf 7 completes the leaf and the nodes at levels 1, 2 and 3."""
    compact = CompactRange()
    for leaf in LEAF_HASHES[:7]:
        compact.append(leaf)
    done = compact.append(LEAF_HASHES[7])
    assert done == [(0, 7, NODES[0][7]), (1, 3, NODES[1][3]), (2, 1, NODES[2][1]),
                    (3, 0, NODES[3][0])]  # fmt: skip


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_reference(index: int, size: int, path: list[bytes]) -> None:
    """Generated inclusion proofs equal the published ones and verify."""
    assert tlog.inclusion_proof(index, size, READ) == path
    tlog.verify_inclusion(index, size, LEAF_HASHES[index], path, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_match_reference(old: int, new: int, path: list[bytes]) -> None:
    """Generated consistency proofs equal the published ones and verify."""
    assert tlog.consistency_proof(old, new, READ) == path
    tlog.verify_consistency(old, new, ROOTS[old], ROOTS[new], path)


@pytest.mark.parametrize(("index", "size", "path"), [v for v in INCLUSION if v[2]])
def test_corrupted_inclusion_proofs_fail(index: int, size: int, path: list[bytes]) -> None:
    """The corruptions of transparency-dev's verify_test (index, size, leaf, root,
    appended/prepended/flipped/removed hashes) are each rejected."""
    leaf, root = LEAF_HASHES[index], ROOTS[size]
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    probes = [
        (index - 1, size, leaf, root, path), (index + 1, size, leaf, root, path),
        (index ^ 2, size, leaf, root, path), (index, size * 2, leaf, root, path),
        (index, size // 2, leaf, root, path), (index, size, some, root, path),
        (index, size, leaf, tlog.empty_root(), path), (index, size, leaf, some, path),
        (index, size, leaf, root, [*path, root]), (index, size, leaf, root, [root, *path]),
        (index, size, leaf, root, path[:-1]), (index, size, leaf, root, [*path, b""]),
    ]  # fmt: skip
    for i in range(len(path)):
        flipped = list(path)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((index, size, leaf, root, flipped))
    for p_index, p_size, p_leaf, p_root, p_path in probes:
        with pytest.raises(ProofInvalid):
            tlog.verify_inclusion(p_index, p_size, p_leaf, p_path, p_root)


@pytest.mark.parametrize(("old", "new", "path"), [v for v in CONSISTENCY if v[2]])
def test_corrupted_consistency_proofs_fail(old: int, new: int, path: list[bytes]) -> None:
    """The corruptions of transparency-dev's verify_test (sizes, roots, swapped roots,
    empty, appended, prepended, truncated and flipped proofs) are each rejected."""
    r1, r2 = ROOTS[old], ROOTS[new]
    wrong = tlog.leaf_hash(b"WrongRoot")
    probes = [
        (old - 1, new, r1, r2, path), (old + 1, new, r1, r2, path),
        (old ^ 2, new, r1, r2, path), (old, new * 2, r1, r2, path),
        (old, new // 2, r1, r2, path), (old, new, wrong, r2, path),
        (old, new, r1, wrong, path), (old, new, r2, r1, path), (old, new, r1, r2, []),
        (old, new, r1, r2, [*path, b""]), (old, new, r1, r2, [*path, r1]),
        (old, new, r1, r2, [*path, r2]), (old, new, r1, r2, [b"", *path]),
        (old, new, r1, r2, [r1, *path]), (old, new, r1, r2, [r2, *path]),
        (old, new, r1, r2, [path[0], *path]), (old, new, r1, r2, path[:-1]),
    ]  # fmt: skip
    for i in range(len(path)):
        flipped = list(path)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((old, new, r1, r2, flipped))
    for p_old, p_new, p_r1, p_r2, p_path in probes:
        if p_old == p_new and p_r1 == p_r2 and not p_path:
            continue  # a tree is trivially consistent with itself
        with pytest.raises(ProofInvalid):
            tlog.verify_consistency(p_old, p_new, p_r1, p_r2, p_path)


def test_trivial_consistency_cases() -> None:
    """Size 0 extends to anything with an empty proof; equal sizes need equal roots."""
    tlog.verify_consistency(0, 5, ROOTS[0], ROOTS[5], [])
    tlog.verify_consistency(3, 3, ROOTS[3], ROOTS[3], [])
    with pytest.raises(ProofInvalid):
        tlog.verify_consistency(3, 3, ROOTS[3], ROOTS[4], [])
    with pytest.raises(ProofInvalid):
        tlog.verify_consistency(0, 1, ROOTS[0], ROOTS[1], [ROOTS[0]])
    with pytest.raises(ProofInvalid):
        tlog.verify_consistency(2, 1, ROOTS[2], ROOTS[1], [])


def test_compact_range_round_trips_and_rejects_garbage() -> None:
    """A serialised compact range decodes to the same state; junk is TreeStateInvalid."""
    compact = CompactRange()
    for leaf in LEAF_HASHES[:7]:
        compact.append(leaf)
    again = CompactRange.decode(compact.encode())
    assert again == compact
    assert again.root() == ROOTS[7]
    assert CompactRange.from_reader(7, READ) == compact
    with pytest.raises(TreeStateInvalid):
        CompactRange.decode(b"\x92\x03\x90")  # size 3 with no hashes
    with pytest.raises(TreeStateInvalid):
        CompactRange.decode(b"not msgpack")


def test_subtrees_decompose_ranges() -> None:
    """[0, 7) is 4+2+1; [4, 7) is 2+1; an aligned block is one subtree."""
    assert tlog.subtrees(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert tlog.subtrees(4, 7) == [(1, 2), (0, 6)]
    assert tlog.subtrees(8, 16) == [(3, 1)]
    assert tlog.subtrees(5, 5) == []


_sizes = st.integers(min_value=1, max_value=70)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), size=_sizes)
def test_every_inclusion_proof_verifies_and_tampering_fails(data: st.DataObject, size: int) -> None:
    """For any tree, each generated inclusion proof verifies, and fails when the leaf,
    a proof hash or the index changes, or the size doubles (a size of equal shape, such
    as 3 and 4 for leaf 0, has the same path: the root is what pins the size)."""
    leaves = [tlog.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    read, root = _reader(leaves), tlog.root(leaves)
    index = data.draw(st.integers(0, size - 1))
    proof = tlog.inclusion_proof(index, size, read)
    assert set(tlog.inclusion_nodes(index, size)) <= {
        (level, i) for level in range(8) for i in range(size >> level)
    }
    tlog.verify_inclusion(index, size, leaves[index], proof, root)
    with pytest.raises(ProofInvalid):
        tlog.verify_inclusion(index, size, tlog.leaf_hash(b"other"), proof, root)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
        with pytest.raises(ProofInvalid):
            tlog.verify_inclusion(index, size, leaves[index], bad, root)
    other_index = (
        data.draw(st.integers(0, size - 1).filter(lambda i: i != index)) if size > 1 else 1
    )
    with pytest.raises(ProofInvalid):
        tlog.verify_inclusion(other_index, size, leaves[index], proof, root)
    with pytest.raises(ProofInvalid):
        tlog.verify_inclusion(index, size * 2, leaves[index], proof, root)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), new=_sizes)
def test_every_consistency_proof_verifies_and_tampering_fails(
    data: st.DataObject, new: int
) -> None:
    """For any two sizes, the generated consistency proof verifies, and fails when a
    root, a proof hash or the old size changes, or the new size doubles."""
    leaves = [tlog.leaf_hash(i.to_bytes(4, "big")) for i in range(new)]
    read = _reader(leaves)
    old = data.draw(st.integers(1, new))
    r1, r2 = tlog.root(leaves[:old]), tlog.root(leaves)
    proof = tlog.consistency_proof(old, new, read)
    tlog.verify_consistency(old, new, r1, r2, proof)
    if old == new:
        assert proof == []
        return
    with pytest.raises(ProofInvalid):
        tlog.verify_consistency(old, new, tlog.leaf_hash(b"x"), r2, proof)
    with pytest.raises(ProofInvalid):
        tlog.verify_consistency(old, new, r1, tlog.leaf_hash(b"x"), proof)
    k = data.draw(st.integers(0, len(proof) - 1))
    bad = list(proof)
    bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
    with pytest.raises(ProofInvalid):
        tlog.verify_consistency(old, new, r1, r2, bad)
    other = data.draw(st.integers(1, new).filter(lambda s: s != old))
    with pytest.raises(ProofInvalid):
        tlog.verify_consistency(other, new, r1, r2, proof)
    with pytest.raises(ProofInvalid):
        tlog.verify_consistency(old, new * 2, r1, r2, proof)


def test_roots_at_is_the_rfc_root_of_every_prefix() -> None:
    """The one-pass fold a verifier uses gives the RFC's recursive root at every size,
    for every set of sizes at once, and refuses sizes out of order or past the end."""
    leaves = [tlog.leaf_hash(i.to_bytes(2, "big")) for i in range(70)]
    sizes = list(range(71))
    assert tlog.roots_at(leaves, sizes) == [tlog.root(leaves[:n]) for n in sizes]
    assert tlog.roots_at(leaves, [5, 5, 64]) == [tlog.root(leaves[:n]) for n in (5, 5, 64)]
    with pytest.raises(tlog.TreeRangeError):
        tlog.roots_at(leaves, [10, 9])
    with pytest.raises(tlog.TreeRangeError):
        tlog.roots_at(leaves, [71])
