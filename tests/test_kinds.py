"""Message kinds: round trips, rejection of bad bodies, size bounds and invariants."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import inspect
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import errors, records, wire
from schemas.kinds import (
    KINDS,
    AssetDescription,
    AssetLegalBasis,
    AssetRequest,
    AttachmentDescriptor,
    CaseReferral,
    CompensationLegalBasis,
    ConductingAuthority,
    CustodyEntry,
    ErasureConfirmation,
    ErasureNotice,
    ExtraditionLegalBasis,
    ExtraditionRequest,
    ExtraditionStatus,
    IctMisuseAlert,
    JointInvestigation,
    Message,
    MlaLegalBasis,
    MlaRequest,
    MlaResponse,
    MlaStatus,
    Money,
    NetworkNotice,
    Offence,
    PersonConcerned,
    PreservationRequest,
    Receipt,
    RequestingAuthority,
    SpontaneousInformation,
    StatisticsCell,
    StatisticsDefinitions,
    StatisticsReport,
    VictimCompensationRequest,
    VideoconferenceHearing,
    decode_message,
    decode_message_json,
    encode_message,
    encode_message_json,
    kind_of,
)

REQUEST_ID = bytes(range(16))
OTHER_ID = bytes(range(16, 32))
AT = dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC)

AUTHOR = records.Officer(name="Insp. A. Rossi", unit="Squadra Mobile", staff_id="4711")
GRADING = records.Grading("B", "2")
VICTIM = records.Victim(
    ref="V1",
    pseudonyms=[records.Pseudonym("name", b"k" * 8, b"p" * 16)],
    sex="female",
    age_band="15-17",
    minor=True,
    nationality="NG",
    region="Edo",
    country="IT",
    exploitation=["sexual"],
    identified_in="2025-01",
    needs=["shelter"],
)
WITNESS = records.Witness(ref="W1", sex="male", age_band="25-34", language="Pidgin English")
SUSPECT = records.Suspect(
    ref="S1", names=["John Doe"], aliases=["Madam J"], nationality="NG", location_country="IT"
)
OFFENCE = Offence(
    category="trafficking_in_persons", description="trafficking for sexual exploitation"
)
ATTACHMENT = AttachmentDescriptor(
    object_id=OTHER_ID,
    key=b"\x22" * 32,
    file_name="statement-W1.mp4",
    media_type="video/mp4",
    size=10_485_760,
    digest_algorithm="sha256",
    digest=b"\x11" * 32,
    victim_level="pseudonymised",
    custody=[CustodyEntry(at=AT, action="seized", custodian="DC Smith", authority="gb-nca")],
)
COMMON: dict[str, Any] = {"case_reference": "RG 1234/2025", "author": AUTHOR, "grading": GRADING}


def _examples() -> Iterator[Message]:
    yield CaseReferral(
        **COMMON,
        summary="Recruitment in Benin City, transport via Libya, exploitation in Turin.",
        offences=[OFFENCE],
        victims=[VICTIM],
        witnesses=[WITNESS],
        suspects=[SUSPECT],
        countries=["NG", "LY", "IT"],
        period_start="2024-06",
        period_end="2025-01",
        requested_action="Identify the recruiters in Edo State.",
        urgency="urgent",
        urgency_reason="victim at risk",
        attachments=[ATTACHMENT],
    )
    yield SpontaneousInformation(
        **COMMON,
        summary="Payments to an account in your jurisdiction.",
        suspects=[SUSPECT],
        confidentiality_requested=True,
        use_restrictions="Intelligence only.",
    )
    yield MlaRequest(
        **COMMON,
        requesting_authority=RequestingAuthority(authority="it-dna", name="DNA Roma"),
        proceedings_type="prosecution",
        subject_matter="Trafficking ring operating between Nigeria and Italy.",
        conducting_authority=ConductingAuthority(
            name="Procura di Torino", functions="public prosecutor", authority="it-torino"
        ),
        assistance_sought=["taking_evidence_or_statements", "documents_and_records"],
        assistance_description="Hear W1; obtain bank records of S1.",
        purpose="Evidence for trial of S1.",
        legal_basis=MlaLegalBasis(basis="untoc_art18"),
        facts_summary="S1 recruited V1 with false promises of work.",
        procedure="Statement under oath, recorded on video.",
        offences=[OFFENCE],
        victims=[VICTIM],
        witnesses=[WITNESS],
        suspects=[SUSPECT],
        other_persons=[
            PersonConcerned(ref="P1", capacity="holder of account A1", nationality="NG")
        ],
        urgency="urgent",
        urgency_reason="trial in May",
        deadline=dt.date(2025, 5, 1),
        confidentiality_requested=True,
        confidentiality_terms="Do not inform the account holder.",
        use_limitation_waiver_sought=True,
        use_limitation_terms="Also for the related money-laundering case.",
    )
    yield MlaStatus(
        **COMMON,
        request_id=REQUEST_ID,
        status="refused",
        refusal_grounds=["essential_interests"],
        reasons="Execution would prejudice an ongoing national security matter.",
    )
    yield MlaResponse(
        **COMMON,
        request_id=REQUEST_ID,
        summary="Statement of W1 and bank records.",
        attachments=[ATTACHMENT],
        final=False,
        conditions="Use only in proceedings RG 1234/2025.",
        witnesses=[WITNESS],
    )
    yield ExtraditionRequest(
        **COMMON,
        person_sought=SUSPECT,
        offences=[OFFENCE],
        purpose="prosecution",
        warrant_reference="GIP Torino 55/2025",
        facts_summary="S1 organised the transport of V1.",
        legal_basis=ExtraditionLegalBasis(basis="untoc_art16"),
        warrant_issued_on=dt.date(2025, 2, 1),
        provisional_arrest_requested=True,
        nationality_note="We will provide the file for domestic prosecution.",
    )
    yield ExtraditionStatus(
        **COMMON, request_id=REQUEST_ID, status="hearing_scheduled", hearing_at=AT
    )
    yield PreservationRequest(
        **COMMON,
        service_provider="ExampleMail",
        identifiers=["account: recruiter@example.org"],
        data_types=["subscriber", "traffic"],
        period_start=dt.date(2024, 6, 1),
        period_end=dt.date(2025, 1, 31),
        provider_country="US",
        mla_to_follow=True,
        preservation_days=90,
        legal_basis=MlaLegalBasis(basis="bilateral_treaty", citation="IT-US MLAT 2006"),
        urgency="immediate",
        urgency_reason="risk of deletion",
    )
    yield VideoconferenceHearing(
        **COMMON,
        witness=WITNESS,
        capacity="witness",
        proposed_times=[AT],
        language="Italian",
        presiding_authority=ConductingAuthority(
            name="Tribunale di Torino", functions="trial court"
        ),
        subject_matter="Trial of S1.",
        interpreter_required=True,
        interpreter_language="Pidgin English",
        protection_measures=["image_distortion", "support_person"],
        request_id=REQUEST_ID,
    )
    yield AssetRequest(
        **COMMON,
        measure="freezing",
        assets=[
            AssetDescription(
                ref="A1",
                type="bank_account",
                description="Current account",
                identifiers=["IBAN on file"],
                location_country="MT",
                holder_ref="S1",
                estimated_value=Money(amount=decimal.Decimal("125000.50"), currency="EUR"),
            )
        ],
        facts_summary="Proceeds of exploitation deposited by S1.",
        legal_basis=AssetLegalBasis(basis="untoc_art13"),
        suspects=[SUSPECT],
        victim_compensation_intended=True,
        linked_requests=[REQUEST_ID],
    )
    yield VictimCompensationRequest(
        **COMMON,
        victim_refs=["V1"],
        amount=Money(amount=decimal.Decimal("40000"), currency="EUR"),
        legal_basis=CompensationLegalBasis(basis="protocol_art6_6"),
        damage_summary="Unpaid work and medical costs.",
        victims=[VICTIM],
        linked_requests=[REQUEST_ID],
    )
    yield JointInvestigation(
        **COMMON,
        team_id=OTHER_ID,
        form="joint_investigation_team",
        action="proposal",
        members=["it-dna", "ng-naptip"],
        subject_matter="Benin City to Turin network.",
        leader="it-dna",
        period_start=dt.date(2025, 4, 1),
        suspects=[SUSPECT],
    )
    yield IctMisuseAlert(
        **COMMON,
        platform="ExampleChat",
        indicator_type="advertisement",
        indicators=["'modelling jobs in Europe, travel paid'"],
        exploitation=["sexual"],
        countries=["NG"],
        observed_in="2025-02",
        urgency="urgent",
        urgency_reason="new campaign",
    )
    yield NetworkNotice(
        author=AUTHOR,
        network_id="route-central-med",
        route_countries=["NG", "NE", "LY", "IT"],
        topic="trend",
        title="Debt bondage via mobile money",
        summary="Debts are now collected through mobile-money agents.",
        exploitation=["sexual", "forced_labour"],
        observed_from="2024-09",
        observed_to="2025-02",
    )
    yield ErasureNotice(
        author=AUTHOR,
        thread_id=OTHER_ID,
        message_ids=[REQUEST_ID],
        legal_basis="court_order",
        reference="Trib. Torino ord. 2025/118",
        erased_ms=1_741_080_600_000,
    )
    yield ErasureConfirmation(
        notice_id=REQUEST_ID,
        thread_id=OTHER_ID,
        erased_ms=1_741_080_700_000,
        messages=3,
    )
    yield StatisticsReport(
        author=AUTHOR,
        reporting_authority="ng-naptip",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 6, 30),
        definitions=StatisticsDefinitions(code="glotip-2024"),
        measures=["victims_identified", "prosecuted"],
        cells=[
            StatisticsCell("victims_identified", "female", "12-17", "sexual", "NG", 14),
            StatisticsCell("prosecuted", "male", "25-59", "sexual", "NG", 3),
        ],
    )
    yield Receipt(
        receipt_type="non_retrieval",
        message_id=REQUEST_ID,
        envelope_hash=b"\x22" * 32,
        at_ms=1_741_080_600_000,
        audit_sequence=42,
        reason="wrong_key",
    )


EXAMPLES: dict[str, Message] = {kind_of(m): m for m in _examples()}


def _as_dict(msg: Message) -> dict[str, Any]:
    """The body as msgpack would give it to an untyped decoder (bytes stay bytes)."""
    raw = msgspec.msgpack.decode(encode_message(msg))
    assert isinstance(raw, dict)
    return raw


def _mutated(kind: str, change: Callable[[dict[str, Any]], None]) -> bytes:
    raw = _as_dict(EXAMPLES[kind])
    change(raw)
    return msgspec.msgpack.encode(raw)


# --- round trips ----------------------------------------------------------------------


def test_examples_cover_every_kind() -> None:
    """The test examples hold one fully populated body of every kind."""
    assert EXAMPLES.keys() == KINDS.keys()
    assert len(KINDS) == 18


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_msgpack_round_trip(kind: str) -> None:
    """Every kind decodes from msgpack to the value it was encoded from."""
    msg = EXAMPLES[kind]
    assert decode_message(encode_message(msg)) == msg


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_json_round_trip(kind: str) -> None:
    """Every kind decodes from JSON, as bytes or str, to the value it was encoded from."""
    msg = EXAMPLES[kind]
    data = encode_message_json(msg)
    assert decode_message_json(data) == msg
    assert decode_message_json(data.decode()) == msg


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_kind_is_tag_and_fits_binding(kind: str) -> None:
    """kind_of gives the Struct tag, which the binding's kind pattern accepts."""
    msg = EXAMPLES[kind]
    assert kind_of(msg) == kind == _as_dict(msg)["kind"]
    assert type(msg) is KINDS[kind]
    msgspec.convert(kind, wire.Kind)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_kind_struct_config(kind: str) -> None:
    """Every kind is a frozen, kw_only Body subclass that forbids unknown fields."""
    cls = KINDS[kind]
    config = cls.__struct_config__
    assert issubclass(cls, records.Body)
    assert config.frozen
    assert config.forbid_unknown_fields
    assert config.tag_field == "kind"
    assert re.fullmatch("[a-z]+(_[a-z]+)*", kind)
    params = inspect.signature(cls).parameters.values()
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_envelope_fields_not_duplicated(kind: str) -> None:
    """Handling code and priority live in the binding, never in a body."""
    names = {f.name for f in msgspec.structs.fields(KINDS[kind])}
    assert not names & {"handling", "handling_code", "priority", "victim_level", "sender"}


