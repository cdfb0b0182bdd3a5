"""The minimiser measured on the labelled red-team corpus (tests/corpus/minimiser.json).

Run: `.venv/bin/python bench/minimiser_corpus.py [--json figures.json]`. For each item
the scanner is built from the item's protected persons and regions, as `minimise` builds
it, and run on the text with patterns on. Reported:

* recall: identifier texts with at least one finding, overall, per language, per class
  and per owner (texts whose identifiers are all someone else's);
* false blocks: clean texts with any finding, overall, per language, per class;
* span recall (only when the scanner reports `findings` with offsets): annotated spans
  overlapped by a finding of the same kind, per kind and owner;
* speed: texts per second, scanner built per text as in `minimise`, and scan alone.

Misses and false blocks are listed by id only: never a text or a value. The exit status
is always 0; `tests/test_minimiser_corpus.py` holds the goals.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas.minimise import ProtectedPerson, Scanner

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "minimiser.json"
Found = tuple[str, int, int]
"""(kind, start, end) of one finding; start and end are -1 when the scanner gives kinds
only."""


def _make_scanner(persons: Sequence[ProtectedPerson], regions: Sequence[str]) -> Scanner:
    return Scanner(persons, regions=regions)


def _find(scanner: Scanner, text: str) -> tuple[list[Found], bool]:
    """Every finding with its offsets."""
    return [(f.kind, f.start, f.end) for f in scanner.findings(text)], True


def load(path: Path = CORPUS) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return items


def persons_of(item: dict[str, Any]) -> list[ProtectedPerson]:
    return [
        ProtectedPerson(
            names=tuple(p["names"]),
            identifiers=tuple((kind, value) for kind, value in p["identifiers"]),
            family_names=tuple(p["family_names"]),
        )
        for p in item["persons"]
    ]


@dataclasses.dataclass
class Rate:
    hits: int = 0
    total: int = 0

    def add(self, hit: bool) -> None:
        self.hits += hit
        self.total += 1

    @property
    def value(self) -> float:
        return self.hits / self.total if self.total else 0.0

    def as_json(self) -> dict[str, Any]:
        return {"hits": self.hits, "total": self.total, "rate": round(self.value, 4)}


@dataclasses.dataclass
class Figures:
    recall: Rate = dataclasses.field(default_factory=Rate)
    false_blocks: Rate = dataclasses.field(default_factory=Rate)
    recall_by_lang: dict[str, Rate] = dataclasses.field(default_factory=lambda: defaultdict(Rate))
    false_by_lang: dict[str, Rate] = dataclasses.field(default_factory=lambda: defaultdict(Rate))
    recall_by_class: dict[str, Rate] = dataclasses.field(default_factory=lambda: defaultdict(Rate))
    false_by_class: dict[str, Rate] = dataclasses.field(default_factory=lambda: defaultdict(Rate))
    recall_by_owner: dict[str, Rate] = dataclasses.field(default_factory=lambda: defaultdict(Rate))
    span_recall: dict[str, Rate] | None = None
    misses: list[str] = dataclasses.field(default_factory=list)
    false_block_ids: list[str] = dataclasses.field(default_factory=list)
    texts_per_second: float = 0.0
    scans_per_second: float = 0.0

    def as_json(self) -> dict[str, Any]:
        def table(rates: dict[str, Rate] | None) -> dict[str, Any] | None:
            if rates is None:
                return None
            return {key: rates[key].as_json() for key in sorted(rates)}

        return {
            "recall": self.recall.as_json(),
            "false_blocks": self.false_blocks.as_json(),
            "recall_by_lang": table(self.recall_by_lang),
            "false_blocks_by_lang": table(self.false_by_lang),
            "recall_by_class": table(self.recall_by_class),
            "false_blocks_by_class": table(self.false_by_class),
            "recall_by_owner": table(self.recall_by_owner),
            "span_recall": table(self.span_recall),
            "misses": self.misses,
            "false_block_ids": self.false_block_ids,
            "texts_per_second": round(self.texts_per_second),
            "scans_per_second": round(self.scans_per_second),
        }


def _overlaps(span: dict[str, Any], found: Iterable[Found]) -> bool:
    return any(
        kind == span["kind"] and start < span["end"] and span["start"] < end
        for kind, start, end in found
    )


def measure(items: Sequence[dict[str, Any]], *, timing: bool = True) -> Figures:
    """Run the scanner over `items` and tally the figures."""
    figures = Figures()
    lookalike_classes = {c for item in items if item["label"] == "clean" for c in item["classes"]}
    spans: dict[str, Rate] = defaultdict(Rate)
    with_offsets = False
    for item in items:
        scanner = _make_scanner(persons_of(item), item["regions"])
        found, with_offsets = _find(scanner, item["text"])
        blocked = bool(found)
        if item["label"] == "clean":
            figures.false_blocks.add(blocked)
            figures.false_by_lang[item["lang"]].add(blocked)
            for cls in item["classes"]:
                figures.false_by_class[cls].add(blocked)
            if blocked:
                figures.false_block_ids.append(item["id"])
            continue
        figures.recall.add(blocked)
        figures.recall_by_lang[item["lang"]].add(blocked)
        for cls in item["classes"]:
            if cls not in lookalike_classes or cls == "hard_case":
                figures.recall_by_class[cls].add(blocked)
        owners = {span["owner"] for span in item["spans"]}
        figures.recall_by_owner["victim" if "victim" in owners else "other only"].add(blocked)
        if not blocked:
            figures.misses.append(item["id"])
        for span in item["spans"]:
            spans[f"{span['kind']}/{span['owner']}"].add(_overlaps(span, found))
    if with_offsets:
        figures.span_recall = spans
    if timing:
        figures.texts_per_second, figures.scans_per_second = _speed(items)
    return figures


def _speed(items: Sequence[dict[str, Any]], rounds: int = 3) -> tuple[float, float]:
    """Texts per second with the scanner built per text (as `minimise` does), and with
    scanners built beforehand (the scan alone); best of `rounds`."""
    built = [(_make_scanner(persons_of(i), i["regions"]), i["text"]) for i in items]
    whole = scan_only = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            _find(_make_scanner(persons_of(item), item["regions"]), item["text"])
        whole = max(whole, len(items) / (time.perf_counter() - start))
        start = time.perf_counter()
        for scanner, text in built:
            _find(scanner, text)
        scan_only = max(scan_only, len(items) / (time.perf_counter() - start))
    return whole, scan_only


def _lines(title: str, rates: dict[str, Rate] | None) -> list[str]:
    if rates is None:
        return [f"{title}: not measured (the scanner reports kinds, not offsets)"]
    out = [title]
    out += [
        f"  {key:<32} {rates[key].value:7.1%}  ({rates[key].hits}/{rates[key].total})"
        for key in sorted(rates)
    ]
    return out


def report(figures: Figures, items: Sequence[dict[str, Any]]) -> str:
    sizes = [len(i["text"].encode()) for i in items]
    lines = [
        f"corpus: {len(items)} texts, {sum(i['label'] == 'clean' for i in items)} clean, "
        f"mean {sum(sizes) / len(sizes):.0f} bytes",
        f"recall (identifier texts caught): {figures.recall.value:.1%} "
        f"({figures.recall.hits}/{figures.recall.total})   goal >= 99 %",
        f"false blocks (clean texts blocked): {figures.false_blocks.value:.1%} "
        f"({figures.false_blocks.hits}/{figures.false_blocks.total})   goal <= 5 %",
        *_lines("recall by language", figures.recall_by_lang),
        *_lines("false blocks by language", figures.false_by_lang),
        *_lines("recall by class", figures.recall_by_class),
        *_lines("false blocks by class", figures.false_by_class),
        *_lines("recall by owner", figures.recall_by_owner),
        *_lines("span recall by kind/owner", figures.span_recall),
        f"speed: {figures.texts_per_second:,.0f} texts/s with the scanner built per text, "
        f"{figures.scans_per_second:,.0f} texts/s scan alone",
        "missed: " + (" ".join(figures.misses) or "none"),
        "false blocks: " + (" ".join(figures.false_block_ids) or "none"),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the corpus file")
    args = parser.parse_args()
    items = load(args.corpus)
    figures = measure(items)
    print(report(figures, items))
    if args.json:
        args.json.write_text(json.dumps(figures.as_json(), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
