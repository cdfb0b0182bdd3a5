"""The endpoint: an authority on NATS, with its keys and its own verified directory.

What a gateway runs, and what a small authority without one runs directly. It sends
(minimised, sealed, published once by message id) and receives: every inbox message is
verified against the directory it verified itself — never trusting the broker —
opened, checked, de-duplicated by (sender, message id) for good, and handed over; only
when the caller comes back for the next one is it acked and a signed retrieval receipt
sent. A message that cannot be opened gets a signed non-retrieval receipt instead.
Broker notices arrive in the same stream of events, their signature verified.
Exactly one endpoint may consume an authority's inbox.
"""

from __future__ import annotations

import contextlib
import dbm
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
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

from schemas import nats_names as topology
from schemas.directory import Directory
from schemas.envelope import Opened, Sealed, envelope_hash, now_ms, open_envelope, parse, seal
from schemas.errors import InvalidTransition, ProtocolError, StaleDirectory
from schemas.keys import AuthorityKeys
from schemas.kinds import Message, MlaRequest, MlaStatus, Receipt
from schemas.minimise import LinkageKey
from schemas.note import Checkpoint, NoteVerifier
from schemas.notice import BROKER_AUTHORITY, Notice, open_notices
from schemas.records import Disclosure, HandlingCode, NonRetrievalReason, Priority
from schemas.replay import SeenSet
from schemas.wire import AttachmentRef, CheckpointRef

from .directory import fetch_directory
from .errors import SendFailed, UnknownRecipient
from .evidence import CheckpointWatcher, EvidenceLog
from .threads import MlaTracker, check_forward

log = structlog.get_logger(__name__)

_REASONS: frozenset[str] = frozenset(NonRetrievalReason.__args__)  # type: ignore[attr-defined]


class _Settler:
    """Settles one inbox message exactly once."""

    def __init__(self, action: Callable[[], Awaitable[None]]) -> None:
        self._action = action
        self._done = False

    async def settle(self) -> None:
        if not self._done:
            self._done = True
            await self._action()


@dataclass(frozen=True)
class Received:
    """A verified, opened message handed over to the authority."""

    opened: Opened
    audit_seq: int | None
    accepted_ms: int
    mla_applied: tuple[MlaStatus, ...] = ()
    """For an MLA status update: the updates this one let the thread's state machine
    apply (empty while it waits for a predecessor)."""
    settler: _Settler | None = field(default=None, repr=False, compare=False)

    async def settle(self) -> None:
        """Record the message as handed over for good, ack it and send the retrieval
        receipt (idempotent). `events(auto_ack=False)` leaves this to the caller, who
        calls it once the message is safely stored; unsettled messages come back."""
        if self.settler is not None:
            await self.settler.settle()

    @property
    def sender(self) -> str:
        """The authority that signed it."""
        return self.opened.binding.sender

    @property
    def body(self) -> Message:
        """The decrypted, schema-checked body."""
        return self.opened.body


@dataclass(frozen=True)
class Unopenable:
    """An inbox message that failed verification; a non-retrieval receipt went back."""

    error: ProtocolError
    envelope_hash: bytes
    sender: str | None


@dataclass(frozen=True)
class BrokerNotice:
    """A broker notice about one of our own envelopes, its batch signature verified."""

    notice: Notice


@dataclass(frozen=True)
class Refused:
    """A verified message the MLA state machine does not allow (it was still retrieved:
    its sender signed it, and it is kept as evidence)."""

    received: Received
    error: InvalidTransition


Event = Received | Unopenable | BrokerNotice | Refused


