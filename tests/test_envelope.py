"""Sealing and opening envelopes, and the attacks on them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import _crypto
from schemas.envelope import (
    MAX_BODY_BYTES,
    MAX_ENVELOPE_BYTES,
    MIN_PADDED,
    open_envelope,
    padme,
    parse,
    seal,
)
from schemas.errors import (
    InnerSignatureInvalid,
    Malformed,
    NotARecipient,
    OuterSignatureInvalid,
    ProtocolError,
    Tampered,
    TooLarge,
    UnknownAuthority,
    UnknownKey,
    WrongKey,
)
from schemas.keys import AuthorityKeys, SigningKey
from schemas.kinds import CaseReferral, encode_message
from schemas.minimise import LinkageKey, minimise
from schemas.records import Disclosure, PersonIdentity, Victim
from schemas.wire import Binding, Recipient

from . import forge
from .support import T0, World
from .test_kinds import EXAMPLES

SUMMARY = "Victim V1 was moved from Lagos to Turin via Agadez and exploited in a salon."


@pytest.fixture(scope="module")
def world() -> World:
    w = World()
    for name in ("ng-naptip", "it-dna", "gb-nca", "fr-ocrteh"):
        w.add(name)
    return w


def body(summary: str = SUMMARY) -> CaseReferral:
    return CaseReferral(summary=summary, victims=[Victim(ref="V1", sex="female")])


def seal_to(world: World, *names: str, **kw: Any) -> bytes:
    return seal(
        kw.pop("message", body()),
        sender=world.keys["ng-naptip"],
        recipients=[world.keys[n].recipient for n in names],
        created_ms=T0,
        **kw,
    ).data


def open_as(world: World, data: bytes, name: str, keys: AuthorityKeys | None = None) -> Any:
    return open_envelope(
        data,
        recipient=keys or world.keys[name],
        resolve=world.directory().signing_key,
        accepted_ms=T0 + 1000,
    )


def header_of(data: bytes) -> list[Any]:
    header: bytes = msgspec.msgpack.decode(data, type=list[Any])[0]
    return msgspec.msgpack.decode(header, type=list[Any])


def test_round_trip_one_recipient(world: World) -> None:
    """The recipient gets back the body, and the binding says who, what and when."""
    data = seal_to(world, "it-dna", handling="H2", priority="urgent")
    opened = open_as(world, data, "it-dna")
    assert opened.body == body()
    b = opened.binding
    assert (b.sender, b.kind, b.handling, b.priority) == (
        "ng-naptip",
        "case_referral",
        "H2",
        "urgent",
    )
    assert [r.authority for r in b.recipients] == ["it-dna"]
    assert b.victim_level == "pseudonymised"
    assert opened.hash == _crypto.blake2b(data)


def test_fifty_recipients_each_open(world: World) -> None:
    """A message to 50 authorities opens for each of them and for nobody else."""
    many = World(root=world.root)
    names = [f"xx-a{i}" for i in range(50)]
    for name in [*names, "ng-naptip", "fr-ocrteh"]:
        many.add(name)
    data = seal_to(many, *names)
    directory = many.directory()
    for name in names:
        opened = open_envelope(
            data, recipient=many.keys[name], resolve=directory.signing_key, accepted_ms=T0
        )
        assert opened.body == body()
    with pytest.raises(NotARecipient):
        open_envelope(
            data, recipient=many.keys["fr-ocrteh"], resolve=directory.signing_key, accepted_ms=T0
        )


def test_seal_matches_spec_assembly(world: World) -> None:
    """`seal` emits exactly the bytes an independent, spec-following assembly makes."""
    draws: list[bytes] = []

    def rng(n: int) -> bytes:
        draws.append(_crypto.blake2b(len(draws).to_bytes(4, "big"), size=n))
        return draws[-1]

    eph = [bytes([7]) * 32, bytes([8]) * 32]
    sealed = seal(
        body(),
        sender=world.keys["ng-naptip"],
        recipients=[world.keys["it-dna"].recipient, world.keys["gb-nca"].recipient],
        created_ms=T0,
        random=rng,
        ephemeral_seeds=eph,
    )
    assert sealed.binding.key_commitment == forge.commitment(draws[0])
    again = forge.assemble(
        sealed.binding,
        encode_message(body()),
        content_key=draws[0],
        recipients_public=[
            world.keys["it-dna"].encryption.public,
            world.keys["gb-nca"].encryption.public,
        ],
        inner_signer=world.keys["ng-naptip"].signing,
        outer_signer=world.keys["ng-naptip"].signing,
        ephemeral_seeds=eph,
    )
    assert again == sealed.data


def test_message_ids_unique(world: World) -> None:
    """Every seal draws a fresh message id and content key."""
    bindings = [parse(seal_to(world, "it-dna")).binding for _ in range(20)]
    assert len({b.message_id for b in bindings}) == 20
    assert len({b.key_commitment for b in bindings}) == 20


def test_non_recipient_cannot_open(world: World) -> None:
    """An authority not in the recipient list gets NotARecipient."""
    data = seal_to(world, "it-dna", "gb-nca")
    with pytest.raises(NotARecipient, match="fr-ocrteh is not a recipient"):
        open_as(world, data, "fr-ocrteh")


def test_recipient_with_other_key_cannot_open(world: World) -> None:
    """A recipient holding a different encryption key than the one sealed to gets WrongKey."""
    data = seal_to(world, "it-dna")
    rotated = AuthorityKeys.generate("it-dna")
    with pytest.raises(WrongKey, match="was sealed to key"):
        open_as(world, data, "it-dna", keys=rotated)


def _regions(data: bytes) -> dict[str, range]:
    """Byte ranges of the envelope's parts (header, signature, wrapped key, ciphertext)."""
    header, signature, ciphertext = msgspec.msgpack.decode(data, type=tuple[bytes, bytes, bytes])
    h_start = data.index(header)
    s_start = data.index(signature, h_start + len(header))
    c_start = len(data) - len(ciphertext)
    wrapped = header_of(data)[1][0]
    w_start = h_start + header.index(wrapped)
    return {
        "header": range(h_start, h_start + len(header)),
        "wrapped_key": range(w_start, w_start + len(wrapped)),
        "signature": range(s_start, s_start + 64),
        "ciphertext": range(c_start, len(data)),
    }


