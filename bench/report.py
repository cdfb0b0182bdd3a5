"""Run every benchmark with `--json` and write a small report: each table, its baseline
beside each figure, and a latency-versus-offered-load chart from every curve.

    python bench/report.py                 # run the benchmarks, then render
    python bench/report.py --quick         # each benchmark in its quick mode
    python bench/report.py --from DIR      # render from JSON files already in DIR

The report goes to `bench/report/` (gitignored: figures belong to the machine and the
moment that produced them; docs/performance.md keeps the ones worth keeping):
`README.md` with the tables, `latency.png` with the chart, and each benchmark's JSON.
A benchmark that is missing, fails or writes no JSON is named in the report, not
silently left out.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# Each benchmark with its arguments for a full run and for a quick one; a name that is
# not a script's is "<script>:<variant>" (the same script with other arguments).
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "seal_open": ([], ["--quick"]),
    "broker_relay": (["--messages", "5000", "--no-e2e"], ["--quick"]),
    # Two relay processes against two broker processes on one configuration: how each
    # scales out on the same machine (the broker is bound by one process's CPU).
    "broker_relay:2": (
        ["--messages", "5000", "--no-e2e", "--processes", "2", "--rates", "250,500,1000,2000"],
        ["--quick", "--processes", "2"],
    ),
    "e2e": ([], ["--quick"]),
    "audit_verify": ([], ["--quick"]),
    "attachments": ([], ["--quick"]),
    "scan_speed": ([], ["--quick"]),
}


@dataclass
class Outcome:
    name: str
    result: dict[str, Any] | None
    problem: str | None
    seconds: float


def run_all(out: Path, *, quick: bool) -> list[Outcome]:
    """Run each benchmark present in bench/ with `--json`, one after the other."""
    outcomes = []
    for name, (full, fast) in BENCHMARKS.items():
        script = HERE / f"{name.split(':')[0]}.py"
        if not script.exists():
            outcomes.append(Outcome(name, None, "not present", 0.0))
            continue
        target = out / _json_name(name)
        target.unlink(missing_ok=True)
        cmd = [sys.executable, str(script), *(fast if quick else full), "--json", str(target)]
        print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
        start = time.perf_counter()
        done = subprocess.run(cmd, check=False)  # noqa: S603  (our own scripts)
        elapsed = time.perf_counter() - start
        outcomes.append(load(target, name, elapsed, done.returncode))
    return outcomes


def _json_name(name: str) -> str:
    return name.replace(":", "-") + ".json"


def load(path: Path, name: str, seconds: float = 0.0, returncode: int = 0) -> Outcome:
    """One benchmark's JSON, checked against the output contract."""
    if returncode != 0:
        return Outcome(name, None, f"exited with status {returncode}", seconds)
    if not path.exists():
        return Outcome(name, None, "wrote no JSON (does it accept --json?)", seconds)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        for table in data.get("tables", []):
            if not all(len(row) == len(table["columns"]) for row in table["rows"]):
                raise ValueError(f"a row of {table['title']!r} has the wrong number of cells")
        for curve in data.get("curves", []):
            for point in curve["points"]:
                float(point["offered"]), float(point["p50_ms"]), float(point["p99_ms"])
    except (ValueError, KeyError, TypeError) as exc:
        return Outcome(name, None, f"JSON does not follow the contract: {exc}", seconds)
    return Outcome(name, data, None, seconds)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


def markdown(outcomes: list[Outcome], chart: str | None) -> str:
    lines = ["# Benchmark report", ""]
    lines.append(
        "Written by `make bench` (`bench/report.py`). Each table puts the baseline measured "
        "in the same run beside each figure; compare ratios, not absolute numbers."
    )
    lines.append("")
    if chart:
        lines += ["## Latency versus offered load", "", f"![latency]({chart})", ""]
    for outcome in outcomes:
        lines += [f"## {outcome.name}", ""]
        if outcome.result is None:
            lines += [f"Not measured: {outcome.problem}.", ""]
            continue
        for table in outcome.result.get("tables", []):
            lines += [f"**{table['title']}**", ""]
            lines.append("| " + " | ".join(_cell(c) for c in table["columns"]) + " |")
            lines.append("|" + "---|" * len(table["columns"]))
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table["rows"]]
            lines.append("")
        for curve in outcome.result.get("curves", []):
            lines += [f"**{curve['name']}**: latency versus offered load", ""]
            lines.append("| offered msg/s | achieved msg/s | p50 ms | p99 ms |")
            lines.append("|---|---|---|---|")
            for p in curve["points"]:
                offered = "as fast as possible" if not p["offered"] else _cell(float(p["offered"]))
                lines.append(
                    f"| {offered} | {_cell(float(p['achieved']))} | "
                    f"{float(p['p50_ms']):.2f} | {float(p['p99_ms']):.2f} |"
                )
            lines.append("")
        if outcome.seconds:
            lines += [f"_{outcome.name} ran for {outcome.seconds:.0f} s._", ""]
    return "\n".join(lines)


def chart(outcomes: list[Outcome], path: Path) -> bool:
    """p99 (solid) and p50 (dashed) latency against achieved load for every curve with
    a steady offered load; False if there is no curve to draw."""
    found = [
        (curve["name"], outcome.name, [p for p in curve["points"] if float(p["offered"]) > 0])
        for outcome in outcomes
        if outcome.result
        for curve in outcome.result.get("curves", [])
    ]
    # A baseline measured by two benchmarks (each its own run) is labelled with its run.
    named = Counter(name for name, _, points in found if points)
    curves = [
        (f"{name} ({bench})" if named[name] > 1 else name, points)
        for name, bench, points in found
        if points
    ]
    if not curves:
        return False
    import matplotlib  # noqa: PLC0415  (the `bench` extra; only needed for a chart)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    for name, unordered in curves:
        points = sorted(unordered, key=lambda p: float(p["offered"]))
        offered = [float(p["offered"]) for p in points]
        (line,) = ax.plot(offered, [float(p["p99_ms"]) for p in points], marker="o")
        line.set_label(f"{name} p99")
        ax.plot(
            offered,
            [float(p["p50_ms"]) for p in points],
            linestyle="--",
            color=line.get_color(),
            label=f"{name} p50",
        )
    ax.set_xlabel("offered load (messages/s)")
    ax.set_ylabel("latency (ms)")
    ax.set_yscale("log")
    ax.set_title("Latency versus offered load")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def render(outcomes: list[Outcome], out: Path) -> Path:
    """Write the chart (if any curve) and README.md into `out`; return the README."""
    out.mkdir(parents=True, exist_ok=True)
    drawn = chart(outcomes, out / "latency.png")
    readme = out / "README.md"
    readme.write_text(markdown(outcomes, "latency.png" if drawn else None), encoding="utf-8")
    return readme


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "report")
    parser.add_argument("--quick", action="store_true", help="each benchmark's quick mode")
    parser.add_argument(
        "--from", dest="source", type=Path, help="render from DIR/<bench>.json, run nothing"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.source:
        outcomes = [load(args.source / _json_name(n), n) for n in BENCHMARKS]
        outcomes = [o for o in outcomes if o.problem is None or "no JSON" not in o.problem]
    else:
        outcomes = run_all(args.out, quick=args.quick)
    readme = render(outcomes, args.out)
    failed = [o.name for o in outcomes if o.problem and o.problem != "not present"]
    print(
        f"report written to {readme}" + (f"; not measured: {', '.join(failed)}" if failed else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
