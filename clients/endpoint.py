"""The endpoint: an authority on NATS, with its keys and its own verified directory.

What a gateway runs, and what a small authority without one runs directly. It sends
(minimised, sealed, published by message id so that `resend` of the same envelope is
stored once) and receives: every inbox message is verified against the directory it
verified itself — never trusting the broker, never letting that directory go back —
opened, checked against its declared victim level, de-duplicated by (sender, message
id) for good, and handed over; only when the caller comes back for the next one is it
acked and a signed retrieval receipt sent. Every failure of one message is a typed
event (`clients.events`), never an exception out of the loop: a message that cannot
be opened or is refused gets a signed non-retrieval receipt instead. Broker notices
arrive in the same stream of events, their signature verified. Exactly one endpoint
may consume an authority's inbox.
"""

from __future__ import annotations

import contextlib
import dbm
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import msgspec
import nats
import nats.errors
import nats.js.errors
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from schemas import jsfetch
from schemas import nats_names as topology
from schemas.directory import Directory
from schemas.envelope import Opened, Sealed, envelope_hash, now_ms, open_envelope, parse, seal
from schemas.errors import DirectoryError, InvalidTransition, ProtocolError, ReplayDetected
from schemas.keys import AuthorityKeys
from schemas.kinds import (
    ExtraditionRequest,
    ExtraditionStatus,
    Message,
    MlaRequest,
    MlaStatus,
    Receipt,
)
from schemas.levels import DisclosureMismatch, VictimLevelExceeded, check_level
from schemas.minimise import LinkageKey
from schemas.nats_connect import FirstConnectFailed, connect_first
from schemas.note import Checkpoint, NoteVerifier
from schemas.notice import BROKER_AUTHORITY, open_notices
from schemas.records import Disclosure, HandlingCode, NonRetrievalReason, Priority
from schemas.replay import SeenSet
from schemas.wire import AttachmentRef, CheckpointRef
from schemas.witness import WitnessKey

from .delivery import BadHeader, named, notice_key_id, read_delivery
from .directory import DirectoryKeeper
from .errors import ClientError, DirectoryUnavailable, SendFailed, UnknownRecipient
from .events import (
    BadDelivery,
    BadDeliveryReason,
    BrokerNotice,
    Deferred,
    Event,
    Received,
    Refused,
    Replayed,
    Settler,
    Unopenable,
)
from .evidence import CheckpointWatcher, EvidenceLog
from .pipelined import Background, Publisher
from .threads import StatusTracker, check_forward

__all__ = [
    "BadDelivery",
    "BrokerNotice",
    "Deferred",
    "Endpoint",
    "Event",
    "Received",
    "Refused",
    "Replayed",
    "Unopenable",
]

log = structlog.get_logger(__name__)

_REASONS: frozenset[str] = frozenset(NonRetrievalReason.__args__)  # type: ignore[attr-defined]
DEFER_DELAY = 5.0
"""Seconds before a deferred message comes back (nak delay): long enough not to spin on
a directory that is down, short enough that a fixed one catches up quickly."""


class _Deferral(Exception):
    def __init__(self, error: ProtocolError | ClientError) -> None:
        self.error = error