def test_defaults_are_omitted() -> None:
    """Fields left at their defaults are not encoded, so small bodies stay small."""
    receipt = Receipt(
        receipt_type="delivered", message_id=REQUEST_ID, envelope_hash=bytes(32), at_ms=1
    )
    decoded = msgspec.json.decode(encode_message_json(receipt))
    assert set(decoded) == {"kind", "receipt_type", "message_id", "envelope_hash", "at_ms"}


# --- rejection ------------------------------------------------------------------------


@pytest.mark.parametrize("decode", [decode_message, decode_message_json])
def test_unknown_kind_rejected(decode: Callable[[bytes], Message]) -> None:
    """A body whose kind tag names no kind is Malformed."""
    raw = _as_dict(EXAMPLES["receipt"]) | {"kind": "mla_requests"}
    data = msgspec.msgpack.encode(raw) if decode is decode_message else msgspec.json.encode(raw)
    with pytest.raises(errors.Malformed, match=r"unknown kind at \$\.kind"):
        decode(data)


def test_missing_kind_rejected() -> None:
    """A body without a kind tag is Malformed."""
    with pytest.raises(errors.Malformed, match="missing required field kind"):
        decode_message(_mutated("receipt", lambda d: d.pop("kind")))


def test_wrong_kind_for_fields_rejected() -> None:
    """The fields of one kind under another kind's tag are Malformed."""
    with pytest.raises(errors.Malformed):
        decode_message(_mutated("receipt", lambda d: d.update(kind="mla_status")))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_unknown_field_rejected(kind: str) -> None:
    """An unknown top-level field is Malformed, in msgpack and JSON."""
    raw = _as_dict(EXAMPLES[kind]) | {"extra": 1}
    with pytest.raises(errors.Malformed, match="unknown field"):
        decode_message(msgspec.msgpack.encode(raw))
    with pytest.raises(errors.Malformed, match="unknown field"):
        decode_message_json(msgspec.json.encode(raw))


