"""What the gateway enforces beyond msgspec's JSON Schema, written into the OpenAPI document.

msgspec's schemas state types, bounds and patterns, but not the rules a body's
`__post_init__` checks, nor the decoded length of base64 (a string of 24 characters
may hold 16, 17 or 18 bytes), nor which form of a decimal the gateway takes. `tighten`
adds those that JSON Schema can state: canonical base64 patterns, the decimal form,
`if`/`then` for fields that go together, `uniqueItems`, the recipient rule of a send.
Rules it cannot state (refs unique across several lists, a period's order, a leader
among members, a status update's place in its thread, what the directory holds) are
in the problem responses' descriptions instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from schemas.kinds.common import MAX_ATTACHMENTS
from schemas.kinds.extradition import _EXTRADITION_STATUS_FIELDS
from schemas.kinds.mla import _MLA_STATUS_FIELDS

from .gateway_api import DECIMAL

__all__ = ["MAX_ATTACHMENTS", "SEND_EXAMPLE", "tighten"]

_B64: Final = "[A-Za-z0-9+/]"
# Byte lengths of the fixed-size byte fields (8-byte key ids, 16-byte ids, 32-byte keys
# and hashes, 256-byte name encodings), by the length msgspec states for their base64 form.
_BYTES_BY_B64_LENGTH: Final = {12: 8, 24: 16, 44: 32, 344: 256}
# Bases that need a citation (schemas.kinds.legal): a treaty or domestic law is named.
_NEEDS_CITATION: Final = ["bilateral_treaty", "multilateral_treaty", "domestic_law"]
_TEXT: Final = {"type": "string", "minLength": 1}
"""A field checked with `bool()`: the empty string does not count."""
_SET: Final = {"type": "string"}
"""A field checked with `is not None`: any string counts."""

SEND_EXAMPLE: Final[dict[str, Any]] = {
    "to": ["ng-naptip"],
    "handling": "H2",
    "priority": "urgent",
    "message": {
        "kind": "case_referral",
        "case_reference": "DDA-PA-2026-0413",
        "summary": "Recruitment by a travel agency; debt bondage in agriculture.",
        "offences": [
            {
                "category": "trafficking_in_persons",
                "description": "Trafficking for forced labour",
                "provision": "Codice penale art. 601",
            }
        ],
        "victims": [
            {"ref": "V1", "sex": "female", "age_band": "18-24", "exploitation": ["forced_labour"]}
        ],
        "countries": ["NG", "IT"],
        "urgency": "urgent",
        "urgency_reason": "The victims are still held at the farm.",
    },
}
"""A send that this document describes and a gateway takes (given the recipient)."""


def canonical_base64(size: int) -> str:
    """The pattern of the canonical base64 of exactly `size` bytes (padding included,
    unused low bits zero): the one form the gateway takes."""
    whole, rest = divmod(size, 3)
    tail = {0: "", 1: f"{_B64}[AQgw]==", 2: f"{_B64}{{2}}[AEIMQUYcgkosw048]="}[rest]
    return f"^(?:{_B64}{{4}}){{{whole}}}{tail}$(?!\\n)"


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _scalars(components: dict[str, Any]) -> None:
    for node in _nodes(components):
        if node.get("contentEncoding") == "base64" and "minLength" in node:
            size = _BYTES_BY_B64_LENGTH[node["minLength"]]
            node["pattern"] = canonical_base64(size)
            node["description"] = f"{size} bytes, canonical base64"
        elif node.get("format") == "decimal":
            node["pattern"] = DECIMAL
            node["description"] = "decimal string, 0 to below 10^15, up to 18 places"


def _when(field: str, values: list[Any], then: dict[str, Any]) -> dict[str, Any]:
    return {
        "if": {"properties": {field: {"enum": values}}, "required": [field]},
        "then": then,
    }


def _needs(field: str, schema: dict[str, Any] = _TEXT) -> dict[str, Any]:
    return {"required": [field], "properties": {field: schema}}


def _absent(*fields: str) -> dict[str, Any]:
    return {"properties": {f: {"type": ["null", "array"], "maxItems": 0} for f in fields}}


def _status_rules(table: dict[str, tuple[frozenset[str], frozenset[str]]]) -> list[Any]:
    """A status update's fields: required with the statuses that need them, absent
    (null or empty) with the others."""
    rules = []
    for field, (allowed, required) in table.items():
        if required:
            # Present means neither null nor an empty list: "" counts.
            present = {"anyOf": [_SET, {"type": "array", "minItems": 1}]}
            rules.append(
                _when("status", sorted(required), {"required": [field],
                                                   "properties": {field: present}})
            )  # fmt: skip
        rules.append(
            {
                "if": {"not": {"properties": {"status": {"enum": sorted(allowed)}}}},
                "then": _absent(field),
            }
        )
    return rules


def _kind_rules() -> dict[str, list[Any]]:
    """Per component: the `__post_init__` rules JSON Schema can state."""
    citation = [_when("basis", _NEEDS_CITATION, _needs("citation"))]
    return {
        "MlaRequest": [
            {
                # facts_summary unless only service of judicial documents is sought
                "if": {
                    "properties": {
                        "assistance_sought": {"items": {"const": "service_of_judicial_documents"}}
                    }
                },
                "else": _needs("facts_summary", _SET),
            },
            _when("use_limitation_waiver_sought", [True], _needs("use_limitation_terms", _SET)),
            {
                "if": {"not": _when("use_limitation_waiver_sought", [True], {})["if"]},
                "then": {"properties": {"use_limitation_terms": {"type": "null"}}},
            },
        ],
        "ExtraditionRequest": [
            {
                "if": {"not": _when("purpose", ["enforcement_of_sentence"], {})["if"]},
                "then": {"properties": {"sentence": {"type": "null"}}},
            }
        ],
        "VideoconferenceHearing": [
            {
                "if": {"not": _when("interpreter_required", [True], {})["if"]},
                "then": {"properties": {"interpreter_language": {"type": "null"}}},
            }
        ],
        "MlaStatus": _status_rules(_MLA_STATUS_FIELDS),
        "ExtraditionStatus": [
            *_status_rules(_EXTRADITION_STATUS_FIELDS),
            {
                "if": {
                    "not": {
                        "properties": {"refusal_grounds": {"contains": {"const": "nationality"}}},
                        "required": ["refusal_grounds"],
                    }
                },
                "then": {"properties": {"submitted_for_prosecution": {"type": "null"}}},
            },
        ],
        "MlaLegalBasis": citation,
        "ExtraditionLegalBasis": citation,
        "AssetLegalBasis": citation,
        "CompensationLegalBasis": citation,
    }


_UNIQUE: Final = {
    "MlaRequest": ["assistance_sought"],
    "PreservationRequest": ["data_types"],
    "JointInvestigation": ["members"],
    "VictimCompensationRequest": ["victim_refs"],
    "ErasureNotice": ["message_ids"],
}


def _send_request(schema: dict[str, Any]) -> None:
    properties = schema["properties"]
    message = properties["message"]
    gateway_only = {
        f"#/components/schemas/{name}"
        for name in ("Receipt", "ErasureNotice", "ErasureConfirmation")
    }
    # Callers never send receipts, erasure notices or confirmations: the gateway does
    # (422 otherwise).
    message["anyOf"] = [m for m in message["anyOf"] if m["$ref"] not in gateway_only]
    mapping = message["discriminator"]["mapping"]
    message["discriminator"]["mapping"] = {
        k: v for k, v in mapping.items() if v not in gateway_only
    }
    # The body's `disclosure` is the sealer's to set, from the request's `disclosure`.
    message["properties"] = {"disclosure": {"type": "null"}}
    # A recipient named twice is sent to once; an upload named twice is refused.
    properties["attachments"]["uniqueItems"] = True
    # Somebody to send to: recipients, a network, or the message this one answers.
    schema["anyOf"] = [
        {"required": ["to"], "properties": {"to": {"minItems": 1}}},
        {"required": ["network"], "properties": {"network": {"type": "string"}}},
        {"required": ["in_reply_to"], "properties": {"in_reply_to": {"type": "string"}}},
    ]
    schema["examples"] = [SEND_EXAMPLE]


def tighten(components: dict[str, Any]) -> None:
    """Add to msgspec's `components` (in place) every rule the gateway enforces that
    JSON Schema can state."""
    _scalars(components)
    for name, rules in _kind_rules().items():
        components[name].setdefault("allOf", []).extend(rules)
    for name, fields in _UNIQUE.items():
        for field in fields:
            components[name]["properties"][field]["uniqueItems"] = True
    for name in ("NetworkNotice",):
        # A network notice shares practice along a route: it carries no case.
        components[name]["properties"]["case_reference"] = {"type": "null"}
    for schema in components.values():
        if {"urgency", "urgency_reason"} <= schema.get("properties", {}).keys():
            # An urgent or immediate request says why.
            urgent = _when("urgency", ["urgent", "immediate"], _needs("urgency_reason"))
            schema.setdefault("allOf", []).append(urgent)
    _send_request(components["SendRequest"])
