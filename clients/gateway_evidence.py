"""Evidence of what a sender said, exported from the gateway and verified offline.

A received message is stored as the exact bytes its sender signed (`gateway_store`).
`evidence_record` turns them into a self-contained JSON document (`GET
/v1/messages/{id}/evidence`, `palermo evidence-export`); `verify_record` checks one
against a verified directory alone — no gateway, no broker, no private key:

- the binding decodes canonically and names the record's message id, sender key id and
  recipient;
- the sender's directory record lists that signing key, valid at the broker-attested
  acceptance time;
- the inner signature verifies over "palermo/inner/v1" ‖ binding ‖ BLAKE2b-256(body);
- the body decodes canonically, is of the binding's kind, and (for a receipt) says the
  receipt type and reason the binding says;
- the binding's lifetime covers the acceptance time.

A record of a message whose case was erased at the gateway (`gateway_casekeys`) has no
body: it carries `body_hash`, the BLAKE2b-256 the inner signature covers, and `erased`
(when and on which legal basis). The signature is then verified over binding ‖
body_hash, every check on the binding is made, and the checks that need the body are
not (what it said is gone; that the sender signed it, and what for, still shows).

The directory is either read live from the bucket or loaded from a directory export
file (`DirectoryExport`): every signed record and the head, checked against the pinned
root key and against each other, and judged as of the head's issue time, so an export
taken when the message arrived still proves it a year later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Final, Literal

import msgspec
from msgspec import Meta

from schemas import codec
from schemas.directory import Directory
from schemas.envelope import INNER_DOMAIN, check_time, receipt_ref
from schemas.errors import ProtocolError
from schemas.keys import verify_signature
from schemas.kinds import decode_message, encode_message, kind_of
from schemas.records import AuthorityId
from schemas.wire import VERSION, Binding

from .errors import ClientError
from .gateway_store import SignedRecord

__all__ = [
    "DIRECTORY_FORMAT",
    "EVIDENCE_FORMAT",
    "DirectoryExport",
    "ErasedBody",
    "EvidenceInvalid",
    "EvidenceMalformed",
    "EvidenceRecord",
    "Verified",
    "decode_record",
    "directory_export",
    "evidence_record",
    "load_directory_export",
    "verify_record",
]

EVIDENCE_FORMAT: Final = "palermo-evidence/v1"
DIRECTORY_FORMAT: Final = "palermo-directory/v1"

HexId = Annotated[str, Meta(pattern="^[0-9a-f]{32}$")]
HexHash = Annotated[str, Meta(pattern="^[0-9a-f]{64}$")]
UInt = Annotated[int, Meta(ge=0, le=2**63 - 1)]


class EvidenceMalformed(ClientError):
    """An evidence record or directory export that is not a document of its format."""


class EvidenceInvalid(ClientError):
    """An evidence record that does not prove what it claims (the reason says which check
    failed)."""


class EvidenceRecord(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A received message as its sender signed it, with what the broker attested.

    Byte fields are base64 in JSON. `binding`, `body` and `inner_signature` are the
    exact signed bytes; the rest is what the gateway recorded on receipt."""

    format: Literal["palermo-evidence/v1"]
    recipient: AuthorityId
    """The authority whose gateway received and stored the message."""
    message_id: HexId
    sender_key_id: HexId
    envelope_hash: HexHash
    """BLAKE2b-256 of the envelope as delivered: its name in the broker's audit log."""
    accepted_ms: UInt
    """When the broker accepted it (attested with the delivery): keys are judged then."""
    audit_seq: UInt | None
    stored_ms: UInt
    binding: bytes
    body: bytes | None
    """The signed body bytes; null once the case was erased at the gateway."""
    inner_signature: bytes
    body_hash: bytes | None = None
    """BLAKE2b-256 of the body bytes (what the inner signature covers); must match
    `body` when both are given."""
    erased: ErasedBody | None = None
    """Set exactly when `body` is null: when the gateway erased it, and why."""


class ErasedBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Why an evidence record has no body."""

    erased_ms: UInt
    legal_basis: str


class DirectoryExport(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every signed directory record and the signed head, as the bucket held them."""

    format: Literal["palermo-directory/v1"]
    records: list[bytes]
    head: bytes


