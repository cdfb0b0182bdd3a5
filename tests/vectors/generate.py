"""Write tests/vectors/envelopes.json: envelope test vectors from fixed keys and nonces.

Run `make vectors` (or `python tests/vectors/generate.py`). The output is the same
byte for byte on every run: every random input (content keys, message and thread ids,
sealed-box ephemeral keys) comes from a counter, and Ed25519 is deterministic.
`tests/test_vectors.py` replays the file and checks this script still reproduces it.
Envelopes that `seal` refuses to make (bad encodings, broken binding rules, wrong
padding, non-canonical bodies) are assembled by `tests/forge.py`, which follows the
spec rather than `schemas.envelope`. The file's fields are described in
docs/wire-format.md §14.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from schemas import _crypto  # noqa: E402
from schemas.envelope import (  # noqa: E402
    MAX_BODY_BYTES,
    MAX_ENVELOPE_BYTES,
    MAX_LIFETIME_MS,
    Opened,
    open_envelope,
    seal,
)
from schemas.keys import AuthorityKeys, EncryptionKey, SigningKey  # noqa: E402
from schemas.kinds import (  # noqa: E402
    CaseReferral,
    ErasureConfirmation,
    ErasureNotice,
    Message,
    Receipt,
    StatisticsCell,
    StatisticsDefinitions,
    StatisticsReport,
    encode_message,
    encode_message_json,
)
from schemas.minimise import LinkageKey  # noqa: E402
from schemas.records import PersonIdentity, Victim  # noqa: E402
from schemas.wire import Binding, ReceiptRef, Recipient  # noqa: E402
from tests import forge  # noqa: E402

OUT = Path(__file__).with_name("envelopes.json")
CREATED_MS = 1_790_000_000_000
LIFETIME_MS = 24 * 3600 * 1000
ACCEPTED_MS = CREATED_MS + 5_000


def party(n: int, authority: str) -> AuthorityKeys:
    """Fixed keys: signing seed n*32, encryption seed (n+0x10)*32."""
    return AuthorityKeys(
        authority, SigningKey(bytes([n]) * 32), EncryptionKey.from_seed(bytes([n + 0x10]) * 32)
    )


SENDER = party(1, "ng-naptip")
IT = party(2, "it-dna")
GB = party(3, "gb-nca")
OUTSIDER = party(4, "fr-ocrteh")
IT_ROTATED = AuthorityKeys("it-dna", IT.signing, EncryptionKey.from_seed(bytes([0x22]) * 32))
IMPOSTOR = SigningKey(bytes([9]) * 32)
RETIRED = AuthorityKeys("ng-naptip", SigningKey(bytes([5]) * 32), SENDER.encryption)
SUSPENDED = party(6, "de-bka")
UNLISTED = party(7, "es-policia")
LINKAGE = LinkageKey(bytes(range(32)))
YEAR_MS = 365 * 24 * 3600 * 1000

PARTIES = {
    "sender": SENDER,
    "it": IT,
    "gb": GB,
    "outsider": OUTSIDER,
    "it_rotated": IT_ROTATED,
    "sender_retired": RETIRED,
    "suspended": SUSPENDED,
    "unlisted": UNLISTED,
}
RECIPIENT_NAMES = {id(keys): name for name, keys in PARTIES.items()}


def key_entry(use: str, key_id: bytes, public: bytes, not_after_ms: int) -> dict[str, Any]:
    return {
        "use": use,
        "key_id": key_id.hex(),
        "public": public.hex(),
        "not_before_ms": CREATED_MS - YEAR_MS,
        "not_after_ms": not_after_ms,
    }


def authority_entry(status: str, *keys: AuthorityKeys, retired: SigningKey | None = None) -> Any:
    """A directory entry: every key valid for a year either side of CREATED_MS, except
    a retired signing key, which stopped being valid a day before."""
    entries = []
    for k in keys:
        entries.append(key_entry("sign", k.signing.key_id, k.signing.public, CREATED_MS + YEAR_MS))
        entries.append(
            key_entry("encrypt", k.encryption.key_id, k.encryption.public, CREATED_MS + YEAR_MS)
        )
    if retired is not None:
        entries.append(
            key_entry("sign", retired.key_id, retired.public, CREATED_MS - 24 * 3600 * 1000)
        )
    return {"authority": keys[0].authority, "status": status, "keys": entries}


DIRECTORY = [
    authority_entry("active", SENDER, retired=RETIRED.signing),
    authority_entry("active", IT),
    authority_entry("active", GB),
    authority_entry("active", OUTSIDER),
    authority_entry("suspended", SUSPENDED),
]
"""The directory the vectors are judged against (es-policia is not in it)."""


def counter(label: str) -> Callable[[int], bytes]:
    """Deterministic stand-in for the CSPRNG: BLAKE2b(label ‖ n) for the n-th call."""
    state = {"n": 0}

    def take(size: int) -> bytes:
        state["n"] += 1
        return _crypto.blake2b(f"palermo/vectors/{label}/{state['n']}".encode(), size=size)

    return take


def seeds(label: str, n: int) -> list[bytes]:
    return [_crypto.blake2b(f"palermo/vectors/{label}/eph/{i}".encode()) for i in range(n)]


def referral(summary: str) -> CaseReferral:
    return CaseReferral(
        case_reference="NG/NAPTIP/2026/0042",
        summary=summary,
        victims=[
            Victim(
                ref="V1",
                sex="female",
                nationality="NG",
                exploitation=["sexual"],
                identified_in="2026-08",
                identity=PersonIdentity(
                    names=["Blessing Okafor"],
                    date_of_birth=dt.date(2007, 3, 12),
                    phones=["+234 803 555 0199"],
                ),
            )
        ],
    )


SUMMARY = (
    "Victim V1 was recruited in Benin City with an offer of salon work in Italy, moved "
    "through Agadez and Tripoli, and exploited in Castel Volturno from May 2026."
)


def sealed(
    label: str,
    body: Message,
    recipients: list[AuthorityKeys],
    *,
    sender: AuthorityKeys = SENDER,
    **kw: Any,
) -> bytes:
    return seal(
        body,
        sender=sender,
        recipients=[r.recipient for r in recipients],
        handling="H2",
        priority="urgent",
        linkage_key=LINKAGE,
        lifetime_ms=LIFETIME_MS,
        created_ms=CREATED_MS,
        random=counter(label),
        ephemeral_seeds=seeds(label, len(recipients)),
        **kw,
    ).data


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def parts(data: bytes) -> tuple[bytes, bytes, bytes]:
    header, signature, ciphertext = msgspec.msgpack.decode(data, type=tuple[bytes, bytes, bytes])
    return header, signature, ciphertext


def binding_of(data: bytes) -> Binding:
    header = msgspec.msgpack.decode(parts(data)[0], type=list[Any])
    return msgspec.msgpack.decode(header[0], type=Binding)


def build() -> dict[str, Any]:
    single = sealed("single", referral(SUMMARY), [IT])
    multi = sealed("multi", referral(SUMMARY), [IT, GB])
    body_bytes = _opened(single).body_bytes
    body_json = json.loads(encode_message_json(_opened(single).body))
    b = binding_of(single)
    _header, _signature, ciphertext = parts(single)
    ck = counter("single")(32)  # the first draw of "single" was the content key

    def forged(label: str, **kw: Any) -> bytes:
        args: dict[str, Any] = {
            "content_key": ck,
            "recipients_public": [IT.encryption.public],
            "inner_signer": SENDER.signing,
            "outer_signer": SENDER.signing,
            "ephemeral_seeds": seeds(label, len(kw.get("recipients_public", [IT]))),
        }
        args.update(kw)
        binding = args.pop("binding", b)
        body = args.pop("body", body_bytes)
        return forge.assemble(binding, body, **args)

    def edit(**changes: Any) -> Binding:
        return msgspec.structs.replace(b, **changes)

    def raw_binding(**raw: bytes) -> bytes:
        """The binding with some fields replaced by the given raw msgpack bytes."""
        items = forge.fields(b)
        for name, value in raw.items():
            items[Binding.__struct_fields__.index(name)] = value
        return forge.array(items)

    enc = msgspec.msgpack.Encoder()
    noncanonical_binding = b"\x91" + enc.encode(b)[1:]  # wrong array length prefix: not canonical
    other_kind = edit(kind="network_notice")
    other_key = _crypto.blake2b(b"palermo/vectors/other-key")
    replay_body = referral(SUMMARY + " Second version.")
    two = [IT.encryption.public, GB.encryption.public]

    receipt = Receipt(
        receipt_type="delivered",
        message_id=b.message_id,
        envelope_hash=_crypto.blake2b(single),
        at_ms=ACCEPTED_MS,
        audit_sequence=7,
    )
    receipt_bytes = encode_message(receipt)
    receipt_binding = edit(
        kind="receipt", victim_level="none", receipt=ReceiptRef("delivered", None)
    )
    referral_entries = forge.entries(body_bytes)
    receipt_entries = forge.entries(receipt_bytes)

    notice = ErasureNotice(
        thread_id=b.thread_id, message_ids=[b.message_id], legal_basis="court_order",
        reference="Trib. Torino ord. 2026/118", erased_ms=ACCEPTED_MS,
    )  # fmt: skip
    notice_data = sealed("notice", notice, [IT], thread_id=b.thread_id, sequence=1)
    confirmation = ErasureConfirmation(
        notice_id=binding_of(notice_data).message_id, thread_id=b.thread_id,
        erased_ms=ACCEPTED_MS, messages=1,
    )  # fmt: skip
    confirmation_data = sealed(
        "confirmation", confirmation, [IT], thread_id=b.thread_id, sequence=2,
        in_reply_to=binding_of(notice_data).message_id,
    )  # fmt: skip

    statistics = StatisticsReport(
        reporting_authority=SENDER.authority, period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 6, 30), definitions=StatisticsDefinitions(code="glotip-2024"),
        measures=["victims_identified", "convicted"],
        cells=[
            StatisticsCell("victims_identified", "female", "12-17", "sexual", "NG", 14),
            StatisticsCell("victims_identified", "male", "25-59", "forced_labour", "NG", 9),
            StatisticsCell("convicted", "male", "25-59", "sexual", "NG", 3),
        ],
    )  # fmt: skip
    statistics_data = sealed("statistics", statistics, [IT])

    def with_entry(entries: list[tuple[str, bytes]], at: int, key: str, value: bytes) -> bytes:
        return forge.map_of([*entries[:at], (key, value), *entries[at:]])

    vectors = [
        ok("success-single", "sealed to one recipient", single, IT, body_json),
        ok(
            "success-multi-it",
            "sealed to two recipients, opened by the first",
            multi,
            IT,
            json.loads(encode_message_json(_opened(multi).body)),
        ),
        ok(
            "success-multi-gb",
            "sealed to two recipients, opened by the second",
            multi,
            GB,
            json.loads(encode_message_json(_opened(multi).body)),
        ),
        ok(
            "success-receipt",
            "a delivered receipt, its type repeated in the binding",
            forged("receipt", binding=receipt_binding, body=receipt_bytes),
            IT,
            json.loads(encode_message_json(receipt)),
        ),
        ok(
            "success-erasure-notice",
            "an erasure notice in the thread it erases (no person, no content)",
            notice_data,
            IT,
            json.loads(encode_message_json(notice)),
        ),
        ok(
            "success-erasure-confirmation",
            "an erasure confirmation in reply to the notice",
            confirmation_data,
            IT,
            json.loads(encode_message_json(confirmation)),
        ),
        ok(
            "success-statistics-report",
            "a statistics report: counts in cells of closed codes, victim level none",
            statistics_data,
            IT,
            json.loads(encode_message_json(statistics)),
        ),
        # --- §4 size -----------------------------------------------------------------
        bad(
            "envelope-too-large",
            "one byte over 393,216: refused before anything is decoded",
            single,
            IT,
            "too_large",
            append_zeros=MAX_ENVELOPE_BYTES + 1 - len(single),
        ),
        # --- §3, §6 decoding and binding rules ------------------------------------------
        bad("truncated", "the last byte is missing", single[:-1], IT, "malformed"),
        bad(
            "noncanonical-binding",
            "the binding's array header says 1 element",
            forged("noncanon", binding=noncanonical_binding),
            IT,
            "malformed",
        ),
        bad(
            "version-2",
            "binding version 2",
            forged("version", binding=edit(version=2)),
            IT,
            "malformed",
        ),
        bad(
            "wrapped-key-count",
            "two wrapped keys for one recipient",
            forged("wrapcount", recipients_public=two),
            IT,
            "malformed",
        ),
        bad(
            "duplicate-recipient",
            "it-dna listed twice",
            forged(
                "duplicate",
                binding=edit(recipients=[b.recipients[0], b.recipients[0]]),
                recipients_public=[IT.encryption.public, IT.encryption.public],
            ),
            IT,
            "malformed",
        ),
        bad(
            "lifetime-zero",
            "expires_ms equal to created_ms",
            forged("life0", binding=edit(expires_ms=b.created_ms)),
            IT,
            "malformed",
        ),
        bad(
            "lifetime-over-30-days",
            "expires_ms - created_ms = 30 days + 1 ms",
            forged("life31", binding=edit(expires_ms=b.created_ms + MAX_LIFETIME_MS + 1)),
            IT,
            "malformed",
        ),
        bad(
            "disclosed-without-legal-basis",
            "victim_level disclosed, legal_basis nil",
            forged("nobasis", binding=edit(victim_level="disclosed")),
            IT,
            "malformed",
        ),
        bad(
            "legal-basis-without-disclosure",
            "legal_basis set, victim_level pseudonymised",
            forged("basis", binding=edit(legal_basis="court_order")),
            IT,
            "malformed",
        ),
        bad(
            "receipt-field-on-referral",
            "a case_referral whose binding carries a receipt field",
            forged("rfield", binding=edit(receipt=ReceiptRef("delivered", None))),
            IT,
            "malformed",
        ),
        bad(
            "receipt-without-receipt-field",
            "a receipt whose binding has no receipt field",
            forged(
                "rnone",
                binding=msgspec.structs.replace(receipt_binding, receipt=None),
                body=receipt_bytes,
            ),
            IT,
            "malformed",
        ),
        bad(
            "receipt-reason-on-delivered",
            "binding receipt field: delivered with a reason",
            forged(
                "rreason",
                binding=msgspec.structs.replace(
                    receipt_binding, receipt=ReceiptRef("delivered", "expired")
                ),
                body=receipt_bytes,
            ),
            IT,
            "malformed",
        ),
        bad(
            "receipt-binding-differs-from-body",
            "binding says retrieved, the signed body says delivered",
            forged(
                "rdiffer",
                binding=msgspec.structs.replace(
                    receipt_binding, receipt=ReceiptRef("retrieved", None)
                ),
                body=receipt_bytes,
            ),
            IT,
            "malformed",
        ),
        bad(
            "integer-over-range",
            "created_ms and expires_ms above 2^63 - 1 (uint 64 form)",
            forged(
                "range",
                binding=raw_binding(
                    created_ms=b"\xcf" + (2**63).to_bytes(8, "big"),
                    expires_ms=b"\xcf" + (2**63 + 1).to_bytes(8, "big"),
                ),
            ),
            IT,
            "malformed",
        ),
        bad(
            "integer-long-form",
            "sequence 0 written as uint 8 (0xcc 0x00)",
            forged("longint", binding=raw_binding(sequence=b"\xcc\x00")),
            IT,
            "malformed",
        ),
        bad(
            "string-long-form",
            "kind written as str 8 (0xd9) although it fits a fixstr",
            forged(
                "longstr",
                binding=raw_binding(kind=b"\xd9" + bytes([len(b.kind)]) + b.kind.encode()),
            ),
            IT,
            "malformed",
        ),
        bad(
            "id-as-str",
            "message_id written as a 16-character str instead of bin",
            forged("idstr", binding=raw_binding(message_id=enc.encode("0123456789abcdef"))),
            IT,
            "malformed",
        ),
        bad(
            "recipient-trailing-newline",
            'the recipient is "gb-nca" followed by a newline',
            forged(
                "nlrecipient",
                binding=edit(recipients=[Recipient("gb-nca\n", GB.encryption.key_id)]),
                recipients_public=[GB.encryption.public],
            ),
            GB,
            "malformed",
        ),
        bad(
            "sender-trailing-newline",
            'the sender is "ng-naptip" followed by a newline',
            forged("nlsender", binding=edit(sender="ng-naptip\n")),
            IT,
            "malformed",
        ),
        bad(
            "kind-trailing-newline",
            'the kind is "case_referral" followed by a newline',
            forged("nlkind", binding=edit(kind="case_referral\n")),
            IT,
            "malformed",
        ),
        # --- §8 step 2: the directory -----------------------------------------------
        bad(
            "unknown-authority",
            "sealed by es-policia, which the directory does not list",
            sealed("unlisted", referral(SUMMARY), [IT], sender=UNLISTED),
            IT,
            "unknown_authority",
        ),
        bad(
            "authority-inactive",
            "sealed by de-bka, suspended in the directory",
            sealed("suspended", referral(SUMMARY), [IT], sender=SUSPENDED),
            IT,
            "authority_inactive",
        ),
        bad(
            "unknown-key",
            "ng-naptip's binding names a signing key id the directory does not list",
            forged(
                "unknownkey",
                binding=edit(sender_key_id=IMPOSTOR.key_id),
                inner_signer=IMPOSTOR,
                outer_signer=IMPOSTOR,
            ),
            IT,
            "unknown_key",
        ),
        bad(
            "key-invalid",
            "signed with ng-naptip's retired key, whose validity ended before acceptance",
            sealed("retired", referral(SUMMARY), [IT], sender=RETIRED),
            IT,
            "key_invalid",
        ),
        # --- §8 steps 3-7 ------------------------------------------------------------
        bad(
            "outer-signature-flipped",
            "one bit of the outer signature flipped",
            flip(single, len(single) - len(ciphertext) - 10),
            IT,
            "bad_signature",
        ),
        bad(
            "outer-signature-by-impostor",
            "the header signed by a key that is not the sender's",
            forged("impostor", outer_signer=IMPOSTOR),
            IT,
            "bad_signature",
        ),
        bad(
            "recipients-edited",
            "the second recipient and its wrapped key removed, signature kept",
            _edit_recipients(multi),
            IT,
            "bad_signature",
        ),
        bad(
            "ciphertext-flipped",
            "one bit of the ciphertext flipped",
            flip(single, len(single) - 1),
            IT,
            "tampered",
        ),
        bad(
            "not-yet-valid",
            "judged 3 minutes before its creation",
            single,
            IT,
            "not_yet_valid",
            accepted_ms=CREATED_MS - 180_000,
        ),
        bad(
            "expired",
            "judged at its expiry",
            single,
            IT,
            "expired",
            accepted_ms=CREATED_MS + LIFETIME_MS,
        ),
        bad("not-a-recipient", "opened by fr-ocrteh", single, OUTSIDER, "not_a_recipient"),
        bad(
            "rotated-key",
            "opened by it-dna holding only a newer encryption key",
            single,
            IT_ROTATED,
            "wrong_key",
        ),
        bad(
            "wrapped-key-not-committed",
            "the wrapped key is not the key the commitment is for",
            forged("commit", wrapped_content_keys=[other_key]),
            IT,
            "tampered",
        ),
        # --- §8 steps 8-10: payload and body ------------------------------------------
        bad(
            "padding-not-zero",
            "the padding after the frame holds 0x01 bytes",
            forged("padbyte", pad_byte=1),
            IT,
            "malformed",
        ),
        bad(
            "padding-not-padme",
            "zero padding 256 bytes longer than PADME asks",
            forged("padlen", pad_to=forge.padded_size(_framed_length(body_bytes)) + 256),
            IT,
            "malformed",
        ),
        bad(
            "body-too-large",
            "a body of 262,145 bytes, one over the inline cap",
            forged("bigbody", body=bytes(MAX_BODY_BYTES + 1)),
            IT,
            "too_large",
        ),
        bad(
            "inner-signature-by-impostor",
            "the inner signature made by a key that is not the sender's",
            forged("inner", inner_signer=IMPOSTOR),
            IT,
            "bad_signature",
        ),
        bad(
            "body-duplicate-key",
            "the body map has summary twice (the second differs)",
            forge.map_of([*referral_entries, ("summary", enc.encode("Something else."))]),
            IT,
            "malformed",
            body=True,
        ),
        bad(
            "body-default-written",
            'the body writes urgency "routine", its default',
            with_entry(referral_entries, len(referral_entries), "urgency", enc.encode("routine")),
            IT,
            "malformed",
            body=True,
        ),
        bad(
            "body-integer-long-form",
            "a receipt body with audit_sequence 7 written as uint 8 (0xcc 0x07)",
            forge.map_of(
                [(k, b"\xcc\x07" if k == "audit_sequence" else v) for k, v in receipt_entries]
            ),
            IT,
            "malformed",
            body=True,
            binding=receipt_binding,
        ),
        bad(
            "body-map-long-header",
            "the body map written with a map 16 header although it has fewer than 16 entries",
            forge.map_of(
                referral_entries, header=b"\xde" + len(referral_entries).to_bytes(2, "big")
            ),
            IT,
            "malformed",
            body=True,
        ),
        bad(
            "body-fields-out-of-order",
            "summary before case_reference",
            forge.map_of(
                [
                    referral_entries[0],
                    referral_entries[2],
                    referral_entries[1],
                    *referral_entries[3:],
                ]
            ),
            IT,
            "malformed",
            body=True,
        ),
        bad(
            "kind-mismatch",
            "the binding says network_notice, the body is a case_referral",
            forged("kind", binding=other_kind),
            IT,
            "malformed",
        ),
        # --- §8 step 11 ----------------------------------------------------------------
        bad(
            "replayed-message-id",
            "a second, different envelope with the message id of success-single",
            sealed("single", replay_body, [IT]),
            IT,
            "replay",
            replay_of="success-single",
        ),
    ]
    for vector in vectors:
        if vector.pop("body_label", None):
            # A body vector holds the raw body bytes until here: seal them.
            raw = bytes.fromhex(vector["envelope"])
            binding = vector.pop("binding_override", None) or b
            vector["envelope"] = forged("body/" + vector["name"], binding=binding, body=raw).hex()
    return {
        "description": "Palermo envelope vectors, wire format version 1 (docs/wire-format.md)",
        "created_ms": CREATED_MS,
        "parties": {
            name: {
                "authority": k.authority,
                "signing_seed": k.signing.seed.hex(),
                "signing_public": k.signing.public.hex(),
                "encryption_secret": k.encryption.secret.hex(),
                "encryption_public": k.encryption.public.hex(),
            }
            for name, k in PARTIES.items()
        },
        "directory": DIRECTORY,
        "linkage_key": LINKAGE.key.hex(),
        "vectors": vectors,
    }


def ok(
    name: str, description: str, data: bytes, recipient: AuthorityKeys, body: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "outcome": "success",
        "recipient": RECIPIENT_NAMES[id(recipient)],
        "accepted_ms": ACCEPTED_MS,
        "envelope": data.hex(),
        "body": body,
    }


def bad(
    name: str,
    description: str,
    data: bytes,
    recipient: AuthorityKeys,
    code: str,
    *,
    accepted_ms: int = ACCEPTED_MS,
    replay_of: str | None = None,
    append_zeros: int = 0,
    body: bool = False,
    binding: Binding | None = None,
) -> dict[str, Any]:
    """A vector that must fail with `code`. With `body`, `data` is a raw body that
    `build` seals into a forged envelope (under `binding` if given)."""
    vector: dict[str, Any] = {
        "name": name,
        "description": description,
        "outcome": code,
        "recipient": RECIPIENT_NAMES[id(recipient)],
        "accepted_ms": accepted_ms,
        "envelope": data.hex(),
    }
    if append_zeros:
        vector["append_zeros"] = append_zeros
    if replay_of:
        vector["replay_of"] = replay_of
    if body:
        vector["body_label"] = True
        vector["binding_override"] = binding
    return vector


def _framed_length(body: bytes) -> int:
    """Length of the frame (u32 length ‖ inner) around `body` with a 64-byte signature."""
    return 4 + len(msgspec.msgpack.encode([bytes(64), body]))


def _opened(data: bytes) -> Opened:
    keys = {SENDER.signing.key_id: SENDER.signing.public}
    return open_envelope(
        data,
        recipient=IT if IT.authority in [r.authority for r in binding_of(data).recipients] else GB,
        resolve=lambda _a, kid, _t: keys[kid],
        accepted_ms=ACCEPTED_MS,
    )


def _edit_recipients(data: bytes) -> bytes:
    """Drop the second recipient (and its wrapped key) but keep the sender's signature."""
    header, signature, ciphertext = parts(data)
    h = msgspec.msgpack.decode(header, type=list[Any])
    b = msgspec.msgpack.decode(h[0], type=Binding)
    enc = msgspec.msgpack.Encoder()
    h[0] = enc.encode(msgspec.structs.replace(b, recipients=b.recipients[:1]))
    h[1] = h[1][:1]
    return enc.encode([enc.encode(h), signature, ciphertext])


def render() -> bytes:
    return (json.dumps(build(), indent=1, ensure_ascii=False) + "\n").encode()


if __name__ == "__main__":
    OUT.write_bytes(render())
    print(f"wrote {OUT.relative_to(ROOT)}")
