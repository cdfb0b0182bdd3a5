"""JSON Schema export: the checked-in files match the code, and say what they should."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from schemas import jsonschema, wire
from schemas.kinds import KINDS, MlaRequest


def test_checked_in_schemas_are_current() -> None:
    """The files in schemas/jsonschema/ are exactly what the generator makes now."""
    assert jsonschema.stale() == [], "run `python -m schemas.jsonschema` and commit the result"


def test_check_flag_passes_on_current_files() -> None:
    """`--check` exits 0 when nothing is stale."""
    assert jsonschema.main(["--check"]) == 0


def test_one_file_per_kind_plus_union_and_wire() -> None:
    """There is a file per kind tag, one for the union and one per envelope structure."""
    expected = {f"{tag}.json" for tag in KINDS} | {
        "message.json",
        "binding.json",
        "header.json",
        "envelope.json",
    }
    assert set(jsonschema.generate()) == expected


def test_output_is_deterministic_and_formatted() -> None:
    """Two runs give the same text: sorted keys, two-space indent, trailing newline."""
    first, second = jsonschema.generate(), jsonschema.generate()
    assert first == second
    for text in first.values():
        assert text.endswith("}\n")
        assert (
            text
            == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        )


def test_union_discriminates_on_kind() -> None:
    """message.json maps every kind tag to its definition through the kind field."""
    doc = jsonschema.schemas()["message.json"]
    assert doc["discriminator"]["propertyName"] == "kind"
    assert set(doc["discriminator"]["mapping"]) == set(KINDS)
    assert doc["$schema"] == jsonschema.DIALECT


@pytest.mark.parametrize("tag", sorted(KINDS))
def test_kind_schema_pins_its_tag(tag: str) -> None:
    """Each kind's schema requires `kind` to be its tag and forbids unknown fields."""
    doc = jsonschema.schemas()[f"{tag}.json"]
    name = doc["$ref"].rsplit("/", 1)[1]
    definition = doc["$defs"][name]
    assert definition["properties"]["kind"] == {"enum": [tag]}
    assert "kind" in definition["required"]
    assert definition["additionalProperties"] is False


@pytest.mark.parametrize("cls", [wire.Binding, wire.Header, wire.Envelope])
def test_wire_schemas_are_positional_arrays(cls: type[msgspec.Struct]) -> None:
    """binding/header/envelope schemas are arrays with one item per field, in order."""
    doc = jsonschema.schemas()[f"{cls.__name__.lower()}.json"]
    definition = doc["$defs"][cls.__name__]
    assert definition["type"] == "array"
    assert len(definition["prefixItems"]) == len(msgspec.structs.fields(cls))


def test_stale_and_write_on_a_directory(tmp_path: Path) -> None:
    """stale() lists missing, changed and left-over files; write() fixes all three."""
    assert set(jsonschema.stale(tmp_path)) == set(jsonschema.generate())
    jsonschema.write(tmp_path)
    assert jsonschema.stale(tmp_path) == []
    (tmp_path / "receipt.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "old_kind.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "binding.json").unlink()
    assert jsonschema.stale(tmp_path) == ["binding.json", "receipt.json", "old_kind.json"]
    assert jsonschema.write(tmp_path) == ["binding.json", "receipt.json", "old_kind.json"]
    assert jsonschema.stale(tmp_path) == []
    assert not (tmp_path / "old_kind.json").exists()


def _descriptions(node: Any) -> Iterator[str]:
    """Every schema description in a document, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                yield value
            else:
                yield from _descriptions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _descriptions(item)


def test_descriptions_are_the_cleaned_docstrings() -> None:
    """A Struct's description is its docstring without the source indentation, whichever
    msgspec release made the schema."""
    definition = jsonschema.schemas()["mla_request.json"]["$defs"]["MlaRequest"]
    assert MlaRequest.__doc__ is not None
    assert definition["description"] == inspect.cleandoc(MlaRequest.__doc__)
    assert "\n" in definition["description"]
    found = [text for doc in jsonschema.schemas().values() for text in _descriptions(doc)]
    assert found
    assert all(text == inspect.cleandoc(text) for text in found)
    assert not any(line.startswith(" ") for text in found for line in text.splitlines())


def test_older_msgspec_forms_are_normalised() -> None:
    """Schemas in the form older msgspec releases write them (indented descriptions,
    `null` first in an optional field's anyOf) come out as the current files have them,
    at any depth; a property that happens to be called description is kept."""
    raw = {
        "$ref": "#/$defs/Note",
        "$defs": {
            "Note": {
                "description": "A note.\n    Second line.",
                "properties": {
                    "description": {"type": "string"},
                    "author": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/Officer"}]},
                    "when": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                },
                "anyOf": [{"description": "\n    Inner.\n      indented\n    "}],
            }
        },
    }
    assert jsonschema._normalise(raw) == {
        "$ref": "#/$defs/Note",
        "$defs": {
            "Note": {
                "description": "A note.\nSecond line.",
                "properties": {
                    "description": {"type": "string"},
                    "author": {"anyOf": [{"$ref": "#/$defs/Officer"}, {"type": "null"}]},
                    "when": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                },
                "anyOf": [{"description": "Inner.\n  indented"}],
            }
        },
    }


def test_optional_fields_list_null_last() -> None:
    """Every anyOf that admits null lists it last, after the type it makes optional."""
    nullable = [
        members
        for doc in jsonschema.schemas().values()
        for members in _any_ofs(doc)
        if {"type": "null"} in members
    ]
    assert nullable
    assert all(members[-1] == {"type": "null"} for members in nullable)


def _any_ofs(node: Any) -> Iterator[list[Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "anyOf":
                yield value
            yield from _any_ofs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _any_ofs(item)
