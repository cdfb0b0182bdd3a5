"""Seal and open envelopes: sign-then-encrypt-then-sign, bound together.

`seal` minimises the body, encrypts it once under a fresh content key, seals that key
to every recipient, and signs twice: inside the ciphertext (the recipient's proof of
what the sender said) and over the header (what the broker checks). `parse`,
`verify_outer` and `check_payload` are the broker's checks, which never decrypt; `open`
is the recipient's, which runs them all and then decrypts. `docs/wire-format.md`
describes every byte.
"""

from __future__ import annotations

import datetime as dt
import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

import msgspec
from msgspec import Meta

from . import _crypto, codec
from .errors import (
    DisclosureInvalid,
    Expired,
    InnerSignatureInvalid,
    KindMismatch,
    Malformed,
    NotARecipient,
    NotYetValid,
    OuterSignatureInvalid,
    Tampered,
    TooLarge,
    WrongKey,
)
from .keys import AuthorityKeys, RecipientKey, verify_signature
from .kinds import (
    Message,
    canonical_message,
    decode_canonical_message,
    decode_message,
    encode_message,
    kind_of,
)
from .kinds.receipts import Receipt
from .levels import RANK, needed_level
from .minimise import LinkageKey, minimise
from .records import Disclosure, HandlingCode, Priority
from .wire import (
    VERSION,
    AttachmentRef,
    Binding,
    CheckpointRef,
    Envelope,
    Header,
    ReceiptRef,
    Recipient,
)

OUTER_DOMAIN = b"palermo/outer/v1"
INNER_DOMAIN = b"palermo/inner/v1"
COMMIT_DOMAIN = b"palermo/commit/v1"

MAX_BODY_BYTES = 256 * 1024
"""Inline payload cap; anything larger travels as an attachment. Keeps every
envelope small enough for one JetStream message and one broker pass."""
MAX_ENVELOPE_BYTES = 384 * 1024
"""Largest envelope accepted: a full body padded (PADMÉ adds < 12 %), 256 wrapped keys
(20 KiB) and the header, with margin. Checked before anything is decoded."""
MIN_PADDED = 256
"""Small messages all pad to at least this, so a short reply and a short referral
cannot be told apart by size."""
MAX_CLOCK_SKEW_MS = 2 * 60 * 1000
"""A message may be at most two minutes in the future of the judging clock."""
MAX_LIFETIME_MS = 30 * 24 * 3600 * 1000
"""`expires - created` is bounded; business deadlines belong in the body."""
DEFAULT_LIFETIME_MS = 7 * 24 * 3600 * 1000

_LENGTH = struct.Struct(">I")


