"""The evidence chain of what we sent, and the audit checkpoints we have seen.

For each message it sends, an authority can show: the broker's signed acceptance (or
rejection) with the audit position, each recipient's signed retrieval (or
non-retrieval) receipt, and any signed non-delivery notice. It also keeps the audit
log's signed checkpoints it sees and checks each new one extends the last with a
consistency proof, so a broker that shows different histories to different
authorities (a split view) is caught; the latest one is echoed in what it sends.

Configured with witnesses it trusts and a quorum k > 0, it adopts only the broker's
cosigned checkpoint, and only with valid cosignatures by at least k of those witnesses
(`QuorumNotMet` otherwise): a broker that wants to show two histories must then fool k
independent witnesses too, each of which refuses a second root for a size it cosigned.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec
import nats.errors
from nats.aio.client import Client

from schemas import tlog
from schemas.envelope import Sealed
from schemas.kinds import Receipt
from schemas.nats_names import SUBJECT_CHECKPOINT, SUBJECT_CONSISTENCY
from schemas.note import Checkpoint, NoteError, NoteVerifier, open_checkpoint
from schemas.notice import Notice
from schemas.wire import CheckpointRef
from schemas.witness import QuorumNotMet, WitnessKey, verify_quorum

from .errors import ClientError


class SplitView(ClientError):
    """A signed checkpoint that does not extend the one we saw before: the log has
    shown us two histories."""


class AuditUnavailable(ClientError):
    """The broker's proof service did not answer or answered with an error."""


@dataclass
class EvidenceChain:
    """Everything signed that we hold about one message we sent."""

    message_id: bytes
    envelope_hash: bytes
    recipients: list[str]
    accepted: Notice | None = None
    rejected: Notice | None = None
    receipts: dict[str, Receipt] = field(default_factory=dict)
    """By recipient: its signed `retrieved` or `non_retrieval` receipt."""
    non_delivery: list[Notice] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Accepted and a receipt from every recipient."""
        return self.accepted is not None and set(self.receipts) == set(self.recipients)


class EvidenceLog:
    """The evidence chains of the messages this endpoint sent (in memory)."""

    def __init__(self) -> None:
        self._chains: dict[bytes, EvidenceChain] = {}

    def sent(self, sealed: Sealed) -> None:
        """Start the chain of a message just published."""
        b = sealed.binding
        self._chains[b.message_id] = EvidenceChain(
            b.message_id, sealed.hash, [r.authority for r in b.recipients]
        )

    def notice(self, notice: Notice) -> None:
        """Add a broker notice about one of our envelopes."""
        chain = self._find(notice.message_id, notice.envelope_hash)
        if chain is None:
            return
        if notice.type == "accepted":
            chain.accepted = notice
        elif notice.type == "rejected":
            chain.rejected = notice
        else:
            chain.non_delivery.append(notice)

    def receipt(self, sender: str, receipt: Receipt) -> None:
        """Add a recipient's signed receipt (only for the envelope it names)."""
        chain = self._chains.get(receipt.message_id)
        if (
            chain is not None
            and chain.envelope_hash == receipt.envelope_hash
            and sender in chain.recipients
        ):
            chain.receipts[sender] = receipt

    def chain(self, message_id: bytes) -> EvidenceChain | None:
        """The chain of a message we sent, if we sent it."""
        return self._chains.get(message_id)

    def _find(self, message_id: bytes | None, envelope_hash: bytes) -> EvidenceChain | None:
        if message_id is not None:
            return self._chains.get(message_id)
        return next((c for c in self._chains.values() if c.envelope_hash == envelope_hash), None)


class _Consistency(msgspec.Struct):
    old_size: int
    new_size: int
    proof: list[str]