@dataclass(frozen=True)
class Verified:
    """What a verified evidence record proves."""

    message_id: str
    kind: str
    sender: str
    sender_key_id: str
    recipient: str
    accepted_ms: int
    envelope_hash: str
    sender_status: str
    """The sender's status in the directory used (not `active` is worth a second look:
    the key was valid when the message was accepted, but has the authority since been
    suspended or revoked?)."""
    erased: ErasedBody | None = None
    """Set when the body was erased: the signature was verified over its hash."""

    def summary(self) -> str:
        """One line for a person."""
        when = dt.datetime.fromtimestamp(self.accepted_ms / 1000, dt.UTC).isoformat(
            timespec="seconds"
        )
        note = "" if self.sender_status == "active" else f" (sender now {self.sender_status})"
        if self.erased is not None:
            erased = dt.datetime.fromtimestamp(self.erased.erased_ms / 1000, dt.UTC).isoformat(
                timespec="seconds"
            )
            note += (
                f"; body erased {erased} (legal basis {self.erased.legal_basis}),"
                " signature verified over its hash"
            )
        return (
            f"evidence verifies: {self.kind} {self.message_id} signed by {self.sender} "
            f"with key {self.sender_key_id}, valid at acceptance {when}, to {self.recipient}; "
            f"envelope {self.envelope_hash}{note}"
        )


_record_decoder: Final = msgspec.json.Decoder(EvidenceRecord)
_directory_decoder: Final = msgspec.json.Decoder(DirectoryExport)
_binding_decoder: Final = msgspec.msgpack.Decoder(Binding)


def evidence_record(stored: SignedRecord, recipient: str) -> EvidenceRecord:
    """The export of a stored received message."""
    return EvidenceRecord(
        format=EVIDENCE_FORMAT,
        recipient=recipient,
        message_id=stored.message_id,
        sender_key_id=stored.sender_key_id.hex(),
        envelope_hash=stored.envelope_hash.hex(),
        accepted_ms=stored.accepted_ms if stored.accepted_ms is not None else stored.stored_ms,
        audit_seq=stored.audit_seq,
        stored_ms=stored.stored_ms,
        binding=stored.binding,
        body=stored.body,
        inner_signature=stored.inner_signature,
        body_hash=stored.body_hash,
        erased=None
        if stored.erasure is None
        else ErasedBody(erased_ms=stored.erasure.erased_ms, legal_basis=stored.erasure.legal_basis),
    )


def decode_record(data: bytes) -> EvidenceRecord:
    """An evidence record from its JSON; `EvidenceMalformed` naming what is wrong."""
    try:
        return _record_decoder.decode(data)
    except msgspec.MsgspecError as exc:
        raise EvidenceMalformed(f"not a {EVIDENCE_FORMAT} record: {exc}") from exc


def verify_record(record: EvidenceRecord, directory: Directory) -> Verified:
    """Check `record` against `directory` (module docstring); `EvidenceInvalid` naming the
    first check that fails."""
    try:
        binding = codec.decode_canonical(record.binding, _binding_decoder, "binding")
    except ProtocolError as exc:
        raise EvidenceInvalid(f"binding: {exc}") from exc
    if binding.version != VERSION:
        raise EvidenceInvalid(f"binding version {binding.version} is not {VERSION}")
    if binding.message_id.hex() != record.message_id:
        raise EvidenceInvalid("the binding names another message id than the record")
    if binding.sender_key_id.hex() != record.sender_key_id:
        raise EvidenceInvalid("the binding names another sender key than the record")
    if record.recipient not in [r.authority for r in binding.recipients]:
        raise EvidenceInvalid(f"{record.recipient} is not a recipient in the binding")

    public, status = _signing_key(directory, binding, record.accepted_ms)
    digest = _body_hash(record)
    signed = INNER_DOMAIN + record.binding + digest
    if not verify_signature(public, signed, record.inner_signature):
        raise EvidenceInvalid(
            f"inner signature does not verify under {binding.sender}'s key "
            f"{binding.sender_key_id.hex()} over this binding and "
            + ("body" if record.body is not None else "body hash")
        )
    if record.body is not None:
        if record.body_hash is not None and record.body_hash != digest:
            raise EvidenceInvalid("body_hash is not the hash of the body")
        _check_body(record.body, binding)
    try:
        check_time(binding, record.accepted_ms)
    except ProtocolError as exc:
        raise EvidenceInvalid(f"at acceptance: {exc}") from exc
    return Verified(
        message_id=record.message_id,
        kind=binding.kind,
        sender=binding.sender,
        sender_key_id=binding.sender_key_id.hex(),
        recipient=record.recipient,
        accepted_ms=record.accepted_ms,
        envelope_hash=record.envelope_hash,
        sender_status=status,
        erased=record.erased,
    )


