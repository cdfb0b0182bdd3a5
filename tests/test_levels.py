"""The victim-identifier level rule: what a body may hold at the level its binding
declares, checked on bodies `seal` makes and on bodies a sender assembled itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest

from schemas import _crypto
from schemas.envelope import open_envelope, seal
from schemas.errors import DisclosureInvalid
from schemas.kinds import CaseReferral, MlaResponse, encode_message
from schemas.kinds.common import AttachmentDescriptor
from schemas.levels import DisclosureMismatch, VictimLevelExceeded, check_level, needed_level
from schemas.minimise import LinkageKey
from schemas.records import Disclosure, PersonIdentity, Pseudonym, Victim, VictimLevel, Witness
from schemas.wire import Binding, Recipient

from . import forge
from .support import T0, World

IDENTITY = PersonIdentity(
    names=["Blessing Okafor"], date_of_birth=dt.date(2004, 3, 1), phones=["+234 803 555 0199"]
)
PSEUDONYM = Pseudonym(kind="name", key_id=bytes(8), value=bytes(16))


def attachment(level: VictimLevel) -> AttachmentDescriptor:
    """An attachment descriptor declaring `level`."""
    return AttachmentDescriptor(
        object_id=bytes(range(16)), key=bytes(32), file_name="statement.mp4",
        media_type="video/mp4", size=1, digest_algorithm="sha256", digest=bytes(32),
        victim_level=level,
    )  # fmt: skip


def binding(level: VictimLevel) -> Binding:
    """A binding whose only relevant field is `victim_level`."""
    return Binding(1, bytes(16), "case_referral", "ng-naptip", bytes(16),
                   [Recipient("it-dna", bytes(16))], bytes(16), 0, None, 1, 2, "routine", "H0",
                   level, "court_order" if level == "disclosed" else None, [], None, None,
                   bytes(32))  # fmt: skip


@pytest.mark.parametrize(
    ("body", "needed", "where"),
    [
        (CaseReferral(summary="Routes through Agadez."), "none", ""),
        (CaseReferral(summary="s", victims=[Victim(ref="V1", sex="female")]), "pseudonymised",
         "victims[0]"),
        (CaseReferral(summary="s", witnesses=[Witness(ref="W1", pseudonyms=[PSEUDONYM])]),
         "pseudonymised", "witnesses[0]"),
        (CaseReferral(summary="s", victims=[Victim(ref="V1", identity=IDENTITY)]), "disclosed",
         "victims[0].identity"),
        (CaseReferral(summary="s", witnesses=[Witness(ref="W1"), Witness(ref="W2",
         identity=PersonIdentity(names=["A B"]))]), "disclosed", "witnesses[1].identity"),
        (MlaResponse(request_id=bytes(16), summary="s", attachments=[attachment("none")]),
         "none", ""),
        (MlaResponse(request_id=bytes(16), summary="s", attachments=[attachment("pseudonymised")]),
         "pseudonymised", "attachments[0].victim_level"),
        (MlaResponse(request_id=bytes(16), summary="s", attachments=[attachment("disclosed")]),
         "disclosed", "attachments[0].victim_level"),
    ],
    ids=["plain", "victim", "witness-pseudonym", "identity", "second-witness-identity",
         "attachment-none", "attachment-pseudonymised", "attachment-disclosed"],
)  # fmt: skip
def test_needed_level(body: msgspec.Struct, needed: VictimLevel, where: str) -> None:
    """Each body needs exactly the level the rule gives, named by a field path."""
    assert needed_level(body) == (needed, where)


@pytest.mark.parametrize("declared", ["none", "pseudonymised", "disclosed"])
def test_check_level_against_each_declaration(declared: VictimLevel) -> None:
    """A body passes at its needed level and above, and is refused below it, with the
    declared and needed levels and no identifier value in the message."""
    body = CaseReferral(summary="s", victims=[Victim(ref="V1", identity=IDENTITY)])
    pseudonymised = CaseReferral(summary="s", victims=[Victim(ref="V1", sex="female")])
    if declared == "disclosed":
        decision = Disclosure(legal_basis="court_order", reference="GIP 12/2025")
        check_level(binding(declared), msgspec.structs.replace(body, disclosure=decision))
        check_level(binding(declared), CaseReferral(summary="s", disclosure=decision))
        return
    check_level(binding(declared), CaseReferral(summary="s"))
    with pytest.raises(VictimLevelExceeded) as info:
        check_level(binding(declared), body)
    assert (info.value.declared, info.value.needed, info.value.code) == (
        declared, "disclosed", "victim_level_exceeded",
    )  # fmt: skip
    assert "Blessing" not in str(info.value)
    if declared == "none":
        with pytest.raises(VictimLevelExceeded, match="needs 'pseudonymised'"):
            check_level(binding(declared), pseudonymised)
    else:
        check_level(binding(declared), pseudonymised)


def test_disclosed_binding_needs_the_same_disclosure_in_the_body() -> None:
    """A `disclosed` binding over a body without a disclosure, or with another legal
    basis, is `DisclosureMismatch` (code `malformed`); a body carrying a disclosure under
    a lower declared level needs `disclosed`."""
    body = CaseReferral(summary="s", victims=[Victim(ref="V1", identity=IDENTITY)])
    with pytest.raises(DisclosureMismatch, match="does not carry") as info:
        check_level(binding("disclosed"), body)
    assert info.value.code == "malformed"
    other = Disclosure(legal_basis="victim_consent", reference="consent form 7")
    with pytest.raises(DisclosureMismatch, match="'victim_consent' differs from the binding's"):
        check_level(binding("disclosed"), msgspec.structs.replace(body, disclosure=other))
    hidden = CaseReferral(summary="s", disclosure=other)
    assert needed_level(hidden) == ("disclosed", "disclosure")
    with pytest.raises(VictimLevelExceeded, match="needs 'disclosed'"):
        check_level(binding("none"), hidden)


def test_seal_carries_the_disclosure_to_the_recipient() -> None:
    """A disclosed message carries its decision (basis and reference) inside the body,
    with the basis equal to the binding's; a body that sets it itself is refused."""
    world = World()
    for name in ("ng-naptip", "it-dna"):
        world.add(name)
    kw: dict[str, Any] = {
        "sender": world.keys["ng-naptip"],
        "recipients": [world.keys["it-dna"].recipient],
        "created_ms": T0,
        "linkage_key": LinkageKey.generate(),
    }
    decision = Disclosure(legal_basis="court_order", reference="GIP Torino 55/2025")
    body = CaseReferral(summary="s", victims=[Victim(ref="V1", identity=IDENTITY)])
    sealed = seal(body, disclosure=decision, **kw)
    opened = open_envelope(sealed.data, recipient=world.keys["it-dna"],
                           resolve=world.directory().signing_key, accepted_ms=T0)  # fmt: skip
    assert opened.binding.legal_basis == "court_order"
    assert isinstance(opened.body, CaseReferral)
    assert opened.body.disclosure == decision
    check_level(opened.binding, opened.body)
    with pytest.raises(DisclosureInvalid, match="set by sealing with a disclosure"):
        seal(msgspec.structs.replace(body, disclosure=decision), **kw)