def test_every_single_byte_flip_is_rejected(world: World) -> None:
    """Flipping any one byte anywhere is rejected, with the error its region calls for."""
    data = seal_to(world, "it-dna")
    regions = _regions(data)
    directory = world.directory()
    expected: dict[str, tuple[type[ProtocolError], ...]] = {
        "wrapped_key": (OuterSignatureInvalid,),
        "signature": (OuterSignatureInvalid,),
        "ciphertext": (Tampered,),
        # Binding and header fields: decoding fails, the signature fails, or a changed
        # sender / key id is unknown to the directory.
        "header": (Malformed, OuterSignatureInvalid, UnknownKey, UnknownAuthority),
        "framing": (Malformed, TooLarge),
    }
    counts: dict[str, int] = dict.fromkeys(expected, 0)
    for index in range(len(data)):
        region = next(
            (
                name
                for name in ("wrapped_key", "signature", "ciphertext", "header")
                if index in regions[name]
            ),
            "framing",
        )
        tampered = data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]
        with pytest.raises(expected[region]):
            open_envelope(
                tampered,
                recipient=world.keys["it-dna"],
                resolve=directory.signing_key,
                accepted_ms=T0,
            )
        counts[region] += 1
    assert counts["ciphertext"] >= MIN_PADDED
    assert counts["wrapped_key"] == 80
    assert counts["signature"] == 64


def test_edited_recipient_list_fails(world: World) -> None:
    """Removing a recipient from the signed binding breaks the outer signature."""
    data = seal_to(world, "it-dna", "gb-nca")
    _header, signature, ciphertext = msgspec.msgpack.decode(data, type=tuple[bytes, bytes, bytes])
    h = header_of(data)
    b = msgspec.msgpack.decode(h[0], type=Binding)
    h[0] = forge.enc.encode(msgspec.structs.replace(b, recipients=b.recipients[:1]))
    h[1] = h[1][:1]
    edited = forge.enc.encode([forge.enc.encode(h), signature, ciphertext])
    with pytest.raises(OuterSignatureInvalid):
        open_as(world, edited, "it-dna")


