"""The checks an ingress envelope passes, in the order DESIGN.md fixes, without I/O.

The worker (`broker.worker`) does the NATS parts — the seen-set, the audit append,
the deliveries and the notices — around these functions. Every failure is a
`Rejection` with an enumerated code (`schemas.notice.RejectionCode`) and a sentence the
sender can act on; whether the signature had been verified decides what may be audited
about it. An unexpected exception is not a rejection: the worker records it as an
`InternalFailure`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import get_args

from schemas import envelope
from schemas.directory import AuthorityRecord, Directory
from schemas.errors import (
    AuthorityInactive,
    KeyInvalid,
    Malformed,
    OuterSignatureInvalid,
    Tampered,
    TooLarge,
    UnknownAuthority,
    UnknownKey,
)
from schemas.notice import RejectionCode
from schemas.wire import Binding

from .config import TimeConfig
from .policy import Policy

REJECTION_CODES: tuple[RejectionCode, ...] = get_args(RejectionCode)
"""Every rejection code the broker emits; `docs/operator-guide.md` explains each."""


@dataclass(frozen=True)
class Rejection(Exception):
    """An envelope refused with `code`; `detail` is for the sender, never content."""

    code: RejectionCode
    detail: str

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


@dataclass(frozen=True)
class InternalFailure:
    """Not a rejection: checking this envelope raised unexpectedly (a bug, not the
    sender's fault). Nothing is audited and the sender is not told; the envelope is
    nak'ed (the rest of its batch goes on) and, after `max_deliver` attempts, the
    sweeper dead-letters it, audits `dead_letter` and tells the sender."""

    error: str
    """The exception's class name (its message may quote the envelope)."""


@dataclass
class Candidate:
    """One ingress envelope on its way through the checks."""

    data: bytes
    subject_sender: str
    ingress_ms: int
    ingress_seq: int
    hash: bytes = b""
    parsed: envelope.Parsed | None = None
    sender_public: bytes = b""
    recipients: list[AuthorityRecord] = field(default_factory=list)
    verified: bool = False
    """Set once the outer signature verified: until then the envelope's bytes are
    attacker-controlled, so only the subject's sender, code, hash and size are audited."""
    accepted_seq: int = 0
    accepted_ms: int = 0
    """The ingress sequence and time this envelope is accepted under: its own, or those
    of the first copy of the same bytes when this one is a re-send or a redelivery (see
    the worker's seen-set), so every copy yields the very same audit event."""

    def __post_init__(self) -> None:
        self.accepted_seq = self.accepted_seq or self.ingress_seq
        self.accepted_ms = self.accepted_ms or self.ingress_ms

    @property
    def binding(self) -> Binding:
        """The decoded binding (only after `precheck` succeeded)."""
        assert self.parsed is not None  # noqa: S101  (callers check the stage)
        return self.parsed.binding


def rate_limited() -> Rejection:
    """The rejection of an envelope over its sender's rate."""
    return Rejection("rate_limited", "too many envelopes from this sender; retry later")


def sender_of(subject: str) -> str:
    """The authenticated sender token of an ingress subject `palermo.in.<id>`."""
    return subject.rsplit(".", 1)[-1]


def precheck(c: Candidate, directory: Directory, rate_allowed: bool) -> None:
    """Steps 1-3 up to the signature: rate (decided once per envelope by the caller's
    `SharedRateLimiter`, so a retried batch is not charged twice), size, canonical decode,
    sender, key.

    Raises `Rejection`; `StaleDirectory` (not a rejection: the caller retries later).
    """
    if not rate_allowed:
        c.hash = envelope.envelope_hash(c.data)
        raise rate_limited()
    try:
        c.parsed = envelope.parse(c.data)
    except TooLarge as exc:
        raise Rejection("too_large", str(exc)) from exc
    except Malformed as exc:
        raise Rejection("malformed", str(exc)) from exc
    finally:
        # parse computes the same BLAKE2b of the same bytes: hash them once.
        c.hash = c.parsed.hash if c.parsed is not None else envelope.envelope_hash(c.data)
    binding = c.parsed.binding
    if binding.sender != c.subject_sender:
        raise Rejection(
            "sender_mismatch",
            f"binding names {binding.sender} but the envelope came from {c.subject_sender}",
        )
    try:
        c.sender_public = directory.signing_key(binding.sender, binding.sender_key_id, c.ingress_ms)
    except UnknownAuthority as exc:
        raise Rejection("unknown_sender", str(exc)) from exc
    except AuthorityInactive as exc:
        raise Rejection("sender_inactive", str(exc)) from exc
    except (UnknownKey, KeyInvalid) as exc:
        raise Rejection("key_invalid", str(exc)) from exc


def verify(c: Candidate) -> None:
    """Step 3: outer signature, then ciphertext hash and length. CPU-bound; thread-safe."""
    assert c.parsed is not None  # noqa: S101
    try:
        envelope.verify_outer(c.parsed, c.sender_public)
    except OuterSignatureInvalid as exc:
        raise Rejection("bad_signature", str(exc)) from exc
    c.verified = True
    try:
        envelope.check_payload(c.parsed)
    except Tampered as exc:
        raise Rejection("tampered", str(exc)) from exc


def check_time(c: Candidate, times: TimeConfig) -> None:
    """Step 4a: judged against the ingress time JetStream stored, not the broker's now,
    so a backlog never turns into rejections."""
    b = c.binding
    skew_ms = int(times.future_skew * 1000)
    if b.created_ms > c.ingress_ms + skew_ms:
        raise Rejection(
            "stale",
            f"created {b.created_ms - c.ingress_ms} ms after it reached the broker "
            f"(allowed clock skew {skew_ms} ms): check the sender's clock",
        )
    age = c.ingress_ms - b.created_ms
    if age > times.past_window * 1000:
        raise Rejection(
            "stale",
            f"created {age // 1000} s before it reached the broker "
            f"(window {int(times.past_window)} s): re-seal and send again",
        )
    if b.expires_ms <= c.ingress_ms:
        raise Rejection("stale", "expired before it reached the broker")


def check_recipients(c: Candidate, directory: Directory, policy: Policy) -> None:
    """Step 5: recipients exist, are active, hold the keys named; then policy."""
    b = c.binding
    sender = directory.record(b.sender)
    records = []
    for entry in b.recipients:
        try:
            record = directory.record(entry.authority)
        except UnknownAuthority as exc:
            raise Rejection("unknown_recipient", str(exc)) from exc
        if record.status != "active":
            raise Rejection("recipient_inactive", f"{entry.authority} is {record.status}")
        if not any(
            k.use == "encrypt" and k.key_id == entry.key_id and k.valid_at(c.ingress_ms)
            for k in record.keys
        ):
            raise Rejection(
                "key_invalid",
                f"{entry.authority} has no valid encryption key {entry.key_id.hex()}: "
                "re-seal to its current key from the directory",
            )
        records.append(record)
    refusal = policy.check(sender, b.kind, records, b.victim_level, b.legal_basis)
    if refusal is not None:
        raise Rejection(refusal.code, refusal.detail)
    c.recipients = records