def test_unknown_field_in_nested_record_rejected() -> None:
    """An unknown field inside a nested record is Malformed, with its path."""
    data = _mutated("case_referral", lambda d: d["victims"][0].update(real_name="x"))
    with pytest.raises(errors.Malformed, match=r"unknown field at \$\.victims\[0\]"):
        decode_message(data)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(kind="SECRET-Ada-Obi"),
        lambda d: d.update({"SECRET-Ada-Obi": 1}),
        lambda d: d.update(receipt_type="SECRET-Ada-Obi"),
        lambda d: d.update(reason="SECRET-Ada-Obi"),
        lambda d: d.update(at_ms="SECRET-Ada-Obi"),
        lambda d: d.update(author={"name": "x", "SECRET-Ada-Obi": 1}),
    ],
    ids=["tag", "field-name", "enum", "enum-2", "type", "nested-field-name"],
)
def test_errors_never_echo_content(change: Callable[[dict[str, Any]], None]) -> None:
    """A decoding error names the problem and the path, never what the sender wrote."""
    with pytest.raises(errors.Malformed) as info:
        decode_message(_mutated("receipt", change))
    assert "SECRET" not in str(info.value)
    assert "Ada" not in str(info.value)
    assert isinstance(info.value.__cause__, msgspec.ValidationError)


