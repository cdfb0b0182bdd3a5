"""The broker on a real nats-server: acceptance, fan-out, notices and the audit record."""

from __future__ import annotations

from nats.aio.client import Client

from broker.natsserver import NatsServer
from schemas.envelope import open_envelope, parse

from .brokerkit import Harness, running_broker


async def test_accepted_message_reaches_each_recipient(nats_server: NatsServer, nc: Client) -> None:
    """An envelope to two authorities is delivered to both with its audit position, the
    sender is told (signed notice), and one `accepted` audit event lists both."""
    h = Harness(nc)
    await h.setup()
    for name in ("ng-naptip", "it-dna", "gb-nca"):
        await h.add(name)
    async with running_broker(nats_server.url, h):
        data = h.seal("ng-naptip", "it-dna", "gb-nca")
        await h.send("ng-naptip", data)
        for name in ("it-dna", "gb-nca"):
            (msg,) = await h.inbox(name, 1)
            headers = msg.headers or {}
            assert headers["Palermo-Type"] == "envelope"
            assert msg.data == data
            opened = open_envelope(
                msg.data,
                recipient=h.keys[name],
                resolve=lambda a, k, t: h.keys[a].signing.public,
                accepted_ms=int(headers["Palermo-Accepted-Ms"]),
            )
            assert opened.binding.sender == "ng-naptip"
        (notice,) = await h.notices("ng-naptip", 1)
        assert notice.type == "accepted"
        assert notice.message_id == parse(data).binding.message_id
        assert sorted(notice.recipients) == ["gb-nca", "it-dna"]
        events = [e for e in await h.audit() if e.event == "accepted"]
        assert len(events) == 1
        assert events[0].recipients == ["it-dna", "gb-nca"]
        assert events[0].message_id == notice.message_id
        assert notice.audit_seq == int(headers["Palermo-Audit-Seq"])
