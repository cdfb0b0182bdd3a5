"""`palermo demo send`: one referral through the demo broker, shown step by step.

ng-naptip seals a case referral whose victim record holds a name and a date of birth
(minimised on the way), publishes it, and prints the broker's signed notice; it-dna then
reads and opens it and shows what it received: pseudonyms and an age band, never the
name. It works at the wire level (seal, publish, pull) rather than through `Endpoint`,
so each step is visible; keys come from the directory, verified against the root.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping

import nats

from schemas import nats_names
from schemas.directory import Directory
from schemas.directory_bucket import load_verified
from schemas.envelope import open_envelope, seal
from schemas.keys import AuthorityKeys
from schemas.kinds import CaseReferral
from schemas.minimise import LinkageKey
from schemas.notice import BROKER_AUTHORITY, open_notices
from schemas.records import PersonIdentity, Victim

from .errors import ClientError

FETCH_WAIT = 10.0
"""Seconds to wait for the notice and for the delivery."""


def _notice_key(directory: Directory) -> bytes:
    """The broker's notice key, as its directory record lists it (use `sign`)."""
    for key in directory.record(BROKER_AUTHORITY).keys:
        if key.use == "sign":
            return key.public
    raise ClientError(f"{BROKER_AUTHORITY} has no notice key in the directory")


async def send(url: str, keys: Mapping[str, AuthorityKeys], root_public: bytes) -> int:
    """Send the demo referral from ng-naptip to it-dna and open it there."""
    naptip, dna = keys["ng-naptip"], keys["it-dna"]
    nc = await nats.connect(url, max_reconnect_attempts=0, connect_timeout=5)
    js = nc.jetstream()
    try:
        directory = await load_verified(js, root_public)
        body = CaseReferral(
            case_reference="NAPTIP/LAG/2026/0117",
            summary=(
                "Victim V1, recruited in Benin City with an offer of salon work in Italy, was "
                "moved through Agadez and Tripoli and exploited in Castel Volturno."
            ),
            victims=[
                Victim(
                    ref="V1",
                    sex="female",
                    nationality="NG",
                    exploitation=["sexual"],
                    identity=PersonIdentity(
                        names=["Blessing Okafor"], date_of_birth=dt.date(2007, 3, 12)
                    ),
                )
            ],
        )
        sealed = seal(
            body,
            sender=naptip,
            recipients=[dna.recipient],
            handling="H2",
            linkage_key=LinkageKey.generate(),
        )
        await js.publish(
            nats_names.ingress_subject("ng-naptip"),
            sealed.data,
            headers={nats_names.HEADER_MSG_ID: sealed.binding.message_id.hex()},
        )
        print(
            f"ng-naptip sent message {sealed.binding.message_id.hex()} "
            f"({len(sealed.data)} bytes, victim level {sealed.binding.victim_level})"
        )
        for authority in ("ng-naptip", "it-dna"):
            sub = await js.pull_subscribe_bind(
                durable=nats_names.inbox_consumer(authority), stream=nats_names.DELIVERY
            )
            async with asyncio.timeout(FETCH_WAIT):
                while True:
                    try:
                        (msg,) = await sub.fetch(1, timeout=1)
                    except TimeoutError:
                        continue
                    await msg.ack()
                    headers = msg.headers or {}
                    kind = headers.get(nats_names.HEADER_TYPE)
                    if authority == "ng-naptip" and kind == nats_names.TYPE_NOTICES:
                        for n in open_notices(msg.data, _notice_key(directory)).notices:
                            print(
                                f"broker notice to ng-naptip: {n.type} {n.reason or ''} "
                                f"audit position {n.audit_seq}"
                            )
                        break
                    if authority == "it-dna" and kind == nats_names.TYPE_ENVELOPE:
                        opened = open_envelope(
                            msg.data,
                            recipient=dna,
                            resolve=directory.signing_key,
                            accepted_ms=int(headers[nats_names.HEADER_ACCEPTED_MS]),
                        )
                        victim = opened.body.victims[0]  # type: ignore[union-attr]
                        print(
                            f"it-dna opened a {opened.binding.kind} from "
                            f"{opened.binding.sender}: victim {victim.ref}, "
                            f"{len(victim.pseudonyms)} pseudonyms, age band {victim.age_band}, "
                            "no name or date of birth"
                        )
                        break
            await sub.unsubscribe()
    finally:
        await nc.drain()
    return 0
