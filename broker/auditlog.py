"""Audit log export and offline verification.

Export: JSON lines. First one line per event, in sequence order,
`{"seq": n, "payload": "<base64>"}` — the exact payload of `PALERMO_AUDIT` sequence n;
then the stored tree's level-0 tiles, `{"tile": t, "hashes": "<base64>"}`, each the
concatenated leaf hashes of leaves 256t .. 256t+255 (the last tile may be shorter).

Verify: rebuild the tree from the payloads byte for byte, check every payload decodes as
an audit event, check each signed checkpoint's signature and root, and name the first
sequence number where the export departs from the log. The tiles are what makes that
exact: once they fold to a signed root they are the log's own leaf hashes, vouched for
by the signature, and each payload is compared with the hash at its place. Kept apart
from the event lines, they survive a dropped, inserted or moved line. Without them (or
if they were altered too) only the checkpoints bracket the first difference.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Final, Literal, TextIO

import msgspec
import nats.js.errors
import structlog
from nats.js import JetStreamContext

from schemas import tlog
from schemas.audit import decode_event
from schemas.errors import ProtocolError
from schemas.note import Checkpoint, NoteError, NoteVerifier, open_checkpoint

from . import topology
from .errors import BrokerError
from .tiles import TILE_WIDTH, stored_state
from .tlog_proofs import latest_checkpoint

log = structlog.get_logger(__name__)

_BATCH: Final = 256

DiscrepancyKind = Literal["altered", "missing", "extra", "reordered"]


class AuditLogError(BrokerError):
    """Base class of audit export and verification failures."""


class ExportMalformed(AuditLogError):
    """An export line that is not `{"seq", "payload"[, "leaf_hash"]}` in strict form."""

    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        super().__init__(f"export line {line}: {reason}")


class CheckpointRejected(AuditLogError):
    """A checkpoint that does not verify under the log key, or no checkpoint at all."""


class AuditLogTampered(AuditLogError):
    """The export departs from the signed log; `seq` is the first sequence affected."""

    kind: DiscrepancyKind = "altered"

    def __init__(self, report: VerifyReport) -> None:
        assert report.discrepancy is not None  # noqa: S101  (raised only with one)
        self.report = report
        self.seq = report.discrepancy.seq
        super().__init__(report.discrepancy.describe())


class AlteredEvent(AuditLogTampered):
    """An event whose payload is not the one the log signed."""


class MissingEvent(AuditLogTampered):
    """An event the log holds that the export lacks."""

    kind = "missing"


class ExtraEvent(AuditLogTampered):
    """An event in the export that the log never held at that place."""

    kind = "extra"


class ReorderedEvent(AuditLogTampered):
    """Events present but out of the log's order."""

    kind = "reordered"


_ERRORS: Final[dict[str, type[AuditLogTampered]]] = {
    "altered": AlteredEvent,
    "missing": MissingEvent,
    "extra": ExtraEvent,
    "reordered": ReorderedEvent,
}


@dataclass(frozen=True)
class Discrepancy:
    """The first place the export departs from the log."""

    kind: DiscrepancyKind
    seq: int
    detail: str
    last_seq: int | None = None
    """Set when only a range is known: the difference is in [seq, last_seq]."""

    def describe(self) -> str:
        """One sentence for an operator."""
        where = f"sequence {self.seq}"
        if self.last_seq is not None:
            where = f"sequences {self.seq}..{self.last_seq}"
        return f"{self.kind} event at {where}: {self.detail}"


@dataclass(frozen=True)
class VerifyReport:
    """What an offline verification found."""

    events: int
    checkpoints: tuple[Checkpoint, ...]
    covered: int
    """Events covered by the largest verified checkpoint."""
    discrepancy: Discrepancy | None

    @property
    def ok(self) -> bool:
        """True when every checkpoint's tree is rebuilt exactly from the export."""
        return self.discrepancy is None


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    events: int
    last_seq: int
    folded: int
    """Leaf hashes written as tiles (the stored tree's size)."""
    checkpoint: bytes | None
    """The latest signed checkpoint, read before the events (so they cover it)."""


Seq = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]


class ExportLine(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """One line of an export file: an event (`seq`, `payload`) or a tile (`tile`,
    `hashes`)."""

    seq: Seq | None = None
    payload: str | None = None
    tile: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)] | None = None
    hashes: str | None = None


_line_decoder = msgspec.json.Decoder(ExportLine)
_line_encoder = msgspec.json.Encoder()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- export --------------------------------------------------------------------------


