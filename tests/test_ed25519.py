"""Ed25519 through the project's own signing functions: RFC 8032 and edge cases."""

from __future__ import annotations

import hashlib

import pytest

from schemas.keys import SigningKey, verify_signature

# RFC 8032 section 7.1: (secret seed, public key, message, signature), hex.
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
        "39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f"
        "3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67"
        "f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
    (
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        hashlib.sha512(b"abc").hexdigest(),
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfb"
        "c7c66431e0303dca179c138ac17ad9bef1177331a704",
    ),
]

# The order of the Ed25519 base point subgroup.
L = 2**252 + 27742317777372353535851937790883648493


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032)
def test_rfc8032_vectors(seed: str, public: str, message: str, signature: str) -> None:
    """Our signing key derives the RFC's public key, signs to the RFC's signature, verifies it."""
    key = SigningKey(bytes.fromhex(seed))
    assert key.public.hex() == public
    assert key.sign(bytes.fromhex(message)).hex() == signature
    assert verify_signature(bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature))


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032)
def test_rfc8032_other_message_fails(seed: str, public: str, message: str, signature: str) -> None:
    """An RFC signature does not verify for a message with one more byte."""
    assert not verify_signature(
        bytes.fromhex(public), bytes.fromhex(message) + b"\x00", bytes.fromhex(signature)
    )


def test_non_canonical_s_rejected() -> None:
    """S + L (same value mod L) is rejected, so a signature cannot be made malleable."""
    _seed, public, message, signature = RFC8032[0]
    sig = bytes.fromhex(signature)
    s = int.from_bytes(sig[32:], "little") + L
    assert s < 2**256
    forged = sig[:32] + s.to_bytes(32, "little")
    assert not verify_signature(bytes.fromhex(public), bytes.fromhex(message), forged)


@pytest.mark.parametrize(
    "public",
    [
        bytes(32),  # y = 0, a small-order point
        (1).to_bytes(32, "little"),  # the identity element
        bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),  # y = -1
    ],
)
def test_small_order_public_key_rejected(public: bytes) -> None:
    """A small-order public key verifies nothing, whatever the signature."""
    identity_sig = (1).to_bytes(32, "little") + bytes(32)  # R = identity, S = 0
    assert not verify_signature(public, b"any message", identity_sig)


def test_wrong_lengths_rejected() -> None:
    """Truncated signatures and keys are refused without an exception."""
    _seed, public, message, _signature = RFC8032[1]
    assert not verify_signature(bytes.fromhex(public), bytes.fromhex(message), bytes(63))
    assert not verify_signature(bytes.fromhex(public)[:31], bytes.fromhex(message), bytes(64))
