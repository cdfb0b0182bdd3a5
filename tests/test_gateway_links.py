"""`GET /v1/messages/{id}/links`: the gateway finds the stored victims that are the same
person as one of a message's, from pseudonyms and name encodings alone, under a linkage
key the two authorities share, and links nothing under a key it does not hold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import aiohttp
import msgspec
from nats.aio.client import Client

from broker.natsserver import NatsServer
from clients.gateway_client import GatewayClient, GatewayError
from clients.gateway_links import LinksView
from schemas.kinds import CaseReferral
from schemas.minimise import LinkageKey
from schemas.records import PersonIdentity, PersonName, Victim

from .brokerkit import running_broker
from .test_gateway import KEYS, A, B, config, eventually, gateway, world

SHARED = LinkageKey(bytes(range(32)))


def referral(ref: str, identity: PersonIdentity) -> CaseReferral:
    return CaseReferral(
        summary="Recruited with a promise of work, moved through Moscow.",
        victims=[Victim(ref=ref, sex="female", identity=identity)],
    )


def share_key(data: Path, counterpart: str, key: LinkageKey) -> None:
    """Store `key` as the gateway's linkage key for `counterpart` (agreed out of band)."""
    (data / "linkage").mkdir(parents=True, exist_ok=True)
    (data / "linkage" / f"{counterpart}.key").write_text(key.key.hex() + "\n")


async def test_links_across_script_under_a_shared_key_and_none_without_it(
    nats_server: NatsServer, nc: Client, tmp_path: Path
) -> None:
    """A sends B three referrals: a victim in Cyrillic, the same victim in Latin script
    with her date of birth, and a namesake born another day. At B the first links the
    second (name encodings and equal date-of-birth pseudonyms) and not the third; a
    message whose pseudonyms were made under a key B does not hold is compared with
    nothing. The answer holds scores and kinds, never a name."""
    h = await world(nc)
    share_key(tmp_path / "a", B, SHARED)
    share_key(tmp_path / "b", A, SHARED)
    born, other_day = dt.date(2006, 4, 2), dt.date(2001, 9, 30)
    cyrillic = PersonIdentity(
        structured_names=[PersonName(given=["Дильноза"], family=["Каримова"], script="Cyrl")],
        date_of_birth=born,
    )
    latin = PersonIdentity(names=["Dilnoza Karimova"], date_of_birth=born)
    namesake = PersonIdentity(names=["Dilnoza Karimova"], date_of_birth=other_day)
    async with running_broker(nats_server.url, h), \
            gateway(config(h, nats_server.url, tmp_path / "a"), h.keys[A]) as gw_a, \
            gateway(config(h, nats_server.url, tmp_path / "b"), h.keys[B]) as gw_b, \
            GatewayClient(gw_a.url, KEYS["system"]) as system_a, \
            GatewayClient(gw_b.url, KEYS["system"]) as system_b:  # fmt: skip
        sent = [
            await system_a.send(referral(ref, identity), to=[B])
            for ref, identity in (("V1", cyrillic), ("V2", latin), ("V3", namesake))
        ]
        for message in sent:

            async def at_b(message_id: str = message.message_id) -> object | None:
                try:
                    return await system_b.get(message_id)
                except GatewayError:
                    return None

            await eventually(at_b)

        async with aiohttp.ClientSession() as http:
            auth = {"Authorization": f"Bearer {KEYS['officer']}"}
            url = f"{gw_b.url}/v1/messages/{sent[0].message_id}/links"
            async with http.get(url, headers=auth) as response:
                assert response.status == 200
                raw = await response.read()
            view = msgspec.json.decode(raw, type=LinksView)
            async with http.get(url, params={"window": "0"}, headers=auth) as response:
                assert response.status == 400
            missing = f"{gw_b.url}/v1/messages/{'0' * 32}/links"
            async with http.get(missing, headers=auth) as response:
                assert response.status == 404

        assert b"Karimova" not in raw
        assert "Каримова".encode() not in raw
        (person,) = view.persons
        assert (person.ref, person.key_held) == ("V1", True)
        assert view.searched >= 2
        by_ref = {c.ref: c for c in person.candidates if c.message_id != sent[0].message_id}
        assert by_ref["V2"].linked is True
        assert by_ref["V2"].message_id == sent[1].message_id
        assert "date_of_birth" in by_ref["V2"].agreements
        assert "V3" not in by_ref  # a namesake born another day scores below zero

        # B forgets the shared key: A's pseudonyms are no longer comparable at B.
        (tmp_path / "b" / "linkage" / f"{A}.key").write_text(LinkageKey(bytes(32)).key.hex() + "\n")
    async with gateway(config(h, nats_server.url, tmp_path / "b"), h.keys[B]) as gw_b:
        async with aiohttp.ClientSession() as http:
            auth = {"Authorization": f"Bearer {KEYS['officer']}"}
            url = f"{gw_b.url}/v1/messages/{sent[0].message_id}/links"
            async with http.get(url, headers=auth) as response:
                assert response.status == 200
                view = msgspec.json.decode(await response.read(), type=LinksView)
        (person,) = view.persons
        assert (person.key_held, person.candidates, view.searched) == (False, [], 0)
