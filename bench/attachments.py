"""Attachment speed and memory: one file up and down through a real nats-server.

Each leg runs in its own child process, so its peak RSS (the kernel's VmHWM) is its
own: Palermo's `attachments.upload` and `attachments.download` (encrypted, chunked,
hashed, into the sender's evidence bucket) against the baseline measured in the same
run, nats-py's own object store `put` and `get` of the same file with no encryption.
Runs alternate between the two.

    python bench/attachments.py                    # 1 GiB, 3 runs of each
    python bench/attachments.py --quick --json out.json   # 64 MiB, 1 run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nats  # noqa: E402

from broker import topology  # noqa: E402
from broker.natsserver import NatsServer  # noqa: E402

SENDER = "it-ddapalermo"

_COMMON = """
import asyncio, hashlib, json, sys, time
from pathlib import Path
import nats

def peak_rss_kib():
    # Not ru_maxrss: across fork and exec that keeps the parent's high-water mark.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")

def sha256_of(path):
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.digest()
"""

# Palermo: encrypted upload into the evidence bucket, then download and decrypt.
_PALERMO = (
    _COMMON
    + """
from broker import topology
from clients import attachments

async def main(url, source, target, sender):
    nc = await nats.connect(url, inbox_prefix=topology.reply_prefix(sender))
    js = nc.jetstream()
    t0 = time.perf_counter()
    att = await attachments.upload(js, sender, source, file_name="disk.img",
        media_type="application/octet-stream", victim_level="none")
    t1 = time.perf_counter()
    await attachments.download(js, sender, att.descriptor, att.ref, target)
    t2 = time.perf_counter()
    await attachments.delete(js, sender, att.ref.object_id)
    await nc.drain()
    same = sha256_of(target) == att.descriptor.digest
    print(json.dumps({"up": t1 - t0, "down": t2 - t1, "rss": peak_rss_kib(), "same": same}))

asyncio.run(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]))
"""
)

# Baseline: nats-py's object store, same bytes, no encryption.
_BASELINE = (
    _COMMON
    + """
async def main(url, source, target):
    nc = await nats.connect(url)
    obs = await nc.jetstream().object_store("BENCH_PLAIN")
    t0 = time.perf_counter()
    with source.open("rb") as f:
        await obs.put("disk.img", f)
    t1 = time.perf_counter()
    with target.open("wb") as f:
        await obs.get("disk.img", writeinto=f)
    t2 = time.perf_counter()
    await obs.delete("disk.img")
    await nc.drain()
    same = sha256_of(target) == sha256_of(source)
    print(json.dumps({"up": t1 - t0, "down": t2 - t1, "rss": peak_rss_kib(), "same": same}))

asyncio.run(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
"""
)


def child(code: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603  (our own code)
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr.decode()[-2000:])
    result: dict[str, Any] = json.loads(done.stdout)
    if not result["same"]:
        raise SystemExit("the downloaded file differs from the source")
    return result


def write_source(path: Path, size: int) -> None:
    with path.open("wb") as f:
        for _ in range(size // (1 << 20)):
            f.write(os.urandom(1 << 20))


async def setup(url: str) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await topology.bootstrap(js)
    await topology.register_authority(js, SENDER)
    await js.create_object_store("BENCH_PLAIN")
    await nc.drain()


async def measure(size: int, runs: int) -> dict[str, list[dict[str, Any]]]:
    results: dict[str, list[dict[str, Any]]] = {"palermo": [], "baseline": []}
    with tempfile.TemporaryDirectory(prefix="palermo-bench-") as tmp:
        work = Path(tmp)
        source, target = work / "source.bin", work / "target.bin"
        write_source(source, size)
        async with NatsServer(work / "nats") as server:
            await setup(server.url)
            for _ in range(runs):
                results["baseline"].append(
                    await asyncio.to_thread(child, _BASELINE, server.url, str(source), str(target))
                )
                results["palermo"].append(
                    await asyncio.to_thread(
                        child, _PALERMO, server.url, str(source), str(target), SENDER
                    )
                )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="file size in MiB")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="64 MiB, 1 run")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    if args.quick:
        args.mib, args.runs = 64, 1
    size = args.mib << 20
    results = asyncio.run(measure(size, args.runs))
    rows = []
    print(f"{args.mib} MiB up and down, {args.runs} run(s) each, alternated; median (spread)")
    for name, label in (("baseline", "baseline: nats-py object store"), ("palermo", "Palermo")):
        runs = results[name]
        row: list[object] = [label]
        for leg in ("up", "down"):
            rates = [size / 1e6 / r[leg] for r in runs]
            row += [round(statistics.median(rates)), f"{min(rates):.0f}-{max(rates):.0f}"]
        row.append(round(max(r["rss"] for r in runs) / 1024, 1))
        rows.append(row)
        print(
            f"{label:32} up {row[1]:>5} MB/s ({row[2]}), down {row[3]:>5} MB/s ({row[4]}), "
            f"peak RSS {row[5]} MB"
        )
    if args.json:
        table = {
            "title": f"attachment of {args.mib} MiB (goal: >= 200 MB/s each way, <= 100 MB RSS)",
            "columns": [
                "system",
                "up MB/s",
                "up spread",
                "down MB/s",
                "down spread",
                "peak RSS MB",
            ],
            "rows": rows,
        }
        args.json.write_text(
            json.dumps({"bench": "attachments", "tables": [table], "curves": []}, indent=1)
        )


if __name__ == "__main__":
    main()
