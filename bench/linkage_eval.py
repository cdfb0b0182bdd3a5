"""Precision and recall of record linkage on the labelled pairs (tests/linkage/).

Every record of a pair is minimised as a victim under one linkage key, exactly as a
gateway would (`schemas.minimise.minimise`), and the two minimised records are compared
with `schemas.minimise.linkage.link`. Reports precision and recall within a script and
across scripts, recall per category, and checks that nothing links across two keys.

    .venv/bin/python bench/linkage_eval.py                      # tests/linkage/pairs.json
    .venv/bin/python bench/linkage_eval.py tests/linkage/dev.json --sweep
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import msgspec

from schemas.minimise import LinkageKey, minimise
from schemas.minimise import linkage as lk
from schemas.records import PersonIdentity, Victim

PAIRS = Path(__file__).resolve().parent.parent / "tests" / "linkage" / "pairs.json"
KEY = LinkageKey(bytes(range(32)))
OTHER_KEY = LinkageKey(bytes(range(32, 64)))
TODAY = dt.date(2026, 11, 30)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One pair's label and the linker's verdict."""

    pair: dict[str, Any]
    link: lk.Link
    across_keys: lk.Link | None
    """The link with the second record made under another key (when checked)."""


@dataclasses.dataclass(frozen=True)
class Figures:
    """Counts and rates for one group of pairs."""

    matches: int
    nonmatches: int
    true_links: int
    false_links: int

    @property
    def precision(self) -> float:
        """Share of links that are right (1 when nothing was linked)."""
        links = self.true_links + self.false_links
        return self.true_links / links if links else 1.0

    @property
    def recall(self) -> float:
        """Share of matching pairs that were linked."""
        return self.true_links / self.matches if self.matches else 1.0


def minimised(record: dict[str, Any], key: LinkageKey) -> Victim:
    """A victim with this identity, minimised under `key`."""
    identity = msgspec.convert(record, PersonIdentity)
    victim, _ = minimise(Victim(ref="V1", identity=identity), linkage_key=key, today=TODAY)
    return victim


def evaluate(pairs: list[dict[str, Any]], *, across_keys_every: int = 1) -> list[Outcome]:
    """Link every pair under one key; every `across_keys_every`-th pair also with its
    second record made under another key."""
    out = []
    for index, pair in enumerate(pairs):
        a = minimised(pair["a"], KEY)
        b = minimised(pair["b"], KEY)
        across = None
        if index % across_keys_every == 0:
            across = lk.link(a, minimised(pair["b"], OTHER_KEY), key=KEY)
        out.append(Outcome(pair, lk.link(a, b, key=KEY), across))
    return out


def figures(outcomes: list[Outcome], decide: Any = None) -> Figures:
    """Counts over `outcomes`, deciding with `decide(link)` or the link's own decision."""

    def linked(o: Outcome) -> bool:
        return bool(decide(o.link) if decide else o.link.decision)

    return Figures(
        matches=sum(o.pair["match"] for o in outcomes),
        nonmatches=sum(not o.pair["match"] for o in outcomes),
        true_links=sum(o.pair["match"] and linked(o) for o in outcomes),
        false_links=sum(not o.pair["match"] and linked(o) for o in outcomes),
    )


def name_only(pair: dict[str, Any]) -> bool:
    """Whether a matching pair's only common evidence is the name: a date of birth is
    missing on a side and no document, phone, e-mail or account is on both. By design
    such a pair never links (a namesake would link too)."""
    a, b = pair["a"], pair["b"]
    if not pair["match"] or ("date_of_birth" in a and "date_of_birth" in b):
        return False
    return not any(a.get(kind) and b.get(kind) for kind in _SHARED)


_SHARED = ("documents", "phones", "emails", "bank_accounts")


def _line(label: str, f: Figures) -> str:
    return (
        f"{label:<28} matches {f.matches:4d}  non-matches {f.nonmatches:4d}  "
        f"precision {100 * f.precision:6.2f} %  recall {100 * f.recall:6.2f} %"
    )


def report(outcomes: list[Outcome]) -> str:
    """The figures as text."""
    lines = []
    for group in ("within", "cross"):
        subset = [o for o in outcomes if o.pair["set"] == group]
        lines.append(_line(f"{group} script", figures(subset)))
    lines.append(_line("all", figures(outcomes)))
    for group in ("within", "cross"):
        subset = [o for o in outcomes if o.pair["set"] == group and not name_only(o.pair)]
        lines.append(_line(f"{group}, more than a name", figures(subset)))
    lines.append("")
    categories = Counter((o.pair["set"], o.pair["category"], o.pair["match"]) for o in outcomes)
    for (group, category, match), count in sorted(categories.items()):
        subset = [
            o
            for o in outcomes
            if (o.pair["set"], o.pair["category"], o.pair["match"]) == (group, category, match)
        ]
        linked = sum(o.link.decision for o in subset)
        verdict = "linked" if match else "wrongly linked"
        lines.append(f"  {group:<6} {category:<22} {linked:4d} / {count:4d} {verdict}")
    across = [o.across_keys for o in outcomes if o.across_keys is not None]
    comparable = sum(link.comparable for link in across)
    decided = sum(link.decision for link in across)
    lines.append("")
    lines.append(
        f"across two keys: {decided} of {len(across)} pairs linked, {comparable} comparable"
    )
    return "\n".join(lines)


def sweep(outcomes: list[Outcome]) -> str:
    """Precision and recall for other thresholds on the same scores (for tuning)."""
    lines = []
    for threshold in (6.0, 8.0, 10.0, 12.0, 14.0):

        def decide(link: lk.Link, t: float = threshold) -> bool:
            return link.comparable and link.score >= t

        within = figures([o for o in outcomes if o.pair["set"] == "within"], decide)
        cross = figures([o for o in outcomes if o.pair["set"] == "cross"], decide)
        lines.append(
            f"threshold {threshold:5.1f}: within P {100 * within.precision:6.2f} "
            f"R {100 * within.recall:6.2f}   cross P {100 * cross.precision:6.2f} "
            f"R {100 * cross.recall:6.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Evaluate and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("pairs", nargs="?", type=Path, default=PAIRS)
    parser.add_argument("--sweep", action="store_true", help="also try other thresholds")
    parser.add_argument("--misses", action="store_true", help="list wrong decisions")
    args = parser.parse_args(argv)
    pairs = json.loads(args.pairs.read_text(encoding="utf-8"))["pairs"]
    started = time.perf_counter()
    outcomes = evaluate(pairs)
    elapsed = time.perf_counter() - started
    print(f"{args.pairs.name}: {len(pairs)} pairs, {elapsed:.2f} s")
    print(report(outcomes))
    if args.sweep:
        print(sweep(outcomes))
    if args.misses:
        for o in outcomes:
            if o.link.decision != o.pair["match"]:
                similarity = o.link.name_similarity
                print(
                    o.pair["id"],
                    o.pair["set"],
                    o.pair["category"],
                    o.pair["match"],
                    f"score {o.link.score:.1f}",
                    f"name {similarity:.2f}" if similarity is not None else "no name",
                    o.link.agreements,
                    o.link.disagreements,
                    json.dumps([o.pair["a"], o.pair["b"]], ensure_ascii=False),
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