def test_recipient_cannot_rewrap_to_third_party(world: World) -> None:
    """A recipient that re-wraps the content key to a third party, signing as itself,
    cannot make the third party accept the sender's message."""
    draws: list[bytes] = []

    def rng(n: int) -> bytes:
        draws.append(_crypto.random_bytes(n))
        return draws[-1]

    sealed = seal(
        body(),
        sender=world.keys["ng-naptip"],
        recipients=[world.keys["it-dna"].recipient],
        created_ms=T0,
        random=rng,
    )
    content_key = draws[0]  # what it-dna learns on opening
    inner_body = encode_message(open_as(world, sealed.data, "it-dna").body)
    it = world.keys["it-dna"]
    fr = world.keys["fr-ocrteh"]

    # 1. Keep the sender's binding and inner signature, add fr-ocrteh, re-sign as it-dna.
    as_sender = msgspec.structs.replace(
        sealed.binding, recipients=[Recipient("fr-ocrteh", fr.encryption.key_id)]
    )
    forged = forge.assemble(
        as_sender,
        inner_body,
        content_key=content_key,
        recipients_public=[fr.encryption.public],
        inner_signer=it.signing,
        outer_signer=it.signing,
    )
    with pytest.raises(OuterSignatureInvalid):
        open_as(world, forged, "fr-ocrteh")

    # 2. Claim to be the sender itself but pass on the original ciphertext: the binding
    #    (associated data) changed, so the payload no longer opens.
    as_itself = msgspec.structs.replace(as_sender, sender="it-dna", sender_key_id=it.signing.key_id)
    _header, _sig, ciphertext = msgspec.msgpack.decode(sealed.data, type=tuple[bytes, bytes, bytes])
    h = forge.enc.encode(
        [
            forge.enc.encode(as_itself),
            [_crypto.seal_to(fr.encryption.public, content_key)],
            _crypto.blake2b(ciphertext),
            len(ciphertext) - 16,
        ]
    )
    rewrapped = forge.enc.encode([h, it.signing.sign(b"palermo/outer/v1" + h), ciphertext])
    with pytest.raises(Tampered, match="does not decrypt"):
        open_as(world, rewrapped, "fr-ocrteh")


def test_key_commitment_stops_split_keys(world: World) -> None:
    """A sender who wraps an uncommitted key to one recipient is caught by that recipient."""
    sender = world.keys["ng-naptip"]
    it, gb = world.keys["it-dna"], world.keys["gb-nca"]
    key = _crypto.random_bytes(32)
    other = _crypto.random_bytes(32)
    binding = parse(seal_to(world, "it-dna", "gb-nca")).binding
    binding = msgspec.structs.replace(binding, key_commitment=forge.commitment(key))
    data = forge.assemble(
        binding,
        encode_message(body()),
        content_key=key,
        recipients_public=[it.encryption.public, gb.encryption.public],
        inner_signer=sender.signing,
        outer_signer=sender.signing,
        wrapped_content_keys=[key, other],
    )
    assert open_as(world, data, "it-dna").body == body()
    with pytest.raises(Tampered, match="key commitment"):
        open_as(world, data, "gb-nca")


def test_inner_signature_by_other_key(world: World) -> None:
    """A valid outer signature does not excuse an inner signature by another key."""
    sender = world.keys["ng-naptip"]
    it = world.keys["it-dna"]
    key = _crypto.random_bytes(32)
    binding = parse(seal_to(world, "it-dna")).binding
    binding = msgspec.structs.replace(binding, key_commitment=forge.commitment(key))
    data = forge.assemble(
        binding,
        encode_message(body()),
        content_key=key,
        recipients_public=[it.encryption.public],
        inner_signer=SigningKey.generate(),
        outer_signer=sender.signing,
    )
    with pytest.raises(InnerSignatureInvalid):
        open_as(world, data, "it-dna")


def test_truncations_are_malformed(world: World) -> None:
    """Every proper prefix of an envelope is rejected as Malformed."""
    data = seal_to(world, "it-dna")
    for cut in range(len(data)):
        with pytest.raises(Malformed):
            parse(data[:cut])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_raise_only_protocol_errors(data: bytes) -> None:
    """Random input never escapes as anything but our own Malformed."""
    with pytest.raises(Malformed):
        parse(data)


def test_oversized_body_refused(world: World) -> None:
    """A body over the inline cap is refused with TooLarge, naming the cap."""
    big = body("x" * (MAX_BODY_BYTES + 1))
    with pytest.raises(TooLarge, match="inline cap"):
        seal_to(world, "it-dna", message=big)
    with pytest.raises(TooLarge, match="over the"):
        parse(bytes(400 * 1024))


def test_seal_writes_the_canonical_body(world: World) -> None:
    """A body whose default was built at run time is sealed canonically, so it opens."""
    routine = "".join(["rou", "tine"])
    message = CaseReferral(summary=SUMMARY, urgency=routine)  # type: ignore[arg-type]
    opened = open_as(world, seal_to(world, "it-dna", message=message), "it-dna")
    assert opened.body == CaseReferral(summary=SUMMARY)
    assert opened.body_bytes == encode_message(CaseReferral(summary=SUMMARY))