@pytest.mark.parametrize("data", [b"", b"\xc1", b"\x93\x01\x02", b"\x81\xa4kind"])
def test_not_msgpack_rejected(data: bytes) -> None:
    """Bytes that are not a msgpack map are Malformed, chained from msgspec's error."""
    with pytest.raises(errors.Malformed) as info:
        decode_message(data)
    assert isinstance(info.value.__cause__, msgspec.MsgspecError)


@pytest.mark.parametrize(
    ("decode", "data"),
    [
        (decode_message, b"\x81\xa4kind\xa7receip\xff"),
        (decode_message_json, b'{"kind":"receipt","\xc4x":1}'),
    ],
    ids=["msgpack-value", "json-field-name"],
)
def test_invalid_utf8_rejected(decode: Callable[[bytes], Message], data: bytes) -> None:
    """A string that is not UTF-8 is Malformed, not a UnicodeDecodeError."""
    with pytest.raises(errors.Malformed, match="not valid UTF-8"):
        decode(data)


def test_not_json_rejected() -> None:
    """Text that is not JSON is Malformed."""
    with pytest.raises(errors.Malformed, match="not well-formed JSON"):
        decode_message_json(b'{"kind": ')


# --- size bounds ----------------------------------------------------------------------

BOUNDS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("case_referral", lambda d: d.update(summary="x" * 20_001)),
    ("case_referral", lambda d: d.update(urgency_reason="x" * 201)),
    ("case_referral", lambda d: d.update(victims=[{"ref": f"V{i}"} for i in range(201)])),
    ("case_referral", lambda d: d.update(countries=["IT"] * 51)),
    ("case_referral", lambda d: d.update(countries=["it"])),
    ("case_referral", lambda d: d.update(period_start="2025-13")),
    ("mla_request", lambda d: d.update(assistance_sought=[])),
    ("mla_request", lambda d: d["requesting_authority"].update(authority="IT-DNA")),
    ("mla_status", lambda d: d.update(request_id="AAAAAAAAAAAAAAAAAAAA")),
    ("mla_response", lambda d: d["attachments"][0].update(digest="ESIz")),
    ("mla_response", lambda d: d["attachments"][0].update(media_type="Video/MP4")),
    ("mla_response", lambda d: d["attachments"][0].update(size=-1)),
    ("mla_response", lambda d: d.update(attachments=[d["attachments"][0]] * 65)),
    ("extradition_request", lambda d: d.update(offences=[])),
    ("extradition_status", lambda d: d.update(hearing_at="2025-03-04T09:30:00")),
    ("preservation_request", lambda d: d.update(identifiers=["x"] * 201)),
    ("preservation_request", lambda d: d.update(preservation_days=0)),
    ("videoconference_hearing", lambda d: d.update(proposed_times=[])),
    ("asset_request", lambda d: d["assets"][0]["estimated_value"].update(currency="EURO")),
    ("joint_investigation", lambda d: d.update(members=[])),
    ("ict_misuse_alert", lambda d: d.update(indicators=[])),
    ("network_notice", lambda d: d.update(network_id="Route.Central")),
    ("erasure_notice", lambda d: d.update(reference="Ordinanza n\u00ba 7")),
    ("erasure_confirmation", lambda d: d.update(notice_id="AAAA")),
    ("statistics_report", lambda d: d["cells"][0].__setitem__(5, 0)),
    ("statistics_report", lambda d: d["cells"][0].__setitem__(5, 10_000_001)),
    ("statistics_report", lambda d: d["cells"][0].__setitem__(1, "woman")),
    ("statistics_report", lambda d: d["cells"][0].__setitem__(4, "Nigeria")),
    ("statistics_report", lambda d: d["cells"][0].append("Jane Doe")),
    ("statistics_report", lambda d: d.update(victims=[{"ref": "V1"}])),
    ("receipt", lambda d: d.update(envelope_hash="AAAA")),
]


