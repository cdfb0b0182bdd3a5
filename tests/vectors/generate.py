"""Write tests/vectors/envelopes.json: envelope test vectors from fixed keys and nonces.

Run `make vectors` (or `python tests/vectors/generate.py`). The output is the same
byte for byte on every run: every random input (content keys, message and thread ids,
sealed-box ephemeral keys) comes from a counter, and Ed25519 is deterministic.
`tests/test_vectors.py` replays the file and checks this script still reproduces it.
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
from schemas.envelope import seal  # noqa: E402
from schemas.keys import AuthorityKeys, EncryptionKey, SigningKey  # noqa: E402
from schemas.kinds import CaseReferral, encode_message, encode_message_json  # noqa: E402
from schemas.minimise import LinkageKey  # noqa: E402
from schemas.records import PersonIdentity, Victim  # noqa: E402
from schemas.wire import Binding  # noqa: E402
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
LINKAGE = LinkageKey(bytes(range(32)))


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


def sealed(label: str, body: CaseReferral, recipients: list[AuthorityKeys], **kw: Any) -> bytes:
    return seal(
        body,
        sender=SENDER,
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
    body_json = json.loads(encode_message_json(_opened_body(single)))
    b = binding_of(single)
    _header, _signature, ciphertext = parts(single)
    ck = counter("single")(32)  # the first draw of "single" was the content key

    def forged(label: str, **kw: Any) -> bytes:
        args: dict[str, Any] = {
            "content_key": ck,
            "recipients_public": [IT.encryption.public],
            "inner_signer": SENDER.signing,
            "outer_signer": SENDER.signing,
            "ephemeral_seeds": seeds(label, 1),
        }
        args.update(kw)
        binding = args.pop("binding", b)
        body = args.pop("body", encode_message(_opened_body(single)))
        return forge.assemble(binding, body, **args)

    enc = msgspec.msgpack.Encoder()
    noncanonical_binding = b"\x91" + enc.encode(b)[1:]  # wrong array length prefix: not canonical
    other_kind = msgspec.structs.replace(b, kind="network_notice")
    other_key = _crypto.blake2b(b"palermo/vectors/other-key")
    replay_body = referral(SUMMARY + " Second version.")

    vectors = [
        ok("success-single", single, IT, body_json),
        ok("success-multi-it", multi, IT, json.loads(encode_message_json(_opened_body(multi)))),
        ok("success-multi-gb", multi, GB, json.loads(encode_message_json(_opened_body(multi)))),
        bad(
            "outer-signature-flipped",
            flip(single, len(single) - len(ciphertext) - 10),
            IT,
            "bad-signature",
            "OuterSignatureInvalid",
        ),
        bad(
            "outer-signature-by-impostor",
            forged("impostor", outer_signer=IMPOSTOR),
            IT,
            "bad-signature",
            "OuterSignatureInvalid",
        ),
        bad(
            "inner-signature-by-impostor",
            forged("inner", inner_signer=IMPOSTOR),
            IT,
            "bad-signature",
            "InnerSignatureInvalid",
        ),
        bad(
            "recipients-edited",
            _edit_recipients(multi),
            IT,
            "bad-signature",
            "OuterSignatureInvalid",
        ),
        bad("ciphertext-flipped", flip(single, len(single) - 1), IT, "tampered", "Tampered"),
        bad(
            "wrapped-key-not-committed",
            forged("commit", wrapped_content_keys=[other_key]),
            IT,
            "tampered",
            "Tampered",
        ),
        bad("not-a-recipient", single, OUTSIDER, "wrong-recipient", "NotARecipient"),
        bad("rotated-key", single, IT_ROTATED, "wrong-key", "WrongKey"),
        bad("expired", single, IT, "expired", "Expired", accepted_ms=CREATED_MS + LIFETIME_MS),
        bad(
            "not-yet-valid",
            single,
            IT,
            "not-yet-valid",
            "NotYetValid",
            accepted_ms=CREATED_MS - 180_000,
        ),
        bad("truncated", single[:-1], IT, "malformed", "Malformed"),
        bad(
            "noncanonical-binding",
            forged("noncanon", binding=noncanonical_binding),
            IT,
            "malformed",
            "Malformed",
        ),
        bad("kind-mismatch", forged("kind", binding=other_kind), IT, "malformed", "KindMismatch"),
        bad(
            "replayed-message-id",
            sealed("single", replay_body, [IT]),
            IT,
            "replay",
            "ReplayDetected",
            replay_of="success-single",
        ),
    ]
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
            for name, k in {
                "sender": SENDER,
                "it": IT,
                "gb": GB,
                "outsider": OUTSIDER,
                "it_rotated": IT_ROTATED,
            }.items()
        },
        "linkage_key": LINKAGE.key.hex(),
        "vectors": vectors,
    }


RECIPIENT_NAMES = {
    id(SENDER): "sender",
    id(IT): "it",
    id(GB): "gb",
    id(OUTSIDER): "outsider",
    id(IT_ROTATED): "it_rotated",
}


def ok(name: str, data: bytes, recipient: AuthorityKeys, body: Any) -> dict[str, Any]:
    return {
        "name": name,
        "outcome": "success",
        "error": None,
        "recipient": RECIPIENT_NAMES[id(recipient)],
        "accepted_ms": ACCEPTED_MS,
        "envelope": data.hex(),
        "body": body,
    }


def bad(
    name: str,
    data: bytes,
    recipient: AuthorityKeys,
    outcome: str,
    error: str,
    *,
    accepted_ms: int = ACCEPTED_MS,
    replay_of: str | None = None,
) -> dict[str, Any]:
    vector = {
        "name": name,
        "outcome": outcome,
        "error": error,
        "recipient": RECIPIENT_NAMES[id(recipient)],
        "accepted_ms": accepted_ms,
        "envelope": data.hex(),
    }
    if replay_of:
        vector["replay_of"] = replay_of
    return vector


def _opened_body(data: bytes) -> Any:
    from schemas.envelope import open_envelope  # noqa: PLC0415

    keys = {SENDER.signing.key_id: SENDER.signing.public}
    return open_envelope(
        data,
        recipient=IT if IT.authority in [r.authority for r in binding_of(data).recipients] else GB,
        resolve=lambda _a, kid, _t: keys[kid],
        accepted_ms=ACCEPTED_MS,
    ).body


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