class Endpoint:
    """An authority's endpoint on NATS (see the module docstring)."""

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
        domain: str | None = None,
    ) -> None:
        self._nc = nc
        # With the generated per-authority accounts, JetStream is reached through the
        # hub's `palermo` domain (docs/deployment.md); a single local server needs none.
        self._js = nc.jetstream(domain=domain)
        self.keys = keys
        self._root_public = root_public
        self._clock = clock
        self._seen = SeenSet(seen)
        self._receipts = receipts
        self._directory: Directory | None = None
        self._audit_origin = audit_origin
        self.evidence = EvidenceLog()
        self.mla = MlaTracker()
        self._checkpoints: CheckpointWatcher | None = None

    @classmethod
    async def connect(
        cls,
        url: str,
        keys: AuthorityKeys,
        root_public: bytes,
        *,
        seen_path: Path | None = None,
        nkey_seed_file: str | None = None,
        **kwargs: Any,
    ) -> Endpoint:
        """Connect as `keys.authority` (its private reply prefix; an NKEY if given), keep
        the de-duplication record at `seen_path` (a dbm file) if given."""
        nc = await nats.connect(
            url,
            name=f"palermo-endpoint-{keys.authority}",
            inbox_prefix=topology.reply_prefix(keys.authority).encode(),
            nkeys_seed=nkey_seed_file,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
        )
        seen = dbm.open(str(seen_path), "c") if seen_path else None  # noqa: SIM115
        endpoint = cls(nc, keys, root_public, seen=seen, **kwargs)  # type: ignore[arg-type]
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
        """JetStream on the endpoint's connection (for attachments)."""
        return self._js

    @property
    def connected(self) -> bool:
        """Whether the NATS connection is up."""
        return bool(self._nc.is_connected)

    async def aclose(self) -> None:
        """Drain the connection (idempotent) and close the de-duplication record."""
        if not self._nc.is_closed:
            with contextlib.suppress(nats.errors.Error):
                await self._nc.drain()
        if self._owned_seen is not None:
            self._owned_seen.close()
            self._owned_seen = None

    # --- directory ------------------------------------------------------------------

    async def directory(self, *, refresh: bool = False) -> Directory:
        """The verified directory, fetched again when asked, missing or stale."""
        if refresh or self._directory is None:
            self._directory = await fetch_directory(self._js, self._root_public, clock=self._clock)
        else:
            try:
                self._directory.check_fresh()
            except StaleDirectory:
                self._directory = await fetch_directory(
                    self._js, self._root_public, clock=self._clock
                )
        return self._directory

    async def checkpoints(self) -> CheckpointWatcher:
        """The audit checkpoints seen, checked against the log key in the directory."""
        if self._checkpoints is None:
            directory = await self.directory()
            record = directory.record(BROKER_AUTHORITY)
            log_keys = [k for k in record.keys if k.use == "log" and k.valid_at(self._clock())]
            if not log_keys:
                raise UnknownRecipient("the directory lists no valid audit log key")
            verifier = NoteVerifier(self._audit_origin, log_keys[-1].public)
            self._checkpoints = CheckpointWatcher(self._nc, verifier)
        return self._checkpoints

    async def refresh_checkpoint(self) -> Checkpoint:
        """Fetch the audit log's signed checkpoint; `SplitView` if it does not extend the
        last one seen. Later sends echo it."""
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
        current keys from the verified directory, and publish once.

        An MLA status update must follow the thread's state machine (its sequence is
        the thread's next one unless given). Raises `UnknownRecipient`,
        `InvalidTransition`, the protocol's minimisation errors, or `SendFailed`.
        """
        if isinstance(body, MlaStatus):
            if thread_id is None:
                raise InvalidTransition(None, body.status)
            self.mla.check_next(thread_id, body.status)
            sequence = sequence or self.mla.next_sequence(thread_id)
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
        sealed = seal(
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
        try:
            await self._js.publish(
                topology.ingress_subject(self.keys.authority),
                sealed.data,
                headers={"Nats-Msg-Id": sealed.binding.message_id.hex()},
            )
        except (nats.errors.Error, nats.js.errors.Error, TimeoutError) as exc:
            raise SendFailed(f"the ingress stream did not store the envelope: {exc}") from exc
        self.evidence.sent(sealed)
        if isinstance(body, MlaRequest):
            self.mla.request(sealed.binding)
        elif isinstance(body, MlaStatus):
            self.mla.update(sealed.binding, body)
        log.info("sent", message_id=sealed.binding.message_id.hex(), kind=sealed.binding.kind,
                 recipients=len(recipients))  # fmt: skip
        return sealed

    # --- receiving ------------------------------------------------------------------

    async def events(
        self, *, idle_timeout: float | None = None, auto_ack: bool = True
    ) -> AsyncIterator[Event]:
        """Verified messages, unopenable ones and broker notices, in inbox order.

        A message is recorded as handed over, acked and its retrieval receipt sent once
        the caller has it: when it asks for the next event or leaves the loop — or, with
        `auto_ack=False`, when the caller calls `Received.settle()` (a gateway does so
        after storing it). Messages fetched but not yet settled come back. With
        `idle_timeout`, the iteration ends after that long without a message.
        """
        sub = await self._js.pull_subscribe_bind(
            durable=topology.inbox_consumer(self.keys.authority), stream=topology.DELIVERY
        )
        idle = 0.0
        try:
            while idle_timeout is None or idle < idle_timeout:
                try:
                    msgs = await sub.fetch(32, timeout=1.0)
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
        headers = msg.headers or {}
        if headers.get("Palermo-Type") == "notices":
            for notice in await self._notices(msg):
                yield notice
            return
        accepted_ms = int(headers.get("Palermo-Accepted-Ms", "0")) or self._clock()
        audit_seq = int(headers.get("Palermo-Audit-Seq", "0")) or None
        try:
            opened = await self._open(msg.data, accepted_ms)
        except StaleDirectory as exc:
            log.warning("directory_stale_retrying_later", error=str(exc))
            await msg.nak(delay=5.0)
            return
        except ProtocolError as exc:
            yield await self._unopenable(msg, exc, accepted_ms)
            return
        b = opened.binding
        if self._seen.check(b.sender, b.message_id, opened.hash) == "redelivery":
            await msg.ack()  # already handed over: drop it, for good
            return

        async def settle() -> None:
            # Remember it for good, ack it, and say so to the sender.
            self._seen.record(b.sender, b.message_id, opened.hash)
            await msg.ack()
            if self._receipts and b.kind != "receipt":
                await self._receipt(opened, "retrieved", audit_seq, None)

        settler = _Settler(settle)
        received = Received(opened, audit_seq, accepted_ms, settler=settler)
        event: Event = received
        body = opened.body
        if isinstance(body, Receipt):
            self.evidence.receipt(b.sender, body)
        elif isinstance(body, MlaRequest):
            self.mla.request(b)
        elif isinstance(body, MlaStatus):
            try:
                applied = tuple(self.mla.update(b, body))
                event = Received(opened, audit_seq, accepted_ms, applied, settler=settler)
            except InvalidTransition as exc:
                event = Refused(received, exc)
        try:
            yield event
        finally:
            # With auto_ack the caller has it once it was yielded, whether it asks for
            # the next event or leaves the loop.
            if auto_ack:
                await settler.settle()

    async def _notices(self, msg: Msg) -> list[BrokerNotice]:
        """The verified notices of a batch (acked: notices are not redelivered)."""
        directory = await self.directory()
        try:
            broker_key = directory.signing_key(
                BROKER_AUTHORITY, _notice_key_id(msg.data), self._clock()
            )
            batch = open_notices(msg.data, broker_key)
        except ProtocolError as exc:
            # Not signed by the broker the directory lists: not a notice we can use.
            log.warning("notice_refused", code=exc.code, error=str(exc))
            batch = None
        await msg.ack()
        if batch is None:
            return []
        for notice in batch.notices:
            self.evidence.notice(notice)
        return [BrokerNotice(n) for n in batch.notices]

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
        directory = await self.directory()
        try:
            return open_envelope(
                data, recipient=self.keys, resolve=directory.signing_key, accepted_ms=accepted_ms
            )
        except ProtocolError as exc:
            if exc.code not in ("unknown_key", "unknown_authority", "key_invalid"):
                raise
        # A sender or key newer than our copy of the directory: look again once.
        directory = await self.directory(refresh=True)
        return open_envelope(
            data, recipient=self.keys, resolve=directory.signing_key, accepted_ms=accepted_ms
        )

    async def _unopenable(self, msg: Msg, exc: ProtocolError, accepted_ms: int) -> Unopenable:
        digest = envelope_hash(msg.data)
        sender = None
        with contextlib.suppress(ProtocolError):
            parsed = parse(msg.data)
            sender = parsed.binding.sender
            if self._receipts and parsed.binding.kind != "receipt":
                # Only a sender the directory knows can be sent a receipt; a forged
                # binding names whoever it likes, so the receipt says what we received.
                reason = exc.code if exc.code in _REASONS else "other"
                receipt = Receipt(
                    receipt_type="non_retrieval",
                    message_id=parsed.binding.message_id,
                    envelope_hash=digest,
                    at_ms=self._clock(),
                    reason=reason,  # type: ignore[arg-type]
                )
                with contextlib.suppress(ProtocolError, UnknownRecipient, SendFailed):
                    await self.send(receipt, to=[sender])
        log.warning("message_unopenable", code=exc.code, sender=sender)
        await msg.ack()
        return Unopenable(exc, digest, sender)

    async def _receipt(
        self, opened: Opened, kind: str, audit_seq: int | None, reason: str | None
    ) -> None:
        receipt = Receipt(
            receipt_type=kind,  # type: ignore[arg-type]
            message_id=opened.binding.message_id,
            envelope_hash=opened.hash,
            at_ms=self._clock(),
            audit_sequence=audit_seq,
            reason=reason,  # type: ignore[arg-type]
        )
        try:
            await self.send(
                receipt,
                to=[opened.binding.sender],
                thread_id=opened.binding.thread_id,
                in_reply_to=opened.binding.message_id,
            )
        except (UnknownRecipient, SendFailed, ProtocolError) as exc:
            log.warning("receipt_not_sent", error=str(exc))


def _notice_key_id(data: bytes) -> bytes:
    try:
        _, key_id, _ = msgspec.msgpack.decode(data, type=tuple[bytes, bytes, bytes])
    except (msgspec.DecodeError, ValueError):
        return b""
    return key_id
