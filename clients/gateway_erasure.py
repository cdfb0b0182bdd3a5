"""Erasing a case at the gateway, and the erasure notices that carry it to the copies.

`erase_case` erases a thread's data key and content (`gateway_casekeys`) and queues an
erasure notice for every other authority that took part in the thread; `palermo
gateway erase` calls it on the store directly, so it works whether the gateway runs or
not. The running gateway's `Eraser` sends the queued notices (one per recipient, in the
thread), applies the retention period, honours the notices it receives from a
participant of the thread (erases its own copy, answers with an
`erasure_confirmation`), refuses those from anyone else, and records confirmations.
Nothing here logs a reference, a body or an identifier: ids, kinds and counts only.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

import msgspec
import structlog

from schemas.envelope import Sealed, parse
from schemas.errors import ProtocolError
from schemas.kinds import (
    ErasureConfirmation,
    ErasureLegalBasis,
    ErasureNotice,
    Message,
    canonical_message,
    decode_message,
)
from schemas.kinds.common import MAX_ITEMS
from schemas.wire import Binding

from .errors import ClientError
from .gateway_casekeys import LEGAL_BASES, Erasure, compact
from .gateway_config import ErasureConfig
from .gateway_store import MessageStore

__all__ = [
    "ERASURE_KINDS",
    "Eraser",
    "ErasureRecord",
    "ErasureRefused",
    "ErasureStatus",
    "ErasureView",
    "NoticeRecord",
    "NoticeState",
    "erase_case",
    "erasure_status",
]

log = structlog.get_logger(__name__)

ERASURE_KINDS: Final = ("erasure_notice", "erasure_confirmation")
_REFERENCE: Final = re.compile(r"[\x20-\x7e]{1,100}")
_THREAD: Final = re.compile("[0-9a-f]{32}")
NOT_A_PARTICIPANT: Final = "erasure notice from an authority that took no part in the thread"
DAY_MS: Final = 86_400_000

Sealer = Callable[..., Awaitable[Sealed]]
Dispatcher = Callable[[Sealed, Message], Awaitable[bool]]


class ErasureRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One erasure of the thread at this gateway."""

    erased_ms: int
    legal_basis: ErasureLegalBasis
    reference: str
    """The order's or decision's number (for `sender_request`: the notice honoured)."""
    erased_by: str
    """`cli:<name>`, `gateway:retention`, or `notice:<authority>`."""
    messages: int
    """How many stored messages' content it erased."""
    notice_of: str | None
    """The erasure notice it honoured (message id), if it honoured one."""


class NoticeRecord(msgspec.Struct, frozen=True, kw_only=True):
    """The erasure notice to one other participant of the thread."""

    recipient: str
    notice_id: str | None
    """Message id of the notice; null while it waits to be sent."""
    sent_ms: int | None
    confirmed_ms: int | None
    """When the recipient says it erased its copies; null until it confirms."""
    confirmation_id: str | None


class ErasureView(msgspec.Struct, frozen=True, kw_only=True):
    """`GET /v1/threads/{thread_id}/erasure`: the thread's erasures and notices."""

    thread_id: str
    erasures: list[ErasureRecord]
    notices: list[NoticeRecord]
    awaiting: list[str]
    """Recipients of a notice that have not confirmed yet."""


class ErasureRefused(ClientError):
    """An erasure that cannot be made as asked: a bad thread id, legal basis or
    reference, or a thread this gateway never stored."""


@dataclass(frozen=True)
class NoticeState:
    """The erasure notice of one erasure to one recipient."""

    erasure_id: int
    recipient: str
    notice_id: str | None
    """None while queued (the gateway sends it on its next pass)."""
    sent_ms: int | None
    confirmed_ms: int | None
    confirmation_id: str | None


