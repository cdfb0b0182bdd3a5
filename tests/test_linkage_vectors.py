"""Replay of the committed name-encoding vectors (tests/vectors/linkage.json).

Positions, the permutation and the encoded bytes are recomputed here straight from the
formulas of docs/minimisation.md, not through `schemas.minimise.linkage`, so a wrong
specification or a wrong implementation both fail.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from schemas import _crypto
from schemas.minimise import LinkageKey
from schemas.minimise import linkage as lk
from schemas.minimise.normalise import fold, tokens
from schemas.minimise.translit import skeleton, to_latin

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "linkage.json").read_text(encoding="utf-8")
)
M = 1024
K = 10


def _positions(key: bytes, part: str, gram: str) -> list[int]:
    data = b"palermo/clk/v1\x00" + part.encode() + b"\x00" + gram.encode()
    digest = _crypto.blake2b(data, size=32, key=key)
    return [int.from_bytes(digest[2 * i : 2 * i + 2], "little") % M for i in range(K)]


@functools.cache
def _permutation(key: bytes, part: str) -> list[int]:
    perm = list(range(2 * M))
    for i in range(2 * M - 1, 0, -1):
        data = b"palermo/clk-permutation/v1\x00" + part.encode() + b"\x00" + i.to_bytes(2, "little")
        j = int.from_bytes(_crypto.blake2b(data, size=32, key=key)[:4], "little") % (i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def _encode(key: bytes, part: str, filter_bytes: bytes) -> bytes:
    def bit(data: bytes, p: int) -> int:
        return data[p // 8] >> (p % 8) & 1

    balanced = [bit(filter_bytes, p) for p in range(M)]
    balanced += [1 - b for b in balanced]
    out = bytearray(2 * M // 8)
    for i, source in enumerate(_permutation(key, part)):
        out[i // 8] |= balanced[source] << (i % 8)
    return bytes(out)


def test_parameters_are_the_documented_ones() -> None:
    """Scheme clk1: 1024-bit filters, 10 positions per bigram, the two labels."""
    assert VECTORS["unicode_version"] == "14.0.0"
    assert (VECTORS["scheme"], VECTORS["filter_bits"], VECTORS["hashes"]) == ("clk1", M, K)
    assert (lk.FILTER_BITS, lk.HASHES) == (M, K)
    assert VECTORS["qgram_label"] == "palermo/clk/v1"
    assert VECTORS["permutation_label"] == "palermo/clk-permutation/v1"


@pytest.mark.parametrize("entry", VECTORS["transliterations"], ids=lambda e: e["token"])
def test_transliteration(entry: dict[str, str]) -> None:
    """Each folded token has the recorded Latin form and skeleton."""
    assert to_latin(entry["token"]) == entry["latin"]
    assert skeleton(entry["token"]) == entry["skeleton"]


@pytest.mark.parametrize("entry", VECTORS["keys"], ids=lambda e: e["key_id_hex"])
def test_permutation(entry: dict[str, Any]) -> None:
    """The keyed permutation recomputed from the formula has the recorded head and hash."""
    key = bytes.fromhex(entry["key_hex"])
    assert LinkageKey(key).key_id.hex() == entry["key_id_hex"]
    for part, recorded in entry["permutations"].items():
        perm = _permutation(key, part)
        assert sorted(perm) == list(range(2 * M))
        assert perm[:16] == recorded["head"]
        packed = b"".join(i.to_bytes(2, "little") for i in perm)
        assert _crypto.blake2b(packed, size=32).hex() == recorded["blake2b_hex"]


@pytest.mark.parametrize(
    "entry",
    VECTORS["names"],
    ids=[f"{e['script']}-{i}" for i, e in enumerate(VECTORS["names"])],
)
def test_name(entry: dict[str, Any]) -> None:
    """Tokens, Latin forms, skeletons, bigrams, positions, filters and encoded bytes."""
    key = bytes.fromhex(entry["key_hex"])
    name = entry["input"]
    assert tokens(fold(name)) == entry["folded_tokens"]
    assert lk.name_tokens(name) == entry["encoded_tokens"]
    assert [to_latin(t) for t in entry["encoded_tokens"]] == entry["latin"]
    assert [skeleton(t) for t in entry["encoded_tokens"]] == entry["skeletons"]
    assert lk.bigrams(entry["latin"]) == entry["full_bigrams"]
    assert lk.bigrams(s for s in entry["skeletons"] if s) == entry["skeleton_bigrams"]
    encoding = lk.encode_name(LinkageKey(key), name)
    assert encoding is not None
    for part in lk.PARTS:
        positions = [_positions(key, part, g) for g in entry[f"{part}_bigrams"]]
        assert positions == entry[f"{part}_positions"]
        bits = 0
        for p in (p for group in positions for p in group):
            bits |= 1 << p
        filter_bytes = bits.to_bytes(M // 8, "little")
        assert filter_bytes.hex() == entry[f"{part}_filter_hex"]
        recorded = entry[f"{part}_encoded_hex"]
        if part == "full" and not entry["has_full"]:
            assert recorded is None
            assert encoding.full is None
            continue
        assert _encode(key, part, filter_bytes).hex() == recorded
        made = encoding.full if part == "full" else encoding.skeleton
        assert made is not None
        assert made.hex() == recorded


@pytest.mark.parametrize("entry", VECTORS["pairs"], ids=lambda e: f"{e['a']}|{e['b']}")
def test_pair_similarity(entry: dict[str, Any]) -> None:
    """Dice, overlap and the combined similarity of recorded pairs of names."""
    key = LinkageKey(bytes.fromhex(entry["key_hex"]))
    filters = []
    for name in (entry["a"], entry["b"]):
        full = lk.filter_bits(key, "full", name) if not lk.is_arabic(name) else None
        filters.append((lk.filter_bits(key, "skeleton", name), full))
    a, b = filters
    assert lk.dice(a[0], b[0]) == pytest.approx(entry["skeleton_dice"])
    assert lk.overlap(a[0], b[0]) == pytest.approx(entry["skeleton_overlap"])
    if entry["full_dice"] is not None:
        assert a[1] is not None
        assert b[1] is not None
        assert lk.dice(a[1], b[1]) == pytest.approx(entry["full_dice"])
        assert lk.overlap(a[1], b[1]) == pytest.approx(entry["full_overlap"])
    assert lk.pair_similarity(a, b) == pytest.approx(entry["similarity"])


def test_cross_script_vectors_are_similar() -> None:
    """The recorded cross-script pairs are above the name floor; the unrelated pair is
    far below it."""
    by_pair = {(e["a"], e["b"]): e["similarity"] for e in VECTORS["pairs"]}
    assert by_pair[("Каримова Дильноза Рустамовна", "Karimova Dilnoza")] > 0.95
    assert by_pair[("فاطمة الزهراء", "Fatima Al-Zahra")] > lk.NAME_FLOOR
    assert by_pair[("OKAFOR, Blessing", "Maria Silva")] < 0.4
