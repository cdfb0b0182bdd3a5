"""Pieces of a corpus text: plain text, or one identifier with its kind and owner."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any


@dataclasses.dataclass
class Piece:
    text: str
    kind: str | None = None
    owner: str = "victim"
    cls: str | None = None


def assemble(pieces: Sequence[Piece]) -> tuple[str, list[dict[str, Any]], set[str]]:
    text, spans, classes = "", [], set()
    for piece in pieces:
        if piece.kind is not None:
            spans.append(
                {
                    "start": len(text),
                    "end": len(text) + len(piece.text),
                    "kind": piece.kind,
                    "owner": piece.owner,
                }
            )
            if piece.cls:
                classes.add(piece.cls)
        text += piece.text
    return text, spans, classes


_MARK = re.compile(r"\[\[(\w+):(victim|other)\|(.+?)\]\]")


def parse(marked: str) -> list[Piece]:
    """The pieces of `marked`: plain text, and one piece per marked identifier."""
    out: list[Piece] = []
    pos = 0
    for match in _MARK.finditer(marked):
        if match.start() > pos:
            out.append(Piece(marked[pos : match.start()]))
        out.append(Piece(match.group(3), match.group(1), match.group(2)))
        pos = match.end()
    if pos < len(marked):
        out.append(Piece(marked[pos:]))
    return out