def _body_hash(record: EvidenceRecord) -> bytes:
    """The hash the signature is checked over: of the body, or the one an erased record
    carries."""
    if record.body is None:
        if record.body_hash is None or record.erased is None:
            raise EvidenceInvalid("a record without its body needs body_hash and erased")
        if len(record.body_hash) != 32:
            raise EvidenceInvalid("body_hash is not 32 bytes")
        return record.body_hash
    if record.erased is not None:
        raise EvidenceInvalid("a record with its body cannot say it was erased")
    return hashlib.blake2b(record.body, digest_size=32).digest()


def _check_body(body_bytes: bytes, binding: Binding) -> None:
    try:
        body = decode_message(body_bytes)
    except ProtocolError as exc:
        raise EvidenceInvalid(f"body: {exc}") from exc
    if encode_message(body) != body_bytes:
        raise EvidenceInvalid("body is not in the canonical encoding")
    if kind_of(body) != binding.kind:
        raise EvidenceInvalid(f"body is a {kind_of(body)}, the binding says {binding.kind}")
    if receipt_ref(body) != binding.receipt:
        raise EvidenceInvalid("the receipt's type or reason differs from its binding")


def _signing_key(directory: Directory, binding: Binding, at_ms: int) -> tuple[bytes, str]:
    """The sender's signing key `binding.sender_key_id`, valid at `at_ms`, and the
    sender's status. Unlike a live lookup, a sender since suspended or revoked is not
    refused: what counts is the key's validity when the message was accepted."""
    try:
        record = directory.record(binding.sender)
    except ProtocolError as exc:
        raise EvidenceInvalid(f"directory: {exc}") from exc
    for key in record.keys:
        if key.key_id == binding.sender_key_id:
            if key.use != "sign":
                raise EvidenceInvalid(f"key {key.key_id.hex()} of {record.id} is not for signing")
            if not key.valid_at(at_ms):
                raise EvidenceInvalid(
                    f"key {key.key_id.hex()} of {record.id} was not valid at acceptance ({at_ms})"
                )
            return key.public, record.status
    raise EvidenceInvalid(
        f"the directory lists no key {binding.sender_key_id.hex()} of {record.id}"
    )


def directory_export(signed_records: Mapping[str, bytes], signed_head: bytes) -> bytes:
    """A directory export file (JSON) of the bucket's signed records and head."""
    export = DirectoryExport(
        format=DIRECTORY_FORMAT,
        records=[signed_records[k] for k in sorted(signed_records)],
        head=signed_head,
    )
    return msgspec.json.format(msgspec.json.encode(export), indent=1)


def load_directory_export(data: bytes, root_public: bytes) -> Directory:
    """A `Directory` from an export file, every record and the head verified against
    `root_public` and the head's digest against the records; judged as of the head's
    issue time, however long ago (`EvidenceMalformed`, `EvidenceInvalid`)."""
    try:
        export = _directory_decoder.decode(data)
    except msgspec.MsgspecError as exc:
        raise EvidenceMalformed(f"not a {DIRECTORY_FORMAT} file: {exc}") from exc
    at = [0]  # 0 while loading (the head's expiry is no test offline), then its issue time
    directory = Directory(root_public, lambda: at[0])
    try:
        for signed in export.records:
            directory.apply_record(signed)
        head = directory.apply_head(export.head)
        at[0] = head.issued_ms
        directory.check_fresh()
    except ProtocolError as exc:  # DirectoryError, or Malformed bytes
        raise EvidenceInvalid(f"directory export: {exc}") from exc
    return directory