def test_open_refuses_a_body_over_the_cap(world: World) -> None:
    """A sender that skips seal's size check is refused on open: `TooLarge`."""
    sender, it = world.keys["ng-naptip"], world.keys["it-dna"]
    key = _crypto.random_bytes(32)
    binding = parse(seal_to(world, "it-dna")).binding
    binding = msgspec.structs.replace(binding, key_commitment=forge.commitment(key))
    big = forge.pack({"kind": "case_referral", "summary": "x" * (MAX_BODY_BYTES + 1)})
    data = forge.assemble(
        binding,
        big,
        content_key=key,
        recipients_public=[it.encryption.public],
        inner_signer=sender.signing,
        outer_signer=sender.signing,
    )
    assert len(data) < MAX_ENVELOPE_BYTES
    with pytest.raises(TooLarge, match=f"body is {len(big)} bytes, over the {MAX_BODY_BYTES}"):
        open_as(world, data, "it-dna")


def test_body_outside_schema_refused_at_seal(world: World) -> None:
    """A sender cannot seal a body its recipients would reject (here a 20,001-char summary)."""
    with pytest.raises(Malformed, match="summary"):
        seal_to(world, "it-dna", message=body("x" * 20_001))


def test_padding_hides_small_lengths(world: World) -> None:
    """Bodies of different small sizes give ciphertexts of one size."""
    sizes = {
        len(parse(seal_to(world, "it-dna", message=body("a" * n))).envelope.ciphertext)
        for n in (1, 20, 60, 100)
    }
    assert len(sizes) == 1


@pytest.mark.parametrize("length", [1, 256, 257, 1000, 4096, 65_537, 262_144])
def test_padme_bounds(length: int) -> None:
    """PADMÉ never shrinks, stays within 12 % overhead, agrees with the spec's loop form."""
    padded = padme(length)
    assert padded >= length
    assert padded == forge.padded_size(length)
    if length > MIN_PADDED:
        assert padded <= length * 1.12


def test_victim_identity_minimised_before_sealing(world: World) -> None:
    """A victim's names and numbers never reach the recipient without a disclosure."""
    victim = Victim(
        ref="V1",
        identity=PersonIdentity(
            names=["Blessing Okafor"], date_of_birth=dt.date(2007, 3, 12), phones=["+2348035550199"]
        ),
    )
    message = CaseReferral(summary=SUMMARY, victims=[victim])
    data = seal_to(world, "it-dna", message=message, linkage_key=LinkageKey.generate())
    opened = open_as(world, data, "it-dna")
    received = opened.body.victims[0]
    assert received.identity is None
    assert {p.kind for p in received.pseudonyms} >= {"name", "date_of_birth", "phone"}
    assert received.age_band == "18-24"
    assert opened.binding.victim_level == "pseudonymised"


def test_disclosure_travels_with_its_legal_basis(world: World) -> None:
    """An explicit disclosure keeps the identity, marks the binding `disclosed` and names
    the legal basis there (for policy and audit); its reference stays encrypted."""
    victim = Victim(ref="V1", identity=PersonIdentity(names=["Blessing Okafor"]))
    message = CaseReferral(summary=SUMMARY, victims=[victim])
    disclosure = Disclosure(legal_basis="court_order", reference="Tribunale di Torino 123/26")
    data = seal_to(
        world, "it-dna", message=message, linkage_key=LinkageKey.generate(), disclosure=disclosure
    )
    opened = open_as(world, data, "it-dna")
    assert opened.binding.victim_level == "disclosed"
    assert opened.binding.legal_basis == "court_order"
    assert opened.body.victims[0].identity == victim.identity
    assert b"Tribunale" not in parse(data).envelope.header


def test_legal_basis_without_disclosure_is_malformed(world: World) -> None:
    """A binding naming a legal basis while not `disclosed` is refused before anything else."""
    sender, it = world.keys["ng-naptip"], world.keys["it-dna"]
    key = _crypto.random_bytes(32)
    binding = parse(seal_to(world, "it-dna")).binding
    binding = msgspec.structs.replace(
        binding, legal_basis="court_order", key_commitment=forge.commitment(key)
    )
    data = forge.assemble(
        binding,
        encode_message(body()),
        content_key=key,
        recipients_public=[it.encryption.public],
        inner_signer=sender.signing,
        outer_signer=sender.signing,
    )
    with pytest.raises(Malformed, match="legal basis"):
        parse(data)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_every_kind_seals_and_opens(world: World, kind: str) -> None:
    """Each message kind's realistic example passes minimisation, seals, and opens to
    exactly the minimised body."""
    key = LinkageKey(bytes(range(32)))
    data = seal_to(world, "it-dna", message=EXAMPLES[kind], linkage_key=key)
    opened = open_as(world, data, "it-dna")
    assert opened.binding.kind == kind
    today = dt.datetime.fromtimestamp(T0 / 1000, dt.UTC).date()
    expected, level = minimise(EXAMPLES[kind], linkage_key=key, today=today)
    assert opened.body == expected
    assert opened.binding.victim_level == level
