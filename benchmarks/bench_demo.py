"""Time `assetmap demo` end to end, as a user runs it, against the 20 s budget of issue 2.

Runs the command as a separate process (cold Python start, imports, reading, analysis, map,
report, layers) a few times and prints the median, and where the time goes inside one run.

    .venv/bin/python benchmarks/bench_demo.py [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_S = 20.0


def run_cli(out: Path) -> float:
    exe = Path(sys.executable).with_name("assetmap")
    t0 = time.perf_counter()
    subprocess.run([str(exe), "-q", "demo", "--out", str(out)], check=True)
    return time.perf_counter() - t0


def stages() -> dict[str, float]:
    import assetmap as am
    from assetmap.export import write_layers, write_tables

    times: dict[str, float] = {}
    t = time.perf_counter()
    project = am.load_sample()
    times["read + validate + merge"] = time.perf_counter() - t
    t = time.perf_counter()
    atlas = project.build()
    times["need + access + gaps + overlaps"] = time.perf_counter() - t
    out = Path(tempfile.mkdtemp())
    t = time.perf_counter()
    atlas.map().save(str(out / "map.html"))
    times["map"] = time.perf_counter() - t
    t = time.perf_counter()
    atlas.report(out)
    times["report"] = time.perf_counter() - t
    t = time.perf_counter()
    write_tables(atlas, out)
    write_layers(atlas, out / "layers.gpkg")
    times["tables + GeoPackage"] = time.perf_counter() - t
    shutil.rmtree(out)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    walls = []
    for _ in range(args.runs):
        out = Path(tempfile.mkdtemp())
        walls.append(run_cli(out))
        shutil.rmtree(out)
    med = statistics.median(walls)
    print(
        f"assetmap demo, whole process, {args.runs} runs: median {med:.2f} s "
        f"(min {min(walls):.2f}, max {max(walls):.2f})"
    )
    print(f"budget {BUDGET_S:.0f} s -> {BUDGET_S / med:.1f}x headroom")
    print("inside one run (warm imports):")
    for k, v in stages().items():
        print(f"  {k:<34} {v:6.2f} s")


if __name__ == "__main__":
    main()
