"""The held-out red-team corpus (tests/holdout/): it regenerates identically, its labels
are well formed, and the minimiser's scanner, measured on it with the code of
bench/minimiser_corpus.py, meets the goals of victim privacy v2 (recall >= 99 % of
identifier texts, false blocks <= 5 % of clean texts).

Identifiers the specification documents as out of the scanner's reach are in
tests/holdout/limits.json; it is checked for form here and measured by the same script,
but held to no goal. No text or value is ever printed: failures name ids only.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.holdout import generate

ROOT = Path(__file__).resolve().parent.parent
KINDS = {"victim_name", "date_of_birth", "document", "phone", "email", "address", "bank_account"}
LANGS = {"en", "fr", "es", "pt", "ar", "ru"}


@cache
def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "minimiser_corpus", ROOT / "bench" / "minimiser_corpus.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["minimiser_corpus"] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


@cache
def _built() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return generate.build()


def _load(path: Path) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = _bench().load(path)
    return items


def test_files_regenerate_identically() -> None:
    items, limits = _built()
    assert generate.OUTPUT.read_text(encoding="utf-8") == generate.dump(items)
    assert generate.LIMITS.read_text(encoding="utf-8") == generate.dump(limits)


def test_size_languages_and_shares() -> None:
    items = _load(generate.OUTPUT)
    per_lang = Counter(item["lang"] for item in items)
    assert set(per_lang) == LANGS
    assert min(per_lang.values()) >= 60
    assert len(items) >= 360
    assert sum(item["label"] == "clean" for item in items) >= 0.4 * len(items)
    unstructured = sum(all(not p["family_names"] for p in item["persons"]) for item in items)
    assert unstructured >= 0.7 * len(items)
    assert any(any(p["family_names"] for p in item["persons"]) for item in items)


def _digits(text: str) -> str:
    return "".join(str(int(c)) for c in text if c.isdigit())


def _compact(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def _is_own(kind: str, written: str, person: dict[str, Any]) -> bool:
    """Whether `written`, a span of the text, is one of `person`'s identifiers."""
    held = [value for k, value in person["identifiers"] if k == kind]
    match kind:
        case "victim_name":
            tokens = [t for name in person["names"] for t in name.split() if len(t) > 2]
            folded = written.casefold()
            return any(t.casefold()[:4] in folded or t.casefold()[-4:] in folded for t in tokens)
        case "phone":
            national = _digits(written).lstrip("0")[-9:]
            return any(_digits(value).endswith(national) for value in held)
        case "document" | "bank_account":
            return _compact(written) in {_compact(value) for value in held}
        case "email":
            return written.casefold() in {value.casefold() for value in held}
        case "address":
            return any(value.startswith(written) for value in held)
        case "date_of_birth":
            found = _digits(written)
            for value in held:
                year, _, day = value.split("-")
                if (year in found or year[2:] in found) and str(int(day)) in found:
                    return True
            return False
    return False


@pytest.mark.parametrize("path", [generate.OUTPUT, generate.LIMITS], ids=["holdout", "limits"])
def test_labels_are_well_formed(path: Path) -> None:
    items = _load(path)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    kinds = KINDS | ({"social_handle"} if path == generate.LIMITS else set())
    bad: list[str] = []
    for item in items:
        text, spans = item["text"], item["spans"]
        ok = (
            item["lang"] in LANGS
            and item["label"] == ("identifier" if spans else "clean")
            and item["classes"]
            and all(re.fullmatch(r"[A-Z]{2}", r) for r in item["regions"])
            and item["persons"]
        )
        previous_end = 0
        for span in sorted(spans, key=lambda s: s["start"]):
            written = text[span["start"] : span["end"]]
            ok = ok and (
                previous_end <= span["start"] < span["end"] <= len(text)
                and written == written.strip()
                and span["kind"] in kinds
                and span["owner"] in ("victim", "other")
            )
            previous_end = span["end"]
            # Limits hold identifiers the sender did not record (that is the limit).
            if span["owner"] == "victim" and path == generate.OUTPUT:
                ok = ok and any(_is_own(span["kind"], written, p) for p in item["persons"])
        if not ok:
            bad.append(item["id"])
    assert not bad, bad


def test_phones_and_ibans_are_valid() -> None:
    bad: list[str] = []
    for item in _load(generate.OUTPUT):
        for span in item["spans"]:
            written = item["text"][span["start"] : span["end"]]
            if span["kind"] == "phone" and not generate.valid_phone(written, item["regions"]):
                bad.append(item["id"])
            if (
                span["kind"] == "bank_account"
                and written[:2].isalpha()
                and not generate.valid_iban(written)
            ):
                bad.append(item["id"])
        for person in item["persons"]:
            for kind, value in person["identifiers"]:
                if kind == "phone" and not generate.valid_phone(value, item["regions"]):
                    bad.append(item["id"])
    assert not bad, bad


def test_scanner_meets_the_goals_on_the_held_out_corpus() -> None:
    bench = _bench()
    items = _load(generate.OUTPUT)
    figures = bench.measure(items, timing=False)
    recall, false_blocks = figures.recall.value, figures.false_blocks.value
    assert recall >= 0.99, (f"recall {recall:.1%}", figures.misses)
    assert false_blocks <= 0.05, (f"false blocks {false_blocks:.1%}", figures.false_block_ids)


def test_limits_are_measured_by_the_same_script() -> None:
    """The documented limits are measured apart and held to no goal: this only checks
    that the script reads them and reports per class."""
    figures = _bench().measure(_load(generate.LIMITS), timing=False)
    assert figures.recall.total + figures.false_blocks.total == len(_load(generate.LIMITS))
    assert any(cls.startswith("limit_") for cls in figures.recall_by_class)