@pytest.mark.parametrize(("kind", "change"), BOUNDS)
def test_bounds_enforced(kind: str, change: Callable[[dict[str, Any]], None]) -> None:
    """A string, list, id or number outside its declared bounds is Malformed (JSON)."""
    raw = _as_dict(EXAMPLES[kind])
    change(raw)
    with pytest.raises(errors.Malformed, match="does not match its kind"):
        decode_message_json(msgspec.json.encode(raw))


# --- invariants -----------------------------------------------------------------------

INVARIANTS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("case_referral", lambda d: d.update(urgency_reason=None), "needs a reason"),
    ("case_referral", lambda d: d.update(period_end="2024-01"), "ends before"),
    ("case_referral", lambda d: d["suspects"][0].update(ref="V1"), "share a ref"),
    ("case_referral", lambda d: d.update(attachments=d["attachments"] * 2), "same object_id"),
    ("mla_request", lambda d: d.update(facts_summary=None), "facts_summary is required"),
    ("mla_request", lambda d: d.update(use_limitation_terms=None), "use_limitation_terms"),
    ("mla_request", lambda d: d.update(legal_basis={"basis": "reciprocity", "x": 1}), "unknown"),
    (
        "mla_request",
        lambda d: d.update(legal_basis={"basis": "bilateral_treaty"}),
        "needs a citation",
    ),
    ("mla_status", lambda d: d.update(refusal_grounds=[]), "needs refusal_grounds"),
    ("mla_status", lambda d: d.update(reasons=None), "needs reasons"),
    ("mla_status", lambda d: d.update(status="executed"), "does not apply to status executed"),
    ("extradition_status", lambda d: d.update(hearing_at=None), "needs hearing_at"),
    ("extradition_status", lambda d: d.update(reasons="x"), "does not apply"),
    ("extradition_request", lambda d: d.update(sentence="5 years"), "sentence applies"),
    ("preservation_request", lambda d: d.update(period_end="2024-01-01"), "ends before"),
    ("asset_request", lambda d: d["assets"][0]["estimated_value"].update(amount="-1"), "amount"),
    ("asset_request", lambda d: d["assets"][0]["estimated_value"].update(amount="NaN"), "amount"),
    ("victim_compensation_request", lambda d: d.update(victim_refs=["V9"]), "names no victim"),
    ("joint_investigation", lambda d: d.update(leader="gb-nca"), "leader"),
    ("joint_investigation", lambda d: d.update(members=["it-dna"] * 2), "twice"),
    ("network_notice", lambda d: d.update(case_reference="RG 1"), "no case_reference"),
    ("erasure_notice", lambda d: d.update(message_ids=d["message_ids"] * 2), "listed twice"),
    ("statistics_report", lambda d: d.update(cells=d["cells"] * 2), "same categories"),
    ("statistics_report", lambda d: d.update(measures=["prosecuted"]), "not listed"),
    ("statistics_report", lambda d: d.update(case_reference="RG 1"), "no case_reference"),
    ("statistics_report", lambda d: d.update(period_end="2024-01-01"), "ends before"),
    ("receipt", lambda d: d.update(reason=None), "reason is required"),
    ("receipt", lambda d: d.update(receipt_type="delivered"), "reason is required"),
]


