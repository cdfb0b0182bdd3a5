"""JSON Schema export of the message kinds and the envelope structures.

For implementers in other languages and for gateways' REST APIs: one file per message
kind (``mla_request.json``), one for their union (``message.json``) and one each for
the envelope's binding, header and envelope. Output is deterministic (sorted keys,
two-space indent, trailing newline, and the same text under every msgspec release:
see `_normalise`) so the checked-in files can be compared with what the code says
now::

    python -m schemas.jsonschema            # (re)write the files
    python -m schemas.jsonschema --check    # exit 1 and list stale files
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from . import wire
from .kinds import KINDS, Message

DIALECT = "https://json-schema.org/draft/2020-12/schema"
OUTPUT_DIR = Path(__file__).with_name("jsonschema")
"""The package directory the schemas ship in (package data)."""

_WIRE_COMMENT = (
    "On the wire this Struct is a MessagePack array: fields are positional, in the "
    "order of prefixItems, and bytes are MessagePack bin. This schema shows the JSON "
    "mapping of the same structure, bytes as base64 strings."
)
_BODY_COMMENT = (
    "A message body: MessagePack inside the encrypted payload, or JSON at a gateway's "
    "REST API (bytes as base64, dates as RFC 3339, amounts as decimal strings)."
)


def _document(tp: Any, title: str, comment: str) -> dict[str, Any]:
    schema: dict[str, Any] = _normalise(msgspec.json.schema(tp))
    return {"$schema": DIALECT, "title": title, "$comment": comment, **schema}


_NULL: dict[str, Any] = {"type": "null"}


def _normalise(node: Any) -> Any:
    """`node` in one form whichever msgspec release made it.

    Releases differ where the meaning does not: whether a description (a Struct's
    docstring) keeps its source indentation (0.23 strips it, earlier ones do not), and
    where `null` stands among the members of an optional field's `anyOf` (0.19 puts it
    first, later releases last). Descriptions go through `inspect.cleandoc` and `null`
    goes last, so the files never change with the installed msgspec.
    """
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                out[key] = inspect.cleandoc(value)
            elif key == "anyOf" and isinstance(value, list):
                members = [_normalise(member) for member in value]
                out[key] = [m for m in members if m != _NULL] + [m for m in members if m == _NULL]
            else:
                out[key] = _normalise(value)
        return out
    if isinstance(node, list):
        return [_normalise(item) for item in node]
    return node


def schemas() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema document, for every file the generator owns."""
    out = {
        f"{tag}.json": _document(cls, f"Palermo message body: {tag}", _BODY_COMMENT)
        for tag, cls in KINDS.items()
    }
    out["message.json"] = _document(
        Message, "Palermo message body (any kind, by its kind field)", _BODY_COMMENT
    )
    for name, cls in (
        ("binding", wire.Binding),
        ("header", wire.Header),
        ("envelope", wire.Envelope),
    ):
        out[f"{name}.json"] = _document(cls, f"Palermo envelope: {cls.__name__}", _WIRE_COMMENT)
    return dict(sorted(out.items()))


def render(document: dict[str, Any]) -> str:
    """The exact text written for a schema document."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def generate() -> dict[str, str]:
    """File name → file text, as the code defines the protocol now."""
    return {name: render(doc) for name, doc in schemas().items()}


def stale(directory: Path = OUTPUT_DIR) -> list[str]:
    """Names of files in `directory` that are missing, differ from what `generate`
    makes, or are left over from a kind that no longer exists."""
    expected = generate()
    present = {p.name for p in directory.glob("*.json")}
    out = [
        name
        for name, text in expected.items()
        if name not in present or (directory / name).read_text(encoding="utf-8") != text
    ]
    out.extend(sorted(present - expected.keys()))
    return out


def write(directory: Path = OUTPUT_DIR) -> list[str]:
    """Bring `directory` up to date; return the names written or removed."""
    directory.mkdir(parents=True, exist_ok=True)
    expected = generate()
    changed = stale(directory)
    for name in changed:
        path = directory / name
        if name in expected:
            path.write_text(expected[name], encoding="utf-8")
        else:
            path.unlink()
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the schemas, or with --check report stale ones."""
    parser = argparse.ArgumentParser(prog="python -m schemas.jsonschema", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any file is stale"
    )
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale()
        for name in outdated:
            print(f"stale: {name}", file=sys.stderr)
        if outdated:
            print("run `python -m schemas.jsonschema` to regenerate", file=sys.stderr)
        return 1 if outdated else 0
    for name in write():
        print(f"wrote: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