async def export_audit(
    js: JetStreamContext, out: TextIO, *, stream: str = topology.AUDIT
) -> ExportSummary:
    """Write every audit event, in order, as JSON lines to `out`.

    The latest checkpoint is read first, so the events written always cover it. A
    sequence missing from the stream is skipped and logged; the verifier reports it.
    """
    checkpoint = await latest_checkpoint(js)
    store, state = await stored_state(js)
    info = await js.stream_info(stream)
    last = info.state.last_seq or 0
    events = 0
    for first in range(1, last + 1, _BATCH):
        seqs = range(first, min(last, first + _BATCH - 1) + 1)
        results = await asyncio.gather(
            *(js.get_msg(stream, seq=s, direct=True) for s in seqs), return_exceptions=True
        )
        for seq, result in zip(seqs, results, strict=True):
            if isinstance(result, nats.js.errors.NotFoundError):
                log.warning("audit_export_gap", seq=seq)
                continue
            if isinstance(result, BaseException):
                raise result
            line = ExportLine(seq=seq, payload=_b64(result.data or b""))
            out.write(_line_encoder.encode(line).decode() + "\n")
            events += 1
    for start in range(0, state.size, TILE_WIDTH):
        leaves = await store.leaf_hashes(state, start, min(state.size, start + TILE_WIDTH))
        line = ExportLine(tile=start // TILE_WIDTH, hashes=_b64(b"".join(leaves)))
        out.write(_line_encoder.encode(line).decode() + "\n")
    log.info("audit_exported", events=events, last_seq=last, folded=state.size)
    return ExportSummary(events, last, state.size, checkpoint)


# --- verify --------------------------------------------------------------------------


@dataclass
class _Export:
    seqs: list[int]
    computed: list[bytes]
    tiles: dict[int, bytes]
    undecodable: int | None
    """Index of the first payload that is not an audit event."""

    def recorded(self, line: int) -> list[bytes]:
        """The tiles' leaf hashes, in order; `ExportMalformed` if tiles are missing or
        a tile other than the last is short."""
        parts = []
        for t in range(len(self.tiles)):
            tile = self.tiles.get(t)
            if tile is None or (t < len(self.tiles) - 1 and len(tile) != TILE_WIDTH * 32):
                raise ExportMalformed(line, f"tile {t} is missing or short")
            parts.append(tile)
        data = b"".join(parts)  # not `+=` per tile: quadratic over a million leaves
        if len(data) % 32:
            raise ExportMalformed(line, "tile length is not a whole number of hashes")
        return [data[i : i + 32] for i in range(0, len(data), 32)]


def _strict_b64(text: str, line: int, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ExportMalformed(line, f"{what} is not base64") from exc
    if _b64(raw) != text:
        raise ExportMalformed(line, f"{what} is not canonical base64")
    return raw


def _read_export(lines: Iterable[str]) -> _Export:
    export = _Export([], [], {}, None)
    # One tight loop over up to millions of lines: names bound locally, the common
    # case (a canonical event line) first.
    # binascii directly (what `base64` wraps), strict: a character outside the alphabet,
    # or data after the padding, is refused; the re-encoding check below refuses any
    # other non-canonical form.
    decode_line, a2b, b2a = _line_decoder.decode, binascii.a2b_base64, binascii.b2a_base64
    leaf_hash, seqs, computed = tlog.leaf_hash, export.seqs, export.computed
    for number, text in enumerate(lines, start=1):
        try:
            line = decode_line(text)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            if not text.strip():
                continue
            raise ExportMalformed(number, "not an export line") from exc
        seq, b64 = line.seq, line.payload
        if seq is not None and b64 is not None and line.tile is None:
            try:
                payload = a2b(b64, strict_mode=True)
            except (binascii.Error, ValueError) as exc:
                raise ExportMalformed(number, "payload is not base64") from exc
            if b2a(payload, newline=False) != b64.encode("ascii"):
                raise ExportMalformed(number, "payload is not canonical base64")
            if export.undecodable is None:
                try:
                    decode_event(payload)
                except ProtocolError:
                    export.undecodable = len(seqs)
            seqs.append(seq)
            computed.append(leaf_hash(payload))
            continue
        if line.tile is not None and line.hashes is not None and line.seq is None:
            if line.tile in export.tiles or line.payload is not None:
                raise ExportMalformed(number, f"tile {line.tile} repeated or mixed with an event")
            export.tiles[line.tile] = _strict_b64(line.hashes, number, "hashes")
            continue
        raise ExportMalformed(number, "neither an event line nor a tile line")
    return export


def _open_checkpoints(checkpoints: Sequence[bytes], vkey: str) -> list[Checkpoint]:
    if not checkpoints:
        raise CheckpointRejected("at least one signed checkpoint is needed to verify against")
    try:
        verifier = NoteVerifier.from_vkey(vkey)
    except NoteError as exc:
        raise CheckpointRejected(f"log key is not a valid verifier key: {exc}") from exc
    opened = []
    for i, note in enumerate(checkpoints, start=1):
        try:
            opened.append(open_checkpoint(note, verifier))
        except NoteError as exc:
            raise CheckpointRejected(f"checkpoint {i} does not verify: {exc}") from exc
    return sorted(opened, key=lambda c: c.size)


def _first_root_mismatch(hashes: Sequence[bytes], checkpoints: Sequence[Checkpoint]) -> int | None:
    """Index in `checkpoints` of the first whose root `hashes` do not rebuild."""
    within = [c.size for c in checkpoints if c.size <= len(hashes)]
    for i, (checkpoint, rebuilt) in enumerate(
        zip(checkpoints, tlog.roots_at(hashes, within), strict=False)
    ):
        if rebuilt != checkpoint.root_hash:
            return i
    return len(within) if len(within) < len(checkpoints) else None


def _structural(export: _Export) -> Discrepancy | None:
    """The first line whose `seq` is not its position."""
    present = set(export.seqs)
    seen: set[int] = set()
    for i, seq in enumerate(export.seqs):
        expected = i + 1
        if seq != expected:
            if seq in seen:
                return Discrepancy("extra", expected, f"sequence {seq} appears again")
            if expected not in present:
                return Discrepancy("missing", expected, "no event with this sequence")
            return Discrepancy("reordered", expected, f"found sequence {seq} in its place")
        seen.add(seq)
    return None


def _by_content(computed: Sequence[bytes], authentic: Sequence[bytes]) -> Discrepancy | None:
    """The first position whose payload hash is not the log's leaf hash there."""
    for p, (have, want) in enumerate(zip(computed, authentic, strict=False)):
        if have == want:
            continue
        seq = p + 1
        nxt = authentic[p + 1] if p + 1 < len(authentic) else None
        if nxt == have and p + 1 < len(computed) and computed[p + 1] == want:
            return Discrepancy("reordered", seq, f"swapped with sequence {seq + 1}")
        if nxt == have:
            return Discrepancy("missing", seq, "the export continues with the next event")
        if p > 0 and have == authentic[p - 1]:
            return Discrepancy("extra", seq, "the previous event is repeated here")
        return Discrepancy("altered", seq, "payload differs from the one the log signed")
    if len(computed) < len(authentic):
        return Discrepancy("missing", len(computed) + 1, "the export ends early")
    return None


def check_export(lines: Iterable[str], checkpoints: Sequence[bytes], vkey: str) -> VerifyReport:
    """Verify an export against signed checkpoints; report the first discrepancy.

    Args:
        lines: the export's lines (an open text file will do).
        checkpoints: one or more signed checkpoint notes, as saved.
        vkey: the log's verifier key string.

    Raises `ExportMalformed` for lines that do not parse and `CheckpointRejected` for
    checkpoints that do not verify; a departure from the log is in the report.
    """
    verified = _open_checkpoints(checkpoints, vkey)
    export = _read_export(lines)
    covered = verified[-1].size
    found: list[Discrepancy] = []
    structural = _structural(export)
    if structural is not None:
        found.append(structural)
    if export.undecodable is not None:
        found.append(
            Discrepancy("altered", export.undecodable + 1, "payload is not an audit event")
        )
    authentic = export.recorded(len(export.seqs))[:covered]
    vouched = len(authentic) == covered and _first_root_mismatch(authentic, verified) is None
    if vouched:
        # The log's own leaf hashes, vouched for by the signatures: exact pinpointing.
        # Past a structural break positions no longer line up, so compare before it.
        if structural is not None:
            limit = structural.seq - 1
            content = _by_content(export.computed[:limit], authentic[:limit])
        else:
            content = _by_content(export.computed, authentic)
        if content is not None:
            found.append(content)
    # Payload hashes that are the vouched-for leaf hashes rebuild the same roots: one fold.
    if vouched and export.computed[:covered] == authentic:
        bad = None
    else:
        bad = _first_root_mismatch(export.computed, verified)
    # A root that does not rebuild, with nothing found that explains it: bracket it.
    if bad is not None and not any(d.seq <= verified[bad].size for d in found):
        low = verified[bad - 1].size + 1 if bad else 1
        found.append(
            Discrepancy(
                "altered",
                low,
                f"tree does not rebuild the root signed at size "
                f"{verified[bad].size}; no authentic leaf hashes to narrow it down",
                last_seq=verified[bad].size,
            )
        )
    discrepancy = min(found, key=lambda d: d.seq) if found else None
    return VerifyReport(len(export.seqs), tuple(verified), covered, discrepancy)


def verify_export(path: Path, checkpoints: Sequence[bytes], vkey: str) -> VerifyReport:
    """`check_export` over an export file; raise the `AuditLogTampered` subclass for the
    first discrepancy (`AlteredEvent`, `MissingEvent`, `ExtraEvent`, `ReorderedEvent`)."""
    with path.open(encoding="utf-8") as lines:
        report = check_export(lines, checkpoints, vkey)
    if report.discrepancy is not None:
        raise _ERRORS[report.discrepancy.kind](report)
    return report
