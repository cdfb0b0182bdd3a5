"""Linkage measured on the held-out labelled pairs (tests/linkage/pairs.json).

The weights and threshold were chosen on tests/linkage/dev.json (another seed); the
figures asserted here are those docs/minimisation.md reports.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

_BENCH = Path(__file__).resolve().parent.parent / "bench" / "linkage_eval.py"


def _load_bench() -> Any:
    # bench/ is a directory of scripts, not a package: load the evaluator by path.
    spec = importlib.util.spec_from_file_location("linkage_eval", _BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["linkage_eval"] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


ev = _load_bench()

PAIRS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "linkage" / "pairs.json").read_text(encoding="utf-8")
)["pairs"]


@functools.cache
def _outcomes() -> list[Any]:
    # Evaluated once, when a test first needs it (not at collection).
    return list(ev.evaluate(PAIRS, across_keys_every=5))


def _figures(group: str, *, beyond_name: bool = False) -> Any:
    return ev.figures(
        [
            o
            for o in _outcomes()
            if o.pair["set"] == group and not (beyond_name and ev.name_only(o.pair))
        ]
    )


def test_the_set_is_as_large_as_required() -> None:
    """At least 400 pairs within a script and 200 across scripts, both labels."""
    within = [p for p in PAIRS if p["set"] == "within"]
    cross = [p for p in PAIRS if p["set"] == "cross"]
    assert len(within) >= 400
    assert len(cross) >= 200
    assert {p["match"] for p in within} == {p["match"] for p in cross} == {True, False}
    assert {p["scripts"] for p in cross} == {"cyrillic-latin", "arabic-latin"}


def test_within_a_script_the_goal_is_met() -> None:
    """Within a script: recall at least 90 % at precision at least 99 %."""
    within = _figures("within")
    assert within.precision >= 0.99
    assert within.recall >= 0.90


def test_across_scripts_precision_and_measured_recall() -> None:
    """Across scripts: precision at least 99 %; recall 77 % on these pairs, short of the
    80 % goal, all of the shortfall in pairs whose only common evidence is the name
    (no date of birth on one side), which by design never link. With more than a name
    in common, recall is above 95 %."""
    cross = _figures("cross")
    assert cross.precision >= 0.99
    assert cross.recall >= 0.76
    assert _figures("cross", beyond_name=True).recall >= 0.95


def test_nothing_links_across_two_keys() -> None:
    """Pairs whose records were made under two different keys never link."""
    checked = [o.across_keys for o in _outcomes() if o.across_keys is not None]
    assert len(checked) >= 100
    assert not any(link.decision or link.comparable for link in checked)