@dataclass(frozen=True)
class ErasureStatus:
    """A thread's erasures and where their notices stand."""

    thread_id: str
    erasures: list[Erasure]
    notices: list[NoticeState]

    @property
    def awaiting(self) -> list[str]:
        """Recipients that have not confirmed yet."""
        return sorted({n.recipient for n in self.notices if n.confirmed_ms is None})

    def view(self) -> ErasureView:
        """The status as the API shows it."""
        erasures = [
            msgspec.convert(dataclasses.asdict(e), ErasureRecord, strict=False)
            for e in self.erasures
        ]
        notices = [
            msgspec.convert(dataclasses.asdict(n), NoticeRecord, strict=False) for n in self.notices
        ]
        return ErasureView(
            thread_id=self.thread_id, erasures=erasures, notices=notices, awaiting=self.awaiting
        )

    def line(self) -> str:
        """One line for a person."""
        if not self.erasures:
            return f"thread {self.thread_id}: not erased"
        last = self.erasures[-1]
        confirmed = sorted({n.recipient for n in self.notices if n.confirmed_ms is not None})
        queued = sorted({n.recipient for n in self.notices if n.notice_id is None})
        parts = [
            f"thread {self.thread_id} erased {_iso(last.erased_ms)} "
            f"(legal basis {last.legal_basis}, by {last.erased_by}, "
            f"{last.messages} message(s))"
        ]
        if confirmed:
            parts.append("confirmed by " + ", ".join(confirmed))
        if waiting := [r for r in self.awaiting if r not in queued]:
            parts.append("awaiting confirmation from " + ", ".join(waiting))
        if queued:
            parts.append("notice queued for " + ", ".join(queued))
        if not self.notices:
            parts.append("no other authority to notify")
        return "; ".join(parts)


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat(timespec="seconds")


def _own_authority(store: MessageStore) -> str | None:
    """This gateway's authority as its store shows it: the sender of what it sent, else
    the one recipient of everything it received (None when that is not one authority;
    the running gateway then drops the notice to itself)."""
    row = store.db.execute("SELECT sender FROM messages WHERE direction = 'sent' LIMIT 1")
    if (found := row.fetchone()) is not None:
        return str(found[0])
    common: set[str] | None = None
    for (recipients,) in store.db.execute(
        "SELECT DISTINCT recipients FROM messages WHERE direction = 'received'"
    ):
        names = set(json.loads(recipients))
        common = names if common is None else common & names
    return next(iter(common)) if common is not None and len(common) == 1 else None


def erase_case(
    store: MessageStore,
    thread_id: str,
    *,
    now_ms: int,
    legal_basis: str,
    reference: str,
    erased_by: str,
    authority: str | None = None,
    vacuum: bool = True,
) -> tuple[Erasure, bool]:
    """Erase the case `thread_id` at this gateway and queue an erasure notice for every
    other participant of the thread (`authority`: ours, else read from the store).
    Returns the erasure and whether anything was erased (False: it already was; no new
    notice). `ErasureRefused` for a bad argument or an unknown thread."""
    if not _THREAD.fullmatch(thread_id):
        raise ErasureRefused("the thread id is 32 lowercase hex characters")
    if legal_basis not in LEGAL_BASES:
        raise ErasureRefused(f"the legal basis is one of {', '.join(LEGAL_BASES)}")
    if not _REFERENCE.fullmatch(reference):
        raise ErasureRefused(
            "the reference is 1 to 100 printable ASCII characters (the order's number, "
            "never a name)"
        )
    own = authority or _own_authority(store)
    content = store.db.execute(
        "SELECT COUNT(*) FROM messages WHERE thread_id = ? AND erased_ms IS NULL"
        " AND kind NOT IN ('erasure_notice', 'erasure_confirmation')",
        (thread_id,),
    ).fetchone()[0]
    # Only a case with content left is worth a notice: erasing the notices' own thread
    # again must not start a second round.
    notify = store.participants(thread_id) - {own} if content else set()
    try:
        return store.keys.erase(
            thread_id, now_ms=now_ms, legal_basis=legal_basis, reference=reference,
            erased_by=erased_by, notify=notify, vacuum=vacuum,
        )  # fmt: skip
    except LookupError as exc:
        raise ErasureRefused(f"no thread {thread_id} at this gateway") from exc