def test_seal_raises_its_level_for_attachments() -> None:
    """An attachment declared `pseudonymised` in a body without persons makes the binding
    `pseudonymised`; one declared `disclosed` needs a disclosure, and gets `disclosed`
    with one."""
    world = World()
    for name in ("ng-naptip", "it-dna"):
        world.add(name)
    kw: dict[str, Any] = {
        "sender": world.keys["ng-naptip"],
        "recipients": [world.keys["it-dna"].recipient],
    }
    plain = MlaResponse(request_id=bytes(16), summary="s", attachments=[attachment("none")])
    assert seal(plain, **kw).binding.victim_level == "none"
    pseud = msgspec.structs.replace(plain, attachments=[attachment("pseudonymised")])
    assert seal(pseud, **kw).binding.victim_level == "pseudonymised"
    disclosed = msgspec.structs.replace(plain, attachments=[attachment("disclosed")])
    with pytest.raises(DisclosureInvalid, match=r"attachments\[0\].victim_level is disclosed"):
        seal(disclosed, **kw)
    with_basis = seal(
        disclosed, disclosure=Disclosure(legal_basis="court_order", reference="T 1/26"), **kw
    )
    assert with_basis.binding.victim_level == "disclosed"


def test_every_body_seal_makes_passes_the_check() -> None:
    """Whatever seal is given (identities, disclosure, pseudonyms), what it makes opens
    and passes `check_level`."""
    world = World()
    for name in ("ng-naptip", "it-dna"):
        world.add(name)
    bodies = [
        CaseReferral(summary="s"),
        CaseReferral(summary="s", victims=[Victim(ref="V1", identity=IDENTITY)]),
        CaseReferral(summary="s", witnesses=[Witness(ref="W1", pseudonyms=[PSEUDONYM])]),
    ]
    for body in bodies:
        for disclosure in (None, Disclosure(legal_basis="victim_consent", reference="c")):
            sealed = seal(body, sender=world.keys["ng-naptip"], created_ms=T0,
                          recipients=[world.keys["it-dna"].recipient],
                          linkage_key=LinkageKey.generate(), disclosure=disclosure)  # fmt: skip
            opened = open_envelope(sealed.data, recipient=world.keys["it-dna"],
                                   resolve=world.directory().signing_key,
                                   accepted_ms=T0)  # fmt: skip
            check_level(opened.binding, opened.body)


def test_independently_assembled_body_above_its_level_is_caught_after_open() -> None:
    """An envelope assembled apart from `seal` that declares `none` over identities opens
    (its signatures are good) and is then refused by the level check."""
    world = World()
    for name in ("ng-naptip", "it-dna"):
        world.add(name)
    sender, to = world.keys["ng-naptip"], world.keys["it-dna"]
    content_key = _crypto.random_bytes(32)
    b = msgspec.structs.replace(
        binding("none"), sender_key_id=sender.signing.key_id, created_ms=T0,
        expires_ms=T0 + 3600_000, recipients=[Recipient("it-dna", to.encryption.key_id)],
        key_commitment=forge.commitment(content_key),
    )  # fmt: skip
    body = CaseReferral(summary="s", victims=[Victim(ref="V1", identity=IDENTITY)])
    data = forge.assemble(
        b, encode_message(body), content_key=content_key,
        recipients_public=[to.encryption.public], inner_signer=sender.signing,
        outer_signer=sender.signing,
    )  # fmt: skip
    opened = open_envelope(data, recipient=to, resolve=world.directory().signing_key,
                           accepted_ms=T0)  # fmt: skip
    assert opened.body == body
    with pytest.raises(VictimLevelExceeded, match="'none' but the body needs 'disclosed'"):
        check_level(opened.binding, opened.body)