@pytest.mark.parametrize(("kind", "change", "problem"), INVARIANTS)
def test_invariants_enforced(
    kind: str, change: Callable[[dict[str, Any]], None], problem: str
) -> None:
    """A body that breaks a cross-field rule of its kind is Malformed on decoding."""
    with pytest.raises(errors.Malformed, match=problem):
        decode_message(_mutated(kind, change))


def test_invariants_enforced_on_construction() -> None:
    """Building a body that breaks a rule raises ValueError before anything is sent."""
    with pytest.raises(ValueError, match="reason is required"):
        Receipt(
            receipt_type="delivered",
            message_id=REQUEST_ID,
            envelope_hash=bytes(32),
            at_ms=1,
            reason="other",
        )


def test_facts_optional_for_service_of_documents() -> None:
    """An MLA request only for service of judicial documents needs no facts summary."""
    raw = _as_dict(EXAMPLES["mla_request"])
    raw.update(facts_summary=None, assistance_sought=["service_of_judicial_documents"])
    msg = decode_message(msgspec.msgpack.encode(raw))
    assert isinstance(msg, MlaRequest)
    assert msg.facts_summary is None


# --- minimisation by construction -----------------------------------------------------

_PERSON_TYPES = (
    records.Victim,
    records.Witness,
    records.Suspect,
    records.PersonIdentity,
    PersonConcerned,
)


