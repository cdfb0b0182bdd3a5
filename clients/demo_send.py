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
from collections.abc import Callable, Mapping

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from schemas import jsfetch, nats_names
from schemas.directory import Directory
from schemas.directory_bucket import load_verified
from schemas.envelope import open_envelope, seal
from schemas.keys import AuthorityKeys
from schemas.kinds import CaseReferral
from schemas.minimise import LinkageKey
from schemas.notice import BROKER_AUTHORITY, open_notices
from schemas.records import PersonIdentity, Victim

from .cli_common import connect_once
from .errors import ClientError

OTHERS_BACK_AFTER = 30.0
"""Seconds before a message that is not this run's goes back to its inbox: the demo
leaves it for whoever reads that inbox, instead of consuming it."""

FETCH_WAIT = 10.0
"""Seconds to wait for the notice and for the delivery."""


def _notice_key(directory: Directory) -> bytes:
    """The broker's notice key, as its directory record lists it (use `sign`)."""
    for key in directory.record(BROKER_AUTHORITY).keys:
        if key.use == "sign":
            return key.public
    raise ClientError(f"{BROKER_AUTHORITY} has no notice key in the directory")


async def _await_own(
    js: JetStreamContext, authority: str, kind: str, own: Callable[[Msg], str | None]
) -> None:
    """Pull `authority`'s inbox until `own` recognises this run's message of `kind` (and
    returns the line to print): that one is acked and printed; any other message is
    handed back for later, untouched. `ClientError` if it has not come in `FETCH_WAIT`."""
    sub = await js.pull_subscribe_bind(
        durable=nats_names.inbox_consumer(authority), stream=nats_names.DELIVERY
    )
    try:
        async with asyncio.timeout(FETCH_WAIT):
            while True:
                try:
                    (msg,) = await jsfetch.fetch(sub, 1, wait=1)
                except TimeoutError:
                    continue
                line = None
                if (msg.headers or {}).get(nats_names.HEADER_TYPE) == kind:
                    line = own(msg)
                if line is None:
                    await msg.nak(delay=OTHERS_BACK_AFTER)
                    continue
                await msg.ack()
                print(line)
                return
    except TimeoutError:
        raise ClientError(
            f"{authority} did not receive this message's {kind} within {FETCH_WAIT:g} s"
        ) from None
    finally:
        await sub.unsubscribe()


def _notice(msg: Msg, message_id: bytes, directory: Directory) -> str | None:
    """The line for the broker's notice about `message_id`, if `msg` holds it."""
    for n in open_notices(msg.data, _notice_key(directory)).notices:
        if n.message_id == message_id:
            return (
                f"broker notice to ng-naptip: {n.type} {n.reason or ''} "
                f"audit position {n.audit_seq}"
            )
    return None


def _opened(msg: Msg, message_id: bytes, dna: AuthorityKeys, directory: Directory) -> str | None:
    """The line for it-dna's opening of `message_id`, if `msg` is that envelope."""
    opened = open_envelope(
        msg.data,
        recipient=dna,
        resolve=directory.signing_key,
        accepted_ms=int((msg.headers or {})[nats_names.HEADER_ACCEPTED_MS]),
    )
    if opened.binding.message_id != message_id:
        return None
    victim = opened.body.victims[0]  # type: ignore[union-attr]
    return (
        f"it-dna opened a {opened.binding.kind} from {opened.binding.sender}: victim "
        f"{victim.ref}, {len(victim.pseudonyms)} pseudonyms, age band {victim.age_band}, "
        "no name or date of birth"
    )


async def send(url: str, keys: Mapping[str, AuthorityKeys], root_public: bytes) -> int:
    """Send the demo referral from ng-naptip to it-dna and open it there."""
    naptip, dna = keys["ng-naptip"], keys["it-dna"]
    nc = await connect_once(url)
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
        message_id = sealed.binding.message_id
        await _await_own(
            js, "ng-naptip", nats_names.TYPE_NOTICES, lambda m: _notice(m, message_id, directory)
        )
        await _await_own(
            js, "it-dna", nats_names.TYPE_ENVELOPE, lambda m: _opened(m, message_id, dna, directory)
        )
    finally:
        await nc.drain()
    return 0
