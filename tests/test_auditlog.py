"""Audit export and offline verification: every kind of tampering found at its sequence."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from nats.js import JetStreamContext

from broker import topology
from broker.auditlog import (
    AlteredEvent,
    AuditLogTampered,
    CheckpointRejected,
    ExportMalformed,
    ExtraEvent,
    MissingEvent,
    ReorderedEvent,
    check_export,
    export_audit,
    verify_export,
)
from schemas.audit import decode_event, encode_event
from schemas.keys import SigningKey
from schemas.note import Checkpoint, sign_checkpoint
from tests.test_sequencer import (
    LOG_KEY,
    ORIGIN,
    VERIFIER,
    checkpoint_at,
    publish_events,
    sequencer,
)

N = 40


@pytest.fixture
async def exported(js: JetStreamContext, tmp_path: Path) -> tuple[list[str], list[bytes]]:
    """A folded audit log of N events (checkpoints at 20 and N), exported; plus 3 more
    events appended after the last checkpoint."""
    await topology.bootstrap(js)
    await publish_events(js, 0, 20)
    notes: list[bytes] = []
    for target in (20, N):
        seq = sequencer(js, "a")
        async with asyncio.TaskGroup() as tg:
            tg.create_task(seq.run())
            await checkpoint_at(js, target)
            seq.stop()
        kv = await js.key_value(topology.KV_CHECKPOINTS)
        notes.append((await kv.get("latest")).value or b"")
        if target == 20:
            await publish_events(js, 20, N - 20)
    await publish_events(js, N, 3)
    out = io.StringIO()
    summary = await export_audit(js, out)
    assert (summary.events, summary.last_seq, summary.folded) == (N + 3, N + 3, N)
    assert summary.checkpoint == notes[-1]
    return out.getvalue().splitlines(keepends=True), notes


def _verify(lines: list[str], notes: list[bytes], tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text("".join(lines))
    verify_export(path, notes, VERIFIER.vkey)


def _edit_payload(line: str) -> str:
    """The same line with its event's reason changed (still a valid event)."""
    record = json.loads(line)
    event = decode_event(msgspec.convert(record["payload"], bytes))
    edited = msgspec.structs.replace(event, reason="tampered")
    record["payload"] = msgspec.json.encode(encode_event(edited)).decode().strip('"')
    return json.dumps(record) + "\n"


async def test_export_then_verify_succeeds(
    exported: tuple[list[str], list[bytes]], tmp_path: Path
) -> None:
    """An untouched export verifies against both checkpoints."""
    lines, notes = exported
    path = tmp_path / "audit.jsonl"
    path.write_text("".join(lines))
    report = verify_export(path, notes, VERIFIER.vkey)
    assert report.ok
    assert (report.events, report.covered) == (N + 3, N)
    assert [c.size for c in report.checkpoints] == [20, N]


@pytest.mark.parametrize("index", [0, 7, 25, N - 1])
async def test_edited_payload_found_at_its_sequence(
    exported: tuple[list[str], list[bytes]], tmp_path: Path, index: int
) -> None:
    """Editing one event's payload is reported as altered at exactly its sequence."""
    lines, notes = exported
    lines[index] = _edit_payload(lines[index])
    with pytest.raises(AlteredEvent) as caught:
        _verify(lines, notes, tmp_path)
    assert caught.value.seq == index + 1


async def test_dropped_event_found(exported: tuple[list[str], list[bytes]], tmp_path: Path) -> None:
    """Dropping an event is reported missing at its sequence, renumbered or not (the
    tiles, apart from the event lines, still say what belongs there)."""
    lines, notes = exported
    with pytest.raises(MissingEvent) as caught:
        _verify(lines[:12] + lines[13:], notes, tmp_path)
    assert caught.value.seq == 13
    events, tiles = lines[:12] + lines[13 : N + 3], lines[N + 3 :]
    renumbered = [
        json.dumps({**json.loads(line), "seq": i + 1}) + "\n" for i, line in enumerate(events)
    ] + tiles
    with pytest.raises(MissingEvent) as caught:
        _verify(renumbered, notes, tmp_path)
    assert caught.value.seq == 13


async def test_swapped_events_found(
    exported: tuple[list[str], list[bytes]], tmp_path: Path
) -> None:
    """Swapping two events is reported as reordered at the first of them, whether the
    lines or only the payloads were swapped."""
    lines, notes = exported
    swapped = list(lines)
    swapped[30], swapped[31] = swapped[31], swapped[30]
    with pytest.raises(ReorderedEvent) as caught:
        _verify(swapped, notes, tmp_path)
    assert caught.value.seq == 31
    a, b = json.loads(lines[30]), json.loads(lines[31])
    a["payload"], b["payload"] = b["payload"], a["payload"]
    swapped = [*lines[:30], json.dumps(a) + "\n", json.dumps(b) + "\n", *lines[32:]]
    with pytest.raises(ReorderedEvent) as caught:
        _verify(swapped, notes, tmp_path)
    assert caught.value.seq == 31


