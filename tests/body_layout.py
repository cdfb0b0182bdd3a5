"""The wire layout of every body Struct, as the table in docs/message-kinds.md shows it.

The canonical body encoding (docs/wire-format.md §7.1) writes each Struct's fields in
declared order and leaves out those equal to their default. The JSON Schemas list
properties alphabetically, so the order and the defaults are written out in the
message-kinds document; `tests/test_canonical_body.py` checks that table against the
code, and `python -m tests.body_layout` rewrites it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import msgspec
import msgspec.inspect as mi

from schemas.kinds import Message

DOC = Path(__file__).resolve().parents[1] / "docs" / "message-kinds.md"
START = "<!-- body-layout:start -->"
END = "<!-- body-layout:end -->"


def _default(field: mi.Field) -> str | None:
    if field.required:
        return None
    if field.default_factory is not msgspec.NODEFAULT:
        return "[]" if field.default_factory is list else repr(field.default_factory)
    value: Any = field.default
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _structs(info: mi.Type, out: dict[type, mi.StructType]) -> None:
    """Every Struct type reachable from `info`, in first-seen order."""
    if isinstance(info, mi.StructType):
        if info.cls in out:
            return
        out[info.cls] = info
        for field in info.fields:
            _structs(field.type, out)
    elif isinstance(info, mi.UnionType):
        for member in info.types:
            _structs(member, out)
    elif isinstance(info, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
        _structs(info.item_type, out)
    elif isinstance(info, mi.Metadata):
        _structs(info.type, out)


def rows() -> list[str]:
    """One table row per body Struct: its name and its fields in wire order, each
    optional field followed by the default that makes it omitted."""
    found: dict[type, mi.StructType] = {}
    _structs(mi.type_info(Message), found)
    lines = [
        "| Struct | Map entries in order (`= default`: left out when equal to it) |",
        "|---|---|",
    ]
    for cls, info in found.items():
        name = f"`{info.tag}`" if info.tag else f"`{cls.__name__}`"
        cells = [f"`{info.tag_field}`"] if info.tag_field else []
        for field in info.fields:
            default = _default(field)
            cells.append(f"`{field.encode_name}`" + (f" = {default}" if default else ""))
        lines.append(f"| {name} | {', '.join(cells)} |")
    return lines


def render() -> str:
    """The block between the markers in docs/message-kinds.md."""
    return "\n".join([START, *rows(), END])


def current() -> str:
    """The block as the document holds it now."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(re.escape(START) + ".*?" + re.escape(END), text, re.DOTALL)
    return match.group(0) if match else ""


if __name__ == "__main__":
    text = DOC.read_text(encoding="utf-8")
    if START not in text:
        sys.exit(f"{DOC.name} has no {START} marker")
    DOC.write_text(text.replace(current(), render()), encoding="utf-8")
    print(f"wrote the body layout table in {DOC.name}")
