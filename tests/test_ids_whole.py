"""Ids and codes are validated whole: a trailing newline (or anything else) is refused."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from broker.config import Pattern as BrokerPattern
from clients.gateway_schema import HexId
from schemas import codec
from schemas.audit import ReasonCode
from schemas.envelope import parse
from schemas.errors import InvalidAuthorityId, Malformed
from schemas.keys import check_authority_id
from schemas.kinds.common import CurrencyCode, MediaType
from schemas.records import AuthorityId, CountryCode, Month, NetworkId, Ref
from schemas.wire import Binding, Kind
from tests import forge

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas" / "jsonschema"

TYPES: list[tuple[str, Any, str]] = [
    ("authority id", AuthorityId, "gb-nca"),
    ("country", CountryCode, "NG"),
    ("month", Month, "2026-08"),
    ("network", NetworkId, "central-med"),
    ("ref", Ref, "V1"),
    ("kind", Kind, "case_referral"),
    ("currency", CurrencyCode, "EUR"),
    ("media type", MediaType, "video/mp4"),
    ("audit reason", ReasonCode, "policy_denied"),
    ("broker policy pattern", BrokerPattern, "case_referral"),
    ("gateway hex id", HexId, "00" * 16),
]


@pytest.mark.parametrize(("what", "tp", "good"), TYPES, ids=[t[0] for t in TYPES])
def test_trailing_newline_is_refused(what: str, tp: Any, good: str) -> None:
    """The valid value passes; the same value with a trailing newline does not."""
    assert msgspec.convert(good, tp) == good
    for bad in (good + "\n", good + "\n\n", "\n" + good, good + "\r\n", good + " "):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(bad, tp)


def test_authority_id_check_refuses_a_newline() -> None:
    """check_authority_id, used for keys and subjects, refuses "gb-nca" plus a newline."""
    assert check_authority_id("gb-nca") == "gb-nca"
    with pytest.raises(InvalidAuthorityId):
        check_authority_id("gb-nca\n")


def _patterns(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for value in node.values() for p in _patterns(value)]
    if isinstance(node, list):
        return [p for item in node for p in _patterns(item)]
    return []


def test_every_exported_pattern_is_anchored_at_the_very_end() -> None:
    """Every pattern in the JSON Schemas ends in `$(?!\\n)` and so matches no string
    with a trailing newline under Python's `re.search`, which msgspec uses."""
    patterns = {p for f in SCHEMAS.glob("*.json") for p in _patterns(json.loads(f.read_text()))}
    assert patterns
    for pattern in patterns:
        assert pattern.startswith("^"), pattern
        assert pattern.endswith("$(?!\\n)"), pattern
        assert re.search(pattern, "x" * 5 + "\n") is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("sender", "ng-naptip\n"), ("kind", "case_referral\n")],
)
def test_binding_with_a_newline_id_does_not_parse(field: str, value: str) -> None:
    """A binding whose sender or kind ends in a newline is `Malformed` at parse, before
    any directory lookup could see the id."""
    binding = Binding(
        version=1,
        message_id=bytes(16),
        kind="case_referral",
        sender="ng-naptip",
        sender_key_id=bytes(16),
        recipients=[],
        thread_id=bytes(16),
        sequence=0,
        in_reply_to=None,
        created_ms=1,
        expires_ms=2,
        priority="routine",
        handling="H0",
        victim_level="none",
        legal_basis=None,
        attachments=[],
        checkpoint=None,
        receipt=None,
        key_commitment=bytes(32),
    )
    items = forge.fields(binding)
    items[Binding.__struct_fields__.index("recipients")] = codec.encode([["gb-nca", bytes(16)]])
    items[Binding.__struct_fields__.index(field)] = codec.encode(value)
    header = codec.encode([forge.array(items), [bytes(80)], bytes(32), 0])
    data = codec.encode([header, bytes(64), bytes(16)])
    position = Binding.__struct_fields__.index(field)
    with pytest.raises(Malformed) as info:
        parse(data)
    assert str(info.value).startswith("binding does not match its schema")
    assert str(info.value).endswith(f"at `$[{position}]`")