async def test_extra_event_found(exported: tuple[list[str], list[bytes]], tmp_path: Path) -> None:
    """A repeated event is reported as extra where it was inserted."""
    lines, notes = exported
    with pytest.raises(ExtraEvent) as caught:
        _verify([*lines[:5], lines[4], *lines[5:]], notes, tmp_path)
    assert caught.value.seq == 6


async def test_without_tiles_checkpoints_bracket(
    exported: tuple[list[str], list[bytes]], tmp_path: Path
) -> None:
    """With the tiles stripped, an edit is still detected, bracketed by checkpoints."""
    lines, notes = exported
    stripped = [line for line in lines if '"tile"' not in line]
    assert len(stripped) == N + 3
    assert check_export(stripped, notes, VERIFIER.vkey).ok
    stripped[25] = _edit_payload(stripped[25])
    report = check_export(stripped, notes, VERIFIER.vkey)
    assert report.discrepancy is not None
    assert (report.discrepancy.seq, report.discrepancy.last_seq) == (21, N)
    with pytest.raises(AuditLogTampered):
        _verify(stripped, notes, tmp_path)


async def test_forged_checkpoint_rejected(
    exported: tuple[list[str], list[bytes]], tmp_path: Path
) -> None:
    """A checkpoint signed by another key, or with its signature altered, is refused."""
    lines, notes = exported
    forged = sign_checkpoint(Checkpoint(ORIGIN, N, bytes(32)), SigningKey(bytes(32)))
    with pytest.raises(CheckpointRejected):
        _verify(lines, [forged], tmp_path)
    text = notes[-1].decode()
    flipped = text[:-10] + ("A" if text[-10] != "A" else "B") + text[-9:]
    with pytest.raises(CheckpointRejected):
        _verify(lines, [flipped.encode()], tmp_path)
    with pytest.raises(CheckpointRejected):
        _verify(lines, [], tmp_path)
    assert LOG_KEY.public == VERIFIER.public


async def test_malformed_line_rejected(
    exported: tuple[list[str], list[bytes]], tmp_path: Path
) -> None:
    """A line that is not an export record names its line number."""
    lines, notes = exported
    with pytest.raises(ExportMalformed, match="line 3"):
        _verify([*lines[:2], '{"seq": 3, "payload": "@@"}\n', *lines[3:]], notes, tmp_path)


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda b64: b64[:-2] + "~" + b64[-1:], "payload is not base64"),
        (lambda b64: b64 + "QQ==", "payload is not base64"),  # data after the padding
        (lambda b64: b64.rstrip("="), "payload is not base64"),  # padding dropped
        (lambda b64: "é" + b64[1:], "payload is not base64"),
        (lambda b64: b64 + "\n", "payload is not base64"),
    ],
)
async def test_payload_base64_must_be_strict_and_canonical(
    exported: tuple[list[str], list[bytes]], tmp_path: Path, mangle: Any, reason: str
) -> None:
    """A payload in anything but canonical base64 is refused at its line, never read as
    some other event."""
    lines, notes = exported
    record = json.loads(lines[4])
    record["payload"] = mangle(record["payload"])
    lines[4] = json.dumps(record) + "\n"
    with pytest.raises(ExportMalformed, match=f"line 5: {reason}"):
        _verify(lines, notes, tmp_path)


async def test_payload_with_loose_trailing_bits_refused(
    exported: tuple[list[str], list[bytes]], tmp_path: Path
) -> None:
    """Base64 whose unused trailing bits are set decodes to the same bytes as the
    canonical form; it is refused, so an export line has one spelling."""
    lines, notes = exported
    record = json.loads(lines[4])
    raw = base64.b64decode(record["payload"])
    canonical = base64.b64encode(raw).decode()
    pad = canonical.count("=")
    assert pad, "the test needs a payload whose length is not a multiple of 3"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = canonical[-pad - 1]
    loose = canonical[: -pad - 1] + alphabet[alphabet.index(last) | 1] + "=" * pad
    assert loose != canonical
    assert base64.b64decode(loose) == raw
    record["payload"] = loose
    lines[4] = json.dumps(record) + "\n"
    with pytest.raises(ExportMalformed, match="line 5: payload is not canonical base64"):
        _verify(lines, notes, tmp_path)