def _struct_types(info: msgspec.inspect.Type) -> Iterator[type]:
    """Every Struct class reachable from a type, without repeating one."""
    seen: set[type] = set()
    todo = [info]
    while todo:
        node = todo.pop()
        if isinstance(node, msgspec.inspect.StructType):
            if node.cls in seen:
                continue
            seen.add(node.cls)
            yield node.cls
            todo.extend(f.type for f in node.fields)
        elif isinstance(node, msgspec.inspect.UnionType):
            todo.extend(node.types)
        elif isinstance(node, msgspec.inspect.ListType):
            todo.append(node.item_type)
        elif isinstance(node, msgspec.inspect.Metadata):
            todo.append(node.type)


def test_network_notice_has_no_person_fields() -> None:
    """network_notice can carry no victim, witness, suspect or other person record."""
    reachable = set(_struct_types(msgspec.inspect.type_info(NetworkNotice)))
    assert not reachable & set(_PERSON_TYPES)
    names = {f.name for f in msgspec.structs.fields(NetworkNotice)}
    assert not {n for n in names if re.search("victim|witness|suspect|person|name", n)}


def test_statistics_report_has_no_person_fields() -> None:
    """statistics_report reaches no person record, and its only free text is the
    definitions' text: a cell is closed codes and a count."""
    reachable = set(_struct_types(msgspec.inspect.type_info(StatisticsReport)))
    assert not reachable & set(_PERSON_TYPES)
    info = msgspec.inspect.type_info(StatisticsCell)
    assert isinstance(info, msgspec.inspect.StructType)
    types = [
        f.type.type if isinstance(f.type, msgspec.inspect.Metadata) else f.type for f in info.fields
    ]
    assert [t for t in types if isinstance(t, msgspec.inspect.StrType) and t.pattern is None] == []
    assert {type(t) for t in types} == {
        msgspec.inspect.LiteralType,
        msgspec.inspect.StrType,
        msgspec.inspect.IntType,
    }


def test_person_walk_finds_persons() -> None:
    """The walk used above does find person records where a kind has them."""
    reachable = set(_struct_types(msgspec.inspect.type_info(MlaRequest)))
    assert set(_PERSON_TYPES) <= reachable


# --- documentation ----------------------------------------------------------------------


def test_docs_describe_every_kind() -> None:
    """docs/message-kinds.md has a section for every kind tag."""
    text = (Path(__file__).parents[1] / "docs" / "message-kinds.md").read_text(encoding="utf-8")
    missing = [k for k in KINDS if f"`{k}`" not in text]
    assert not missing


# --- properties -------------------------------------------------------------------------


@settings(max_examples=500)
@given(st.binary(max_size=512))
def test_random_bytes_raise_only_malformed(data: bytes) -> None:
    """Random bytes either decode or raise errors.Malformed, nothing else."""
    with contextlib.suppress(errors.Malformed):
        decode_message(data)


@settings(max_examples=300)
@given(st.sampled_from(sorted(KINDS)), st.data())
def test_corrupted_bodies_raise_only_malformed(kind: str, data: st.DataObject) -> None:
    """A valid body with bytes overwritten either decodes or raises errors.Malformed."""
    encoded = bytearray(encode_message(EXAMPLES[kind]))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(encoded) - 1))
        encoded[i] = data.draw(st.integers(0, 255))
    with contextlib.suppress(errors.Malformed):
        decode_message(bytes(encoded))


@settings(max_examples=300)
@given(st.text(max_size=256))
def test_random_json_raises_only_malformed(text: str) -> None:
    """Random text fed to the JSON decoder either decodes or raises errors.Malformed."""
    with contextlib.suppress(errors.Malformed):
        decode_message_json(text)