class CheckpointWatcher:
    """Fetches the audit log's signed checkpoint and refuses one that does not extend
    the last one we accepted.

    With `quorum` k > 0 it reads the cosigned checkpoint instead and refuses it unless
    at least k distinct `witnesses` cosigned it (`QuorumNotMet`). k = 0, the default,
    checks the log's signature only, as before witnesses existed.
    """

    def __init__(
        self,
        nc: Client,
        verifier: NoteVerifier,
        *,
        timeout: float = 5.0,
        witnesses: Sequence[WitnessKey] = (),
        quorum: int = 0,
    ) -> None:
        if not 0 <= quorum <= len({w.name for w in witnesses}):
            raise ValueError(f"quorum {quorum} needs as many distinct trusted witnesses")
        self._nc = nc
        self._verifier = verifier
        self._timeout = timeout
        self._witnesses = tuple(witnesses)
        self._quorum = quorum
        self.latest: Checkpoint | None = None

    @property
    def ref(self) -> CheckpointRef | None:
        """The latest checkpoint as the binding echoes it."""
        if self.latest is None:
            return None
        return CheckpointRef(self.latest.size, self.latest.root_hash)

    async def refresh(self) -> Checkpoint:
        """Fetch, verify and (if it extends the last) adopt the current checkpoint.

        Raises `SplitView` if it does not extend the last one, `AuditUnavailable` if the
        proof service cannot be asked, `NoteError` subclasses if the signature fails,
        and with a quorum `QuorumNotMet` (or `CosignatureInvalid` for a forged line).
        The checkpoint held is kept on every error.
        """
        answer = await self._ask(SUBJECT_CHECKPOINT, {})
        if self._quorum:
            cosigned = answer.get("cosigned")
            if not isinstance(cosigned, str):
                raise QuorumNotMet(0, self._quorum)
            checkpoint = verify_quorum(
                cosigned.encode(), self._verifier, self._witnesses, self._quorum
            )
        else:
            text = str(answer.get("checkpoint", "")).encode()
            checkpoint = open_checkpoint(text, self._verifier)
        await self.adopt(checkpoint)
        return checkpoint

    async def adopt(self, checkpoint: Checkpoint) -> None:
        """Adopt `checkpoint` if it extends the one held (checked with a proof)."""
        old = self.latest
        if old is not None:
            if checkpoint.size < old.size:
                raise SplitView(
                    f"checkpoint of size {checkpoint.size} is older than {old.size} already seen"
                )
            if checkpoint.size == old.size and checkpoint.root_hash != old.root_hash:
                raise SplitView(f"two different roots for tree size {old.size}")
            if checkpoint.size > old.size and old.size > 0:
                answer = await self._ask(
                    SUBJECT_CONSISTENCY, {"old_size": old.size, "new_size": checkpoint.size}
                )
                proof = msgspec.convert(answer, _Consistency)
                try:
                    tlog.verify_consistency(
                        old.size, checkpoint.size, old.root_hash, checkpoint.root_hash,
                        [base64.b64decode(p) for p in proof.proof],
                    )  # fmt: skip
                except tlog.TreeError as exc:
                    raise SplitView(
                        f"checkpoint {checkpoint.size} does not extend checkpoint {old.size}"
                    ) from exc
        self.latest = checkpoint

    async def _ask(self, subject: str, request: dict[str, int]) -> dict[str, object]:
        try:
            reply = await self._nc.request(
                subject, msgspec.json.encode(request), timeout=self._timeout
            )
            answer = msgspec.json.decode(reply.data, type=dict[str, object])
        except (nats.errors.Error, msgspec.DecodeError, TimeoutError) as exc:
            raise AuditUnavailable(f"{subject}: {type(exc).__name__}") from exc
        if "error" in answer:
            raise AuditUnavailable(f"{subject}: {answer['error']}")
        return answer


__all__ = [
    "AuditUnavailable",
    "CheckpointWatcher",
    "EvidenceChain",
    "EvidenceLog",
    "NoteError",
    "QuorumNotMet",
    "SplitView",
]