class _Inner(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """The plaintext before padding: inner signature and the encoded body."""

    signature: Annotated[bytes, Meta(min_length=64, max_length=64)]
    body: bytes


_envelope_decoder = msgspec.msgpack.Decoder(Envelope)
_header_decoder = msgspec.msgpack.Decoder(Header)
_binding_decoder = msgspec.msgpack.Decoder(Binding)
_inner_decoder = msgspec.msgpack.Decoder(_Inner)


def now_ms() -> int:
    """Current UTC time in milliseconds since the epoch (the default clock)."""
    return time.time_ns() // 1_000_000


def padme(length: int) -> int:
    """PADMÉ padded length (Nikitin et al., PETS 2019), at least `MIN_PADDED`.

    Leaks O(log log n) bits of the length, with at most 12 % overhead.
    """
    if length <= MIN_PADDED:
        return MIN_PADDED
    exponent = length.bit_length() - 1
    size_bits = exponent.bit_length()
    mask = (1 << (exponent - size_bits)) - 1
    return (length + mask) & ~mask


def commitment(content_key: bytes) -> bytes:
    """Key commitment: keyed BLAKE2b-256 of the domain string under the content key."""
    return _crypto.blake2b(COMMIT_DOMAIN, key=content_key)


def envelope_hash(data: bytes) -> bytes:
    """BLAKE2b-256 of the envelope bytes: its name in the seen-set, audit and receipts."""
    return _crypto.blake2b(data)


@dataclass(frozen=True)
class Sealed:
    """A sealed envelope and the metadata its sender keeps."""

    data: bytes
    binding: Binding
    hash: bytes


@dataclass(frozen=True)
class Parsed:
    """An envelope decoded canonically down to its binding; nothing verified yet."""

    data: bytes
    envelope: Envelope
    header: Header
    binding: Binding
    hash: bytes


@dataclass(frozen=True)
class Opened:
    """A verified, decrypted message."""

    binding: Binding
    body: Message
    hash: bytes
    inner_signature: bytes
    """Keep it: with the binding and body it proves to a third party what was said."""
    binding_bytes: bytes
    """The exact binding bytes the sender signed (the header's `binding` field)."""
    body_bytes: bytes
    """The exact body bytes the sender signed: evidence is kept as these, never re-encoded."""


KeyResolver = Callable[[str, bytes, int], bytes]
"""(authority, key id, at_ms) → that authority's Ed25519 public key valid at `at_ms`;
normally `Directory.signing_key`. Raises a `ProtocolError` for an unknown or invalid key."""


def seal(
    body: Message,
    *,
    sender: AuthorityKeys,
    recipients: Sequence[RecipientKey],
    handling: HandlingCode = "H0",
    priority: Priority = "routine",
    thread_id: bytes | None = None,
    sequence: int = 0,
    in_reply_to: bytes | None = None,
    attachments: Sequence[AttachmentRef] = (),
    checkpoint: CheckpointRef | None = None,
    linkage_key: LinkageKey | None = None,
    disclosure: Disclosure | None = None,
    lifetime_ms: int = DEFAULT_LIFETIME_MS,
    created_ms: int | None = None,
    random: Callable[[int], bytes] = _crypto.random_bytes,
    ephemeral_seeds: Sequence[bytes] | None = None,
) -> Sealed:
    """Minimise, sign, encrypt to every recipient and sign again.

    Victim and witness identifiers are pseudonymised and free text is scanned first
    (`schemas.minimise`); a real identifier leaves only with `disclosure`. `random`
    and `ephemeral_seeds` exist for reproducible test vectors and are otherwise left
    alone. Raises `MinimisationError` subclasses, `TooLarge`, or `ValueError` for
    arguments that could never make a valid envelope.
    """
    created = now_ms() if created_ms is None else created_ms
    if not 0 < lifetime_ms <= MAX_LIFETIME_MS:
        raise ValueError(f"lifetime_ms must be in (0, {MAX_LIFETIME_MS}]")
    names = [r.authority for r in recipients]
    if not names:
        raise ValueError("a message needs at least one recipient")
    if len(set(names)) != len(names):
        raise ValueError("a recipient is listed twice")
    if ephemeral_seeds is not None and len(ephemeral_seeds) != len(recipients):
        raise ValueError("one ephemeral seed per recipient")

    # Size and schema first, so nothing oversized or invalid is scanned, and a sender
    # cannot send what every recipient would reject (msgspec checks bounds on decode).
    raw = encode_message(body)
    _check_size(raw)
    decode_message(raw)
    today = dt.datetime.fromtimestamp(created / 1000, dt.UTC).date()
    # National phone numbers in free text are read for the sender's and recipients'
    # countries (an authority id starts with its ISO 3166 country code, "ng-naptip").
    regions = [name[:2].upper() for name in (sender.authority, *names)]
    body, level = minimise(
        body, linkage_key=linkage_key, today=today, disclosure=disclosure, regions=regions
    )
    # Attachments declare their own level: the binding's is the highest of them all, so
    # the recipient's check (`levels.check_level`) passes whatever `seal` makes.
    needed, where = needed_level(body)
    if RANK[needed] > RANK[level]:
        if needed == "disclosed":
            raise DisclosureInvalid(f"{where} is disclosed: send it with a disclosure")
        level = needed
    # The canonical form, exactly what every receiver re-encodes and compares.
    body_bytes = canonical_message(body)
    _check_size(body_bytes)

    content_key = random(_crypto.AEAD_KEY)
    binding = Binding(
        version=VERSION,
        message_id=random(16),
        kind=kind_of(body),
        sender=sender.authority,
        sender_key_id=sender.signing.key_id,
        recipients=[Recipient(r.authority, r.key_id) for r in recipients],
        thread_id=thread_id if thread_id is not None else random(16),
        sequence=sequence,
        in_reply_to=in_reply_to,
        created_ms=created,
        expires_ms=created + lifetime_ms,
        priority=priority,
        handling=handling,
        victim_level=level,
        legal_basis=disclosure.legal_basis if level == "disclosed" and disclosure else None,
        attachments=list(attachments),
        checkpoint=checkpoint,
        receipt=receipt_ref(body),
        key_commitment=commitment(content_key),
    )
    binding_bytes = codec.encode(binding)
    inner_sig = sender.signing.sign(INNER_DOMAIN + binding_bytes + _crypto.blake2b(body_bytes))
    inner = codec.encode(_Inner(inner_sig, body_bytes))
    framed = _LENGTH.pack(len(inner)) + inner
    padded = framed + bytes(padme(len(framed)) - len(framed))
    ciphertext = _crypto.aead_encrypt(content_key, padded, binding_bytes)

    seeds: Sequence[bytes | None] = ephemeral_seeds or [None] * len(recipients)
    wrapped = [
        _crypto.seal_to(r.public, content_key, ephemeral_seed=seed)
        for r, seed in zip(recipients, seeds, strict=True)
    ]
    header_bytes = codec.encode(
        Header(
            binding=binding_bytes,
            wrapped_keys=wrapped,
            ciphertext_hash=_crypto.blake2b(ciphertext),
            padded_length=len(padded),
        )
    )
    signature = sender.signing.sign(OUTER_DOMAIN + header_bytes)
    data = codec.encode(Envelope(header_bytes, signature, ciphertext))
    return Sealed(data=data, binding=binding, hash=envelope_hash(data))


def _check_size(body_bytes: bytes) -> None:
    if len(body_bytes) > MAX_BODY_BYTES:
        raise TooLarge(
            f"body is {len(body_bytes)} bytes, over the {MAX_BODY_BYTES}-byte inline cap: "
            "send large material as an attachment"
        )


def parse(data: bytes, *, max_size: int = MAX_ENVELOPE_BYTES) -> Parsed:
    """Decode an envelope, its header and its binding, each canonically.

    Raises `TooLarge` before decoding anything over `max_size`, and `Malformed` for
    bytes that are not a version-1 envelope with one wrapped key per recipient.
    """
    if len(data) > max_size:
        raise TooLarge(f"envelope is {len(data)} bytes, over the {max_size}-byte cap")
    envelope = codec.decode_canonical(data, _envelope_decoder, "envelope")
    header = codec.decode_canonical(envelope.header, _header_decoder, "header")
    binding = codec.decode_canonical(header.binding, _binding_decoder, "binding")
    if binding.version != VERSION:
        raise Malformed(f"binding version {binding.version} is not supported (expected {VERSION})")
    if len(header.wrapped_keys) != len(binding.recipients):
        raise Malformed("header has a different number of wrapped keys than recipients")
    authorities = [r.authority for r in binding.recipients]
    if len(set(authorities)) != len(authorities):
        raise Malformed("binding lists a recipient twice")
    if (binding.victim_level == "disclosed") != (binding.legal_basis is not None):
        raise Malformed("binding has a legal basis exactly when its victim level is disclosed")
    if (binding.kind == "receipt") != (binding.receipt is not None):
        raise Malformed("binding has a receipt field exactly when its kind is receipt")
    if binding.receipt is not None and (binding.receipt.reason is None) != (
        binding.receipt.receipt_type != "non_retrieval"
    ):
        raise Malformed("binding's receipt has a reason exactly when it is non_retrieval")
    if binding.expires_ms <= binding.created_ms:
        raise Malformed("binding expires before it is created")
    if binding.expires_ms - binding.created_ms > MAX_LIFETIME_MS:
        raise Malformed(f"binding lifetime is over {MAX_LIFETIME_MS} ms")
    return Parsed(data, envelope, header, binding, envelope_hash(data))


def verify_outer(parsed: Parsed, sender_public: bytes) -> None:
    """Check the outer signature under the sender's key; `OuterSignatureInvalid` if not."""
    message = OUTER_DOMAIN + parsed.envelope.header
    if not verify_signature(sender_public, message, parsed.envelope.signature):
        raise OuterSignatureInvalid(
            f"outer signature does not verify under {parsed.binding.sender}'s key "
            f"{parsed.binding.sender_key_id.hex()}"
        )


def check_payload(parsed: Parsed) -> None:
    """Check the ciphertext against the signed hash and padded length; `Tampered` if not."""
    ciphertext = parsed.envelope.ciphertext
    if len(ciphertext) != parsed.header.padded_length + _crypto.AEAD_TAG:
        raise Tampered("ciphertext length differs from the signed padded length")
    if _crypto.blake2b(ciphertext) != parsed.header.ciphertext_hash:
        raise Tampered("ciphertext hash differs from the signed hash")


def check_time(binding: Binding, at_ms: int, *, skew_ms: int = MAX_CLOCK_SKEW_MS) -> None:
    """`NotYetValid` if created more than `skew_ms` after `at_ms`; `Expired` if past expiry."""
    if binding.created_ms > at_ms + skew_ms:
        raise NotYetValid(
            f"message created {binding.created_ms - at_ms} ms in the future "
            f"(allowed skew {skew_ms} ms)"
        )
    if at_ms >= binding.expires_ms:
        raise Expired(f"message expired {at_ms - binding.expires_ms} ms before {at_ms}")


def open_envelope(
    data: bytes,
    *,
    recipient: AuthorityKeys,
    resolve: KeyResolver,
    accepted_ms: int | None = None,
    now: Callable[[], int] = now_ms,
) -> Opened:
    """Verify and decrypt an envelope addressed to `recipient`.

    The sender's key and the time window are judged at `accepted_ms` (the acceptance
    time the broker attests with a delivery) or, without one, now. Raises, in the
    order checked: `TooLarge`, `Malformed`, the resolver's errors (`UnknownKey`,
    `KeyInvalid`, ...), `OuterSignatureInvalid`, `Tampered`, `NotYetValid`, `Expired`,
    `NotARecipient`, `WrongKey`, `Tampered` (key commitment or AEAD), `Malformed`
    (frame, padding), `TooLarge` (body over `MAX_BODY_BYTES`), `InnerSignatureInvalid`,
    `Malformed` (body not decodable or not canonical), `KindMismatch`.
    """
    parsed = parse(data)
    binding = parsed.binding
    at_ms = now() if accepted_ms is None else accepted_ms
    sender_public = resolve(binding.sender, binding.sender_key_id, at_ms)
    verify_outer(parsed, sender_public)
    check_payload(parsed)
    check_time(binding, at_ms)

    index = _recipient_index(binding, recipient)
    try:
        content_key = _crypto.unseal(
            recipient.encryption.public,
            recipient.encryption.secret,
            parsed.header.wrapped_keys[index],
        )
    except _crypto.CryptoFailure as exc:
        raise WrongKey("the wrapped content key does not open with this authority's key") from exc
    if len(content_key) != _crypto.AEAD_KEY or commitment(content_key) != binding.key_commitment:
        raise Tampered("content key does not match the key commitment")
    try:
        padded = _crypto.aead_decrypt(
            content_key, parsed.envelope.ciphertext, parsed.header.binding
        )
    except _crypto.CryptoFailure as exc:
        raise Tampered("payload does not decrypt under the committed key") from exc

    inner = _unpad(padded)
    body_bytes = inner.body
    # Open refuses what seal would refuse: a body over the inline cap.
    _check_size(body_bytes)
    expected = INNER_DOMAIN + parsed.header.binding + _crypto.blake2b(body_bytes)
    if not verify_signature(sender_public, expected, inner.signature):
        raise InnerSignatureInvalid(f"inner signature does not verify under {binding.sender}'s key")
    body = decode_canonical_message(body_bytes)
    if kind_of(body) != binding.kind:
        raise KindMismatch(f"body is a {kind_of(body)!r}, binding says {binding.kind!r}")
    if receipt_ref(body) != binding.receipt:
        raise KindMismatch("the receipt's type or reason differs from what its binding says")
    return Opened(
        binding=binding,
        body=body,
        hash=parsed.hash,
        inner_signature=inner.signature,
        binding_bytes=parsed.header.binding,
        body_bytes=body_bytes,
    )


def receipt_ref(body: Message) -> ReceiptRef | None:
    """The binding's cleartext copy of a receipt's type and reason; `None` for any
    other kind."""
    if isinstance(body, Receipt):
        return ReceiptRef(body.receipt_type, body.reason)
    return None


def _recipient_index(binding: Binding, recipient: AuthorityKeys) -> int:
    for index, entry in enumerate(binding.recipients):
        if entry.authority == recipient.authority:
            if entry.key_id != recipient.encryption.key_id:
                raise WrongKey(
                    f"message to {recipient.authority} was sealed to key {entry.key_id.hex()}, "
                    f"not {recipient.encryption.key_id.hex()}"
                )
            return index
    raise NotARecipient(f"{recipient.authority} is not a recipient of this message")


def _unpad(padded: bytes) -> _Inner:
    """Strip the length frame and zero padding; anything else there is `Malformed`."""
    if len(padded) < _LENGTH.size:
        raise Malformed("payload is shorter than its length frame")
    (length,) = _LENGTH.unpack_from(padded)
    end = _LENGTH.size + length
    if end > len(padded) or any(padded[end:]):
        raise Malformed("payload padding is not all zero bytes after the framed length")
    # The padded length is a function of the framed length: any other choice would be a
    # channel through which a sender could signal to the broker, which sees the length.
    if len(padded) != padme(end):
        raise Malformed("payload is not padded to the PADMÉ length of its frame")
    return codec.decode_canonical(padded[_LENGTH.size : end], _inner_decoder, "payload")
