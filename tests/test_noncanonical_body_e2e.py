"""A body with two values for one field, sent for real through a broker, does not open.

The broker cannot see a body, so it accepts and delivers the envelope; the recipient,
opening what it fetched from its inbox, refuses it as `malformed` instead of reading
one of the two summaries (a lenient decoder keeps the second; another implementation
might keep the first).
"""

from __future__ import annotations

import msgspec
import pytest
from nats.aio.client import Client

from broker.natsserver import NatsServer
from schemas import _crypto
from schemas.envelope import open_envelope, parse
from schemas.errors import Malformed
from schemas.kinds import CaseReferral, decode_message, encode_message

from . import forge
from .brokerkit import Harness, referral, running_broker


async def test_duplicate_key_body_is_refused_by_the_recipient(
    nats_server: NatsServer, nc: Client
) -> None:
    """Delivered by the broker, refused on open with `Malformed` (code `malformed`)."""
    h = Harness(nc)
    await h.setup()
    sender = await h.add("ng-naptip", roles=["police"])
    it = await h.add("it-dna", roles=["prosecutor"])
    entries = forge.entries(encode_message(referral()))
    body = forge.map_of([*entries, ("summary", forge.enc.encode("A different account."))])
    lenient = decode_message(body)
    assert isinstance(lenient, CaseReferral)
    assert lenient.summary == "A different account."

    key = _crypto.random_bytes(32)
    binding = parse(h.seal("ng-naptip", "it-dna")).binding
    binding = msgspec.structs.replace(binding, key_commitment=forge.commitment(key))
    data = forge.assemble(
        binding,
        body,
        content_key=key,
        recipients_public=[it.encryption.public],
        inner_signer=sender.signing,
        outer_signer=sender.signing,
    )
    async with running_broker(nats_server.url, h):
        await h.send("ng-naptip", data)
        (msg,) = await h.inbox("it-dna", 1)

    headers = msg.headers or {}
    assert msg.data == data
    with pytest.raises(Malformed) as info:
        open_envelope(
            msg.data,
            recipient=it,
            resolve=lambda a, k, t: h.keys[a].signing.public,
            accepted_ms=int(headers["Palermo-Accepted-Ms"]),
        )
    assert info.value.code == "malformed"
    assert str(info.value) == "message body is not in canonical encoding"