def erasure_status(store: MessageStore, thread_id: str) -> ErasureStatus:
    """The thread's erasures and their notices."""
    rows = store.db.execute(
        "SELECT erasure_id, recipient, notice_id, sent_ms, confirmed_ms, confirmation_id"
        " FROM erasure_notices WHERE thread_id = ? ORDER BY erasure_id, recipient",
        (thread_id,),
    )
    notices = [NoticeState(*row) for row in rows]
    return ErasureStatus(thread_id, store.keys.erasures(thread_id), notices)


class Eraser:
    """The gateway's side of erasure: retention, notices out, notices and
    confirmations in. `run` is owned by the gateway's task group."""

    def __init__(
        self,
        store: MessageStore,
        config: ErasureConfig,
        *,
        authority: str,
        seal: Sealer,
        dispatch: Dispatcher,
        clock: Callable[[], int],
    ) -> None:
        self._store = store
        self._config = config
        self._authority = authority
        self._seal = seal
        self._dispatch = dispatch
        self._clock = clock

    async def run(self) -> None:
        """Every `interval` seconds: apply the retention period, send queued notices.
        Runs until cancelled; a failed pass is logged and tried again."""
        while True:
            try:
                self.expire()
                await self.send_notices()
            except Exception as exc:  # the store or NATS: the next pass tries again
                log.warning("erasure_pass_failed", error=type(exc).__name__)
            await asyncio.sleep(self._config.interval)

    def expire(self) -> list[Erasure]:
        """Erase every case whose last message is older than the retention period."""
        days = self._config.retention_days
        if days is None:
            return []
        now = self._clock()
        done = []
        for thread_id in self._store.last_activity(now - days * DAY_MS):
            erasure, new = erase_case(
                self._store, thread_id, now_ms=now, legal_basis="retention_expiry",
                reference=f"retention period of {days} days", erased_by="gateway:retention",
                authority=self._authority, vacuum=False,
            )  # fmt: skip
            if new:
                done.append(erasure)
                log.info("case_erased", thread_id=thread_id, legal_basis="retention_expiry",
                         messages=erasure.messages)  # fmt: skip
        if done:
            compact(self._store.db)
        return done

    async def send_notices(self) -> int:
        """Seal, store and publish every queued erasure notice; how many went out."""
        db = self._store.db
        db.execute("DELETE FROM erasure_notices WHERE recipient = ?", (self._authority,))
        rows = db.execute(
            "SELECT n.erasure_id, n.thread_id, n.recipient, e.erased_ms, e.legal_basis,"
            " e.reference FROM erasure_notices n JOIN erasures e USING (erasure_id)"
            " WHERE n.notice_id IS NULL ORDER BY n.erasure_id, n.recipient"
        ).fetchall()
        sent = 0
        for erasure_id, thread_id, recipient, erased_ms, basis, reference in rows:
            ids = [
                bytes.fromhex(row[0])
                for row in db.execute(
                    "SELECT DISTINCT message_id FROM messages WHERE thread_id = ?"
                    " AND kind NOT IN ('erasure_notice', 'erasure_confirmation')"
                    " AND (sender = ? OR recipients LIKE ?) ORDER BY message_id LIMIT ?",
                    (thread_id, recipient, f'%"{recipient}"%', MAX_ITEMS),
                )
            ]
            body = ErasureNotice(
                thread_id=bytes.fromhex(thread_id), message_ids=ids, legal_basis=basis,
                reference=reference, erased_ms=erased_ms,
            )  # fmt: skip
            try:
                sealed = await self._send(body, recipient, thread_id, None)
            except (ClientError, ProtocolError) as exc:
                log.warning("erasure_notice_not_sent", thread_id=thread_id,
                            recipient=recipient, error=type(exc).__name__)  # fmt: skip
                continue
            db.execute(
                "UPDATE erasure_notices SET notice_id = ?, sent_ms = ?"
                " WHERE erasure_id = ? AND recipient = ?",
                (sealed.binding.message_id.hex(), self._clock(), erasure_id, recipient),
            )
            sent += 1
            log.info("erasure_notice_sent", thread_id=thread_id, recipient=recipient,
                     message_id=sealed.binding.message_id.hex())  # fmt: skip
        return sent

    async def _send(
        self, body: Message, recipient: str, thread_id: str, in_reply_to: bytes | None
    ) -> Sealed:
        """Seal `body` to `recipient` in the thread, store it in the outbox, publish it."""
        thread = bytes.fromhex(thread_id)
        sealed = await self._seal(
            body, to=[recipient], thread_id=thread, in_reply_to=in_reply_to,
            sequence=self._store.next_sequence(thread_id, self._authority),
        )  # fmt: skip
        now = self._clock()
        self._store.add(
            "sent", sealed.binding, parse(sealed.data).header.binding,
            canonical_message(body), sealed.hash, stored_ms=now, sent_by="gateway:erasure",
            acked_ms=now, envelope=sealed.data,
        )  # fmt: skip
        await self._dispatch(sealed, body)
        return sealed

    async def received(self, binding: Binding, body_bytes: bytes) -> None:
        """Act on a stored received message if it is an erasure notice or confirmation."""
        if binding.kind not in ERASURE_KINDS:
            return
        match decode_message(body_bytes):
            case ErasureNotice() as notice:
                await self._honour(binding, notice)
            case ErasureConfirmation() as confirmation:
                self._confirmed(binding, confirmation)
            case _:  # pragma: no cover - the binding's kind is the body's
                pass

    async def _honour(self, binding: Binding, notice: ErasureNotice) -> None:
        """Erase our copies of the notice's thread and confirm, if its sender took part
        in the thread; refuse it otherwise (nothing erased)."""
        store, sender = self._store, binding.sender
        notice_id, thread_id = binding.message_id.hex(), notice.thread_id.hex()
        if notice.thread_id != binding.thread_id or sender not in store.participants(thread_id):
            store.db.execute(
                "UPDATE messages SET refused = ? WHERE message_id = ? AND direction = 'received'",
                (NOT_A_PARTICIPANT, notice_id),
            )
            log.warning("erasure_notice_refused", sender=sender, thread_id=thread_id,
                        message_id=notice_id)  # fmt: skip
            return
        answered = store.db.execute(
            "SELECT 1 FROM messages WHERE direction = 'sent' AND kind = 'erasure_confirmation'"
            " AND in_reply_to = ?",
            (notice_id,),
        ).fetchone()
        if answered is not None:  # the notice came again: done already
            return
        now = self._clock()
        erasure, new = store.keys.erase(
            thread_id, now_ms=now, legal_basis="sender_request",
            reference=f"erasure notice {notice_id} of {sender}", erased_by=f"notice:{sender}",
            notice_of=notice_id,
        )  # fmt: skip
        # The notice itself was stored in the thread before it was honoured.
        erased = max(0, erasure.messages - 1) if new else 0
        log.info("case_erased", thread_id=thread_id, legal_basis="sender_request",
                 messages=erased, notice=notice_id)  # fmt: skip
        confirmation = ErasureConfirmation(
            notice_id=binding.message_id, thread_id=notice.thread_id,
            erased_ms=erasure.erased_ms, messages=erased,
        )  # fmt: skip
        with contextlib.suppress(ClientError, ProtocolError):
            # Not sealed (our directory cannot reach the sender now): the case is
            # erased all the same; the sender's status keeps showing the confirmation
            # as awaited. A publish failure after sealing is retried by the outbox.
            await self._send(confirmation, sender, thread_id, binding.message_id)
            return
        log.warning("erasure_confirmation_not_sent", thread_id=thread_id, recipient=sender)

    def _confirmed(self, binding: Binding, confirmation: ErasureConfirmation) -> None:
        """Record a confirmation, only from the recipient of the notice it answers."""
        if binding.in_reply_to is None or binding.in_reply_to != confirmation.notice_id:
            log.warning("erasure_confirmation_unmatched", sender=binding.sender)
            return
        cur = self._store.db.execute(
            "UPDATE erasure_notices SET confirmed_ms = ?, confirmation_id = ?"
            " WHERE notice_id = ? AND recipient = ? AND confirmed_ms IS NULL",
            (
                confirmation.erased_ms,
                binding.message_id.hex(),
                confirmation.notice_id.hex(),
                binding.sender,
            ),
        )
        log.info("erasure_confirmed", sender=binding.sender, recorded=cur.rowcount == 1,
                 notice=confirmation.notice_id.hex())  # fmt: skip