class Endpoint:
    """An authority's endpoint on NATS (see the module docstring).

    `seen` is the de-duplication store (a dbm file with `connect(seen_path=...)`); the
    newest directory head accepted is kept in it too, under a key no message can use,
    so a restart never accepts an older directory.
    """

    def __init__(
        self,
        nc: Client,
        keys: AuthorityKeys,
        root_public: bytes,
        *,
        seen: MutableMapping[bytes, bytes] | None = None,
        clock: Callable[[], int] = now_ms,
        receipts: bool = True,
        audit_origin: str = "palermo.example/audit",
        witnesses: Sequence[WitnessKey] = (),
        quorum: int = 0,
        domain: str | None = None,
        evidence_domain: str | None = None,
        publish_timeout: float = 5.0,
    ) -> None:
        self._nc = nc
        # With the hub's accounts, JetStream is reached through the `palermo` domain
        # and the evidence buckets through `palermo-evidence` (docs/deployment.md); a
        # single local server needs neither.
        self._js = nc.jetstream(domain=domain)
        self._evidence_js = (
            self._js if evidence_domain is None else nc.jetstream(domain=evidence_domain)
        )
        self.keys = keys
        self._clock = clock
        store: MutableMapping[bytes, bytes] = {} if seen is None else seen
        self._seen = SeenSet(store)
        self._directory = DirectoryKeeper(self._js, root_public, clock=clock, store=store)
        self._receipts = receipts
        self._audit_origin = audit_origin
        self._witnesses = tuple(witnesses)
        self._quorum = quorum
        self._publisher = Publisher(nc, keys.authority, publish_timeout)
        self._background = Background()
        self.evidence = EvidenceLog()
        self.threads = StatusTracker()
        self._checkpoints: CheckpointWatcher | None = None

    @property
    def mla(self) -> StatusTracker:
        """The MLA and extradition threads (the earlier name of `threads`)."""
        return self.threads

    @classmethod
    async def connect(
        cls,
        url: str,
        keys: AuthorityKeys,
        root_public: bytes,
        *,
        seen_path: Path | None = None,
        nkey_seed_file: str | None = None,
        creds_file: str | None = None,
        tls: ssl.SSLContext | None = None,
        **kwargs: Any,
    ) -> Endpoint:
        """Connect as `keys.authority` (its private reply prefix; its creds file or NKEY
        seed if given; over TLS verified with `tls`, e.g.
        `schemas.nats_connect.tls_context("hub-ca.crt")`, if given), keep
        the de-duplication record and directory head mark at `seen_path` (a dbm file)
        if given.

        The first connect tries each server of `url` twice and then raises
        `DirectoryUnavailable` naming the servers (never their credentials) and why;
        once connected, the endpoint reconnects for as long as it lives."""

        async def nats_error(exc: Exception) -> None:
            log.warning("nats_error", error=type(exc).__name__)

        try:
            nc = await connect_first(
                url,
                on_error=nats_error,
                name=f"palermo-endpoint-{keys.authority}",
                inbox_prefix=topology.reply_prefix(keys.authority).encode(),
                nkeys_seed=nkey_seed_file,
                user_credentials=creds_file,
                tls=tls,
            )
        except FirstConnectFailed as exc:
            raise DirectoryUnavailable(str(exc)) from exc
        # Bounded for the first connect only: once connected, reconnect for as long as
        # the endpoint lives.
        nc.options["max_reconnect_attempts"] = -1
        seen = dbm.open(str(seen_path), "c") if seen_path else None  # noqa: SIM115
        try:
            endpoint = cls(nc, keys, root_public, seen=seen, **kwargs)  # type: ignore[arg-type]
        except BaseException:
            if seen is not None:
                seen.close()
            await nc.close()
            raise
        endpoint._owned_seen = seen
        return endpoint

    _owned_seen: Any = None

    async def __aenter__(self) -> Endpoint:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def js(self) -> JetStreamContext:
        """JetStream on the endpoint's connection where the evidence buckets are (for
        attachments)."""
        return self._evidence_js

    @property
    def connected(self) -> bool:
        """Whether the NATS connection is up."""
        return bool(self._nc.is_connected)

    async def aclose(self) -> None:
        """Drain the connection (idempotent) and close the de-duplication record."""
        if not self._nc.is_closed:
            await self._background.drain()  # receipts still awaiting their ack
            await self._publisher.aclose()
            with contextlib.suppress(nats.errors.Error):
                await self._nc.drain()
        if not self._nc.is_closed:  # drain refuses while reconnecting: stop trying
            # Closing writes out publishes buffered for the reconnect to the lost
            # socket, and raises for it; the connection is closed all the same.
            with contextlib.suppress(OSError):
                await self._nc.close()
        if self._owned_seen is not None:
            self._owned_seen.close()
            self._owned_seen = None

    # --- directory ------------------------------------------------------------------

    async def directory(self, *, refresh: bool = False) -> Directory:
        """The verified directory, fetched again when asked, missing or stale.

        A refresh only moves the view forward: `DirectoryRollback` (the view held is
        kept) for an older head, another state at the same serial, or an older record;
        `DirectoryUnavailable` if NATS does not answer; `StaleDirectory` or another
        `DirectoryError` if the bucket holds nothing fresh and verifiable."""
        return await self._directory.current(refresh=refresh)

    async def checkpoints(self) -> CheckpointWatcher:
        """The audit checkpoints seen, checked against the log key in the directory."""
        if self._checkpoints is None:
            directory = await self.directory()
            record = directory.record(BROKER_AUTHORITY)
            log_keys = [k for k in record.keys if k.use == "log" and k.valid_at(self._clock())]
            if not log_keys:
                raise UnknownRecipient("the directory lists no valid audit log key")
            verifier = NoteVerifier(self._audit_origin, log_keys[-1].public)
            self._checkpoints = CheckpointWatcher(
                self._nc, verifier, witnesses=self._witnesses, quorum=self._quorum
            )
        return self._checkpoints

    async def refresh_checkpoint(self) -> Checkpoint:
        """Fetch the audit log's signed checkpoint; `SplitView` if it does not extend the
        last one seen, `QuorumNotMet` if a quorum of witnesses is asked for and it lacks
        it (see `CheckpointWatcher`). Later sends echo it."""
        return await (await self.checkpoints()).refresh()

    # --- sending --------------------------------------------------------------------

    async def send(
        self,
        body: Message,
        *,
        to: Sequence[str] = (),
        network: str | None = None,
        handling: HandlingCode = "H0",
        priority: Priority = "routine",
        thread_id: bytes | None = None,
        sequence: int = 0,
        in_reply_to: bytes | None = None,
        attachments: Sequence[AttachmentRef] = (),
        checkpoint: CheckpointRef | None = None,
        linkage_key: LinkageKey | None = None,
        disclosure: Disclosure | None = None,
    ) -> Sealed:
        """Minimise, seal to `to` (and every active member of `network`) with their
        current keys from the verified directory, and publish.

        An MLA or extradition status update must be ours to send in its thread and
        follow the thread's state machine, which numbers it (`sequence` is then not
        used, except for an extradition withdrawal). Once sealed, the message counts
        as sent for its thread and its evidence chain: on `SendFailed` publish
        `exc.sealed` again with `resend` until it is stored, never a new seal. Raises
        `UnknownRecipient`, `InvalidTransition` (`NotThreadParty`), the protocol's
        minimisation errors, or `SendFailed`.
        """
        sealed = await self.seal_message(
            body, to=to, network=network, handling=handling, priority=priority,
            thread_id=thread_id, sequence=sequence, in_reply_to=in_reply_to,
            attachments=attachments, checkpoint=checkpoint, linkage_key=linkage_key,
            disclosure=disclosure,
        )  # fmt: skip
        self.record_sent(sealed, body)
        await self._publish(sealed)
        log.info("sent", message_id=sealed.binding.message_id.hex(), kind=sealed.binding.kind,
                 recipients=len(sealed.binding.recipients))  # fmt: skip
        return sealed

    async def seal_message(
        self,
        body: Message,
        *,
        to: Sequence[str] = (),
        network: str | None = None,
        handling: HandlingCode = "H0",
        priority: Priority = "routine",
        thread_id: bytes | None = None,
        sequence: int = 0,
        in_reply_to: bytes | None = None,
        attachments: Sequence[AttachmentRef] = (),
        checkpoint: CheckpointRef | None = None,
        linkage_key: LinkageKey | None = None,
        disclosure: Disclosure | None = None,
    ) -> Sealed:
        """`send` up to the seal: the same checks and the same envelope, but no state
        changes and no publish. A sender with an outbox stores the envelope first, then
        calls `record_sent`, then publishes it with `resend` until it is stored. Raises
        what `send` raises, except `SendFailed`."""
        if isinstance(body, MlaStatus | ExtraditionStatus):
            if thread_id is None:
                raise InvalidTransition(None, body.status)
            self.threads.check_next(thread_id, self.keys.authority, body)
            if not isinstance(body, ExtraditionStatus) or body.status != "withdrawn":
                # The thread numbers its updates: a number of the caller's own (a
                # gateway's count of its messages in the thread) could leave a gap the
                # other side would wait on for ever.
                sequence = self.threads.next_sequence(thread_id)
        if checkpoint is None and self._checkpoints is not None:
            checkpoint = self._checkpoints.ref
        directory = await self.directory()
        names = list(dict.fromkeys([*to, *(directory.members(network) if network else [])]))
        names = [n for n in names if n != self.keys.authority or n in to]
        if not names:
            raise UnknownRecipient(f"network {network!r} has no active members besides us")
        at = self._clock()
        try:
            recipients = [directory.recipient_key(name, at) for name in names]
        except ProtocolError as exc:
            raise UnknownRecipient(str(exc)) from exc
        return seal(
            body,
            sender=self.keys,
            recipients=recipients,
            handling=handling,
            priority=priority,
            thread_id=thread_id,
            sequence=sequence,
            in_reply_to=in_reply_to,
            attachments=attachments,
            checkpoint=checkpoint,
            linkage_key=linkage_key,
            disclosure=disclosure,
            created_ms=at,
        )

    def record_sent(self, sealed: Sealed, body: Message) -> None:
        """Count a sealed message as sent for its thread and its evidence chain (what
        `send` does before it publishes)."""
        self.evidence.sent(sealed)
        if isinstance(body, MlaRequest | ExtraditionRequest):
            self.threads.request(sealed.binding)
        elif isinstance(body, MlaStatus | ExtraditionStatus):
            self.threads.update(sealed.binding, body)

    async def resend(self, sealed: Sealed) -> Sealed:
        """Publish an envelope this endpoint sealed again, byte for byte and under the
        same `Nats-Msg-Id`: after a `SendFailed`, or from an outbox after a restart.

        Idempotent end to end: if the first publish was stored after all, the ingress
        stream drops this one as a duplicate within its window, and the broker's
        seen-set treats the same envelope hash as a redelivery after it, so the
        recipient gets the message once. Raises `SendFailed` (carrying `sealed` again),
        or `ValueError` for an envelope another authority sealed."""
        if sealed.binding.sender != self.keys.authority:
            raise ValueError(
                f"envelope {sealed.binding.message_id.hex()} was sealed by "
                f"{sealed.binding.sender}, not {self.keys.authority}"
            )
        if self.evidence.chain(sealed.binding.message_id) is None:
            self.evidence.sent(sealed)
        await self._publish(sealed)
        log.info("resent", message_id=sealed.binding.message_id.hex(), kind=sealed.binding.kind)
        return sealed

    async def _publish(self, sealed: Sealed) -> None:
        await (await self._publisher.start(sealed))()

    async def send_many(
        self,
        bodies: Sequence[Message],
        *,
        to: Sequence[str] = (),
        network: str | None = None,
        handling: HandlingCode = "H0",
        priority: Priority = "routine",
        thread_id: bytes | None = None,
        window: int = 256,
    ) -> list[Sealed | ClientError | ProtocolError]:
        """`send` each body in turn, with up to `window` publishes awaiting JetStream's
        acknowledgement at once; one outcome per body, in order.

        Each is sealed, counted as sent and published in the order given (so a thread's
        messages are stored in that order); its outcome is the `Sealed` envelope once
        stored, or what `send` would have raised for it alone: a `SendFailed` carrying
        the envelope to `resend`, or a refusal before sealing (`UnknownRecipient`,
        `InvalidTransition`, a minimisation error), after which the next body goes on."""
        outcomes: list[Sealed | ClientError | ProtocolError] = []
        waits: list[tuple[int, Sealed, Callable[[], Awaitable[None]]]] = []

        async def settle(upto: int) -> None:
            while len(waits) > upto:
                index, sealed, confirmed = waits.pop(0)
                try:
                    await confirmed()
                except SendFailed as exc:
                    outcomes[index] = exc
                    continue
                b = sealed.binding
                log.info("sent", message_id=b.message_id.hex(), kind=b.kind,
                         recipients=len(b.recipients))  # fmt: skip

        for body in bodies:
            try:
                sealed = await self.seal_message(body, to=to, network=network,
                    handling=handling, priority=priority, thread_id=thread_id)  # fmt: skip
            except (ClientError, ProtocolError) as exc:
                outcomes.append(exc)
                continue
            self.record_sent(sealed, body)
            outcomes.append(sealed)
            waits.append((len(outcomes) - 1, sealed, await self._publisher.start(sealed)))
            await settle(window - 1)
        await settle(0)
        return outcomes

    # --- receiving ------------------------------------------------------------------

    async def events(
        self, *, idle_timeout: float | None = None, auto_ack: bool = True
    ) -> AsyncIterator[Event]:
        """One typed event per inbox message (see `clients.events`), in inbox order.

        A message is recorded as handed over, acked and its retrieval receipt sent once
        the caller has it: when it asks for the next event or leaves the loop — or, with
        `auto_ack=False`, when the caller calls `Received.settle()` (a gateway does so
        after storing it). Messages fetched but not yet settled come back. Failures of
        one message are events, never exceptions; what can still raise is NATS itself
        (the connection or the inbox consumer). With `idle_timeout`, the iteration
        ends after that long without a message.
        """
        sub = await self._js.pull_subscribe_bind(
            durable=topology.inbox_consumer(self.keys.authority), stream=topology.DELIVERY
        )
        idle = 0.0
        try:
            while idle_timeout is None or idle < idle_timeout:
                try:
                    msgs = await jsfetch.fetch(sub, 32, wait=1.0)
                except TimeoutError:
                    idle += 1.0
                    continue
                idle = 0.0
                for msg in msgs:
                    async for event in self._handle(msg, auto_ack):
                        yield event
        finally:
            with contextlib.suppress(nats.errors.Error):
                await sub.unsubscribe()

    async def _handle(self, msg: Msg, auto_ack: bool) -> AsyncIterator[Event]:
        try:
            delivery = read_delivery(msg.headers)
        except BadHeader as exc:
            yield await self._bad_delivery(msg, "bad_header", exc.header)
            return
        if delivery.type == topology.TYPE_NOTICES:
            async for notice in self._notices(msg):
                yield notice
            return
        if delivery.type != topology.TYPE_ENVELOPE:
            yield await self._bad_delivery(msg, "unknown_type", topology.HEADER_TYPE)
            return
        accepted_ms = delivery.accepted_ms or self._clock()
        audit_seq = delivery.audit_seq
        try:
            opened = await self._open(msg.data, accepted_ms)
        except _Deferral as exc:
            yield await self._defer(msg, exc.error)
            return
        except ProtocolError as exc:
            yield await self._unopenable(msg, exc)
            return
        async for event in self._judge(msg, opened, accepted_ms, audit_seq, auto_ack):
            yield event

    async def _judge(
        self, msg: Msg, opened: Opened, accepted_ms: int, audit_seq: int | None, auto_ack: bool
    ) -> AsyncIterator[Event]:
        """Replay, level and thread checks of an opened message, then the hand-over."""
        b = opened.binding
        try:
            verdict = self._seen.check(b.sender, b.message_id, opened.hash)
        except ReplayDetected as exc:
            yield await self._replayed(msg, opened, exc, audit_seq)
            return
        if verdict == "redelivery":
            await msg.ack()  # already handed over (or refused for good): drop it
            return
        try:
            check_level(b, opened.body)
        except (VictimLevelExceeded, DisclosureMismatch) as exc:
            yield await self._above_level(msg, opened, exc, audit_seq)
            return

        async def settle() -> None:
            # Remember it for good, ack it, and say so to the sender.
            self._seen.record(b.sender, b.message_id, opened.hash)
            await msg.ack()
            await self._retrieved(opened, audit_seq)

        settler = Settler(settle)
        received = Received(opened, audit_seq, accepted_ms, settler=settler)
        event: Event = received
        body = opened.body
        if isinstance(body, Receipt):
            self.evidence.receipt(b.sender, body)
        elif isinstance(body, MlaRequest | ExtraditionRequest):
            self.threads.request(b)
        elif isinstance(body, MlaStatus | ExtraditionStatus):
            try:
                applied = tuple(self.threads.update(b, body))
                event = Received(opened, audit_seq, accepted_ms, applied, settler=settler)
            except InvalidTransition as exc:
                log.warning("status_update_refused", code=exc.code, sender=b.sender)
                event = Refused(received, exc)
        try:
            yield event
        finally:
            # With auto_ack the caller has it once it was yielded, whether it asks for
            # the next event or leaves the loop.
            if auto_ack:
                await settler.settle()

    async def _notices(self, msg: Msg) -> AsyncIterator[Event]:
        """The verified notices of a batch (acked: notices are not redelivered)."""
        try:
            directory = await self.directory()
        except (DirectoryError, DirectoryUnavailable) as exc:
            yield await self._defer(msg, exc)
            return
        try:
            broker_key = directory.signing_key(
                BROKER_AUTHORITY, notice_key_id(msg.data), self._clock()
            )
            batch = open_notices(msg.data, broker_key)
        except ProtocolError as exc:
            # Not signed by the broker the directory lists: not a notice we can use.
            log.warning("notice_refused", code=exc.code, error=str(exc))
            await msg.ack()
            yield BadDelivery("bad_notices", None, envelope_hash(msg.data), None)
            return
        await msg.ack()
        for notice in batch.notices:
            self.evidence.notice(notice)
        for notice in batch.notices:
            yield BrokerNotice(notice)

    async def forward(
        self, received: Received, *, to: Sequence[str], consent_reference: str | None = None
    ) -> Sealed:
        """Pass a received message on to other authorities, under its handling code:
        H1/H2 material needs the provider's consent reference (`HandlingViolation`)."""
        check_forward(received.opened.binding, consent_reference)
        body = received.body
        if consent_reference:
            body = msgspec.structs.replace(body, consent_reference=consent_reference)
        return await self.send(body, to=to, handling=received.opened.binding.handling)

    async def _open(self, data: bytes, accepted_ms: int) -> Opened:
        """Open against our directory; `_Deferral` if the directory cannot judge now."""
        try:
            return await self._open_with(data, accepted_ms, refresh=False)
        except ProtocolError as exc:
            if exc.code not in ("unknown_key", "unknown_authority", "key_invalid"):
                raise
        # A sender or key newer than our copy of the directory: look again once. A
        # refresh that fails (a rollback included) defers the message rather than judge
        # it on a view that may be behind.
        return await self._open_with(data, accepted_ms, refresh=True)

    async def _open_with(self, data: bytes, accepted_ms: int, *, refresh: bool) -> Opened:
        try:
            directory = await self.directory(refresh=refresh)
            return open_envelope(
                data, recipient=self.keys, resolve=directory.signing_key, accepted_ms=accepted_ms
            )
        except (DirectoryError, DirectoryUnavailable) as exc:
            # The directory, not the message (e.g. its head expired meanwhile).
            raise _Deferral(exc) from exc

    async def _defer(self, msg: Msg, error: ProtocolError | ClientError) -> Deferred:
        log.warning("message_deferred", error=type(error).__name__, delay=DEFER_DELAY)
        await msg.nak(delay=DEFER_DELAY)
        return Deferred(error, DEFER_DELAY)

    async def _unopenable(self, msg: Msg, exc: ProtocolError) -> Unopenable:
        digest = envelope_hash(msg.data)
        sender, message_id = named(msg.data)
        reason = exc.code if exc.code in _REASONS else "other"
        sent = await self._refusal_receipt(msg.data, reason)
        log.warning("message_unopenable", code=exc.code, sender=sender)
        await msg.ack()
        return Unopenable(exc, digest, sender, message_id, sent)

    async def _bad_delivery(
        self, msg: Msg, reason: BadDeliveryReason, header: str | None
    ) -> BadDelivery:
        sender, _ = named(msg.data)
        sent = await self._refusal_receipt(msg.data, "bad_delivery")
        log.warning("delivery_malformed", reason=reason, header=header, sender=sender)
        await msg.ack()  # a redelivery would carry the same headers
        return BadDelivery(reason, header, envelope_hash(msg.data), sender, sent)

    async def _replayed(
        self, msg: Msg, opened: Opened, exc: ReplayDetected, audit_seq: int | None
    ) -> Replayed:
        b = opened.binding
        sent = await self._receipt(opened, "non_retrieval", audit_seq, "replay")
        log.warning("message_replayed", sender=b.sender, message_id=b.message_id.hex())
        await msg.ack()  # never recorded: the first envelope stays the one handed over
        return Replayed(exc, opened.hash, b.sender, b.message_id, sent)

    async def _above_level(
        self,
        msg: Msg,
        opened: Opened,
        exc: VictimLevelExceeded | DisclosureMismatch,
        audit_seq: int | None,
    ) -> Unopenable:
        b = opened.binding
        # Both signatures verified: the sender made this envelope, so it is refused for
        # good and a redelivery of it is dropped. The body is not handed over or kept.
        self._seen.record(b.sender, b.message_id, opened.hash)
        sent = await self._receipt(opened, "non_retrieval", audit_seq, exc.code)
        log.warning("message_above_victim_level", sender=b.sender, code=exc.code,
                    declared=b.victim_level)  # fmt: skip
        await msg.ack()
        return Unopenable(exc, opened.hash, b.sender, b.message_id, sent)

    async def _refusal_receipt(self, data: bytes, reason: str) -> bool:
        """A non-retrieval receipt for an envelope we did not open, to the sender its
        binding names; whether one was sent."""
        try:
            parsed = parse(data)
        except ProtocolError:
            return False
        if not self._receipts or parsed.binding.kind == "receipt":
            return False
        # Only a sender the directory knows can be sent a receipt; a forged binding
        # names whoever it likes, so the receipt says exactly what we received.
        receipt = Receipt(
            receipt_type="non_retrieval",
            message_id=parsed.binding.message_id,
            envelope_hash=parsed.hash,
            at_ms=self._clock(),
            reason=reason,  # type: ignore[arg-type]
        )
        # in_reply_to names the message in the clear, so the broker's `non_retrieval` audit
        # event says which message could not be opened.
        b = parsed.binding
        return await self._send_receipt(receipt, b.sender, b.thread_id, b.message_id)

    async def _receipt(
        self, opened: Opened, kind: str, audit_seq: int | None, reason: str | None
    ) -> bool:
        if not self._receipts or opened.binding.kind == "receipt":
            return False
        receipt = Receipt(
            receipt_type=kind,  # type: ignore[arg-type]
            message_id=opened.binding.message_id,
            envelope_hash=opened.hash,
            at_ms=self._clock(),
            audit_sequence=audit_seq,
            reason=reason,  # type: ignore[arg-type]
        )
        b = opened.binding
        return await self._send_receipt(receipt, b.sender, b.thread_id, b.message_id)

    async def _retrieved(self, opened: Opened, audit_seq: int | None) -> None:
        """The retrieval receipt, published pipelined: its acknowledgement is awaited
        (and one resend tried) in the background, so the inbox moves on meanwhile."""
        b = opened.binding
        if not self._receipts or b.kind == "receipt":
            return
        receipt = Receipt(receipt_type="retrieved", message_id=b.message_id,
                          envelope_hash=opened.hash, at_ms=self._clock(),
                          audit_sequence=audit_seq)  # fmt: skip
        try:
            sealed = await self.seal_message(
                receipt, to=[b.sender], thread_id=b.thread_id, in_reply_to=b.message_id
            )
        except (UnknownRecipient, DirectoryUnavailable, ProtocolError) as exc:
            log.warning("receipt_not_sent", error=type(exc).__name__)
            return
        self.record_sent(sealed, receipt)
        confirmed = await self._publisher.start(sealed)

        async def confirm() -> None:
            try:
                await confirmed()
            except SendFailed as exc:
                try:  # as `_send_receipt`: one more try, then leave it
                    await self.resend(exc.sealed)
                except SendFailed:
                    log.warning("receipt_not_sent", error="SendFailed")

        await self._background.add(confirm())

    async def _send_receipt(
        self, receipt: Receipt, to: str, thread_id: bytes | None, in_reply_to: bytes | None
    ) -> bool:
        try:
            await self.send(receipt, to=[to], thread_id=thread_id, in_reply_to=in_reply_to)
        except SendFailed as exc:
            # Sealed and published once: NATS may still store it. A receipt is not
            # worth blocking the inbox for; one more try, then leave it.
            try:
                await self.resend(exc.sealed)
            except SendFailed:
                log.warning("receipt_not_sent", error="SendFailed")
                return False
        except (UnknownRecipient, DirectoryUnavailable, ProtocolError) as exc:
            log.warning("receipt_not_sent", error=type(exc).__name__)
            return False
        return True
