"""Ids with a trailing newline, sent for real through a broker: refused as `malformed`.

A sender signs a binding whose sender, recipient or kind is a valid id followed by a
newline. With `$`-anchored patterns under `re.search` each of them decoded; now the
broker's canonical decode refuses them before any directory lookup, audits only the
subject's sender, and delivers nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest
from nats.aio.client import Client

from broker.natsserver import NatsServer
from schemas import _crypto
from schemas.envelope import envelope_hash, parse
from schemas.kinds import encode_message
from schemas.wire import Recipient

from . import forge
from .brokerkit import Harness, referral, running_broker


def _forged(h: Harness, **changes: Any) -> bytes:
    """A referral from ng-naptip to it-dna, correctly signed, with `changes` in its binding."""
    sender, it = h.keys["ng-naptip"], h.keys["it-dna"]
    binding = parse(h.seal("ng-naptip", "it-dna")).binding
    key = _crypto.random_bytes(32)
    binding = msgspec.structs.replace(binding, key_commitment=forge.commitment(key), **changes)
    return forge.assemble(
        binding,
        encode_message(referral()),
        content_key=key,
        recipients_public=[it.encryption.public],
        inner_signer=sender.signing,
        outer_signer=sender.signing,
    )


CHANGES: dict[str, Any] = {
    "sender": lambda h: {"sender": "ng-naptip\n"},
    "recipient": lambda h: {
        "recipients": [Recipient("it-dna\n", h.keys["it-dna"].encryption.key_id)]
    },
    "kind": lambda h: {"kind": "case_referral\n"},
}


@pytest.mark.parametrize("field", list(CHANGES))
async def test_newline_id_is_refused_by_the_broker(
    nats_server: NatsServer, nc: Client, field: str
) -> None:
    """The envelope is audited `malformed` with no message id or kind, and it-dna's
    inbox holds only the good envelope sent after it."""
    h = Harness(nc)
    await h.setup()
    await h.add("ng-naptip", roles=["police"])
    await h.add("it-dna", roles=["prosecutor"])
    bad = _forged(h, **CHANGES[field](h))
    good = h.seal("ng-naptip", "it-dna")
    async with running_broker(nats_server.url, h):
        await h.send("ng-naptip", bad)
        await h.send("ng-naptip", good)
        events = await _wait_for(h, {envelope_hash(bad), envelope_hash(good)})
        delivered = await h.inbox("it-dna", 1)
        with pytest.raises(TimeoutError):  # and nothing else is waiting for it-dna
            await h.inbox("it-dna", 1, wait=1.0)

    rejected = events[envelope_hash(bad)]
    assert (rejected.event, rejected.reason) == ("rejected", "malformed")
    assert rejected.sender == "ng-naptip"
    assert (rejected.message_id, rejected.kind, rejected.recipients) == (None, None, [])
    assert events[envelope_hash(good)].event == "accepted"
    assert [(m.headers or {}).get("Palermo-Type") for m in delivered] == ["envelope"]
    assert [m.data for m in delivered] == [good]


async def _wait_for(h: Harness, hashes: set[bytes]) -> dict[bytes, Any]:
    async with asyncio.timeout(10):
        while True:
            found = {e.envelope_hash: e for e in await h.audit() if e.envelope_hash in hashes}
            if found.keys() == hashes:
                return found
            await asyncio.sleep(0.05)
