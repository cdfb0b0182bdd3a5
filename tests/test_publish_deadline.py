"""A publish's acknowledgement timeout runs from the publish: when a server loses a
whole window of acknowledgements (a cluster node going down under its clients), the
window fails within one timeout, not one timeout per envelope in turn."""

from __future__ import annotations

import time

import pytest
from nats.aio.client import Client

from broker import topology
from clients.errors import SendFailed
from clients.pipelined import Publisher
from schemas.envelope import seal
from schemas.keys import AuthorityKeys

from .brokerkit import referral

TIMEOUT = 0.5
WINDOW = 10


async def test_lost_acknowledgements_fail_within_one_timeout(nc: Client) -> None:
    sender, recipient = AuthorityKeys.generate("ng-naptip"), AuthorityKeys.generate("it-dna")
    # Something takes the publishes and never acknowledges them.
    swallow = await nc.subscribe(topology.ingress_subject(sender.authority))
    publisher = Publisher(nc, sender.authority, TIMEOUT)
    try:
        sealed = [
            seal(referral(), sender=sender, recipients=[recipient.recipient]) for _ in range(WINDOW)
        ]
        waits = [await publisher.start(s) for s in sealed]
        started = time.monotonic()
        for wait in waits:
            with pytest.raises(SendFailed):
                await wait()
        assert time.monotonic() - started < TIMEOUT * 3
    finally:
        await publisher.aclose()
        await swallow.unsubscribe()
